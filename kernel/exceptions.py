"""The base domain errors every layer raises; the faces turn them into HTTP answers.

A service raises one of these with a message a person can act on (and, for bad input, the
field at fault). The API's exception handler (`marketplace.api.errors`) answers each with its
``status_code`` and ``code`` in the one JSON error shape; HTML views show the message.
"""


class DomainError(Exception):
    """Base of every domain error in the project; carries a user-facing message."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """Input a service cannot accept (HTTP 400)."""

    code = "invalid"


class InvalidTransition(DomainError):
    status_code = 409
    code = "invalid_transition"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class Unavailable(DomainError):
    """Something the answer needs is not available now (not the caller's fault): HTTP 503,
    with ``retry_after`` seconds as the hint."""

    status_code = 503
    code = "unavailable"
    retry_after = 60


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
