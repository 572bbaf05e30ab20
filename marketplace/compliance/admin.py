"""Reviewer queues in the Django admin: one per stage, a case page, decisions by service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from compliance import selectors
from compliance.diff import version_diff, version_fields
from compliance.models import (
    ComplianceQueue,
    LegalQueue,
    Notification,
    Pipeline,
    PipelineStage,
    ReviewCase,
    Stage,
    StageReview,
    TechnicalQueue,
)
from compliance.services import checking, decisions
from kernel.exceptions import DomainError

SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}


class PipelineStageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction"]
    inlines = [PipelineStageInline]


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        open_states = [StageReview.Status.CHECKING, StageReview.Status.AWAITING_DECISION]
        late = Q(status__in=open_states, due_at__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(late)
        if self.value() == "no":
            return queryset.exclude(late)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "who"

    def lookups(self, request, model_admin):
        return [("mine", _("Mine")), ("unassigned", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(assignee=request.user)
        if self.value() == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    """Defaults to what needs work: stages checking or awaiting a decision."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("To do")), ("all", _("All")), *StageReview.Status.choices]

    def choices(self, changelist):
        value = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(status__in=["checking", "awaiting_decision"])
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class StuckFilter(admin.SimpleListFilter):
    """Stages whose automated checks have run far longer than their limits allow."""

    title = _("automated checks")
    parameter_name = "checks"

    def lookups(self, request, model_admin):
        return [("stuck", _("Checking too long")), ("failed", _("A check could not run"))]

    def queryset(self, request, queryset):
        if self.value() == "stuck":
            return queryset.filter(pk__in=checking.stages_checking_too_long().values("pk"))
        if self.value() == "failed":
            return queryset.filter(failed_checks__gt=0)
        return queryset


class AssignForm(ActionForm):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True),
        required=False,
        label=_("Reviewer"),
    )


