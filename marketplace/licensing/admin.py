"""Licensing in the admin: the compliance reviewers' manual-review queue, licences, usage."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.exceptions import DomainError
from licensing import services
from licensing.models import Licence, LicenceRequest, UsageRecord
from marketplace.admin_suspension import SuspensionActions


class TransferDecisionForm(forms.ModelForm):
    transfer_decision = forms.ChoiceField(
        label=_("Transfer decision"),
        required=False,
        choices=[("", "—"), ("allow", _("Allow the transfer")), ("block", _("Block it"))],
    )
    transfer_note = forms.CharField(
        label=_("Reasoning"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = LicenceRequest
        fields: list[str] = []


@admin.register(LicenceRequest)
class LicenceRequestAdmin(admin.ModelAdmin):
    """Compliance reviewers settle the transfers the rules engine sent to manual review."""

    form = TransferDecisionForm
    list_display = ["id", "product", "buyer", "processing_jurisdiction", "status", "created_at"]
    list_filter = ["status", "processing_jurisdiction", "product__origin_jurisdiction"]
    search_fields = ["product__title", "buyer__legal_name"]
    list_select_related = ["product", "buyer"]
    readonly_fields = [
        "buyer",
        "requested_by",
        "product",
        "offer",
        "purpose",
        "processing_jurisdiction",
        "intended_start",
        "accepted_terms",
        "message",
        "buyer_kind",
        "authority_approval",
        "screening",
        "status",
        "assessment_summary",
        "decision_note",
        "decided_by",
        "decided_at",
        "created_at",
    ]

    @admin.display(description=_("buyer is"))
    def buyer_kind(self, obj):
        return obj.buyer.get_recipient_type_display()

    @admin.display(description=_("transfer assessment"))
    def assessment_summary(self, obj):
        a = obj.assessment
        if a is None:
            return "—"
        mechanisms = ", ".join(a.mechanisms_any_of) or "—"
        return f"{a.decision} · mechanisms: {mechanisms} · {a.explanation}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        choice = form.cleaned_data.get("transfer_decision")
        if not choice:
            return
        try:
            services.licence_request_review(
                request=obj,
                reviewer=request.user,
                allow=choice == "allow",
                note=form.cleaned_data.get("transfer_note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Transfer decision recorded."))

    def response_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:licensing_licencerequest_change", args=[obj.pk]))


@admin.register(Licence)
class LicenceAdmin(SuspensionActions, admin.ModelAdmin):
    """Licences are granted by services; staff suspend or reinstate them here (the same
    services as the API)."""

    list_display = ["id", "product", "buyer", "status", "starts_at", "ends_at", "suspended_at"]
    list_filter = ["status"]
    search_fields = ["product__title", "buyer__legal_name"]
    list_select_related = ["product", "buyer"]
    readonly_fields = [f.name for f in Licence._meta.fields]
    permission = "licensing.suspend_licence"
    row_argument = "licence"
    suspend_service = staticmethod(services.licence_suspend)
    reinstate_service = staticmethod(services.licence_reinstate)
    suspend_label = _("Suspend the selected licences")
    reinstate_label = _("Reinstate the selected licences")
    suspended_message = _("%(n)s licence(s) suspended.")
    reinstated_message = _("%(n)s licence(s) reinstated.")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "licence",
        "organization",
        "kind",
        "purpose",
        "processing_jurisdiction",
        "groups_returned",
        "groups_suppressed",
    ]
    list_filter = ["kind"]
    list_select_related = ["licence__product", "licence__buyer", "organization", "product"]
    readonly_fields = [f.name for f in UsageRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
