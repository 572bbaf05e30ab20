"""Catalogue API: the public search and product pages, the provider's writes, DCAT-AP.

Reads go through the selectors (a product the caller may not see is a 404, never a 403);
writes check that the caller acts for the product's provider, then call one service whose
domain errors the project's exception handler turns into the error shape.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.selectors import active_organization
from catalogue import selectors, services
from catalogue.models import Category, DataProduct, Offer, ProductVersion, Purpose
from catalogue.services import VERSION
from compliance.services.cases import review_submit
from kernel.exceptions import PermissionDenied
from licensing import services as licensing_services
from marketplace.api.pagination import PageNumberPagination
from marketplace.api.serializers import ReasonSerializer
from marketplace.catalogue import dcat
from marketplace.catalogue.filters import CatalogueFilterSet
from marketplace.catalogue.serializers import (
    FACETS_SCHEMA,
    CategorySerializer,
    CsvUploadSerializer,
    OfferSerializer,
    OfferWriteSerializer,
    ProductDetailSerializer,
    ProductListSerializer,
    ProductWriteSerializer,
    PurposeSerializer,
    VersionSerializer,
    VersionWriteSerializer,
    facets_data,
)
from marketplace.db_router import reads_from_replica
from marketplace.pagination import CountedPaginator

TAG = "catalogue"
ERRORS = {
    400: OpenApiResponse(description="Invalid input: `{error: {code, message, fields}}`."),
    401: OpenApiResponse(description="Not authenticated."),
    403: OpenApiResponse(
        description="The caller does not act for the product's provider, or the provider "
        "organisation is not verified."
    ),
    404: OpenApiResponse(description="No such product visible to the caller."),
    409: OpenApiResponse(description="Not allowed in the product's or version's state."),
}
READ_ERRORS = {404: ERRORS[404]}
SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Product slug")


def _viewer(request, product: DataProduct) -> dict[str, bool]:
    """Whether the caller manages the product (acting for its provider) or reviews."""
    user = request.user
    return {
        "manager": selectors.can_manage(user, active_organization(request), product),
        "reviewer": bool(user.is_authenticated and selectors.is_reviewer(user)),
    }


def _visible_product(request, slug: str) -> DataProduct:
    visible = selectors.products_visible_to(request.user, active_organization(request))
    return get_object_or_404(visible.select_related("provider", "category"), slug=slug)


def _require_manager(request, product: DataProduct) -> None:
    """Writes need a member acting for the provider; the services check the rest (verified
    provider, state). A product the caller cannot see was already a 404."""
    if not selectors.can_manage(request.user, active_organization(request), product):
        raise PermissionDenied(
            _("Only members acting for the provider organisation can change this product.")
        )


def _detail_queryset(qs):
    return qs.select_related("provider", "category", "listed_version").prefetch_related(
        Prefetch(
            "offers", queryset=Offer.objects.filter(is_active=True).prefetch_related("purposes")
        )
    )


# --- the catalogue ------------------------------------------------------------------------


class CatalogueFilterBackend(DjangoFilterBackend):
    """django-filter validation (400 naming the parameter), keeping the search's facets."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        queryset = filterset.qs
        view.search_result = filterset.search_result
        return queryset


class CataloguePagination(PageNumberPagination):
    """The project's page-number pagination plus the search's facets and total."""

    facets: dict | None = None
    total: int | None = None

    def django_paginator_class(self, object_list, per_page):
        # The search's total, counted with its facets: no second count of the same rows.
        if self.total is None:
            return Paginator(object_list, per_page)
        return CountedPaginator(object_list, per_page, count=self.total)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "total": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "facets": self.facets or {},
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["total"] = {
            "type": "integer",
            "description": "Products matching the search (all pages).",
        }
        response["properties"]["facets"] = FACETS_SCHEMA
        response["required"] = [*response.get("required", []), "total", "facets"]
        return response


