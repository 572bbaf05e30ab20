"""Request context carried into audit events (set by the request-id middleware)."""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
