"""Isolation: no user can read or change another user's data through any route.

Two users each get a full set of data whose every text carries a marker. Then every
route in ``app.routes`` (new routes are covered automatically) is called by one user with
the other's ids, in both directions; see ``route_walker.py`` for what is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.errors import NotFound
from pingcrm.models import Contact
from pingcrm.web.deps import ApiUser, SessionDep
from tests.fixtures.builders import api_token, login
from tests.linkedin.helpers import pair_extension
from tests.web.isolation_world import (
    World,
    build_world,
    dump_rows,
    user_owned_tables,
    write_files,
)
from tests.web.route_walker import (
    ID_PARAMS,
    VALUE_PARAMS,
    Caller,
    UnknownParameter,
    check_known,
    routes_of,
    walk,
)

ALPHA = "qqalphaqq"
BRAVO = "qqbravoqq"

# Routes the walk leaves out, each with the reason it cannot expose a user's data.
SKIPPED: dict[str, str] = {
    "/static": "static files: the same public assets for everyone",
    "/docs": "Swagger UI page: static HTML, no user data",
    "/docs/oauth2-redirect": "Swagger UI helper page: static HTML, no user data",
    "/openapi.json": "the API schema: the same for everyone, no user data",
    "/logout": "ends the caller's own session and reads nothing",
    "/account/sessions/end": "ends the caller's own sessions (tests/accounts/test_sessions.py)",
    "/login": "authentication: takes credentials, not ids (tests/accounts)",
    "/setup": "first-run account creation: closed once users exist (tests/accounts)",
    "/register": "account creation: takes credentials, not ids (tests/accounts)",
    "/api/v1/auth/token": "authentication: takes credentials, not ids (tests/accounts)",
    "/api/v1/extension/refresh": "exchanges the caller's own extension token (no ids); "
    "tests/linkedin/test_pairing.py",
    "/api/v1/extension/disconnect": "revokes the caller's own extension pairing (no ids); "
    "tests/linkedin/test_pairing.py",
    "/mcp": "MCP JSON-RPC endpoint, authenticated by MCP keys, not sessions or tokens; two "
    "users calling every tool at once is tested in tests/mcp/test_http.py",
}


@pytest.fixture
def worlds(session: Session, settings: Settings) -> tuple[World, World]:
    """Two users, each with a full set of marked data (rows and files)."""
    pair = build_world(session, ALPHA), build_world(session, BRAVO)
    for world in pair:
        write_files(settings, session, world)
    return pair


def _caller(client: TestClient, world: World) -> Caller:
    csrf = login(client, world.email, world.password)
    cookie = client.cookies.get("pingcrm_session")
    assert cookie, "signing in set no session cookie"
    return Caller(
        world=world,
        session_cookie=cookie,
        csrf=csrf,
        bearer=api_token(client, world.email, world.password),
        extension_bearer=pair_extension(client, world.email),
    )


@pytest.fixture
def walk_app(app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    """The app, with its lifespan running (as it does when served)."""
    with TestClient(app):
        yield app


def test_every_path_parameter_is_known_to_the_walker(app: FastAPI) -> None:
    unknown = []
    for route in routes_of(app):
        if route.kind == "APIRoute" and route.path not in SKIPPED:
            try:
                check_known(route)
            except UnknownParameter as exc:
                unknown.append(str(exc))
    assert not unknown, "\n".join(unknown)


def test_the_world_fills_every_user_owned_table(
    session: Session, worlds: tuple[World, World]
) -> None:
    alpha, _ = worlds
    dump = dump_rows(session, alpha.user.id)
    empty = sorted(name for name, rows in dump.items() if not rows)
    assert not empty, (
        f"tests/web/isolation_world.py creates no rows in {empty}: give each user some, "
        "with the marker in their text, so the isolation walk covers them"
    )
    assert {t.name for t in user_owned_tables()} >= {"contacts", "notes", "interactions"}


@pytest.mark.parametrize(
    ("attacker_index", "victim_index"), [(1, 0), (0, 1)], ids=["b-at-a", "a-at-b"]
)
def test_no_route_shows_or_changes_another_users_data(
    walk_app: FastAPI,
    session_factory: sessionmaker[Session],
    worlds: tuple[World, World],
    attacker_index: int,
    victim_index: int,
) -> None:
    attacker_world, victim = worlds[attacker_index], worlds[victim_index]
    # Not a context manager: the app's lifespan already runs (walk_app), once.
    attacker = _caller(TestClient(walk_app, base_url="http://testserver"), attacker_world)
    result = walk(walk_app, session_factory, attacker, victim, SKIPPED)
    print(f"isolation walk: {len(result.walked)} routes, {result.calls} requests")
    assert not result.problems, (
        f"{len(result.problems)} isolation problem(s) in {result.calls} requests:\n"
        + "\n".join(result.problems)
    )
    # Each read's 404 for the victim's ids means something: the caller's own ids work.
    assert not result.own_not_found, (
        "these reads answer 404 even for the caller's own ids, so the walk cannot tell "
        "isolation from a broken route; give the world data they accept "
        f"(tests/web/isolation_world.py): {result.own_not_found}"
    )
    # The walk was signed in and reached real pages: the caller saw their own data.
    assert result.own_marker_seen > 0, "no response showed the caller's own data"
    assert result.calls >= len(result.walked) > 0


def test_the_walk_catches_a_route_that_leaks_or_changes_another_users_data(
    app: FastAPI,
    session_factory: sessionmaker[Session],
    worlds: tuple[World, World],
) -> None:
    """The walker itself can fail: a leaky read and a leaky write are both reported."""
    alpha, bravo = worlds

    def leaky_read(contact_id: int, session: SessionDep, user: ApiUser) -> dict[str, str]:
        contact = session.get(Contact, contact_id)  # no user_id filter: the bug
        if contact is None:
            raise NotFound("No such contact.")
        return {"name": contact.full_name}

    def leaky_write(contact_id: int, session: SessionDep, user: ApiUser) -> dict[str, bool]:
        session.execute(
            update(Contact).where(Contact.id == contact_id).values(interaction_count=99)
        )
        return {"ok": True}

    app.add_api_route("/api/v1/leaky/{contact_id}", leaky_read, methods=["GET"])
    app.add_api_route("/api/v1/leaky/{contact_id}", leaky_write, methods=["POST"])
    with TestClient(app, base_url="http://testserver") as client:
        attacker = _caller(client, bravo)
        result = walk(app, session_factory, attacker, alpha, SKIPPED, only="/api/v1/leaky/")
    leaks = [p for p in result.problems if "/api/v1/leaky/" in p]
    assert any("GET" in p and "shows another user's data" in p for p in leaks), leaks
    assert any("GET" in p and "must answer 404" in p for p in leaks), leaks
    assert any("POST" in p and "changed another user's rows in ['contacts']" in p for p in leaks), (
        leaks
    )


def test_an_unknown_path_parameter_fails_with_a_hint(app: FastAPI) -> None:
    app.add_api_route("/api/v1/widgets/{widget_id}", lambda widget_id: {}, methods=["GET"])
    route = next(r for r in routes_of(app) if "widget" in r.path)
    with pytest.raises(UnknownParameter, match="add it to ID_PARAMS"):
        check_known(route)
    assert "widget_id" not in ID_PARAMS
    assert "widget_id" not in VALUE_PARAMS
