"""Writes of licensing: requests, transfer assessment, decisions, licences, access, metering.

Only these services grant or revoke the `use_product` object permission.
"""

import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import ApiToken, Membership, Organization, User
from catalogue.models import DataProduct, Offer, ProductVersion
from compliance import selectors as review_selectors
from compliance.checks.legal import evidence_valid
from compliance.rules.services import transfer_assess
from compliance.services import notify_provider
from kernel.exceptions import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from kernel.ledger.services import audit_record
from licensing import odrl
from licensing.exceptions import AccessRefused, NoLiveLicence, QuotaExceeded
from licensing.models import Licence, LicenceRequest, RequestEvidence, UsageRecord
from licensing.query import run_query

R = LicenceRequest.Status
REQUEST_TRANSITIONS: dict[str, set[str]] = {
    R.REQUESTED: {R.ASSESSING, R.WITHDRAWN},
    R.ASSESSING: {R.BLOCKED, R.MANUAL_REVIEW, R.AWAITING_EVIDENCE, R.AWAITING_PROVIDER},
    R.MANUAL_REVIEW: {R.AWAITING_EVIDENCE, R.AWAITING_PROVIDER, R.BLOCKED, R.WITHDRAWN},
    R.AWAITING_EVIDENCE: {R.AWAITING_PROVIDER, R.WITHDRAWN, R.DECLINED},
    R.AWAITING_PROVIDER: {R.APPROVED, R.DECLINED, R.WITHDRAWN},
    R.APPROVED: set(),
    R.DECLINED: set(),
    R.WITHDRAWN: set(),
    R.BLOCKED: set(),
}
L = Licence.Status
LICENCE_TRANSITIONS: dict[str, set[str]] = {
    L.ACTIVE: {L.EXPIRED, L.REVOKED, L.SUSPENDED},
    L.SUSPENDED: {L.ACTIVE, L.REVOKED, L.EXPIRED},
    L.EXPIRED: set(),
    L.REVOKED: set(),
}
USE_PRODUCT = "catalogue.use_product"
KIND_FOR_MODE = {"query_api": "query", "insight_report": "report", "aggregated_extract": "extract"}


def _move(table, obj, to: str, what: str) -> str:
    before = obj.status
    if to not in table.get(before, set()):
        raise InvalidTransition(
            _("This %(what)s cannot go from “%(before)s” to “%(after)s”.")
            % {"what": what, "before": before, "after": to}
        )
    obj.status = to
    return before


# --- terms --------------------------------------------------------------------------------


