"""Licensing API: requests, decisions, licences and their ODRL policy, access and usage."""

import csv
import io

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.selectors import active_organization
from catalogue.models import DataProduct, Offer
from catalogue.selectors import offer_terms, products_visible_to
from kernel.exceptions import PermissionDenied
from kernel.tabular.schema import neutralise_formula
from licensing import selectors, services
from licensing.exceptions import JurisdictionMismatch
from licensing.models import LicenceRequest
from licensing.query import QueryError, parse_query
from marketplace.api.serializers import ReasonSerializer
from marketplace.licensing.serializers import (
    EvidenceUploadSerializer,
    LicenceRequestCreateSerializer,
    LicenceRequestSerializer,
    LicenceSerializer,
    ProviderDecisionSerializer,
    QueryRequestSerializer,
    QueryResultSerializer,
    TransferReviewSerializer,
    UsageSerializer,
)

TAG = "licensing"
ACCESS_TAG = "access"
PURPOSE_HEADER = OpenApiParameter(
    "X-Purpose",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The purpose of this access; one of the licence's purposes.",
)
JURISDICTION_HEADER = OpenApiParameter(
    "X-Processing-Jurisdiction",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Where the results are processed (ISO alpha-2). Defaults to the token's; "
    "a token bound to a jurisdiction refuses a header naming another (403 "
    "`jurisdiction_mismatch`).",
)


class OfferTermsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="The exact terms of an offer, and the hash to accept",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, offer_id):
        offer = Offer.objects.filter(
            pk=offer_id,
            is_active=True,
            product__in=products_visible_to(request.user, active_organization(request)),
        ).first()
        if offer is None:
            raise Http404
        terms = offer_terms(offer)
        return Response(
            {
                "offer": offer.pk,
                "product": offer.product.slug,
                "terms": terms,
                "terms_hash": services.terms_hash(terms),
            }
        )


