from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.models import Finding, ReviewCase, ReviewComment, StageReview
from compliance.selectors import stage_progress
from marketplace.api.serializers import StrictSerializer


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["check_id", "severity", "code", "message", "evidence"]


class StageSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="case.product.slug", read_only=True)
    product_title = serializers.CharField(source="case.product.title", read_only=True)
    version = serializers.IntegerField(source="case.version.number", read_only=True)
    origin = serializers.CharField(source="case.product.origin_jurisdiction", read_only=True)
    assignee = serializers.EmailField(source="assignee.email", read_only=True, default=None)
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True, default=None)
    blocking_count = serializers.IntegerField(read_only=True, default=0)
    failed_checks = serializers.IntegerField(
        read_only=True, default=0, help_text="Checks of the current attempt that could not run."
    )
    checks_queued = serializers.BooleanField(
        read_only=True, default=False, help_text="The checks wait for the task queue."
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = StageReview
        fields = [
            "id",
            "product",
            "product_title",
            "version",
            "origin",
            "stage",
            "position",
            "status",
            "assignee",
            "started_at",
            "due_at",
            "is_overdue",
            "check_attempts",
            "checks_queued",
            "failed_checks",
            "blocking_count",
            "decided_by",
            "decided_at",
            "comment",
            "override_note",
            "carried_over",
        ]


class StageDetailSerializer(StageSerializer):
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(StageSerializer.Meta):
        fields = [*StageSerializer.Meta.fields, "findings"]


class DecisionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approved", "changes_requested", "rejected"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    override_note = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(source="stage.stage", read_only=True, default=None)

    class Meta:
        model = ReviewComment
        fields = ["stage", "body", "created_at"]


class StageProgressSerializer(StrictSerializer):
    queued = serializers.BooleanField(
        help_text="The checks wait for the task queue (they start once it is back)."
    )
    checks_done = serializers.IntegerField()
    checks_total = serializers.IntegerField()
    checks_failed = serializers.ListField(
        child=serializers.CharField(), help_text="Checks that could not run (reviewers rerun)."
    )


class CaseStageSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = StageReview
        fields = [
            "stage",
            "position",
            "status",
            "due_at",
            "decided_at",
            "carried_over",
            "progress",
        ]

    @extend_schema_field(StageProgressSerializer)
    def get_progress(self, stage) -> dict:
        return StageProgressSerializer(stage_progress(stage)).data


class ProviderCaseSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    stages = CaseStageSerializer(many=True)
    comments = serializers.SerializerMethodField()

    class Meta:
        model = ReviewCase
        fields = ["id", "version", "status", "opened_at", "closed_at", "stages", "comments"]

    def get_comments(self, case) -> list[dict]:
        visible = case.comments.filter(visible_to_provider=True).select_related("stage")
        return CommentSerializer(visible, many=True).data
