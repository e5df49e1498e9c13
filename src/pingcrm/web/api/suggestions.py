"""``/api/v1/suggestions``: the follow-up queue (also used by the LinkedIn extension)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.suggestions import service
from pingcrm.suggestions.schemas import (
    GenerateOut,
    SnoozeRequest,
    SuggestionOut,
    SuggestionUpdate,
)
from pingcrm.web.api.envelope import Envelope, ListEnvelope, many, one
from pingcrm.web.deps import ApiOrExtensionUser, ApiUser, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/suggestions", tags=["suggestions"])


@router.get("", summary="List suggestions")
def list_suggestions(
    session: SessionDep,
    user: ApiOrExtensionUser,
    status: str | None = Query("pending", description="pending, snoozed, dismissed, done or all"),
    contact_id: DbId | None = Query(None, description="Only this contact's suggestions"),
    limit: int | None = Query(None, ge=1, le=200),
    cursor: str | None = Query(None, max_length=100),
    page: PageNumber | None = Query(None),
) -> ListEnvelope[SuggestionOut]:
    """Suggestions best first; each item carries ``reason`` and ``suggested_message``."""
    request = PageRequest.build(limit, page, cursor)
    result = service.list_suggestions(
        session, user.id, request, status=service.parse_status(status), contact_id=contact_id
    )
    return many([SuggestionOut.of(view) for view in result.items], result)


@router.post("/generate", summary="Generate today's suggestions now")
def generate(session: SessionDep, settings: SettingsDep, user: ApiUser) -> Envelope[GenerateOut]:
    """Run the follow-up engine for the caller now (at most the daily budget)."""
    result = service.generate(session, settings, user.id)
    return one(GenerateOut(created=len(result.created), skipped=result.skipped))


@router.get("/{suggestion_id}", summary="Get a suggestion")
def get_suggestion(
    suggestion_id: DbId, session: SessionDep, user: ApiUser
) -> Envelope[SuggestionOut]:
    return one(SuggestionOut.of(service.get_view(session, user.id, suggestion_id)))


@router.patch("/{suggestion_id}", summary="Edit the draft or channel")
def update_suggestion(
    suggestion_id: DbId, body: SuggestionUpdate, session: SessionDep, user: ApiUser
) -> Envelope[SuggestionOut]:
    service.update_draft(
        session, user.id, suggestion_id, message=body.message, channel=body.channel
    )
    return one(SuggestionOut.of(service.get_view(session, user.id, suggestion_id)))


@router.post("/{suggestion_id}/regenerate", summary="Draft the message again")
def regenerate(
    suggestion_id: DbId, session: SessionDep, settings: SettingsDep, user: ApiOrExtensionUser
) -> Envelope[SuggestionOut]:
    service.regenerate(session, settings, user.id, suggestion_id)
    return one(SuggestionOut.of(service.get_view(session, user.id, suggestion_id)))


@router.post("/{suggestion_id}/snooze", summary="Snooze for 2 weeks, 1 month or 3 months")
def snooze(
    suggestion_id: DbId, body: SnoozeRequest, session: SessionDep, user: ApiUser
) -> Envelope[SuggestionOut]:
    service.snooze(session, user.id, suggestion_id, body.duration)
    return one(SuggestionOut.of(service.get_view(session, user.id, suggestion_id)))


@router.post("/{suggestion_id}/dismiss", summary="Dismiss")
def dismiss(suggestion_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[SuggestionOut]:
    service.dismiss(session, user.id, suggestion_id)
    return one(SuggestionOut.of(service.get_view(session, user.id, suggestion_id)))


@router.post("/{suggestion_id}/done", summary="Mark done")
def mark_done(suggestion_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[SuggestionOut]:
    service.mark_done(session, user.id, suggestion_id)
    return one(SuggestionOut.of(service.get_view(session, user.id, suggestion_id)))
