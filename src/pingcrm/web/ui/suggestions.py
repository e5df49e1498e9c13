"""``/suggestions``: today's people to reach out to, with editable drafts and actions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import SuggestionStatus
from pingcrm.suggestions import service
from pingcrm.suggestions.rules import SNOOZE_LABELS
from pingcrm.suggestions.service import SuggestionView
from pingcrm.telegram import service as telegram
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from pingcrm.web.ui.responses import redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

TABS = [("pending", "To do"), ("snoozed", "Snoozed"), ("done", "Done"), ("dismissed", "Dismissed")]


def telegram_sendable(session: Session, user_id: int, items: Iterable[SuggestionView]) -> set[int]:
    """The contacts of these Telegram suggestions that "Send on Telegram" can reach (the
    button shows only for them)."""
    ids = [item.contact.id for item in items if item.suggestion.channel == "telegram"]
    return telegram.sendable_contact_ids(session, user_id, ids)


@router.get("/suggestions")
def suggestions_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    status: str = "pending",
    page: PageNumber = 1,
) -> Response:
    """The queue, best first, by status tab."""
    chosen = service.parse_status(status) or SuggestionStatus.PENDING
    result = service.list_suggestions(session, user.id, PageRequest.build(20, page), status=chosen)
    return render(
        request,
        "suggestions/list.html",
        {
            "result": result,
            "status": chosen.value,
            "tabs": TABS,
            "snooze_labels": SNOOZE_LABELS,
            "telegram_sendable": telegram_sendable(session, user.id, result.items),
        },
        session=session,
        user=user,
        block="cards",
    )


@router.post("/suggestions/generate")
def generate_now(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """'Generate now': run the engine and show the result."""
    result = service.generate(session, settings, user.id)
    count = len(result.created)
    message = (
        f"{count} new suggestion{'s' if count != 1 else ''} added."
        if count
        else "Nobody new to suggest right now: everyone due is already queued or was "
        "contacted recently."
    )
    return redirect(request, "/suggestions", toast=message)


def _card(
    request: Request,
    session: SessionDep,
    user: PageUser,
    suggestion_id: DbId,
    message: str | None = None,
) -> Response:
    view = service.get_view(session, user.id, suggestion_id)
    response = render(
        request,
        "suggestions/_card.html",
        {
            "item": view,
            "snooze_labels": SNOOZE_LABELS,
            "flash": message,
            "telegram_sendable": telegram_sendable(session, user.id, [view]),
        },
        session=session,
        user=user,
    )
    return response


@router.post("/suggestions/{suggestion_id}/draft")
def save_draft(
    request: Request,
    suggestion_id: DbId,
    session: SessionDep,
    user: PageUser,
    message: Annotated[str, Form(max_length=4000)],
    channel: Annotated[str, Form(max_length=16)],
) -> Response:
    """Keep the user's edits of the draft and the chosen channel."""
    service.update_draft(session, user.id, suggestion_id, message=message, channel=channel)
    return _card(request, session, user, suggestion_id, "Draft saved.")


@router.post("/suggestions/{suggestion_id}/regenerate")
def regenerate(
    request: Request,
    suggestion_id: DbId,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
) -> Response:
    service.regenerate(session, settings, user.id, suggestion_id)
    return _card(request, session, user, suggestion_id, "New draft written.")


@router.post("/suggestions/{suggestion_id}/snooze")
def snooze(
    request: Request,
    suggestion_id: DbId,
    session: SessionDep,
    user: PageUser,
    duration: Annotated[str, Form(max_length=4)],
) -> Response:
    suggestion = service.snooze(session, user.id, suggestion_id, duration)
    until = suggestion.snoozed_until.strftime("%d %b %Y") if suggestion.snoozed_until else ""
    return _removed(request, session, user, f"Snoozed until {until}.")


@router.post("/suggestions/{suggestion_id}/dismiss")
def dismiss(request: Request, suggestion_id: DbId, session: SessionDep, user: PageUser) -> Response:
    service.dismiss(session, user.id, suggestion_id)
    return _removed(request, session, user, "Dismissed.")


@router.post("/suggestions/{suggestion_id}/done")
def mark_done(
    request: Request, suggestion_id: DbId, session: SessionDep, user: PageUser
) -> Response:
    service.mark_done(session, user.id, suggestion_id)
    return _removed(request, session, user, "Marked as done. Nice!")


def _removed(request: Request, session: SessionDep, user: PageUser, text: str) -> Response:
    """The card disappears (its outerHTML is replaced by nothing), a toast says why, and
    the pending counts on the page (list header, dashboard tile) update out of band."""
    current = request.headers.get("HX-Current-URL", "")
    return render(
        request,
        "suggestions/_removed.html",
        {
            "message": text,
            "pending": service.pending_count(session, user.id),
            "on_dashboard": "/dashboard" in current,
        },
    )
