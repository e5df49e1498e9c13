"""Suggestion use cases shared by the page, the API, the jobs, the CLI and MCP."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session, selectinload

from pingcrm.config import Settings
from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import Page, PageRequest
from pingcrm.llm.service import client_for_user
from pingcrm.models import Contact, NotificationKind, Suggestion, SuggestionStatus
from pingcrm.notifications.service import notify
from pingcrm.suggestions import repository
from pingcrm.suggestions.drafts import DraftContext, write_draft
from pingcrm.suggestions.engine import GenerationResult, generate_for_user
from pingcrm.suggestions.rules import (
    CHANNELS,
    EVENT_MIN_CONFIDENCE,
    EVENT_WINDOW,
    SNOOZE_DURATIONS,
    Trigger,
)

MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class SuggestionView:
    suggestion: Suggestion
    contact: Contact
    # Where "Open" takes the user to send the draft themselves (mailto:, t.me, …).
    open_url: str | None = None


def generate(session: Session, settings: Settings, user_id: int) -> GenerationResult:
    """Run the engine for ``user_id`` now and tell them when something new is ready."""
    result = generate_for_user(
        session, user_id, utcnow(), client_for_user(session, settings, user_id)
    )
    count = len(result.created)
    if count:
        notify(
            session,
            user_id,
            NotificationKind.SUGGESTIONS_READY,
            f"{count} new follow-up suggestion{'s' if count != 1 else ''} ready",
            "Open Suggestions to review the drafts.",
            "/suggestions",
        )
    return result


def parse_status(raw: str | None) -> SuggestionStatus | None:
    """A status filter from a query string (None = all)."""
    if raw in (None, "", "all"):
        return None
    try:
        return SuggestionStatus(raw)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in SuggestionStatus)
        raise ValidationFailed(
            f"status must be one of: {allowed}, all", details={"field": "status"}
        ) from exc


def list_suggestions(
    session: Session,
    user_id: int,
    page: PageRequest,
    *,
    status: SuggestionStatus | None = SuggestionStatus.PENDING,
    contact_id: int | None = None,
) -> Page[SuggestionView]:
    """Suggestions with their contacts, best first."""
    rows, total = repository.list_suggestions(
        session, user_id, page, status=status, contact_id=contact_id
    )
    handles = repository.reach_handles(session, [c.id for _, c in rows])
    return Page(
        [SuggestionView(s, c, open_url(s, handles.get(c.id, {}))) for s, c in rows], total, page
    )


def pending_count(session: Session, user_id: int) -> int:
    """How many suggestions wait for the user (the counts on the page and dashboard)."""
    return repository.pending_count(session, user_id)


def open_url(suggestion: Suggestion, handles: dict[str, str]) -> str | None:
    """A link that opens the suggestion's channel with this person (the email with the
    draft filled in); None when the contact has no address on that channel."""
    match suggestion.channel:
        case "email" if "email" in handles:
            return f"mailto:{handles['email']}?body={quote(suggestion.message)}"
        case "telegram" if "telegram" in handles:
            return f"https://t.me/{handles['telegram']}"
        case "twitter" if "twitter" in handles:
            return f"https://x.com/{handles['twitter']}"
        case "linkedin" if "linkedin" in handles:
            return f"https://www.linkedin.com/in/{handles['linkedin']}"
    return None


def get_suggestion(session: Session, user_id: int, suggestion_id: int) -> Suggestion:
    """One of the user's suggestions, or 404."""
    suggestion = repository.get_suggestion(session, user_id, suggestion_id)
    if suggestion is None:
        raise NotFound("This suggestion does not exist.")
    return suggestion


def get_view(session: Session, user_id: int, suggestion_id: int) -> SuggestionView:
    """A suggestion with its contact."""
    suggestion = get_suggestion(session, user_id, suggestion_id)
    contact = session.get(
        Contact,
        suggestion.contact_id,
        options=[selectinload(Contact.score_row)],
        populate_existing=True,
    )
    assert contact is not None
    handles = repository.reach_handles(session, [contact.id]).get(contact.id, {})
    return SuggestionView(suggestion, contact, open_url(suggestion, handles))


