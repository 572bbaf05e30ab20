"""Compliance staff edit transfer rule sets here; every write goes through the services.

A draft rule set and its rules are editable; an in-force or retired set is read-only (the
change page shows it, a POST is refused). "Create a new draft version" copies a set into a
draft, "Publish" validates a draft with the engine and puts it in force. Domain errors become
messages, never a 500: a failed save is rolled back whole and the page says why.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from compliance.rules import selectors, services
from compliance.rules.models import Rule, RuleSet, TransferAssessment
from kernel.exceptions import DomainError

RULE_SET_EDITABLE = ["version", "title", "effective_from", "effective_to", "sources", "notes"]
RULE_SET_SYSTEM = ["status", "based_on", "created_by", "created_at", "published_at", "published_by"]


def _is_draft(rule_set: RuleSet | None) -> bool:
    return rule_set is None or services.RULE_SET.permits(rule_set, "edit")


class RuleInlineForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = list(services.RULE_FIELDS)
        widgets = {
            "when": forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
            "outcome": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
            "source": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "explanation": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        }

    def clean(self):
        data = super().clean()
        # The parent, unsaved on an add page: the inline's foreign-key field cleans to it.
        rule_set = data.get("rule_set") or getattr(self.instance, "rule_set", None)
        if self.errors or rule_set is None or not rule_set.jurisdiction:
            return data
        if data.get("DELETE"):
            return data
        try:
            services.rule_validate(rule_set=rule_set, rule=data)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


class RuleInline(admin.StackedInline):
    model = Rule
    form = RuleInlineForm
    extra = 0
    ordering = ["priority", "code"]
    fields = list(services.RULE_FIELDS)

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class RuleSetAdminForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["jurisdiction", *RULE_SET_EDITABLE]
        widgets = {"sources": forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"})}

    def clean_jurisdiction(self):
        return (self.cleaned_data.get("jurisdiction") or "").strip().upper()

    def clean_version(self):
        version = (self.cleaned_data.get("version") or "").strip()
        if not services.VERSION_PATTERN.match(version):
            raise forms.ValidationError(
                _("A version is 1-20 letters, digits, dots, dashes or underscores, e.g. 2026.1.")
            )
        return version


class NewVersionForm(forms.Form):
    version = forms.CharField(label=_("New version"), max_length=20)
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    form = RuleSetAdminForm
    inlines = [RuleInline]
    list_display = [
        "jurisdiction",
        "version",
        "title",
        "status",
        "effective_from",
        "effective_to",
        "rule_count",
        "published_at",
    ]
    list_display_links = ["jurisdiction", "version"]
    list_filter = ["jurisdiction", "status"]
    search_fields = ["jurisdiction", "version", "title", "rules__code"]
    list_select_related = ["published_by"]
    actions = ["new_draft_version", "publish"]
    fieldsets = [
        (None, {"fields": ["jurisdiction", "version", "title", "status"]}),
        (_("Validity"), {"fields": ["effective_from", "effective_to"]}),
        (_("Sources and notes"), {"fields": ["sources", "notes"]}),
        (
            _("History"),
            {"fields": ["based_on", "created_by", "created_at", "published_by", "published_at"]},
        ),
    ]

    def get_queryset(self, request):
        return selectors.rule_sets_for_admin()

    @admin.display(description=_("rules"), ordering="rule_count")
    def rule_count(self, obj):
        return obj.rule_count

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return RULE_SET_SYSTEM
        if not _is_draft(obj):
            return ["jurisdiction", *RULE_SET_EDITABLE, *RULE_SET_SYSTEM]
        return ["jurisdiction", *RULE_SET_SYSTEM]

    def has_change_permission(self, request, obj=None):
        # An in-force or retired set is a record: its page is view-only, a POST is refused.
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_publish_permission(self, request):
        return request.user.has_perm("transfer_rules.publish_ruleset")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- writes go through the services -------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The admin's transaction has been rolled back: nothing of this save remains.
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if change:
            fields = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in RULE_SET_EDITABLE
            }
            saved = services.rule_set_update(rule_set=obj, actor=request.user, **fields)
        else:
            saved = services.rule_set_create(
                actor=request.user,
                jurisdiction=form.cleaned_data["jurisdiction"],
                **{name: form.cleaned_data.get(name) for name in RULE_SET_EDITABLE},
            )
        obj.pk = saved.pk
        obj.status = saved.status
        obj.created_by = saved.created_by

    def save_formset(self, request, form, formset, change):
        if formset.model is not Rule:
            return super().save_formset(request, form, formset, change)
        rule_set = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for rule_form in formset.deleted_forms:
            if rule_form.instance.pk:
                services.rule_delete(rule=rule_form.instance, actor=request.user)
                formset.deleted_objects.append(rule_form.instance)
        for rule_form in formset.forms:
            if rule_form in formset.deleted_forms or not rule_form.has_changed():
                continue
            if rule_form.instance.pk:
                changed = [n for n in rule_form.changed_data if n in services.RULE_FIELDS]
                rule = services.rule_update(
                    rule=rule_form.instance,
                    actor=request.user,
                    **{name: rule_form.cleaned_data[name] for name in changed},
                )
                formset.changed_objects.append((rule, changed))
            else:
                rule = services.rule_create(
                    rule_set=rule_set,
                    actor=request.user,
                    **{name: rule_form.cleaned_data[name] for name in services.RULE_FIELDS},
                )
                formset.new_objects.append(rule)
        return None

    # --- actions --------------------------------------------------------------------------

    @admin.action(description=_("Create a new draft version"), permissions=["add"])
    def new_draft_version(self, request, queryset):
        if len(queryset) != 1:
            messages.error(request, _("Select exactly one rule set to copy into a new version."))
            return None
        rule_set = queryset[0]
        if "apply" in request.POST:
            form = NewVersionForm(request.POST)
            if form.is_valid():
                try:
                    draft = services.rule_set_new_version(
                        rule_set=rule_set,
                        actor=request.user,
                        version=form.cleaned_data["version"],
                        effective_from=form.cleaned_data["effective_from"],
                    )
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(
                        request,
                        _("Draft %(draft)s created from %(source)s with %(n)d rules.")
                        % {"draft": draft, "source": rule_set, "n": draft.rules.count()},
                    )
                    return HttpResponseRedirect(
                        reverse("admin:transfer_rules_ruleset_change", args=[draft.pk])
                    )
        else:
            today = services.today()
            starts = max(today, rule_set.effective_from + timedelta(days=1))
            form = NewVersionForm(
                initial={
                    "version": selectors.next_version(rule_set.jurisdiction, starts),
                    "effective_from": starts,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Create a new draft version of %(rs)s") % {"rs": rule_set},
            "opts": self.model._meta,
            "rule_set": rule_set,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "new_draft_version",
        }
        return TemplateResponse(request, "admin/transfer_rules/ruleset/new_version.html", context)

    @admin.action(description=_("Publish (put in force)"), permissions=["publish"])
    def publish(self, request, queryset):
        published = 0
        for rule_set in queryset.order_by("jurisdiction", "effective_from"):
            try:
                services.rule_set_publish(rule_set=rule_set, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                published += 1
        if published:
            messages.success(
                request,
                ngettext("%(n)d rule set published.", "%(n)d rule sets published.", published)
                % {"n": published},
            )


@admin.register(TransferAssessment)
class TransferAssessmentAdmin(admin.ModelAdmin):
    """Read-only: the record of every answer the engine gave."""

    list_display = [
        "created_at",
        "origin",
        "destination",
        "decision",
        "context",
        "subject",
        "organization",
        "requested_by",
        "assessed_on",
    ]
    list_filter = ["decision", "context", "origin", "destination"]
    search_fields = ["subject_type", "subject_id", "explanation"]
    list_select_related = ["organization", "requested_by"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in TransferAssessment._meta.fields]

    @admin.display(description=_("subject"))
    def subject(self, obj):
        return f"{obj.subject_type} #{obj.subject_id}" if obj.subject_type else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
