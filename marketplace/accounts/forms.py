from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import JURISDICTION_CHOICES
from accounts.models import Membership, Organization, User


class SignUpForm(forms.Form):
    ROLE_CHOICES = [
        ("buyer", _("Buyer — we want to license data products")),
        ("provider", _("Provider — we want to list data products")),
        ("both", _("Both")),
    ]

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Work e-mail"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    legal_name = forms.CharField(label=_("Organisation's legal name"), max_length=200)
    jurisdiction = forms.ChoiceField(label=_("Home jurisdiction"), choices=JURISDICTION_CHOICES)
    registration_number = forms.CharField(label=_("Registration number"), max_length=64)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    role = forms.ChoiceField(label=_("Your organisation is a"), choices=ROLE_CHOICES)
    recipient_type = forms.ChoiceField(
        label=_("What your organisation is"),
        choices=Organization.RecipientType.choices,
        initial=Organization.RecipientType.COMPANY,
        required=False,
        help_text=_(
            "Courts and law-enforcement bodies say so: the transfer rules treat them apart. "
            "The exchange confirms it at verification."
        ),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the exchange rulebook and confirm I may act for this organisation")
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            candidate = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class OrganizationProfileForm(forms.Form):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    dpo_name = forms.CharField(label=_("Data protection officer"), max_length=150, required=False)
    dpo_email = forms.EmailField(label=_("DPO e-mail"), required=False)
    # Malaysia's DPO duty is judged on all of a controller's processing (docs/domain.md).
    processed_subjects = forms.IntegerField(
        label=_("Individuals whose personal data you process"),
        min_value=0,
        max_value=2_000_000_000,
        required=False,
        help_text=_("In all your processing, not only what you list here."),
    )
    processed_sensitive_subjects = forms.IntegerField(
        label=_("Of whom with sensitive personal data or financial information"),
        min_value=0,
        max_value=2_000_000_000,
        required=False,
    )
    systematic_monitoring = forms.NullBooleanField(
        label=_("Your processing involves regular and systematic monitoring of individuals"),
        required=False,
        help_text=_("Tracking, profiling, location or behaviour monitoring at scale."),
    )

    @classmethod
    def initial_for(cls, org: Organization) -> dict:
        return {name: getattr(org, name) for name in cls.base_fields}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 'ERP integration'"))
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"),
        min_value=1,
        initial=90,
        max_value=settings.API_TOKEN_MAX_DAYS,
    )
    processing_jurisdiction = forms.ChoiceField(
        label=_("Processing jurisdiction"),
        choices=[("", _("— declare per call —")), *JURISDICTION_CHOICES],
        required=False,
    )

    def expires_at(self):
        return timezone.now() + timedelta(days=self.cleaned_data["expires_in_days"])


class SwitchOrganizationForm(forms.Form):
    organization = forms.SlugField()
    next = forms.CharField(required=False)
