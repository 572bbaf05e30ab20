"""Writes of licensing: requests, transfer assessment, decisions, licences, access, metering.

Only these services grant or revoke the `use_product` object permission.
"""

import calendar
import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from accounts.jurisdictions import jurisdiction_name
from accounts.models import ApiToken, Membership, Organization, User
from accounts.screening import ScreeningHit, screen_organization
from catalogue import services as catalogue_services
from catalogue.models import (
    MAX_BREACH_NOTICE_HOURS,
    DataProduct,
    Offer,
    ProductVersion,
    Purpose,
)
from catalogue.privacy import Declaration, DeclarationError, parse_declaration
from catalogue.selectors import offer_terms
from catalogue.services import DATASET, PRODUCT
from compliance import selectors as review_selectors
from compliance.checks.legal import evidence_valid
from compliance.rules.facts import transfer_facts
from compliance.rules.models import Mechanism, TransferAssessment
from compliance.rules.services import transfer_assess
from compliance.services.notifications import Text, notify_organization, notify_provider
from kernel.exceptions import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from kernel.ledger.services import audit_record
from kernel.storage import stage_file
from kernel.transitions import StateMachine, transition
from licensing import odrl, selectors
from licensing.exceptions import (
    AccessRefused,
    NoLiveLicence,
    PrivacyBudgetExhausted,
    ProductSuspended,
    QuotaExceeded,
)
from licensing.models import (
    Licence,
    LicenceRequest,
    PrivacyReservation,
    QueryAnswer,
    RequestEvidence,
    UsageRecord,
)
from licensing.privacy import check_private_query, plan
from licensing.query import Query, parse_query
from licensing.regional import DatasetNotReady, answer_in_region
from licensing.selectors import month_window

R = LicenceRequest.Status
# Each move names the operation (service) that makes it; see kernel.transitions.
REQUEST_TRANSITIONS: dict[str, dict[str, str]] = {
    R.REQUESTED: {R.ASSESSING: "assess", R.WITHDRAWN: "withdraw"},
    R.ASSESSING: {
        R.BLOCKED: "assess",
        R.MANUAL_REVIEW: "assess",
        R.AWAITING_EVIDENCE: "assess",
        R.AWAITING_PROVIDER: "assess",
    },
    R.MANUAL_REVIEW: {
        R.AWAITING_EVIDENCE: "transfer_review",
        R.AWAITING_PROVIDER: "transfer_review",
        R.BLOCKED: "transfer_review",
        R.WITHDRAWN: "withdraw",
    },
    R.AWAITING_EVIDENCE: {
        R.AWAITING_PROVIDER: "evidence",
        R.DECLINED: "decide",
        R.WITHDRAWN: "withdraw",
    },
    R.AWAITING_PROVIDER: {R.APPROVED: "decide", R.DECLINED: "decide", R.WITHDRAWN: "withdraw"},
    R.APPROVED: {},
    R.DECLINED: {},
    R.WITHDRAWN: {},
    R.BLOCKED: {},
}
REQUEST_OPERATIONS: dict[str, set[str]] = {
    # Evidence is attached while the request waits for it (valid evidence moves it on).
    "evidence": {R.AWAITING_EVIDENCE},
}
REQUEST = StateMachine(
    model=LicenceRequest,
    field="status",
    transitions=REQUEST_TRANSITIONS,
    operations=REQUEST_OPERATIONS,
    noun=gettext_lazy("licence request"),
    action_prefix="licensing.request",
)

# A request is open (one per buyer and offer) until it reaches a final state.
OPEN_REQUEST_STATES = [s for s in REQUEST.states if not REQUEST.is_final(s)]

L = Licence.Status
LICENCE_TRANSITIONS: dict[str, dict[str, str]] = {
    L.ACTIVE: {L.EXPIRED: "expire", L.REVOKED: "revoke", L.SUSPENDED: "suspend"},
    L.SUSPENDED: {L.ACTIVE: "reinstate", L.REVOKED: "revoke", L.EXPIRED: "expire"},
    L.EXPIRED: {},
    L.REVOKED: {},
}
LICENCE_OPERATIONS: dict[str, set[str]] = {
    # A new period under the same terms follows an active or expired one (not a revoked or
    # suspended one: those end or pause by someone's decision).
    "renew": {L.ACTIVE, L.EXPIRED},
}
LICENCE = StateMachine(
    model=Licence,
    field="status",
    transitions=LICENCE_TRANSITIONS,
    operations=LICENCE_OPERATIONS,
    noun=gettext_lazy("licence"),
    action_prefix="licensing.licence",
)
USE_PRODUCT = "catalogue.use_product"
KIND_FOR_MODE = {"query_api": "query", "insight_report": "report", "aggregated_extract": "extract"}


# --- terms --------------------------------------------------------------------------------


