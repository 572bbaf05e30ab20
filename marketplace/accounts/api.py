"""Accounts API: who am I, and my API tokens (bound to the organisation I act for)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.jurisdictions import JURISDICTION_CODES
from accounts.models import ApiToken
from kernel.exceptions import PermissionDenied
from marketplace.accounts.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    MeSerializer,
)


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="The caller and the organisation it acts for")
    def get(self, request):
        data = {
            "email": request.user.email,
            "full_name": request.user.full_name,
            "active_organization": selectors.active_organization(request),
            "memberships": selectors.memberships_of(request.user),
        }
        return Response(MeSerializer(data).data)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Personal tokens of the caller for the organisation the request acts for."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return ApiToken.objects.none()
        org = selectors.active_organization(self.request)
        if org is None:
            return selectors.tokens_of(self.request.user).none()
        return selectors.tokens_of(self.request.user, org)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = selectors.active_organization(request)
        if org is None:
            raise PermissionDenied(_("You do not belong to any organisation."))
        jurisdiction = serializer.validated_data["processing_jurisdiction"].upper()
        if jurisdiction and jurisdiction not in JURISDICTION_CODES:
            raise ValidationError({"processing_jurisdiction": [_("Unknown jurisdiction code.")]})
        token, raw = services.api_token_create(
            user=request.user,
            organization=org,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
            processing_jurisdiction=jurisdiction,
        )
        token.token = raw
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.api_token_revoke(token=self.get_object(), revoked_by=request.user)
        return Response(ApiTokenSerializer(token).data)
