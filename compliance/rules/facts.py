"""The rules engine's input facts for exporting one product version: the one place they are
built, for the compliance stage's checks and for every licence request alike.

The words are the assessment's vocabulary (``docs/domain.md``, "The assessment's
vocabulary"); the counts since 1 January are the caller's (``compliance.selectors.
provider_subjects_ytd``, the one count both use).
"""

from typing import Any

from accounts.models import Organization
from catalogue.models import ProductVersion


def controller_facts(provider: Organization, version: ProductVersion) -> dict[str, Any]:
    """The provider's whole processing, as it answered in its profile (Malaysia's DPO duty is
    judged on it). A figure it has not given stays unknown; a given one is never below what
    the exchange itself knows of this version."""
    facts: dict[str, Any] = {}
    categories = set(version.data_categories or [])
    personal = version.data_subject_count if version.has_personal_data else 0
    sensitive = version.data_subject_count if "sensitive_personal" in categories else 0
    if provider.processed_subjects is not None:
        facts["controller_subjects"] = max(provider.processed_subjects, personal)
    if provider.processed_sensitive_subjects is not None:
        facts["controller_sensitive_subjects"] = max(
            provider.processed_sensitive_subjects, sensitive
        )
        if "controller_subjects" in facts:
            facts["controller_subjects"] = max(
                facts["controller_subjects"], facts["controller_sensitive_subjects"]
            )
    if provider.systematic_monitoring is not None:
        facts["systematic_monitoring"] = provider.systematic_monitoring
    return facts


def transfer_facts(
    version: ProductVersion,
    *,
    destination: str,
    subjects_ytd: int,
    sensitive_subjects_ytd: int,
    recipient: Organization | None = None,
    recipient_restricted: bool = False,
    prc_authority_approval: bool = False,
) -> dict[str, Any]:
    """What the engine needs to assess exporting ``version`` to ``destination``.

    ``recipient`` is the buyer organisation (its declared kind); without one (the
    compliance stage, which assesses the offer's territories for any buyer) the recipient is
    a company. ``recipient_restricted`` is the screening's answer for the recipient.
    """
    exemptions = []
    if version.free_trade_zone.strip():
        exemptions.append("free_trade_zone")
    if version.foreign_collected_reexport:
        exemptions.append("foreign_collected_reexport")
    return {
        "origin": version.product.origin_jurisdiction,
        "destination": destination,
        "data_categories": list(version.data_categories or ["non_personal"]),
        "subjects_ytd": subjects_ytd,
        "sensitive_subjects_ytd": sensitive_subjects_ytd,
        "important_data": version.important_data,
        "exporter_ciio": version.exporter_ciio,
        "exporter_in_gba": bool(version.gba_city),
        "recipient_type": (
            recipient.recipient_type
            if recipient is not None
            else Organization.RecipientType.COMPANY
        ),
        "recipient_restricted": recipient_restricted,
        "prc_authority_approval": prc_authority_approval,
        "exemptions": exemptions,
        **controller_facts(version.product.provider, version),
    }
