"""API shapes of the transfer assessment, in the vocabulary of docs/domain.md.

The request serializer only type-checks the facts (and reports every bad field at once);
the engine's own normalisation then runs on them, so the API, the command line and the form
reject exactly the same input. Absent facts stay absent: the engine treats them as unknown.
"""

from collections.abc import Mapping

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalogue.models import ProductVersion
from compliance.rules import engine
from compliance.rules.models import TransferAssessment
from marketplace.api.serializers import StrictSerializer

# A product's declared data categories are the transfer's: one vocabulary, one schema enum
# (the same words as engine.DATA_CATEGORIES, checked by the tests).
DATA_CATEGORY_CHOICES = ProductVersion.DataCategory.choices

COUNTRY_HELP = (
    "ISO 3166-1 alpha-2 code (e.g. CN, MY, SG, VN); case-insensitive. The origin's outbound "
    "regime decides; origin == destination is a domestic transfer (allow)."
)
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"
COUNTRY_ERROR = _("Must be an ISO 3166-1 alpha-2 country code such as 'CN'.")
# Sent along with form-encoded posts (the browsable API); never a fact.
FORM_KEYS = frozenset({"csrfmiddlewaretoken"})
UNKNOWN_NOTE = " Omit (or send null) when unknown: the rules that need it then ask for a review."


class TransferFactsSerializer(StrictSerializer):
    """The input facts of one transfer, plus an optional what-if date."""

    origin = serializers.RegexField(
        COUNTRY_PATTERN,
        error_messages={"invalid": COUNTRY_ERROR},
        help_text="Where the data is collected and stored. " + COUNTRY_HELP,
    )
    destination = serializers.RegexField(
        COUNTRY_PATTERN,
        error_messages={"invalid": COUNTRY_ERROR},
        help_text="Where the recipient processes it. " + COUNTRY_HELP,
    )
    data_categories = serializers.MultipleChoiceField(
        choices=DATA_CATEGORY_CHOICES,
        required=False,
        allow_null=True,
        help_text="Categories of data in the transfer (mixed products list several)."
        + UNKNOWN_NOTE,
    )
    subjects_ytd = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Individuals whose personal information other than sensitive personal "
        "information the exporter has exported since 1 January, this transfer included "
        "(2024 Provisions Arts. 7-8 count it apart from the sensitive count)." + UNKNOWN_NOTE,
    )
    sensitive_subjects_ytd = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Individuals whose sensitive personal information the exporter has exported "
        "since 1 January, this transfer included; one person whose ordinary and sensitive "
        "information both leave counts in both." + UNKNOWN_NOTE,
    )
    important_data = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="The data is designated important data (PRC Data Security Law)." + UNKNOWN_NOTE,
    )
    exporter_ciio = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="The exporter is a critical information infrastructure operator (PRC)."
        + UNKNOWN_NOTE,
    )
    exporter_in_gba = serializers.BooleanField(
        required=False,
        help_text="The exporter is registered in one of the nine mainland cities of the "
        "Greater Bay Area (opens the GBA standard contract to HK and MO). Default false.",
    )
    recipient_type = serializers.ChoiceField(
        choices=engine.RECIPIENT_TYPES,
        required=False,
        allow_null=True,
        help_text="What kind of body receives the data." + UNKNOWN_NOTE,
    )
    recipient_restricted = serializers.BooleanField(
        required=False,
        help_text="The recipient is on a restricted list. Default false.",
    )
    prc_authority_approval = serializers.BooleanField(
        required=False,
        help_text="The competent PRC authority approved providing the data to this foreign "
        "judicial or law-enforcement recipient (DSL Art. 36, PIPL Art. 41). Default false.",
    )
    exemptions = serializers.MultipleChoiceField(
        choices=engine.EXEMPTIONS,
        required=False,
        help_text="Routes the exporter declares: PRC 2024 Provisions Art. 4 "
        "(foreign_collected_reexport), Art. 5 (contract_with_individual, hr_management, "
        "emergency), Art. 6 (free_trade_zone); Singapore PDP Regulations reg. 10(2) "
        "(data_in_transit, publicly_available). Default none.",
    )
    controller_subjects = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Data subjects in all of the exporter's processing (Malaysia's DPO duty)."
        + UNKNOWN_NOTE,
    )
    controller_sensitive_subjects = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Of those, with sensitive personal data or financial information." + UNKNOWN_NOTE,
    )
    systematic_monitoring = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="The exporter's processing involves regular and systematic monitoring of "
        "individuals at scale." + UNKNOWN_NOTE,
    )
    on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="What-if: take the rules in force on this date instead of today.",
    )

    def to_internal_value(self, data):
        # Unknown names are reported together with the type errors, not after them.
        unknown = {}
        if isinstance(data, Mapping):
            ignored = FORM_KEYS if isinstance(data, QueryDict) else ()
            unknown = {
                str(key): [
                    _("Unknown fact; known facts are: %(names)s")
                    % {"names": ", ".join(engine.FACT_NAMES)}
                ]
                for key in data
                if key not in self.fields and key not in ignored
            }
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**unknown, **exc.detail}) from None
        if unknown:
            raise serializers.ValidationError(unknown)
        return attrs

    def validate(self, attrs):
        # The engine reads the facts exactly as the command line and the form do.
        try:
            engine.normalise_facts(self.facts_from(attrs))
        except engine.FactsError as exc:
            raise serializers.ValidationError(
                {name: [message] for name, message in exc.errors.items()}
            ) from None
        return attrs

    @staticmethod
    def facts_from(attrs) -> dict:
        """The facts the caller sent (sets as lists), without the ``on`` date."""
        facts = {}
        for name in engine.FACT_NAMES:
            if name in attrs:
                value = attrs[name]
                if isinstance(value, set):
                    value = list(value)
                facts[name] = value
        return facts


