"""Reads of the review workflow: queues, cases, findings, notifications, export volumes."""

from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Organization, User
from catalogue.models import DataProduct, ProductVersion
from compliance.checks.pii import find_pii, scan_csv
from compliance.models import (
    CheckRun,
    Finding,
    Notification,
    Pipeline,
    ReviewCase,
    ReviewComment,
    Stage,
    StageReview,
)
from kernel.outbox.models import OutboxMessage
from kernel.outbox.services import pending_for as outbox_pending_for
from kernel.tabular.csvstream import CsvFormatError
from kernel.tabular.infer import SchemaSuggestion, infer_schema
from kernel.tabular.schema import CsvValidationError


def stages_user_may_decide(user: User) -> list[str]:
    if not user.is_authenticated or not user.is_staff:
        return []
    return [s for s in Stage.values if user.has_perm(f"compliance.decide_{s}")]


def queue(stage: str) -> QuerySet[StageReview]:
    """A stage's queue with everything its list shows, in a fixed number of queries."""
    return (
        StageReview.objects.filter(stage=stage)
        .select_related(
            "case__product__provider", "case__version__product", "assignee", "decided_by"
        )
        .annotate(
            blocking_count=Count(
                "findings", filter=Q(findings__severity="blocking"), distinct=True
            ),
            failed_checks=Count(
                "check_runs",
                filter=Q(
                    check_runs__outcome=CheckRun.Outcome.ERROR,
                    check_runs__attempt=F("check_attempts"),
                ),
                distinct=True,
            ),
            checks_queued=Exists(
                OutboxMessage.objects.undelivered().filter(
                    subject_type=StageReview._meta.label_lower,
                    subject_id=Cast(OuterRef("pk"), CharField()),
                )
            ),
        )
    )


def pipeline_for(origin: str) -> Pipeline:
    return (
        Pipeline.objects.filter(jurisdiction=origin).first()
        or Pipeline.objects.filter(jurisdiction="").first()
    )


def latest_case(product: DataProduct) -> ReviewCase | None:
    return product.review_cases.order_by("-opened_at", "-pk").first()


@dataclass(frozen=True)
class StageProgress:
    """Where a stage's automated checks are, in words a provider can be shown."""

    queued: bool  # waiting for the task queue (its broker is away)
    checks_done: int
    checks_total: int
    checks_failed: list[str]  # check ids that could not run in the current attempt


def stage_progress(stage: StageReview) -> StageProgress:
    runs = list(
        stage.check_runs.filter(attempt=stage.check_attempts).values_list("check_id", "outcome")
    )
    return StageProgress(
        queued=stage.status == StageReview.Status.CHECKING and outbox_pending_for(stage),
        checks_done=len(runs),
        checks_total=len(stage.checks),
        checks_failed=sorted(check for check, outcome in runs if outcome == CheckRun.Outcome.ERROR),
    )


def case_to_carry_over_from(product: DataProduct) -> ReviewCase | None:
    """The product's latest review case, when it ended asking for changes: its approved
    stages may carry over to the resubmitted version."""
    latest = latest_case(product)
    if latest is not None and latest.status == ReviewCase.Status.CHANGES_REQUESTED:
        return latest
    return None


def approved_stages(case: ReviewCase) -> dict[str, StageReview]:
    return {
        s.stage: s
        for s in case.stages.filter(status=StageReview.Status.APPROVED).select_related("decided_by")
    }


def case_detail(case_id: int) -> ReviewCase:
    return (
        ReviewCase.objects.select_related("product__provider", "version", "pipeline")
        .prefetch_related("stages__findings", "stages__check_runs", "comments__author")
        .get(pk=case_id)
    )


def blocking_findings(stage: StageReview) -> QuerySet[Finding]:
    return stage.findings.filter(severity=Finding.Severity.BLOCKING)


def comments_for_provider(case: ReviewCase) -> QuerySet[ReviewComment]:
    return case.comments.filter(visible_to_provider=True).select_related("author", "stage")


def notifications_for(organization: Organization, *, unread_only: bool = False):
    qs = Notification.objects.filter(organization=organization).select_related("product")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def _year_start():
    """1 January, 00:00, in the exchange's time zone (settings.TIME_ZONE)."""
    return timezone.localtime().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _counts(categories, subjects: int) -> tuple[int, int]:
    """A version's individuals as the two counts: non-sensitive (it declares ``personal``)
    and sensitive (it declares ``sensitive_personal``)."""
    categories = set(categories or [])
    return (
        subjects if "personal" in categories else 0,
        subjects if "sensitive_personal" in categories else 0,
    )


