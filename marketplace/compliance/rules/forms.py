"""The browser form of the transfer check: one field per fact of the engine's vocabulary."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import JURISDICTION_CHOICES
from catalogue.models import ProductVersion
from compliance.rules import engine

RECIPIENT_TYPE_CHOICES = [
    ("company", _("A company")),
    ("public_body", _("A public body")),
    ("judicial", _("A foreign court or judicial body")),
    ("law_enforcement", _("A foreign law-enforcement body")),
]
EXEMPTION_CHOICES = [
    ("contract_with_individual", _("Necessary for a contract with the individual")),
    ("hr_management", _("Cross-border human-resources management")),
    ("emergency", _("Emergency: protecting life, health or property")),
    ("free_trade_zone", _("Free-trade-zone exporter, data not on the zone's negative list")),
    (
        "foreign_collected_reexport",
        _("Collected abroad, processed in China and exported again, nothing domestic added"),
    ),
    ("data_in_transit", _("Data in transit through Singapore")),
    ("publicly_available", _("Personal data publicly available in Singapore")),
]
UNKNOWN_HELP = _(
    "Leave empty if you do not know: where it could change the answer, the check asks for "
    "a manual review."
)


class TransferCheckForm(forms.Form):
    origin = forms.ChoiceField(
        label=_("Origin"),
        choices=JURISDICTION_CHOICES,
        initial="CN",
        help_text=_("Where the data is collected and stored: its outbound rules decide."),
    )
    destination = forms.ChoiceField(
        label=_("Destination"),
        choices=JURISDICTION_CHOICES,
        initial="MY",
        help_text=_("Where the recipient processes the data."),
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=ProductVersion.DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    subjects_ytd = forms.IntegerField(
        label=_("Individuals exported since 1 January (other than sensitive information)"),
        min_value=0,
        required=False,
        help_text=_(
            "Individuals whose personal information other than sensitive information the "
            "exporter has exported this year, this transfer included. "
        )
        + UNKNOWN_HELP,
    )
    sensitive_subjects_ytd = forms.IntegerField(
        label=_("Individuals whose sensitive personal information was exported"),
        min_value=0,
        required=False,
        help_text=_(
            "Counted apart: a person whose ordinary and sensitive information both "
            "leave counts in both. "
        )
        + UNKNOWN_HELP,
    )
    important_data = forms.NullBooleanField(
        label=_("Important data (PRC Data Security Law)"), required=False
    )
    exporter_ciio = forms.NullBooleanField(
        label=_("Exporter is a critical information infrastructure operator"), required=False
    )
    recipient_type = forms.ChoiceField(
        label=_("Recipient"),
        choices=[("", _("Not known")), *RECIPIENT_TYPE_CHOICES],
        required=False,
    )
    exemptions = forms.MultipleChoiceField(
        label=_("Exemptions the exporter declares"),
        choices=EXEMPTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    recipient_restricted = forms.BooleanField(
        label=_("The recipient is on a restricted list"), required=False
    )
    prc_authority_approval = forms.BooleanField(
        label=_("The competent PRC authority approved providing the data to this foreign body"),
        required=False,
    )
    exporter_in_gba = forms.BooleanField(
        label=_("The exporter is registered in a mainland Greater Bay Area city"),
        required=False,
    )
    controller_subjects = forms.IntegerField(
        label=_("Data subjects in all of the exporter's processing"),
        min_value=0,
        required=False,
        help_text=_("For Malaysia's DPO duty. ") + UNKNOWN_HELP,
    )
    controller_sensitive_subjects = forms.IntegerField(
        label=_("Of whom with sensitive personal data or financial information"),
        min_value=0,
        required=False,
        help_text=UNKNOWN_HELP,
    )
    systematic_monitoring = forms.NullBooleanField(
        label=_("The exporter monitors individuals regularly and systematically at scale"),
        required=False,
    )
    on = forms.DateField(
        label=_("Rules in force on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty for today; another date shows what the rules said or will say then."),
    )

    def facts(self) -> dict[str, Any]:
        """The facts in the engine's vocabulary; an empty answer is left out (unknown)."""
        data = self.cleaned_data
        facts: dict[str, Any] = {
            "origin": data.get("origin"),
            "destination": data.get("destination"),
            "data_categories": list(data.get("data_categories") or []),
            "exemptions": list(data.get("exemptions") or []),
            "recipient_restricted": bool(data.get("recipient_restricted")),
            "prc_authority_approval": bool(data.get("prc_authority_approval")),
            "exporter_in_gba": bool(data.get("exporter_in_gba")),
        }
        for name in (
            "subjects_ytd",
            "sensitive_subjects_ytd",
            "important_data",
            "exporter_ciio",
            "controller_subjects",
            "controller_sensitive_subjects",
            "systematic_monitoring",
        ):
            if data.get(name) is not None:
                facts[name] = data[name]
        if data.get("recipient_type"):
            facts["recipient_type"] = data["recipient_type"]
        return facts

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                engine.normalise_facts(self.facts())
            except engine.FactsError as exc:
                for name, message in exc.errors.items():
                    self.add_error(name if name in self.fields else None, message)
        return cleaned
