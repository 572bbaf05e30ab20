"""Demo licences, requests in every state, and usage history for the provider charts.

Everything goes through the licensing services (requests are assessed by the real rules
engine, licences grant real object permissions, accesses run real queries). Only the clock
is moved for the demo: usage and one licence are dated into the past.
"""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from accounts.models import Organization, User
from catalogue.models import DataProduct
from catalogue.selectors import offer_terms
from licensing import services
from licensing.models import Licence, LicenceRequest, UsageRecord


def _admin_of(slug: str) -> tuple[Organization, User]:
    org = Organization.objects.get(slug=slug)
    return org, org.memberships.filter(role="admin").order_by("created_at").first().user


def _request(buyer_slug, product_slug, offer_name, purpose, jurisdiction) -> LicenceRequest:
    buyer, user = _admin_of(buyer_slug)
    product = DataProduct.objects.get(slug=product_slug)
    offer = product.offers.get(name=offer_name)
    return services.licence_request_create(
        buyer=buyer,
        user=user,
        offer=offer,
        purpose=purpose,
        processing_jurisdiction=jurisdiction,
        intended_start=timezone.localdate(),
        accepted_terms_hash=services.terms_hash(offer_terms(offer)),
        message="Demo request.",
    )


def _approve(request: LicenceRequest) -> Licence:
    _org, provider_admin = _admin_of(request.product.provider.slug)
    request.refresh_from_db()
    if request.status == LicenceRequest.Status.AWAITING_PROVIDER:
        services.licence_request_decide(
            request=request, user=provider_admin, approve=True, note="Welcome aboard."
        )
    return Licence.objects.get(request=request)


def _use(licence: Licence, spec: dict, times: int, days_back: int) -> None:
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
            query=spec,
            detail={"query": spec, "demo": True},
        )
        UsageRecord.objects.filter(pk=record.pk).update(
            occurred_at=now - timedelta(days=(i * days_back) // max(times, 1))
        )


def seed_licensing() -> dict[str, int]:
    if LicenceRequest.objects.exists():
        return {}
    reviewer = User.objects.get(email="compliance@exchange.example")
    # Active licences with usage history.
    robots = _approve(
        _request(
            "lumina-robotics", "kl-mall-foot-traffic", "Robotics R&D", "robot-navigation", "CN"
        )
    )
    _use(
        robots,
        {
            "group_by": ["zone", "hour"],
            "aggregates": [{"fn": "count"}, {"fn": "avg", "column": "visitors"}],
        },
        times=24,
        days_back=150,
    )
    traders = _approve(
        _request(
            "merlion-insights",
            "shenzhen-electronics-export-prices",
            "Singapore desk",
            "risk-management",
            "SG",
        )
    )
    _use(
        traders,
        {"group_by": ["product_group"], "aggregates": [{"fn": "avg", "column": "fob_price_usd"}]},
        times=14,
        days_back=90,
    )
    port = _approve(
        _request(
            "lumina-robotics",
            "port-klang-dwell-times",
            "Supply-chain planning",
            "supply-chain-planning",
            "CN",
        )
    )
    _use(
        port,
        {"group_by": ["terminal"], "aggregates": [{"fn": "avg", "column": "mean_dwell_hours"}]},
        times=9,
        days_back=60,
    )
    # An expired licence: granted last year, its term has run out.
    old = _approve(
        _request(
            "merlion-insights",
            "penang-shenzhen-air-freight",
            "Standard",
            "supply-chain-planning",
            "SG",
        )
    )
    long_ago = timezone.now() - timedelta(days=400)
    Licence.objects.filter(pk=old.pk).update(
        starts_at=long_ago, ends_at=long_ago + timedelta(days=365)
    )
    services.licences_expire_due()
    # A revoked licence.
    revoked = _approve(
        _request(
            "lumina-robotics",
            "malaysia-china-shipping-routes",
            "Quarterly extract",
            "market-research",
            "CN",
        )
    )
    _org, selat_admin = _admin_of("selat-melaka-logistics")
    services.licence_revoke(
        licence=revoked,
        actor=selat_admin,
        reason="Results were shared with a third party, against the terms.",
    )
    # Requests waiting in each state.
    _request(
        "merlion-insights",
        "kl-mall-occupancy-heatmaps",
        "Annual report subscription",
        "site-selection",
        "SG",
    )  # awaiting provider
    _request(
        "merlion-insights",
        "shenzhen-smart-home-usage",
        "ASEAN product teams",
        "product-development",
        "SG",
    )  # awaiting evidence
    declined = _request(
        "lumina-robotics", "malaysia-ewallet-spending", "Research licence", "market-research", "MY"
    )
    if declined.status == LicenceRequest.Status.AWAITING_PROVIDER:
        _org, merlion_admin = _admin_of("merlion-insights")
        services.licence_request_decide(
            request=declined,
            user=merlion_admin,
            approve=False,
            note="We license this panel to Malaysian banks only.",
        )
    withdrawn = _request(
        "lumina-robotics", "asean-consumer-trend-index", "Regional", "market-research", "CN"
    )
    _b, lumina_admin = _admin_of("lumina-robotics")
    services.licence_request_withdraw(request=withdrawn, user=lumina_admin)
    # Vietnamese personal data goes to a compliance reviewer, who blocked the first request;
    # the buyer asked again, and that request waits in the manual-review queue.
    for attempt in range(2):
        vietnam = _request(
            "lumina-robotics",
            "vietnam-shopper-panel",
            "Regional research",
            "market-research",
            "CN",
        )
        if attempt == 0:
            services.licence_request_review(
                request=vietnam,
                reviewer=reviewer,
                allow=False,
                note="Decree 356/2025 restricts selling Vietnamese personal data; not settled "
                "for CN.",
            )
    counts = LicenceRequest.objects.values_list("status").order_by().annotate(n=Count("pk"))
    return dict(counts)
