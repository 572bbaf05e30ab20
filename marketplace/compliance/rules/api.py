"""Transfer assessment API: ask the rules engine about a transfer, and list one's own answers.

Any authenticated caller (Bearer token or session) may assess; every answer is recorded as
a pre-check of the organisation the request acts for, which alone sees it again (another
organisation's assessment is a 404, in the list and in detail alike).
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from accounts.selectors import active_organization
from compliance.rules import selectors, services
from compliance.rules.models import TransferAssessment
from marketplace.compliance.rules.serializers import (
    TransferAssessmentSerializer,
    TransferFactsSerializer,
)

TAG = "transfer assessments"
ERRORS = {
    400: OpenApiResponse(
        description="Invalid facts: `{error: {code, message, fields}}`, `fields` naming every "
        "bad fact."
    ),
    401: OpenApiResponse(description="Not authenticated."),
    404: OpenApiResponse(description="No such assessment made for the caller's organisation."),
}
EXAMPLE_FACTS = {
    "origin": "CN",
    "destination": "MY",
    "data_categories": ["personal"],
    "subjects_ytd": 150000,
    "sensitive_subjects_ytd": 0,
    "important_data": False,
    "exporter_ciio": False,
    "recipient_type": "company",
    "exemptions": [],
}


@extend_schema(tags=[TAG])
class TransferAssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Cross-border transfer assessments by the exchange's rules engine."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TransferAssessmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return TransferAssessment.objects.none()
        return selectors.transfer_assessments_visible_to(
            user=self.request.user, organization=active_organization(self.request)
        )

    @extend_schema(
        summary="Assess a cross-border transfer",
        description="Runs the transfer rules in force for the origin (or on `on`, for a what-if "
        "check) against the facts and records the answer as a pre-check of the caller's "
        "organisation. The answer names the decision, the mechanisms of which any one must be "
        "evidenced, the obligations, and every rule that fired with its rule-set version and "
        "legal source. A missing fact that could change the answer gives `manual_review`.",
        request=TransferFactsSerializer,
        responses={201: TransferAssessmentSerializer, 400: ERRORS[400], 401: ERRORS[401]},
        examples=[
            OpenApiExample(
                "China to Malaysia, 150,000 individuals", value=EXAMPLE_FACTS, request_only=True
            )
        ],
    )
    def create(self, request):
        serializer = TransferFactsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.transfer_assess(
            facts=serializer.facts_from(serializer.validated_data),
            on=serializer.validated_data.get("on"),
            actor=request.user,
            organization=active_organization(request),
            context=TransferAssessment.Context.PRE_CHECK,
        )
        return Response(TransferAssessmentSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="My organisation's pre-checks",
        description="Transfer assessments made for the organisation the caller acts for, "
        "newest first.",
        responses={200: TransferAssessmentSerializer(many=True), 401: ERRORS[401]},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One pre-check",
        responses={200: TransferAssessmentSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
