"""API shapes of the catalogue.

Read serializers show what a caller may see (the views pick them by who is asking); write
serializers only type-check input, then the views hand `validated_data` to one service.
The processed dataset is never serialised: no URL, no path, no file name.
"""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from accounts.jurisdictions import JURISDICTION_CHOICES
from accounts.models import Organization
from catalogue.models import (
    MAX_BREACH_NOTICE_HOURS,
    Category,
    DataProduct,
    GbaCity,
    Offer,
    ProductVersion,
    Purpose,
)
from catalogue.selectors import sample_preview, version_history
from catalogue.services import VERSION, version_readiness_problems
from marketplace.api.serializers import StrictSerializer
from marketplace.catalogue.markdown import render_markdown

JURISDICTION_HELP = "ISO 3166-1 alpha-2 code, one of: " + ", ".join(
    code for code, _label in JURISDICTION_CHOICES
)


def jurisdiction_field(**kwargs) -> serializers.CharField:
    """A jurisdiction code. A plain string in the schema (the one `Jurisdiction` enum belongs
    to organisations); the services reject unknown codes with a 400 naming the field."""
    kwargs.setdefault("help_text", JURISDICTION_HELP)
    return serializers.CharField(min_length=2, max_length=2, **kwargs)


SamplePreviewSerializer = inline_serializer(
    name="SamplePreview",
    fields={
        "header": serializers.ListField(child=serializers.CharField()),
        "rows": serializers.ListField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="At most 10 rows; cells a spreadsheet would run as a formula start "
            "with an apostrophe.",
        ),
    },
    allow_null=True,
)


# --- reference lists ----------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "description"]
        read_only_fields = fields


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]
        read_only_fields = fields


class PurposeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purpose
        fields = ["code", "name", "description"]
        read_only_fields = fields


class PurposeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purpose
        fields = ["code", "name"]
        read_only_fields = fields


class ProviderSerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta:
        model = Organization
        fields = ["slug", "legal_name", "jurisdiction", "verified"]
        read_only_fields = fields


# --- offers -------------------------------------------------------------------------------


class OfferSerializer(serializers.ModelSerializer):
    perpetual = serializers.BooleanField(source="is_perpetual", read_only=True)
    purposes = PurposeRefSerializer(many=True, read_only=True)
    governing_law = jurisdiction_field(read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "name",
            "price",
            "currency",
            "term_months",
            "perpetual",
            "purposes",
            "other_purposes",
            "territories",
            "queries_per_month",
            "governing_law",
            "dispute_forum",
            "audit_rights",
            "breach_notice_hours",
            "onward_transfer_allowed",
            "onward_transfer_territories",
            "onward_transfer_conditions",
            "standard_contract_prevails",
            "end_of_term",
            "approval_mode",
            "is_active",
        ]
        read_only_fields = fields


class OfferWriteSerializer(StrictSerializer):
    """Typed input for `offer_create` / `offer_update`; the service checks the rules."""

    name = serializers.CharField(max_length=120)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=Offer.Currency.choices)
    term_months = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Length of every licence in months (default 12): a licence always ends.",
    )
    purposes = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Purpose.objects.all(),
        many=True,
        required=False,
        help_text="Purpose codes (see /api/v1/purposes/).",
    )
    other_purposes = serializers.CharField(max_length=300, required=False, allow_blank=True)
    territories = serializers.ListField(
        child=jurisdiction_field(),
        allow_empty=False,
        help_text="Jurisdictions where the buyer may process the data (alpha-2 codes).",
    )
    queries_per_month = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Null means unlimited."
    )
    governing_law = jurisdiction_field(required=False)
    dispute_forum = serializers.ChoiceField(choices=Offer.DisputeForum.choices, required=False)
    audit_rights = serializers.CharField(required=False)
    breach_notice_hours = serializers.IntegerField(
        min_value=1,
        max_value=MAX_BREACH_NOTICE_HOURS,
        required=False,
        help_text="Hours the licensee has to tell the provider of a breach (1-24, default 24).",
    )
    onward_transfer_allowed = serializers.BooleanField(required=False)
    onward_transfer_territories = serializers.ListField(
        child=jurisdiction_field(),
        required=False,
        help_text="Where onward recipients may be (alpha-2 codes); required when onward "
        "transfer is allowed. Every onward transfer is made under a written agreement, the "
        "same protections and notice to the provider.",
    )
    standard_contract_prevails = serializers.BooleanField(
        required=False,
        help_text="Where China's standard contract is the mechanism, it is signed separately "
        "under PRC law and prevails over these terms.",
    )
    end_of_term = serializers.ChoiceField(choices=Offer.EndOfTerm.choices, required=False)
    approval_mode = serializers.ChoiceField(choices=Offer.ApprovalMode.choices, required=False)
    is_active = serializers.BooleanField(required=False)


