"""The rules engine's input facts for exporting one product version: the one place they are
built, for the compliance stage's checks and for every licence request alike.

The words are the assessment's vocabulary (``docs/domain.md``, "The assessment's
vocabulary"); the counts since 1 January are the caller's (see ``compliance.selectors``).
"""

from typing import Any

from catalogue.models import ProductVersion


def transfer_facts(
    version: ProductVersion,
    *,
    destination: str,
    subjects_ytd: int,
    sensitive_subjects_ytd: int,
    recipient_type: str = "company",
) -> dict[str, Any]:
    """What the engine needs to assess exporting ``version`` to ``destination``."""
    exemptions = ["free_trade_zone"] if version.free_trade_zone.strip() else []
    return {
        "origin": version.product.origin_jurisdiction,
        "destination": destination,
        "data_categories": list(version.data_categories or ["non_personal"]),
        "subjects_ytd": subjects_ytd,
        "sensitive_subjects_ytd": sensitive_subjects_ytd,
        "important_data": version.important_data,
        "exporter_ciio": version.exporter_ciio,
        "recipient_type": recipient_type,
        "exemptions": exemptions,
    }
