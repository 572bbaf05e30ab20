"""Writes of the accounts app: sign-up, verification, memberships and API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.exceptions import LastAdminError, RestrictedPartyMatch
from accounts.models import (
    ApiToken,
    Membership,
    Organization,
    RestrictedParty,
    RestrictedPartyRevision,
    User,
)
from accounts.screening import screen_organization
from kernel.exceptions import (
    Conflict,
    InvalidInput,
    PermissionDenied,
)
from kernel.ledger.services import audit_record
from kernel.mail import send_mail_on_commit
from kernel.transitions import StateMachine, transition

OV = Organization.Verification
# Each move names the operation (service) that makes it; see kernel.transitions.
ORGANIZATION_TRANSITIONS: dict[str, dict[str, str]] = {
    OV.PENDING: {OV.VERIFIED: "verify", OV.REJECTED: "verify"},
    # A rejected organisation that fixes its registration details is looked at again.
    OV.REJECTED: {OV.PENDING: "verify"},
    OV.VERIFIED: {},
}
ORGANIZATION = StateMachine(
    model=Organization,
    field="verification_status",
    transitions=ORGANIZATION_TRANSITIONS,
    noun=gettext_lazy("organisation"),
    action_prefix="accounts.organization",
)

TOKEN_PREFIX = "dx"  # noqa: S105 - a public marker, not a secret


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def organization_create(
    *,
    legal_name: str,
    jurisdiction: str,
    registration_number: str,
    is_provider: bool,
    is_buyer: bool,
    website: str = "",
    dpo_name: str = "",
    dpo_email: str = "",
    created_by: User | None = None,
    slug: str | None = None,
    recipient_type: str = Organization.RecipientType.COMPANY,
) -> Organization:
    """Creates a pending organisation and its permission group."""
    _check_recipient_type(recipient_type)
    with transaction.atomic():
        slug = slug or _unique_slug(legal_name)
        group = Group.objects.create(name=f"org:{slug}")
        try:
            with transaction.atomic():
                org = Organization.objects.create(
                    legal_name=legal_name,
                    slug=slug,
                    jurisdiction=jurisdiction,
                    registration_number=registration_number,
                    is_provider=is_provider,
                    is_buyer=is_buyer,
                    website=website,
                    dpo_name=dpo_name,
                    dpo_email=dpo_email,
                    recipient_type=recipient_type,
                    group=group,
                )
        except IntegrityError as exc:
            raise Conflict(
                _(
                    "An organisation with this registration number is already registered "
                    "in this jurisdiction."
                ),
                field="registration_number",
            ) from exc
        audit_record(
            action="accounts.organization.created",
            actor=created_by,
            organization=org,
            obj=org,
            after=_org_state(org),
        )
        return org


def _org_state(org: Organization) -> dict:
    return {
        "legal_name": org.legal_name,
        "jurisdiction": org.jurisdiction,
        "registration_number": org.registration_number,
        "is_provider": org.is_provider,
        "is_buyer": org.is_buyer,
        "recipient_type": org.recipient_type,
        "verification_status": org.verification_status,
    }


def _check_recipient_type(recipient_type: str) -> None:
    if recipient_type not in Organization.RecipientType.values:
        raise InvalidInput(
            _("Say what the organisation is: %(choices)s.")
            % {"choices": ", ".join(Organization.RecipientType.values)},
            field="recipient_type",
        )


def user_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    legal_name: str,
    jurisdiction: str,
    registration_number: str,
    is_provider: bool,
    is_buyer: bool,
    website: str = "",
    recipient_type: str = Organization.RecipientType.COMPANY,
) -> tuple[User, Organization]:
    """A new user and their organisation (pending verification); the user is its admin."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise Conflict(_("An account with this e-mail address already exists."), field="email")
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        org = organization_create(
            legal_name=legal_name,
            jurisdiction=jurisdiction,
            registration_number=registration_number,
            is_provider=is_provider,
            is_buyer=is_buyer,
            website=website,
            created_by=user,
            recipient_type=recipient_type,
        )
        membership_add(user=user, organization=org, role=Membership.Role.ADMIN, actor=user)
        audit_record(action="accounts.user.signed_up", actor=user, organization=org, obj=user)
        return user, org


