"""Review API: reviewers work their queues; providers follow their product's review."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import active_organization
from catalogue.selectors import can_manage, is_reviewer, products_visible_to
from compliance import selectors
from compliance.models import StageReview
from compliance.services import checking, decisions
from marketplace.compliance.serializers import (
    DecisionSerializer,
    ProviderCaseSerializer,
    StageDetailSerializer,
    StageSerializer,
)

TAG = "review"


class IsReviewer(permissions.BasePermission):
    message = "Only exchange reviewers use the review queues."

    def has_permission(self, request, view):
        return bool(selectors.stages_user_may_decide(request.user)) or (
            request.user.is_authenticated and request.user.has_perm("compliance.assign_review")
        )


@extend_schema(tags=[TAG])
class StageViewSet(viewsets.ReadOnlyModelViewSet):
    """The stages the caller may decide (legal, technical or compliance reviewers)."""

    permission_classes = [permissions.IsAuthenticated, IsReviewer]
    serializer_class = StageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StageReview.objects.none()
        stages = selectors.stages_user_may_decide(self.request.user)
        if self.request.user.has_perm("compliance.assign_review"):
            stages = ["legal", "technical", "compliance"]
        qs = StageReview.objects.none()
        for stage in stages:
            qs = qs | selectors.queue(stage)
        status = self.request.query_params.get("status")
        if status:
            qs = qs.filter(status=status)
        wanted = self.request.query_params.get("stage")
        if wanted:
            qs = qs.filter(stage=wanted)
        return qs.order_by("due_at", "pk")

    def get_serializer_class(self):
        return StageDetailSerializer if self.action == "retrieve" else StageSerializer

    @extend_schema(
        summary="The caller's review queues",
        parameters=[
            OpenApiParameter("stage", str, enum=["legal", "technical", "compliance"]),
            OpenApiParameter("status", str, enum=list(StageReview.Status.values)),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Decide a stage (approve, request changes, reject)",
        request=DecisionSerializer,
        responses=StageDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        target = self.get_object()  # 404 before the body is read
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stage = decisions.stage_decide(
            stage=target, actor=request.user, **serializer.validated_data
        )
        return Response(StageDetailSerializer(selectors.queue(stage.stage).get(pk=stage.pk)).data)

    @extend_schema(
        summary="Run a waiting stage's automated checks again",
        description="Queues a new attempt of every check (e.g. after a check could not run, "
        "or the rule sets changed); the stage waits for its checks again.",
        request=None,
        responses=StageSerializer,
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        stage = checking.stage_rerun_checks(stage=self.get_object(), actor=request.user)
        return Response(StageSerializer(selectors.queue(stage.stage).get(pk=stage.pk)).data)

    @extend_schema(summary="Claim a stage for yourself", request=None, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        stage = decisions.stage_claim(stage=self.get_object(), user=request.user)
        return Response(StageSerializer(selectors.queue(stage.stage).get(pk=stage.pk)).data)


@extend_schema(tags=[TAG])
class ProductReviewView(APIView):
    """The latest review case of a product, for its provider and reviewers."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Review status of a product", responses=ProviderCaseSerializer)
    def get(self, request, slug):
        org = active_organization(request)
        product = products_visible_to(request.user, org).filter(slug=slug).first()
        if product is None or not (
            can_manage(request.user, org, product) or is_reviewer(request.user)
        ):
            raise Http404
        case = selectors.latest_case(product)
        if case is None:
            raise Http404
        return Response(ProviderCaseSerializer(case).data)
