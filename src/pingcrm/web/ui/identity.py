"""``/identity``: the duplicates review queue, scans, merge history with Undo, and the
duplicates card of the contact page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.contacts import service as contacts
from pingcrm.identity import service
from pingcrm.identity.tasks import SCAN_JOB, scan_call
from pingcrm.kit.bounds import DbId, PageNumber
from pingcrm.models import RunStatus
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.responses import redirect, render, safe_local_path
from pingcrm.worker.runner import submit_after_commit

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

QUEUE_SIZE = 20
SHORTCUTS = (("m", "Merge"), ("n", "Not the same"), ("s", "Skip"))


def _back(raw: str, default: str) -> str:
    """A local path to return to (never another site)."""
    return safe_local_path(raw, default)


def _scan_context(session: SessionDep, user_id: int) -> dict[str, object]:
    runs = service.scan_runs(session, user_id, SCAN_JOB)
    latest = runs[0] if runs else None
    return {
        "runs": runs,
        "running": latest is not None and latest.status is RunStatus.RUNNING,
        "latest": latest,
    }


@router.get("/identity")
def identity_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The review queue: both records side by side, what matched, Merge / Not the same /
    Skip (keys m / n / s act on the first pair)."""
    pending, skipped = service.queue_counts(session, user.id)
    return render(
        request,
        "identity/queue.html",
        {
            "pairs": service.review_queue(session, user.id, QUEUE_SIZE),
            "pending": pending,
            "skipped": skipped,
            "shortcuts": SHORTCUTS,
            "auto_merge": service.auto_merge_enabled(session, user.id),
            **_scan_context(session, user.id),
        },
        session=session,
        user=user,
    )


@router.get("/identity/scan/status")
def scan_status(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The scan card (polled while a scan runs)."""
    return render(request, "identity/_scan.html", _scan_context(session, user.id))


@router.post("/identity/scan")
def scan_now(request: Request, session: SessionDep, user: PageUser) -> Response:
    """'Scan now': start a scan in the background."""
    submit_after_commit(session, request.app.state.runner, scan_call(user.id))
    return redirect(request, "/identity", toast="Scan started. Progress is shown below.")


def _decide(
    request: Request, session: SessionDep, user: PageUser, match_id: DbId, action: str, back: str
) -> Response:
    decision = service.decide(session, user.id, match_id, action)
    return redirect(request, _back(back, "/identity"), toast=decision.message)


BackForm = Annotated[str, Form(max_length=300)]


@router.post("/identity/pairs/{match_id}/merge")
def merge_pair(
    request: Request, match_id: DbId, session: SessionDep, user: PageUser, back: BackForm = ""
) -> Response:
    """Merge: the two records are one person."""
    return _decide(request, session, user, match_id, "merge", back)


@router.post("/identity/pairs/{match_id}/reject")
def reject_pair(
    request: Request, match_id: DbId, session: SessionDep, user: PageUser, back: BackForm = ""
) -> Response:
    """Not the same: never proposed again."""
    return _decide(request, session, user, match_id, "reject", back)


@router.post("/identity/pairs/{match_id}/skip")
def skip_pair(
    request: Request, match_id: DbId, session: SessionDep, user: PageUser, back: BackForm = ""
) -> Response:
    """Skip: decide later (the pair moves behind the others)."""
    return _decide(request, session, user, match_id, "skip", back)


@router.get("/identity/settings")
def settings_form(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The automatic-merging form (also loaded into Settings → Duplicates)."""
    return render(
        request,
        "identity/_settings_form.html",
        {
            "auto_merge": service.auto_merge_enabled(session, user.id),
            "back": "/settings#duplicates",
        },
    )


@router.post("/identity/settings")
def save_settings(
    request: Request,
    session: SessionDep,
    user: PageUser,
    auto_merge: Annotated[str, Form(max_length=8)] = "",
    back: BackForm = "",
) -> Response:
    """Opt in or out of auto-merging probable pairs."""
    enabled = service.set_auto_merge(session, user.id, auto_merge == "on")
    text = (
        "Probable duplicates above the threshold will now merge themselves."
        if enabled
        else "Probable duplicates will wait for your review."
    )
    return redirect(request, _back(back, "/identity#identity-settings"), toast=text)


@router.get("/identity/merges")
def merges_page(
    request: Request, session: SessionDep, user: PageUser, page: PageNumber = 1
) -> Response:
    """Every merge, newest first, with Undo."""
    page = max(1, min(page, 10_000))
    merges = service.merge_history(session, user.id, limit=50, offset=(page - 1) * 50)
    total = service.merge_count(session, user.id)
    return render(
        request,
        "identity/merges.html",
        {"merges": merges, "page": page, "has_next": page * 50 < total, "total": total},
        session=session,
        user=user,
    )


@router.post("/identity/merges/{merge_id}/undo")
def undo_merge(
    request: Request,
    merge_id: DbId,
    session: SessionDep,
    user: PageUser,
    back: BackForm = "",
) -> Response:
    """Undo one merge: both contacts back exactly as they were."""
    record = service.undo_merge(session, user.id, merge_id)
    name = service.get_merge(session, user.id, record.id).absorbed_name
    return redirect(
        request,
        _back(back, "/identity/merges"),
        toast=f"Merge undone: {name} is a separate contact again.",
    )


@router.get("/contacts/{contact_id}/duplicates")
def duplicates_card(
    request: Request, contact_id: DbId, session: SessionDep, user: PageUser
) -> Response:
    """The contact page's duplicates card: possible duplicates, and merges into this
    contact that can be undone."""
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "identity/_duplicates_card.html",
        {
            "contact": contact,
            "pairs": service.duplicates_of(session, user.id, contact.id),
            "merges": [
                m
                for m in service.merge_history(session, user.id, contact_id=contact.id)
                if m.can_undo
            ],
        },
    )