def organization_set_verification(
    *,
    organization: Organization,
    status: str,
    note: str,
    decided_by: User,
    recipient_type: str | None = None,
) -> Organization:
    """Staff decision on an organisation: verified or rejected, always with a note.

    Verifying confirms what the organisation declared itself to be (``recipient_type``, which
    staff may correct here) and screens it against the restricted-parties list: a match
    refuses the verification, naming the entry and its source.
    """
    if not note.strip():
        raise InvalidInput(_("A note is required for a verification decision."), field="note")
    if not (decided_by.is_superuser or decided_by.has_perm("accounts.verify_organization")):
        raise PermissionDenied(_("Only exchange staff may verify organisations."))
    if recipient_type is not None:
        _check_recipient_type(recipient_type)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        changes: dict = {
            "verification_note": note.strip(),
            "verified_by": decided_by,
            "verification_decided_at": timezone.now(),
        }
        before: dict = {}
        if recipient_type is not None and recipient_type != org.recipient_type:
            before["recipient_type"] = org.recipient_type
            changes["recipient_type"] = recipient_type
            org.recipient_type = recipient_type
        after: dict = {"note": note.strip(), "recipient_type": org.recipient_type}
        if status == OV.VERIFIED:
            hit = screen_organization(org)
            if hit is not None:
                raise RestrictedPartyMatch(
                    _(
                        "%(org)s matches the exchange's restricted-parties list: %(hit)s. It "
                        "cannot be verified; reject it instead."
                    )
                    % {"org": org.legal_name, "hit": hit.describe()},
                    entry=hit.entry,
                )
            after["screening"] = "no match"
        org = transition(
            org,
            machine=ORGANIZATION,
            to=status,
            via="verify",
            actor=decided_by,
            organization=org,
            changes=changes,
            before=before,
            after=after,
        )
    return org


PROFILE_FIELDS = {
    "website",
    "dpo_name",
    "dpo_email",
    "processed_subjects",
    "processed_sensitive_subjects",
    "systematic_monitoring",
}


