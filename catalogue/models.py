"""Data products, their immutable versions, and the offers under which they are licensed."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import JURISDICTION_CHOICES
from kernel.regions import (
    dataset_upload_to,
    parquet_upload_to,
    region_storage,
    sample_upload_to,
)


def translated_field(field: str) -> str | None:
    """The name of ``field``'s column in the active language (``name_zh_hans``,
    ``name_ms``), or None for English."""
    suffix = (get_language() or "en").lower().replace("-", "_")
    return None if suffix == "en" else f"{field}_{suffix}"


def _in_reader_language(obj, field: str) -> str:
    """The field's translation for the active language, or the English value when there is
    none."""
    column = translated_field(field)
    return (getattr(obj, column, "") if column else "") or getattr(obj, field)


class Category(models.Model):
    """The managed taxonomy buyers browse by (editable by exchange staff in the admin);
    its name in English and, for readers of the other languages, in Chinese and Malay."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    name_ms = models.CharField(_("name (Malay)"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        return _in_reader_language(self, "name")


class Purpose(models.Model):
    """A managed purpose of use an offer may permit (e.g. supply-chain planning)."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=120, blank=True)
    name_ms = models.CharField(_("name (Malay)"), max_length=120, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        return _in_reader_language(self, "name")


PRODUCT_STATUSES = [
    "draft",
    "submitted",
    "in_review",
    "changes_requested",
    "listed",
    "suspended",
    "delisted",
    "rejected",
]
VERSION_STATES = ["draft", "submitted", "approved", "changes_requested", "rejected", "withdrawn"]

# The exchange's ceiling on the time a licensee has to tell the provider of a breach: short
# enough for the provider to meet Malaysia's 72-hour notice to the Commissioner
# (docs/domain.md, "Contract terms every offer carries").
MAX_BREACH_NOTICE_HOURS = 24
# The conditions every onward transfer is made under, when an offer allows one.
ONWARD_TRANSFER_CONDITIONS = ("written_agreement", "same_protections", "provider_notice")


class ProductQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(status=DataProduct.Status.LISTED, listed_version__isnull=False)

    def with_card_data(self):
        """Everything a catalogue card or API list row shows, in a fixed number of queries."""
        return self.select_related("provider", "category", "listed_version").prefetch_related(
            # Ordered by the product's id, not by the product (Offer's default ordering),
            # which would join every product again to sort by its own default ordering.
            models.Prefetch(
                "offers",
                queryset=Offer.objects.filter(is_active=True).order_by("product_id", "price", "id"),
            )
        )


class DataProduct(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        LISTED = "listed", _("Listed")
        SUSPENDED = "suspended", _("Suspended")
        DELISTED = "delisted", _("Delisted")
        REJECTED = "rejected", _("Rejected")

    provider = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="products"
    )
    slug = models.SlugField(_("slug"), max_length=90, unique=True)
    title = models.CharField(_("title"), max_length=160)
    summary = models.CharField(_("summary"), max_length=300)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    origin_jurisdiction = models.CharField(
        _("origin jurisdiction"),
        max_length=2,
        choices=JURISDICTION_CHOICES,
        help_text=_("Where the data is collected and stored (its outbound regime applies)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    listed_version = models.OneToOneField(
        "ProductVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("listed version"),
    )
    listed_at = models.DateTimeField(_("first listed"), null=True, blank=True)
    # Set while the exchange has suspended the product (hidden, access paused).
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    suspension_reason = models.TextField(_("reason for the suspension"), blank=True)
    # Lowest active offer price in US dollars at the exchange's reference rates, kept by the
    # offer services: the catalogue sorts and buckets prices across currencies with it.
    price_from_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("data product")
        verbose_name_plural = _("data products")
        ordering = ["-created_at"]
        # Granted only by licensing services, to the buyer organisation's group.
        permissions = [
            ("use_product", "Can use the licensed data product"),
            ("suspend_product", "Can suspend and reinstate a listed product (exchange admin)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PRODUCT_STATUSES), name="catalogue_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="listed") | Q(listed_version__isnull=False),
                name="catalogue_listed_has_version",
                violation_error_message=_("A listed product needs an approved version."),
            ),
            models.CheckConstraint(
                condition=Q(price_from_usd__isnull=True) | Q(price_from_usd__gte=0),
                name="catalogue_price_from_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["status", "-listed_at"], name="catalogue_status_listed")]

    def __str__(self) -> str:
        return self.title


class DatasetState(models.TextChoices):
    ABSENT = "absent", _("Not prepared")
    QUEUED = "queued", _("Queued for preparation")
    PREPARING = "preparing", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Preparation failed")


class GbaCity(models.TextChoices):
    """The nine mainland cities of the Guangdong-Hong Kong-Macao Greater Bay Area."""

    GUANGZHOU = "guangzhou", _("Guangzhou")
    SHENZHEN = "shenzhen", _("Shenzhen")
    ZHUHAI = "zhuhai", _("Zhuhai")
    FOSHAN = "foshan", _("Foshan")
    HUIZHOU = "huizhou", _("Huizhou")
    DONGGUAN = "dongguan", _("Dongguan")
    ZHONGSHAN = "zhongshan", _("Zhongshan")
    JIANGMEN = "jiangmen", _("Jiangmen")
    ZHAOQING = "zhaoqing", _("Zhaoqing")


class ProductVersion(models.Model):
    """An immutable snapshot of a product's reviewable content once submitted."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class DataCategory(models.TextChoices):
        NON_PERSONAL = "non_personal", _("Non-personal data")
        PERSONAL = "personal", _("Personal information")
        SENSITIVE_PERSONAL = "sensitive_personal", _("Sensitive personal information")

    class DeliveryMode(models.TextChoices):
        QUERY_API = "query_api", _("Query API (aggregates)")
        INSIGHT_REPORT = "insight_report", _("Insight report")
        AGGREGATED_EXTRACT = "aggregated_extract", _("Aggregated extract")

    class UpdateFrequency(models.TextChoices):
        REAL_TIME = "real_time", _("Real time")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        ANNUALLY = "annually", _("Annually")
        ONE_OFF = "one_off", _("One-off")

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown; raw HTML is removed.")
    )
    data_categories = models.JSONField(_("data categories"), default=list)
    # The most sensitive declared category: what the catalogue's facet counts by.
    sensitivity = models.CharField(
        max_length=20, choices=DataCategory.choices, default=DataCategory.NON_PERSONAL
    )
    important_data = models.BooleanField(_("contains important data (PRC DSL)"), default=False)
    data_subject_count = models.PositiveIntegerField(_("data subjects"), default=0)
    anonymised = models.BooleanField(_("declared anonymised"), default=False)
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum aggregation threshold (k)"),
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(10000)],
    )
    update_frequency = models.CharField(
        _("update frequency"),
        max_length=20,
        choices=UpdateFrequency.choices,
        default=UpdateFrequency.MONTHLY,
    )
    delivery_mode = models.CharField(
        _("delivery mode"),
        max_length=20,
        choices=DeliveryMode.choices,
        default=DeliveryMode.QUERY_API,
    )
    schema = models.JSONField(_("schema"), default=dict, blank=True)
    # Files live in the data region of the product's origin (kernel.regions); the web
    # process writes them there and never reads them back: the product page shows the
    # reviewed preview stored with the version instead.
    sample = models.FileField(
        _("sample (CSV)"),
        upload_to=sample_upload_to,
        storage=region_storage,
        max_length=300,
        blank=True,
    )
    sample_rows = models.PositiveIntegerField(default=0)
    sample_preview = models.JSONField(
        _("sample preview"),
        default=list,
        blank=True,
        help_text=_("The header and first rows of the sample, as shown (formulas neutralised)."),
    )
    dataset = models.FileField(
        _("processed dataset (CSV)"),
        upload_to=dataset_upload_to,
        storage=region_storage,
        max_length=300,
        blank=True,
    )
    dataset_rows = models.PositiveIntegerField(default=0)
    dataset_bytes = models.PositiveBigIntegerField(default=0)
    # The dataset prepared once, in its region, for the query engine (DuckDB over Parquet).
    dataset_state = models.CharField(
        _("query service"),
        max_length=12,
        choices=DatasetState.choices,
        default=DatasetState.ABSENT,
    )
    dataset_parquet = models.FileField(
        upload_to=parquet_upload_to, storage=region_storage, max_length=300, blank=True
    )
    dataset_sha256 = models.CharField(max_length=64, blank=True)
    dataset_prepared_at = models.DateTimeField(null=True, blank=True)
    # When dataset_state last changed: a preparation queued or running for longer than any
    # worker can take has lost its task and is queued again (catalogue.requeue_stuck_datasets).
    dataset_state_at = models.DateTimeField(null=True, blank=True)
    dataset_error = models.CharField(max_length=300, blank=True)
    # What the provider declares for answers that cannot be differenced (licensing.privacy):
    # the mode, the privacy unit, contribution bounds, clamps and public key sets.
    privacy = models.JSONField(_("privacy declaration"), default=dict, blank=True)
    # Privacy loss spent on this version across all its licences (its cap is declared).
    privacy_epsilon_spent = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    # Declarations (the legal stage checks them).
    lawful_basis = models.TextField(_("data rights and lawful basis"), blank=True)
    rights_confirmed = models.BooleanField(
        _("we hold the rights to license this data"), default=False
    )
    consent_evidence = models.TextField(_("consent evidence (personal data)"), blank=True)
    exporter_ciio = models.BooleanField(
        _("exporter is a critical information infrastructure operator"), default=False
    )
    important_data_notification = models.CharField(
        _("important-data notification reference"), max_length=200, blank=True
    )
    free_trade_zone = models.CharField(
        _("free-trade-zone registration"), max_length=200, blank=True
    )
    foreign_collected_reexport = models.BooleanField(
        _("collected abroad and exported again (PRC 2024 Provisions Art. 4)"),
        default=False,
        help_text=_(
            "The personal information was collected abroad, processed in China and is "
            "exported again with no domestic personal information or important data added."
        ),
    )
    gba_city = models.CharField(
        _("Greater Bay Area registration"),
        max_length=20,
        choices=GbaCity.choices,
        blank=True,
        help_text=_(
            "The mainland city of the Greater Bay Area where the provider is registered, for "
            "the GBA standard contract to Hong Kong or Macao."
        ),
    )
    change_note = models.TextField(_("change note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "number"], name="catalogue_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(state__in=["draft", "submitted"]),
                name="catalogue_one_open_version",
                violation_error_message=_("This product already has a version being prepared."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="catalogue_version_number_pos"),
            models.CheckConstraint(
                condition=Q(min_group_size__gte=2), name="catalogue_k_at_least_2"
            ),
            models.CheckConstraint(
                condition=Q(state__in=VERSION_STATES), name="catalogue_version_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.number}"

    @property
    def has_personal_data(self) -> bool:
        return bool({"personal", "sensitive_personal"} & set(self.data_categories or []))

    def schema_fields(self) -> list[dict]:
        return list((self.schema or {}).get("fields", []))


class VersionAttachment(models.Model):
    """Evidence attached to a version (contracts, assessment approvals, certificates)."""

    class Kind(models.TextChoices):
        CN_SECURITY_ASSESSMENT = "cn_security_assessment", _("CAC security assessment approval")
        CN_STANDARD_CONTRACT = "cn_standard_contract", _("CAC standard contract filing receipt")
        CN_CERTIFICATION = "cn_certification", _("PI protection certification")
        CN_GBA_STANDARD_CONTRACT = (
            "cn_gba_standard_contract",
            _("Greater Bay Area standard contract filing receipt"),
        )
        MY_TIA = "my_transfer_impact_assessment", _("Malaysian transfer impact assessment")
        MY_S129 = "my_s129_exception", _("PDPA s.129(3) exception evidence")
        SG_OBLIGATIONS = "sg_enforceable_obligations", _("Singapore enforceable obligations")
        SG_CERTIFICATION = (
            "sg_specified_certification",
            _("Singapore specified certification (APEC or Global CBPR / PRP)"),
        )
        CONSENT = "consent", _("Consent evidence")
        OTHER = "other", _("Other evidence")

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference number"), max_length=120, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence attachment")
        verbose_name_plural = _("evidence attachments")
        ordering = ["version", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="catalogue_attachment_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


# The contract terms every offer carries, as a buyer reads and accepts them: the one list.
# The terms a licence request accepts (and hashes), the licence's terms snapshot and ODRL
# policy, the legal stage's contract-terms check and the ledger all come from it.
OFFER_TERM_FIELDS = (
    "term_months",
    "territories",
    "queries_per_month",
    "dp_epsilon_budget",
    "dp_epsilon_per_query",
    "dp_delta_per_query",
    "governing_law",
    "dispute_forum",
    "audit_rights",
    "breach_notice_hours",
    "onward_transfer_allowed",
    "onward_transfer_territories",
    "onward_transfer_conditions",
    "standard_contract_prevails",
    "end_of_term",
)
# Terms that are not set by the provider but follow from the others (a property on Offer).
DERIVED_TERM_FIELDS = ("onward_transfer_conditions",)
# What a provider sets on an offer (its permitted purposes are a relation, set beside).
OFFER_FIELDS = (
    "name",
    "price",
    "currency",
    "other_purposes",
    *(name for name in OFFER_TERM_FIELDS if name not in DERIVED_TERM_FIELDS),
    "approval_mode",
    "is_active",
)


class Offer(models.Model):
    class Currency(models.TextChoices):
        CNY = "CNY", "CNY"
        MYR = "MYR", "MYR"
        SGD = "SGD", "SGD"
        USD = "USD", "USD"

    class DisputeForum(models.TextChoices):
        SIAC = "SIAC", _("SIAC — Singapore International Arbitration Centre (Singapore seat)")
        CIETAC = "CIETAC", _("CIETAC — China International Economic and Trade Arbitration")
        AIAC = "AIAC", _("AIAC — Asian International Arbitration Centre (Kuala Lumpur)")

    class EndOfTerm(models.TextChoices):
        DELETE = "delete", _("Delete all derived copies and certify deletion")
        RETURN = "return", _("Return or delete at the provider's choice")

    class ApprovalMode(models.TextChoices):
        MANUAL = "manual", _("Provider approves each request")
        AUTOMATIC = "automatic", _("Automatic when the transfer assessment allows")

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="offers")
    name = models.CharField(_("name"), max_length=120)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    # Every licence ends, so that deletion or return at the end of the term happens.
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), default=12, validators=[MinValueValidator(1)]
    )
    purposes = models.ManyToManyField(Purpose, related_name="offers", blank=True)
    other_purposes = models.CharField(_("other permitted purposes"), max_length=300, blank=True)
    territories = models.JSONField(
        _("permitted territories"),
        default=list,
        help_text=_("Jurisdictions where the buyer may process the data."),
    )
    queries_per_month = models.PositiveIntegerField(
        _("queries per month"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    governing_law = models.CharField(
        _("governing law"), max_length=2, choices=JURISDICTION_CHOICES, default="SG"
    )
    dispute_forum = models.CharField(
        _("dispute forum"), max_length=8, choices=DisputeForum.choices, default="SIAC"
    )
    audit_rights = models.TextField(
        _("audit and inspection rights"),
        default="The provider and the exchange may audit the licensee's use on 30 days' notice.",
    )
    breach_notice_hours = models.PositiveSmallIntegerField(
        _("breach notice (hours)"),
        default=MAX_BREACH_NOTICE_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BREACH_NOTICE_HOURS)],
    )
    onward_transfer_allowed = models.BooleanField(_("onward transfer allowed"), default=False)
    onward_transfer_territories = models.JSONField(
        _("onward recipients may be in"),
        default=list,
        blank=True,
        help_text=_("Jurisdictions of the third parties the licensee may pass results to."),
    )
    standard_contract_prevails = models.BooleanField(
        _("CAC standard contract signed separately and prevailing"),
        default=False,
        help_text=_(
            "Where China's standard contract is the transfer mechanism, it is signed as a "
            "separate instrument under PRC law and prevails over these terms."
        ),
    )
    end_of_term = models.CharField(
        _("at the end of the term"), max_length=10, choices=EndOfTerm.choices, default="delete"
    )
    approval_mode = models.CharField(
        _("approval"), max_length=10, choices=ApprovalMode.choices, default="manual"
    )
    # The privacy budget a licence under this offer gets, per licence period (docs/domain.md,
    # "Answers that cannot be differenced").
    dp_epsilon_budget = models.DecimalField(
        _("privacy budget per licence period (ε)"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("10"),
    )
    dp_epsilon_per_query = models.DecimalField(
        _("privacy cost of one query (ε)"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("0.5"),
    )
    dp_delta_per_query = models.FloatField(
        _("δ of one query (groups without public keys)"), default=1e-7
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["product", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="catalogue_offer_price_gte_0"),
            models.CheckConstraint(
                condition=Q(dp_epsilon_per_query__gt=0)
                & Q(dp_epsilon_budget__gte=models.F("dp_epsilon_per_query"))
                & Q(dp_delta_per_query__gt=0)
                & Q(dp_delta_per_query__lt=0.001),
                name="catalogue_offer_privacy_budget_valid",
            ),
            models.CheckConstraint(
                condition=Q(breach_notice_hours__gte=1) & Q(breach_notice_hours__lte=24),
                name="catalogue_offer_breach_notice_le_24h",
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1), name="catalogue_offer_term_positive"
            ),
            models.CheckConstraint(
                condition=Q(currency__in=["CNY", "MYR", "SGD", "USD"]),
                name="catalogue_offer_currency_valid",
            ),
            models.UniqueConstraint(
                fields=["product", "name"], name="catalogue_offer_name_unique_per_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.name}"

    @property
    def is_perpetual(self) -> bool:
        return self.term_months is None

    @property
    def onward_transfer_conditions(self) -> list[str]:
        """What every onward transfer is made under: a written agreement with the third
        party, the same protections as these terms, and notice to the provider."""
        return list(ONWARD_TRANSFER_CONDITIONS) if self.onward_transfer_allowed else []

    def price_in_usd(self) -> Decimal:
        rate = Decimal(str(settings.FX_REFERENCE_RATES_TO_USD[self.currency]))
        return (self.price * rate).quantize(Decimal("0.01"))
