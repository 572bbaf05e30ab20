"""HTML pages of licensing: buyers request and hold licences, providers decide and watch use.

Every page acts for the user's active organisation; the selectors decide what it sees, and
anything it may not see is a 404. Each POST validates a form, calls one service and turns a
domain error into a form error or a message.
"""

from collections import OrderedDict
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import active_organization
from catalogue.models import DataProduct
from catalogue.selectors import offer_terms, products_visible_to, purpose_labels
from compliance.rules.models import Decision, Mechanism, Obligation
from kernel.exceptions import DomainError, Unavailable
from licensing import selectors, services
from licensing.exceptions import (
    AccessStopped,
    NoLiveLicence,
    PrivacyBudgetExhausted,
    ProductSuspended,
    QuotaExceeded,
)
from licensing.models import Licence, LicenceRequest
from licensing.query import QueryError, parse_query
from licensing.regional import RegionTimeout
from marketplace.licensing.forms import (
    DecisionForm,
    EvidenceForm,
    LicenceRequestForm,
    RevokeForm,
    TryQueryForm,
)

R = LicenceRequest.Status

DECISION_BADGES = {
    Decision.ALLOW: "badge-ok",
    Decision.ALLOW_WITH_MECHANISM: "badge-warn",
    Decision.MANUAL_REVIEW: "badge-warn",
    Decision.BLOCK: "badge-err",
}


def policy_path(licence: Licence) -> str:
    """The licence's machine-readable ODRL policy (served by the API)."""
    return f"/api/v1/licences/{licence.pk}/policy.jsonld"


def _assessment_context(assessment) -> dict | None:
    if assessment is None:
        return None
    mechanisms = dict(Mechanism.choices)
    obligations = dict(Obligation.choices)
    return {
        "record": assessment,
        "decision_label": Decision(assessment.decision).label,
        "decision_badge": DECISION_BADGES.get(assessment.decision, ""),
        "mechanisms": [(m, mechanisms.get(m, m)) for m in assessment.mechanisms_any_of or []],
        "obligations": [(o, obligations.get(o, o)) for o in assessment.obligations or []],
        "rules": [
            {
                "code": rule.get("code"),
                "rule_set": rule.get("rule_set"),
                "version": rule.get("version"),
                "explanation": rule.get("explanation"),
                "citation": (rule.get("source") or {}).get("citation"),
                "url": _https_only((rule.get("source") or {}).get("url")),
            }
            for rule in assessment.rules or []
            if isinstance(rule, dict)
        ],
    }


def _https_only(url) -> str | None:
    return url if isinstance(url, str) and url.startswith("https://") else None


def _next_steps(request_obj: LicenceRequest) -> str:
    """What happens next, in words, after a request was sent."""
    status = request_obj.status
    if status == R.BLOCKED:
        return _("The transfer rules block this transfer, so no licence can be granted: %s") % (
            request_obj.decision_note or request_obj.assessment.explanation
        )
    if status == R.MANUAL_REVIEW:
        return _(
            "Your request was sent. The transfer rules need a compliance reviewer's decision "
            "first; the provider sees the request once the transfer is cleared."
        )
    if status == R.AWAITING_EVIDENCE:
        return _(
            "Your request was sent. The transfer needs a legal mechanism (any one of: %s); "
            "the provider has been asked to attach the evidence."
        ) % ", ".join(request_obj.assessment.mechanisms_any_of)
    if status == R.AWAITING_PROVIDER:
        return _(
            "Your request was sent. The transfer is allowed; the provider will now approve "
            "or decline it."
        )
    if status == R.APPROVED:
        return _("Licence granted: you can use this product now, within the terms you accepted.")
    return _("Your request was recorded.")


