"""The review workflow: pipelines, review cases, stages, automated checks and findings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import JURISDICTION_CHOICES


class Stage(models.TextChoices):
    LEGAL = "legal", _("Legal")
    TECHNICAL = "technical", _("Technical")
    COMPLIANCE = "compliance", _("Compliance")


class Pipeline(models.Model):
    """Which stages run, in which order, with which checks, for one origin jurisdiction.

    The pipeline with an empty jurisdiction applies to every origin without its own.
    """

    jurisdiction = models.CharField(
        _("origin jurisdiction"),
        max_length=2,
        choices=JURISDICTION_CHOICES,
        blank=True,
        help_text=_("Empty: the default pipeline for origins without their own."),
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("review pipeline")
        verbose_name_plural = _("review pipelines")
        ordering = ["jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction"], name="compliance_pipeline_per_origin")
        ]

    def __str__(self) -> str:
        return self.name


class PipelineStage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    checks = models.JSONField(
        _("automated checks"), default=list, help_text=_("Check ids run in this stage.")
    )
    sla_days = models.PositiveSmallIntegerField(_("SLA (working days)"), default=3)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "stage"], name="compliance_stage_once"),
            models.UniqueConstraint(
                fields=["pipeline", "position"], name="compliance_stage_position_unique"
            ),
            models.CheckConstraint(condition=Q(sla_days__gte=1), name="compliance_sla_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline}: {self.position}. {self.get_stage_display()}"


class ReviewCase(models.Model):
    """One review of one submitted product version."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")

    version = models.OneToOneField(
        "catalogue.ProductVersion", on_delete=models.PROTECT, related_name="review_case"
    )
    product = models.ForeignKey(
        "catalogue.DataProduct", on_delete=models.PROTECT, related_name="review_cases"
    )
    previous_case = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    opened_at = models.DateTimeField(_("submitted"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("review case")
        verbose_name_plural = _("review cases")
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "approved", "changes_requested", "rejected"]),
                name="compliance_case_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} review"


class StageReview(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CHECKING = "checking", _("Automated checks running")
        AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    position = models.PositiveSmallIntegerField()
    checks = models.JSONField(default=list)
    sla_days = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_stages",
        verbose_name=_("assignee"),
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    check_attempts = models.PositiveSmallIntegerField(default=0)
    checks_queued_at = models.DateTimeField(null=True, blank=True)
    # How often the current attempt's missing checks were queued again (stuck work).
    checks_requeued = models.PositiveSmallIntegerField(default=0)
    checks_finished_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_stages",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("decision comment"), blank=True)
    override_note = models.TextField(
        _("override of blocking findings"),
        blank=True,
        help_text=_("Why the stage is approved despite blocking findings."),
    )
    carried_over = models.BooleanField(
        default=False, help_text=_("Approved in the previous case and untouched by the changes.")
    )

    class Meta:
        verbose_name = _("stage review")
        verbose_name_plural = _("stage reviews")
        ordering = ["case", "position"]
        permissions = [
            ("decide_legal", "Can decide legal review stages"),
            ("decide_technical", "Can decide technical review stages"),
            ("decide_compliance", "Can decide compliance review stages"),
            ("assign_review", "Can assign review stages to reviewers"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="compliance_case_stage_once"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "checking",
                        "awaiting_decision",
                        "approved",
                        "changes_requested",
                        "rejected",
                    ]
                ),
                name="compliance_stage_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True)
                | Q(status__in=["approved", "changes_requested", "rejected"]),
                name="compliance_stage_decided_means_final",
            ),
        ]
        indexes = [models.Index(fields=["stage", "status", "due_at"], name="compliance_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.case.version}"

    @property
    def decision_permission(self) -> str:
        return f"compliance.decide_{self.stage}"

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.due_at
            and self.status in (self.Status.CHECKING, self.Status.AWAITING_DECISION)
            and self.due_at < timezone.now()
        )


class LegalQueue(StageReview):
    class Meta:
        proxy = True
        verbose_name = _("legal review")
        verbose_name_plural = _("legal review queue")


class TechnicalQueue(StageReview):
    class Meta:
        proxy = True
        verbose_name = _("technical review")
        verbose_name_plural = _("technical review queue")


class ComplianceQueue(StageReview):
    class Meta:
        proxy = True
        verbose_name = _("compliance review")
        verbose_name_plural = _("compliance review queue")


class CheckRun(models.Model):
    """One automated check's latest run in a stage (re-running replaces it)."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        FINDINGS = "findings", _("Findings")
        ERROR = "error", _("Could not run")

    stage = models.ForeignKey(StageReview, on_delete=models.CASCADE, related_name="check_runs")
    check_id = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    summary = models.CharField(max_length=300, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    duration_ms = models.PositiveIntegerField(default=0)
    # The data region whose worker ran it ("" for the central workers or in-process).
    region = models.CharField(max_length=16, blank=True)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check run")
        ordering = ["stage", "check_id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "check_id"], name="compliance_check_once")
        ]

    def __str__(self) -> str:
        return f"{self.check_id}: {self.outcome}"


class Finding(models.Model):
    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        BLOCKING = "blocking", _("Blocking")

    check_run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="findings")
    stage = models.ForeignKey(StageReview, on_delete=models.CASCADE, related_name="findings")
    check_id = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    code = models.CharField(max_length=80)
    message = models.TextField()
    # Where it was found (file, row, column, kind, masked value): never a raw personal value.
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("finding")
        ordering = ["stage", "-severity", "id"]
        indexes = [models.Index(fields=["stage", "severity"], name="compliance_finding_sev")]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.message[:80]}"


class ReviewComment(models.Model):
    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="comments")
    stage = models.ForeignKey(
        StageReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    visible_to_provider = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review comment")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:60]


class Notification(models.Model):
    """What the exchange tells an organisation (also sent by e-mail)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="notifications"
    )
    product = models.ForeignKey(
        "catalogue.DataProduct",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The subject and body written in each of the portal's languages when it was sent,
    # {"zh-hans": {"subject": …, "body": …}, "ms": {…}}: each reader sees their own.
    translations = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject_text

    def _in_reader_language(self, part: str) -> str:
        text = (self.translations or {}).get(get_language() or "", {}).get(part)
        return text if text is not None else getattr(self, part)

    @property
    def subject_text(self) -> str:
        """The subject in the reader's language (as written in it when sent)."""
        return self._in_reader_language("subject")

    @property
    def body_text(self) -> str:
        return self._in_reader_language("body")
