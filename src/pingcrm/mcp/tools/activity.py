"""Activity tools: get_interactions, log_interaction, get_notifications,
get_dashboard_stats, get_meeting_brief."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AwareDatetime, Field
from sqlalchemy.orm import Session

from pingcrm.dashboard.service import get_dashboard
from pingcrm.interactions import service as interactions
from pingcrm.interactions.schemas import InteractionCreate
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import PageRequest
from pingcrm.llm.service import client_for_user
from pingcrm.mcp.formatting import empty, interaction_line, notification_line
from pingcrm.mcp.keys import McpCaller
from pingcrm.mcp.toolkit import ToolKit
from pingcrm.mcp.tools.contacts import ContactId, find_by_name
from pingcrm.meeting_prep.brief import MeetingBrief, brief_for_contacts
from pingcrm.meeting_prep.email import local_time
from pingcrm.meeting_prep.service import EventBrief, brief_for_event_id
from pingcrm.models import InteractionKind, Platform
from pingcrm.notifications import service as notifications

KIND_PLATFORM = {
    "call": (InteractionKind.CALL, Platform.MANUAL),
    "meeting": (InteractionKind.MEETING, Platform.MEETING),
    "message": (InteractionKind.MESSAGE, Platform.MANUAL),
    "email": (InteractionKind.EMAIL, Platform.EMAIL),
}


def brief_markdown(brief: MeetingBrief) -> str:
    """A meeting brief as Markdown."""
    lines = [f"# Brief: {brief.title}"]
    for attendee in brief.attendees:
        c = attendee.contact
        role = " at ".join(p for p in (c.title, c.company) if p)
        lines.append(f"\n## {c.full_name} (id {c.id}){' · ' + role if role else ''}")
        lines.append(f"- Relationship: {attendee.tier} (score {c.score}/10)")
        lines += [f"- {platform} bio: {bio}" for platform, bio in attendee.bios.items()]
        lines += [f"- News: {event.summary}" for event in attendee.events]
        lines.append("### Recent interactions")
        lines += [interaction_line(i) for i in attendee.recent] or ["- none yet"]
        lines.append(f"### Talking points ({attendee.points_source})")
        lines += [f"{n}. {point}" for n, point in enumerate(attendee.talking_points, 1)]
    return "\n".join(lines)


def event_markdown(built: EventBrief) -> str:
    """The brief of a calendar event as Markdown: when, the attendees' briefs, guests."""
    event = built.event
    start, zone = local_time(event.starts_at, event.time_zone)
    lines = [
        brief_markdown(built.brief),
        "",
        f"Event {event.event_id}: starts {start:%Y-%m-%d %H:%M} ({zone}), "
        f"{len(event.attendees)} other attendee{'s' if len(event.attendees) != 1 else ''}.",
    ]
    if built.guests:
        lines.append("\n## Also attending")
        lines += [f"- {g.name} <{g.email}>" if g.name else f"- {g.email}" for g in built.guests]
    return "\n".join(lines)