def offer_terms(offer: Offer) -> dict[str, Any]:
    """The contract terms of an offer exactly as a buyer is shown and accepts them."""
    return {
        "offer": offer.name,
        "price": str(offer.price),
        "currency": offer.currency,
        "term_months": offer.term_months,
        "purposes": sorted(
            [p.code for p in offer.purposes.all()]
            + ([offer.other_purposes] if offer.other_purposes else [])
        ),
        "territories": sorted(offer.territories),
        "queries_per_month": offer.queries_per_month,
        "governing_law": offer.governing_law,
        "dispute_forum": offer.dispute_forum,
        "audit_rights": offer.audit_rights,
        "breach_notice_hours": offer.breach_notice_hours,
        "onward_transfer_allowed": offer.onward_transfer_allowed,
        "end_of_term": offer.end_of_term,
    }


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
) -> LicenceRequest:
    """A verified buyer asks for an offer; the transfer is assessed at once."""
    _require_member(user, buyer)
    if not buyer.is_buyer:
        raise PermissionDenied(_("Only buyer organisations can request licences."))
    if not buyer.is_verified:
        raise PermissionDenied(
            _("Your organisation must be verified by the exchange before it can request licences.")
        )
    product = offer.product
    if product.status != DataProduct.Status.LISTED or not offer.is_active:
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
    with transaction.atomic():
        Offer.objects.select_for_update().get(pk=offer.pk)
        if LicenceRequest.objects.filter(
            buyer=buyer, offer=offer, status__in=LicenceRequest.OPEN
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


def _exported_ytd(provider: Organization, origin: str, version: ProductVersion) -> tuple[int, int]:
    """The provider's individuals exported since 1 January: reviewed products plus the
    licences granted this year (this request included)."""
    subjects, sensitive = review_selectors.provider_subjects_ytd(
        provider=provider, origin=origin, version=version
    )
    start = timezone.now().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    licensed = Licence.objects.filter(
        product__provider=provider, product__origin_jurisdiction=origin, granted_at__gte=start
    ).exclude(version__sensitivity="non_personal")
    totals = licensed.aggregate(n=Sum("version__data_subject_count"))
    sensitive_totals = licensed.filter(version__sensitivity="sensitive_personal").aggregate(
        n=Sum("version__data_subject_count")
    )
    return subjects + (totals["n"] or 0), sensitive + (sensitive_totals["n"] or 0)


def _assess(request: LicenceRequest, *, actor: User | None) -> None:
    product = request.product
    version = product.listed_version
    _move(REQUEST_TRANSITIONS, request, R.ASSESSING, "request")
    subjects, sensitive = _exported_ytd(product.provider, product.origin_jurisdiction, version)
    facts = {
        "origin": product.origin_jurisdiction,
        "destination": request.processing_jurisdiction,
        "data_categories": list(version.data_categories or ["non_personal"]),
        "subjects_ytd": subjects,
        "sensitive_subjects_ytd": sensitive,
        "important_data": version.important_data,
        "exporter_ciio": version.exporter_ciio,
        "recipient_type": "company",
        "exemptions": ["free_trade_zone"] if version.free_trade_zone.strip() else [],
    }
    assessment = transfer_assess(
        facts=facts,
        actor=actor,
        organization=request.buyer,
        context="licence_request",
        subject=request,
    )
    request.assessment = assessment
    decision = assessment.decision
    if decision == "block":
        _move(REQUEST_TRANSITIONS, request, R.BLOCKED, "request")
        request.decision_note = assessment.explanation
    elif decision == "manual_review":
        _move(REQUEST_TRANSITIONS, request, R.MANUAL_REVIEW, "request")
    elif decision == "allow_with_mechanism":
        after = R.AWAITING_PROVIDER if _version_evidence(request) else R.AWAITING_EVIDENCE
        _move(REQUEST_TRANSITIONS, request, after, "request")
    else:
        _move(REQUEST_TRANSITIONS, request, R.AWAITING_PROVIDER, "request")
    request.save(update_fields=["status", "assessment", "decision_note", "updated_at"])
    audit_record(
        action=f"licensing.request.{request.status}",
        actor=actor,
        organization=request.buyer,
        obj=request,
        after={"assessment": assessment.pk, "decision": decision},
    )
    _after_assessment(request)


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


def _after_assessment(request: LicenceRequest) -> None:
    if request.status == R.AWAITING_PROVIDER:
        if request.offer.approval_mode == Offer.ApprovalMode.AUTOMATIC:
            _approve(request, actor=None, note=_("Approved automatically under the offer."))
        else:
            notify_provider(
                product=request.product,
                subject=_("Licence request from %(buyer)s") % {"buyer": request.buyer.legal_name},
                body=_("%(buyer)s asks for “%(offer)s” to process in %(j)s for: %(p)s.")
                % {
                    "buyer": request.buyer.legal_name,
                    "offer": request.offer.name,
                    "j": request.processing_jurisdiction,
                    "p": request.purpose,
                },
            )
    elif request.status == R.AWAITING_EVIDENCE:
        notify_provider(
            product=request.product,
            subject=_("Transfer evidence needed for %(buyer)s")
            % {"buyer": request.buyer.legal_name},
            body=_("Attach one of: %(m)s.")
            % {"m": ", ".join(request.assessment.mechanisms_any_of)},
        )


def licence_request_withdraw(*, request: LicenceRequest, user: User) -> LicenceRequest:
    _require_member(user, request.buyer)
    with transaction.atomic():
        request = LicenceRequest.objects.select_for_update().get(pk=request.pk)
        before = _move(REQUEST_TRANSITIONS, request, R.WITHDRAWN, "request")
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at", "updated_at"])
        audit_record(
            action="licensing.request.withdrawn",
            actor=user,
            organization=request.buyer,
            obj=request,
            before={"status": before},
        )
    return request


def licence_request_decide(
    *, request: LicenceRequest, user: User, approve: bool, note: str = ""
) -> LicenceRequest:
    """The provider approves (a licence is granted at once) or declines (a note is owed)."""
    _require_member(user, request.product.provider)
    if not approve and not note.strip():
        raise InvalidInput(_("Tell the buyer why the request is declined."), field="note")
    with transaction.atomic():
        request = LicenceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != R.AWAITING_PROVIDER:
            raise Conflict(
                _("This request is %(state)s and cannot be decided now.")
                % {"state": request.get_status_display().lower()}
            )
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
        request = LicenceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != R.MANUAL_REVIEW:
            raise Conflict(_("This request is not waiting for a compliance decision."))
        mechanisms = request.assessment.mechanisms_any_of if request.assessment else []
        if not allow:
            after = R.BLOCKED
        elif mechanisms and not _version_evidence(request):
            after = R.AWAITING_EVIDENCE
        else:
            after = R.AWAITING_PROVIDER
        before = _move(REQUEST_TRANSITIONS, request, after, "request")
        request.decision_note = note.strip()
        request.save(update_fields=["status", "decision_note", "updated_at"])
        audit_record(
            action="licensing.request.transfer_reviewed",
            actor=reviewer,
            organization=request.buyer,
            obj=request,
            before={"status": before},
            after={"status": after, "note": note.strip()},
        )
        _after_assessment(request)
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
    with transaction.atomic():
        request = LicenceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != R.AWAITING_EVIDENCE:
            raise Conflict(_("This request is not waiting for evidence."))
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
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
        audit_record(
            action="licensing.request.evidence_added",
            actor=user,
            organization=request.product.provider,
            obj=request,
            after={"mechanism": mechanism, "valid": evidence.valid, "note": evidence.check_note},
        )
        if evidence.valid:
            _move(REQUEST_TRANSITIONS, request, R.AWAITING_PROVIDER, "request")
            request.save(update_fields=["status", "updated_at"])
            _after_assessment(request)
    return evidence


# --- licences -----------------------------------------------------------------------------


def _decide(request: LicenceRequest, *, to: str, actor: User | None, note: str) -> None:
    """The provider's (or the offer's automatic) final word on a request."""
    before = _move(REQUEST_TRANSITIONS, request, to, "request")
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = note.strip()
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    audit_record(
        action=f"licensing.request.{to}",
        actor=actor,
        organization=request.product.provider,
        obj=request,
        before={"status": before},
        after={"note": request.decision_note},
    )


def _approve(request: LicenceRequest, *, actor: User | None, note: str) -> Licence:
    _decide(request, to=R.APPROVED, actor=actor, note=note)
    return licence_grant(request=request, actor=actor)


def _period(offer: Offer, start: datetime) -> datetime | None:
    if offer.term_months is None:
        return None
    month = start.month - 1 + offer.term_months
    year = start.year + month // 12
    month = month % 12 + 1
    day = min(start.day, 28)
    return start.replace(year=year, month=month, day=day)


def _policy(licence: Licence) -> dict:
    base = "https://exchange.example"
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
        )
    )


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


