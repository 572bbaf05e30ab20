"""Compliance checks: the transfer assessment per territory, export volumes, expiring
evidence and Malaysia's DPO duty."""

from datetime import timedelta

from compliance.checks.context import CheckContext, FindingData, blocking, info, warning
from compliance.checks.legal import evidence_valid

# PDPA 2010 s.12A (in force 1 June 2025) and the DPO guideline's thresholds.
MY_DPO_SUBJECTS = 20_000
MY_DPO_SENSITIVE_SUBJECTS = 10_000
EXPIRY_WARNING = timedelta(days=90)


def transfer_assessment(ctx: CheckContext) -> list[FindingData]:
    if not ctx.assessments:
        return [blocking("transfer.no_territory", "No offer names a territory to assess.")]
    out: list[FindingData] = []
    for a in ctx.assessments:
        where = f"{ctx.origin}→{a.territory}"
        extra = {
            "territory": a.territory,
            "decision": a.decision,
            "rules": a.rules,
            "mechanisms": a.mechanisms_any_of,
            "obligations": a.obligations,
        }
        if a.decision == "block":
            out.append(blocking("transfer.blocked", f"{where}: blocked. {a.explanation}", **extra))
        elif a.decision == "manual_review":
            out.append(
                warning(
                    "transfer.manual_review",
                    f"{where}: needs a compliance reviewer's judgement. {a.explanation}",
                    **extra,
                )
            )
        elif a.decision == "allow_with_mechanism":
            obligations = f" Obligations: {', '.join(a.obligations)}." if a.obligations else ""
            out.append(
                info(
                    "transfer.mechanism",
                    f"{where}: allowed with one of {', '.join(a.mechanisms_any_of)}." + obligations,
                    **extra,
                )
            )
        else:
            out.append(info("transfer.allowed", f"{where}: allowed. {a.explanation}", **extra))
    return out


def export_volume(ctx: CheckContext) -> list[FindingData]:
    if not ctx.has_personal_data:
        return [info("volume.non_personal", "No personal information: export counts do not apply.")]
    msg = (
        f"{ctx.provider_name} has exported personal information of {ctx.subjects_ytd:,} "
        f"individuals since 1 January ({ctx.sensitive_subjects_ytd:,} sensitive), "
        "this product included."
    )
    if ctx.origin == "CN" and (
        ctx.subjects_ytd >= 1_000_000 or ctx.sensitive_subjects_ytd >= 10_000
    ):
        return [
            warning(
                "volume.cn_security_assessment",
                msg + " This is at or above the CAC "
                "security-assessment threshold (2024 Provisions Art. 7).",
                subjects_ytd=ctx.subjects_ytd,
                sensitive_ytd=ctx.sensitive_subjects_ytd,
            )
        ]
    return [
        info(
            "volume.counted",
            msg,
            subjects_ytd=ctx.subjects_ytd,
            sensitive_ytd=ctx.sensitive_subjects_ytd,
        )
    ]


def expiring_evidence(ctx: CheckContext) -> list[FindingData]:
    out: list[FindingData] = []
    for ev in ctx.evidence:
        problem = evidence_valid(ev.kind, ev.issued_on, ev.expires_on, ctx.today)
        if problem:
            out.append(
                warning("evidence.invalid", f"{ev.kind} “{ev.title}”: {problem}.", kind=ev.kind)
            )
        elif ev.expires_on and ev.expires_on - ctx.today <= EXPIRY_WARNING:
            out.append(
                warning(
                    "evidence.expiring",
                    f"{ev.kind} “{ev.title}” expires on {ev.expires_on.isoformat()}.",
                    kind=ev.kind,
                )
            )
    if not out:
        out.append(info("evidence.current", "No evidence expires within 90 days."))
    return out


def dpo_present(ctx: CheckContext) -> list[FindingData]:
    if ctx.origin != "MY":
        return [info("dpo.not_applicable", "Malaysia's DPO duty does not apply to this origin.")]
    count = int(ctx.version.get("data_subject_count") or 0)
    sensitive = "sensitive_personal" in ctx.data_categories
    needed = count > MY_DPO_SUBJECTS or (sensitive and count > MY_DPO_SENSITIVE_SUBJECTS)
    if not needed:
        return [info("dpo.below_threshold", "Below Malaysia's DPO thresholds.")]
    if not ctx.provider_has_dpo:
        return [
            blocking(
                "dpo.missing",
                f"{count:,} data subjects{' (sensitive)' if sensitive else ''}"
                " exceed Malaysia's DPO threshold, and the provider has no DPO on record.",
            )
        ]
    return [info("dpo.ok", "A data protection officer is on record.")]
