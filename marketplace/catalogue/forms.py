import json

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import JURISDICTION_CHOICES
from catalogue.models import (
    MAX_BREACH_NOTICE_HOURS,
    Category,
    GbaCity,
    Offer,
    ProductVersion,
    Purpose,
    VersionAttachment,
)
from kernel.tabular.schema import FIELD_TYPES, MAX_FIELDS


class ProductForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    origin_jurisdiction = forms.ChoiceField(
        label=_("Origin jurisdiction"),
        choices=JURISDICTION_CHOICES,
        help_text=_("Where the data is collected and stored: its outbound rules apply."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma-separated, e.g. malls, foot traffic")
    )


class VersionForm(forms.Form):
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. Raw HTML is removed."),
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=ProductVersion.DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    important_data = forms.BooleanField(label=_("Contains important data (PRC)"), required=False)
    data_subject_count = forms.IntegerField(label=_("Data subjects covered"), min_value=0)
    anonymised = forms.BooleanField(label=_("Declared anonymised"), required=False)
    min_group_size = forms.IntegerField(
        label=_("Minimum aggregation threshold (k)"), min_value=2, max_value=10000
    )
    update_frequency = forms.ChoiceField(
        label=_("Update frequency"), choices=ProductVersion.UpdateFrequency.choices
    )
    delivery_mode = forms.ChoiceField(
        label=_("Delivery mode"), choices=ProductVersion.DeliveryMode.choices
    )
    schema = forms.CharField(
        label=_("Schema (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "mono", "spellcheck": "false"}),
        help_text=_(
            "Easier: “Start from the sample CSV” on the product page suggests it from your "
            'file. Or by hand: {"fields": [{"name": "district", "type": "string", '
            '"description": "…", "identifier": false}]} — types: string, integer, number, '
            "date, boolean. Leave empty to keep the schema as it is."
        ),
    )
    privacy = forms.CharField(
        label=_("How answers are protected (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
        help_text=_(
            "Needed for query products; reviewed in the technical stage. Differential privacy "
            '(always, for personal data): {"mode": "dp", "unit": "device_id" or "" for each '
            'row, "max_rows": 1, "max_groups": 1, "epsilon_cap": 200, "bounds": {"visitors": '
            '[0, 1000]}, "public_keys": {"zone": ["atrium", "entrance"]}} — a bound for every '
            "numeric column buyers may sum or average. Exact aggregates (non-personal data "
            'only; buyers can derive row values): {"mode": "exact", "exact_acknowledged": '
            "true}. Leave empty to keep the declaration as it is."
        ),
    )
    lawful_basis = forms.CharField(
        label=_("Data rights and lawful basis"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    rights_confirmed = forms.BooleanField(
        label=_("We hold the rights to license this data"), required=False
    )
    consent_evidence = forms.CharField(
        label=_("Consent evidence (personal data)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    exporter_ciio = forms.BooleanField(
        label=_("We are a critical information infrastructure operator (PRC)"), required=False
    )
    important_data_notification = forms.CharField(
        label=_("Important-data notification reference"), max_length=200, required=False
    )
    free_trade_zone = forms.CharField(
        label=_("Free-trade-zone registration"), max_length=200, required=False
    )
    foreign_collected_reexport = forms.BooleanField(
        label=_(
            "Collected abroad, processed in China and exported again, with no personal "
            "information or important data from China added (PRC)"
        ),
        required=False,
    )
    gba_city = forms.ChoiceField(
        label=_("Registered in a mainland Greater Bay Area city (PRC)"),
        choices=[("", _("No")), *GbaCity.choices],
        required=False,
        help_text=_("Opens the GBA standard contract for transfers to Hong Kong or Macao."),
    )
    change_note = forms.CharField(
        label=_("Change note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    # Fields a draft may leave empty but the submission checklist
    # (catalogue.services.version_readiness_problems) demands: not "optional".
    NEEDED_TO_SUBMIT = ("description", "lawful_basis", "rights_confirmed")
    NEEDED_FOR_PERSONAL_DATA = ("consent_evidence",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.NEEDED_TO_SUBMIT:
            self.fields[name].submit_note = _("needed to submit")
        for name in self.NEEDED_FOR_PERSONAL_DATA:
            self.fields[name].submit_note = _("needed to submit personal data")

    def _json(self, name: str):
        """The field's JSON, or None when left empty (the version keeps its own)."""
        if not self.cleaned_data[name].strip():
            return None
        try:
            return json.loads(self.cleaned_data[name])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s, column %(col)s): %(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from exc

    def clean_schema(self):
        return self._json("schema")  # empty: kept (the wizard writes it from the sample)

    def clean_privacy(self):
        value = self._json("privacy")
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError(_("The declaration is a JSON object: {…}."))
        return value

    @classmethod
    def initial_for(cls, version: ProductVersion) -> dict:
        data = {
            name: getattr(version, name)
            for name in cls.base_fields
            if name not in ("schema", "privacy")
        }
        data["privacy"] = (
            json.dumps(version.privacy, indent=2, ensure_ascii=False) if version.privacy else ""
        )
        data["schema"] = (
            json.dumps(version.schema, indent=2, ensure_ascii=False)
            if version.schema and version.schema.get("fields")
            else ""
        )
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=VersionAttachment.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    reference = forms.CharField(label=_("Reference number"), max_length=120, required=False)
    issued_on = forms.DateField(
        label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(label=_("File"))


class OfferForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    price = forms.DecimalField(label=_("Price"), min_value=0, max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Offer.Currency.choices)
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        help_text=_("Every licence ends: at the end the buyer deletes or returns the data."),
    )
    purposes = forms.ModelMultipleChoiceField(
        label=_("Permitted purposes"),
        queryset=Purpose.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_purposes = forms.CharField(
        label=_("Other permitted purposes"), max_length=300, required=False
    )
    territories = forms.MultipleChoiceField(
        label=_("Permitted territories (where the buyer may process)"),
        choices=JURISDICTION_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "columns"}),
    )
    queries_per_month = forms.IntegerField(
        label=_("Queries per month"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for unlimited."),
    )
    governing_law = forms.ChoiceField(label=_("Governing law"), choices=JURISDICTION_CHOICES)
    dispute_forum = forms.ChoiceField(label=_("Dispute forum"), choices=Offer.DisputeForum.choices)
    audit_rights = forms.CharField(
        label=_("Audit and inspection rights"), widget=forms.Textarea(attrs={"rows": 2})
    )
    breach_notice_hours = forms.IntegerField(
        label=_("Breach notice (hours)"),
        min_value=1,
        max_value=MAX_BREACH_NOTICE_HOURS,
        help_text=_("At most 24 hours, so that you can meet a 72-hour notice to a regulator."),
    )
    onward_transfer_allowed = forms.BooleanField(label=_("Onward transfer allowed"), required=False)
    onward_transfer_territories = forms.MultipleChoiceField(
        label=_("Onward recipients may be in"),
        choices=JURISDICTION_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "columns"}),
        required=False,
        help_text=_(
            "Each onward transfer needs a written agreement, the same protections and notice "
            "to you."
        ),
    )
    standard_contract_prevails = forms.BooleanField(
        label=_(
            "Where China's standard contract is the transfer mechanism, it is signed as a "
            "separate PRC-law instrument and prevails over these terms"
        ),
        required=False,
    )
    end_of_term = forms.ChoiceField(
        label=_("At the end of the term"), choices=Offer.EndOfTerm.choices
    )
    approval_mode = forms.ChoiceField(label=_("Approval"), choices=Offer.ApprovalMode.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def initial_for(cls, offer: Offer) -> dict:
        data = {name: getattr(offer, name) for name in cls.base_fields if name != "purposes"}
        data["purposes"] = list(offer.purposes.all())
        return data

    @classmethod
    def defaults(cls) -> dict:
        return {
            "currency": "USD",
            "governing_law": "SG",
            "dispute_forum": "SIAC",
            "breach_notice_hours": MAX_BREACH_NOTICE_HOURS,
            "end_of_term": "delete",
            "approval_mode": "manual",
            "is_active": True,
            "term_months": 12,
            "audit_rights": Offer._meta.get_field("audit_rights").default,
        }


class DelistForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class WizardColumnForm(forms.Form):
    """One column of the schema suggested from the sample, as the provider confirms it."""

    name = forms.CharField(widget=forms.HiddenInput, max_length=63)
    type = forms.ChoiceField(label=_("Type"), choices=[(t, t) for t in FIELD_TYPES])
    identifier = forms.BooleanField(
        label=_("Identifies a person or a thing (never a group key)"), required=False
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)


WizardColumnFormSet = forms.formset_factory(
    WizardColumnForm, extra=0, max_num=MAX_FIELDS, validate_max=True, absolute_max=MAX_FIELDS
)