# --- versions -----------------------------------------------------------------------------


class SchemaFieldSerializer(StrictSerializer):
    name = serializers.CharField()
    type = serializers.CharField()
    description = serializers.CharField(required=False)
    identifier = serializers.BooleanField(required=False)
    unit = serializers.CharField(required=False)


SENSITIVITY_HELP = (
    "The most sensitive declared data category (non_personal, personal or "
    "sensitive_personal): what the catalogue's data_category filter matches."
)


ProtectionSerializer = inline_serializer(
    name="Protection",
    fields={
        "mode": serializers.ChoiceField(
            choices=["dp", "exact"],
            help_text="dp: differentially private answers; exact: exact aggregates, small "
            "groups suppressed (licensed buyers can derive individual row values).",
        ),
        "summary": serializers.CharField(),
        "unit": serializers.CharField(allow_null=True),
        "epsilon_cap": serializers.CharField(allow_null=True),
    },
)


def protection_of(version: ProductVersion) -> dict:
    """How the version's answers are protected, as buyers are told it."""
    from django.utils.translation import gettext as _

    privacy = version.privacy or {}
    if privacy.get("mode") == "dp":
        return {
            "mode": "dp",
            "summary": _(
                "Differentially private answers: each cell carries noise and its %(level)s "
                "interval; a privacy budget per licence and a cap per product."
            )
            % {"level": "95%"},
            "unit": privacy.get("unit") or _("each row"),
            "epsilon_cap": privacy.get("epsilon_cap"),
        }
    return {
        "mode": "exact",
        "summary": _(
            "Exact aggregates: licensed buyers can derive individual row values. Groups "
            "smaller than k are suppressed."
        ),
        "unit": None,
        "epsilon_cap": None,
    }


class ListedVersionSerializer(serializers.ModelSerializer):
    """The approved version buyers see."""

    sensitivity = serializers.CharField(read_only=True, help_text=SENSITIVITY_HELP)
    description_html = serializers.SerializerMethodField()
    schema_fields = serializers.SerializerMethodField()
    sample_preview = serializers.SerializerMethodField()
    protection = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = [
            "number",
            "description_html",
            "data_categories",
            "sensitivity",
            "anonymised",
            "delivery_mode",
            "update_frequency",
            "min_group_size",
            "schema_fields",
            "sample_rows",
            "sample_preview",
            "protection",
            "decided_at",
        ]
        read_only_fields = fields

    def get_description_html(self, version: ProductVersion) -> str:
        return render_markdown(version.description)

    @extend_schema_field(ProtectionSerializer)
    def get_protection(self, version: ProductVersion) -> dict:
        return protection_of(version)

    @extend_schema_field(SchemaFieldSerializer(many=True))
    def get_schema_fields(self, version: ProductVersion) -> list[dict]:
        return version.schema_fields()

    @extend_schema_field(SamplePreviewSerializer)
    def get_sample_preview(self, version: ProductVersion) -> dict | None:
        return sample_preview(version)


