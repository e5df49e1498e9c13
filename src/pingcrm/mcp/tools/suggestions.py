"""Suggestion tools: get_suggestions, snooze_suggestion, dismiss_suggestion."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from pydantic import Field
from sqlalchemy.orm import Session

from pingcrm.kit.pagination import PageRequest
from pingcrm.mcp.formatting import empty
from pingcrm.mcp.keys import McpCaller
from pingcrm.mcp.toolkit import ToolKit
from pingcrm.suggestions import service
from pingcrm.suggestions.rules import SNOOZE_LABELS

SuggestionId = Annotated[int, Field(ge=1, le=2_147_483_647, description="A suggestion id")]


def register(server: MCPServer, kit: ToolKit) -> None:
    @server.tool(
        description="Who the user should reach out to, best first: reason, the "
        "drafted message and channel, with suggestion and contact ids."
    )
    def get_suggestions(
        ctx: Context[Any, Any],
        status: Literal["pending", "snoozed", "dismissed", "done", "all"] = "pending",
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            page = service.list_suggestions(
                session, caller.user_id, PageRequest(limit), status=service.parse_status(status)
            )
            if not page.items:
                return empty(f"{status} suggestions" if status != "all" else "suggestions")
            lines = [f"{page.total} {status} suggestion{'s' if page.total != 1 else ''}:"]
            for view in page.items:
                s, c = view.suggestion, view.contact
                lines.append(
                    f"- Suggestion {s.id} [{s.status}]: **{c.full_name}** (contact "
                    f"{c.id}), score {c.score}, via {s.channel}. {s.reason}\n"
                    f"  Draft: {s.message}"
                )
            return "\n".join(lines)

        return kit.run(ctx, action)

    @server.tool(
        description="Snooze a suggestion for 2 weeks (2w), 1 month (1m) or 3 months "
        "(3m) (needs a key that allows changes)."
    )
    def snooze_suggestion(
        ctx: Context[Any, Any],
        suggestion_id: SuggestionId,
        duration: Literal["2w", "1m", "3m"] = "2w",
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            snoozed = service.snooze(session, caller.user_id, suggestion_id, duration)
            until = snoozed.snoozed_until
            return (
                f"Suggestion {suggestion_id} snoozed for {SNOOZE_LABELS[duration]}"
                f"{f', until {until:%Y-%m-%d}' if until else ''}."
            )

        return kit.run(ctx, action, write=True)

    @server.tool(description="Dismiss a suggestion (needs a key that allows changes).")
    def dismiss_suggestion(ctx: Context[Any, Any], suggestion_id: SuggestionId) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            service.dismiss(session, caller.user_id, suggestion_id)
            return f"Suggestion {suggestion_id} dismissed."

        return kit.run(ctx, action, write=True)
