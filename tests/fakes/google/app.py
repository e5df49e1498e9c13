"""One ASGI app serving the whole fake Google: OAuth, Gmail (and People, Calendar).

Each API module exposes ``routes(state)``; add a module's routes to :data:`ROUTERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from tests.fakes.google import calendar, gmail, oauth, people
from tests.fakes.google.state import FakeGoogle

ROUTERS: list[Callable[[FakeGoogle], list[BaseRoute]]] = [
    oauth.routes,  # type: ignore[list-item]
    gmail.routes,  # type: ignore[list-item]
    people.mount,  # type: ignore[list-item]
    calendar.mount,  # type: ignore[list-item]
]


def build_app(state: FakeGoogle) -> Starlette:
    """The fake Google serving ``state`` (plus ``GET /_fake/stats``: calls, units, 429s)."""
    routes: list[BaseRoute] = []
    for router in ROUTERS:
        routes.extend(router(state))

    async def stats(_request: Request) -> JSONResponse:
        with state.lock:
            return JSONResponse(
                {
                    "calls": dict(state.calls),
                    "units": dict(state.units_used),
                    "rate_limited": state.rate_limited,
                }
            )

    routes.append(Route("/_fake/stats", stats, methods=["GET"]))
    return Starlette(routes=routes)
