from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import ApiToken, Membership, Organization, User
from kernel.exceptions import DomainError


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
        (_("Data protection"), {"fields": ["dpo_name", "dpo_email"]}),
        (
            _("Verification"),
            {
                "fields": [
                    "verification_status",
                    "verification_note",
                    "verified_by",
                    "verification_decided_at",
                    "decision",
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
