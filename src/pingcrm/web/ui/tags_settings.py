"""Settings → Tags: the taxonomy editor, “Discover with AI” and “Apply to all contacts”."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.errors import PingError, ValidationFailed
from pingcrm.kit.bounds import DbId, DbIdOrZero
from pingcrm.llm.service import client_for_user
from pingcrm.taxonomy import discovery
from pingcrm.taxonomy import service as taxonomy
from pingcrm.taxonomy.tasks import APPLY_JOB, apply_call
from pingcrm.web.deps import FormDep, PageUser, SessionDep, SettingsDep, attempt, verify_csrf
from pingcrm.web.ui.responses import render
from pingcrm.worker.runner import submit_after_commit

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Name = Annotated[str, Form(max_length=200)]
MAX_PROPOSAL_CATEGORIES = 12


def _editor(
    request: Request,
    session: SessionDep,
    user: PageUser,
    *,
    message: str | None = None,
    error: str | None = None,
    proposal: discovery.Proposal | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/_tags_editor.html",
        {
            "groups": taxonomy.taxonomy(session, user.id),
            "message": message,
            "error": error,
            "proposal": proposal,
        },
        session=session,
        user=user,
        status_code=status_code,
    )


def _act(
    request: Request,
    session: SessionDep,
    user: PageUser,
    action: str,
    run: Callable[[], object],
) -> Response:
    """Run a taxonomy change; re-render the editor with what happened."""
    try:
        attempt(session, run)
    except PingError as exc:
        return _editor(request, session, user, error=exc.message, status_code=exc.status_code)
    return _editor(request, session, user, message=action)


@router.get("/settings/tags")
def tags_editor(request: Request, session: SessionDep, user: PageUser) -> Response:
    return _editor(request, session, user)


@router.post("/settings/tags/categories")
def add_category(request: Request, session: SessionDep, user: PageUser, name: Name) -> Response:
    return _act(
        request,
        session,
        user,
        f"Category “{name.strip()}” added.",
        lambda: taxonomy.add_category(session, user.id, name),
    )


@router.post("/settings/tags/categories/{category_id}/rename")
def rename_category(
    request: Request, category_id: DbId, session: SessionDep, user: PageUser, name: Name
) -> Response:
    return _act(
        request,
        session,
        user,
        "Category renamed.",
        lambda: taxonomy.rename_category(session, user.id, category_id, name),
    )


@router.post("/settings/tags/categories/{category_id}/delete")
def delete_category(
    request: Request, category_id: DbId, session: SessionDep, user: PageUser
) -> Response:
    return _act(
        request,
        session,
        user,
        "Category deleted; its tags are kept, uncategorised.",
        lambda: taxonomy.delete_category(session, user.id, category_id),
    )


def _category_id(raw: str) -> int | None:
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise ValidationFailed("Choose a category.", details={"field": "category_id"})
    return int(raw)


@router.post("/settings/tags/new")
def add_tag(
    request: Request,
    session: SessionDep,
    user: PageUser,
    name: Name,
    category_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return _act(
        request,
        session,
        user,
        f"Tag “{name.strip()}” added.",
        lambda: taxonomy.add_tag(session, user.id, name, _category_id(category_id)),
    )


@router.post("/settings/tags/{tag_id}/rename")
def rename_tag(
    request: Request, tag_id: DbId, session: SessionDep, user: PageUser, name: Name
) -> Response:
    return _act(
        request,
        session,
        user,
        "Tag renamed on every contact.",
        lambda: taxonomy.rename_tag(session, user.id, tag_id, name),
    )


@router.post("/settings/tags/{tag_id}/move")
def move_tag(
    request: Request,
    tag_id: DbId,
    session: SessionDep,
    user: PageUser,
    category_id: Annotated[str, Form(max_length=20)],
) -> Response:
    return _act(
        request,
        session,
        user,
        "Tag moved.",
        lambda: taxonomy.move_tag(session, user.id, tag_id, _category_id(category_id)),
    )


@router.post("/settings/tags/{tag_id}/merge")
def merge_tag(
    request: Request,
    tag_id: DbId,
    session: SessionDep,
    user: PageUser,
    target_id: Annotated[DbId, Form()],
) -> Response:
    return _act(
        request,
        session,
        user,
        "Tags merged on every contact.",
        lambda: taxonomy.merge_tags(session, user.id, tag_id, target_id),
    )


@router.post("/settings/tags/{tag_id}/delete")
def delete_tag(request: Request, tag_id: DbId, session: SessionDep, user: PageUser) -> Response:
    return _act(
        request,
        session,
        user,
        "Tag deleted from every contact.",
        lambda: taxonomy.delete_tag(session, user.id, tag_id),
    )


@router.post("/settings/tags/discover")
def discover(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """Propose a taxonomy from a sample of contacts, to edit before saving."""
    sample = taxonomy.sample_contacts(session, user.id, discovery.SAMPLE_SIZE)
    if not sample:
        return _editor(
            request,
            session,
            user,
            error="Add or import some contacts with titles "
            "or companies first: there is nothing to learn tags from yet.",
            status_code=422,
        )
    proposal = discovery.propose(sample, client_for_user(session, settings, user.id))
    return _editor(request, session, user, proposal=proposal)


@router.post("/settings/tags/proposal")
def save_proposal(request: Request, session: SessionDep, user: PageUser, form: FormDep) -> Response:
    """Save the edited proposal: fields ``category_N`` with ``tags_N`` (comma-separated)."""
    proposal: dict[str, list[str]] = {}
    for index in range(MAX_PROPOSAL_CATEGORIES):
        name = str(form.get(f"category_{index}", "")).strip()
        tags = [t.strip() for t in str(form.get(f"tags_{index}", "")).split(",") if t.strip()]
        if name and tags:
            proposal[name[:100]] = tags[:50]
    if not proposal:
        return _editor(
            request, session, user, error="The proposal is empty: nothing saved.", status_code=422
        )
    try:
        saved_categories, saved_tags = attempt(
            session, lambda: taxonomy.save_proposal(session, user.id, proposal)
        )
    except PingError as exc:
        return _editor(request, session, user, error=exc.message, status_code=exc.status_code)
    return _editor(
        request,
        session,
        user,
        message=f"Saved {saved_categories} categories and {saved_tags} tags.",
    )


@router.post("/settings/tags/apply")
def apply(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Start tagging every contact with the saved taxonomy, as a background job."""
    if not any(group.id for group in taxonomy.taxonomy(session, user.id)):
        return _editor(
            request,
            session,
            user,
            status_code=422,
            error="Save a taxonomy with at least one category first.",
        )
    previous = taxonomy.latest_run(session, user.id, APPLY_JOB)
    submit_after_commit(session, request.app.state.runner, apply_call(user.id))
    return render(
        request,
        "settings/_tags_progress.html",
        {"run": None, "after": previous.id if previous else 0},
        session=session,
        user=user,
    )


@router.get("/settings/tags/apply/status")
def apply_status(
    request: Request, session: SessionDep, user: PageUser, after: DbIdOrZero = 0
) -> Response:
    """Progress of the Apply job started after run ``after`` (polled every second)."""
    run = taxonomy.latest_run(session, user.id, APPLY_JOB)
    current = run if run is not None and run.id > after else None
    return render(
        request,
        "settings/_tags_progress.html",
        {"run": current, "after": after},
        session=session,
        user=user,
    )
