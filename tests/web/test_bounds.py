"""Numbers and dates beyond what the database holds are a 422 with the error shape,
never a 500: a sweep of huge integers over every route of the app's route table (new
routes are covered automatically), the JWT ``sub`` and ``occurred_at`` extremes."""

from __future__ import annotations

import types
import typing
from datetime import timedelta
from typing import Any

import jwt
from fastapi import FastAPI, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.accounts.tokens import ALGORITHM, API_AUDIENCE
from pingcrm.config import Settings
from pingcrm.kit.clock import utcnow
from tests.fixtures.builders import api_token, create_contact, create_user, login
from tests.web.route_walker import VALUE_PARAMS, routes_of

HUGE = ("2147483648", "9223372036854775808", "-9223372036854775809", "1" + "0" * 40)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SKIPPED_PREFIXES = ("/static", "/mcp", "/docs", "/openapi.json")


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_int(arg) for arg in typing.get_args(annotation))
    return False


def _int_params(dependant: Any, where: str) -> list[str]:
    kind = params.Path if where == "path" else params.Query
    return [
        f.name
        for f in get_flat_params(dependant)
        if isinstance(f.field_info, kind) and _is_int(f.field_info.annotation)
    ]


def _fill(path: str, int_names: list[str], value: str) -> str:
    for name in int_names:
        path = path.replace("{" + name + "}", value)
    for name, plain in VALUE_PARAMS.items():
        path = path.replace("{" + name + "}", plain)
    return path


def _check(response: Any, label: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{label}: HTTP {response.status_code}")
    elif response.status_code < 400:
        problems.append(f"{label}: HTTP {response.status_code} for an id that cannot exist")


def test_huge_integers_in_any_route_are_refused_without_a_server_error(
    app: FastAPI, session: Session
) -> None:
    user = create_user(session)
    create_contact(session, user)
    client = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
    csrf = login(client)
    bearer = api_token(client)
    problems: list[str] = []
    probed = 0
    for route in routes_of(app):
        if route.kind != "APIRoute" or route.path.startswith(SKIPPED_PREFIXES):
            continue
        path_ints = _int_params(route.dependant, "path")
        query_ints = _int_params(route.dependant, "query")
        headers = dict(bearer) if route.path.startswith("/api") else {"X-CSRF-Token": csrf}
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for value in HUGE:
                if path_ints:
                    url = _fill(route.path, path_ints, value)
                    response = client.request(method, url, headers=headers, json={})
                    _check(response, f"{method} {url}", problems)
                    probed += 1
                if query_ints and method == "GET" and not path_ints:
                    for name in query_ints:
                        url = _fill(route.path, [], value)
                        response = client.get(url, params={name: value}, headers=headers)
                        if response.status_code >= 500:
                            problems.append(f"GET {url}?{name}={value}: HTTP 500")
                        probed += 1
    assert probed > 100
    assert not problems, "\n".join(problems)


def test_a_huge_id_in_the_api_is_a_422_with_the_error_shape(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    headers = api_token(client)
    for url in ("/api/v1/contacts/9223372036854775808", "/api/v1/contacts?page=99999999999"):
        response = client.get(url, headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"


def test_a_token_with_a_huge_subject_is_refused_as_invalid(
    client: TestClient, session: Session, settings: Settings
) -> None:
    create_user(session)
    for subject in ("9223372036854775808", "-1", "99999999999999999999999"):
        token = jwt.encode(
            {
                "sub": subject,
                "ver": 1,
                "aud": API_AUDIENCE,
                "exp": int((utcnow() + timedelta(minutes=5)).timestamp()),
            },
            settings.secret_key,
            algorithm=ALGORITHM,
        )
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_required"


def test_occurred_at_at_the_edges_of_the_calendar_is_a_422(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    contact = create_contact(session, user)
    headers = api_token(client)
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        response = client.post(
            "/api/v1/interactions",
            json={"contact_id": contact.id, "kind": "call", "occurred_at": moment},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert "occurred_at" in response.json()["error"]["message"]
    fine = client.post(
        "/api/v1/interactions",
        json={"contact_id": contact.id, "kind": "call", "occurred_at": "2026-01-02T10:00:00Z"},
        headers=headers,
    )
    assert fine.status_code == 201
