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


class LicenceSuspended(PermissionDenied):
    """The buyer's licence is suspended by the exchange: access is paused, not ended."""

    code = "licence_suspended"


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
