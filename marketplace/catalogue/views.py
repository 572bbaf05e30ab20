"""HTML pages of the catalogue: buyers' browse and product pages, the provider dashboard."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import active_organization, provider_by_slug
from catalogue import selectors, services
from catalogue.models import DataProduct, Offer, ProductVersion
from catalogue.services import VERSION
from compliance import selectors as review_selectors
from compliance.services.cases import review_submit
from compliance.services.notifications import notification_mark_read
from kernel.exceptions import DomainError
from kernel.ledger.selectors import events_for_object
from kernel.tabular.schema import CsvValidationError
from marketplace.catalogue.forms import (
    DelistForm,
    EvidenceForm,
    OfferForm,
    ProductForm,
    UploadForm,
    VersionForm,
    WizardColumnFormSet,
)
from marketplace.db_router import reads_from_replica
from marketplace.pagination import CountedPaginator

PAGE_SIZE = 12


def _apply_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- buyers' catalogue --------------------------------------------------------------------


@reads_from_replica
def catalogue_list(request):
    query = selectors.CatalogueQuery.from_querydict(request.GET)
    result = selectors.catalogue_search(query)
    paginator = CountedPaginator(result.products.with_card_data(), PAGE_SIZE, count=result.total)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/list.html",
        {
            "query": query,
            "page": page,
            "total": paginator.count,
            "facets": result.facets,
            "sorts": _sort_options(request, query),
            "sort_chosen": request.GET.get("sort", "") in selectors.SORTS
            and request.GET.get("sort", ""),
            "facet_titles": {
                "category": _("Category"),
                "origin": _("Origin"),
                "delivery_mode": _("Delivery"),
                "data_category": _("Data category"),
                "price_band": _("Price"),
                "provider": _("Provider"),
            },
        },
    )


def _sort_options(request, query) -> list[tuple[str, str]]:
    """The sort menu: first the default order ("" = relevance when words are typed, newest
    otherwise), so that typing new words with the default still selected sorts by relevance;
    then the other orders."""
    default = "relevance" if query.q else "newest"
    options = [("", selectors.SORTS[default])]
    for key, label in selectors.SORTS.items():
        if key != default and not (key == "relevance" and not query.q):
            options.append((key, label))
    return options


def sample_preview(version: ProductVersion | None) -> list[list[str]]:
    """The first rows of a version's sample (never the processed dataset), as stored."""
    preview = selectors.sample_preview(version)
    return preview["rows"] if preview else []


def product_detail(request, slug):
    org = active_organization(request)
    product = get_object_or_404(
        selectors.products_visible_to(request.user, org).select_related(
            "provider", "category", "listed_version"
        ),
        slug=slug,
    )
    manager = selectors.can_manage(request.user, org, product)
    reviewer = request.user.is_authenticated and selectors.is_reviewer(request.user)
    version = selectors.version_visible(product, manager=manager, reviewer=reviewer)
    offers = product.offers.filter(is_active=True).prefetch_related("purposes")
    return render(
        request,
        "catalogue/product.html",
        {
            "product": product,
            "version": version,
            "offers": offers,
            "preview": sample_preview(version),
            "history": selectors.version_history(product, manager=manager, reviewer=reviewer),
            "can_manage": manager,
            "is_reviewer": reviewer,
            "showing_unlisted_version": version is not None
            and version.pk != product.listed_version_id,
        },
    )


def provider_detail(request, slug):
    """A provider's public page: who they are, where, whether the exchange verified them,
    and the products the reader may see."""
    provider = provider_by_slug(slug)
    if provider is None:
        raise Http404
    org = active_organization(request)
    products = (
        selectors.products_visible_to(request.user, org)
        .filter(provider=provider, status=DataProduct.Status.LISTED)
        .with_card_data()
        .order_by("title", "pk")
    )
    return render(
        request,
        "catalogue/provider.html",
        {"provider": provider, "products": products},
    )


# --- provider dashboard -------------------------------------------------------------------


def _provider_org(request):
    org = active_organization(request)
    if org is None or not org.is_provider:
        return None
    return org


def _managed_product(request, slug) -> DataProduct:
    org = _provider_org(request)
    if org is None:
        raise Http404
    return get_object_or_404(
        DataProduct.objects.select_related("provider"), slug=slug, provider=org
    )


@login_required
def dashboard(request):
    org = _provider_org(request)
    if org is None:
        messages.info(request, _("The provider dashboard is for provider organisations."))
        return redirect("catalogue:list")
    return render(
        request,
        "catalogue/dashboard.html",
        {
            "org": org,
            "products": selectors.products_of_provider(org),
            "notifications": review_selectors.notifications_for(org)[:12],
            "unread": review_selectors.notifications_for(org, unread_only=True).count(),
        },
    )


@login_required
@require_POST
def notifications_read(request):
    org = _provider_org(request)
    if org is None:
        raise Http404
    for note in review_selectors.notifications_for(org, unread_only=True):
        notification_mark_read(notification=note, user=request.user)
    return redirect("catalogue:dashboard")


