"""The attendee brief shared by the meeting-prep email and the MCP ``get_meeting_brief``
tool: profile, tier, bios, the last interactions across platforms and 3-5 talking points
(from the user's model when configured, from templates otherwise)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from pingcrm.errors import NotFound
from pingcrm.llm.base import LLMClient, LLMError
from pingcrm.meeting_prep import repository
from pingcrm.models import Contact, DetectedEvent, Interaction
from pingcrm.scoring.rules import tier_for
from pingcrm.suggestions.drafts import unsupported_facts
from pingcrm.suggestions.repository import recent_interactions

RECENT = 5
UPCOMING_SLACK = 5
MIN_POINTS, MAX_POINTS = 3, 5
POINTS_PROMPT = (
    "You prepare someone for a meeting. From the facts about the attendee, write 3 to 5 "
    "specific, actionable talking points, each one short sentence. Use only the facts given; "
    'never invent anything. Answer with JSON only: {"points": ["...", "..."]}'
)


@dataclass(frozen=True)
class AttendeeBrief:
    contact: Contact
    tier: str
    bios: dict[str, str]
    recent: list[Interaction]
    events: list[DetectedEvent]
    talking_points: list[str]
    points_source: str

    def facts(self) -> str:
        """The attendee's facts as text (the model's context)."""
        c = self.contact
        lines = [
            f"Name: {c.full_name}",
            f"Title: {c.title or 'unknown'}",
            f"Company: {c.company or 'unknown'}",
            f"Relationship: {self.tier}",
        ]
        lines += [f"{platform} bio: {bio}" for platform, bio in self.bios.items()]
        lines += [f"Recent news: {e.summary}" for e in self.events]
        lines += [
            f"{i.occurred_at:%Y-%m-%d} {i.platform} {i.direction}: {i.preview[:200]}"
            for i in self.recent
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class MeetingBrief:
    title: str
    attendees: list[AttendeeBrief] = field(default_factory=list)


def _bios(contact: Contact) -> dict[str, str]:
    pairs = (
        ("LinkedIn", contact.linkedin_headline),
        ("Twitter", contact.twitter_bio),
        ("Telegram", contact.telegram_bio),
    )
    return {name: bio for name, bio in pairs if bio}


def template_points(
    contact: Contact,
    recent: list[Interaction],
    events: list[DetectedEvent],
    bios: dict[str, str],
    now: datetime,
) -> list[str]:
    """Talking points from the facts alone."""
    first = contact.given_name or contact.full_name.split(" ")[0]
    points: list[str] = []
    for event in events[:1]:
        points.append(f"Congratulate {first} on the news: {event.summary}.")
    if recent:
        last = recent[0]
        days = max(0, (now - last.occurred_at).days)
        topic = last.subject or last.preview[:80]
        points.append(
            f"Follow up on your last exchange ({days} days ago, {last.platform}): “{topic}”."
        )
    if contact.company:
        role = f" as {contact.title}" if contact.title else ""
        points.append(f"Ask how things are going at {contact.company}{role}.")
    for platform, bio in list(bios.items())[:1]:
        points.append(f"Their {platform} bio says “{bio[:120]}”: a natural opener.")
    if recent and all(i.direction == "outbound" for i in recent):
        points.append("They have not written back lately: keep it light and ask an open question.")
    if len(points) < MIN_POINTS:
        points.append(f"Ask {first} what they are focused on right now and how you can help.")
    if len(points) < MIN_POINTS:
        points.append("Agree on a concrete next step before you part.")
    return points[:MAX_POINTS]


def _model_points(client: LLMClient, facts: str) -> list[str]:
    answer = client.complete(system=POINTS_PROMPT, prompt=facts, max_tokens=500)
    body = answer.text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.DOTALL)
    data = json.loads(fenced.group(1) if fenced else body)
    points = [" ".join(str(p).split()) for p in data.get("points", []) if str(p).strip()]
    if not MIN_POINTS <= len(points) <= MAX_POINTS or any(len(p) > 300 for p in points):
        raise ValueError("the answer did not have 3-5 short points")
    invented = [w for p in points for w in unsupported_facts(p, facts)]
    if invented:
        raise ValueError(f"the points named facts not in the context: {', '.join(invented[:5])}")
    return points


def brief_for_contacts(
    session: Session,
    user_id: int,
    contact_ids: list[int],
    now: datetime,
    client: LLMClient | None,
    title: str = "Meeting",
) -> MeetingBrief:
    """A brief for these contacts of ``user_id`` (404 if one is not theirs)."""
    contacts = repository.contacts_by_id(session, user_id, contact_ids)
    missing = [cid for cid in contact_ids if cid not in contacts]
    if missing:
        raise NotFound(f"Contact {missing[0]} does not exist.")
    # Read a few more than shown: upcoming meetings are among the newest rows.
    history = recent_interactions(session, contact_ids, per_contact=RECENT + UPCOMING_SLACK)
    news = repository.detected_events_by_contact(session, contact_ids)
    attendees: list[AttendeeBrief] = []
    for contact_id in contact_ids:
        contact = contacts[contact_id]
        recent = [i for i in history.get(contact_id, []) if i.occurred_at <= now][:RECENT]
        events = news.get(contact_id, [])[:2]
        bios = _bios(contact)
        draft = AttendeeBrief(
            contact,
            tier_for(contact.score).value.capitalize(),
            bios,
            recent,
            events,
            template_points(contact, recent, events, bios, now),
            "template",
        )
        if client is not None:
            try:
                points = _model_points(client, draft.facts())
                draft = AttendeeBrief(
                    contact, draft.tier, bios, recent, events, points, client.model
                )
            except (LLMError, ValueError, AttributeError, TypeError):
                pass
        attendees.append(draft)
    return MeetingBrief(title=title, attendees=attendees)
