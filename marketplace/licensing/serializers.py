from rest_framework import serializers

from accounts.jurisdictions import JURISDICTION_CHOICES
from licensing.models import Licence, LicenceRequest, RequestEvidence, UsageRecord
from marketplace.api.serializers import StrictSerializer


class AssessmentSerializer(StrictSerializer):
    id = serializers.IntegerField()
    decision = serializers.CharField()
    mechanisms_any_of = serializers.ListField(child=serializers.CharField())
    obligations = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField()
    rule_set_versions = serializers.ListField(child=serializers.CharField())


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestEvidence
        fields = [
            "mechanism",
            "title",
            "reference",
            "issued_on",
            "expires_on",
            "valid",
            "check_note",
            "uploaded_at",
        ]


class LicenceRequestSerializer(serializers.ModelSerializer):
    buyer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    offer = serializers.PrimaryKeyRelatedField(read_only=True)
    assessment = AssessmentSerializer(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    licence = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = LicenceRequest
        fields = [
            "id",
            "buyer",
            "product",
            "offer",
            "purpose",
            "processing_jurisdiction",
            "intended_start",
            "accepted_terms",
            "message",
            "authority_approval",
            "status",
            "assessment",
            "evidence",
            "decision_note",
            "decided_at",
            "created_at",
            "licence",
        ]
        read_only_fields = fields


class LicenceRequestCreateSerializer(StrictSerializer):
    offer = serializers.IntegerField()
    purpose = serializers.CharField(max_length=300)
    processing_jurisdiction = serializers.ChoiceField(choices=JURISDICTION_CHOICES)
    intended_start = serializers.DateField()
    accepted_terms_hash = serializers.CharField(
        max_length=64,
        help_text="terms_hash from GET /api/v1/offers/{id}/terms, proving the "
        "caller accepted exactly those terms.",
    )
    message = serializers.CharField(required=False, allow_blank=True, default="")
    authority_approval = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a buyer that is a judicial or law-enforcement body only: the reference "
        "of the competent PRC authority's approval (DSL Art. 36, PIPL Art. 41). A "
        "Chinese-origin request with it goes to a compliance reviewer instead of being "
        "blocked.",
    )


class ProviderDecisionSerializer(StrictSerializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferReviewSerializer(StrictSerializer):
    allow = serializers.BooleanField()
    note = serializers.CharField()


class EvidenceUploadSerializer(StrictSerializer):
    mechanism = serializers.CharField()
    title = serializers.CharField(max_length=200)
    reference = serializers.CharField(required=False, allow_blank=True, default="")
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    file = serializers.FileField()


class LicenceSerializer(serializers.ModelSerializer):
    buyer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    offer = serializers.CharField(source="offer.name", read_only=True)
    quota_used = serializers.SerializerMethodField()
    policy_url = serializers.SerializerMethodField()

    class Meta:
        model = Licence
        fields = [
            "id",
            "buyer",
            "product",
            "version",
            "offer",
            "purposes",
            "territories",
            "starts_at",
            "ends_at",
            "queries_per_month",
            "quota_used",
            "status",
            "terms",
            "evidence",
            "granted_at",
            "ended_at",
            "end_reason",
            "suspended_at",
            "suspension_reason",
            "renewed_from",
            "policy_url",
        ]
        read_only_fields = fields

    def get_quota_used(self, licence) -> int:
        used = self.context.get("quota_used", {})
        return used.get(licence.pk, 0)

    def get_policy_url(self, licence) -> str:
        return f"/api/v1/licences/{licence.pk}/policy.jsonld"


class UsageSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.slug", read_only=True)
    organization = serializers.CharField(source="organization.slug", read_only=True)

    class Meta:
        model = UsageRecord
        fields = [
            "id",
            "licence",
            "product",
            "organization",
            "kind",
            "purpose",
            "processing_jurisdiction",
            "occurred_at",
            "groups_returned",
            "groups_suppressed",
        ]
        read_only_fields = fields


class QueryRequestSerializer(StrictSerializer):
    group_by = serializers.ListField(child=serializers.CharField(), required=False)
    aggregates = serializers.ListField(child=serializers.DictField(), required=False)
    filters = serializers.ListField(child=serializers.DictField(), required=False)
    order_by = serializers.ListField(child=serializers.DictField(), required=False)
    limit = serializers.IntegerField(required=False)


class QueryResultSerializer(StrictSerializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())
    groups_returned = serializers.IntegerField()
    groups_suppressed = serializers.IntegerField()
    min_group_size = serializers.IntegerField()
    truncated = serializers.BooleanField()
