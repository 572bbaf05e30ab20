"""Forms of the licensing pages: they validate input; the services decide."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import jurisdiction_name
from catalogue.models import Purpose
from compliance.rules.models import Mechanism
from licensing.query import AGGREGATE_FUNCTIONS


def _purpose_choices(codes: list[str]) -> list[tuple[str, str]]:
    names = {p.code: p.label for p in Purpose.objects.filter(code__in=codes)}
    return [(code, names.get(code, code)) for code in codes]


def _territory_choices(codes: list[str]) -> list[tuple[str, str]]:
    return [(code, f"{jurisdiction_name(code)} ({code})") for code in sorted(codes)]


class LicenceRequestForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose of use"))
    processing_jurisdiction = forms.ChoiceField(
        label=_("Where will you process the data?"),
        help_text=_("The transfer rules are assessed for this destination."),
    )
    intended_start = forms.DateField(
        label=_("Intended start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    message = forms.CharField(
        label=_("Message to the provider"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    authority_approval = forms.CharField(
        label=_("Approval of the competent PRC authority"),
        required=False,
        max_length=300,
        help_text=_(
            "Courts and law-enforcement bodies only: the reference of the approval to provide "
            "this data to you. A compliance reviewer checks it."
        ),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept these terms on behalf of my organisation"), required=True
    )
    accepted_terms_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, terms: dict, authority: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not authority:
            del self.fields["authority_approval"]
        self.fields["purpose"].choices = _purpose_choices(terms["purposes"])
        self.fields["processing_jurisdiction"].choices = _territory_choices(terms["territories"])
        self.fields["intended_start"].initial = timezone.localdate

    def add_domain_error(self, exc) -> None:
        field = exc.field if exc.field in self.fields else None
        if field == "accepted_terms_hash":
            field = None  # hidden: show it on top of the form
        self.add_error(field, exc.message)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the buyer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you decline."),
    )


class WithdrawForm(forms.Form):
    """No fields: the button is the input."""


class EvidenceForm(forms.Form):
    mechanism = forms.ChoiceField(label=_("Mechanism"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    upload = forms.FileField(label=_("Document"))
    reference = forms.CharField(label=_("Reference number"), max_length=120, required=False)
    issued_on = forms.DateField(
        label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, mechanisms: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Mechanism.choices)
        self.fields["mechanism"].choices = [(m, labels.get(m, m)) for m in mechanisms]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The buyer sees this reason."),
    )


NUMERIC_TYPES = ("integer", "number")
AGGREGATE_LABELS = {
    "count": _("Count of rows"),
    "sum": _("Sum"),
    "avg": _("Average"),
    "min": _("Minimum"),
    "max": _("Maximum"),
}


class TryQueryForm(forms.Form):
    """A small query builder: the answer is always aggregated and k-suppressed."""

    purpose = forms.ChoiceField(label=_("Purpose of this query"))
    jurisdiction = forms.ChoiceField(label=_("Processed in"))
    group_by = forms.MultipleChoiceField(
        label=_("Group by"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Hold Ctrl (or ⌘) to pick several."),
    )
    fn = forms.ChoiceField(
        label=_("Aggregate"),
        choices=[(f, AGGREGATE_LABELS[f]) for f in AGGREGATE_FUNCTIONS],
        initial="count",
    )
    column = forms.ChoiceField(label=_("Of column"), required=False)
    filter_column = forms.ChoiceField(label=_("Filter: column"), required=False)
    filter_value = forms.CharField(label=_("equals"), required=False, max_length=200)

    def __init__(self, *args, licence, **kwargs):
        super().__init__(*args, **kwargs)
        fields = licence.version.schema_fields()
        self.fields["purpose"].choices = _purpose_choices(list(licence.purposes))
        self.fields["jurisdiction"].choices = _territory_choices(list(licence.territories))
        self.fields["group_by"].choices = [
            (f["name"], f["name"]) for f in fields if not f.get("identifier")
        ]
        self.fields["column"].choices = [("", "—")] + [
            (f["name"], f["name"])
            for f in fields
            if f.get("type") in NUMERIC_TYPES and not f.get("identifier")
        ]
        self.fields["filter_column"].choices = [("", "—")] + [
            (f["name"], f["name"]) for f in fields
        ]

    def clean(self):
        data = super().clean()
        if data.get("filter_column") and not data.get("filter_value"):
            self.add_error("filter_value", _("Give the value to filter on."))
        return data

    def query_document(self) -> dict:
        data = self.cleaned_data
        aggregate = {"fn": data["fn"]}
        if data.get("column"):
            aggregate["column"] = data["column"]
        spec: dict = {"group_by": list(data.get("group_by") or []), "aggregates": [aggregate]}
        if data.get("filter_column"):
            spec["filters"] = [
                {"column": data["filter_column"], "op": "eq", "value": data["filter_value"]}
            ]
        return spec

    def add_query_error(self, exc) -> None:
        """A QueryError of the query language, in words on the field that caused it (the
        document's path, ``aggregates[0].column``, means nothing to a person here)."""
        self.add_error(self.field_for_path(exc.path), query_error_text(exc.message))

    def field_for_path(self, path: str) -> str | None:
        """The form field that edits the part of the query document a QueryError names."""
        if path.startswith("group_by"):
            return "group_by"
        if path.startswith("aggregates"):
            return "column" if path.endswith(".column") else "fn"
        if path.startswith("filters"):
            return "filter_value" if path.endswith(".value") else "filter_column"
        return None


# The query language (licensing.query, pure, no Django) explains errors in English for API
# callers; the web panel says the same in the reader's language. Messages not listed here
# (rarer ones the panel's form cannot produce) are shown as they are.
_QUERY_MESSAGES = [
    (
        re.compile(r"^(?P<fn>\w+) needs a column$"),
        lambda m: (
            _("Choose a column to compute the %(fn)s of.")
            % {"fn": str(AGGREGATE_LABELS.get(m["fn"], m["fn"])).lower()}
        ),
    ),
    (
        re.compile(r"^“(?P<column>.+)” is an identifier column: it can be counted, not \w+$"),
        lambda m: (
            _("“%(column)s” identifies rows: it can be counted, nothing else.")
            % {"column": m["column"]}
        ),
    ),
    (
        re.compile(r"^(?P<fn>\w+) needs a column of type .+; “(?P<column>.+)” is \w+$"),
        lambda m: (
            _("%(fn)s cannot be computed on “%(column)s”: choose a numeric column.")
            % {"fn": AGGREGATE_LABELS.get(m["fn"], m["fn"]), "column": m["column"]}
        ),
    ),
    (
        re.compile(r"^“(?P<value>.*)” is not a whole number$"),
        lambda m: _("“%(value)s” is not a whole number.") % {"value": m["value"]},
    ),
    (
        re.compile(r"^“(?P<value>.*)” is not a (finite )?number$"),
        lambda m: _("“%(value)s” is not a number.") % {"value": m["value"]},
    ),
    (
        re.compile(r"^“(?P<value>.*)” is not a date \(YYYY-MM-DD\)$"),
        lambda m: _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": m["value"]},
    ),
    (
        re.compile(r"^“(?P<value>.*)” is not true/false$"),
        lambda m: _("“%(value)s” is not true or false.") % {"value": m["value"]},
    ),
    (re.compile(r"^a value is required$"), lambda m: _("Give the value to filter on.")),
    (re.compile(r"^unknown column .*$"), lambda m: _("This product has no such column.")),
]


def query_error_text(message: str) -> str:
    """A query-language error message as the web panel shows it."""
    for pattern, text in _QUERY_MESSAGES:
        match = pattern.match(message)
        if match:
            return str(text(match))
    return message
