"""One error hierarchy. Each error carries an HTTP status and a machine-readable code;
``web.errors`` renders it as JSON under ``/api``, a toast for HTMX, or a page."""

from __future__ import annotations

from typing import Any


class PingError(Exception):
    """Base of every error PingCRM shows to a user or an API client."""

    status_code: int = 400
    code: str = "bad_request"
    # Seconds after which trying again may succeed (a ``Retry-After`` header), if known.
    retry_after: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details: dict[str, Any] = details or {}


class ValidationFailed(PingError):
    status_code = 422
    code = "validation_error"


class NotFound(PingError):
    status_code = 404
    code = "not_found"


class AuthenticationRequired(PingError):
    status_code = 401
    code = "authentication_required"


class PermissionDenied(PingError):
    status_code = 403
    code = "forbidden"


class Conflict(PingError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(PingError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(PingError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerBusy(PingError):
    """The server cannot take this request now (a bounded resource stayed taken); trying
    again shortly works."""

    status_code = 503
    code = "server_busy"

    def __init__(self, message: str, *, retry_after: int = 5, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
