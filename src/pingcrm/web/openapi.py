"""The OpenAPI document, with the error answers every API operation can give.

Errors are rendered by one handler (``web.errors``) in one shape,
``{"error": {"code", "message", "details"}}``; FastAPI does not know that, so its schema
would list a ``{"detail": [...]}`` 422 and no other error. This adds the ``Error`` schema
and, per operation, the statuses that operation can answer (by what it is: signed in or
not, with path ids or a body, unsafe or not), so that a client generated from the schema
and a fuzzer checking conformance (tests/hardening/test_schemathesis.py) agree with the
server. New routes get them automatically.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

UNSAFE = frozenset({"post", "put", "patch", "delete"})
PUBLIC = frozenset({"/api/health", "/api/v1/auth/token"})

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. not_found"},
                "message": {"type": "string", "description": "For a person to read"},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}

DESCRIPTIONS = {
    "400": "The request cannot be carried out",
    "401": "Missing, invalid or expired credentials",
    "403": "Forbidden (a session call without its CSRF token)",
    "404": "No such resource for this user",
    "409": "Conflicts with the current state",
    "413": "The request body is too large",
    "422": "Invalid input: which field and why",
    "429": "Too many attempts: see Retry-After",
    "503": "A service the app needs is unreachable",
}


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    statuses = ["400", "422"]
    if path == "/api/health":
        return ["503"]
    if path not in PUBLIC:
        statuses += ["401", "403", "404"]
    if method in UNSAFE:
        statuses += ["409", "413", "429"]
    if path == "/api/v1/auth/token":
        statuses += ["401", "429"]
    return statuses


def _add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api"):
            continue
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, method, operation):
                responses[status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": reference}},
                }
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at ``app.openapi_url`` (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _add_error_responses(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
