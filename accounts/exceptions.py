"""Domain errors of the accounts app (on top of the kernel's base errors)."""

from kernel.exceptions import Conflict


class LastAdminError(Conflict):
    code = "last_admin"


class RestrictedPartyMatch(Conflict):
    """The organisation matches an entry of the exchange's restricted-parties list."""

    code = "restricted_party"

    def __init__(self, message: str, *, entry=None, field: str | None = None):
        super().__init__(message, field=field)
        self.entry = entry