def update_draft(
    session: Session,
    user_id: int,
    suggestion_id: int,
    *,
    message: str | None = None,
    channel: str | None = None,
) -> Suggestion:
    """Save the user's edits of the draft or the channel."""
    suggestion = get_suggestion(session, user_id, suggestion_id)
    if message is not None:
        if len(message) > MAX_MESSAGE_CHARS:
            raise ValidationFailed("The message is too long.", details={"field": "message"})
        suggestion.message = message
    if channel is not None:
        if channel not in CHANNELS:
            raise ValidationFailed(
                f"channel must be one of: {', '.join(CHANNELS)}", details={"field": "channel"}
            )
        suggestion.channel = channel
    suggestion.updated_at = utcnow()
    session.flush()
    return suggestion


def regenerate(
    session: Session, settings: Settings, user_id: int, suggestion_id: int
) -> Suggestion:
    """Draft the message again (the model when configured, else the next template)."""
    suggestion = get_suggestion(session, user_id, suggestion_id)
    contact = session.get(Contact, suggestion.contact_id)
    assert contact is not None
    now = utcnow()
    recent = repository.recent_interactions(session, [contact.id], per_contact=5)
    events = repository.events_for(session, [contact.id], now - EVENT_WINDOW, EVENT_MIN_CONFIDENCE)
    facts = {
        k: v
        for k, v in suggestion.why.items()
        if k not in ("rule", "draft_fallback", "template_variant")
    }
    variant = int(suggestion.why.get("template_variant", 0)) + 1
    context = DraftContext(
        contact=contact,
        trigger=Trigger(suggestion.trigger),
        facts=facts,
        recent=recent.get(contact.id, []),
        events=events.get(contact.id, []),
        now=now,
    )
    draft = write_draft(context, client_for_user(session, settings, user_id), variant)
    why = dict(suggestion.why)
    why["template_variant"] = variant
    why.pop("draft_fallback", None)
    if draft.fallback_reason:
        why["draft_fallback"] = draft.fallback_reason
    suggestion.why = why
    suggestion.message = draft.message
    suggestion.llm_model = draft.model
    suggestion.llm_prompt = draft.prompt
    suggestion.updated_at = now
    session.flush()
    return suggestion


def snooze(session: Session, user_id: int, suggestion_id: int, duration: str) -> Suggestion:
    """Hide the suggestion for 2 weeks, 1 month or 3 months."""
    if duration not in SNOOZE_DURATIONS:
        raise ValidationFailed("Snooze for 2w, 1m or 3m.", details={"field": "duration"})
    suggestion = get_suggestion(session, user_id, suggestion_id)
    now = utcnow()
    suggestion.status = SuggestionStatus.SNOOZED
    suggestion.snoozed_until = now + SNOOZE_DURATIONS[duration]
    suggestion.updated_at = now
    session.flush()
    return suggestion


def _close(
    session: Session, user_id: int, suggestion_id: int, status: SuggestionStatus
) -> Suggestion:
    suggestion = get_suggestion(session, user_id, suggestion_id)
    now = utcnow()
    suggestion.status = status
    suggestion.snoozed_until = None
    suggestion.acted_at = now
    suggestion.updated_at = now
    session.flush()
    return suggestion


def dismiss(session: Session, user_id: int, suggestion_id: int) -> Suggestion:
    """Not now, not this one."""
    return _close(session, user_id, suggestion_id, SuggestionStatus.DISMISSED)


def mark_done(session: Session, user_id: int, suggestion_id: int) -> Suggestion:
    """The user reached out (the scheduled rule counts from here)."""
    return _close(session, user_id, suggestion_id, SuggestionStatus.DONE)


def reactivate_snoozed(session: Session, user_id: int | None = None) -> int:
    """Bring back snoozed suggestions whose time has come (the hourly job)."""
    return repository.reactivate_due(session, utcnow(), user_id)
