"""Pairing an extension the way the popup and the user do it, over HTTP."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from pingcrm.linkedin.pairing import ALPHABET
from tests.fixtures.builders import api_token


def new_code() -> str:
    return "PING-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def pair_extension(
    client: TestClient, email: str = "ada@example.com", code: str | None = None
) -> dict[str, str]:
    """Register a code (popup), claim it (user, API token), poll the token (popup);
    returns the extension's Authorization header."""
    code = code or new_code()
    assert client.post("/api/v1/extension/pairings", json={"code": code}).status_code == 201
    claimed = client.post(
        "/api/v1/linkedin/pair", json={"code": code}, headers=api_token(client, email)
    )
    assert claimed.status_code == 200, claimed.text
    polled = client.get(f"/api/v1/extension/pairings/{code}")
    assert polled.status_code == 200, polled.text
    data = polled.json()["data"]
    assert data["status"] == "paired"
    return {"Authorization": f"Bearer {data['token']}"}


def contact(member: str, first: str = "Ada", last: str = "Lovelace", **extra: str) -> dict:
    return {
        "member_urn": f"urn:li:fsd_profile:{member}",
        "public_id": extra.pop("public_id", f"{first}-{last}-{member}".lower()),
        "first_name": first,
        "last_name": last,
        **extra,
    }


def message(member: str, n: int, *, direction: str = "inbound", when: str | None = None) -> dict:
    return {
        "conversation_urn": f"urn:li:msg_conversation:(urn:li:fsd_profile:ME,2-{member})",
        "message_urn": f"urn:li:msg_message:(urn:li:fsd_profile:ME,2-{member}-{n})",
        "member_urn": f"urn:li:fsd_profile:{member}",
        "direction": direction,
        "occurred_at": when or f"2026-11-{1 + n % 28:02d}T10:00:00Z",
        "text": f"Message {n} with {member}",
    }
