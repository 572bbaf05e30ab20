"""Reads of the accounts app: who belongs where, and which organisation a request acts for."""

from django.db.models import QuerySet

from accounts.models import ApiToken, Membership, Organization, User

ACTIVE_ORG_SESSION_KEY = "active_organization_id"


def memberships_of(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organization")


def membership_of(user: User, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def organization_for_member(user: User, slug: str) -> Organization | None:
    """The organisation with this slug, only if the user belongs to it (else None → 404)."""
    if not user.is_authenticated:
        return None
    return Organization.objects.filter(slug=slug, memberships__user=user).first()


def provider_by_slug(slug: str) -> Organization | None:
    """A provider's public profile: any organisation registered as a provider (else 404)."""
    return Organization.objects.providers().filter(slug=slug).first()


def members_of(organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("role", "user__email")


def tokens_of(user: User, organization: Organization | None = None) -> QuerySet[ApiToken]:
    qs = ApiToken.objects.filter(user=user).select_related("organization")
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs


def active_organization(request) -> Organization | None:
    """The organisation this request acts for.

    An API token acts for the organisation it is bound to; a browser session for the one
    the user picked (kept in the session), falling back to their first membership. A
    membership that has ended is never honoured.
    """
    cached = getattr(request, "_active_organization", False)
    if cached is not False:
        return cached
    org = _resolve_active_organization(request)
    request._active_organization = org
    return org


def _resolve_active_organization(request) -> Organization | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        return token.organization
    memberships = memberships_of_request(request)
    chosen = request.session.get(ACTIVE_ORG_SESSION_KEY) if hasattr(request, "session") else None
    if chosen is not None:
        for m in memberships:
            if m.organization_id == chosen:
                return m.organization
    return memberships[0].organization if memberships else None


def memberships_of_request(request) -> list[Membership]:
    """The signed-in user's memberships (oldest first), read once per request: the active
    organisation and the page's organisation switcher both use them."""
    cached = getattr(request, "_memberships", None)
    if cached is None:
        user = getattr(request, "user", None)
        cached = [] if user is None else list(memberships_of(user).order_by("created_at"))
        request._memberships = cached
    return cached


def active_membership(request) -> Membership | None:
    org = active_organization(request)
    if org is None:
        return None
    return membership_of(request.user, org)
