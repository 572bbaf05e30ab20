"""One JSON shape for every API error.

    {"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}

Domain exceptions (kernel.exceptions.DomainError and subclasses) become 4xx here, in one
place, so views and viewsets never translate them by hand.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kernel.exceptions import DomainError, Unavailable

log = logging.getLogger("marketplace.api")


def _flatten(detail) -> tuple[str, dict]:
    if isinstance(detail, dict):
        fields = {}
        for key, value in detail.items():
            fields[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        first_key = next(iter(fields), None)
        message = fields[first_key][0] if first_key else _("Invalid input.")
        if first_key and first_key != "non_field_errors":
            message = f"{first_key}: {message}"
        return message, fields
    if isinstance(detail, list):
        return (str(detail[0]) if detail else _("Invalid input.")), {}
    return str(detail), {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


def _retry_hint(response, seconds: int) -> None:
    response.data["error"]["retry_after_seconds"] = seconds
    response["Retry-After"] = str(seconds)


def json_not_found(request, exception=None) -> JsonResponse:
    """404 for a URL the API does not have, in the error shape (pages get the HTML one)."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def json_server_error(request) -> JsonResponse:
    """500 in the error shape (the traceback is in the log, with the request id)."""
    return JsonResponse(
        error_body("server_error", _("Something went wrong on the exchange's side.")),
        status=500,
    )


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else None
        many = getattr(exc, "errors", None)
        if isinstance(many, dict) and many:
            fields = {name: [str(message)] for name, message in many.items()}
        response = Response(error_body(exc.code, exc.message, fields), status=exc.status_code)
        extra = getattr(exc, "extra", None)
        if isinstance(extra, dict):  # a refusal's facts: when, by whom, what to do
            response.data["error"].update(extra)
        resets_at = getattr(exc, "resets_at", None)
        if resets_at is not None:
            response.data["error"]["resets_at"] = resets_at.isoformat()
            seconds = max(1, int((resets_at - timezone.now()).total_seconds()))
            response["Retry-After"] = str(seconds)
        if hasattr(exc, "renews_at"):  # a privacy budget: when it renews, and which one
            renews = exc.renews_at
            response.data["error"]["renews_at"] = renews.isoformat() if renews else None
            response.data["error"]["budget"] = exc.scope
        if isinstance(exc, Unavailable):
            log.warning("503 %s: %s", exc.code, exc)
            _retry_hint(response, exc.retry_after)
        return response
    if isinstance(exc, DataError):
        # A value the database cannot hold (an id or a page beyond a 64-bit integer): the
        # caller's input, not an outage.
        return Response(
            error_body("invalid", _("A number in the request is out of range.")),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DatabaseError):
        # The database is away (or refused the statement): a dependency is down, not a bug
        # of the caller's; say so in the error shape, with a hint when to try again.
        log.error("database unavailable: %s", exc)
        response = Response(
            error_body(
                "database_unavailable",
                _("The exchange's database is not answering; try again shortly."),
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        _retry_hint(response, 30)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
    message, fields = _flatten(exc.detail if hasattr(exc, "detail") else str(exc))
    response.data = error_body(code, message, fields)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response.data["error"]["retry_after_seconds"] = int(exc.wait)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
