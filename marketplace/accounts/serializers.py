from rest_framework import serializers

from accounts.jurisdictions import JURISDICTION_CHOICES
from accounts.models import ApiToken, Membership, Organization
from marketplace.api.serializers import StrictSerializer


class OrganizationSerializer(serializers.ModelSerializer):
    # Often empty: a plain string in the schema, not a `uri` that "" would violate.
    website = serializers.CharField(read_only=True, help_text="https://… address, or empty.")

    class Meta:
        model = Organization
        fields = [
            "slug",
            "legal_name",
            "jurisdiction",
            "registration_number",
            "website",
            "is_provider",
            "is_buyer",
            "recipient_type",
            "verification_status",
        ]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role"]


class MeSerializer(StrictSerializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    active_organization = OrganizationSerializer(allow_null=True)
    memberships = MembershipSerializer(many=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    state = serializers.CharField(read_only=True)
    # "" for a token bound to no jurisdiction: the schema says so (JurisdictionEnum or "").
    processing_jurisdiction = serializers.ChoiceField(
        choices=JURISDICTION_CHOICES,
        allow_blank=True,
        read_only=True,
        help_text="Where the data used with this token is processed; empty when the token is "
        "bound to none (the X-Processing-Jurisdiction header then says).",
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "organization",
            "processing_jurisdiction",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "state",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False)
    processing_jurisdiction = serializers.CharField(max_length=2, required=False, default="")


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
