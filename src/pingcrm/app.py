"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pingcrm import __version__
from pingcrm.accounts.passwords import limit_concurrent_hashing
from pingcrm.config import Settings, get_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.mcp.mount import McpMount
from pingcrm.web.errors import install_error_handlers
from pingcrm.web.middleware import (
    MAX_IN_FLIGHT,
    BodyLimitMiddleware,
    InFlightLimitMiddleware,
    SecurityHeadersMiddleware,
)
from pingcrm.web.openapi import install_openapi
from pingcrm.web.routes import include_routers
from pingcrm.worker.runner import build_runner


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the job runner (the embedded scheduler ticks) with the app, and the MCP
    endpoint with the first request to ``/mcp``; stop them after."""
    runner = app.state.runner
    runner.start()
    try:
        async with anyio.create_task_group() as tasks:
            # Each start of the app (tests start one app several times) gets a fresh
            # MCP server: a session manager runs once.
            mount = McpMount(app.state.settings, app.state.session_factory, tasks)
            app.state.mcp_endpoint = mount
            try:
                yield
            finally:
                app.state.mcp_endpoint = None
                mount.stop()
    finally:
        runner.shutdown()


class _McpDispatch:
    """``/mcp``: hand the request to the MCP endpoint of the running app (an ASGI app,
    not a request handler, so Starlette passes the raw scope)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = scope["app"].state.mcp_endpoint
        if endpoint is None:
            response = PlainTextResponse("The MCP server is not running.", status_code=503)
            await response(scope, receive, send)
            return
        await endpoint(scope, receive, send)


STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"
UPLOAD_PREFIXES = ("/imports", "/api/v1/imports")


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, run_jobs: bool = False
) -> FastAPI:
    """Build the web app for ``settings`` (the process settings by default).

    ``run_jobs``: this process runs the background jobs (``pingcrm serve`` without a
    broker): the embedded scheduler starts and stops with the app. Otherwise jobs are
    enqueued to Celery (broker set) or run inline when submitted (tests, scripts).
    """
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
        lifespan=_lifespan,
    )
    app.state.settings = settings
    limit_concurrent_hashing(
        settings.password_hash_concurrency, settings.password_hash_wait_seconds
    )
    app.state.engine = engine or make_engine(settings.resolved_database_url, request_pool=True)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.runner = build_runner(
        settings, app.state.engine, app.state.session_factory, run_jobs=run_jobs
    )

    # The last added runs first: security headers wrap everything (a 413 gets them too),
    # then body limits run before anything reads the body.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="pingcrm_session",
        max_age=settings.session_days * 86_400,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_prefixes=UPLOAD_PREFIXES,
        prefix_limits=(("/api/v1/linkedin/", settings.linkedin_push_max_bytes),),
    )
    app.add_middleware(InFlightLimitMiddleware, limit=MAX_IN_FLIGHT)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.mcp_endpoint = None
    app.router.routes.append(Route("/mcp", _McpDispatch(), methods=["GET", "POST", "DELETE"]))
    include_routers(app)
    install_openapi(app)
    return app
