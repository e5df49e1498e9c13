"""The MCP server over streamable HTTP, driven by the official SDK client."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select
from sqlalchemy.orm import Session

from mcp import Client, MCPError
from pingcrm.contacts import repository
from pingcrm.mcp.keys import revoke_key
from pingcrm.models import Interaction, Note, Suggestion, SuggestionStatus
from pingcrm.tags.service import tag_names_by_contact
from tests.fixtures.builders import create_contact
from tests.mcp.conftest import Person

READ_TOOLS = {
    "search_contacts",
    "get_contact",
    "get_interactions",
    "get_suggestions",
    "get_notifications",
    "get_dashboard_stats",
    "get_meeting_brief",
}
WRITE_TOOLS = {
    "log_interaction",
    "add_note",
    "snooze_suggestion",
    "dismiss_suggestion",
    "tag_contact",
}


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def with_client(url: str, key: str | None, body: Callable[[Client], Awaitable[Any]]) -> Any:
    """Connect with ``key`` as the bearer token and run ``body``."""

    async def main() -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(url + "/mcp", http_client=http)) as client,
        ):
            return await body(client)

    return anyio.run(main)


def call(url: str, key: str, tool: str, **arguments: Any) -> Any:
    async def body(client: Client) -> Any:
        return await client.call_tool(tool, arguments)

    return with_client(url, key, body)


def test_every_tool_is_listed(live_url: str, ada: Person) -> None:
    async def body(client: Client) -> Any:
        return await client.list_tools()

    tools = with_client(live_url, ada.key, body)
    assert {tool.name for tool in tools.tools} == READ_TOOLS | WRITE_TOOLS
    assert all(tool.description for tool in tools.tools)


def test_search_says_n_plus_when_the_total_is_capped(
    live_url: str, ada: Person, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "SEARCH_COUNT_CAP", 2)
    for index in range(4):
        create_contact(session, ada.user, f"Adamarker Twin{index}", commit=False)
    session.commit()

    found = text_of(call(live_url, ada.key, "search_contacts", query="adamarker", limit=3))

    assert found.startswith("2+ contacts found (showing 3):")


def test_read_tools_answer_from_the_database(live_url: str, ada: Person, eve: Person) -> None:
    found = text_of(call(live_url, ada.key, "search_contacts", query="lovelace"))
    assert found.startswith("1 contact found:")
    assert f"**Adamarker Lovelace** (id {ada.contact_id})" in found
    assert "#adamarker-tag" in found

    profile = text_of(call(live_url, ada.key, "get_contact", name="adamarker lovelac"))
    assert profile.startswith(f"# Adamarker Lovelace (id {ada.contact_id})")
    assert "- Company: Adamarker Engines" in profile
    assert "- email: adamarker@ex.com" in profile
    assert "Adamarker plans — lunch?" in profile

    timeline = text_of(call(live_url, ada.key, "get_interactions", contact_id=ada.contact_id))
    assert timeline.startswith(f"2 of 2 interactions of contact {ada.contact_id}")
    assert timeline.index("email ←") < timeline.index("email →")  # newest (inbound) first

    suggestions = text_of(call(live_url, ada.key, "get_suggestions"))
    assert f"Suggestion {ada.suggestion_id} [pending]: **Adamarker Lovelace**" in suggestions
    assert "Draft: Hi Adamarker!" in suggestions

    notes = text_of(call(live_url, ada.key, "get_notifications"))
    assert "**Adamarker import finished**: 12 contacts" in notes

    stats = text_of(call(live_url, ada.key, "get_dashboard_stats"))
    assert "- Contacts: 1" in stats
    assert "- Pending suggestions: 1" in stats
    assert "- Interactions in the last 7 days: 2" in stats

    brief = text_of(call(live_url, ada.key, "get_meeting_brief", contact_ids=[ada.contact_id]))
    assert f"## Adamarker Lovelace (id {ada.contact_id}) · Founder at Adamarker Engines" in brief
    assert "### Talking points (template)" in brief
    assert "Ask how things are going at Adamarker Engines as Founder." in brief


def test_write_tools_change_the_crm(live_url: str, ada: Person, session: Session) -> None:
    logged = text_of(
        call(
            live_url,
            ada.key,
            "log_interaction",
            contact_id=ada.contact_id,
            kind="call",
            summary="Talked about the Analytical Engine",
        )
    )
    assert logged.startswith("Logged: ")
    assert "Talked about the Analytical Engine" in logged
    noted = text_of(
        call(live_url, ada.key, "add_note", contact_id=ada.contact_id, text="Prefers mornings")
    )
    assert noted.startswith("Note ")
    tagged = text_of(call(live_url, ada.key, "tag_contact", contact_id=ada.contact_id, tag="VIP"))
    assert "#VIP" in tagged
    snoozed = text_of(
        call(live_url, ada.key, "snooze_suggestion", suggestion_id=ada.suggestion_id, duration="1m")
    )
    assert snoozed.startswith(f"Suggestion {ada.suggestion_id} snoozed for 1 month")

    session.expire_all()
    assert session.execute(select(Note.body)).scalars().all() == ["Prefers mornings"]
    assert (
        "Talked about the Analytical Engine"
        in session.execute(
            select(Interaction.preview).where(Interaction.kind == "call")
        ).scalar_one()
    )
    assert "VIP" in tag_names_by_contact(session, [ada.contact_id])[ada.contact_id]
    assert session.get(Suggestion, ada.suggestion_id).status == (  # type: ignore[union-attr]
        SuggestionStatus.SNOOZED
    )

    call(live_url, ada.key, "dismiss_suggestion", suggestion_id=ada.suggestion_id)
    session.expire_all()
    assert session.get(Suggestion, ada.suggestion_id).status == (  # type: ignore[union-attr]
        SuggestionStatus.DISMISSED
    )


def test_a_read_only_key_is_refused_on_write_tools(
    live_url: str, eve: Person, session: Session
) -> None:
    for tool, arguments in (
        ("add_note", {"contact_id": eve.contact_id, "text": "x"}),
        ("tag_contact", {"contact_id": eve.contact_id, "tag": "x"}),
        ("dismiss_suggestion", {"suggestion_id": eve.suggestion_id}),
    ):
        result = call(live_url, eve.key, tool, **arguments)
        assert result.is_error
        assert "This MCP key is read-only." in text_of(result)
    session.expire_all()
    assert session.execute(select(Note)).first() is None


def test_bad_input_gives_a_clear_tool_error(live_url: str, ada: Person) -> None:
    unknown = call(live_url, ada.key, "get_contact", contact_id=999_999)
    assert unknown.is_error
    assert text_of(unknown) == "Error executing tool get_contact: This contact does not exist."
    long_query = call(live_url, ada.key, "search_contacts", query="x" * 500)
    assert long_query.is_error
    assert "Traceback" not in text_of(long_query)
    assert "200" in text_of(long_query)
    neither = call(live_url, ada.key, "get_contact")
    assert text_of(neither).endswith("Give a contact_id or a name.")


@pytest.mark.parametrize("key", [None, "pingcrm_wrong", "not-even-a-key"])
def test_missing_and_wrong_keys_are_refused(live_url: str, ada: Person, key: str | None) -> None:
    async def body(client: Client) -> Any:
        return await client.list_tools()

    with pytest.raises(BaseExceptionGroup) as caught:
        with_client(live_url, key, body)
    assert any(isinstance(e, MCPError) for e in leaves(caught.value))
    response = httpx2.post(
        live_url + "/mcp", json={}, headers=({"Authorization": f"Bearer {key}"} if key else {})
    )
    assert response.status_code == 401
    assert "missing, wrong or revoked" in response.json()["error"]["message"]


def test_revoking_stops_a_connected_client(live_url: str, ada: Person, session: Session) -> None:
    async def body(client: Client) -> tuple[str, Exception | str]:
        first = text_of(await client.call_tool("get_dashboard_stats", {}))
        with session.begin():
            revoke_key(session, ada.user.id)
        try:
            second: Exception | str = text_of(await client.call_tool("get_dashboard_stats", {}))
        except Exception as exc:
            second = exc
        return first, second

    first, second = with_client(live_url, ada.key, body)
    assert "- Contacts: 1" in first
    assert isinstance(second, BaseException)
    assert any(isinstance(e, MCPError) for e in leaves(second))


def test_two_users_at_once_never_see_each_other(live_url: str, ada: Person, eve: Person) -> None:
    async def user_calls(person: Person, other: Person, seen: list[str]) -> None:
        async with (
            httpx2.AsyncClient(
                headers={"Authorization": f"Bearer {person.key}"}, timeout=30
            ) as http,
            Client(streamable_http_client(live_url + "/mcp", http_client=http)) as client,
        ):
            for _ in range(8):
                for tool, args in (
                    ("search_contacts", {"query": "lovelace"}),
                    ("get_suggestions", {}),
                    ("get_notifications", {"unread_only": False}),
                ):
                    seen.append(text_of(await client.call_tool(tool, args)))
            stolen = await client.call_tool("get_contact", {"contact_id": other.contact_id})
            seen.append(text_of(stolen))

    async def main() -> tuple[list[str], list[str]]:
        ada_seen: list[str] = []
        eve_seen: list[str] = []
        async with anyio.create_task_group() as group:
            group.start_soon(user_calls, ada, eve, ada_seen)
            group.start_soon(user_calls, eve, ada, eve_seen)
        return ada_seen, eve_seen

    ada_seen, eve_seen = anyio.run(main)
    assert len(ada_seen) == len(eve_seen) == 25
    assert all("Evemarker" not in text for text in ada_seen)
    assert all("Adamarker" not in text for text in eve_seen)
    assert sum("Adamarker Lovelace" in text for text in ada_seen) >= 16
    assert (
        ada_seen[-1]
        == eve_seen[-1]
        == ("Error executing tool get_contact: This contact does not exist.")
    )


def test_the_web_server_loads_the_mcp_sdk_only_when_mcp_is_used(tmp_path: Path) -> None:
    """The SDK costs the web process about 20 MB: a server that answers pages but no MCP
    request never imports it; the first request to ``/mcp`` does, and is answered."""
    script = f"""
import sys
from fastapi.testclient import TestClient
from pingcrm.app import create_app
from pingcrm.config import load_settings
from pingcrm.db import make_engine
from pingcrm.migrate import upgrade

settings = load_settings(data_dir={str(tmp_path)!r})
upgrade(make_engine(settings.resolved_database_url))
with TestClient(create_app(settings)) as client:
    assert client.get("/api/health").status_code == 200
    print("after a page:", "mcp.server" in sys.modules)
    response = client.post("/mcp", json={{}})
    print("after /mcp:", "mcp.server" in sys.modules, response.status_code)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["after a page: False", "after /mcp: True 401"]
