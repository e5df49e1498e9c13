"""One ASGI app serving the whole fake Google: OAuth, Gmail (and People, Calendar).

Each API module exposes ``routes(state)``; add a module's routes to :data:`ROUTERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from tests.fakes.google import calendar, gmail, oauth, people
from tests.fakes.google.state import FakeGoogle

ROUTERS: list[Callable[[FakeGoogle], list[BaseRoute]]] = [
    oauth.routes,  # type: ignore[list-item]
    gmail.routes,  # type: ignore[list-item]
    people.mount,  # type: ignore[list-item]
    calendar.mount,  # type: ignore[list-item]
]


def build_app(state: FakeGoogle) -> Starlette:
    """The fake Google serving ``state``."""
    routes: list[BaseRoute] = []
    for router in ROUTERS:
        routes.extend(router(state))
    return Starlette(routes=routes)
