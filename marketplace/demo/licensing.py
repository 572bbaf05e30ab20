"""Demo licences, requests in every state, and usage history for the provider charts, as
``data/licensing.toml`` describes them.

Everything goes through the licensing services (requests are assessed by the real rules
engine, licences grant real object permissions, accesses run real queries). Only the clock
is moved for the demo: usage and one licence are dated into the past. Runs once: when any
licence request exists, it does nothing.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from accounts.models import Organization, User
from catalogue.models import DataProduct
from catalogue.selectors import offer_terms
from licensing import services
from licensing.models import Licence, LicenceRequest, UsageRecord
from marketplace.demo.files import read_toml


def _admin_of(slug: str) -> tuple[Organization, User]:
    org = Organization.objects.get(slug=slug)
    return org, org.memberships.filter(role="admin").order_by("created_at").first().user


def _request(step: dict[str, Any], message: str) -> LicenceRequest:
    buyer, user = _admin_of(step["buyer"])
    product = DataProduct.objects.get(slug=step["product"])
    offer = product.offers.get(name=step["offer"])
    return services.licence_request_create(
        buyer=buyer,
        user=user,
        offer=offer,
        purpose=step["purpose"],
        processing_jurisdiction=step["jurisdiction"],
        intended_start=timezone.localdate(),
        accepted_terms_hash=services.terms_hash(offer_terms(offer)),
        message=message,
    )


def _approve(request: LicenceRequest, note: str) -> Licence:
    _org, provider_admin = _admin_of(request.product.provider.slug)
    request.refresh_from_db()
    if request.status == LicenceRequest.Status.AWAITING_PROVIDER:
        services.licence_request_decide(
            request=request, user=provider_admin, approve=True, note=note
        )
    return Licence.objects.get(request=request)


def _use(licence: Licence, query: dict, times: int, days_back: int) -> None:
    """Real metered queries, then dated back across the past months for the charts."""
    user = licence.buyer.memberships.filter(role="admin").first().user
    now = timezone.now()
    for i in range(times):
        _result, record = services.access_query(
            licence=licence,
            user=user,
            token=None,
            kind="query",
            purpose=licence.purposes[0],
            jurisdiction=licence.territories[0],
            query=query,
            detail={"query": query, "demo": True},
        )
        UsageRecord.objects.filter(pk=record.pk).update(
            occurred_at=now - timedelta(days=(i * days_back) // max(times, 1))
        )


def _then_approve(request, step, ctx) -> Licence:
    licence = _approve(request, ctx["approval_note"])
    if "usage" in step:
        _use(licence, **step["usage"])
    return licence


def _then_expire(request, step, ctx) -> None:
    licence = _then_approve(request, step, ctx)
    granted = timezone.now() - timedelta(days=step["granted_days_ago"])
    Licence.objects.filter(pk=licence.pk).update(
        starts_at=granted, ends_at=granted + timedelta(days=step["term_days"])
    )
    services.licences_expire_due()


def _then_revoke(request, step, ctx) -> None:
    licence = _then_approve(request, step, ctx)
    _org, provider_admin = _admin_of(request.product.provider.slug)
    services.licence_revoke(licence=licence, actor=provider_admin, reason=step["reason"])


def _then_decline(request, step, ctx) -> None:
    if request.status == LicenceRequest.Status.AWAITING_PROVIDER:
        _org, provider_admin = _admin_of(request.product.provider.slug)
        services.licence_request_decide(
            request=request, user=provider_admin, approve=False, note=step["note"]
        )


def _then_withdraw(request, step, ctx) -> None:
    _org, buyer_admin = _admin_of(step["buyer"])
    services.licence_request_withdraw(request=request, user=buyer_admin)


def _then_block(request, step, ctx) -> None:
    services.licence_request_review(
        request=request, reviewer=ctx["reviewer"], allow=False, note=step["note"]
    )


def _then_wait(request, step, ctx) -> None:
    pass


THEN = {
    "approve": _then_approve,
    "expire": _then_expire,
    "revoke": _then_revoke,
    "decline": _then_decline,
    "withdraw": _then_withdraw,
    "block": _then_block,
    "wait": _then_wait,
}


def seed_licensing() -> dict[str, int]:
    if LicenceRequest.objects.exists():
        return {}
    scenario = read_toml("licensing")
    unknown = {step["then"] for step in scenario["requests"]} - set(THEN)
    if unknown:
        raise ValueError(f"Unknown `then` in licensing.toml: {sorted(unknown)}")
    defaults = scenario["defaults"]
    ctx = {
        "approval_note": defaults["approval_note"],
        "reviewer": User.objects.get(email=defaults["reviewer"]),
    }
    for step in scenario["requests"]:
        request = _request(step, defaults["message"])
        THEN[step["then"]](request, step, ctx)
    counts = LicenceRequest.objects.values_list("status").order_by().annotate(n=Count("pk"))
    return dict(counts)
