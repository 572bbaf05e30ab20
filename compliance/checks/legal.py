"""Legal checks: declarations, contract terms, and the evidence the transfer rules require."""

from datetime import date

from compliance.checks.context import (
    CheckContext,
    EvidenceFacts,
    FindingData,
    TerritoryAssessment,
    blocking,
    info,
    warning,
)

# The exchange's ceiling (catalogue.models.MAX_BREACH_NOTICE_HOURS; this module is pure).
MAX_BREACH_NOTICE_HOURS = 24
# Evidence valid three years from issue (docs/domain.md, "Evidence and its validity"): a CAC
# security assessment result (2024 Provisions Art. 9), a personal information protection
# certificate (Certification Measures, in force 1 January 2026) and a Malaysian transfer
# impact assessment (the 2025 cross-border guideline).
VALIDITY_YEARS = {
    "cn_security_assessment": 3,
    "cn_certification": 3,
    "my_transfer_impact_assessment": 3,
}
# A security assessment's validity may be extended once by three years on application
# (Art. 9): an approval whose expiry date says so is good until that date.
EXTENSION_YEARS = {"cn_security_assessment": 3}
# Evidence whose own expiry date, within the validity, governs (a certificate's term).
EXPIRY_GOVERNS = {"cn_security_assessment", "cn_certification"}
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


def _valid_evidence(ctx: CheckContext, kinds) -> list[EvidenceFacts]:
    return [
        ev
        for ev in ctx.evidence
        if ev.kind in kinds
        and evidence_valid(ev.kind, ev.issued_on, ev.expires_on, ctx.today) is None
    ]


def relies_on_standard_contract(ctx: CheckContext, assessment: TerritoryAssessment) -> bool:
    """Whether the transfer to this territory rests on China's standard contract: the rules
    name it among the mechanisms, and no other mechanism they name is evidenced."""
    options = assessment.mechanisms_any_of
    if "cn_standard_contract" not in options or assessment.decision == "block":
        return False
    return not _valid_evidence(ctx, [m for m in options if m != "cn_standard_contract"])


def contract_terms(ctx: CheckContext) -> list[FindingData]:
    out: list[FindingData] = []
    if not ctx.offers:
        return [blocking("terms.no_offer", "The product has no active offer to review.")]
    for offer in ctx.offers:
        problems = []
        if not offer.terms.get("purposes"):
            problems.append("no permitted purpose")
        if not offer.territories:
            problems.append("no permitted territories")
        if not offer.term_months:
            problems.append(
                "no end to the licence (every licence ends, so that deletion or return "
                "at the end of the term happens)"
            )
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
        if offer.terms.get("onward_transfer_allowed") and not offer.terms.get(
            "onward_transfer_territories"
        ):
            problems.append("onward transfer allowed without naming where recipients may be")
        if problems:
            out.append(
                blocking(
                    "terms.incomplete",
                    f"Offer “{offer.name}”: " + "; ".join(problems) + ".",
                    offer=offer.name,
                )
            )
    # Where China's standard contract is the mechanism, PRC law governs that contract and it
    # must not be contradicted (CAC template): the licence is governed by PRC law, or the
    # standard contract is signed beside it as a separate PRC-law instrument that prevails.
    by_territory = {a.territory: a for a in ctx.assessments}
    for offer in ctx.offers:
        relying = sorted(
            t
            for t in offer.territories or []
            if t in by_territory and relies_on_standard_contract(ctx, by_territory[t])
        )
        if (
            relying
            and offer.governing_law != "CN"
            and not offer.terms.get("standard_contract_prevails")
        ):
            out.append(
                blocking(
                    "terms.scc_conflict",
                    f"Offer “{offer.name}” is governed by {offer.governing_law} law, but the "
                    f"transfer to {', '.join(relying)} relies on the CAC standard contract, which "
                    "is governed by PRC law. Govern the offer by PRC law (CN), or sign the "
                    "standard contract as a separate PRC-law instrument that prevails over "
                    "these terms and say so in the offer.",
                    offer=offer.name,
                    territories=relying,
                )
            )
    if not out:
        out.append(info("terms.ok", f"Contract terms complete in {len(ctx.offers)} offer(s)."))
    return out


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def evidence_valid(
    kind: str, issued_on: date | None, expires_on: date | None, today: date
) -> str | None:
    """None when the evidence is in force today, otherwise why not.

    Evidence with a validity in :data:`VALIDITY_YEARS` needs its issue date. Without an
    expiry date it is good for that many years from issue; a security assessment or a
    certificate with one is good until that date, which may not lie beyond the validity (a
    security assessment: plus its one extension).
    """
    if expires_on is not None and expires_on < today:
        return f"expired on {expires_on.isoformat()}"
    if issued_on is not None and issued_on > today:
        return f"issued in the future ({issued_on.isoformat()})"
    years = VALIDITY_YEARS.get(kind)
    if years is None:
        return None
    if issued_on is None:
        return f"no issue date (it is valid for {years} years from issue)"
    if kind in EXPIRY_GOVERNS and expires_on is not None:
        longest = years + EXTENSION_YEARS.get(kind, 0)
        if expires_on > _years_after(issued_on, longest):
            return (
                f"expires on {expires_on.isoformat()}, more than {longest} years after its issue "
                f"on {issued_on.isoformat()}"
            )
        return None
    if _years_after(issued_on, years) < today:
        return f"issued on {issued_on.isoformat()}, more than {years} years ago"
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
