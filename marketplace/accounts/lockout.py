"""Account lock-out (django-axes): which account a log-in names, and the page a locked-out
account sees. The counting, the cool-off and the admin record are django-axes'."""

from django.conf import settings
from django.shortcuts import render


def lockout_username(request, credentials: dict | None) -> str:
    """The account a log-in attempt names, as the log-in itself matches it (the e-mail
    address, case-insensitively): "Mei@Example.com" and "mei@example.com" count together."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field)
    if value is None and request is not None:
        value = request.POST.get(field, "")
    return str(value or "").strip().lower()


def locked_out(request, original_response=None, credentials=None):
    """HTTP 429 with a page saying the account is locked, for how long, and who can unlock it."""
    hours = settings.AXES_COOLOFF_TIME.total_seconds() / 3600
    return render(
        request,
        "accounts/locked_out.html",
        {"failures": settings.AXES_FAILURE_LIMIT, "hours": f"{hours:g}"},
        status=429,
    )
