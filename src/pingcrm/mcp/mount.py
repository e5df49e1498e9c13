"""``/mcp`` inside the web app, started by its first request.

The MCP SDK and the server built on it take about 20 MB of the web process; most servers
never receive an MCP request over HTTP, so nothing of it is imported until one comes.
This module imports no part of the SDK itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup, TaskStatus
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from pingcrm.config import Settings

if TYPE_CHECKING:
    from mcp.server import MCPServer


class McpMount:
    """The ``/mcp`` endpoint of one running web app (one lifespan): the first request
    builds the MCP server (in a worker thread: importing the SDK takes a while) and runs
    its session manager in ``tasks``, the lifespan's task group, until :meth:`stop`."""

    def __init__(
        self, settings: Settings, session_factory: sessionmaker[Session], tasks: TaskGroup
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._tasks = tasks
        self._starting = anyio.Lock()
        self._stopped = anyio.Event()
        self._endpoint: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoint or await self._start()
        await endpoint(scope, receive, send)

    async def _start(self) -> ASGIApp:
        async with self._starting:
            if self._endpoint is None:
                endpoint, server = await anyio.to_thread.run_sync(self._build)
                await self._tasks.start(self._serve, server)
                self._endpoint = endpoint
            return self._endpoint

    def _build(self) -> tuple[ASGIApp, MCPServer]:
        from pingcrm.mcp.server import http_endpoint

        return http_endpoint(self._settings, self._session_factory)

    async def _serve(self, server: MCPServer, *, task_status: TaskStatus[None]) -> None:
        async with server.session_manager.run():
            task_status.started()
            await self._stopped.wait()

    def stop(self) -> None:
        """Stop the session manager, if a request started it (the lifespan ends)."""
        self._stopped.set()
