"""Concise Markdown for a language model, always with ids for follow-up calls."""

from __future__ import annotations

from pingcrm.contacts.schemas import ContactOut
from pingcrm.models import Interaction, Notification
from pingcrm.scoring.rules import tier_for

ARROWS = {"inbound": "←", "outbound": "→", "mutual": "↔"}


def contact_line(contact: ContactOut) -> str:
    """``- **Ada Lovelace** (id 12) · CTO at Acme · score 7 Strong · #vip``"""
    role = " at ".join(p for p in (contact.title, contact.company) if p)
    parts = [f"- **{contact.full_name}** (id {contact.id})"]
    if role:
        parts.append(role)
    parts.append(f"score {contact.score} {tier_for(contact.score).value.capitalize()}")
    if contact.last_interaction_at:
        parts.append(f"last contact {contact.last_interaction_at:%Y-%m-%d}")
    tag_text = " ".join(f"#{t}" for t in contact.tags)
    if tag_text:
        parts.append(tag_text)
    return " · ".join(parts)


def interaction_line(interaction: Interaction) -> str:
    """``- 2026-03-01 email → Subject — snippet (interaction 99)``"""
    arrow = ARROWS.get(str(interaction.direction), "")
    return (
        f"- {interaction.occurred_at:%Y-%m-%d %H:%M} {interaction.platform} {arrow} "
        f"{interaction.preview or '(no preview)'} (interaction {interaction.id})"
    )


def notification_line(notification: Notification) -> str:
    state = "unread" if not notification.is_read else "read"
    body = f": {notification.body}" if notification.body else ""
    return (
        f"- [{state}] {notification.created_at:%Y-%m-%d %H:%M} **{notification.title}**"
        f"{body} (notification {notification.id})"
    )


def empty(what: str) -> str:
    return f"No {what} found."
