"""Domain errors of licensing and access (turned into HTTP responses in one place)."""

from datetime import datetime

from kernel.exceptions import DomainError, NotFound, PermissionDenied


class NoLiveLicence(NotFound):
    """No live licence: the access endpoints do not exist for the caller."""

    code = "not_found"


class AccessRefused(PermissionDenied):
    code = "access_refused"


class JurisdictionMismatch(PermissionDenied):
    """A token bound to a processing jurisdiction used with a header naming another one:
    the token's jurisdiction is where its holder processes, and a header cannot move it."""

    code = "jurisdiction_mismatch"


class AccessStopped(PermissionDenied):
    """Access under a licence the caller's organisation held has stopped: what happened
    (the message), when (``at``), by whom (``by``), why (``reason``) and what the buyer can
    do (``next_steps``). Only raised to a member of the licensee; anyone else gets 404."""

    code = "access_stopped"

    def __init__(
        self,
        message: str,
        *,
        licence_id: int,
        at: datetime | None,
        by: str,
        reason: str,
        next_steps: str,
        provider_name: str,
        provider_slug: str,
        product_slug: str,
    ):
        super().__init__(message)
        self.licence_id = licence_id
        self.at = at
        self.by = by
        self.reason = reason
        self.next_steps = next_steps
        self.provider_name = provider_name
        self.provider_slug = provider_slug
        self.product_slug = product_slug

    @property
    def extra(self) -> dict:
        """The refusal's facts for the API's error body (plain JSON)."""
        return {
            "licence": self.licence_id,
            "at": self.at.isoformat() if self.at else None,
            "by": self.by,
            "reason": self.reason,
            "next_steps": self.next_steps,
            "provider": {"name": self.provider_name, "slug": self.provider_slug},
            "product": self.product_slug,
        }


class LicenceSuspended(AccessStopped):
    """The buyer's licence is suspended by the exchange: access is paused, not ended."""

    code = "licence_suspended"


class LicenceRevoked(AccessStopped):
    """The buyer's licence was revoked (by the provider or the exchange): access ended."""

    code = "licence_revoked"


class LicenceExpired(AccessStopped):
    """The buyer's licence reached the end of its term: access ended; it can be renewed."""

    code = "licence_expired"


class ProductSuspended(PermissionDenied):
    """The exchange suspended the product: access under every licence is paused."""

    code = "product_suspended"


class QuotaExceeded(DomainError):
    status_code = 429
    code = "quota_exceeded"

    def __init__(self, message: str, *, resets_at: datetime):
        super().__init__(message)
        self.resets_at = resets_at


class PrivacyBudgetExhausted(DomainError):
    """A privacy budget is spent (the licence period's, or the product's cap): distinct from
    the monthly query quota. ``renews_at`` says when it renews (None: a new version)."""

    status_code = 429
    code = "privacy_budget_exhausted"

    def __init__(self, message: str, *, renews_at: datetime | None, scope: str):
        super().__init__(message)
        self.renews_at = renews_at
        self.scope = scope
