from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import (
    ApiToken,
    Membership,
    Organization,
    RestrictedParty,
    RestrictedPartyRevision,
    User,
)
from kernel.exceptions import DomainError
from marketplace.admin_suspension import ReasonActionForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    actions = ["unlock_login"]

    @admin.action(description=_("Unlock log-in (clear failed attempts)"), permissions=["change"])
    def unlock_login(self, request, queryset):
        for user in queryset:
            try:
                cleared = services.user_login_unlock(user=user, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            if cleared:
                self.message_user(
                    request,
                    _("Log-in unlocked for %(email)s (%(n)s failed attempts cleared).")
                    % {"email": user.email, "n": cleared},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    _("No failed log-in attempts to clear for %(email)s.") % {"email": user.email},
                    messages.INFO,
                )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


class OrganizationAdminForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Verification decision"),
        required=False,
        choices=[
            ("", "—"),
            (Organization.Verification.VERIFIED, _("Verify")),
            (Organization.Verification.REJECTED, _("Reject")),
            (Organization.Verification.PENDING, _("Re-open (back to pending)")),
        ],
    )
    decision_note = forms.CharField(
        label=_("Decision note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_recipient_type = forms.ChoiceField(
        label=_("Confirmed kind of organisation"),
        required=False,
        choices=[("", _("— as declared —")), *Organization.RecipientType.choices],
        help_text=_(
            "What the organisation is, as verified (a court or law-enforcement body is "
            "assessed apart by the transfer rules)."
        ),
    )

    class Meta:
        model = Organization
        fields = [
            "legal_name",
            "jurisdiction",
            "registration_number",
            "website",
            "is_provider",
            "is_buyer",
            "dpo_name",
            "dpo_email",
        ]

    def clean(self):
        data = super().clean()
        if data.get("decision") and not (data.get("decision_note") or "").strip():
            self.add_error("decision_note", _("A note is required for a verification decision."))
        return data


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = [
        "legal_name",
        "jurisdiction",
        "roles_display",
        "verification_status",
        "registration_number",
        "created_at",
    ]
    list_filter = ["verification_status", "jurisdiction", "is_provider", "is_buyer"]
    search_fields = ["legal_name", "slug", "registration_number"]
    readonly_fields = [
        "slug",
        "verification_status",
        "verification_note",
        "verified_by",
        "verification_decided_at",
        "recipient_type",
        "processed_subjects",
        "processed_sensitive_subjects",
        "systematic_monitoring",
        "group",
        "created_at",
    ]
    list_select_related = ["verified_by"]
    inlines = [MembershipInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "legal_name",
                    "slug",
                    "jurisdiction",
                    "registration_number",
                    "website",
                    "is_provider",
                    "is_buyer",
                ]
            },
        ),
        (
            _("Data protection"),
            {
                "fields": [
                    "dpo_name",
                    "dpo_email",
                    "processed_subjects",
                    "processed_sensitive_subjects",
                    "systematic_monitoring",
                ]
            },
        ),
        (
            _("Verification"),
            {
                "fields": [
                    "verification_status",
                    "verification_note",
                    "verified_by",
                    "verification_decided_at",
                    "recipient_type",
                    "decision",
                    "decision_recipient_type",
                    "decision_note",
                ]
            },
        ),
        (_("System"), {"fields": ["group", "created_at"]}),
    ]

    @admin.display(description=_("roles"))
    def roles_display(self, obj):
        return obj.roles_display

    def has_add_permission(self, request):
        # Organisations are created by sign-up (or seed_demo), which also creates their group.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        decision = form.cleaned_data.get("decision")
        if decision:
            try:
                services.organization_set_verification(
                    organization=obj,
                    status=decision,
                    note=form.cleaned_data["decision_note"],
                    decided_by=request.user,
                    recipient_type=form.cleaned_data.get("decision_recipient_type") or None,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                obj.refresh_from_db()
                messages.success(request, _("Verification recorded: %s") % decision)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__jurisdiction"]
    search_fields = ["user__email", "organization__legal_name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "organization", "state", "expires_at", "last_used_at"]
    list_filter = ["organization"]
    search_fields = ["name", "prefix", "user__email", "organization__legal_name"]
    list_select_related = ["user", "organization"]
    readonly_fields = [
        "user",
        "organization",
        "name",
        "prefix",
        "token_hash",
        "processing_jurisdiction",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]

    def has_add_permission(self, request):
        return False


# --- the restricted-parties list ----------------------------------------------------------


class RestrictedPartyForm(forms.ModelForm):
    aliases_text = forms.CharField(
        label=_("Other names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line (another script, a former name)."),
    )
    reason = forms.CharField(
        label=_("Reason for this change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the revision and in the audit ledger."),
    )

    ENTRY_FIELDS = (
        "name",
        "jurisdiction",
        "registration_number",
        "source_citation",
        "source_url",
        "listed_on",
    )

    class Meta:
        model = RestrictedParty
        fields = [
            "name",
            "jurisdiction",
            "registration_number",
            "source_citation",
            "source_url",
            "listed_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["aliases_text"].initial = "\n".join(self.instance.aliases or [])

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.ENTRY_FIELDS}
        data["aliases"] = [
            line.strip() for line in self.cleaned_data["aliases_text"].splitlines() if line.strip()
        ]
        return data


class RestrictedPartyRevisionInline(admin.TabularInline):
    model = RestrictedPartyRevision
    extra = 0
    can_delete = False
    fields = ["revision", "changed_at", "changed_by", "reason", "snapshot"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RestrictedParty)
class RestrictedPartyAdmin(admin.ModelAdmin):
    """The restricted-parties list: every change goes through ``accounts.services`` (a new
    revision and a ledger event); entries are removed from the list, never deleted."""

    form = RestrictedPartyForm
    action_form = ReasonActionForm
    actions = ["delist", "relist"]
    list_display = ["name", "jurisdiction", "registration_number", "source_citation", "status"]
    list_filter = ["status", "jurisdiction"]
    search_fields = ["name", "registration_number", "source_citation"]
    readonly_fields = ["status", "revision", "created_at", "updated_at"]
    inlines = [RestrictedPartyRevisionInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = form.service_fields()
        reason = form.cleaned_data["reason"]
        try:
            if change:
                saved = services.restricted_party_update(
                    party=obj, actor=request.user, reason=reason, **fields
                )
            else:
                saved = services.restricted_party_create(
                    actor=request.user, reason=reason, **fields
                )
        except DomainError as exc:
            # Nothing was written: say so instead of the admin's "saved" message.
            request._restricted_party_error = exc.message
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def _refused(self, request):
        message = getattr(request, "_restricted_party_error", None)
        if message is None:
            return None
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def response_add(self, request, obj, post_url_continue=None):
        return self._refused(request) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._refused(request) or super().response_change(request, obj)

    def _run(self, request, queryset, service, done):
        reason = request.POST.get("reason", "")
        changed = 0
        for party in queryset:
            try:
                service(party=party, actor=request.user, reason=reason)
            except DomainError as exc:
                self.message_user(request, f"{party}: {exc.message}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("Remove the selected entries from the list"))
    def delist(self, request, queryset):
        self._run(request, queryset, services.restricted_party_delist, _("%(n)s removed."))

    @admin.action(description=_("Put the selected entries back on the list"))
    def relist(self, request, queryset):
        self._run(request, queryset, services.restricted_party_relist, _("%(n)s listed again."))
