"""The PingCRM MCP server on the official ``mcp`` SDK.

Streamable HTTP at ``/mcp`` (``Authorization: Bearer <key>``) and stdio (``pingcrm mcp``).
The caller of every tool call is resolved from *that call's* key: the HTTP request's
header, or the key the stdio process was started with. Nothing about the user lives in
module state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from pingcrm import __version__
from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.errors import PingError
from pingcrm.mcp.keys import McpCaller, authenticate

log = logging.getLogger("pingcrm.mcp")
T = TypeVar("T")

INSTRUCTIONS = (
    "PingCRM is the user's personal networking CRM. Search contacts, read their timeline, "
    "see who to reach out to (suggestions) and prepare meetings. Results are Markdown with "
    "ids: pass those ids to the next tool. Write tools work only with a key that allows "
    "changes."
)
BAD_KEY = (
    "The MCP key is missing, wrong or revoked. Generate one in PingCRM under Settings → MCP access."
)
READ_ONLY = (
    "This MCP key is read-only. Generate a key with “allow changes” in PingCRM "
    "Settings → MCP access to let AI clients change the CRM."
)


def bearer(headers: Any) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    if not headers:
        return None
    value = headers.get("authorization") or headers.get("Authorization") or ""
    return value[7:].strip() if value.lower().startswith("bearer ") else None


class ToolKit:
    """What the tools share: settings, the database, and how to find the caller."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        stdio_key: str | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self._stdio_key = stdio_key

    def _key_of(self, ctx: Context[Any, Any] | None) -> str | None:
        headers = None
        if ctx is not None:
            try:
                headers = ctx.headers
            except ValueError:
                headers = None
        return bearer(headers) if headers is not None else self._stdio_key

    def run(
        self,
        ctx: Context[Any, Any] | None,
        action: Callable[[Session, McpCaller], T],
        *,
        write: bool = False,
    ) -> T:
        """Authenticate this call's key, then run ``action`` in one transaction; every
        failure becomes a tool error with a message for the model (never a traceback)."""
        try:
            with transaction(self.session_factory) as session:
                caller = authenticate(session, self.settings, self._key_of(ctx))
                if caller is None:
                    raise ToolError(BAD_KEY)
                if write and not caller.allow_changes:
                    raise ToolError(READ_ONLY)
                return action(session, caller)
        except ToolError:
            raise
        except PingError as exc:
            raise ToolError(exc.message) from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3]
            )
            raise ToolError(f"Invalid arguments: {problems}") from exc
        except Exception as exc:
            log.exception("mcp.tool_failed")
            raise ToolError(
                "PingCRM could not complete this request; the error was logged on the server."
            ) from exc


def build_server(
    settings: Settings, session_factory: sessionmaker[Session], *, stdio_key: str | None = None
) -> MCPServer:
    """An MCP server with every PingCRM tool registered."""
    from pingcrm.mcp.tools import register_all

    server = MCPServer(
        name="PingCRM", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    register_all(server, ToolKit(settings, session_factory, stdio_key))
    return server


class BearerGate:
    """Refuses HTTP requests to the MCP endpoint without a valid, unrevoked key (401)."""

    def __init__(
        self, app: ASGIApp, settings: Settings, session_factory: sessionmaker[Session]
    ) -> None:
        self.app = app
        self.settings = settings
        self.session_factory = session_factory

    def _valid(self, key: str | None) -> bool:
        with transaction(self.session_factory) as session:
            return authenticate(session, self.settings, key) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        if not await anyio.to_thread.run_sync(self._valid, bearer(headers)):
            body = json.dumps(
                {"error": {"code": "authentication_required", "message": BAD_KEY, "details": {}}}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b'Bearer realm="pingcrm-mcp"'),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _allowed_hosts(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection: the public host of the app plus loopback."""
    public = urlparse(settings.resolved_base_url)
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if public.hostname and public.hostname not in {"127.0.0.1", "localhost", "::1"}:
        hosts += [public.hostname, f"{public.hostname}:*"]
        origins += [f"{public.scheme}://{public.hostname}", f"{public.scheme}://{public.netloc}"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def http_endpoint(
    settings: Settings, session_factory: sessionmaker[Session]
) -> tuple[ASGIApp, MCPServer]:
    """The streamable-HTTP endpoint (to route at ``/mcp``) behind the bearer gate, and its
    server, whose ``session_manager.run()`` the host app's lifespan must enter. Stateless:
    every request stands alone, so any web worker can answer it."""
    server = build_server(settings, session_factory)
    server.streamable_http_app(
        stateless_http=True, json_response=True, transport_security=_allowed_hosts(settings)
    )
    endpoint = StreamableHTTPASGIApp(server.session_manager)
    return BearerGate(endpoint, settings, session_factory), server
