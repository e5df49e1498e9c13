"""Contact tools: search_contacts, get_contact, tag_contact, add_note."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field
from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactListQuery, ContactOut
from pingcrm.interactions import service as interactions
from pingcrm.kit.pagination import PageRequest
from pingcrm.mcp.formatting import contact_line, empty, interaction_line
from pingcrm.mcp.keys import McpCaller
from pingcrm.mcp.toolkit import ToolKit
from pingcrm.notes import service as notes

ContactId = Annotated[int, Field(ge=1, le=2_147_483_647, description="A contact id")]
Query = Annotated[str, Field(max_length=200, description="Words to search for")]
FUZZY_MIN_SCORE = 70
FUZZY_CANDIDATES = 200


def find_by_name(session: Session, user_id: int, name: str) -> ContactOut:
    """The contact whose name best matches ``name`` (typos and word order forgiven)."""
    words = [w for w in name.split() if len(w) > 1] or [name]
    candidates: dict[int, ContactOut] = {}
    for word in [name, *words]:
        page = contacts.list_contacts(
            session,
            user_id,
            ContactListQuery(q=word, show_archived=True, show_second_tier=True),
            PageRequest(FUZZY_CANDIDATES),
        )
        candidates.update({c.id: c for c in page.items})
        if candidates and word == name:
            break
    if not candidates:
        raise ToolError(f"No contact matches the name “{name}”. Try search_contacts.")
    best = process.extractOne(
        name, {cid: c.full_name for cid, c in candidates.items()}, scorer=fuzz.WRatio
    )
    if best is None or best[1] < FUZZY_MIN_SCORE:
        raise ToolError(f"No contact matches the name “{name}” closely. Try search_contacts.")
    return candidates[best[2]]


def describe_contact(session: Session, caller: McpCaller, contact_id: int) -> str:
    """The full profile of one contact as Markdown."""
    contact = contacts.get_contact(session, caller.user_id, contact_id)
    lines = [f"# {contact.full_name} (id {contact.id})"]
    facts = {
        "Title": contact.title,
        "Company": contact.company,
        "Location": contact.location,
        "Priority": str(contact.priority),
        "Birthday": (contact.birthday.isoformat() if contact.birthday else None),
        "Relationship": f"{contact.score}/10 ({contacts.score_why(contact)})",
        "Interactions": f"{contact.interaction_count}"
        + (f", last {contact.last_interaction_at:%Y-%m-%d}" if contact.last_interaction_at else ""),
        "LinkedIn headline": contact.linkedin_headline,
        "Twitter bio": contact.twitter_bio,
        "Telegram bio": contact.telegram_bio,
    }
    lines += [f"- {label}: {value}" for label, value in facts.items() if value]
    for identifier in contact.identifiers:
        lines.append(f"- {identifier.kind.value.replace('_', ' ')}: {identifier.display_value}")
    if contact.tags:
        lines.append("- Tags: " + " ".join(f"#{t.name}" for t in contact.tags))
    recent = interactions.timeline(session, caller.user_id, contact.id, PageRequest(5))
    lines.append("\n## Latest interactions")
    lines += [interaction_line(i) for i in recent.items] or ["- none yet"]
    written = notes.list_notes(session, caller.user_id, contact.id)[:5]
    if written:
        lines.append("\n## Notes")
        lines += [f"- {n.created_at:%Y-%m-%d}: {n.body[:300]} (note {n.id})" for n in written]
    return "\n".join(lines)


def register(server: MCPServer, kit: ToolKit) -> None:
    @server.tool(
        description="Search the user's contacts by words (names, emails, companies, "
        "titles, handles, tags, notes, message previews) and filters. Returns one "
        "line per contact with its id."
    )
    def search_contacts(
        ctx: Context[Any, Any],
        query: Query | None = None,
        tag: Annotated[str, Field(max_length=100)] | None = None,
        score_tier: Literal["strong", "warm", "cold"] | None = None,
        priority: Literal["high", "medium", "low", "archived"] | None = None,
        platform: Literal["email", "telegram", "twitter", "linkedin", "meeting", "manual"]
        | None = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            filters = ContactListQuery.model_validate(
                {
                    "q": query,
                    "tag": tag,
                    "tier": score_tier,
                    "priority": priority,
                    "platform": platform,
                    "sort": "-score" if not query else "name",
                    "show_archived": priority == "archived",
                }
            )
            page = contacts.list_contacts(session, caller.user_id, filters, PageRequest(limit))
            if not page.items:
                return empty("contacts")
            total = f"{page.total:,}+" if page.total_capped else str(page.total)
            header = f"{total} contact{'s' if page.total != 1 else ''} found"
            more = page.total_capped or page.total > len(page.items)
            shown = f" (showing {len(page.items)})" if more else ""
            return "\n".join([header + shown + ":", *[contact_line(c) for c in page.items]])

        return kit.run(ctx, action)

    @server.tool(
        description="Everything about one contact: profile, scores, identifiers, "
        "tags, latest interactions and notes. Give its id, or a name to look up."
    )
    def get_contact(
        ctx: Context[Any, Any],
        contact_id: ContactId | None = None,
        name: Annotated[str, Field(max_length=200)] | None = None,
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            if contact_id is not None:
                return describe_contact(session, caller, contact_id)
            if name and name.strip():
                return describe_contact(
                    session, caller, find_by_name(session, caller.user_id, name.strip()).id
                )
            raise ToolError("Give a contact_id or a name.")

        return kit.run(ctx, action)

    @server.tool(description="Add a tag to a contact (needs a key that allows changes).")
    def tag_contact(
        ctx: Context[Any, Any],
        contact_id: ContactId,
        tag: Annotated[str, Field(min_length=1, max_length=100)],
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            contact = contacts.add_tag(session, caller.user_id, contact_id, tag)
            return (
                f"Tagged {contact.full_name} (id {contact.id}) with #{tag.strip()}. Tags "
                f"now: {' '.join('#' + t.name for t in contact.tags)}"
            )

        return kit.run(ctx, action, write=True)

    @server.tool(description="Write a note on a contact (needs a key that allows changes).")
    def add_note(
        ctx: Context[Any, Any],
        contact_id: ContactId,
        text: Annotated[str, Field(min_length=1, max_length=10_000)],
    ) -> str:
        def action(session: Session, caller: McpCaller) -> str:
            note = notes.add_note(session, caller.user_id, contact_id, text)
            return f"Note {note.id} added to contact {contact_id}."

        return kit.run(ctx, action, write=True)