def licence_revoke(*, licence: Licence, actor: User, reason: str) -> Licence:
    is_provider = Membership.objects.filter(
        user=actor, organization=licence.product.provider_id
    ).exists()
    if not (is_provider or actor.has_perm("licensing.revoke_licence")):
        raise PermissionDenied(_("Only the provider or an exchange administrator may revoke."))
    if not reason.strip():
        raise InvalidInput(_("A reason is required to revoke a licence."), field="reason")
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        before = _move(LICENCE_TRANSITIONS, licence, L.REVOKED, "licence")
        licence.ended_at, licence.ended_by, licence.end_reason = timezone.now(), actor, reason
        licence.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        _sync_permission(licence.buyer, licence.product)
        audit_record(
            action="licensing.licence.revoked",
            actor=actor,
            organization=licence.buyer,
            obj=licence,
            before={"status": before},
            after={"reason": reason.strip()},
        )
    return licence


def licences_expire_due(*, now: datetime | None = None) -> int:
    """Expires every active licence whose term has ended (idempotent: run it as often as
    you like, each licence expires once)."""
    now = now or timezone.now()
    expired = 0
    due = Licence.objects.filter(status=L.ACTIVE, ends_at__isnull=False, ends_at__lte=now)
    for licence_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            licence = Licence.objects.select_for_update().get(pk=licence_id)
            if licence.status != L.ACTIVE or licence.ends_at > now:
                continue
            before = _move(LICENCE_TRANSITIONS, licence, L.EXPIRED, "licence")
            licence.ended_at = now
            licence.end_reason = "term ended"
            licence.save(update_fields=["status", "ended_at", "end_reason"])
            _sync_permission(licence.buyer, licence.product)
            audit_record(
                action="licensing.licence.expired",
                actor=None,
                organization=licence.buyer,
                obj=licence,
                before={"status": before},
            )
            expired += 1
    return expired