def organization_update_profile(
    *, organization: Organization, actor: User, **fields
) -> Organization:
    """An organisation's admin keeps its profile: website, DPO and the figures of its
    processing that Malaysia's DPO duty is judged on."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise PermissionDenied(_("These fields cannot be changed here: %s") % ", ".join(unknown))
    _require_admin(actor=actor, organization=organization)
    for name in ("processed_subjects", "processed_sensitive_subjects"):
        value = fields.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise InvalidInput(_("A whole number, 0 or more."), field=name)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before = {name: getattr(org, name) for name in fields}
        for name, value in fields.items():
            setattr(org, name, value)
        if (
            org.processed_subjects is not None
            and org.processed_sensitive_subjects is not None
            and org.processed_sensitive_subjects > org.processed_subjects
        ):
            raise InvalidInput(
                _("Individuals with sensitive or financial data are some of those processed."),
                field="processed_sensitive_subjects",
            )
        org.save(update_fields=list(fields))
        audit_record(
            action="accounts.organization.profile_updated",
            actor=actor,
            organization=org,
            obj=org,
            before=before,
            after=fields,
        )
    return org


def _require_admin(*, actor: User, organization: Organization) -> None:
    if not Membership.objects.filter(
        user=actor, organization=organization, role=Membership.Role.ADMIN
    ).exists():
        raise PermissionDenied(_("Only an administrator of this organisation may do this."))


def membership_add(*, user: User, organization: Organization, role: str, actor: User | None):
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    user.groups.add(organization.group)
    audit_record(
        action="accounts.membership.added",
        actor=actor,
        organization=organization,
        obj=membership,
        after={"user": user.email, "role": role},
    )
    return membership


def membership_invite(
    *, organization: Organization, email: str, role: str, invited_by: User, request_base: str
) -> Membership:
    """An admin adds a person by e-mail. New people get a link to set their password."""
    _require_admin(actor=invited_by, organization=organization)
    if role not in Membership.Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        is_new = user is None
        if is_new:
            user = User.objects.create_user(email=email)
        elif Membership.objects.filter(user=user, organization=organization).exists():
            raise Conflict(_("%(email)s is already a member.") % {"email": email}, field="email")
        membership = membership_add(
            user=user, organization=organization, role=role, actor=invited_by
        )
        link = request_base.rstrip("/") + (
            reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            if is_new
            else reverse("accounts:login")
        )
        body = _("%(inviter)s added you to %(org)s on %(site)s.\n\n%(action)s:\n%(link)s\n") % {
            "inviter": invited_by.get_full_name(),
            "org": organization.legal_name,
            "site": settings.SITE_NAME,
            "action": _("Choose your password") if is_new else _("Log in"),
            "link": link,
        }
        send_mail_on_commit(
            subject=_("You have been invited to %(org)s") % {"org": organization.legal_name},
            body=body,
            recipients=[email],
        )
    return membership


def membership_remove(*, membership: Membership, removed_by: User) -> None:
    """An admin removes a member (or a member leaves). The last admin cannot go."""
    org = membership.organization
    if membership.user_id != removed_by.pk:
        _require_admin(actor=removed_by, organization=org)
    with transaction.atomic():
        # Lock every admin row of the organisation, so two admins removing each other
        # at once cannot leave it with none.
        admins = list(
            Membership.objects.select_for_update()
            .filter(organization=org, role=Membership.Role.ADMIN)
            .values_list("pk", flat=True)
        )
        if membership.role == Membership.Role.ADMIN and admins == [membership.pk]:
            raise LastAdminError(
                _("An organisation needs at least one administrator: appoint another first.")
            )
        user = membership.user
        audit_record(
            action="accounts.membership.removed",
            actor=removed_by,
            organization=org,
            obj=membership,
            before={"user": user.email, "role": membership.role},
        )
        membership.delete()
        user.groups.remove(org.group)
        # Tokens act for the organisation: they stop with the membership.
        ApiToken.objects.filter(user=user, organization=org, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def membership_set_role(*, membership: Membership, role: str, changed_by: User) -> Membership:
    _require_admin(actor=changed_by, organization=membership.organization)
    if role not in Membership.Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    with transaction.atomic():
        admins = list(
            Membership.objects.select_for_update()
            .filter(organization=membership.organization, role=Membership.Role.ADMIN)
            .values_list("pk", flat=True)
        )
        if role != Membership.Role.ADMIN and admins == [membership.pk]:
            raise LastAdminError(
                _("An organisation needs at least one administrator: appoint another first.")
            )
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action="accounts.membership.role_changed",
            actor=changed_by,
            organization=membership.organization,
            obj=membership,
            before={"role": before},
            after={"role": role},
        )
    return membership


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(
    *,
    user: User,
    organization: Organization,
    name: str,
    expires_at: datetime | None = None,
    processing_jurisdiction: str = "",
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise PermissionDenied(_("You are not a member of this organisation."))
    now = timezone.now()
    expires_at = expires_at or now + settings.API_TOKEN_DEFAULT_TTL
    if expires_at <= now:
        raise InvalidInput(_("The expiry must be in the future."), field="expires_at")
    if expires_at > now + timedelta(days=settings.API_TOKEN_MAX_DAYS):
        raise InvalidInput(
            _("A token may live at most %(days)d days.") % {"days": settings.API_TOKEN_MAX_DAYS},
            field="expires_at",
        )
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        if ApiToken.objects.filter(
            user=user, organization=organization, name=name, revoked_at__isnull=True
        ).exists():
            raise Conflict(_("You already have a live token with this name."), field="name")
        token = ApiToken.objects.create(
            user=user,
            organization=organization,
            name=name,
            prefix=prefix,
            token_hash=hash_token(raw),
            expires_at=expires_at,
            processing_jurisdiction=processing_jurisdiction,
        )
        audit_record(
            action="accounts.api_token.created",
            actor=user,
            organization=organization,
            obj=token,
            after={"name": name, "prefix": prefix, "expires_at": expires_at.isoformat()},
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, revoked_by: User) -> ApiToken:
    if token.user_id != revoked_by.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(_("This token is already revoked."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action="accounts.api_token.revoked",
            actor=revoked_by,
            organization=token.organization,
            obj=token,
        )
    return token


def user_login_unlock(*, user: User, actor: User) -> int:
    """Lifts the lock-out of ``user``'s log-in (django-axes) before its cool-off ends: the
    failed attempts recorded against the account are cleared. Returns how many there were."""
    from axes.utils import reset as axes_reset

    if not (actor.is_superuser or actor.has_perm("accounts.change_user")):
        raise PermissionDenied(_("Only exchange administrators can unlock an account."))
    with transaction.atomic():
        cleared = axes_reset(username=user.email.lower())
        audit_record(
            action="accounts.user.login_unlocked",
            actor=actor,
            obj=user,
            after={"failed_attempts_cleared": cleared},
        )
    return cleared


def api_token_touch(*, token: ApiToken) -> None:
    """Records use at most once a minute, so authentication stays a single read."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


# --- the restricted-parties list -----------------------------------------------------------

RP = RestrictedParty.Status
# Each move names the operation (service) that makes it; see kernel.transitions.
RESTRICTED_PARTY_TRANSITIONS: dict[str, dict[str, str]] = {
    RP.LISTED: {RP.DELISTED: "delist"},
    # A party the source lists again (or removed by mistake) is put back.
    RP.DELISTED: {RP.LISTED: "relist"},
}
RESTRICTED_PARTY_OPERATIONS: dict[str, set[str]] = {
    # Only a listed entry is edited; a removed one is put back first.
    "edit": {RP.LISTED},
}
RESTRICTED_PARTY = StateMachine(
    model=RestrictedParty,
    field="status",
    transitions=RESTRICTED_PARTY_TRANSITIONS,
    operations=RESTRICTED_PARTY_OPERATIONS,
    noun=gettext_lazy("restricted party"),
    action_prefix="accounts.restricted_party",
)
RESTRICTED_PARTY_FIELDS = (
    "name",
    "aliases",
    "jurisdiction",
    "registration_number",
    "source_citation",
    "source_url",
    "listed_on",
)


