"""Licence requests, licences, metered usage and the object permissions licences grant."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.jurisdictions import JURISDICTION_CHOICES


class DataProductUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission table (django-guardian) for data products."""

    content_object = models.ForeignKey("catalogue.DataProduct", on_delete=models.CASCADE)


class DataProductGroupObjectPermission(GroupObjectPermissionBase):
    """Licences grant `use_product` to the buyer organisation's group here."""

    content_object = models.ForeignKey("catalogue.DataProduct", on_delete=models.CASCADE)


class LicenceRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ASSESSING = "assessing", _("Transfer being assessed")
        MANUAL_REVIEW = "manual_review", _("With a compliance reviewer")
        AWAITING_EVIDENCE = "awaiting_evidence", _("Waiting for transfer evidence")
        AWAITING_PROVIDER = "awaiting_provider", _("Waiting for the provider")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        BLOCKED = "blocked", _("Blocked by the transfer rules")

    buyer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="licence_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="licence_requests"
    )
    product = models.ForeignKey(
        "catalogue.DataProduct", on_delete=models.PROTECT, related_name="licence_requests"
    )
    offer = models.ForeignKey(
        "catalogue.Offer", on_delete=models.PROTECT, related_name="licence_requests"
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    processing_jurisdiction = models.CharField(
        _("processing jurisdiction"), max_length=2, choices=JURISDICTION_CHOICES
    )
    intended_start = models.DateField(_("intended start"))
    accepted_terms = models.JSONField(_("terms accepted"), help_text=_("Exactly as shown."))
    terms_hash = models.CharField(max_length=64)
    message = models.TextField(_("message to the provider"), blank=True)
    # A foreign judicial or law-enforcement buyer shows the approval of the competent PRC
    # authority here (DSL Art. 36, PIPL Art. 41): the reviewer checks it (docs/domain.md).
    authority_approval = models.CharField(
        _("approval of the competent PRC authority"),
        max_length=300,
        blank=True,
        help_text=_("Reference of the approval to provide the data to a foreign authority."),
    )
    screening = models.JSONField(
        _("restricted-parties screening"),
        default=dict,
        blank=True,
        help_text=_("The entry the buyer matched when the request was made, if any."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.REQUESTED,
        db_index=True,
    )
    assessment = models.ForeignKey(
        "transfer_rules.TransferAssessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("licence request")
        ordering = ["-created_at"]
        permissions = [("decide_transfer", "Can decide licence requests sent to manual review")]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "offer"],
                condition=Q(
                    status__in=[
                        "requested",
                        "assessing",
                        "manual_review",
                        "awaiting_evidence",
                        "awaiting_provider",
                    ]
                ),
                name="licensing_one_open_request_per_offer",
                violation_error_message=_("You already have an open request for this offer."),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "requested",
                        "assessing",
                        "manual_review",
                        "awaiting_evidence",
                        "awaiting_provider",
                        "approved",
                        "declined",
                        "withdrawn",
                        "blocked",
                    ]
                ),
                name="licensing_request_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} → {self.product} ({self.get_status_display()})"