class RuleSourceSerializer(StrictSerializer):
    citation = serializers.CharField()
    url = serializers.URLField(allow_null=True, help_text="Null for the exchange's own policy.")


class FiredRuleSerializer(StrictSerializer):
    code = serializers.CharField(help_text="Rule code; engine.* codes are the engine's own.")
    rule_set = serializers.CharField(help_text="Jurisdiction of the rule set (ISO alpha-2).")
    version = serializers.CharField(allow_null=True, help_text="Rule set version.")
    source = RuleSourceSerializer()
    explanation = serializers.CharField()


class AssessedFactsSerializer(StrictSerializer):
    """The facts as the engine read them (normalised; null = unknown)."""

    origin = serializers.CharField()
    destination = serializers.CharField()
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DATA_CATEGORY_CHOICES), allow_null=True
    )
    subjects_ytd = serializers.IntegerField(allow_null=True)
    sensitive_subjects_ytd = serializers.IntegerField(allow_null=True)
    important_data = serializers.BooleanField(allow_null=True)
    exporter_ciio = serializers.BooleanField(allow_null=True)
    exporter_in_gba = serializers.BooleanField()
    recipient_type = serializers.ChoiceField(choices=engine.RECIPIENT_TYPES, allow_null=True)
    recipient_restricted = serializers.BooleanField()
    prc_authority_approval = serializers.BooleanField()
    exemptions = serializers.ListField(child=serializers.ChoiceField(choices=engine.EXEMPTIONS))
    controller_subjects = serializers.IntegerField(allow_null=True)
    controller_sensitive_subjects = serializers.IntegerField(allow_null=True)
    systematic_monitoring = serializers.BooleanField(allow_null=True)


class TransferAssessmentSerializer(serializers.ModelSerializer):
    decision = serializers.ChoiceField(
        choices=engine.DECISIONS,
        help_text="allow: no mechanism needed; allow_with_mechanism: evidence of any one of "
        "mechanisms_any_of before access; manual_review: a compliance reviewer decides; "
        "block: no transfer.",
    )
    mechanisms_any_of = serializers.ListField(
        child=serializers.ChoiceField(choices=engine.MECHANISMS),
        help_text="Any one of these must be evidenced (empty unless a mechanism is required).",
    )
    obligations = serializers.ListField(
        child=serializers.ChoiceField(choices=engine.OBLIGATIONS),
        help_text="Duties that apply in any case (not mechanisms).",
    )
    rules = FiredRuleSerializer(many=True, help_text="The rules that fired, with their sources.")
    facts = AssessedFactsSerializer()
    rule_set_versions = serializers.ListField(
        child=serializers.CharField(),
        help_text='Rule sets in force that were evaluated, e.g. ["CN:2024.1"].',
    )

    class Meta:
        model = TransferAssessment
        fields = [
            "id",
            "decision",
            "mechanisms_any_of",
            "obligations",
            "rules",
            "explanation",
            "facts",
            "rule_set_versions",
            "assessed_on",
            "created_at",
        ]
        read_only_fields = fields
