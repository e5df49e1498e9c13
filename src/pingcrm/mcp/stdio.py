"""``pingcrm mcp`` over stdio, finishing the calls already received when stdin ends.

The SDK's stdio loop treats end of input as the end of the connection and cancels the
requests still running (their callers get "Connection closed"). A client that writes its
requests and closes stdin (``echo '…' | pingcrm mcp``, or one that is done and waits
for its last answers) would lose them. Here the read side reports end of input only
once every request read so far has been answered (or cancelled by the client), within
:data:`DRAIN_SECONDS`.
"""

from __future__ import annotations

import contextvars
import logging
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, Self

import anyio
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp_types import JSONRPCError, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse

log = logging.getLogger("pingcrm.mcp")

# How long end of input waits for the calls in flight (an LLM-backed tool can take a while).
DRAIN_SECONDS = 300.0


def _key(request_id: Any) -> str:
    # JSON-RPC ids are strings or numbers; the answer echoes the same value.
    return f"{type(request_id).__name__}:{request_id}"


class _ClosesOnExit(ABC):
    """``async with stream:`` closes it on the way out, as the SDK's streams do."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close the wrapped stream (each wrapper says how)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class InFlight:
    """The ids of the requests read but not answered yet."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._idle = anyio.Event()
        self._idle.set()

    def started(self, request_id: Any) -> None:
        self._ids.add(_key(request_id))
        if self._idle.is_set():
            self._idle = anyio.Event()

    def finished(self, request_id: Any) -> None:
        self._ids.discard(_key(request_id))
        if not self._ids:
            self._idle.set()

    @property
    def count(self) -> int:
        return len(self._ids)

    async def wait_idle(self) -> None:
        while self._ids:
            await self._idle.wait()


class DrainingReadStream(_ClosesOnExit):
    """The transport's read stream, noting each request; at end of input it waits until
    the requests in flight are answered before ending too."""

    def __init__(self, inner: Any, in_flight: InFlight, drain_seconds: float) -> None:
        self._inner = inner
        self._in_flight = in_flight
        self._drain_seconds = drain_seconds

    @property
    def last_context(self) -> contextvars.Context | None:
        context: contextvars.Context | None = getattr(self._inner, "last_context", None)
        return context

    async def receive(self) -> SessionMessage | Exception:
        try:
            item: SessionMessage | Exception = await self._inner.receive()
        except anyio.EndOfStream:
            await self._drain()
            raise
        if isinstance(item, SessionMessage):
            message = item.message
            if isinstance(message, JSONRPCRequest):
                self._in_flight.started(message.id)
            elif (
                isinstance(message, JSONRPCNotification)
                and message.method == "notifications/cancelled"
                and isinstance(message.params, dict)
                and "requestId" in message.params
            ):
                # A request the client cancelled is never answered.
                self._in_flight.finished(message.params["requestId"])
        return item

    async def _drain(self) -> None:
        if not self._in_flight.count:
            return
        with anyio.move_on_after(self._drain_seconds) as scope:
            await self._in_flight.wait_idle()
        if scope.cancelled_caught:
            log.warning("mcp.stdio_drain_timeout", extra={"unanswered": self._in_flight.count})

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> DrainingReadStream:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


class AnsweringWriteStream(_ClosesOnExit):
    """The transport's write stream, crossing off each request once its answer is out."""

    def __init__(self, inner: Any, in_flight: InFlight) -> None:
        self._inner = inner
        self._in_flight = in_flight

    async def send(self, item: SessionMessage, /) -> None:
        await self._inner.send(item)
        message = item.message
        if isinstance(message, JSONRPCResponse | JSONRPCError) and message.id is not None:
            self._in_flight.finished(message.id)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def serve_stdio(server: MCPServer, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Serve ``server`` over stdin/stdout until stdin ends and every call read is answered."""
    # The SDK's own ``run_stdio_async``, with the two streams wrapped; the SDK reaches the
    # low-level server the same way (``mcp.client.Client``).
    lowlevel = server._lowlevel_server
    in_flight = InFlight()
    async with stdio_server() as (read_stream, write_stream):
        await lowlevel.run(
            DrainingReadStream(read_stream, in_flight, drain_seconds),
            AnsweringWriteStream(write_stream, in_flight),
            lowlevel.create_initialization_options(),
        )


def run_stdio(server: MCPServer) -> None:
    """Run :func:`serve_stdio` (blocking)."""
    anyio.run(serve_stdio, server)
