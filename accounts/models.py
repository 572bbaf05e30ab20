"""People and organisations: users, organisations, memberships and API tokens."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import JURISDICTION_CHOICES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address; acts for organisations via memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("exchange staff"),
        default=False,
        help_text=_("Exchange staff may log into the admin (reviewers, exchange admins)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="accounts_user_email_ci_unique"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


class OrganizationQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verification_status=Organization.Verification.VERIFIED)

    def providers(self):
        return self.filter(is_provider=True)

    def buyers(self):
        return self.filter(is_buyer=True)


class Organization(models.Model):
    """A company on the exchange. Plays provider, buyer or both; verified by staff."""

    class Verification(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    class RecipientType(models.TextChoices):
        """What the organisation is as a recipient of data: the transfer rules' words
        (``compliance.rules.engine.RECIPIENT_TYPES``, checked against these at import)."""

        COMPANY = "company", _("A company")
        PUBLIC_BODY = "public_body", _("A public body")
        JUDICIAL = "judicial", _("A court or judicial body")
        LAW_ENFORCEMENT = "law_enforcement", _("A law-enforcement body")

    legal_name = models.CharField(_("legal name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    jurisdiction = models.CharField(
        _("home jurisdiction"), max_length=2, choices=JURISDICTION_CHOICES
    )
    registration_number = models.CharField(_("registration number"), max_length=64)
    website = models.URLField(_("website"), blank=True)
    is_provider = models.BooleanField(_("provider"), default=False)
    is_buyer = models.BooleanField(_("buyer"), default=True)
    verification_status = models.CharField(
        _("verification"),
        max_length=16,
        choices=Verification.choices,
        default=Verification.PENDING,
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    verified_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_decided_at = models.DateTimeField(null=True, blank=True)
    recipient_type = models.CharField(
        _("kind of organisation"),
        max_length=20,
        choices=RecipientType.choices,
        default=RecipientType.COMPANY,
        help_text=_(
            "Declared at sign-up and confirmed at verification; every licence request is "
            "assessed with it."
        ),
    )
    dpo_name = models.CharField(_("data protection officer"), max_length=150, blank=True)
    dpo_email = models.EmailField(_("DPO e-mail"), blank=True)
    # The organisation's whole processing, which Malaysia's DPO duty is judged on (PDPA
    # s.12A and the DPO guideline; docs/domain.md, "Malaysia"); empty until it answers.
    processed_subjects = models.PositiveIntegerField(
        _("data subjects processed"),
        null=True,
        blank=True,
        help_text=_("Individuals whose personal data you process, in all your processing."),
    )
    processed_sensitive_subjects = models.PositiveIntegerField(
        _("of whom with sensitive or financial data"),
        null=True,
        blank=True,
        help_text=_(
            "Of those, individuals whose sensitive personal data or financial "
            "information you process."
        ),
    )
    systematic_monitoring = models.BooleanField(
        _("regular and systematic monitoring"),
        null=True,
        blank=True,
        help_text=_(
            "Your processing involves regular and systematic monitoring of "
            "individuals at scale (tracking, profiling, location or behaviour)."
        ),
    )
    group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="organization",
        help_text=_("Object permissions granted to the whole organisation go to this group."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]
        permissions = [("verify_organization", "Can verify or reject organisations")]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_provider=True) | Q(is_buyer=True),
                name="accounts_org_plays_a_role",
                violation_error_message=_("An organisation is a provider, a buyer or both."),
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "registration_number"],
                name="accounts_org_unique_registration",
                violation_error_message=_(
                    "An organisation with this registration number is already registered "
                    "in this jurisdiction."
                ),
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=["pending", "verified", "rejected"]),
                name="accounts_org_verification_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    recipient_type__in=["company", "public_body", "judicial", "law_enforcement"]
                ),
                name="accounts_org_recipient_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(processed_sensitive_subjects__isnull=True)
                | Q(processed_subjects__isnull=True)
                | Q(processed_sensitive_subjects__lte=models.F("processed_subjects")),
                name="accounts_org_sensitive_within_processed",
                violation_error_message=_(
                    "Individuals with sensitive or financial data are some of those processed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED

    @property
    def roles_display(self) -> str:
        if self.is_provider and self.is_buyer:
            return str(_("Provider and buyer"))
        return str(_("Provider")) if self.is_provider else str(_("Buyer"))


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__legal_name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="accounts_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "member"]), name="accounts_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A personal API token bound to one organisation. Only its SHA-256 hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    processing_jurisdiction = models.CharField(
        _("processing jurisdiction"),
        max_length=2,
        choices=JURISDICTION_CHOICES,
        blank=True,
        help_text=_("Where the data used with this token is processed (used by access checks)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "name"],
                condition=Q(revoked_at__isnull=True),
                name="accounts_token_unique_live_name",
                violation_error_message=_("You already have a live token with this name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "active" if self.is_live() else "expired"


class RestrictedPartyQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(status=RestrictedParty.Status.LISTED)


class RestrictedParty(models.Model):
    """An entry of the exchange's restricted-parties list, with the source that lists it.

    Compliance reviewers keep the list (``accounts.services.restricted_party_*``); every
    change makes a new revision (``RestrictedPartyRevision``), so a screening answer can
    name the entry exactly as it stood. Buyers are screened against the listed entries at
    verification and at every licence request (docs/domain.md, "Recipients").
    """

    class Status(models.TextChoices):
        LISTED = "listed", _("Listed")
        DELISTED = "delisted", _("Removed from the list")

    name = models.CharField(_("name"), max_length=300)
    aliases = models.JSONField(
        _("other names"), default=list, blank=True, help_text=_("Other names, one per entry.")
    )
    jurisdiction = models.CharField(
        _("jurisdiction"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166-1 alpha-2 code."))],
        help_text=_("Where the party is registered, when the source says."),
    )
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    source_citation = models.CharField(
        _("source"), max_length=500, help_text=_("The list or decision that names the party.")
    )
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.LISTED, db_index=True
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedPartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("restricted party")
        verbose_name_plural = _("restricted parties")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["listed", "delisted"]),
                name="accounts_restricted_party_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="accounts_restricted_party_revision_pos"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source_text(self) -> str:
        return (
            f"{self.source_citation} ({self.source_url})"
            if self.source_url
            else (self.source_citation)
        )


class RestrictedPartyRevision(models.Model):
    """One revision of a restricted-party entry, as it stood after a change."""

    party = models.ForeignKey(RestrictedParty, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    snapshot = models.JSONField(_("entry"))
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("restricted-party revision")
        verbose_name_plural = _("restricted-party revisions")
        ordering = ["party", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "revision"], name="accounts_restricted_party_revision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} r{self.revision}"
