"""Every router of the app, in one list (the isolation test walks this route table)."""

from __future__ import annotations

from fastapi import FastAPI

from pingcrm.web.api import auth as api_auth
from pingcrm.web.api import health as api_health
from pingcrm.web.ui import auth as ui_auth


def include_routers(app: FastAPI) -> None:
    """Mount the JSON API under ``/api`` and the pages at the root."""
    app.include_router(api_health.router)
    app.include_router(api_auth.router)
    app.include_router(ui_auth.router)
