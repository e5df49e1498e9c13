"""Run any ASGI app (a fake provider, or PingCRM itself) on 127.0.0.1 in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

STARTUP_TIMEOUT_S = 20.0


class ThreadedServer(uvicorn.Server):
    """A uvicorn server that sets ``ready`` once it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def install_signal_handlers(self) -> None:
        """Signals belong to the main thread (pytest's)."""


@contextmanager
def serve_asgi(app: Any, host: str = "127.0.0.1", *, lifespan: bool = False) -> Iterator[str]:
    """Serve ``app`` on a free port for the duration of the block; yields its base URL.
    ``lifespan``: run the app's startup/shutdown (PingCRM's own app needs it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = ThreadedServer(
        uvicorn.Config(app, log_level="warning", lifespan="on" if lifespan else "off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT_S):
        server.should_exit = True
        raise RuntimeError(f"the server on port {port} did not start")
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