def _require_list_keeper(actor: User | None) -> None:
    if (
        actor is None
        or not actor.is_authenticated
        or not actor.has_perm("accounts.change_restrictedparty")
    ):
        raise PermissionDenied(_("Only compliance reviewers keep the restricted-parties list."))


def _clean_party(fields: dict) -> dict:
    cleaned = {}
    for name in RESTRICTED_PARTY_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name == "aliases":
            if value is None:
                value = []
            if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) for a in value):
                raise InvalidInput(_("Other names are a list of names."), field="aliases")
            value = [a.strip() for a in value if a.strip()]
            if len(value) > 50 or any(len(a) > 300 for a in value):
                raise InvalidInput(
                    _("At most 50 other names of at most 300 characters."), field="aliases"
                )
        elif name == "jurisdiction":
            value = (value or "").strip().upper()
            if value and (len(value) != 2 or not value.isalpha() or not value.isascii()):
                raise InvalidInput(_("An ISO 3166-1 alpha-2 code."), field="jurisdiction")
        elif name == "listed_on":
            pass
        else:
            value = (value or "").strip()
        cleaned[name] = value
    for required in ("name", "source_citation"):
        if required in cleaned and not cleaned[required]:
            raise InvalidInput(_("This field is required."), field=required)
    return cleaned


def _party_state(party: RestrictedParty) -> dict:
    return {
        **{name: getattr(party, name) for name in RESTRICTED_PARTY_FIELDS},
        "listed_on": party.listed_on.isoformat() if party.listed_on else None,
        "status": party.status,
        "revision": party.revision,
    }


def _record_revision(party: RestrictedParty, *, actor: User | None, reason: str) -> None:
    RestrictedPartyRevision.objects.create(
        party=party,
        revision=party.revision,
        snapshot=_party_state(party),
        reason=reason,
        changed_by=actor,
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the list changes."), field="reason")
    return reason


def restricted_party_create(*, actor: User, reason: str, **fields) -> RestrictedParty:
    """Adds an entry (revision 1) to the restricted-parties list."""
    _require_list_keeper(actor)
    reason = _reason(reason)
    unknown = set(fields) - set(RESTRICTED_PARTY_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    cleaned = _clean_party({"name": "", "source_citation": "", **fields})
    with transaction.atomic():
        party = RestrictedParty.objects.create(**cleaned)
        _record_revision(party, actor=actor, reason=reason)
        audit_record(
            action="accounts.restricted_party.created",
            actor=actor,
            obj=party,
            after={**_party_state(party), "reason": reason},
        )
    return party


def restricted_party_update(
    *, party: RestrictedParty, actor: User, reason: str, **fields
) -> RestrictedParty:
    """Changes a listed entry: a new revision, the previous one kept."""
    _require_list_keeper(actor)
    reason = _reason(reason)
    unknown = set(fields) - set(RESTRICTED_PARTY_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    cleaned = _clean_party(fields)
    with transaction.atomic():
        party = RestrictedParty.objects.select_for_update().get(pk=party.pk)
        RESTRICTED_PARTY.require(
            party, "edit", refusal=_("Put the entry back on the list before changing it.")
        )
        before = _party_state(party)
        changed = [name for name, value in cleaned.items() if getattr(party, name) != value]
        if not changed:
            return party
        for name in changed:
            setattr(party, name, cleaned[name])
        party.revision += 1
        party.save(update_fields=[*changed, "revision", "updated_at"])
        _record_revision(party, actor=actor, reason=reason)
        audit_record(
            action="accounts.restricted_party.updated",
            actor=actor,
            obj=party,
            before=before,
            after={**_party_state(party), "reason": reason},
        )
    return party


def _party_move(party: RestrictedParty, *, to: str, via: str, actor: User, reason: str):
    _require_list_keeper(actor)
    reason = _reason(reason)
    with transaction.atomic():
        party = RestrictedParty.objects.select_for_update().get(pk=party.pk)
        party = transition(
            party,
            machine=RESTRICTED_PARTY,
            to=to,
            via=via,
            actor=actor,
            changes={"revision": party.revision + 1},
            after={"reason": reason, "revision": party.revision + 1},
        )
        _record_revision(party, actor=actor, reason=reason)
    return party


def restricted_party_delist(*, party: RestrictedParty, actor: User, reason: str):
    """Removes an entry from the list (it no longer matches); its revisions stay."""
    return _party_move(party, to=RP.DELISTED, via="delist", actor=actor, reason=reason)


def restricted_party_relist(*, party: RestrictedParty, actor: User, reason: str):
    """Puts a removed entry back on the list."""
    return _party_move(party, to=RP.LISTED, via="relist", actor=actor, reason=reason)
