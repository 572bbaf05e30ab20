"""Reads of licensing: who sees which request, licence and usage."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Organization, User
from catalogue.models import DataProduct
from licensing.models import Licence, LicenceRequest, UsageRecord


def requests_of_buyer(organization: Organization | None) -> QuerySet[LicenceRequest]:
    if organization is None:
        return LicenceRequest.objects.none()
    return LicenceRequest.objects.filter(buyer=organization).select_related(
        "product", "offer", "assessment", "buyer"
    )


def requests_for_provider(organization: Organization | None) -> QuerySet[LicenceRequest]:
    if organization is None:
        return LicenceRequest.objects.none()
    return LicenceRequest.objects.filter(product__provider=organization).select_related(
        "product", "offer", "assessment", "buyer"
    )


def requests_visible_to(user: User, organization: Organization | None):
    """Requests the acting organisation made or received; compliance reviewers see all."""
    if user.is_authenticated and user.has_perm("licensing.decide_transfer"):
        return LicenceRequest.objects.select_related("product", "offer", "assessment", "buyer")
    if organization is None:
        return LicenceRequest.objects.none()
    return LicenceRequest.objects.filter(
        Q(buyer=organization) | Q(product__provider=organization)
    ).select_related("product", "offer", "assessment", "buyer")


def manual_review_queue() -> QuerySet[LicenceRequest]:
    return LicenceRequest.objects.filter(status=LicenceRequest.Status.MANUAL_REVIEW).select_related(
        "product__provider", "buyer", "assessment"
    )


def licences_held_by(organization: Organization | None) -> QuerySet[Licence]:
    if organization is None:
        return Licence.objects.none()
    return Licence.objects.filter(buyer=organization).select_related(
        "product__provider", "offer", "version"
    )


def suspended_licence_of(organization: Organization, product: DataProduct) -> Licence | None:
    """The buyer's suspended licence for the product, if its access is paused."""
    return (
        Licence.objects.filter(buyer=organization, product=product, status=Licence.Status.SUSPENDED)
        .order_by("-starts_at")
        .first()
    )


def licences_granted_by(organization: Organization | None) -> QuerySet[Licence]:
    if organization is None:
        return Licence.objects.none()
    return Licence.objects.filter(product__provider=organization).select_related(
        "product", "offer", "buyer", "version"
    )


def licences_visible_to(user: User, organization: Organization | None) -> QuerySet[Licence]:
    """The acting organisation's licences (held or granted); exchange staff who revoke or
    suspend licences see them all."""
    if user.is_authenticated and (
        user.has_perm("licensing.revoke_licence") or user.has_perm("licensing.suspend_licence")
    ):
        return Licence.objects.select_related("product__provider", "offer", "buyer", "version")
    if organization is None:
        return Licence.objects.none()
    return Licence.objects.filter(
        Q(buyer=organization) | Q(product__provider=organization)
    ).select_related("product__provider", "offer", "buyer", "version")


def month_window(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month around ``now`` (a quota's period): its first instant and the next
    month's."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def quota_used(licence: Licence, now: datetime | None = None) -> int:
    start, _end = month_window(timezone.localtime(now or timezone.now()))
    return UsageRecord.objects.filter(licence=licence, occurred_at__gte=start).count()


def quotas_used(licences) -> dict[int, int]:
    start, _end = month_window(timezone.localtime(timezone.now()))
    rows = (
        UsageRecord.objects.filter(licence__in=list(licences), occurred_at__gte=start)
        .values("licence")
        .annotate(n=Count("pk"))
    )
    return {r["licence"]: r["n"] for r in rows}


def usage_by_licensee_month(product: DataProduct, months: int = 12) -> dict:
    """Accesses per licensee per month for the provider's chart: {buyer: {month: n}}."""
    since = timezone.now() - timezone.timedelta(days=31 * months)
    rows = (
        UsageRecord.objects.filter(product=product, occurred_at__gte=since)
        .annotate(month=TruncMonth("occurred_at"))
        .values("organization__legal_name", "month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    chart: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        chart[r["organization__legal_name"]][r["month"].strftime("%Y-%m")] = r["n"]
    return dict(chart)


def usage_visible_to(user: User, organization: Organization | None) -> QuerySet[UsageRecord]:
    if organization is None:
        return UsageRecord.objects.none()
    return UsageRecord.objects.filter(
        Q(organization=organization) | Q(product__provider=organization)
    ).select_related("product", "licence", "organization")