def terms_hash(terms: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest()


# --- requests -----------------------------------------------------------------------------


def _require_member(user: User, org: Organization) -> Membership:
    membership = Membership.objects.filter(user=user, organization=org).first()
    if membership is None:
        raise PermissionDenied(_("You are not a member of this organisation."))
    return membership


def licence_request_create(
    *,
    buyer: Organization,
    user: User,
    offer: Offer,
    purpose: str,
    processing_jurisdiction: str,
    intended_start: date,
    accepted_terms_hash: str,
    message: str = "",
    authority_approval: str = "",
) -> LicenceRequest:
    """A verified buyer asks for an offer; the buyer is screened and the transfer assessed
    at once.

    ``authority_approval`` is for a buyer that is a judicial or law-enforcement body: the
    reference of the competent PRC authority's approval (DSL Art. 36, PIPL Art. 41), which
    sends a Chinese-origin request to a compliance reviewer instead of blocking it."""
    _require_member(user, buyer)
    if not buyer.is_buyer:
        raise PermissionDenied(_("Only buyer organisations can request licences."))
    if not buyer.is_verified:
        raise PermissionDenied(
            _("Your organisation must be verified by the exchange before it can request licences.")
        )
    product = offer.product
    if not PRODUCT.permits(product, "license") or not offer.is_active:
        raise InvalidTransition(_("This offer is not available."))
    if product.provider_id == buyer.pk:
        raise InvalidInput(_("You cannot license your own product."))
    terms = offer_terms(offer)
    if accepted_terms_hash != terms_hash(terms):
        raise Conflict(
            _("The offer's terms changed since you read them: review them and accept again."),
            field="accepted_terms_hash",
        )
    if purpose not in terms["purposes"]:
        raise InvalidInput(
            _("Choose one of the offer's permitted purposes: %(p)s.")
            % {"p": ", ".join(terms["purposes"])},
            field="purpose",
        )
    jurisdiction = (processing_jurisdiction or "").upper()
    if jurisdiction not in offer.territories:
        raise InvalidInput(
            _("The offer permits processing only in: %(t)s.")
            % {"t": ", ".join(sorted(offer.territories))},
            field="processing_jurisdiction",
        )
    if intended_start < timezone.localdate():
        raise InvalidInput(_("The start date cannot be in the past."), field="intended_start")
    authority_approval = (authority_approval or "").strip()
    if authority_approval and buyer.recipient_type not in AUTHORITY_RECIPIENTS:
        raise InvalidInput(
            _(
                "Only a judicial or law-enforcement body shows an authority's approval; your "
                "organisation is registered as %(kind)s."
            )
            % {"kind": buyer.get_recipient_type_display().lower()},
            field="authority_approval",
        )
    if len(authority_approval) > 300:
        raise InvalidInput(_("At most 300 characters."), field="authority_approval")
    with transaction.atomic():
        Offer.objects.select_for_update().get(pk=offer.pk)
        if LicenceRequest.objects.filter(
            buyer=buyer, offer=offer, status__in=OPEN_REQUEST_STATES
        ).exists():
            raise Conflict(_("You already have an open request for this offer."))
        request = LicenceRequest.objects.create(
            buyer=buyer,
            requested_by=user,
            product=product,
            offer=offer,
            purpose=purpose,
            processing_jurisdiction=jurisdiction,
            intended_start=intended_start,
            accepted_terms=terms,
            terms_hash=accepted_terms_hash,
            message=message.strip(),
            authority_approval=authority_approval,
        )
        audit_record(
            action="licensing.request.created",
            actor=user,
            organization=buyer,
            obj=request,
            after={"offer": offer.name, "purpose": purpose, "jurisdiction": jurisdiction},
        )
        _assess(request, actor=user)
    return request


AUTHORITY_RECIPIENTS = (
    Organization.RecipientType.JUDICIAL,
    Organization.RecipientType.LAW_ENFORCEMENT,
)


def _screened(
    buyer: Organization, *, subject, actor: User | None, action: str
) -> ScreeningHit | None:
    """Screens the buyer against the restricted-parties list and records the answer."""
    hit = screen_organization(buyer)
    audit_record(
        action=action,
        actor=actor,
        organization=buyer,
        obj=subject,
        after={"match": hit.as_dict() if hit else None},
    )
    return hit


def _blocked_note(buyer: Organization, hit: ScreeningHit) -> str:
    return _(
        "Blocked: %(buyer)s matches the exchange's restricted-parties list, %(hit)s. The "
        "exchange transfers no data to a listed party."
    ) % {"buyer": buyer.legal_name, "hit": hit.describe()}


def _request_facts(
    version: ProductVersion,
    *,
    buyer: Organization,
    destination: str,
    restricted: bool,
    authority_approval: bool,
) -> dict[str, Any]:
    """The facts of exporting ``version`` to ``buyer``: the one count of individuals since
    1 January (``compliance.selectors.provider_subjects_ytd``), the buyer as it declared
    itself, the screening's answer."""
    product = version.product
    subjects, sensitive = review_selectors.provider_subjects_ytd(
        provider=product.provider, origin=product.origin_jurisdiction, version=version
    )
    return transfer_facts(
        version,
        destination=destination,
        subjects_ytd=subjects,
        sensitive_subjects_ytd=sensitive,
        recipient=buyer,
        recipient_restricted=restricted,
        prc_authority_approval=authority_approval,
    )


def _assess(request: LicenceRequest, *, actor: User | None) -> LicenceRequest:
    """Screens the buyer, runs the transfer rules on a new request and moves it to where
    they send it. A restricted-parties match blocks, naming the entry and its source."""
    product = request.product
    version = product.listed_version
    request = transition(
        request,
        machine=REQUEST,
        to=R.ASSESSING,
        via="assess",
        actor=actor,
        organization=request.buyer,
    )
    hit = _screened(
        request.buyer, subject=request, actor=actor, action="licensing.request.screened"
    )
    assessment = transfer_assess(
        facts=_request_facts(
            version,
            buyer=request.buyer,
            destination=request.processing_jurisdiction,
            restricted=hit is not None,
            authority_approval=bool(request.authority_approval),
        ),
        actor=actor,
        organization=request.buyer,
        context="licence_request",
        subject=request,
    )
    request.assessment = assessment
    changes: dict[str, Any] = {"assessment": assessment}
    if hit is not None:
        # The list is the exchange's, and so is its consequence: whatever the origin's rules
        # say (China's block, Malaysia's or Singapore's review), a listed party gets nothing.
        after = R.BLOCKED
        changes["decision_note"] = _blocked_note(request.buyer, hit)
        changes["screening"] = hit.as_dict()
    elif assessment.decision == "block":
        after = R.BLOCKED
        changes["decision_note"] = assessment.explanation
    elif assessment.decision == "manual_review":
        after = R.MANUAL_REVIEW
    elif assessment.decision == "allow_with_mechanism":
        after = R.AWAITING_PROVIDER if _version_evidence(request) else R.AWAITING_EVIDENCE
    else:
        after = R.AWAITING_PROVIDER
    request = transition(
        request,
        machine=REQUEST,
        to=after,
        via="assess",
        actor=actor,
        organization=request.buyer,
        changes=changes,
        after={
            "assessment": assessment.pk,
            "decision": assessment.decision,
            "screening": changes.get("screening"),
        },
    )
    _follow_up(request, after)
    return request


def _version_evidence(request: LicenceRequest) -> list[dict]:
    """Valid evidence already on the listed version for one of the required mechanisms."""
    needed = set(request.assessment.mechanisms_any_of or [])
    today = timezone.localdate()
    return [
        {
            "mechanism": a.kind,
            "title": a.title,
            "reference": a.reference,
            "expires_on": a.expires_on.isoformat() if a.expires_on else None,
        }
        for a in request.product.listed_version.attachments.filter(kind__in=needed)
        if evidence_valid(a.kind, a.issued_on, a.expires_on, today) is None
    ] + [
        {
            "mechanism": e.mechanism,
            "title": e.title,
            "reference": e.reference,
            "expires_on": e.expires_on.isoformat() if e.expires_on else None,
        }
        for e in request.evidence.filter(valid=True, mechanism__in=needed)
    ]


def _purpose_label(code: str) -> str:
    purpose = Purpose.objects.filter(code=code).first()
    return purpose.label if purpose else code


def _follow_up(request: LicenceRequest, reached: str) -> None:
    """What happens once a request reaches ``reached``: the provider is asked (or an
    automatic offer approves at once), or the provider is asked for transfer evidence."""
    if reached == R.AWAITING_PROVIDER:
        if request.offer.approval_mode == Offer.ApprovalMode.AUTOMATIC:
            _approve(request, actor=None, note=_("Approved automatically under the offer."))
        else:
            notify_provider(
                product=request.product,
                subject=lambda: (
                    _("Licence request from %(buyer)s") % {"buyer": request.buyer.legal_name}
                ),
                body=lambda: (
                    _("%(buyer)s asks for “%(offer)s” to process in %(j)s for: %(p)s.")
                    % {
                        "buyer": request.buyer.legal_name,
                        "offer": request.offer.name,
                        "j": jurisdiction_name(request.processing_jurisdiction),
                        "p": _purpose_label(request.purpose),
                    }
                ),
            )
    elif reached == R.AWAITING_EVIDENCE:
        notify_provider(
            product=request.product,
            subject=lambda: (
                _("Transfer evidence needed for %(buyer)s") % {"buyer": request.buyer.legal_name}
            ),
            body=lambda: (
                _("Attach one of: %(m)s.")
                % {
                    "m": ", ".join(
                        str(dict(Mechanism.choices).get(m, m))
                        for m in request.assessment.mechanisms_any_of
                    )
                }
            ),
        )


def _locked_request(request: LicenceRequest) -> LicenceRequest:
    return (
        LicenceRequest.objects.select_for_update(of=("self",))
        .select_related("buyer", "product__provider", "offer", "assessment")
        .get(pk=request.pk)
    )


def licence_request_withdraw(*, request: LicenceRequest, user: User) -> LicenceRequest:
    _require_member(user, request.buyer)
    with transaction.atomic():
        request = _locked_request(request)
        return transition(
            request,
            machine=REQUEST,
            to=R.WITHDRAWN,
            via="withdraw",
            actor=user,
            organization=request.buyer,
            changes={"decided_at": timezone.now()},
        )


def licence_request_decide(
    *, request: LicenceRequest, user: User, approve: bool, note: str = ""
) -> LicenceRequest:
    """The provider approves (a licence is granted at once) or declines (a note is owed).

    A request waiting for the provider can be approved or declined; one still waiting for
    transfer evidence can only be declined (the map decides)."""
    _require_member(user, request.product.provider)
    if not approve and not note.strip():
        raise InvalidInput(_("Tell the buyer why the request is declined."), field="note")
    with transaction.atomic():
        request = _locked_request(request)
        if approve:
            _approve(request, actor=user, note=note)
        else:
            _decide(request, to=R.DECLINED, actor=user, note=note)
    return request


def licence_request_review(
    *, request: LicenceRequest, reviewer: User, allow: bool, note: str
) -> LicenceRequest:
    """A compliance reviewer settles a transfer the rules sent to manual review."""
    if not reviewer.has_perm("licensing.decide_transfer"):
        raise PermissionDenied(_("Only compliance reviewers decide transfers."))
    if not note.strip():
        raise InvalidInput(_("Record the reasoning of the decision."), field="note")
    with transaction.atomic():
        request = _locked_request(request)
        mechanisms = request.assessment.mechanisms_any_of if request.assessment else []
        if not allow:
            after = R.BLOCKED
        elif mechanisms and not _version_evidence(request):
            after = R.AWAITING_EVIDENCE
        else:
            after = R.AWAITING_PROVIDER
        request = transition(
            request,
            machine=REQUEST,
            to=after,
            via="transfer_review",
            actor=reviewer,
            organization=request.buyer,
            changes={"decision_note": note.strip()},
            after={"note": note.strip()},
            action="licensing.request.transfer_reviewed",
        )
        _follow_up(request, after)
    return request


def licence_request_add_evidence(
    *,
    request: LicenceRequest,
    user: User,
    mechanism: str,
    title: str,
    upload,
    reference: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> RequestEvidence:
    """The provider attaches mechanism evidence; valid evidence moves the request on."""
    _require_member(user, request.product.provider)
    staged = stage_file(RequestEvidence(), "file", upload, upload.name or "evidence")
    try:
        with transaction.atomic():
            request = _locked_request(request)
            REQUEST.require(
                request, "evidence", refusal=_("This request is not waiting for evidence.")
            )
            needed = request.assessment.mechanisms_any_of
            if mechanism not in needed:
                raise InvalidInput(
                    _("This transfer needs one of: %(m)s.") % {"m": ", ".join(needed)},
                    field="mechanism",
                )
            problem = evidence_valid(mechanism, issued_on, expires_on, timezone.localdate())
            evidence = RequestEvidence(
                request=request,
                mechanism=mechanism,
                title=title.strip() or upload.name,
                reference=reference,
                issued_on=issued_on,
                expires_on=expires_on,
                uploaded_by=user,
                valid=problem is None,
                check_note=problem or _("In force."),
            )
            evidence.file.name = staged.final
            evidence.save()
            staged.keep()
            audit_record(
                action="licensing.request.evidence_added",
                actor=user,
                organization=request.product.provider,
                obj=request,
                after={
                    "mechanism": mechanism,
                    "valid": evidence.valid,
                    "note": evidence.check_note,
                },
            )
            if evidence.valid:
                request = transition(
                    request,
                    machine=REQUEST,
                    to=R.AWAITING_PROVIDER,
                    via="evidence",
                    actor=user,
                    organization=request.product.provider,
                    after={"evidence": evidence.pk},
                )
                _follow_up(request, R.AWAITING_PROVIDER)
    except BaseException:
        staged.discard()
        raise
    return evidence


# --- licences -----------------------------------------------------------------------------


def _decide(request: LicenceRequest, *, to: str, actor: User | None, note: str) -> None:
    """The provider's (or the offer's automatic) final word on a request."""
    transition(
        request,
        machine=REQUEST,
        to=to,
        via="decide",
        actor=actor,
        organization=request.product.provider,
        changes={
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_note": note.strip(),
        },
        after={"note": note.strip()},
    )


def _approve(request: LicenceRequest, *, actor: User | None, note: str) -> Licence:
    _decide(request, to=R.APPROVED, actor=actor, note=note)
    return licence_grant(request=request, actor=actor)


def licence_period_end(start: datetime, months: int | None) -> datetime | None:
    """The end of a term of ``months`` calendar months from ``start`` (None: perpetual).

    The same day of the month ``months`` later, or that month's last day when it is shorter:
    31 January + 12 months is 31 January, + 1 month is 28 (or 29) February.
    """
    if months is None:
        return None
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def _period(offer: Offer, start: datetime) -> datetime | None:
    return licence_period_end(start, offer.term_months)


def _policy(licence: Licence) -> dict:
    base = settings.SITE_URL
    product = licence.product
    return odrl.licence_policy(
        odrl.LicenceFacts(
            uid=f"{base}{reverse('api:licence-detail', args=[licence.pk])}",
            policy_url=f"{base}{reverse('api:licence-policy', args=[licence.pk])}",
            assigner_name=product.provider.legal_name,
            assigner_uid=f"urn:dx:organization:{product.provider.slug}",
            assignee_name=licence.buyer.legal_name,
            assignee_uid=f"urn:dx:organization:{licence.buyer.slug}",
            target_uid=f"{base}{reverse('catalogue:product', args=[product.slug])}",
            target_title=product.title,
            target_version=licence.version.number,
            purposes=list(licence.purposes),
            territories=list(licence.territories),
            starts_at=licence.starts_at,
            ends_at=licence.ends_at,
            queries_per_month=licence.queries_per_month,
            onward_transfer_allowed=licence.terms["onward_transfer_allowed"],
            breach_notice_hours=licence.terms["breach_notice_hours"],
            governing_law=licence.terms["governing_law"],
            dispute_forum=licence.terms["dispute_forum"],
            end_of_term=licence.terms["end_of_term"],
            attribution=f"Source: {product.provider.legal_name} via Jambatan Data Exchange",
            min_group_size=licence.version.min_group_size,
            audit_rights=licence.terms["audit_rights"],
            # Terms accepted before these were terms of their own carry neither.
            onward_transfer_territories=tuple(licence.terms.get("onward_transfer_territories", [])),
            onward_transfer_conditions=tuple(licence.terms.get("onward_transfer_conditions", [])),
            privacy=_odrl_privacy(licence),
        )
    )


def _odrl_privacy(licence: Licence) -> odrl.PrivacyTerms | None:
    declaration = selectors.declaration_of(licence.version)
    if declaration is None or not declaration.is_private:
        return None
    return odrl.PrivacyTerms(
        epsilon_budget=selectors.epsilon_text(licence.privacy_epsilon_budget),
        epsilon_per_query=selectors.epsilon_text(licence.privacy_epsilon_per_query),
        delta_per_query=licence.privacy_delta_per_query,
        unit=declaration.unit,
    )


def _privacy_terms(terms: dict, offer: Offer) -> dict[str, Any]:
    """A licence period's privacy budget, as its accepted terms state it (terms accepted
    before budgets existed get the offer's)."""
    return {
        "privacy_epsilon_budget": Decimal(
            str(terms.get("dp_epsilon_budget", offer.dp_epsilon_budget))
        ),
        "privacy_epsilon_per_query": Decimal(
            str(terms.get("dp_epsilon_per_query", offer.dp_epsilon_per_query))
        ),
        "privacy_delta_per_query": float(terms.get("dp_delta_per_query", offer.dp_delta_per_query)),
    }


def licence_grant(*, request: LicenceRequest, actor: User | None) -> Licence:
    """The licence, its terms snapshot and ODRL policy, and the buyer group's permission."""
    product = request.product
    start = max(
        timezone.now(),
        timezone.make_aware(datetime.combine(request.intended_start, datetime.min.time())),
    )
    with transaction.atomic():
        licence = Licence.objects.create(
            request=request,
            buyer=request.buyer,
            product=product,
            version=product.listed_version,
            offer=request.offer,
            purposes=[request.purpose],
            territories=[request.processing_jurisdiction],
            starts_at=start,
            ends_at=_period(request.offer, start),
            queries_per_month=request.accepted_terms.get("queries_per_month"),
            terms=request.accepted_terms,
            assessment=request.assessment,
            evidence=_version_evidence(request) if request.assessment else [],
            policy={},
            **_privacy_terms(request.accepted_terms, request.offer),
        )
        licence.policy = _policy(licence)
        licence.save(update_fields=["policy"])
        assign_perm(USE_PRODUCT, request.buyer.group, product)
        audit_record(
            action="licensing.licence.granted",
            actor=actor,
            organization=request.buyer,
            obj=licence,
            after={
                "product": product.slug,
                "version": licence.version.number,
                "starts_at": licence.starts_at.isoformat(),
                "ends_at": licence.ends_at.isoformat() if licence.ends_at else None,
                "permission": USE_PRODUCT,
            },
        )
    return licence


def _sync_permission(buyer: Organization, product: DataProduct) -> None:
    """The buyer group keeps `use_product` only while it holds a live licence."""
    if not Licence.objects.live().filter(buyer=buyer, product=product).exists():
        remove_perm(USE_PRODUCT, buyer.group, product)


def _require_licence_staff(actor: User) -> None:
    if not (actor.is_authenticated and actor.has_perm("licensing.suspend_licence")):
        raise PermissionDenied(
            _("Only an exchange administrator or a compliance reviewer may suspend a licence.")
        )


def _locked_licence(licence: Licence) -> Licence:
    return (
        Licence.objects.select_for_update(of=("self",))
        .select_related("buyer", "product__provider")
        .get(pk=licence.pk)
    )


def licence_revoke(*, licence: Licence, actor: User, reason: str) -> Licence:
    is_provider = Membership.objects.filter(
        user=actor, organization=licence.product.provider_id
    ).exists()
    if not (is_provider or actor.has_perm("licensing.revoke_licence")):
        raise PermissionDenied(_("Only the provider or an exchange administrator may revoke."))
    if not reason.strip():
        raise InvalidInput(_("A reason is required to revoke a licence."), field="reason")
    with transaction.atomic():
        licence = _locked_licence(licence)
        licence = transition(
            licence,
            machine=LICENCE,
            to=L.REVOKED,
            via="revoke",
            actor=actor,
            organization=licence.buyer,
            changes={"ended_at": timezone.now(), "ended_by": actor, "end_reason": reason},
            after={"reason": reason.strip()},
        )
        _sync_permission(licence.buyer, licence.product)
    return licence


def licence_suspend(*, licence: Licence, actor: User, reason: str) -> Licence:
    """The exchange pauses a licence (a regulator's order, a breach report): access stops
    at once and is refused as suspended; the term keeps running and may expire meanwhile.
    Both parties are told why."""
    _require_licence_staff(actor)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("A reason is required to suspend a licence."), field="reason")
    with transaction.atomic():
        licence = _locked_licence(licence)
        licence = transition(
            licence,
            machine=LICENCE,
            to=L.SUSPENDED,
            via="suspend",
            actor=actor,
            organization=licence.buyer,
            changes={
                "suspended_at": timezone.now(),
                "suspended_by": actor,
                "suspension_reason": reason,
            },
            after={"reason": reason},
        )
        _sync_permission(licence.buyer, licence.product)
        _tell_both_parties(
            licence,
            subject=lambda: (
                _("Licence #%(n)s for “%(title)s” is suspended")
                % {"n": licence.pk, "title": licence.product.title}
            ),
            body=lambda: _("The exchange suspended this licence: %(reason)s") % {"reason": reason},
        )
    return licence


def licence_reinstate(*, licence: Licence, actor: User, reason: str) -> Licence:
    """The exchange lifts a suspension; access resumes if the term has not ended."""
    _require_licence_staff(actor)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the licence is reinstated."), field="reason")
    with transaction.atomic():
        licence = _locked_licence(licence)
        licence = transition(
            licence,
            machine=LICENCE,
            to=L.ACTIVE,
            via="reinstate",
            actor=actor,
            organization=licence.buyer,
            changes={"suspended_at": None, "suspended_by": None, "suspension_reason": ""},
            before={"reason": licence.suspension_reason},
            after={"reason": reason},
            action="licensing.licence.reinstated",
        )
        if licence.is_live():
            assign_perm(USE_PRODUCT, licence.buyer.group, licence.product)
        _tell_both_parties(
            licence,
            subject=lambda: (
                _("Licence #%(n)s for “%(title)s” is reinstated")
                % {"n": licence.pk, "title": licence.product.title}
            ),
            body=lambda: _("The exchange lifted the suspension: %(reason)s") % {"reason": reason},
        )
    return licence


def _tell_both_parties(licence: Licence, *, subject: Text, body: Text) -> None:
    link = reverse("licensing:licence_detail", args=[licence.pk])
    notify_organization(
        organization=licence.buyer, subject=subject, body=body, link=link, product=None
    )
    notify_organization(
        organization=licence.product.provider,
        subject=subject,
        body=body,
        link=link,
        product=licence.product,
    )


def licensed_product_suspend(*, product: DataProduct, actor: User, reason: str) -> DataProduct:
    """The exchange suspends a listed product (``catalogue.services.product_suspend``) and
    tells its provider and every organisation licensing it: access under their licences is
    refused as suspended until the product is reinstated (their terms keep running)."""
    with transaction.atomic():
        product = catalogue_services.product_suspend(product=product, actor=actor, reason=reason)
        _tell_provider_and_licensees(
            product,
            subject=lambda: (
                _("“%(title)s” is suspended by the exchange") % {"title": product.title}
            ),
            body=lambda: (
                _("Access under its licences is paused. Reason: %(reason)s")
                % {"reason": product.suspension_reason}
            ),
        )
    return product


def licensed_product_reinstate(*, product: DataProduct, actor: User, reason: str) -> DataProduct:
    """The exchange lists a suspended product again; its provider and licensees are told."""
    with transaction.atomic():
        product = catalogue_services.product_reinstate(product=product, actor=actor, reason=reason)
        _tell_provider_and_licensees(
            product,
            subject=lambda: _("“%(title)s” is available again") % {"title": product.title},
            body=lambda: (
                _("The exchange lifted the suspension: %(reason)s") % {"reason": reason.strip()}
            ),
        )
    return product


def _tell_provider_and_licensees(product: DataProduct, *, subject: Text, body: Text) -> None:
    notify_provider(product=product, subject=subject, body=body)
    buyers = Organization.objects.filter(
        pk__in=Licence.objects.live().filter(product=product).values("buyer")
    )
    for buyer in buyers:
        notify_organization(
            organization=buyer, subject=subject, body=body, link=reverse("licensing:my_licences")
        )


def licences_expire_due(*, now: datetime | None = None) -> int:
    """Expires every active or suspended licence whose term has ended (idempotent: run it
    as often as you like, each licence expires once)."""
    now = now or timezone.now()
    expired = 0
    due = Licence.objects.filter(
        status__in=LICENCE.moves_into(L.EXPIRED, via="expire"),
        ends_at__isnull=False,
        ends_at__lte=now,
    )
    for licence_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            licence = _locked_licence(Licence(pk=licence_id))
            if not LICENCE.allows(licence.status, L.EXPIRED, "expire") or licence.ends_at > now:
                continue
            licence = transition(
                licence,
                machine=LICENCE,
                to=L.EXPIRED,
                via="expire",
                organization=licence.buyer,
                changes={"ended_at": now, "end_reason": "term ended"},
            )
            _sync_permission(licence.buyer, licence.product)
            expired += 1
    return expired


def _root_request(licence: Licence) -> LicenceRequest | None:
    while licence.request_id is None and licence.renewed_from_id is not None:
        licence = licence.renewed_from
    return licence.request


def _renewal_evidence(licence: Licence, version: ProductVersion, needed: set[str]) -> list[dict]:
    """Evidence in force today for one of ``needed``: the version's attachments, and what the
    provider attached to the request the licence (or the one it renews) came from."""
    today = timezone.localdate()
    found = [
        {
            "mechanism": a.kind,
            "title": a.title,
            "reference": a.reference,
            "expires_on": a.expires_on.isoformat() if a.expires_on else None,
        }
        for a in version.attachments.filter(kind__in=needed)
        if evidence_valid(a.kind, a.issued_on, a.expires_on, today) is None
    ]
    request = _root_request(licence)
    if request is not None:
        found += [
            {
                "mechanism": e.mechanism,
                "title": e.title,
                "reference": e.reference,
                "expires_on": e.expires_on.isoformat() if e.expires_on else None,
            }
            for e in request.evidence.filter(mechanism__in=needed)
            if evidence_valid(e.mechanism, e.issued_on, e.expires_on, today) is None
        ]
    return found


def _renewal_refusal(licence: Licence, version: ProductVersion, *, user: User):
    """Why a licence cannot simply renew, or None, with the new assessment and evidence.

    A renewal is a new export period: the buyer is screened again, the accepted terms must
    still meet the exchange's ceilings, and the transfer is assessed again under the rules
    in force (the counts, the rule sets or the buyer may have changed since)."""
    if int(licence.terms.get("breach_notice_hours") or 0) > MAX_BREACH_NOTICE_HOURS:
        return (
            _(
                "These terms give %(h)s hours' breach notice; the exchange now requires at most "
                "%(max)s. The buyer can request the offer again under its current terms."
            )
            % {"h": licence.terms["breach_notice_hours"], "max": MAX_BREACH_NOTICE_HOURS},
            None,
            [],
        )
    hit = _screened(licence.buyer, subject=licence, actor=user, action="licensing.licence.screened")
    assessment = transfer_assess(
        facts=_request_facts(
            version,
            buyer=licence.buyer,
            destination=licence.territories[0],
            restricted=hit is not None,
            authority_approval=bool(
                (_root_request(licence) or LicenceRequest()).authority_approval
            ),
        ),
        actor=user,
        organization=licence.buyer,
        context=TransferAssessment.Context.LICENCE_RENEWAL,
        subject=licence,
    )
    if hit is not None:
        return _blocked_note(licence.buyer, hit), assessment, []
    if assessment.decision in ("block", "manual_review"):
        return (
            _(
                "Assessed again, the transfer is no longer one the rules allow on their own "
                "(%(decision)s): the buyer requests the offer again. %(why)s"
            )
            % {"decision": assessment.get_decision_display(), "why": assessment.explanation},
            assessment,
            [],
        )
    evidence = []
    if assessment.decision == "allow_with_mechanism":
        evidence = _renewal_evidence(licence, version, set(assessment.mechanisms_any_of))
        if not evidence:
            return (
                _(
                    "The transfer now needs evidence of one of: %(m)s, in force. Attach it to "
                    "the product version, or the buyer requests the offer again."
                )
                % {"m": ", ".join(assessment.mechanisms_any_of)},
                assessment,
                [],
            )
    return None, assessment, evidence


def licence_renew(*, licence: Licence, user: User) -> Licence:
    """A new licence period under the same terms, from the end of the current one, once the
    transfer has been assessed again (``_renewal_refusal``)."""
    _require_member(user, licence.product.provider)
    licence = Licence.objects.select_related("buyer", "product__provider").get(pk=licence.pk)
    refusal = _("Only an active or expired fixed-term licence renews.")
    LICENCE.require(licence, "renew", refusal=refusal)
    if licence.ends_at is None:
        raise InvalidTransition(refusal)
    version = licence.product.listed_version or licence.version
    # Assessed outside the renewal's transaction, so the record stays when it is refused.
    problem, assessment, evidence = _renewal_refusal(licence, version, user=user)
    if problem:
        raise Conflict(problem)
    with transaction.atomic():
        licence = _locked_licence(licence)
        LICENCE.require(licence, "renew", refusal=refusal)
        if licence.renewals.exists():
            raise Conflict(_("This licence period has already been renewed."))
        start = max(licence.ends_at, timezone.now())
        renewed = Licence.objects.create(
            request=None,
            buyer=licence.buyer,
            product=licence.product,
            version=version,
            offer=licence.offer,
            purposes=licence.purposes,
            territories=licence.territories,
            starts_at=start,
            ends_at=_period(licence.offer, start),
            queries_per_month=licence.queries_per_month,
            terms=licence.terms,
            assessment=assessment,
            evidence=evidence,
            policy={},
            renewed_from=licence,
            privacy_epsilon_budget=licence.privacy_epsilon_budget,
            privacy_epsilon_per_query=licence.privacy_epsilon_per_query,
            privacy_delta_per_query=licence.privacy_delta_per_query,
        )
        renewed.policy = _policy(renewed)
        renewed.save(update_fields=["policy"])
        assign_perm(USE_PRODUCT, licence.buyer.group, licence.product)
        audit_record(
            action="licensing.licence.renewed",
            actor=user,
            organization=licence.buyer,
            obj=renewed,
            after={
                "renewed_from": licence.pk,
                "starts_at": start.isoformat(),
                "assessment": assessment.pk,
                "decision": assessment.decision,
            },
        )
    return renewed


# --- access -------------------------------------------------------------------------------


def access_authorise(
    *,
    user: User,
    organization: Organization | None,
    product: DataProduct,
    kind: str,
    purpose: str,
    jurisdiction: str,
) -> Licence:
    """The one place every access is checked: a live licence backed by the object
    permission, the declared purpose and processing jurisdiction, the kind of access.

    Without a live licence the product's access endpoints do not exist for the caller.
    """
    if (
        organization is None
        or not Membership.objects.filter(user=user, organization=organization).exists()
    ):
        raise NoLiveLicence(_("Not found."))
    licence = (
        Licence.objects.live()
        .filter(buyer=organization, product=product)
        .select_related("version", "offer")
        .order_by("-starts_at")
        .first()
    )
    if licence is None:
        # A licence the buyer held and lost: say what happened (suspended, revoked,
        # expired), when, by whom and what to do. Never having held one stays a 404.
        stopped = selectors.stopped_licence_of(organization, product)
        refusal = selectors.access_refusal(stopped) if stopped is not None else None
        if refusal is not None:
            raise refusal
    if licence is None or not user.has_perm(USE_PRODUCT, product):
        raise NoLiveLicence(_("Not found."))
    if not PRODUCT.permits(product, "serve"):
        raise ProductSuspended(
            _(
                "“%(title)s” is suspended by the exchange since %(when)s: %(reason)s. Access "
                "under your licence is paused until it is reinstated."
            )
            % {
                "title": product.title,
                "when": timezone.localtime(product.suspended_at).strftime("%Y-%m-%d %H:%M")
                if product.suspended_at
                else "—",
                "reason": product.suspension_reason,
            }
        )
    if KIND_FOR_MODE.get(licence.version.delivery_mode) != kind:
        raise AccessRefused(
            _("This product is delivered as %(mode)s, not by this endpoint.")
            % {"mode": licence.version.get_delivery_mode_display()}
        )
    if not purpose:
        raise AccessRefused(_("Declare the purpose of this access (X-Purpose header)."))
    if purpose not in licence.purposes:
        raise AccessRefused(
            _("Your licence permits these purposes only: %(p)s.")
            % {"p": ", ".join(licence.purposes)}
        )
    if not jurisdiction:
        raise AccessRefused(
            _(
                "Declare where the data is processed (X-Processing-Jurisdiction header, or a "
                "token bound to a jurisdiction)."
            )
        )
    if jurisdiction.upper() not in licence.territories:
        raise AccessRefused(
            _("Your licence permits processing only in: %(t)s.")
            % {"t": ", ".join(licence.territories)}
        )
    return licence


def _refusal_of(licence: Licence) -> DomainError:
    """A licence that stopped while its query was on the way: the refusal that says why."""
    licence = Licence.objects.select_related("product__provider").get(pk=licence.pk)
    return selectors.access_refusal(licence) or NoLiveLicence(_("Not found."))


def _fingerprint(version: ProductVersion, kind: str, query: dict) -> str:
    """The identity of a normalised query on a version: the same answer is released again."""
    payload = json.dumps({"version": version.pk, "kind": kind, "query": query}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _require_prepared(version: ProductVersion) -> None:
    """Answers come only from a dataset prepared in its region (503 with a retry hint)."""
    if not DATASET.permits(version, "query"):
        raise DatasetNotReady(
            _(
                "This product's data is being prepared for queries in its data region "
                "(%(state)s); try again shortly."
            )
            % {"state": version.get_dataset_state_display().lower()}
        )


def _declaration(version: ProductVersion):
    """How the version's answers are protected. A version listed before declarations
    existed is answered exactly only if it holds no personal data."""
    if not version.privacy:
        if version.has_personal_data:
            raise DatasetNotReady(
                _("This product's privacy declaration is missing; the exchange has been told.")
            )
        return Declaration(mode="exact")
    try:
        return parse_declaration(version.privacy, version.schema_fields(), version.data_categories)
    except DeclarationError:
        raise DatasetNotReady(
            _("This product's privacy declaration is not valid; the exchange has been told.")
        ) from None


def _quota_check(licence: Licence, now: datetime) -> None:
    """Under the licence row's lock: this month's accesses, and those running, against the
    monthly quota."""
    if licence.queries_per_month is None:
        return
    start, end = month_window(timezone.localtime(now))
    used = UsageRecord.objects.filter(licence=licence, occurred_at__gte=start).count()
    running = PrivacyReservation.objects.filter(licence=licence).count()
    if used + running >= licence.queries_per_month:
        raise QuotaExceeded(
            _("Monthly quota of %(n)s used up; it resets at %(when)s.")
            % {"n": licence.queries_per_month, "when": end.isoformat()},
            resets_at=end,
        )


def _reserve(
    *, licence: Licence, version: ProductVersion, epsilon: Decimal, charge_licence: bool, cap
) -> PrivacyReservation:
    """The short locked step before a query runs: quota and budgets checked, the cost
    debited from the product's cap (and from the licence, for its own queries), and a
    reservation left so that a failure refunds it. No lock is held while the query runs."""
    on_licence = epsilon if charge_licence else Decimal(0)
    with transaction.atomic():
        # Lock order, everywhere a query's cost moves: the licence, then the version, then
        # (by audit_record) the ledger head. NO KEY UPDATE locks leave the foreign-key
        # checks of usage records and answers being written meanwhile unblocked.
        licence = Licence.objects.select_for_update(no_key=True).get(pk=licence.pk)
        if not licence.is_live():
            raise _refusal_of(licence)
        _quota_check(licence, timezone.now())
        version = ProductVersion.objects.select_for_update(no_key=True).get(pk=version.pk)
        if (
            on_licence
            and licence.privacy_epsilon_spent + on_licence > licence.privacy_epsilon_budget
        ):
            raise PrivacyBudgetExhausted(
                _(
                    "This licence's privacy budget for its period is spent (ε %(spent)s of "
                    "%(budget)s); it renews with the next licence period%(when)s. Queries "
                    "already answered can be asked again at no cost."
                )
                % {
                    "spent": selectors.epsilon_text(licence.privacy_epsilon_spent),
                    "budget": selectors.epsilon_text(licence.privacy_epsilon_budget),
                    "when": f" ({licence.ends_at:%Y-%m-%d})" if licence.ends_at else "",
                },
                renews_at=licence.ends_at,
                scope="licence",
            )
        if epsilon and version.privacy_epsilon_spent + epsilon > cap:
            raise PrivacyBudgetExhausted(
                _(
                    "This product's total privacy budget across all its licences is spent "
                    "(ε %(cap)s); it renews when the provider lists a new version. Queries "
                    "already answered can be asked again at no cost."
                )
                % {"cap": selectors.epsilon_text(cap)},
                renews_at=None,
                scope="product",
            )
        if on_licence:
            Licence.objects.filter(pk=licence.pk).update(
                privacy_epsilon_spent=F("privacy_epsilon_spent") + on_licence
            )
        if epsilon:
            ProductVersion.objects.filter(pk=version.pk).update(
                privacy_epsilon_spent=F("privacy_epsilon_spent") + epsilon
            )
        return PrivacyReservation.objects.create(
            licence=licence, version=version, licence_epsilon=on_licence, product_epsilon=epsilon
        )


def _refund(reservation: PrivacyReservation) -> None:
    """A query that failed costs nothing: its debits go back, its reservation goes."""
    with transaction.atomic():
        locked = PrivacyReservation.objects.select_for_update().filter(pk=reservation.pk).first()
        if locked is None:
            return
        Licence.objects.select_for_update(no_key=True).filter(pk=locked.licence_id).first()
        if locked.licence_epsilon:
            Licence.objects.filter(pk=locked.licence_id).update(
                privacy_epsilon_spent=F("privacy_epsilon_spent") - locked.licence_epsilon
            )
        if locked.product_epsilon:
            ProductVersion.objects.filter(pk=locked.version_id).update(
                privacy_epsilon_spent=F("privacy_epsilon_spent") - locked.product_epsilon
            )
        locked.delete()


def _record_access(
    *,
    product: DataProduct,
    licence: Licence | None,
    organization: Organization,
    user: User,
    token: ApiToken | None,
    kind: str,
    purpose: str,
    jurisdiction: str,
    answer: dict,
    detail: dict | None,
    cached: bool = False,
    epsilon: Decimal = Decimal(0),
) -> UsageRecord:
    """The usage record and the ledger event every access leaves, licensed or a preview:
    what the answer gave (groups, suppressed groups) and the region that computed it."""
    groups = answer.get("groups_returned", 0)
    suppressed = answer.get("groups_suppressed", 0)
    region = answer.get("region", "")
    occurred_at = timezone.now()
    record = UsageRecord.objects.create(
        product=product,
        licence=licence,
        organization=organization,
        user=user,
        token=token,
        kind=kind,
        purpose=purpose,
        processing_jurisdiction=jurisdiction.upper(),
        occurred_at=occurred_at,
        groups_returned=groups,
        groups_suppressed=suppressed,
        region=region,
        cached=cached,
        epsilon=epsilon,
        detail=detail or {},
    )
    audit_record(
        action=f"licensing.access.{kind}",
        actor=user,
        organization=organization,
        obj=licence if licence is not None else product,
        after={
            "usage": record.pk,
            "groups": groups,
            "suppressed": suppressed,
            "purpose": purpose,
            "jurisdiction": jurisdiction.upper(),
            "region": region,
            "cached": cached,
            "epsilon": str(epsilon),
        },
    )
    return record


def query_preview(*, licence: Licence | None, version: ProductVersion, query) -> dict[str, Any]:
    """What a query would cost and how exact its answer would be, without running it or
    spending anything (the "try a query" panel and ``…/query/preview``)."""
    parsed = query if isinstance(query, Query) else parse_query(query, version.schema or {})
    declaration = _declaration(version)
    fingerprint = _fingerprint(version, "query", parsed.as_dict())
    cached = QueryAnswer.objects.filter(version=version, fingerprint=fingerprint).exists()
    answer: dict[str, Any] = {"private": declaration.is_private, "cached": cached}
    if declaration.is_private:
        check_private_query(parsed)
        epsilon = licence.privacy_epsilon_per_query if licence else Decimal("0.5")
        delta = licence.privacy_delta_per_query if licence else 1e-7
        plan_ = plan(parsed, declaration, epsilon=epsilon, delta=delta)
        answer["cost"] = {
            "epsilon": "0" if cached else selectors.epsilon_text(plan_.epsilon),
            "delta": 0 if cached else plan_.delta,
        }
        answer["expected_error_95"] = {
            "count": round(plan_.count_interval, 3),
            **{f"sum_{c}": round(v, 3) for c, v in plan_.sum_intervals.items()},
        }
        answer["groups_by_threshold"] = plan_.threshold is not None
    else:
        answer["cost"] = {"epsilon": "0", "delta": 0}
        answer["min_group_size"] = max(2, int(version.min_group_size))
    answer["budget"] = selectors.privacy_budget(licence, version, declaration)
    return answer


def access_query(
    *,
    licence: Licence,
    user: User,
    token: ApiToken | None,
    kind: str,
    purpose: str,
    jurisdiction: str,
    query,
    detail: dict | None = None,
) -> tuple[dict, UsageRecord]:
    """One metered aggregate query (the query API, reports, extracts, the web panel and the
    demo): the answer, with its privacy cost and what remains, and its usage record.

    An identical normalised query already answered on this version gets the released answer
    again, without touching the data and at no privacy cost. Otherwise the cost is debited
    first (refunded if the query fails), the query runs in the data region, and the answer
    is kept for the next identical query. Reports and extracts of a privacy-protected
    product are released once per version, charged to the product's cap, not the licence.
    """
    version = licence.version
    parsed = query if isinstance(query, Query) else parse_query(query, version.schema or {})
    _require_prepared(version)
    declaration = _declaration(version)
    if declaration.is_private:
        check_private_query(parsed)
    normalised = parsed.as_dict()
    fingerprint = _fingerprint(version, kind, normalised)
    released = QueryAnswer.objects.filter(version=version, fingerprint=fingerprint).first()
    metered = partial(
        _record_access,
        product=licence.product,
        organization=licence.buyer,
        user=user,
        token=token,
        kind=kind,
        purpose=purpose,
        jurisdiction=jurisdiction,
    )
    if released is not None:
        with transaction.atomic():
            locked = Licence.objects.select_for_update(no_key=True).get(pk=licence.pk)
            if not locked.is_live():
                raise _refusal_of(locked)
            _quota_check(locked, timezone.now())
            record = metered(
                licence=locked,
                answer=released.answer,
                detail={**(detail or {}), "answer": released.pk},
                cached=True,
            )
        version.refresh_from_db(fields=["privacy_epsilon_spent"])
        locked.refresh_from_db(fields=["privacy_epsilon_spent"])
        return _with_privacy(
            released.answer, Decimal(0), True, locked, version, declaration
        ), record
    plan_ = None
    cost = Decimal(0)
    per_licence = kind == "query"
    if declaration.is_private:
        epsilon = licence.privacy_epsilon_per_query
        plan_ = plan(parsed, declaration, epsilon=epsilon, delta=licence.privacy_delta_per_query)
        cost = plan_.epsilon
    reservation = _reserve(
        licence=licence,
        version=version,
        epsilon=cost,
        charge_licence=per_licence,
        cap=declaration.epsilon_cap if declaration.is_private else Decimal(0),
    )
    try:
        answer = answer_in_region(
            version=version, query=normalised, plan=plan_.as_dict() if plan_ else None
        )
    except BaseException:
        _refund(reservation)
        raise
    with transaction.atomic():
        Licence.objects.select_for_update(no_key=True).filter(pk=licence.pk).first()
        stored, _created = QueryAnswer.objects.get_or_create(
            version=version,
            fingerprint=fingerprint,
            defaults={
                "kind": kind,
                "private": declaration.is_private,
                "answer": answer,
                "epsilon": cost,
                "delta": plan_.delta if plan_ else 0,
                "region": answer.get("region", ""),
            },
        )
        # An identical query that finished first has released its answer: that one is the
        # answer (a second, differently noised answer would let the two be averaged).
        answer = stored.answer
        record = metered(
            licence=licence,
            answer=answer,
            detail=detail,
            epsilon=cost,
        )
        PrivacyReservation.objects.filter(pk=reservation.pk).delete()
    licence.refresh_from_db(fields=["privacy_epsilon_spent"])
    version.refresh_from_db(fields=["privacy_epsilon_spent"])
    return _with_privacy(answer, cost, False, licence, version, declaration), record


def _with_privacy(answer, cost, cached, licence, version, declaration) -> dict:
    state = selectors.privacy_budget(licence, version, declaration)
    return {
        **answer,
        "cached": cached,
        "privacy": {**state, "epsilon_charged": selectors.epsilon_text(cost) if cost else "0"},
    }


def privacy_reservations_release_stale(*, older_than_seconds: int | None = None) -> int:
    """Refunds reservations left by queries whose web process died mid-way (beat)."""
    limit = older_than_seconds or int(settings.ACCESS_WAIT_SECONDS * 4)
    stale = PrivacyReservation.objects.filter(
        created_at__lt=timezone.now() - timedelta(seconds=limit)
    )
    count = 0
    for reservation in stale:
        _refund(reservation)
        count += 1
    return count


def access_preview(
    *,
    product: DataProduct,
    user: User,
    organization: Organization | None,
    token: ApiToken | None,
    query,
) -> tuple[dict, UsageRecord]:
    """The provider tries a query on its own listed product, as buyers will see it (the
    same protection: noise, or small-group suppression); metered and recorded like any
    access, as the provider's own usage (no licence, no quota, no budget: it is the
    provider's own data)."""
    if organization is None or product.provider_id != organization.pk:
        raise NoLiveLicence(_("Not found."))
    _require_member(user, organization)
    version = product.listed_version
    if version is None:
        raise NoLiveLicence(_("Not found."))
    parsed = query if isinstance(query, Query) else parse_query(query, version.schema or {})
    _require_prepared(version)
    declaration = _declaration(version)
    plan_ = None
    if declaration.is_private:
        offer = product.offers.filter(is_active=True).order_by("pk").first()
        epsilon = offer.dp_epsilon_per_query if offer else Decimal("0.5")
        delta = offer.dp_delta_per_query if offer else 1e-7
        plan_ = plan(parsed, declaration, epsilon=epsilon, delta=delta)
    answer = answer_in_region(
        version=version, query=parsed.as_dict(), plan=plan_.as_dict() if plan_ else None
    )
    with transaction.atomic():
        record = _record_access(
            product=product,
            licence=None,
            organization=organization,
            user=user,
            token=token,
            kind=UsageRecord.Kind.PREVIEW,
            purpose="provider preview",
            jurisdiction=organization.jurisdiction,
            answer=answer,
            detail={"query": answer.get("query", {})},
        )
    return {**answer, "cached": False}, record