class RequestEvidence(models.Model):
    """Evidence of a transfer mechanism attached to a request (e.g. a CAC filing receipt)."""

    request = models.ForeignKey(LicenceRequest, on_delete=models.CASCADE, related_name="evidence")
    mechanism = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=120, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    file = models.FileField(upload_to="licence-evidence/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    valid = models.BooleanField(default=False)
    check_note = models.CharField(max_length=300, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.mechanism}: {self.title}"


class LicenceQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(status=Licence.Status.ACTIVE, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Licence(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        SUSPENDED = "suspended", _("Suspended")

    request = models.OneToOneField(
        LicenceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="licence"
    )
    buyer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="licences"
    )
    product = models.ForeignKey(
        "catalogue.DataProduct", on_delete=models.PROTECT, related_name="licences"
    )
    version = models.ForeignKey(
        "catalogue.ProductVersion",
        on_delete=models.PROTECT,
        related_name="licences",
        help_text=_("The listed version when the licence was granted."),
    )
    offer = models.ForeignKey("catalogue.Offer", on_delete=models.PROTECT, related_name="licences")
    purposes = models.JSONField(default=list)
    territories = models.JSONField(default=list)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    queries_per_month = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    terms = models.JSONField(help_text=_("Snapshot of the contract terms granted."))
    assessment = models.ForeignKey(
        "transfer_rules.TransferAssessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.JSONField(default=list, blank=True)
    policy = models.JSONField(help_text=_("W3C ODRL 2.2 agreement (JSON-LD)."))
    renewed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set while the exchange has suspended the licence (access paused, term running).
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suspension_reason = models.TextField(blank=True)
    # The privacy budget of this licence period (from the offer's terms) and what is spent.
    privacy_epsilon_budget = models.DecimalField(
        max_digits=8, decimal_places=3, default=Decimal("10")
    )
    privacy_epsilon_per_query = models.DecimalField(
        max_digits=8, decimal_places=3, default=Decimal("0.5")
    )
    privacy_delta_per_query = models.FloatField(default=1e-7)
    privacy_epsilon_spent = models.DecimalField(max_digits=12, decimal_places=6, default=0)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence")
        ordering = ["-granted_at"]
        permissions = [
            ("revoke_licence", "Can revoke any licence (exchange admin)"),
            ("suspend_licence", "Can suspend and reinstate a licence (exchange staff)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="licensing_licence_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "expired", "revoked", "suspended"]),
                name="licensing_licence_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["buyer", "product", "status"], name="licensing_live_idx")]

    def __str__(self) -> str:
        return f"Licence #{self.pk}: {self.buyer} · {self.product}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.ACTIVE
            and self.starts_at <= now
            and (self.ends_at is None or self.ends_at > now)
        )


class QueryAnswer(models.Model):
    """An answer already released for a version: an identical normalised query (of any
    licensee) gets it again, without touching the data and without spending privacy."""

    version = models.ForeignKey(
        "catalogue.ProductVersion", on_delete=models.CASCADE, related_name="answers"
    )
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)  # query, report or extract
    private = models.BooleanField(default=False)  # a differentially private release
    answer = models.JSONField()
    epsilon = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    delta = models.FloatField(default=0)
    region = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "fingerprint"], name="licensing_one_answer_per_query"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} answer {self.fingerprint[:8]} of {self.version_id}"


class PrivacyReservation(models.Model):
    """A query's privacy cost, debited before it runs and refunded if it fails; the row goes
    when the query is done (a stale one is refunded by the sweeper)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "catalogue.ProductVersion", on_delete=models.CASCADE, related_name="+"
    )
    licence_epsilon = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    product_epsilon = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"ε {self.product_epsilon} on version {self.version_id}"


class UsageRecord(models.Model):
    class Kind(models.TextChoices):
        QUERY = "query", _("Query")
        REPORT = "report", _("Insight report")
        EXTRACT = "extract", _("Aggregated extract")
        PREVIEW = "preview", _("Provider preview")

    product = models.ForeignKey(
        "catalogue.DataProduct", on_delete=models.PROTECT, related_name="usage_records"
    )
    # Empty for a provider's preview of its own product (no licence is involved).
    licence = models.ForeignKey(
        Licence, null=True, blank=True, on_delete=models.PROTECT, related_name="usage"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="usage_records"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    purpose = models.CharField(max_length=300)
    processing_jurisdiction = models.CharField(max_length=2)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    units = models.PositiveIntegerField(default=1)
    groups_returned = models.PositiveIntegerField(default=0)
    groups_suppressed = models.PositiveIntegerField(default=0)
    # Which data region answered, whether from an answer already released, and the
    # privacy it cost.
    region = models.CharField(max_length=16, blank=True)
    cached = models.BooleanField(default=False)
    epsilon = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("usage record")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["licence", "occurred_at"], name="licensing_usage_idx"),
            models.Index(fields=["product", "occurred_at"], name="licensing_usage_product_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(licence__isnull=False) | Q(kind="preview"),
                name="licensing_usage_licensed_unless_preview",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.licence_id} · {self.occurred_at:%Y-%m-%d %H:%M}"