@extend_schema(tags=[TAG])
class ProductViewSet(viewsets.GenericViewSet):
    """Data products: the buyers' catalogue and product pages; the provider's own products."""

    lookup_field = "slug"
    serializer_class = ProductDetailSerializer
    filter_backends = [CatalogueFilterBackend]
    filterset_class = CatalogueFilterSet
    pagination_class = CataloguePagination
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    search_result: selectors.CatalogueResult | None = None

    def get_queryset(self):
        if self.action == "list" or getattr(self, "swagger_fake_view", False):
            return DataProduct.objects.listed()
        return _detail_queryset(
            selectors.products_visible_to(self.request.user, active_organization(self.request))
        )

    def get_serializer_class(self):
        return ProductListSerializer if self.action == "list" else ProductDetailSerializer

    def filter_queryset(self, queryset):
        # Only the catalogue search takes filters; a product page is found by slug alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _detail(self, product: DataProduct, *, status_code=status.HTTP_200_OK) -> Response:
        context = {**self.get_serializer_context(), **_viewer(self.request, product)}
        return Response(ProductDetailSerializer(product, context=context).data, status=status_code)

    @extend_schema(
        summary="Search the catalogue",
        description="Listed products matching the search words and facet filters, one page "
        "at a time, with facet counts (each facet counted with the *other* filters applied) "
        "and the total. Open to anonymous callers.",
        responses={200: ProductListSerializer(many=True), 400: ERRORS[400]},
    )
    @reads_from_replica
    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        result = self.search_result
        self.paginator.facets = facets_data(result.facets) if result else {}
        self.paginator.total = result.total if result else None
        page = self.paginate_queryset(queryset)
        serializer = ProductListSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="A product page",
        description="Buyers see the listed (approved) version with a sample preview and the "
        "active offers; the provider (acting for its organisation) and reviewers also see "
        "the latest version with what stops it from being submitted. A product the caller "
        "may not see is a 404.",
        parameters=[SLUG],
        responses={200: ProductDetailSerializer, **READ_ERRORS},
    )
    def retrieve(self, request, slug=None):
        return self._detail(self.get_object())

    @extend_schema(
        summary="Create a draft product",
        description="Creates a draft product with an empty version 1 for the organisation "
        "the caller acts for (a verified provider).",
        request=ProductWriteSerializer,
        responses={
            201: ProductDetailSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: ERRORS[403],
        },
    )
    def create(self, request):
        serializer = ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = active_organization(request)
        if organization is None:
            raise PermissionDenied(_("You do not act for any organisation."))
        product = services.product_create(
            provider=organization, actor=request.user, **serializer.validated_data
        )
        return self._detail(product, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a product's details",
        description="Title, summary, category, origin and tags, while the product is a draft "
        "or back with the provider (a listed product changes through a new version).",
        parameters=[SLUG],
        request=ProductWriteSerializer,
        responses={200: ProductDetailSerializer, **ERRORS},
    )
    def partial_update(self, request, slug=None):
        product = _visible_product(request, slug)
        _require_manager(request, product)
        serializer = ProductWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(
            product=product, actor=request.user, **serializer.validated_data
        )
        return self._detail(product)

    @extend_schema(
        summary="Delist a product",
        description="Takes a listed or suspended product off the catalogue for good. Existing "
        "licences are not affected by this call.",
        parameters=[SLUG],
        request=ReasonSerializer,
        responses={200: ProductDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def delist(self, request, slug=None):
        product = _visible_product(request, slug)
        _require_manager(request, product)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_delist(
            product=product, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail(product)

    @extend_schema(
        summary="Suspend a listed product (exchange administrator)",
        description="Hides the product from the catalogue and pauses access under its "
        "licences (refused with `product_suspended`) until it is reinstated. The provider and "
        "every organisation licensing it are notified.",
        parameters=[SLUG],
        request=ReasonSerializer,
        responses={200: ProductDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, slug=None):
        product = _visible_product(request, slug)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = licensing_services.licensed_product_suspend(
            product=product, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail(product)

    @extend_schema(
        summary="Reinstate a suspended product (exchange administrator)",
        parameters=[SLUG],
        request=ReasonSerializer,
        responses={200: ProductDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request, slug=None):
        product = _visible_product(request, slug)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = licensing_services.licensed_product_reinstate(
            product=product, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail(product)


# --- versions -----------------------------------------------------------------------------


@extend_schema(tags=[TAG], parameters=[SLUG])
class ProductVersionViewSet(viewsets.GenericViewSet):
    """A product's versions, for its provider (read and write) and reviewers (read)."""

    serializer_class = VersionSerializer
    lookup_field = "number"
    pagination_class = None
    filter_backends: list = []
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @cached_property
    def product(self) -> DataProduct:
        return _visible_product(self.request, self.kwargs["slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductVersion.objects.none()
        viewer = _viewer(self.request, self.product)
        if not (viewer["manager"] or viewer["reviewer"]):
            raise Http404
        return self.product.versions.select_related("product").order_by("-number")

    def _writable_version(self, number: int) -> ProductVersion:
        _require_manager(self.request, self.product)
        return get_object_or_404(self.product.versions.select_related("product"), number=number)

    def _respond(self, version: ProductVersion, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(VersionSerializer(version).data, status=status_code)

    @extend_schema(
        summary="List a product's versions",
        description="Newest first. Only for the provider and reviewers; others get a 404.",
        responses={200: VersionSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request, slug=None):
        return Response(VersionSerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        summary="Start the next version",
        description="A new draft copied from the latest version (files included); a listed "
        "version stays live while the new one is prepared and reviewed.",
        request=None,
        responses={201: VersionSerializer, **ERRORS},
    )
    def create(self, request, slug=None):
        _require_manager(request, self.product)
        version = services.version_create_next(product=self.product, actor=request.user)
        return self._respond(version, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A version",
        description="Everything about one version except the processed dataset itself.",
        responses={200: VersionSerializer, **READ_ERRORS},
    )
    def retrieve(self, request, slug=None, number=None):
        return self._respond(self.get_object())

    @extend_schema(
        summary="Edit a draft version",
        description="Description, declarations, schema, delivery and aggregation settings. "
        "Changing the schema discards files uploaded against the old one.",
        request=VersionWriteSerializer,
        responses={200: VersionSerializer, **ERRORS},
    )
    def partial_update(self, request, slug=None, number=None):
        version = self._writable_version(number)
        serializer = VersionWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version = services.version_update(
            version=version, actor=request.user, **serializer.validated_data
        )
        return self._respond(version)

    @extend_schema(
        summary="Upload the sample CSV",
        description="Multipart field `file`: at most SAMPLE_MAX_ROWS rows matching the schema. "
        "Buyers see its first rows. A malformed file is a 400 naming the line.",
        request={"multipart/form-data": CsvUploadSerializer},
        responses={200: VersionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def sample(self, request, slug=None, number=None):
        return self._upload(request, number, services.version_upload_sample)

    @extend_schema(
        summary="Upload the processed dataset",
        description="Multipart field `file`: the CSV behind the query service, matching the "
        "schema. It is never served back — buyers only query aggregates through the "
        "exchange. A malformed file is a 400 naming the line.",
        request={"multipart/form-data": CsvUploadSerializer},
        responses={200: VersionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def dataset(self, request, slug=None, number=None):
        return self._upload(request, number, services.version_upload_dataset)

    def _upload(self, request, number, upload_service):
        version = self._writable_version(number)
        serializer = CsvUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = upload_service(
            version=version, actor=request.user, upload=serializer.validated_data["file"]
        )
        return self._respond(version)

    @extend_schema(
        summary="Submit a draft version for review",
        description="Freezes the draft and opens its review case; the first stage's "
        "automated checks start at once. A draft that is not ready is a 400 whose "
        "`fields.readiness_problems` lists what to fix.",
        request=None,
        responses={200: VersionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, slug=None, number=None):
        version = self._writable_version(number)
        if VERSION.permits(version, "edit"):
            problems = services.version_readiness_problems(version)
            if problems:
                raise ValidationError({"readiness_problems": [str(p) for p in problems]})
        # Submitting opens the review case (legal → technical → compliance).
        case = review_submit(version=version, actor=request.user)
        return self._respond(case.version)

    @extend_schema(
        summary="Withdraw a draft version",
        description="Abandons a draft (its files and evidence stay on record); a new draft "
        "can then be started from the latest version.",
        request=None,
        responses={200: VersionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, slug=None, number=None):
        version = self._writable_version(number)
        return self._respond(services.version_withdraw(version=version, actor=request.user))


# --- offers -------------------------------------------------------------------------------


@extend_schema(tags=[TAG], parameters=[SLUG])
class OfferViewSet(viewsets.GenericViewSet):
    """A product's offers: the active ones for anyone who sees the product; all of them
    (inactive included) for the provider and reviewers."""

    serializer_class = OfferSerializer
    pagination_class = None
    filter_backends: list = []
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @cached_property
    def product(self) -> DataProduct:
        return _visible_product(self.request, self.kwargs["slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        offers = self.product.offers.prefetch_related("purposes").order_by("price", "id")
        viewer = _viewer(self.request, self.product)
        if not (viewer["manager"] or viewer["reviewer"]):
            offers = offers.filter(is_active=True)
        return offers

    def _respond(self, offer: Offer, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(OfferSerializer(offer).data, status=status_code)

    @extend_schema(
        summary="List a product's offers",
        responses={200: OfferSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request, slug=None):
        return Response(OfferSerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        summary="Add an offer",
        description="Price, term, permitted purposes (codes from /api/v1/purposes/) and "
        "territories, usage limits and contract terms.",
        request=OfferWriteSerializer,
        responses={201: OfferSerializer, **ERRORS},
    )
    def create(self, request, slug=None):
        _require_manager(request, self.product)
        serializer = OfferWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        purposes = fields.pop("purposes", [])
        offer = services.offer_create(
            product=self.product, actor=request.user, purposes=purposes, **fields
        )
        return self._respond(offer, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="An offer", responses={200: OfferSerializer, **READ_ERRORS})
    def retrieve(self, request, slug=None, pk=None):
        return self._respond(self.get_object())

    @extend_schema(
        summary="Change an offer",
        description="Licences already granted keep the terms they were granted under. Set "
        "`is_active` to false to withdraw the offer.",
        request=OfferWriteSerializer,
        responses={200: OfferSerializer, **ERRORS},
    )
    def partial_update(self, request, slug=None, pk=None):
        _require_manager(request, self.product)
        offer = get_object_or_404(self.product.offers.all(), pk=pk)
        serializer = OfferWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        purposes = fields.pop("purposes", None)
        offer = services.offer_update(offer=offer, actor=request.user, purposes=purposes, **fields)
        return self._respond(offer)


# --- reference lists ----------------------------------------------------------------------


@extend_schema(tags=[TAG])
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="The catalogue's categories")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class PurposeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Purpose.objects.all()
    serializer_class = PurposeSerializer
    pagination_class = None
    filter_backends: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="The purposes an offer may permit")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


# --- DCAT-AP ------------------------------------------------------------------------------

DCAT_FORMATS = {
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
    "json-ld": ("json-ld", "application/ld+json; charset=utf-8"),
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "turtle": ("turtle", "text/turtle; charset=utf-8"),
}
DCAT_MAX_AGE = 300


def _dcat_links(request) -> dcat.CatalogueLinks:
    def absolute(url: str) -> str:
        return request.build_absolute_uri(url)

    return dcat.CatalogueLinks(
        document=absolute(reverse("catalogue-dcat")),
        homepage=absolute(reverse("home")),
        api_root=absolute(reverse("api:product-list")),
        api_description=absolute(reverse("api-schema")),
        product_page=lambda p: absolute(reverse("catalogue:product", kwargs={"slug": p.slug})),
        product_api=lambda p: absolute(reverse("api:product-detail", kwargs={"slug": p.slug})),
        offer_api=lambda p, o: absolute(
            reverse("api:product-offer-detail", kwargs={"slug": p.slug, "pk": o.pk})
        ),
    )


@require_safe
@reads_from_replica
def catalogue_dcat(request):
    """The listed products as a DCAT-AP 3 catalogue (JSON-LD; `?format=ttl` for Turtle)."""
    fmt = request.GET.get("format", "jsonld").lower()
    if fmt not in DCAT_FORMATS:
        return HttpResponseBadRequest(
            "Unknown format; use jsonld or ttl.", content_type="text/plain; charset=utf-8"
        )
    serializer_format, content_type = DCAT_FORMATS[fmt]
    products = _detail_queryset(DataProduct.objects.listed()).order_by("-listed_at", "pk")
    # One language for the whole document: labels are tagged "en".
    with translation.override("en"):
        graph = dcat.catalogue_graph(
            products,
            links=_dcat_links(request),
            title=settings.SITE_NAME,
            description=(
                "Reviewed data products licensed for access across borders between China "
                "and ASEAN. Access is through the exchange under a licence; no raw files."
            ),
        )
        body = dcat.serialize(graph, serializer_format)
    response = HttpResponse(body, content_type=content_type)
    patch_cache_control(response, public=True, max_age=DCAT_MAX_AGE)
    return response
