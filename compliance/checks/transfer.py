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
        f"Since 1 January {ctx.provider_name} has exported the personal information of "
        f"{ctx.subjects_ytd:,} individuals (other than sensitive) and the sensitive personal "
        f"information of {ctx.sensitive_subjects_ytd:,} individuals from {ctx.origin}, this "
        "product included, each product counted once."
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
    """Malaysia's DPO duty (PDPA s.12A and the 2025 DPO guideline), judged on the provider's
    whole processing as it declared it, never below what this product shows."""
    if ctx.origin != "MY":
        return [info("dpo.not_applicable", "Malaysia's DPO duty does not apply to this origin.")]
    if not ctx.has_personal_data:
        return [info("dpo.not_applicable", "No personal data in this product.")]
    count = int(ctx.version.get("data_subject_count") or 0)
    sensitive_count = count if "sensitive_personal" in ctx.data_categories else 0
    subjects = max(ctx.provider_processed_subjects or 0, count)
    sensitive = max(ctx.provider_processed_sensitive_subjects or 0, sensitive_count)
    monitoring = ctx.provider_systematic_monitoring
    reasons = []
    if subjects > MY_DPO_SUBJECTS:
        reasons.append(f"personal data of {subjects:,} data subjects (more than 20,000)")
    if sensitive > MY_DPO_SENSITIVE_SUBJECTS:
        reasons.append(
            f"sensitive personal data or financial information of {sensitive:,} data subjects "
            "(more than 10,000)"
        )
    if monitoring:
        reasons.append("regular and systematic monitoring of data subjects")
    unanswered = [
        question
        for question, answer in (
            ("the data subjects it processes", ctx.provider_processed_subjects),
            (
                "those with sensitive data or financial information",
                ctx.provider_processed_sensitive_subjects,
            ),
            ("whether it monitors individuals systematically", monitoring),
        )
        if answer is None
    ]
    if reasons and not ctx.provider_has_dpo:
        return [
            blocking(
                "dpo.missing",
                f"{ctx.provider_name} processes " + "; ".join(reasons) + ": Malaysia's DPO duty "
                "applies, and the provider has no DPO on record.",
                reasons=reasons,
            )
        ]
    if reasons:
        return [info("dpo.ok", "A data protection officer is on record.", reasons=reasons)]
    if unanswered:
        return [
            blocking(
                "dpo.facts_missing",
                f"Whether Malaysia's DPO duty applies depends on all of {ctx.provider_name}'s "
                "processing, not on this product: the provider has not stated "
                + ", ".join(unanswered)
                + " (organisation profile).",
                unanswered=unanswered,
            )
        ]
    return [
        info("dpo.below_threshold", "Below Malaysia's DPO thresholds, no systematic monitoring.")
    ]
