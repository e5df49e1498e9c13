"""``pingcrm mcp [--key K]``: the MCP server over stdio for clients that start a process."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from pingcrm.cli import app, fail, session_factory


@app.command("mcp")
def mcp_stdio(
    key: Annotated[
        str | None, typer.Option(help="MCP key from Settings → MCP access (or PINGCRM_MCP_KEY).")
    ] = None,
) -> None:
    """Serve the MCP tools over stdin/stdout (Claude Desktop, Cursor, VS Code)."""
    from pingcrm.config import get_settings
    from pingcrm.db import transaction
    from pingcrm.mcp.keys import authenticate
    from pingcrm.mcp.server import build_server
    from pingcrm.mcp.stdio import run_stdio

    key = key or os.environ.get("PINGCRM_MCP_KEY")
    settings = get_settings()
    factory = session_factory()
    with transaction(factory) as session:
        if authenticate(session, settings, key) is None:
            raise fail(
                "The MCP key is missing, wrong or revoked. Generate one in "
                "Settings → MCP access, then pass --key or set PINGCRM_MCP_KEY."
            )
    # Each tool call checks the key again, so revoking it stops this process's access too.
    # At the end of stdin the calls already received are answered before the process exits.
    run_stdio(build_server(settings, factory, stdio_key=key))