class StageQueueAdmin(admin.ModelAdmin):
    """A queue of one stage. Status fields are read-only; decisions go through services."""

    stage: str = ""
    change_form_template = "admin/compliance/stage_case.html"
    action_form = AssignForm
    actions = ["claim", "assign", "rerun"]
    list_display = [
        "product_link",
        "provider",
        "origin",
        "submitted",
        "due",
        "assignee",
        "status_badge",
        "checks_state",
        "blocking",
    ]
    list_filter = [
        OpenFilter,
        "case__product__origin_jurisdiction",
        OverdueFilter,
        StuckFilter,
        AssigneeFilter,
    ]
    search_fields = ["case__product__title", "case__product__provider__legal_name"]
    ordering = ["due_at"]
    list_per_page = 50

    # -- permissions: the queue is for this stage's reviewers (and exchange admins)
    def _may_see(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (
                user.has_perm(f"compliance.decide_{self.stage}")
                or user.has_perm("compliance.assign_review")
            )
        )

    def has_module_permission(self, request):
        return self._may_see(request)

    def has_view_permission(self, request, obj=None):
        return self._may_see(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return selectors.queue(self.stage)

    # -- columns
    @admin.display(description=_("product"), ordering="case__product__title")
    def product_link(self, obj):
        return format_html(
            "{} <span style='color:#667'>v{}</span>",
            obj.case.product.title,
            obj.case.version.number,
        )

    @admin.display(description=_("provider"), ordering="case__product__provider__legal_name")
    def provider(self, obj):
        return obj.case.product.provider.legal_name

    @admin.display(description=_("origin"), ordering="case__product__origin_jurisdiction")
    def origin(self, obj):
        return obj.case.product.origin_jurisdiction

    @admin.display(description=_("submitted"), ordering="case__opened_at")
    def submitted(self, obj):
        return timezone.localtime(obj.case.opened_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj):
        if not obj.due_at:
            return "—"
        text = timezone.localtime(obj.due_at).strftime("%Y-%m-%d")
        if obj.is_overdue:
            return format_html(
                '<strong style="color:#b3261e">⚠ {} ({})</strong>', text, _("overdue")
            )
        return text

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("automated checks"), ordering="failed_checks")
    def checks_state(self, obj):
        if obj.checks_queued:
            return format_html('<span style="color:#8a5300">{}</span>', _("queued"))
        if obj.failed_checks:
            return format_html(
                '<strong style="color:#b3261e">⚠ {}</strong>',
                _("%(n)d could not run") % {"n": obj.failed_checks},
            )
        return "—"

    @admin.display(description=_("blocking"), ordering="blocking_count")
    def blocking(self, obj):
        if obj.blocking_count:
            return format_html('<strong style="color:#b3261e">{}</strong>', obj.blocking_count)
        return "0"

    # -- actions (the same services as everywhere else)
    @admin.action(description=_("Claim the selected stages"))
    def claim(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda s: decisions.stage_claim(stage=s, user=request.user),
            _("Claimed %(n)d stage(s)."),
        )

    @admin.action(description=_("Assign the selected stages to the reviewer chosen below"))
    def assign(self, request, queryset):
        assignee = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
        if assignee is None:
            self.message_user(request, _("Choose a reviewer first."), messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda s: decisions.stage_assign(stage=s, assignee=assignee, actor=request.user),
            _("Assigned %(n)d stage(s)."),
        )

    @admin.action(description=_("Run the automated checks of the selected stages again"))
    def rerun(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda s: checking.stage_rerun_checks(stage=s, actor=request.user),
            _("Queued the checks of %(n)d stage(s) again."),
        )

    def _each(self, request, queryset, action, success):
        done = 0
        for stage in queryset:
            try:
                action(stage)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{stage}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, success % {"n": done}, messages.SUCCESS)

    # -- the case page
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            path(
                "<int:pk>/comment/",
                self.admin_site.admin_view(self.comment_view),
                name="{}_{}_comment".format(*info),
            ),
            path(
                "<int:pk>/rerun/",
                self.admin_site.admin_view(self.rerun_view),
                name="{}_{}_rerun".format(*info),
            ),
            *super().get_urls(),
        ]

    def _stage_or_404(self, request, pk) -> StageReview:
        if not self._may_see(request):
            raise Http404
        return get_object_or_404(StageReview, pk=pk, stage=self.stage)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        stage = self._stage_or_404(request, object_id)
        case = selectors.case_detail(stage.case_id)
        version = case.version
        previous = (
            version.product.versions.filter(number__lt=version.number).order_by("-number").first()
        )
        from compliance.rules.selectors import assessments_of_subject

        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(stage)s review · %(title)s v%(n)s")
            % {
                "stage": stage.get_stage_display(),
                "title": case.product.title,
                "n": case.version.number,
            },
            "stage": stage,
            "case": case,
            "version": version,
            "product": case.product,
            "offers": case.product.offers.filter(is_active=True).prefetch_related("purposes"),
            "attachments": version.attachments.all(),
            "findings": sorted(
                stage.findings.all()[:500], key=lambda f: (SEVERITY_ORDER[f.severity], f.pk)
            ),
            "other_stages": case.stages.all(),
            "assessments": assessments_of_subject(version)[:20],
            "diff": version_diff(version_fields(previous), version_fields(version))
            if previous
            else None,
            "previous": previous,
            "comments": case.comments.select_related("author", "stage"),
            "may_decide": request.user.has_perm(stage.decision_permission),
            "blocking_count": selectors.blocking_findings(stage).count(),
            "decide_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_decide",
                args=[stage.pk],
            ),
            "comment_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_comment",
                args=[stage.pk],
            ),
            "rerun_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_rerun",
                args=[stage.pk],
            ),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def _back(self, stage):
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change",
                args=[stage.pk],
            )
        )

    def decide_view(self, request, pk):
        stage = self._stage_or_404(request, pk)
        if request.method != "POST":
            return self._back(stage)
        try:
            decisions.stage_decide(
                stage=stage,
                actor=request.user,
                decision=request.POST.get("decision", ""),
                comment=request.POST.get("comment", ""),
                override_note=request.POST.get("override_note", ""),
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, _("Decision recorded."), messages.SUCCESS)
        return self._back(stage)

    def comment_view(self, request, pk):
        stage = self._stage_or_404(request, pk)
        if request.method == "POST":
            try:
                decisions.review_comment_add(
                    case=stage.case,
                    author=request.user,
                    body=request.POST.get("body", ""),
                    stage=stage,
                    visible_to_provider=request.POST.get("visible_to_provider") == "on",
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Comment added."), messages.SUCCESS)
        return self._back(stage)

    def rerun_view(self, request, pk):
        stage = self._stage_or_404(request, pk)
        if request.method == "POST":
            try:
                checking.stage_rerun_checks(stage=stage, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Checks queued again."), messages.SUCCESS)
        return self._back(stage)


@admin.register(LegalQueue)
class LegalQueueAdmin(StageQueueAdmin):
    stage = Stage.LEGAL


@admin.register(TechnicalQueue)
class TechnicalQueueAdmin(StageQueueAdmin):
    stage = Stage.TECHNICAL


@admin.register(ComplianceQueue)
class ComplianceQueueAdmin(StageQueueAdmin):
    stage = Stage.COMPLIANCE


@admin.register(ReviewCase)
class ReviewCaseAdmin(admin.ModelAdmin):
    list_display = ["version", "provider", "status", "opened_at", "closed_at"]
    list_filter = ["status", "product__origin_jurisdiction"]
    search_fields = ["product__title", "product__provider__legal_name"]
    list_select_related = ["version__product", "product__provider"]
    readonly_fields = [
        "version",
        "product",
        "previous_case",
        "pipeline",
        "status",
        "opened_at",
        "closed_at",
    ]

    @admin.display(description=_("provider"))
    def provider(self, obj):
        return obj.product.provider.legal_name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "organization", "created_at", "read_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    readonly_fields = [
        "organization",
        "product",
        "subject",
        "body",
        "link",
        "created_at",
        "read_at",
    ]

    def has_add_permission(self, request):
        return False
