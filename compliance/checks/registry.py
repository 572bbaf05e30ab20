"""Every automated check by id, and which stage runs which by default."""

from collections.abc import Callable

from compliance.checks import legal, technical, transfer
from compliance.checks.context import CheckContext, FindingData

CHECKS: dict[str, Callable[[CheckContext], list[FindingData]]] = {
    "legal.declarations": legal.declarations,
    "legal.contract_terms": legal.contract_terms,
    "legal.mechanism_evidence": legal.mechanism_evidence,
    "technical.schema": technical.schema_valid,
    "technical.files_match_schema": technical.files_match_schema,
    "technical.pii_scan": technical.pii_scan,
    "technical.k_threshold": technical.k_threshold,
    "technical.privacy_declaration": technical.privacy_declaration,
    "compliance.transfer_assessment": transfer.transfer_assessment,
    "compliance.export_volume": transfer.export_volume,
    "compliance.expiring_evidence": transfer.expiring_evidence,
    "compliance.dpo": transfer.dpo_present,
}

DEFAULT_STAGE_CHECKS = {
    "legal": ["legal.declarations", "legal.contract_terms", "legal.mechanism_evidence"],
    "technical": [
        "technical.schema",
        "technical.files_match_schema",
        "technical.pii_scan",
        "technical.k_threshold",
        "technical.privacy_declaration",
    ],
    "compliance": [
        "compliance.transfer_assessment",
        "compliance.export_volume",
        "compliance.expiring_evidence",
        "compliance.dpo",
    ],
}

# Which version/offer fields each stage looks at: a resubmission reruns an approved stage
# only when one of its fields changed.
STAGE_FIELDS = {
    "legal": {
        "lawful_basis",
        "rights_confirmed",
        "consent_evidence",
        "exporter_ciio",
        "important_data_notification",
        "free_trade_zone",
        "foreign_collected_reexport",
        "gba_city",
        "data_categories",
        "important_data",
        "data_subject_count",
        "evidence",
        "offers",
    },
    "technical": {
        "schema",
        "sample",
        "dataset",
        "data_categories",
        "anonymised",
        "min_group_size",
        "delivery_mode",
        "privacy",
    },
    "compliance": {
        "data_categories",
        "important_data",
        "data_subject_count",
        "exporter_ciio",
        "free_trade_zone",
        "foreign_collected_reexport",
        "gba_city",
        "evidence",
        "offers",
    },
}


# Checks that read the sample or the dataset run in the product's data region, on its
# queue, where the files are; the others run anywhere.
REGIONAL_CHECKS = {
    "technical.files_match_schema",
    "technical.pii_scan",
    "technical.k_threshold",
}


def run_check(check_id: str, ctx: CheckContext) -> list[FindingData]:
    return CHECKS[check_id](ctx)