def register(server: MCPServer, kit: ToolKit) -> None:
    @server.tool(
        description="A contact's interactions (emails, messages, meetings, calls), "
        "newest first, optionally on one platform."
    )
    def get_interactions(
        ctx: Context[Any, Any],
        contact_id: ContactId,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        platform: Literal["email", "telegram", "twitter", "linkedin", "meeting", "manual"]
        | None = None,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            # Filtering by platform reads a wider window, then keeps the matches.
            window = PageRequest(limit if platform is None else 200)
            page = interactions.timeline(session, caller.user_id, contact_id, window)
            items = [i for i in page.items if platform is None or i.platform == platform][:limit]
            if not items:
                return empty("interactions")
            return "\n".join(
                [
                    f"{len(items)} of {page.total} interactions of contact "
                    f"{contact_id}, newest first:",
                    *map(interaction_line, items),
                ]
            )

        return kit.run(ctx, action)

    @server.tool(
        description="Log a call, meeting, message or email with a contact on their "
        "timeline (needs a key that allows changes)."
    )
    def log_interaction(
        ctx: Context[Any, Any],
        contact_id: ContactId,
        kind: Literal["call", "meeting", "message", "email"],
        summary: Annotated[str, Field(min_length=1, max_length=2000)],
        direction: Literal["inbound", "outbound", "mutual"] = "mutual",
        occurred_at: Annotated[
            AwareDatetime | None, Field(description="ISO 8601 with a UTC offset; now when omitted")
        ] = None,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            interaction_kind, platform = KIND_PLATFORM[kind]
            if occurred_at is not None and occurred_at > utcnow():
                raise ToolError("occurred_at is in the future.")
            logged = interactions.log_interaction(
                session,
                caller.user_id,
                InteractionCreate(
                    contact_id=contact_id,
                    platform=platform,
                    kind=interaction_kind,
                    direction=direction,
                    occurred_at=occurred_at,
                    summary=summary,
                ),
            )
            return f"Logged: {interaction_line(logged)[2:]}"

        return kit.run(ctx, action, write=True)

    @server.tool(
        description="The user's notifications (sync results, errors, new "
        "suggestions), newest first."
    )
    def get_notifications(
        ctx: Context[Any, Any],
        unread_only: bool = True,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            page = notifications.list_notifications(
                session, caller.user_id, PageRequest(limit), unread_only=unread_only
            )
            if not page.items:
                return empty("unread notifications" if unread_only else "notifications")
            return "\n".join(
                [
                    f"{page.total} notification{'s' if page.total != 1 else ''}:",
                    *map(notification_line, page.items),
                ]
            )

        return kit.run(ctx, action)

    @server.tool(
        description="Totals of the CRM: contacts, Strong/Warm/Cold tiers, pending "
        "suggestions, interactions in the last 7 days, birthdays ahead."
    )
    def get_dashboard_stats(ctx: Context[Any, Any]) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            d = get_dashboard(session, caller.user_id)
            lines = [
                "# Dashboard",
                f"- Contacts: {d.counts.total}",
                f"- Strong: {d.counts.strong} · Warm: {d.counts.warm} · Cold: {d.counts.cold}",
                f"- Pending suggestions: {d.pending_suggestions}",
                f"- Interactions in the last 7 days: {d.interactions_last_7_days}",
            ]
            lines += [
                f"- Birthday: {b.full_name} (id {b.contact_id}) on {b.on:%d %B}, in "
                f"{b.days_away} days"
                for b in d.birthdays
            ]
            lines += [
                f"- Going cold (high priority): {a.full_name} (id {a.id}), score {a.score}"
                for a in d.attention[:5]
            ]
            return "\n".join(lines)

        return kit.run(ctx, action)

    @server.tool(
        description="A meeting brief for one or more contacts: profile, "
        "relationship tier, bios, recent interactions and 3-5 talking points (the "
        "same brief as the meeting-prep email). Give contact_ids or a name."
    )
    def get_meeting_brief(
        ctx: Context[Any, Any],
        contact_ids: Annotated[list[ContactId], Field(max_length=20)] | None = None,
        name: Annotated[str, Field(max_length=200)] | None = None,
        event_id: Annotated[str, Field(max_length=255)] | None = None,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            if event_id:
                return event_markdown(
                    brief_for_event_id(session, kit.settings, caller.user_id, event_id)
                )
            ids = list(contact_ids or [])
            if name and name.strip():
                ids.append(find_by_name(session, caller.user_id, name.strip()).id)
            if not ids:
                raise ToolError("Give contact_ids or a name.")
            client = client_for_user(session, kit.settings, caller.user_id)
            now: datetime = utcnow()
            brief = brief_for_contacts(
                session, caller.user_id, list(dict.fromkeys(ids)), now, client
            )
            return brief_markdown(brief)

        return kit.run(ctx, action)
