"""Reads of licensing: who sees which request, licence and usage."""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from catalogue.models import DataProduct, ProductVersion
from catalogue.privacy import Declaration, DeclarationError, parse_declaration
from kernel.regions import region_for, region_of_name
from licensing.exceptions import AccessStopped, LicenceExpired, LicenceRevoked, LicenceSuspended
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
    made = LicenceRequest.objects.filter(buyer=organization)
    received = LicenceRequest.objects.filter(product__provider=organization)
    return LicenceRequest.objects.filter(pk__in=_either(made, received)).select_related(
        "product", "offer", "assessment", "buyer"
    )


def _either(one: QuerySet, other: QuerySet) -> QuerySet:
    """The ids in either of two querysets of one model, as a subquery: a UNION of two
    queries that each use their own index, instead of `a = x OR product.provider = x`,
    which no index serves (the join makes PostgreSQL scan both tables whole)."""
    return one.order_by().values("pk").union(other.order_by().values("pk"))


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


def stopped_licence_of(organization: Organization, product: DataProduct) -> Licence | None:
    """The buyer's most recent licence for the product that no longer gives access
    (suspended, revoked, or past its term), if it has no live one: what a refusal names."""
    now = timezone.now()
    return (
        Licence.objects.filter(buyer=organization, product=product)
        .filter(
            Q(status__in=[Licence.Status.SUSPENDED, Licence.Status.REVOKED, Licence.Status.EXPIRED])
            | Q(status=Licence.Status.ACTIVE, ends_at__lte=now)
        )
        .select_related("product__provider", "ended_by", "suspended_by")
        .order_by("-starts_at", "-pk")
        .first()
    )


