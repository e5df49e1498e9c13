"""``pingcrm mcp`` over stdio, driven by the official SDK client as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
from mcp.client.stdio import StdioServerParameters
from mcp.shared.message import SessionMessage
from mcp_types import JSONRPCNotification, JSONRPCRequest

from mcp import Client
from pingcrm.config import Settings
from pingcrm.mcp.stdio import DrainingReadStream, InFlight
from tests.mcp.conftest import Person
from tests.mcp.test_http import text_of


def server_params(settings: Settings, database_url: str, key: str | None) -> StdioServerParameters:
    env = {
        "PINGCRM_DATABASE_URL": database_url,
        "PINGCRM_DATA_DIR": str(settings.data_dir),
        "PINGCRM_SECRET_KEY": settings.secret_key,
        "PINGCRM_ENCRYPTION_KEYS": settings.encryption_keys,
        "PINGCRM_MCP_HMAC_SECRET": settings.mcp_hmac_secret,
        "PINGCRM_LOG_LEVEL": "WARNING",
        "PATH": os.environ.get("PATH", ""),
    }
    if key is not None:
        env["PINGCRM_MCP_KEY"] = key
    pingcrm = str(Path(sys.executable).with_name("pingcrm"))
    return StdioServerParameters(command=pingcrm, args=["mcp"], env=env)


def test_stdio_lists_and_calls_tools_for_the_keys_owner(
    settings: Settings, database_url: str, ada: Person, eve: Person
) -> None:
    async def main() -> tuple[set[str], str, str]:
        async with Client(server_params(settings, database_url, ada.key)) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            found = text_of(await client.call_tool("search_contacts", {"query": "lovelace"}))
            stolen = text_of(await client.call_tool("get_contact", {"contact_id": eve.contact_id}))
            return tools, found, stolen

    tools, found, stolen = anyio.run(main)
    assert {"search_contacts", "get_meeting_brief", "tag_contact"} <= tools
    assert f"**Adamarker Lovelace** (id {ada.contact_id})" in found
    assert "Evemarker" not in found
    assert stolen.endswith("This contact does not exist.")


def test_stdio_refuses_a_wrong_key_before_serving(
    settings: Settings, database_url: str, ada: Person
) -> None:
    params = server_params(settings, database_url, "pingcrm_wrong")
    result = subprocess.run(
        [params.command, *params.args],
        env=params.env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "The MCP key is missing, wrong or revoked." in result.stderr


def test_stdio_answers_the_calls_it_received_before_stdin_ended(
    settings: Settings, database_url: str, ada: Person
) -> None:
    """A client that writes its calls and closes stdin at once still gets every answer
    (the SDK alone would cancel them with "Connection closed")."""
    params = server_params(settings, database_url, ada.key)
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "pipe", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
    ]
    calls = {
        1: ("get_contact", {"contact_id": ada.contact_id}),
        2: ("search_contacts", {"query": "lovelace"}),
        3: ("get_contact", {"name": "Adamarker Lovelace"}),
        4: ("search_contacts", {"query": "adamarker engines"}),
        5: ("get_contact", {"contact_id": ada.contact_id}),
    }
    messages += [
        {
            "jsonrpc": "2.0",
            "id": call_id,
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments},
        }
        for call_id, (name, arguments) in calls.items()
    ]
    # All requests written, then stdin closed right away (end of input).
    result = subprocess.run(
        [params.command, *params.args],
        env=params.env,
        input="".join(json.dumps(message) + "\n" for message in messages),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = {
        answer["id"]: answer
        for answer in map(json.loads, result.stdout.splitlines())
        if "id" in answer
    }
    assert set(answers) == {0, *calls}, result.stdout[-3000:]
    for call_id in calls:
        assert "error" not in answers[call_id], answers[call_id]
        text = answers[call_id]["result"]["content"][0]["text"]
        assert answers[call_id]["result"].get("isError") is not True, text
        assert "Adamarker Lovelace" in text


def test_end_of_input_does_not_wait_for_a_call_the_client_cancelled() -> None:
    """A request the client cancelled is never answered, so it holds nothing up."""

    async def main() -> list[str]:
        send, receive = anyio.create_memory_object_stream[SessionMessage | Exception](10)
        stream = DrainingReadStream(receive, InFlight(), drain_seconds=600)
        await send.send(
            SessionMessage(JSONRPCRequest(jsonrpc="2.0", id=7, method="tools/call", params={}))
        )
        await send.send(
            SessionMessage(
                JSONRPCNotification(
                    jsonrpc="2.0", method="notifications/cancelled", params={"requestId": 7}
                )
            )
        )
        await send.aclose()
        seen: list[str] = []
        with anyio.fail_after(10):
            async for item in stream:
                assert isinstance(item, SessionMessage)
                seen.append(getattr(item.message, "method", ""))
        return seen

    assert anyio.run(main) == ["tools/call", "notifications/cancelled"]
