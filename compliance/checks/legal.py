"""Legal checks: declarations, contract terms, and the evidence the transfer rules require."""

from datetime import date, timedelta

from compliance.checks.context import CheckContext, FindingData, blocking, info, warning

MAX_BREACH_NOTICE_HOURS = 72
THREE_YEARS = timedelta(days=3 * 365 + 1)
# Evidence that is only good for three years from issue (CAC security assessment approval:
# 2024 Provisions Art. 9; Malaysian transfer impact assessment: 2025 guidelines).
THREE_YEAR_EVIDENCE = {"cn_security_assessment", "my_transfer_impact_assessment"}
FORUMS = {"SIAC", "CIETAC", "AIAC"}


def declarations(ctx: CheckContext) -> list[FindingData]:
    v = ctx.version
    out: list[FindingData] = []
    if not (v.get("lawful_basis") or "").strip():
        out.append(
            blocking(
                "declaration.lawful_basis", "The data rights and lawful basis are not declared."
            )
        )
    if not v.get("rights_confirmed"):
        out.append(
            blocking(
                "declaration.rights",
                "The provider has not confirmed it holds the rights to license the data.",
            )
        )
    if ctx.has_personal_data:
        if not (v.get("consent_evidence") or "").strip():
            out.append(blocking("declaration.consent", "Personal data without consent evidence."))
        if not v.get("data_subject_count"):
            out.append(
                blocking("declaration.subjects", "Personal data without a data-subject count.")
            )
    if v.get("important_data") and not (v.get("important_data_notification") or "").strip():
        out.append(
            blocking(
                "declaration.important_data",
                "Declared important data without the notification reference "
                "(PRC Data Security Law Art. 21; 2024 Provisions Art. 2).",
            )
        )
    if ctx.origin == "CN" and v.get("exporter_ciio") and ctx.has_personal_data:
        out.append(
            warning(
                "declaration.ciio",
                "A critical information infrastructure operator exporting personal "
                "information needs a CAC security assessment (2024 Provisions Art. 7).",
            )
        )
    if not out:
        out.append(info("declaration.ok", "All required declarations are present."))
    return out


def contract_terms(ctx: CheckContext) -> list[FindingData]:
    out: list[FindingData] = []
    if not ctx.offers:
        return [blocking("terms.no_offer", "The product has no active offer to review.")]
    for offer in ctx.offers:
        problems = []
        if not offer.territories:
            problems.append("no permitted territories")
        if not offer.governing_law:
            problems.append("no governing law")
        if offer.dispute_forum not in FORUMS:
            problems.append("no recognised dispute forum (SIAC, CIETAC or AIAC)")
        if not (offer.audit_rights or "").strip():
            problems.append("no audit and inspection rights")
        if not 1 <= int(offer.breach_notice_hours or 0) <= MAX_BREACH_NOTICE_HOURS:
            problems.append(f"breach notice must be 1–{MAX_BREACH_NOTICE_HOURS} hours")
        if offer.end_of_term not in ("delete", "return"):
            problems.append("no deletion or return at the end of the term")
        if problems:
            out.append(
                blocking(
                    "terms.incomplete",
                    f"Offer “{offer.name}”: " + "; ".join(problems) + ".",
                    offer=offer.name,
                )
            )
    # Where China's standard contract applies, PRC law governs that contract (CAC template).
    needs_scc = any("cn_standard_contract" in a.mechanisms_any_of for a in ctx.assessments)
    if needs_scc:
        for offer in ctx.offers:
            if offer.governing_law != "CN":
                out.append(
                    warning(
                        "terms.scc_conflict",
                        f"Offer “{offer.name}” is governed by {offer.governing_law} law; the CAC "
                        "standard contract it relies on is governed by PRC law. The licence terms "
                        "must not conflict with the CAC template.",
                        offer=offer.name,
                    )
                )
    if not out:
        out.append(info("terms.ok", f"Contract terms complete in {len(ctx.offers)} offer(s)."))
    return out


def evidence_valid(
    kind: str, issued_on: date | None, expires_on: date | None, today: date
) -> str | None:
    """None when the evidence is in force today, otherwise why not."""
    if expires_on is not None and expires_on < today:
        return f"expired on {expires_on.isoformat()}"
    if kind in THREE_YEAR_EVIDENCE:
        if issued_on is None:
            return "no issue date (it is valid for three years from issue)"
        if issued_on + THREE_YEARS < today:
            return f"issued on {issued_on.isoformat()}, more than three years ago"
    if issued_on is not None and issued_on > today:
        return f"issued in the future ({issued_on.isoformat()})"
    return None


def mechanism_evidence(ctx: CheckContext) -> list[FindingData]:
    """Every territory whose transfer needs a mechanism has evidence of one, in force."""
    out: list[FindingData] = []
    for assessment in ctx.assessments:
        if assessment.decision != "allow_with_mechanism":
            continue
        options = assessment.mechanisms_any_of
        valid, stale = [], []
        for ev in ctx.evidence:
            if ev.kind in options:
                problem = evidence_valid(ev.kind, ev.issued_on, ev.expires_on, ctx.today)
                (stale if problem else valid).append((ev, problem))
        if valid:
            ev = valid[0][0]
            out.append(
                info(
                    "evidence.ok",
                    f"{ctx.origin}→{assessment.territory}: "
                    f"{ev.kind} “{ev.title}” {ev.reference}".strip(),
                    territory=assessment.territory,
                    kind=ev.kind,
                )
            )
            continue
        detail = "; ".join(f"{ev.kind} “{ev.title}” {why}" for ev, why in stale)
        out.append(
            blocking(
                "evidence.missing",
                f"{ctx.origin}→{assessment.territory} needs one of: {', '.join(options)}."
                + (f" Attached but not valid: {detail}." if detail else " None is attached."),
                territory=assessment.territory,
                mechanisms=options,
            )
        )
    if not out:
        out.append(info("evidence.none_needed", "No transfer needs a mechanism."))
    return out
