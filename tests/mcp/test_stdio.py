"""``pingcrm mcp`` over stdio, driven by the official SDK client as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
from mcp.client.stdio import StdioServerParameters

from mcp import Client
from pingcrm.config import Settings
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
