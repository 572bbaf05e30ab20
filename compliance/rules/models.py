"""Transfer rule sets as data, and the record of every transfer assessment the exchange makes.

A rule set is stored in the shape the pure engine (``compliance.rules.engine``) evaluates;
``compliance.rules.selectors.rule_set_as_dict`` converts a row and its rules into that shape.
Rule sets change only through ``compliance.rules.services``: a draft is edited freely, an
in-force set never (a new version is drafted, checked and published instead).
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from compliance.rules import engine

jurisdiction_code = RegexValidator(
    r"^[A-Z]{2}$", _("An upper-case ISO 3166-1 alpha-2 code such as CN.")
)


class Decision(models.TextChoices):
    """The engine's decisions (``engine.DECISIONS``), in ascending order of severity."""

    ALLOW = "allow", _("Allow: no transfer mechanism needed")
    ALLOW_WITH_MECHANISM = "allow_with_mechanism", _("Allow with a transfer mechanism")
    MANUAL_REVIEW = "manual_review", _("Manual review by a compliance reviewer")
    BLOCK = "block", _("Block: the transfer must not take place")


class Mechanism(models.TextChoices):
    """Transfer mechanisms (``engine.MECHANISMS``): any one listed must be evidenced."""

    CN_SECURITY_ASSESSMENT = "cn_security_assessment", _("CAC security assessment (China)")
    CN_STANDARD_CONTRACT = "cn_standard_contract", _("Standard contract filed with the CAC (China)")
    CN_CERTIFICATION = "cn_certification", _("Personal information certification (China)")
    CN_GBA_STANDARD_CONTRACT = (
        "cn_gba_standard_contract",
        _("Greater Bay Area standard contract, mainland to Hong Kong or Macao (China)"),
    )
    MY_TRANSFER_IMPACT_ASSESSMENT = (
        "my_transfer_impact_assessment",
        _("Transfer impact assessment, s.129(2) (Malaysia)"),
    )
    MY_S129_EXCEPTION = "my_s129_exception", _("A s.129(3) exception (Malaysia)")
    SG_ENFORCEABLE_OBLIGATIONS = (
        "sg_enforceable_obligations",
        _("Legally enforceable obligations of comparable protection (Singapore)"),
    )
    SG_SPECIFIED_CERTIFICATION = (
        "sg_specified_certification",
        _("Specified certification: APEC or Global CBPR / PRP (Singapore)"),
    )


class Obligation(models.TextChoices):
    """Obligations (``engine.OBLIGATIONS``): always due when listed, not mechanisms."""

    CN_EXPORT_NOTICE = (
        "cn_export_notice",
        _("Notice to the individuals of the foreign recipient and the export (China)"),
    )
    CN_SEPARATE_CONSENT = "cn_separate_consent", _("Separate consent of the individuals (China)")
    CN_PI_IMPACT_ASSESSMENT = (
        "cn_pi_impact_assessment",
        _("Personal information impact assessment, kept 3 years (China)"),
    )
    MY_DPO_REQUIRED = "my_dpo_required", _("Data protection officer required (Malaysia)")


# The labels above are for people; the words themselves are the engine's and must not drift.
for _choices, _vocabulary in (
    (Decision, engine.DECISIONS),
    (Mechanism, engine.MECHANISMS),
    (Obligation, engine.OBLIGATIONS),
    (Organization.RecipientType, engine.RECIPIENT_TYPES),
):
    if tuple(_choices.values) != _vocabulary:
        raise RuntimeError(f"{_choices.__name__} does not match the engine's vocabulary")


class RuleSet(models.Model):
    """A versioned, dated set of transfer rules for one jurisdiction's outbound regime."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_FORCE = "in_force", _("In force")
        RETIRED = "retired", _("Retired")

    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, validators=[jurisdiction_code], db_index=True
    )
    version = models.CharField(
        _("version"), max_length=20, help_text=_("For example 2024.1 (year, then a counter).")
    )
    title = models.CharField(_("title"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"),
        null=True,
        blank=True,
        help_text=_("Exclusive; empty while no later version has replaced it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    sources = models.JSONField(
        _("sources"),
        default=list,
        blank=True,
        help_text=_('[{"citation": "…", "url": "https://…"}, …]'),
    )
    notes = models.TextField(_("notes"), blank=True)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("transfer rule set")
        verbose_name_plural = _("transfer rule sets")
        ordering = ["jurisdiction", "-effective_from", "-version"]
        permissions = [("publish_ruleset", "Can publish a transfer rule set")]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "version"], name="transfer_ruleset_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="transfer_ruleset_effective_to_after_from",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_force", "retired"]),
                name="transfer_ruleset_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.version}"


class Rule(models.Model):
    """One rule of a rule set, in the engine's shape (see ``compliance.rules.engine``)."""

    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="rules"
    )
    code = models.CharField(_("code"), max_length=120, help_text=_("e.g. cn.block.restricted"))
    priority = models.IntegerField(_("priority"), help_text=_("Lower runs first."))
    title = models.CharField(_("title"), max_length=300)
    when = models.JSONField(_("condition"), help_text=_("The engine's condition object."))
    outcome = models.JSONField(
        _("outcome"),
        help_text=_(
            '{"decision": "…", "mechanisms_any_of": [], "obligations": [], "terminal": false}'
        ),
    )
    explanation = models.TextField(_("explanation"))
    source = models.JSONField(
        _("source"), default=dict, help_text=_('{"citation": "…", "url": "https://…"}')
    )

    class Meta:
        verbose_name = _("transfer rule")
        verbose_name_plural = _("transfer rules")
        ordering = ["rule_set", "priority", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="transfer_rule_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class TransferAssessment(models.Model):
    """A record of one answer of the engine: the facts, the decision, the rules and versions.

    Written once by ``services.transfer_assess`` and never changed.
    """

    class Context(models.TextChoices):
        PRE_CHECK = "pre_check", _("Pre-check")
        REVIEW = "review", _("Review")
        LICENCE_REQUEST = "licence_request", _("Licence request")
        LICENCE_RENEWAL = "licence_renewal", _("Licence renewal")

    Decision = Decision

    facts = models.JSONField(_("facts"), help_text=_("The normalised input facts."))
    origin = models.CharField(_("origin"), max_length=2, db_index=True)
    destination = models.CharField(_("destination"), max_length=2)
    decision = models.CharField(_("decision"), max_length=24, choices=Decision.choices)
    mechanisms_any_of = models.JSONField(_("mechanisms (any one of)"), default=list)
    obligations = models.JSONField(_("obligations"), default=list)
    rules = models.JSONField(_("rules fired"), default=list)
    explanation = models.TextField(_("explanation"))
    rule_set_versions = models.JSONField(
        _("rule set versions"), default=list, help_text=_('e.g. ["CN:2024.1"]')
    )
    assessed_on = models.DateField(
        _("assessed on"), help_text=_("The date the rules were taken at.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_assessments",
    )
    context = models.CharField(
        _("context"), max_length=20, choices=Context.choices, default=Context.PRE_CHECK
    )
    subject_type = models.CharField(
        _("subject type"), max_length=100, blank=True, help_text=_("e.g. catalogue.productversion")
    )
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("transfer assessment")
        verbose_name_plural = _("transfer assessments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="transfer_assess_subject"),
            models.Index(
                fields=["organization", "context", "-created_at"], name="transfer_assess_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.origin}→{self.destination}: {self.decision} ({self.assessed_on})"
