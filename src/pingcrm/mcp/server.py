"""The PingCRM MCP server on the official ``mcp`` SDK.

Streamable HTTP at ``/mcp`` (``Authorization: Bearer <key>``) and stdio (``pingcrm mcp``).
The caller of every tool call is resolved from *that call's* key: the HTTP request's
header, or the key the stdio process was started with. Nothing about the user lives in
module state.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlparse

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from pingcrm import __version__
from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.mcp.keys import authenticate
from pingcrm.mcp.toolkit import BAD_KEY, ToolKit, bearer

log = logging.getLogger("pingcrm.mcp")

INSTRUCTIONS = (
    "PingCRM is the user's personal networking CRM. Search contacts, read their timeline, "
    "see who to reach out to (suggestions) and prepare meetings. Results are Markdown with "
    "ids: pass those ids to the next tool. Write tools work only with a key that allows "
    "changes."
)


def build_server(
    settings: Settings, session_factory: sessionmaker[Session], *, stdio_key: str | None = None
) -> MCPServer:
    """An MCP server with every PingCRM tool registered."""
    # Imported here: the tools pull in the LLM SDKs, which `pingcrm mcp` needs only once
    # the key was accepted (a wrong key is refused fast).
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
