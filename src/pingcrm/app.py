"""The FastAPI application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from pingcrm import __version__
from pingcrm.config import Settings, get_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.web.errors import install_error_handlers
from pingcrm.web.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from pingcrm.web.routes import include_routers

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"
UPLOAD_PREFIXES = ("/imports", "/api/v1/imports")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the web app for ``settings`` (the process settings by default)."""
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s %(message)s")
    app = FastAPI(
        title="PingCRM",
        version=__version__,
        description="Personal networking CRM. JSON API v1: authenticate with "
        "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.resolved_database_url)
    app.state.session_factory = make_session_factory(app.state.engine)

    # Outermost first: body limits run before anything reads the body.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="pingcrm_session",
        max_age=settings.session_days * 86_400,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_prefixes=UPLOAD_PREFIXES,
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    include_routers(app)
    return app