@login_required
def product_new(request):
    org = _provider_org(request)
    if org is None:
        raise Http404
    form = ProductForm(request.POST or None, initial={"origin_jurisdiction": org.jurisdiction})
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(provider=org, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Draft created. Now describe version 1."))
            return redirect("catalogue:manage", slug=product.slug)
    return render(request, "catalogue/product_form.html", {"form": form, "org": org})


@login_required
def product_manage(request, slug):
    product = _managed_product(request, slug)
    versions = list(product.versions.order_by("-number"))
    current = versions[0] if versions else None
    history = events_for_object(product)
    for version in versions[:3]:
        history += events_for_object(version)
    history.sort(key=lambda e: e.seq, reverse=True)
    case = review_selectors.latest_case(product)
    return render(
        request,
        "catalogue/manage.html",
        {
            "product": product,
            "org": product.provider,
            "current": current,
            "versions": versions,
            "offers": product.offers.prefetch_related("purposes").order_by("-is_active", "price"),
            "problems": services.version_readiness_problems(current)
            if current and VERSION.permits(current, "edit")
            else [],
            "current_editable": bool(current) and VERSION.permits(current, "edit"),
            "product_editable": services.PRODUCT.permits(product, "edit"),
            "preview": sample_preview(current),
            "history": history[:40],
            "case": case,
            "case_stages": [(s, review_selectors.stage_progress(s)) for s in case.stages.all()]
            if case
            else [],
            "review_comments": review_selectors.comments_for_provider(case) if case else [],
            "upload_form": UploadForm(),
            "evidence_form": EvidenceForm(),
            "delist_form": DelistForm(),
            "max_sample_rows": settings.SAMPLE_MAX_ROWS,
        },
    )


@login_required
def product_edit(request, slug):
    product = _managed_product(request, slug)
    initial = {
        "title": product.title,
        "summary": product.summary,
        "category": product.category,
        "origin_jurisdiction": product.origin_jurisdiction,
        "tags": ", ".join(product.tags),
    }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(product=product, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Product details saved."))
            return redirect("catalogue:manage", slug=product.slug)
    return render(
        request,
        "catalogue/product_form.html",
        {"form": form, "product": product, "org": product.provider},
    )


def _managed_version(request, slug, number) -> ProductVersion:
    product = _managed_product(request, slug)
    return get_object_or_404(
        ProductVersion.objects.select_related("product"), product=product, number=number
    )


@login_required
def version_edit(request, slug, number):
    version = _managed_version(request, slug, number)
    if not VERSION.permits(version, "edit"):
        messages.error(request, _("This version is no longer a draft and cannot be edited."))
        return redirect("catalogue:manage", slug=slug)
    form = VersionForm(request.POST or None, initial=VersionForm.initial_for(version))
    if request.method == "POST" and form.is_valid():
        # An empty schema or declaration keeps the version's own.
        fields = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in ("schema", "privacy") or v is not None
        }
        try:
            services.version_update(version=version, actor=request.user, **fields)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Version %(n)s saved.") % {"n": version.number})
            return redirect("catalogue:manage", slug=slug)
    return render(
        request,
        "catalogue/version_form.html",
        {"form": form, "version": version, "product": version.product},
    )


def _wizard_done(request, slug):
    """After the wizard's confirmation: a redirect, or for the page's script (which sent
    the file itself, to show its progress) the address to go to next."""
    url = reverse("catalogue:manage", args=[slug])
    if request.headers.get("X-Wizard") == "1":
        return HttpResponse(status=200, headers={"X-Wizard-Location": url})
    return redirect(url)


def _wizard_columns(found) -> list[dict]:
    """What the confirmation step shows beside each column's form."""
    return [
        {"column": c, "personal_data": found.personal_data.get(c.header, [])}
        for c in found.suggestion.columns
    ]


@login_required
def version_wizard(request, slug, number):
    """Upload the sample first; the schema is suggested from it and confirmed here."""
    version = _managed_version(request, slug, number)
    if not VERSION.permits(version, "edit"):
        messages.error(request, _("This version is no longer a draft and cannot be edited."))
        return redirect("catalogue:manage", slug=slug)
    context = {
        "version": version,
        "product": version.product,
        "max_sample_rows": settings.SAMPLE_MAX_ROWS,
        "step": "upload",
        "upload_form": UploadForm(),
    }
    if request.method != "POST":
        return render(request, "catalogue/wizard.html", context)
    upload_form = UploadForm(request.POST, request.FILES)
    context["upload_form"] = upload_form
    if not upload_form.is_valid():
        upload_form.add_error(None, _("Choose the sample CSV file."))
        if request.POST.get("step") == "confirm":
            context["step"] = "confirm"
            context["formset"] = WizardColumnFormSet(request.POST, prefix="col")
            context["headers"] = request.POST.getlist("header")
        return render(request, "catalogue/wizard.html", context, status=400)
    upload = upload_form.cleaned_data["file"]
    if not (upload.name or "").lower().endswith(".csv"):
        upload_form.add_error("file", _("Upload a .csv file."))
        return render(request, "catalogue/wizard.html", context, status=400)
    try:
        found = review_selectors.schema_suggestion_for_upload(
            upload, max_rows=settings.SAMPLE_MAX_ROWS
        )
    except CsvValidationError as exc:
        upload_form.add_error("file", _("This file cannot be read: %(reason)s") % {"reason": exc})
        return render(request, "catalogue/wizard.html", context, status=400)
    context.update(
        step="confirm",
        found=found,
        file_name=upload.name,
        renames=[c for c in found.suggestion.columns if not c.name_is_valid],
    )
    if request.POST.get("step") != "confirm":
        context["formset"] = WizardColumnFormSet(
            prefix="col", initial=found.suggestion.schema()["fields"]
        )
        context["columns"] = list(zip(context["formset"], _wizard_columns(found), strict=True))
        return render(request, "catalogue/wizard.html", context)
    formset = WizardColumnFormSet(request.POST, prefix="col")
    context["formset"] = formset
    same_columns = formset.is_valid() and [f.cleaned_data["name"] for f in formset] == [
        c.name for c in found.suggestion.columns
    ]
    if formset.is_valid() and not same_columns:
        formset._non_form_errors = formset.error_class(
            [_("This is not the file the schema was suggested from. Start again with it.")]
        )
    if same_columns and not context["renames"]:
        schema = {"fields": [dict(f.cleaned_data) for f in formset]}
        try:
            version = services.version_start_from_sample(
                version=version, actor=request.user, schema=schema, upload=upload
            )
        except DomainError as exc:
            formset._non_form_errors = formset.error_class([exc.message])
        else:
            messages.success(
                request,
                _("Schema saved and sample uploaded: %(rows)s rows checked against it.")
                % {"rows": version.sample_rows},
            )
            return _wizard_done(request, slug)
    context["columns"] = list(zip(formset, _wizard_columns(found), strict=False))
    return render(request, "catalogue/wizard.html", context, status=400)


@login_required
@require_POST
def version_upload(request, slug, number, kind):
    version = _managed_version(request, slug, number)
    if kind not in ("sample", "dataset"):
        raise Http404
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file to upload."))
        return redirect("catalogue:manage", slug=slug)
    upload_service = (
        services.version_upload_sample if kind == "sample" else services.version_upload_dataset
    )
    try:
        version = upload_service(
            version=version, actor=request.user, upload=form.cleaned_data["file"]
        )
    except DomainError as exc:
        messages.error(request, _("Upload refused: %(reason)s") % {"reason": exc.message})
    else:
        if kind == "sample":
            text = _("Sample uploaded: %(rows)s rows.") % {"rows": version.sample_rows}
        else:
            text = _("Dataset uploaded: %(rows)s rows.") % {"rows": version.dataset_rows}
        messages.success(request, text)
    return redirect("catalogue:manage", slug=slug)


@login_required
@require_POST
def evidence_add(request, slug, number):
    version = _managed_version(request, slug, number)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}: {errors[0]}"
            )
        return redirect("catalogue:manage", slug=slug)
    data = form.cleaned_data
    try:
        services.version_add_attachment(
            version=version,
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            upload=data["file"],
            reference=data["reference"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Evidence attached."))
    return redirect("catalogue:manage", slug=slug)


@login_required
@require_POST
def version_submit(request, slug, number):
    version = _managed_version(request, slug, number)
    try:
        review_submit(version=version, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)s submitted for review.") % {"n": version.number})
    return redirect("catalogue:manage", slug=slug)


@login_required
@require_POST
def version_new(request, slug):
    product = _managed_product(request, slug)
    try:
        version = services.version_create_next(product=product, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("catalogue:manage", slug=slug)
    messages.success(
        request,
        _("Version %(n)s started from the latest one. The listed version stays live meanwhile.")
        % {"n": version.number},
    )
    return redirect("catalogue:version_edit", slug=slug, number=version.number)


@login_required
def offer_form(request, slug, offer_id=None):
    product = _managed_product(request, slug)
    offer = get_object_or_404(Offer, pk=offer_id, product=product) if offer_id else None
    initial = OfferForm.initial_for(offer) if offer else OfferForm.defaults()
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        purposes = data.pop("purposes")
        try:
            if offer:
                services.offer_update(offer=offer, actor=request.user, purposes=purposes, **data)
            else:
                services.offer_create(
                    product=product, actor=request.user, purposes=purposes, **data
                )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Offer saved."))
            return redirect("catalogue:manage", slug=slug)
    return render(
        request, "catalogue/offer_form.html", {"form": form, "product": product, "offer": offer}
    )


@login_required
@require_POST
def product_delist(request, slug):
    product = _managed_product(request, slug)
    form = DelistForm(request.POST)
    try:
        services.product_delist(
            product=product, actor=request.user, reason=form.data.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(title)s” is delisted.") % {"title": product.title})
    return redirect("catalogue:manage", slug=slug)