def licence_renew(*, licence: Licence, user: User) -> Licence:
    """A new licence period under the same terms, from the end of the current one."""
    _require_member(user, licence.product.provider)
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        if licence.status not in (L.ACTIVE, L.EXPIRED) or licence.ends_at is None:
            raise InvalidTransition(_("Only an active or expired fixed-term licence renews."))
        if licence.renewals.exists():
            raise Conflict(_("This licence period has already been renewed."))
        start = max(licence.ends_at, timezone.now())
        renewed = Licence.objects.create(
            request=None,
            buyer=licence.buyer,
            product=licence.product,
            version=licence.product.listed_version or licence.version,
            offer=licence.offer,
            purposes=licence.purposes,
            territories=licence.territories,
            starts_at=start,
            ends_at=_period(licence.offer, start),
            queries_per_month=licence.queries_per_month,
            terms=licence.terms,
            assessment=licence.assessment,
            evidence=licence.evidence,
            policy={},
            renewed_from=licence,
        )
        renewed.policy = _policy(renewed)
        renewed.save(update_fields=["policy"])
        assign_perm(USE_PRODUCT, licence.buyer.group, licence.product)
        audit_record(
            action="licensing.licence.renewed",
            actor=user,
            organization=licence.buyer,
            obj=renewed,
            after={"renewed_from": licence.pk, "starts_at": start.isoformat()},
        )
    return renewed


# --- access -------------------------------------------------------------------------------


def month_window(now: datetime) -> tuple[datetime, datetime]:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


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
    if licence is None or not user.has_perm(USE_PRODUCT, product):
        raise NoLiveLicence(_("Not found."))
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


def access_meter(
    *,
    licence: Licence,
    user: User,
    token: ApiToken | None,
    kind: str,
    purpose: str,
    jurisdiction: str,
    run,
    detail: dict | None = None,
):
    """Runs one access under the monthly quota and records it (usage + audit ledger).

    The licence row is locked while the quota is counted, so concurrent calls cannot
    overrun it. `run()` returns (result, groups_returned, groups_suppressed).
    """
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        if not licence.is_live():
            raise NoLiveLicence(_("Not found."))
        now = timezone.now()
        start, end = month_window(timezone.localtime(now))
        if licence.queries_per_month is not None:
            used = UsageRecord.objects.filter(licence=licence, occurred_at__gte=start).count()
            if used >= licence.queries_per_month:
                raise QuotaExceeded(
                    _("Monthly quota of %(n)s used up; it resets at %(when)s.")
                    % {"n": licence.queries_per_month, "when": end.isoformat()},
                    resets_at=end,
                )
        result, groups, suppressed = run()
        record = UsageRecord.objects.create(
            licence=licence,
            organization=licence.buyer,
            user=user,
            token=token,
            kind=kind,
            purpose=purpose,
            processing_jurisdiction=jurisdiction.upper(),
            occurred_at=now,
            groups_returned=groups,
            groups_suppressed=suppressed,
            detail=detail or {},
        )
        audit_record(
            action=f"licensing.access.{kind}",
            actor=user,
            organization=licence.buyer,
            obj=licence,
            after={
                "usage": record.pk,
                "groups": groups,
                "suppressed": suppressed,
                "purpose": purpose,
                "jurisdiction": jurisdiction.upper(),
            },
        )
    return result, record


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
    demo): the result and the usage record it left."""

    def run():
        answer = run_query(licence.version, query)
        return answer.to_dict(), answer.groups_returned, answer.groups_suppressed

    return access_meter(
        licence=licence,
        user=user,
        token=token,
        kind=kind,
        purpose=purpose,
        jurisdiction=jurisdiction,
        run=run,
        detail=detail,
    )
