"""MCP tools, one module per domain, each thin over the services the web app uses."""

from __future__ import annotations

from mcp.server import MCPServer

from pingcrm.mcp.toolkit import ToolKit
from pingcrm.mcp.tools import activity, contacts, suggestions


def register_all(server: MCPServer, kit: ToolKit) -> None:
    """Register every tool on ``server``."""
    contacts.register(server, kit)
    activity.register(server, kit)
    suggestions.register(server, kit)
