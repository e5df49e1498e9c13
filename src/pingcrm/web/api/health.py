"""``/api/health``: is the database (and the broker, when configured) reachable?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from pingcrm import __version__

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Health of the app and its services")
def health(request: Request) -> JSONResponse:
    """200 with each dependency's state when everything is reachable, 503 otherwise."""
    checks: dict[str, Any] = {}
    healthy = True
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "dialect": request.app.state.engine.dialect.name}
    except Exception as exc:  # the point is to report, not to crash
        healthy = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    broker_url = request.app.state.settings.broker_url
    if broker_url:
        try:
            import redis

            redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
            checks["broker"] = {"ok": True}
        except Exception as exc:
            healthy = False
            checks["broker"] = {"ok": False, "error": type(exc).__name__}
    body = {
        "data": {
            "status": "ok" if healthy else "degraded",
            "version": __version__,
            "checks": checks,
        },
        "meta": {},
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