def provider_subjects_ytd(
    *, provider: Organization, origin: str, version: ProductVersion
) -> tuple[int, int]:
    """The individuals the provider has exported from ``origin`` since 1 January, this
    version included, as ``(subjects_ytd, sensitive_subjects_ytd)``: the one count the
    compliance stage and every licence request use (docs/domain.md, "Counting").

    * The two counts are kept apart, as the 2024 Provisions Arts. 7-8 count them: a version's
      data subjects count as non-sensitive when it declares ``personal`` and as sensitive
      when it declares ``sensitive_personal`` (both when it declares both).
    * A product is exported this year when one of its personal-data versions was approved
      this year (it is then offered abroad) or is licensed under a licence that ran this
      year for processing outside ``origin``. It is not counted again for each licence or
      version: they are the same people exported again. Each product counts once, with the
      largest data-subject count of those versions (and of ``version``, for its product).
    """
    start = _year_start()
    base = ProductVersion.objects.filter(
        product__provider=provider, product__origin_jurisdiction=origin
    ).exclude(sensitivity=ProductVersion.DataCategory.NON_PERSONAL)
    rows = list(
        base.filter(state=ProductVersion.State.APPROVED, decided_at__gte=start).values(
            "product_id", "data_categories", "data_subject_count"
        )
    )
    # Licences are read through the reverse relation of their version (licensing sits above
    # this layer and is not imported): a licence that ran this year, for processing abroad.
    licensed = (
        base.filter(licences__starts_at__lte=timezone.now())
        .filter(Q(licences__ended_at__isnull=True) | Q(licences__ended_at__gte=start))
        .filter(Q(licences__ends_at__isnull=True) | Q(licences__ends_at__gte=start))
        .values("product_id", "data_categories", "data_subject_count", "licences__territories")
    )
    rows += [row for row in licensed if set(row["licences__territories"] or []) - {origin}]
    if version.has_personal_data:
        rows.append(
            {
                "product_id": version.product_id,
                "data_categories": version.data_categories,
                "data_subject_count": version.data_subject_count,
            }
        )
    per_product: dict[int, tuple[int, int]] = {}
    for row in rows:
        plain, sensitive = _counts(row["data_categories"], row["data_subject_count"] or 0)
        seen = per_product.get(row["product_id"], (0, 0))
        per_product[row["product_id"]] = (max(seen[0], plain), max(seen[1], sensitive))
    return (
        sum(plain for plain, _sensitive in per_product.values()),
        sum(sensitive for _plain, sensitive in per_product.values()),
    )


# --- the provider's wizard: a schema suggested from an uploaded sample ---------------------

PII_KIND_LABELS = {
    "cn_resident_id": gettext_lazy("China resident ID numbers"),
    "my_nric": gettext_lazy("Malaysian MyKad numbers"),
    "sg_nric": gettext_lazy("Singapore NRIC/FIN numbers"),
    "phone": gettext_lazy("phone numbers"),
    "email": gettext_lazy("e-mail addresses"),
    "bank_card": gettext_lazy("bank card numbers"),
}


@dataclass
class PersonalDataHint:
    kind: str
    label: str
    count: int
    masked: str  # one example, masked as the technical review shows it


@dataclass
class WizardSuggestion:
    suggestion: SchemaSuggestion
    personal_data: dict[str, list[PersonalDataHint]]  # by header

    @property
    def has_personal_data(self) -> bool:
        return any(self.personal_data.values())


def _masked_text(text: str) -> str:
    for match in sorted(find_pii(text), key=lambda m: m.start, reverse=True):
        text = text[: match.start] + match.masked + text[match.end :]
    return text


def schema_suggestion_for_upload(upload, *, max_rows: int) -> WizardSuggestion:
    """Reads an uploaded CSV twice from its stream (types, then the personal-data scan of
    every row) and returns the suggestion. Nothing is stored: the web process reads the
    upload for this validation and preview only. Raises CsvValidationError."""
    upload.seek(0)
    suggestion = infer_schema(upload, max_rows=max_rows)
    upload.seek(0)
    try:
        scan = scan_csv(upload, max_findings=200)
    except CsvFormatError as exc:
        raise CsvValidationError(exc.message, line=exc.line) from None
    upload.seek(0)
    for column in suggestion.columns:
        # The examples shown beside each column are masked as the findings are.
        column.examples = [_masked_text(text) for text in column.examples]
    hints: dict[str, list[PersonalDataHint]] = {c.header: [] for c in suggestion.columns}
    seen: dict[tuple[str, str], PersonalDataHint] = {}
    counts: dict[tuple[str, str], int] = {}
    for finding in scan.findings:
        counts[(finding.column, finding.kind)] = counts.get((finding.column, finding.kind), 0) + 1
        if (finding.column, finding.kind) not in seen and finding.column in hints:
            hint = PersonalDataHint(
                kind=finding.kind,
                label=str(PII_KIND_LABELS.get(finding.kind, finding.kind)),
                count=0,
                masked=finding.masked,
            )
            seen[(finding.column, finding.kind)] = hint
            hints[finding.column].append(hint)
    for key, hint in seen.items():
        hint.count = counts[key]
    return WizardSuggestion(suggestion=suggestion, personal_data=hints)