def _when(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def _ended_by(licence: Licence) -> str:
    """Who stopped the licence, as the buyer may be told: the provider (by name) when one of
    its members did it, otherwise the exchange (staff are not named to buyers)."""
    actor = licence.ended_by if licence.status == Licence.Status.REVOKED else licence.suspended_by
    provider = licence.product.provider
    if actor is not None and Membership.objects.filter(user=actor, organization=provider).exists():
        return provider.legal_name
    return str(_("the exchange"))


def access_refusal(licence: Licence) -> AccessStopped | None:
    """Why a licence the buyer holds gives no access now: the refusal (not raised) with
    what happened, when, by whom and what the buyer can do; None while it is live or has
    not started yet."""
    now = timezone.now()
    provider = licence.product.provider
    facts = {
        "licence_id": licence.pk,
        "provider_name": provider.legal_name,
        "provider_slug": provider.slug,
        "product_slug": licence.product.slug,
    }
    words = {"n": licence.pk, "title": licence.product.title, "provider": provider.legal_name}
    if licence.status == Licence.Status.SUSPENDED:
        by = _ended_by(licence)
        return LicenceSuspended(
            _(
                "Your licence #%(n)s for “%(title)s” is suspended since %(when)s by %(by)s: "
                "%(reason)s."
            )
            % {
                **words,
                "when": _when(licence.suspended_at),
                "by": by,
                "reason": licence.suspension_reason,
            },
            at=licence.suspended_at,
            by=by,
            reason=licence.suspension_reason,
            next_steps=_(
                "Access is paused, not ended: it resumes if the exchange reinstates the "
                "licence. Contact the exchange or %(provider)s about the suspension."
            )
            % words,
            **facts,
        )
    if licence.status == Licence.Status.REVOKED:
        by = _ended_by(licence)
        return LicenceRevoked(
            _("Your licence #%(n)s for “%(title)s” was revoked on %(when)s by %(by)s: %(reason)s.")
            % {**words, "when": _when(licence.ended_at), "by": by, "reason": licence.end_reason},
            at=licence.ended_at,
            by=by,
            reason=licence.end_reason,
            next_steps=_(
                "Access has ended. Contact %(provider)s about the revocation; to use the "
                "product again, request a new licence from one of its offers."
            )
            % words,
            **facts,
        )
    if licence.status == Licence.Status.EXPIRED or (
        licence.ends_at is not None and licence.ends_at <= now
    ):
        return LicenceExpired(
            _("Your licence #%(n)s for “%(title)s” expired on %(when)s at the end of its term.")
            % {**words, "when": _when(licence.ends_at)},
            at=licence.ends_at,
            by="",
            reason=str(_("The licence term ended.")),
            next_steps=_(
                "Ask %(provider)s to renew the licence, or request a new licence from one of "
                "the product's offers."
            )
            % words,
            **facts,
        )
    return None


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
    held = Licence.objects.filter(buyer=organization)
    granted = Licence.objects.filter(product__provider=organization)
    return Licence.objects.filter(pk__in=_either(held, granted)).select_related(
        "product__provider", "offer", "buyer", "version"
    )


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
    return usage_by_licensee_month_of([product], months).get(product.pk, {})


def usage_by_licensee_month_of(products, months: int = 12) -> dict[int, dict]:
    """The charts of several products in one query: {product id: {buyer: {month: n}}}."""
    since = timezone.now() - timezone.timedelta(days=31 * months)
    rows = (
        UsageRecord.objects.filter(product__in=list(products), occurred_at__gte=since)
        .annotate(month=TruncMonth("occurred_at"))
        .values("product", "organization__legal_name", "month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    charts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        charts[r["product"]][r["organization__legal_name"]][r["month"].strftime("%Y-%m")] = r["n"]
    return {pk: dict(chart) for pk, chart in charts.items()}


def usage_visible_to(user: User, organization: Organization | None) -> QuerySet[UsageRecord]:
    if organization is None:
        return UsageRecord.objects.none()
    own = UsageRecord.objects.filter(organization=organization)
    of_products = UsageRecord.objects.filter(product__provider=organization)
    return UsageRecord.objects.filter(pk__in=_either(own, of_products)).select_related(
        "product", "licence", "organization"
    )


def declaration_of(version: ProductVersion) -> Declaration | None:
    """How the version's answers are protected, or None when it has no valid declaration."""
    if not version.privacy:
        return None if version.has_personal_data else Declaration(mode="exact")
    try:
        return parse_declaration(version.privacy, version.schema_fields(), version.data_categories)
    except DeclarationError:
        return None


def epsilon_text(value: Decimal) -> str:
    """An ε as people read it: "200", "0.5" (never "2E+2" or "0.500000")."""
    return str(trimmed(value))


def trimmed(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _remaining(total: Decimal, spent: Decimal) -> str:
    return epsilon_text(max(Decimal(0), total - spent))


def privacy_budget(
    licence: Licence | None, version: ProductVersion, declaration: Declaration | None = None
) -> dict[str, Any]:
    """What is left of the privacy budgets of a licence and of its product's version, as
    every private answer, the try-query panel and the preview report it."""
    declaration = declaration or declaration_of(version)
    if declaration is None or not declaration.is_private:
        return {"protected": False}
    state: dict[str, Any] = {
        "protected": True,
        "product": {
            "epsilon_cap": epsilon_text(declaration.epsilon_cap),
            "epsilon_spent": epsilon_text(version.privacy_epsilon_spent),
            "epsilon_remaining": _remaining(declaration.epsilon_cap, version.privacy_epsilon_spent),
        },
    }
    if licence is not None:
        state["licence"] = {
            "epsilon_budget": epsilon_text(licence.privacy_epsilon_budget),
            "epsilon_spent": epsilon_text(licence.privacy_epsilon_spent),
            "epsilon_remaining": _remaining(
                licence.privacy_epsilon_budget, licence.privacy_epsilon_spent
            ),
            "epsilon_per_query": epsilon_text(licence.privacy_epsilon_per_query),
            "queries_left": int(
                max(Decimal(0), licence.privacy_epsilon_budget - licence.privacy_epsilon_spent)
                // licence.privacy_epsilon_per_query
            ),
            "renews_at": licence.ends_at.isoformat() if licence.ends_at else None,
        }
    return state


def privacy_by_licensee(product: DataProduct) -> list[dict[str, Any]]:
    """The provider's view of the privacy spent on its product: per licence (newest
    first), the budget, what is spent and left, the private answers released to it and
    those it got again from the cache, and its last query."""
    licences = (
        Licence.objects.filter(product=product)
        .select_related("buyer", "version")
        .annotate(
            answered=Count("usage", filter=Q(usage__cached=False, usage__epsilon__gt=0)),
            repeated=Count("usage", filter=Q(usage__cached=True)),
            last_query=Max("usage__occurred_at"),
        )
        .order_by("-granted_at", "-pk")
    )
    rows = []
    for licence in licences:
        spent = licence.privacy_epsilon_spent
        budget = licence.privacy_epsilon_budget
        rows.append(
            {
                "licence": licence,
                "buyer": licence.buyer,
                "epsilon_budget": budget,
                "epsilon_spent": trimmed(spent),
                "epsilon_remaining": trimmed(max(Decimal(0), budget - spent)),
                "percent_spent": int(min(100, (spent * 100 / budget))) if budget else 0,
                "answered": licence.answered,
                "repeated": licence.repeated,
                "last_query": licence.last_query,
            }
        )
    return rows


def residency(product: DataProduct) -> list[dict[str, Any]]:
    """Where each version's files live and which regions answered its queries: per version
    (newest first), the region its origin maps to, every stored file's region and name
    (files outside it listed as misplaced), the Parquet preparation, and the regions named
    by its usage records (the last one first)."""
    expected = region_for(product.origin_jurisdiction).code
    answered: dict[int, list[tuple[str, datetime, int]]] = defaultdict(list)
    for row in (
        UsageRecord.objects.filter(product=product)
        .exclude(region="")
        # A provider's preview has no licence: it ran on the version listed then.
        .values("region", version=Coalesce("licence__version", "product__listed_version"))
        .annotate(last=Max("occurred_at"), n=Count("pk"))
        .order_by("-last")
    ):
        answered[row["version"]].append((row["region"], row["last"], row["n"]))
    out = []
    for version in product.versions.order_by("-number"):
        files = [
            {"file": label, "name": field.name, "region": _region_of(field.name)}
            for label, field in (
                ("sample", version.sample),
                ("dataset", version.dataset),
                ("parquet", version.dataset_parquet),
            )
            if field
        ]
        regions = answered.get(version.pk, [])
        out.append(
            {
                "version": version,
                "expected_region": expected,
                "files": files,
                "misplaced": [f for f in files if f["region"] != expected],
                "dataset_state": version.dataset_state,
                "dataset_rows": version.dataset_rows,
                "dataset_sha256": version.dataset_sha256,
                "last_answered_in": regions[0][0] if regions else "",
                "last_answered_at": regions[0][1] if regions else None,
                "answered_in": sorted({r[0] for r in regions}),
                "queries": sum(r[2] for r in regions),
            }
        )
    return out


def _region_of(name: str) -> str:
    found = region_of_name(name)
    return found.code if found else ""