@extend_schema(tags=[TAG])
class LicenceRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Requests the acting organisation made (buyer) or received (provider)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = LicenceRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LicenceRequest.objects.none()
        qs = selectors.requests_visible_to(self.request.user, active_organization(self.request))
        wanted = self.request.query_params.get("status")
        if wanted:
            qs = qs.filter(status=wanted)
        return qs.select_related("licence").prefetch_related("evidence").order_by("-created_at")

    @extend_schema(
        summary="Request a licence for an offer",
        request=LicenceRequestCreateSerializer,
        responses={201: LicenceRequestSerializer},
    )
    def create(self, request):
        org = active_organization(request)
        if org is None:
            # Exchange staff act for no organisation: refused, not "invalid input".
            raise PermissionDenied(_("Act for a buyer organisation to request a licence."))
        data = LicenceRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        offer = (
            Offer.objects.filter(pk=v["offer"], product__in=products_visible_to(request.user, org))
            .select_related("product")
            .first()
        )
        if offer is None or org is None:
            raise ValidationError({"offer": ["No such offer."]})
        created = services.licence_request_create(
            buyer=org,
            user=request.user,
            offer=offer,
            purpose=v["purpose"],
            processing_jurisdiction=v["processing_jurisdiction"],
            intended_start=v["intended_start"],
            accepted_terms_hash=v["accepted_terms_hash"],
            message=v["message"],
            authority_approval=v["authority_approval"],
        )
        created.refresh_from_db()
        return Response(LicenceRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw your request (before a decision)", request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        done = services.licence_request_withdraw(request=self.get_object(), user=request.user)
        return Response(LicenceRequestSerializer(done).data)

    @extend_schema(
        summary="Provider: approve (grants the licence) or decline",
        request=ProviderDecisionSerializer,
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        data = ProviderDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.licence_request_decide(
            request=target, user=request.user, **data.validated_data
        )
        done.refresh_from_db()
        return Response(LicenceRequestSerializer(done).data)

    @extend_schema(
        summary="Compliance reviewer: settle a manual-review transfer",
        request=TransferReviewSerializer,
    )
    @action(detail=True, methods=["post"], url_path="transfer-review")
    def transfer_review(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        data = TransferReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.licence_request_review(
            request=target, reviewer=request.user, **data.validated_data
        )
        done.refresh_from_db()
        return Response(LicenceRequestSerializer(done).data)

    @extend_schema(
        summary="Provider: attach transfer-mechanism evidence",
        request={"multipart/form-data": EvidenceUploadSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.licence_request_add_evidence(
            request=target,
            user=request.user,
            mechanism=v["mechanism"],
            title=v["title"],
            upload=v["file"],
            reference=v["reference"],
            issued_on=v["issued_on"],
            expires_on=v["expires_on"],
        )
        target.refresh_from_db()
        return Response(LicenceRequestSerializer(target).data)


@extend_schema(tags=[TAG])
class LicenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Digits only, as the policy's own address (`<int:pk>/policy.jsonld`): any other id is
    # a 404, not a redirect to the router's slash form.
    lookup_value_regex = r"[0-9]+"
    """Licences the acting organisation holds (buyer) or granted (provider)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = LicenceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            from licensing.models import Licence

            return Licence.objects.none()
        # Once per request: list, retrieve and the actions all read the same selector.
        if self._visible is None:
            self._visible = selectors.licences_visible_to(
                self.request.user, active_organization(self.request)
            ).order_by("-granted_at", "-pk")
        return self._visible

    _visible = None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page) if page is not None else list(self.get_queryset())
        serializer = self._serialized(rows, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._serialized([self.get_object()], many=False).data)

    def _serialized(self, licences: list, *, many: bool):
        # This month's use of the licences shown, in one query (not of every licence).
        context = {**self.get_serializer_context(), "quota_used": selectors.quotas_used(licences)}
        return LicenceSerializer(licences if many else licences[0], many=many, context=context)

    @extend_schema(
        summary="The licence's usage policy (W3C ODRL 2.2, JSON-LD), at its own address",
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
        operation_id="licences_policy_jsonld_retrieve",
    )
    def policy_document(self, request, pk=None):
        # `licences/{id}/policy.jsonld` (no slash): its own operation id in the schema.
        return self.policy(request, pk)

    @extend_schema(
        summary="The licence's usage policy (W3C ODRL 2.2, JSON-LD), with a trailing slash",
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
        operation_id="licences_policy_jsonld_slash_retrieve",
    )
    @action(detail=True, methods=["get"], url_path="policy.jsonld", url_name="policy-slash")
    def policy(self, request, pk=None):
        licence = self.get_object()
        return JsonResponse(
            licence.policy,
            content_type="application/ld+json",
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )

    @extend_schema(
        summary="Revoke a licence (provider or exchange admin)", request=ReasonSerializer
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.licence_revoke(
            licence=target, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(LicenceSerializer(done).data)

    @extend_schema(
        summary="Suspend a licence (exchange administrator or compliance reviewer)",
        description="Access under the licence stops at once and is refused with "
        "`licence_suspended` until it is reinstated; the term keeps running.",
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.licence_suspend(
            licence=target, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(LicenceSerializer(done).data)

    @extend_schema(
        summary="Reinstate a suspended licence (exchange administrator or compliance reviewer)",
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.licence_reinstate(
            licence=target, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(LicenceSerializer(done).data)

    @extend_schema(
        summary="Renew: a new licence period under the same terms (provider)", request=None
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        renewed = services.licence_renew(licence=self.get_object(), user=request.user)
        return Response(LicenceSerializer(renewed).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class UsageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Metered accesses: a buyer sees its own, a provider those of its products."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UsageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            from licensing.models import UsageRecord

            return UsageRecord.objects.none()
        qs = selectors.usage_visible_to(self.request.user, active_organization(self.request))
        licence = self.request.query_params.get("licence")
        if licence and licence.isdigit():
            qs = qs.filter(licence_id=int(licence))
        return qs.order_by("-occurred_at")


# --- access -------------------------------------------------------------------------------


class AccessView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    kind = ""

    def _product(self, request, slug) -> DataProduct:
        return get_object_or_404(DataProduct.objects.select_related("listed_version"), slug=slug)

    @staticmethod
    def _jurisdiction(request, token: ApiToken | None) -> str:
        """Where the results are processed: a token bound to a jurisdiction is that
        jurisdiction (a header naming another is refused); otherwise the header's."""
        header = request.headers.get("X-Processing-Jurisdiction", "").strip().upper()
        bound = (token.processing_jurisdiction or "").upper() if token else ""
        if bound and header and header != bound:
            raise JurisdictionMismatch(
                _(
                    "This token is bound to processing in %(bound)s; the request names "
                    "%(header)s in X-Processing-Jurisdiction. Use a token issued for %(header)s."
                )
                % {"bound": bound, "header": header}
            )
        return bound or header

    def _authorised(self, request, slug):
        org = active_organization(request)
        product = self._product(request, slug)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        purpose = request.headers.get("X-Purpose", "").strip()
        jurisdiction = self._jurisdiction(request, token)
        licence = services.access_authorise(
            user=request.user,
            organization=org,
            product=product,
            kind=self.kind,
            purpose=purpose,
            jurisdiction=jurisdiction,
        )
        return product, licence, token, purpose, jurisdiction

    def _is_provider(self, request, slug) -> DataProduct | None:
        org = active_organization(request)
        product = DataProduct.objects.filter(slug=slug, provider=org).first()
        if (
            product
            and product.listed_version
            and org.memberships.filter(user=request.user).exists()
        ):
            return product
        return None


class QueryView(AccessView):
    kind = "query"

    @extend_schema(
        tags=[ACCESS_TAG],
        summary="Query a licensed product (aggregates only)",
        parameters=[PURPOSE_HEADER, JURISDICTION_HEADER],
        request=QueryRequestSerializer,
        responses={
            200: QueryResultSerializer,
            429: OpenApiResponse(description="Monthly quota used up"),
        },
    )
    def post(self, request, slug):
        own = self._is_provider(request, slug)
        if own is not None:
            query = self._parse(request, own.listed_version)
            result, _record = services.access_preview(
                product=own,
                user=request.user,
                organization=active_organization(request),
                token=request.auth if isinstance(request.auth, ApiToken) else None,
                query=query,
            )
            return Response(result)
        product, licence, token, purpose, jurisdiction = self._authorised(request, slug)
        query = self._parse(request, licence.version)
        result, _record = services.access_query(
            licence=licence,
            user=request.user,
            token=token,
            kind=self.kind,
            purpose=purpose,
            jurisdiction=jurisdiction,
            query=query,
            detail={"query": query.as_dict()},
        )
        return Response(result)

    @staticmethod
    def _parse(request, version):
        try:
            return parse_query(request.data, version.schema or {})
        except QueryError as exc:
            raise ValidationError({exc.path or "query": [exc.message]}) from exc


class QueryPreviewView(AccessView):
    """What a query would cost and how exact its answer would be: nothing runs, nothing is
    spent or metered. The licensee's own licence prices it (its ε per query, what is left of
    its budget); the provider sees its listed version's figures."""

    kind = "query"

    @extend_schema(
        tags=[ACCESS_TAG],
        summary="Preview a query's privacy cost and expected error (nothing is spent)",
        parameters=[PURPOSE_HEADER, JURISDICTION_HEADER],
        request=QueryRequestSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, slug):
        own = self._is_provider(request, slug)
        if own is not None:
            licence, version = None, own.listed_version
        else:
            _product, licence, _token, _purpose, _jurisdiction = self._authorised(request, slug)
            version = licence.version
        query = QueryView._parse(request, version)
        try:
            return Response(services.query_preview(licence=licence, version=version, query=query))
        except QueryError as exc:
            raise ValidationError({exc.path or "query": [exc.message]}) from exc


def _dimensions(version) -> tuple[list[str], list[str]]:
    fields = version.schema_fields()
    dims = [
        f["name"]
        for f in fields
        if f["type"] in ("string", "date", "boolean") and not f["identifier"]
    ][:3]
    measures = [
        f["name"] for f in fields if f["type"] in ("integer", "number") and not f["identifier"]
    ]
    return dims, measures


class ReportView(AccessView):
    kind = "report"

    @extend_schema(
        tags=[ACCESS_TAG],
        summary="The insight report of a licensed product",
        parameters=[PURPOSE_HEADER, JURISDICTION_HEADER],
        responses=QueryResultSerializer,
    )
    def get(self, request, slug):
        product, licence, token, purpose, jurisdiction = self._authorised(request, slug)
        dims, measures = _dimensions(licence.version)
        spec = {
            "group_by": dims[:2],
            "aggregates": [{"fn": "count"}] + [{"fn": "avg", "column": m} for m in measures[:4]],
        }

        result, _record = services.access_query(
            licence=licence,
            user=request.user,
            token=token,
            kind=self.kind,
            purpose=purpose,
            jurisdiction=jurisdiction,
            query=spec,
            detail={"report": spec},
        )
        return Response({"title": product.title, "version": licence.version.number, **result})


class ExtractView(AccessView):
    kind = "extract"

    @extend_schema(
        tags=[ACCESS_TAG],
        summary="The aggregated extract of a licensed product (CSV)",
        parameters=[PURPOSE_HEADER, JURISDICTION_HEADER],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, slug):
        product, licence, token, purpose, jurisdiction = self._authorised(request, slug)
        dims, measures = _dimensions(licence.version)
        spec = {
            "group_by": dims,
            "aggregates": [{"fn": "count"}] + [{"fn": "sum", "column": m} for m in measures[:6]],
            "limit": 10000,
        }

        result, _record = services.access_query(
            licence=licence,
            user=request.user,
            token=token,
            kind=self.kind,
            purpose=purpose,
            jurisdiction=jurisdiction,
            query=spec,
            detail={"extract": spec},
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(result["columns"])
        for row in result["rows"]:
            writer.writerow([neutralise_formula("" if v is None else str(v)) for v in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{product.slug}-extract.csv"'
        response["X-Groups-Suppressed"] = str(result["groups_suppressed"])
        return response