class VersionSerializer(serializers.ModelSerializer):
    """Everything about a version for its provider and the reviewers (never the dataset
    file itself: only whether one was uploaded and how big it is)."""

    sensitivity = serializers.CharField(read_only=True, help_text=SENSITIVITY_HELP)
    description_html = serializers.SerializerMethodField()
    sample_uploaded = serializers.SerializerMethodField()
    sample_preview = serializers.SerializerMethodField()
    dataset_uploaded = serializers.SerializerMethodField()
    readiness_problems = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = [
            "number",
            "state",
            "description",
            "description_html",
            "data_categories",
            "sensitivity",
            "important_data",
            "data_subject_count",
            "anonymised",
            "min_group_size",
            "update_frequency",
            "delivery_mode",
            "schema",
            "sample_uploaded",
            "sample_rows",
            "sample_preview",
            "dataset_uploaded",
            "dataset_rows",
            "dataset_bytes",
            "lawful_basis",
            "rights_confirmed",
            "consent_evidence",
            "exporter_ciio",
            "important_data_notification",
            "free_trade_zone",
            "privacy",
            "dataset_state",
            "dataset_error",
            "foreign_collected_reexport",
            "gba_city",
            "change_note",
            "readiness_problems",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_description_html(self, version: ProductVersion) -> str:
        return render_markdown(version.description)

    def get_sample_uploaded(self, version: ProductVersion) -> bool:
        return bool(version.sample)

    @extend_schema_field(SamplePreviewSerializer)
    def get_sample_preview(self, version: ProductVersion) -> dict | None:
        return sample_preview(version)

    def get_dataset_uploaded(self, version: ProductVersion) -> bool:
        return bool(version.dataset)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="What stops this draft from being submitted (empty once it is not a draft).",
        )
    )
    def get_readiness_problems(self, version: ProductVersion) -> list[str]:
        if not VERSION.permits(version, "edit"):
            return []
        return [str(p) for p in version_readiness_problems(version)]


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["number", "state", "submitted_at", "decided_at", "change_note"]
        read_only_fields = fields


class VersionWriteSerializer(StrictSerializer):
    """Typed input for `version_update` (draft versions only; the service says when)."""

    description = serializers.CharField(
        required=False, allow_blank=True, help_text="Markdown; raw HTML is removed."
    )
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ProductVersion.DataCategory.choices),
        required=False,
    )
    important_data = serializers.BooleanField(required=False)
    data_subject_count = serializers.IntegerField(min_value=0, required=False)
    anonymised = serializers.BooleanField(required=False)
    min_group_size = serializers.IntegerField(min_value=2, max_value=10000, required=False)
    update_frequency = serializers.ChoiceField(
        choices=ProductVersion.UpdateFrequency.choices, required=False
    )
    delivery_mode = serializers.ChoiceField(
        choices=ProductVersion.DeliveryMode.choices, required=False
    )
    schema = serializers.JSONField(
        required=False,
        help_text='{"fields": [{"name", "type", "description", "identifier", "unit"}, ...]}',
    )
    lawful_basis = serializers.CharField(required=False, allow_blank=True)
    rights_confirmed = serializers.BooleanField(required=False)
    consent_evidence = serializers.CharField(required=False, allow_blank=True)
    exporter_ciio = serializers.BooleanField(required=False)
    important_data_notification = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    free_trade_zone = serializers.CharField(max_length=200, required=False, allow_blank=True)
    privacy = serializers.JSONField(
        required=False,
        help_text='How answers are protected. Differential privacy: {"mode": "dp", "unit": '
        '"<column or empty for each row>", "max_rows": 1, "max_groups": 1, "bounds": '
        '{"<numeric column>": [lower, upper], ...}, "public_keys": {"<column>": [values]}, '
        '"epsilon_cap": 50}. Exact aggregates (non-personal products only): {"mode": "exact", '
        '"exact_acknowledged": true}.',
    )
    foreign_collected_reexport = serializers.BooleanField(
        required=False,
        help_text="Collected abroad, processed in China and exported again with nothing "
        "domestic added (PRC 2024 Provisions Art. 4).",
    )
    gba_city = serializers.ChoiceField(
        choices=GbaCity.choices,
        required=False,
        allow_blank=True,
        help_text="Mainland Greater Bay Area city where the provider is registered.",
    )
    change_note = serializers.CharField(required=False, allow_blank=True)


class CsvUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="A UTF-8 CSV whose header equals the schema.")


# --- products -----------------------------------------------------------------------------


class ProductListSerializer(serializers.ModelSerializer):
    """One catalogue card; served entirely from `ProductQuerySet.with_card_data()`."""

    url = serializers.HyperlinkedIdentityField(view_name="api:product-detail", lookup_field="slug")
    provider = ProviderSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True)
    origin_jurisdiction = jurisdiction_field(read_only=True)
    delivery_mode = serializers.CharField(
        source="listed_version.delivery_mode", read_only=True, allow_null=True, default=None
    )
    data_categories = serializers.ListField(
        source="listed_version.data_categories",
        child=serializers.CharField(),
        read_only=True,
        allow_null=True,
        default=None,
    )
    update_frequency = serializers.CharField(
        source="listed_version.update_frequency", read_only=True, allow_null=True, default=None
    )
    active_offer_count = serializers.SerializerMethodField()

    class Meta:
        model = DataProduct
        fields = [
            "slug",
            "url",
            "title",
            "summary",
            "provider",
            "category",
            "tags",
            "origin_jurisdiction",
            "delivery_mode",
            "data_categories",
            "update_frequency",
            "price_from_usd",
            "active_offer_count",
            "listed_at",
        ]
        read_only_fields = fields

    def get_active_offer_count(self, product: DataProduct) -> int:
        # The card prefetch holds only the active offers.
        return len(product.offers.all())


class ProductDetailSerializer(ProductListSerializer):
    """A product page. Buyers see the listed version; the managing provider and reviewers
    also see the latest version (its state and what stops it from being submitted)."""

    listed_version = ListedVersionSerializer(read_only=True, allow_null=True)
    offers = serializers.SerializerMethodField()
    version_history = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "status",
            "listed_version",
            "offers",
            "version_history",
            "latest_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _viewer(self) -> dict:
        return {
            "manager": bool(self.context.get("manager")),
            "reviewer": bool(self.context.get("reviewer")),
        }

    @extend_schema_field(OfferSerializer(many=True))
    def get_offers(self, product: DataProduct) -> list[dict]:
        offers = [o for o in product.offers.all() if o.is_active]
        return OfferSerializer(offers, many=True, context=self.context).data

    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_version_history(self, product: DataProduct) -> list[dict]:
        """Approved versions for buyers; every version for the provider and reviewers."""
        versions = version_history(product, **self._viewer())
        return VersionSummarySerializer(versions, many=True).data

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_latest_version(self, product: DataProduct) -> dict | None:
        viewer = self._viewer()
        if not (viewer["manager"] or viewer["reviewer"]):
            return None
        latest = product.versions.order_by("-number").first()
        return VersionSerializer(latest, context=self.context).data if latest else None


class ProductWriteSerializer(StrictSerializer):
    """Typed input for `product_create` / `product_update`."""

    title = serializers.CharField(max_length=160)
    summary = serializers.CharField(max_length=300)
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        help_text="Category slug (see /api/v1/categories/).",
    )
    origin_jurisdiction = jurisdiction_field(
        help_text="Where the data is collected and stored (its outbound regime applies). "
        + JURISDICTION_HELP
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=15
    )


# --- search page --------------------------------------------------------------------------


class FacetValueSerializer(StrictSerializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


def facets_data(facets: dict) -> dict[str, list[dict]]:
    return {name: FacetValueSerializer(values, many=True).data for name, values in facets.items()}


FACETS_SCHEMA = {
    "type": "object",
    "description": "Facet name → values with the count each would give (the other facets "
    "applied). Facets: category, origin, delivery_mode, data_category, price_band, provider.",
    "additionalProperties": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "value": {"type": "string"},
                "label": {"type": "string"},
                "count": {"type": "integer"},
                "selected": {"type": "boolean"},
            },
            "required": ["value", "label", "count", "selected"],
        },
    },
}