# --- buyer: request an offer ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request, slug, offer_id):
    org = active_organization(request)
    product = get_object_or_404(
        products_visible_to(request.user, org)
        .filter(status=DataProduct.Status.LISTED)
        .select_related("provider", "listed_version"),
        slug=slug,
    )
    offer = get_object_or_404(
        product.offers.filter(is_active=True).prefetch_related("purposes"), pk=offer_id
    )
    terms = offer_terms(offer)
    current_hash = services.terms_hash(terms)
    authority = org is not None and org.recipient_type in services.AUTHORITY_RECIPIENTS
    blocker = None
    if org is None:
        blocker = _("You must belong to an organisation to request a licence.")
    elif not org.is_buyer:
        blocker = _(
            "Your organisation is not registered as a buyer, so it cannot request licences."
        )
    elif not org.is_verified:
        blocker = _(
            "Your organisation must be verified by the exchange before it can request "
            "licences. You can read the terms now and request once it is verified."
        )
    elif product.provider_id == org.pk:
        blocker = _("This is your own product: you cannot license it.")

    if request.method == "POST" and blocker is None:
        data = request.POST.copy()
        form = LicenceRequestForm(data, terms=terms, authority=authority)
        if form.is_valid():
            try:
                created = services.licence_request_create(
                    buyer=org,
                    user=request.user,
                    offer=offer,
                    purpose=form.cleaned_data["purpose"],
                    processing_jurisdiction=form.cleaned_data["processing_jurisdiction"],
                    intended_start=form.cleaned_data["intended_start"],
                    accepted_terms_hash=form.cleaned_data["accepted_terms_hash"],
                    message=form.cleaned_data["message"],
                    authority_approval=form.cleaned_data.get("authority_approval", ""),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                if exc.field == "accepted_terms_hash":
                    # Show the current terms and ask for a fresh acceptance of them.
                    data["accepted_terms_hash"] = current_hash
                    data.pop("accept_terms", None)
            else:
                level = messages.error if created.status == R.BLOCKED else messages.success
                level(request, _next_steps(created))
                return redirect("licensing:request_detail", created.pk)
    else:
        if request.method == "POST":
            messages.error(request, blocker)
        form = LicenceRequestForm(
            initial={"accepted_terms_hash": current_hash, "intended_start": timezone.localdate()},
            terms=terms,
            authority=authority,
        )
    return render(
        request,
        "licensing/request_new.html",
        {
            "product": product,
            "offer": offer,
            "terms": terms,
            "form": form,
            "blocker": blocker,
            "can_manage": False,
        },
    )


# --- a request, seen by buyer, provider or compliance -----------------------------------


def _visible_request(request, pk) -> LicenceRequest:
    org = active_organization(request)
    return get_object_or_404(
        selectors.requests_visible_to(request.user, org).select_related(
            "product__provider", "requested_by", "decided_by"
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk):
    lr = _visible_request(request, pk)
    org = active_organization(request)
    is_buyer = org is not None and lr.buyer_id == org.pk
    is_provider = org is not None and lr.product.provider_id == org.pk
    mechanisms = list(lr.assessment.mechanisms_any_of) if lr.assessment else []
    decision_form = DecisionForm()
    evidence_form = EvidenceForm(mechanisms=mechanisms)

    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "withdraw" and is_buyer:
                services.licence_request_withdraw(request=lr, user=request.user)
                messages.success(request, _("Your request was withdrawn."))
                return redirect("licensing:request_detail", lr.pk)
            elif action in ("approve", "decline") and is_provider:
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    try:
                        decided = services.licence_request_decide(
                            request=lr,
                            user=request.user,
                            approve=action == "approve",
                            note=decision_form.cleaned_data["note"],
                        )
                    except DomainError as exc:
                        decision_form.add_error(
                            "note" if exc.field == "note" else None, exc.message
                        )
                    else:
                        if decided.status == R.APPROVED:
                            messages.success(request, _("Approved: the licence is granted."))
                        else:
                            messages.success(request, _("Declined: the buyer sees your note."))
                        return redirect("licensing:request_detail", lr.pk)
            elif action == "evidence" and is_provider:
                evidence_form = EvidenceForm(request.POST, request.FILES, mechanisms=mechanisms)
                if evidence_form.is_valid():
                    data = evidence_form.cleaned_data
                    try:
                        evidence = services.licence_request_add_evidence(
                            request=lr,
                            user=request.user,
                            mechanism=data["mechanism"],
                            title=data["title"],
                            upload=data["upload"],
                            reference=data["reference"],
                            issued_on=data["issued_on"],
                            expires_on=data["expires_on"],
                        )
                    except DomainError as exc:
                        field = exc.field if exc.field in evidence_form.fields else None
                        evidence_form.add_error(field, exc.message)
                    else:
                        if evidence.valid:
                            messages.success(request, _("Evidence accepted: it is in force."))
                        else:
                            messages.error(
                                request,
                                _("The evidence was kept but is not valid: %s")
                                % evidence.check_note,
                            )
                        return redirect("licensing:request_detail", lr.pk)
            else:
                messages.error(request, _("You cannot do that on this request."))
        except DomainError as exc:
            messages.error(request, exc.message)
        lr.refresh_from_db()

    licence = Licence.objects.filter(request=lr).first()
    return render(
        request,
        "licensing/request_detail.html",
        {
            "lr": lr,
            "assessment": _assessment_context(lr.assessment),
            "is_buyer": is_buyer,
            "is_provider": is_provider,
            "can_withdraw": is_buyer
            and services.REQUEST.allows(lr.status, R.WITHDRAWN, "withdraw"),
            "can_decide": is_provider and bool(services.REQUEST.moves(lr.status, via="decide")),
            "can_approve": is_provider and services.REQUEST.allows(lr.status, R.APPROVED, "decide"),
            "needs_evidence": is_provider and services.REQUEST.permits(lr, "evidence"),
            "show_evidence": is_provider or not (is_buyer or is_provider),
            "evidence": lr.evidence.all() if (is_provider or not is_buyer) else [],
            "decision_form": decision_form,
            "evidence_form": evidence_form,
            "licence": licence,
        },
    )


# --- buyer: my licences -----------------------------------------------------------------


# Licences per page of the buyer's and the provider's lists.
LICENCES_PER_PAGE = 50


def _licence_page(request, licences, other_purposes=()):
    """One page of licences, with what each row shows computed for the page in a fixed
    number of queries: this month's use, live or not, and the purposes' names (with those of
    ``other_purposes``, code lists the page also shows, in the same query)."""
    page = Paginator(licences, LICENCES_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    used = selectors.quotas_used(rows) if rows else {}
    for licence in rows:
        licence.used_this_month = used.get(licence.pk, 0)
        licence.live = licence.is_live()
    page.object_list = rows
    return page, purpose_labels([*(licence.purposes for licence in rows), *other_purposes])


@login_required
def my_licences(request):
    org = active_organization(request)
    requests = list(selectors.requests_of_buyer(org).order_by("-created_at")[:100])
    page, purpose_names = _licence_page(
        request,
        selectors.licences_held_by(org).order_by("-granted_at", "-pk"),
        other_purposes=[[r.purpose] for r in requests],
    )
    for licence in page.object_list:
        licence.policy_url = policy_path(licence)
    return render(
        request,
        "licensing/my_licences.html",
        {
            "org": org,
            "page": page,
            "licences": page.object_list,
            "purpose_names": purpose_names,
            "requests": requests,
        },
    )


@login_required
def licence_detail(request, pk):
    org = active_organization(request)
    licence = get_object_or_404(selectors.licences_visible_to(request.user, org), pk=pk)
    context = {
        "licence": licence,
        "terms": licence.terms or {},
        "used_this_month": selectors.quota_used(licence),
        "policy_url": policy_path(licence),
        "is_provider": org is not None and licence.product.provider_id == org.pk,
        "is_holder": org is not None and licence.buyer_id == org.pk,
        "live": licence.is_live(),
        "revoke_form": RevokeForm(),
        "can_revoke": services.LICENCE.allows(licence.status, Licence.Status.REVOKED, "revoke")
        and (
            (org is not None and licence.product.provider_id == org.pk)
            or request.user.has_perm("licensing.revoke_licence")
        ),
        "now": timezone.now(),
    }
    if request.GET.get("print"):
        return render(request, "licensing/licence_print.html", context)
    return render(request, "licensing/licence_detail.html", context)


# --- provider ---------------------------------------------------------------------------


def _provider_org(request):
    org = active_organization(request)
    if org is None or not org.is_provider:
        raise Http404
    return org


@login_required
def provider_requests(request):
    org = _provider_org(request)
    status = request.GET.get("status", "")
    qs = selectors.requests_for_provider(org).order_by("-created_at")
    if status == "open":
        qs = qs.filter(status__in=services.OPEN_REQUEST_STATES)
    elif status in R.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "licensing/provider_requests.html",
        {
            "org": org,
            "requests": qs[:200],
            "status": status,
            "statuses": [("", _("All")), ("open", _("Open"))] + list(R.choices),
        },
    )


@login_required
def provider_licences(request):
    org = _provider_org(request)
    page, purpose_names = _licence_page(
        request, selectors.licences_granted_by(org).order_by("product__title", "-granted_at", "-pk")
    )
    by_product: OrderedDict[int, dict] = OrderedDict()
    for licence in page.object_list:
        licence.renewable = (
            services.LICENCE.permits(licence, "renew") and licence.ends_at is not None
        )
        entry = by_product.setdefault(
            licence.product_id, {"product": licence.product, "licences": []}
        )
        entry["licences"].append(licence)
    charts = selectors.usage_by_licensee_month_of(entry["product"] for entry in by_product.values())
    for product_id, entry in by_product.items():
        entry["chart"] = usage_chart(charts.get(product_id, {}))
    return render(
        request,
        "licensing/provider_licences.html",
        {
            "org": org,
            "page": page,
            "products": list(by_product.values()),
            "purpose_names": purpose_names,
            "revoke_form": RevokeForm(),
        },
    )


@login_required
@require_POST
def licence_revoke(request, pk):
    org = active_organization(request)
    licence = get_object_or_404(selectors.licences_visible_to(request.user, org), pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason to revoke the licence."))
    else:
        try:
            services.licence_revoke(
                licence=licence, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Licence #%(n)s revoked: %(buyer)s's access stopped now.")
                % {"n": licence.pk, "buyer": licence.buyer.legal_name},
            )
    if org is not None and licence.product.provider_id == org.pk:
        return redirect("licensing:provider_licences")
    return redirect("licensing:licence_detail", licence.pk)


@login_required
@require_POST
def licence_renew(request, pk):
    org = _provider_org(request)
    licence = get_object_or_404(selectors.licences_granted_by(org), pk=pk)
    try:
        renewed = services.licence_renew(licence=licence, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Renewed: licence #%(n)s runs from %(start)s.")
            % {"n": renewed.pk, "start": formats.date_format(renewed.starts_at, "DATE_FORMAT")},
        )
    return redirect("licensing:provider_licences")


# --- usage chart (server-side SVG) ------------------------------------------------------

CHART_COLOURS = ["#0f5e6e", "#b07d00", "#7a3fa0", "#2f8f4e", "#c2410c", "#1d4ed8", "#6b7280"]
# Room for a month's bars and its two-line label ("Jul" over "2026") at 11 px.
CHART_MIN_GROUP_WIDTH = 52


def _month_range(keys: set[str]) -> list[date]:
    """Every month from the first to the last with usage, gaps included ("YYYY-MM" keys)."""
    first, last = min(keys), max(keys)
    month = date(int(first[:4]), int(first[5:7]), 1)
    end = date(int(last[:4]), int(last[5:7]), 1)
    months = []
    while month <= end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def usage_chart(usage: dict[str, dict[str, int]]) -> dict | None:
    """Geometry of a grouped bar chart: accesses per licensee (bars) per month (groups),
    and the same figures as a table beside it.

    Month labels are the reader's language's short month name, with the year under the
    first month and under each January, so no two labels share the same space.
    Labels stay plain strings; the template escapes them.
    """
    if not usage:
        return None
    months = _month_range({m for per_month in usage.values() for m in per_month})
    buyers = sorted(usage)
    top = max((n for per_month in usage.values() for n in per_month.values()), default=0) or 1
    left, plot_h, bar_w = 40, 160, 14
    group_w = max(CHART_MIN_GROUP_WIDTH, bar_w * len(buyers) + 18)
    width = left + group_w * len(months) + 10
    axis_y = 10 + plot_h
    height = axis_y + 40
    bars, labels = [], []
    for mi, month in enumerate(months):
        key = month.strftime("%Y-%m")
        x0 = left + mi * group_w + (group_w - bar_w * len(buyers)) / 2
        labels.append(
            {
                "x": left + mi * group_w + group_w / 2,
                "text": formats.date_format(month, "M"),
                "year": month.year if mi == 0 or month.month == 1 else "",
            }
        )
        for bi, buyer in enumerate(buyers):
            n = usage[buyer].get(key, 0)
            h = round(plot_h * n / top, 1)
            bars.append(
                {
                    "x": x0 + bi * bar_w,
                    "y": axis_y - h,
                    "w": bar_w - 2,
                    "h": h,
                    "n": n,
                    "buyer": buyer,
                    "month": formats.date_format(month, "YEAR_MONTH_FORMAT"),
                    "colour": CHART_COLOURS[bi % len(CHART_COLOURS)],
                }
            )
    ticks = sorted({0, top, round(top / 2)} if top >= 2 else {0, top})
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "axis_y": axis_y,
        "left": left,
        "ticks": [{"value": t, "y": axis_y - plot_h * t / top} for t in ticks],
        "label_y": axis_y + 16,
        "year_y": axis_y + 30,
        "legend": [
            {"buyer": b, "colour": CHART_COLOURS[i % len(CHART_COLOURS)]}
            for i, b in enumerate(buyers)
        ],
        "table": [
            {
                "month": month,
                "key": month.strftime("%Y-%m"),
                "counts": [usage[b].get(month.strftime("%Y-%m"), 0) for b in buyers],
            }
            for month in months
        ],
    }


# --- try a query ------------------------------------------------------------------------


def _held_licence(request, licence_id) -> Licence:
    org = active_organization(request)
    return get_object_or_404(
        selectors.licences_held_by(org).select_related("product", "version"), pk=licence_id
    )


def _not_started_message(licence: Licence) -> str:
    return _("This licence starts on %(when)s.") % {
        "when": formats.date_format(timezone.localtime(licence.starts_at), "DATETIME_FORMAT")
    }


class _Refused(Exception):
    """Carries the refusal page out of the query helper to the view that returns it."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def refusal_page(request, licence: Licence, exc: DomainError):
    """The page a buyer sees instead of an answer: what happened, when, by whom, and what
    they can do (renew, request again, contact the provider), with the refusal's code."""
    provider = licence.product.provider
    refusal = {
        "code": exc.code,
        "message": exc.message,
        "at": None,
        "by": "",
        "reason": "",
        "next_steps": "",
        "request_again": False,
        "back_to_panel": False,
    }
    if isinstance(exc, AccessStopped):
        refusal.update(
            title={
                "licence_suspended": _("Your licence is suspended"),
                "licence_revoked": _("Your licence was revoked"),
                "licence_expired": _("Your licence has expired"),
            }.get(exc.code, _("Access has stopped")),
            at=exc.at,
            by=exc.by,
            reason=exc.reason,
            next_steps=exc.next_steps,
            request_again=exc.code != "licence_suspended",
        )
    elif isinstance(exc, ProductSuspended):
        refusal.update(
            title=_("The product is suspended"),
            at=licence.product.suspended_at,
            by=_("the exchange"),
            reason=licence.product.suspension_reason,
            next_steps=_(
                "Access under your licence is paused until the exchange reinstates the "
                "product. Contact the exchange or %(provider)s."
            )
            % {"provider": provider.legal_name},
        )
    elif isinstance(exc, QuotaExceeded):
        refusal.update(
            title=_("Your monthly quota is used up"),
            message=_(
                "Your licence allows %(n)s queries a month and all of them are used; it "
                "resets on %(when)s."
            )
            % {
                "n": licence.queries_per_month,
                "when": formats.date_format(timezone.localtime(exc.resets_at), "DATETIME_FORMAT"),
            },
            at=exc.resets_at,
            next_steps=_(
                "Wait until the quota resets, or ask %(provider)s for an offer with a larger quota."
            )
            % {"provider": provider.legal_name},
            back_to_panel=True,
        )
    elif isinstance(exc, PrivacyBudgetExhausted):
        refusal.update(
            title=_("The privacy budget is spent"),
            at=exc.renews_at,
            next_steps=_(
                "Queries already answered can be asked again at no cost. For new questions, "
                "wait for the budget to renew or contact %(provider)s."
            )
            % {"provider": provider.legal_name},
            back_to_panel=True,
        )
    else:
        refusal["title"] = _("Access refused")
    status = 429 if isinstance(exc, (QuotaExceeded, PrivacyBudgetExhausted)) else 403
    return render(
        request,
        "licensing/access_refused.html",
        {"licence": licence, "product": licence.product, "provider": provider, "refusal": refusal},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def try_query(request, licence_id):
    licence = _held_licence(request, licence_id)
    if not licence.is_live():
        refusal = selectors.access_refusal(licence)
        if refusal is not None:
            return refusal_page(request, licence, refusal)
        messages.error(request, _not_started_message(licence))
        return redirect("licensing:licence_detail", pk=licence.pk)
    org = active_organization(request)
    result = preview = None
    if request.method == "POST":
        form = TryQueryForm(request.POST, licence=licence)
        if form.is_valid():
            if request.POST.get("preview"):
                preview = _preview_try_query(licence, form)
            else:
                try:
                    result = _run_try_query(request, org, licence, form)
                except _Refused as refused:
                    return refused.response
    else:
        form = TryQueryForm(licence=licence)
    # The budget gauge shows what is left after this request's query.
    licence.refresh_from_db(fields=["privacy_epsilon_spent"])
    licence.version.refresh_from_db(fields=["privacy_epsilon_spent"])
    return render(
        request,
        "licensing/try_query.html",
        {
            "licence": licence,
            "product": licence.product,
            "form": form,
            "result": result,
            "preview": preview,
            "budget": selectors.privacy_budget(licence, licence.version),
            "used_this_month": selectors.quota_used(licence),
        },
    )


def _preview_try_query(licence: Licence, form: TryQueryForm) -> dict | None:
    """What the query would cost and how exact it would be; nothing runs or is spent."""
    try:
        query = parse_query(form.query_document(), licence.version.schema or {})
        return services.query_preview(licence=licence, version=licence.version, query=query)
    except QueryError as exc:
        form.add_query_error(exc)
        return None


def _run_try_query(request, org, licence: Licence, form: TryQueryForm) -> dict | None:
    """Authorise, meter and answer one query exactly as the query API does."""
    purpose = form.cleaned_data["purpose"]
    jurisdiction = form.cleaned_data["jurisdiction"]
    spec = form.query_document()
    try:
        authorised = services.access_authorise(
            user=request.user,
            organization=org,
            product=licence.product,
            kind="query",
            purpose=purpose,
            jurisdiction=jurisdiction,
        )
        query = parse_query(spec, authorised.version.schema or {})

        result, _record = services.access_query(
            licence=authorised,
            user=request.user,
            token=None,
            kind="query",
            purpose=purpose,
            jurisdiction=jurisdiction,
            query=query,
            detail={"query": query.as_dict(), "channel": "web"},
        )
    except NoLiveLicence:
        raise Http404 from None
    except QueryError as exc:
        form.add_query_error(exc)
        return None
    except (AccessStopped, ProductSuspended, QuotaExceeded, PrivacyBudgetExhausted) as exc:
        raise _Refused(refusal_page(request, licence, exc)) from None
    except (Unavailable, RegionTimeout) as exc:
        messages.error(request, exc.message)
        return None
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    return result
