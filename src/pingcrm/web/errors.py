"""One handler for every error: JSON under ``/api``, a toast for HTMX, a page otherwise."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pingcrm.errors import PingError
from pingcrm.models import User
from pingcrm.web.deps import LoginRequired
from pingcrm.web.ui.responses import is_htmx, templates, toast

log = logging.getLogger("pingcrm.web")

HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path.startswith("/mcp")


def _signed_in_user(request: Request) -> User | None:
    """The signed-in user for the error page's navigation bar, loaded afresh: by the time
    an error renders, the request's transaction is over and its rows are expired."""
    if getattr(request.state, "user", None) is None:
        return None
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    with request.app.state.session_factory() as session:
        user: User | None = session.get(User, user_id)
        return user


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render an error in the shape the caller understands."""
    if _wants_json(request):
        return JSONResponse(
            {"error": {"code": code, "message": message, "details": details or {}}},
            status_code=status,
            headers=headers,
        )
    if is_htmx(request):
        response = toast(request, message, kind="error", status_code=status)
        if headers:
            response.headers.update(headers)
        return response
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "request": request,
            "user": _signed_in_user(request),
            "unread": 0,
            "status": status,
            "message": message,
        },
        status_code=status,
        headers=headers,
    )


def _ping_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PingError)
    if isinstance(exc, LoginRequired) and not _wants_json(request):
        target = "/login?next=" + quote(
            request.url.path + ("?" + request.url.query if request.url.query else ""), safe=""
        )
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return error_response(request, exc.status_code, exc.code, exc.message, exc.details, headers)


def _describe_validation(exc: RequestValidationError) -> tuple[str, dict[str, Any]]:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append({"field": location, "message": error.get("msg", "invalid")})
    if problems and problems[0]["message"].startswith("JSON decode error"):
        return "The request body is not valid JSON.", {"errors": problems}
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return f"Invalid request: {summary}", {"errors": problems}


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    message, details = _describe_validation(exc)
    return error_response(request, 422, "validation_error", message, details)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = str(exc.detail) if exc.detail else "Error"
    if status == 404:
        message = "This page or resource does not exist."
    elif status == 405:
        message = "This method is not allowed here."
    return error_response(
        request,
        status,
        HTTP_CODES.get(status, "error"),
        message,
        headers=getattr(exc, "headers", None),
    )


def _out_of_range(exc: BaseException) -> bool:
    """A number or text the database cannot hold (an id past the column range, a NUL
    byte): bad input that slipped past a schema, not a server fault."""
    cause = exc.orig if isinstance(exc, StatementError) else exc
    if isinstance(cause, OverflowError):
        return True
    if isinstance(exc, DataError):
        text = str(cause).lower()
        return any(
            marker in text
            for marker in ("out of range", "nul (0x00)", "too large", "numeric value")
        )
    return False


def _database_refused(request: Request, exc: Exception) -> Response:
    """Safety net for routes whose parameters lack the bounds of ``pingcrm.kit.bounds``:
    a value the database cannot hold is a 422; any other database error stays a 500."""
    if not _out_of_range(exc):
        raise exc
    log.warning("web.out_of_range path=%s", request.url.path)
    return error_response(
        request,
        422,
        "validation_error",
        "Invalid request: a number or text is outside the range this field accepts.",
    )


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("web.unhandled_error", extra={"path": request.url.path})
    return error_response(
        request, 500, "internal_error", "Something went wrong on our side. It has been logged."
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(PingError, _ping_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StatementError, _database_refused)
    app.add_exception_handler(OverflowError, _database_refused)
    app.add_exception_handler(Exception, _unexpected)
