"""Domain errors of the accounts app (on top of the kernel's base errors)."""

from kernel.exceptions import Conflict


class LastAdminError(Conflict):
    code = "last_admin"
