"""Contact pages: the list (search, filters, bulk actions), the contact page with its
timeline, notes and tags, and the create form. Thin over the contacts, interactions,
notes and tags services."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts
from pingcrm.contacts.repository import MAX_ID
from pingcrm.contacts.schemas import (
    BulkAction,
    ContactCreate,
    ContactListQuery,
    ContactUpdate,
)
from pingcrm.errors import NotFound, PingError, ValidationFailed
from pingcrm.interactions import service as interactions
from pingcrm.interactions.schemas import InteractionCreate
from pingcrm.kit.clock import utcnow
from pingcrm.kit.pagination import PageRequest
from pingcrm.meetings import service as calendar
from pingcrm.models import (
    Contact,
    Direction,
    IdentifierKind,
    InteractionKind,
    Platform,
    Priority,
    User,
)
from pingcrm.notes import service as notes
from pingcrm.tags import service as tags
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.responses import is_htmx, redirect, render, toast

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PAGE_SIZE = 50
TIMELINE_PAGE = 20
FormText = Annotated[str, Form(max_length=5000)]
SORT_LABELS = {
    "name": "Name (A-Z)",
    "-name": "Name (Z-A)",
    "-score": "Score (high first)",
    "score": "Score (low first)",
    "-last_interaction": "Last interaction (recent first)",
    "last_interaction": "Last interaction (oldest first)",
    "-interaction_count": "Interactions (most first)",
    "interaction_count": "Interactions (fewest first)",
}
PLATFORM_LABELS = {
    Platform.EMAIL: "Email",
    Platform.TELEGRAM: "Telegram",
    Platform.TWITTER: "X (Twitter)",
    Platform.LINKEDIN: "LinkedIn",
    Platform.MEETING: "Meeting",
    Platform.MANUAL: "Logged by hand",
}
PLATFORM_LETTERS = {
    Platform.EMAIL: "E",
    Platform.TELEGRAM: "T",
    Platform.TWITTER: "X",
    Platform.LINKEDIN: "in",
    Platform.MEETING: "M",
    Platform.MANUAL: "L",
}
DIRECTIONS = {
    Direction.INBOUND: ("←", "Inbound: they reached out"),
    Direction.OUTBOUND: ("→", "Outbound: you reached out"),
    Direction.MUTUAL: ("↔", "Mutual"),
}
LOG_KINDS = {
    InteractionKind.CALL: "Call",
    InteractionKind.MEETING: "Meeting",
    InteractionKind.MESSAGE: "Message",
    InteractionKind.EMAIL: "Email",
}
TIER_WORDS = {"strong": "Strong", "warm": "Warm", "cold": "Cold"}
_SPLIT = re.compile(r"[,;\n]+")
_DIGITS = re.compile(r"^[0-9]{1,10}$")
_TRUE = frozenset({"1", "true", "on", "yes"})


# --- helpers -----------------------------------------------------------------------------


def _split_values(raw: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(raw or "") if part.strip()]


def _initials(name: str) -> str:
    letters = [word[0] for word in name.split() if word and word[0].isalnum()]
    return ("".join(letters[:1] + letters[1:][-1:]) or "?").upper()


def _list_query(params: Mapping[str, str]) -> tuple[ContactListQuery, int]:
    """Read the list's query string leniently: unknown values are ignored."""

    def pick(name: str, allowed: Any) -> Any:
        value = (params.get(name) or "").strip()
        return value if value in allowed else None

    org = (params.get("organization_id") or "").strip()
    page_raw = (params.get("page") or "1").strip()
    page = int(page_raw) if _DIGITS.match(page_raw) and 0 < int(page_raw) < 1_000_000 else 1
    query = ContactListQuery(
        q=(params.get("q") or "").strip()[:200] or None,
        tag=(params.get("tag") or "").strip()[:100] or None,
        priority=pick("priority", {p.value for p in Priority}),
        tier=pick("tier", {"strong", "warm", "cold"}),
        platform=pick("platform", {p.value for p in Platform}),
        organization_id=int(org) if _DIGITS.match(org) and 0 < int(org) <= MAX_ID else None,
        has_suggestion=(params.get("has_suggestion") or "").lower() in _TRUE,
        show_second_tier=(params.get("show_second_tier") or "").lower() in _TRUE,
        show_archived=(params.get("show_archived") or "").lower() in _TRUE,
        sort=pick("sort", SORT_LABELS) or "name",
    )
    return query, page


def _query_params(query: ContactListQuery, page: int = 1) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in query.model_dump().items():
        if value in (None, False, "") or (name == "sort" and value == "name"):
            continue
        params[name] = "1" if value is True else str(value)
    if page > 1:
        params["page"] = str(page)
    return params


def _list_url(query: ContactListQuery, page: int = 1) -> str:
    params = _query_params(query, page)
    return "/contacts" + ("?" + urlencode(params) if params else "")


def _pydantic_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("form",)
        field = str(loc[0])
        ctx = error.get("ctx") or {}
        if error.get("type") == "string_too_long":
            message = f"Too long: at most {ctx.get('max_length')} characters."
        elif error.get("type") == "too_long":
            message = f"Too many values: at most {ctx.get('max_length')}."
        else:
            message = str(error.get("msg", "Invalid value."))
        errors.setdefault(field, message)
    return errors


def _all_errors(
    model: type[ContactCreate] | type[ContactUpdate], fields: dict[str, Any], exc: ValidationError
) -> dict[str, str]:
    """Pydantic's errors plus the service's checks of the fields Pydantic accepted."""
    errors = _pydantic_errors(exc)
    valid = {k: v for k, v in fields.items() if k not in errors}
    if model is ContactCreate:
        valid.setdefault("full_name", "")
    try:
        checked = model(**valid)
    except ValidationError:
        return errors
    return {**contacts.contact_errors(checked), **errors}


def _ping_errors(exc: PingError) -> dict[str, str]:
    errors = exc.details.get("errors")
    if isinstance(errors, dict) and errors:
        return {str(k): str(v) for k, v in errors.items()}
    return {str(exc.details.get("field", "form")): exc.message}


def _identifier(contact: Contact, kind: IdentifierKind) -> str:
    for identifier in contact.identifiers:
        if identifier.kind == kind:
            return identifier.display_value
    return ""


def _form_values(contact: Contact) -> dict[str, str]:
    """The edit form's initial values."""
    return {
        "full_name": contact.full_name,
        "emails": ", ".join(
            i.display_value for i in contact.identifiers if i.kind == IdentifierKind.EMAIL
        ),
        "phones": ", ".join(
            i.display_value for i in contact.identifiers if i.kind == IdentifierKind.PHONE
        ),
        "company": contact.company or "",
        "title": contact.title or "",
        "location": contact.location or "",
        "birthday": contact.birthday.isoformat() if contact.birthday else "",
        "priority": contact.priority.value,
        "tags": ", ".join(t.name for t in contact.tags),
        "telegram": _identifier(contact, IdentifierKind.TELEGRAM_USERNAME),
        "twitter": _identifier(contact, IdentifierKind.TWITTER_HANDLE),
        "linkedin": _identifier(contact, IdentifierKind.LINKEDIN_SLUG),
    }


def _contact_fields(values: dict[str, str]) -> dict[str, Any]:
    """Form strings → ``ContactCreate``/``ContactUpdate`` fields."""
    return {
        "full_name": values["full_name"],
        "emails": _split_values(values["emails"]),
        "phones": _split_values(values["phones"]),
        "company": values["company"] or None,
        "title": values["title"] or None,
        "location": values["location"] or None,
        "birthday": values["birthday"] or None,
        "telegram": values["telegram"] or None,
        "twitter": values["twitter"] or None,
        "linkedin": values["linkedin"] or None,
    }


def _base_context() -> dict[str, Any]:
    return {
        "priorities": list(Priority),
        "platform_labels": PLATFORM_LABELS,
        "platform_letters": PLATFORM_LETTERS,
        "directions": DIRECTIONS,
        "log_kinds": LOG_KINDS,
        "tier_words": TIER_WORDS,
        "tier_of": contacts.tier_of,
        "initials": _initials,
    }


# --- the list ----------------------------------------------------------------------------


@router.get("/contacts")
def contact_list(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The contacts list; HTMX requests get just the results block."""
    query, page_number = _list_query(request.query_params)
    page = contacts.list_contacts(
        session, user.id, query, PageRequest(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    )
    context = {
        **_base_context(),
        "page": page,
        "query": query,
        "sort_labels": SORT_LABELS,
        "tags": tags.list_tags(session, user.id),
        "organizations": contacts.organizations_for_filter(session, user.id),
        "page_url": lambda n: _list_url(query, n),
        "current_url": _list_url(query, page_number),
        "filtered": bool(_query_params(query)),
    }
    return render(
        request, "contacts/list.html", context, session=session, user=user, block="results"
    )


@router.post("/contacts/bulk")
def contact_bulk(
    request: Request,
    session: SessionDep,
    user: PageUser,
    ids: Annotated[list[int], Form()] = [],  # noqa: B006
    bulk_action: Annotated[str, Form(max_length=20)] = "",
    delete: Annotated[str, Form(max_length=5)] = "",
    tag: Annotated[str, Form(max_length=200)] = "",
    priority: Annotated[str, Form(max_length=20)] = "",
    return_to: Annotated[str, Form(max_length=3000)] = "/contacts",
) -> Response:
    """Apply a bulk action to the selected contacts, then go back to the same list."""
    back = return_to if return_to.startswith("/contacts") else "/contacts"
    action = "delete" if delete else bulk_action
    if not ids:
        return redirect(request, back, toast="Select at least one contact first.")
    labels: dict[BulkAction, str] = {
        "add_tag": "Tagged",
        "remove_tag": "Untagged",
        "set_priority": "Priority set for",
        "archive": "Archived",
        "delete": "Deleted",
    }
    chosen = next((key for key in labels if key == action), None)
    if chosen is None:
        raise ValidationFailed("Choose an action.", details={"field": "bulk_action"})
    value = tag if chosen in ("add_tag", "remove_tag") else priority
    affected = contacts.bulk_action(session, user.id, ids, chosen, value)
    noun = "contact" if affected == 1 else "contacts"
    return redirect(request, back, toast=f"{labels[chosen]} {affected} {noun}.")


# --- create ------------------------------------------------------------------------------

EMPTY_FORM = {
    "full_name": "",
    "emails": "",
    "phones": "",
    "company": "",
    "title": "",
    "location": "",
    "birthday": "",
    "priority": "medium",
    "tags": "",
    "telegram": "",
    "twitter": "",
    "linkedin": "",
}


@router.get("/contacts/new")
def contact_new(request: Request, session: SessionDep, user: PageUser) -> Response:
    return render(
        request,
        "contacts/new.html",
        {**_base_context(), "values": EMPTY_FORM, "errors": {}},
        session=session,
        user=user,
    )


@router.post("/contacts/new")
def contact_create(
    request: Request,
    session: SessionDep,
    user: PageUser,
    full_name: FormText = "",
    emails: FormText = "",
    phones: FormText = "",
    company: FormText = "",
    title: FormText = "",
    location: FormText = "",
    birthday: FormText = "",
    priority: FormText = "medium",
    tags: FormText = "",
    telegram: FormText = "",
    twitter: FormText = "",
    linkedin: FormText = "",
) -> Response:
    """Create the contact, or show the form again with a message next to each bad field."""
    values = {
        "full_name": full_name,
        "emails": emails,
        "phones": phones,
        "company": company,
        "title": title,
        "location": location,
        "birthday": birthday,
        "priority": priority,
        "tags": tags,
        "telegram": telegram,
        "twitter": twitter,
        "linkedin": linkedin,
    }
    errors: dict[str, str] = {}
    fields = {
        **_contact_fields(values),
        "priority": priority or "medium",
        "tags": _split_values(tags),
    }
    try:
        data = ContactCreate(**fields)
        contact = contacts.create_contact(session, user.id, data)
    except ValidationError as exc:
        errors = _all_errors(ContactCreate, fields, exc)
    except PingError as exc:
        session.rollback()
        errors = _ping_errors(exc)
    else:
        return redirect(request, f"/contacts/{contact.id}", toast=f"Added {contact.full_name}.")
    return render(
        request,
        "contacts/new.html",
        {**_base_context(), "values": values, "errors": errors},
        session=session,
        user=user,
        status_code=422,
    )


# --- the contact page --------------------------------------------------------------------


def _timeline_context(
    session: Session, user: User, contact_id: int, page_number: int
) -> dict[str, Any]:
    page = interactions.timeline(
        session,
        user.id,
        contact_id,
        PageRequest(limit=TIMELINE_PAGE, offset=(page_number - 1) * TIMELINE_PAGE),
        until=utcnow(),  # upcoming meetings have their own list
    )
    return {
        "timeline": page,
        "timeline_next": page_number + 1 if page.has_next else None,
        "is_manual": interactions.is_manual,
    }


def _detail_context(
    session: Session,
    user: User,
    contact: Contact,
    *,
    editing: bool = False,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    log_values: dict[str, str] | None = None,
    log_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        **_base_context(),
        "contact": contact,
        "why": contacts.score_why(contact),
        "tier": contacts.tier_of(contact.score),
        "identifiers": contacts.identifiers_of(contact),
        "bcc_address": contacts.bcc_address(session, user.id, contact),
        "notes": notes.list_notes(session, user.id, contact.id),
        "upcoming": calendar.upcoming_meetings(session, user.id, contact.id),
        "editing": editing,
        "values": values or _form_values(contact),
        "errors": errors or {},
        "log_values": log_values or _default_log_values(),
        "log_errors": log_errors or {},
        **_timeline_context(session, user, contact.id, 1),
    }


def _default_log_values() -> dict[str, str]:
    return {
        "kind": "call",
        "platform": "manual",
        "direction": "outbound",
        "occurred_at": utcnow().strftime("%Y-%m-%dT%H:%M"),
        "summary": "",
    }


@router.get("/contacts/{contact_id}")
def contact_detail(
    contact_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The contact page."""
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        _detail_context(session, user, contact),
        session=session,
        user=user,
    )


@router.get("/contacts/{contact_id}/edit")
def contact_edit(
    contact_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The details panel as a form (just the panel for HTMX)."""
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        _detail_context(session, user, contact, editing=True),
        session=session,
        user=user,
        block="profile",
    )


@router.post("/contacts/{contact_id}/edit")
def contact_update(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    full_name: FormText = "",
    emails: FormText = "",
    phones: FormText = "",
    company: FormText = "",
    title: FormText = "",
    location: FormText = "",
    birthday: FormText = "",
    telegram: FormText = "",
    twitter: FormText = "",
    linkedin: FormText = "",
) -> Response:
    """Save the details panel; errors keep the form open with messages next to fields."""
    contact = contacts.get_contact(session, user.id, contact_id)
    values = {
        "full_name": full_name,
        "emails": emails,
        "phones": phones,
        "company": company,
        "title": title,
        "location": location,
        "birthday": birthday,
        "telegram": telegram,
        "twitter": twitter,
        "linkedin": linkedin,
    }
    errors: dict[str, str] = {}
    fields = _contact_fields(values)
    try:
        data = ContactUpdate(**fields)
        contact = contacts.update_contact(session, user.id, contact_id, data)
    except ValidationError as exc:
        errors = _all_errors(ContactUpdate, fields, exc)
    except PingError as exc:
        if isinstance(exc, NotFound):
            raise
        session.rollback()
        errors = _ping_errors(exc)
        contact = contacts.get_contact(session, user.id, contact_id)
    if errors:
        return render(
            request,
            "contacts/detail.html",
            _detail_context(
                session,
                user,
                contact,
                editing=True,
                values={**_form_values(contact), **values},
                errors=errors,
            ),
            session=session,
            user=user,
            block="profile",
            status_code=422,
        )
    if not is_htmx(request):
        return redirect(request, f"/contacts/{contact_id}", toast="Saved.")
    return render(
        request,
        "contacts/detail.html",
        _detail_context(session, user, contact),
        session=session,
        user=user,
        block="profile",
    )


@router.post("/contacts/{contact_id}/priority")
def contact_priority(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    priority: Annotated[str, Form(max_length=20)],
) -> Response:
    """Change the priority from the header's selector."""
    try:
        value = Priority(priority)
    except ValueError as exc:
        raise ValidationFailed("Choose a priority.", details={"field": "priority"}) from exc
    contact = contacts.set_priority(session, user.id, contact_id, value)
    message = f"Priority of {contact.full_name} is now {value.value}."
    if is_htmx(request):
        return toast(request, message)
    return redirect(request, f"/contacts/{contact_id}", toast=message)


def _tags_response(request: Request, session: Session, user: User, contact_id: int) -> Response:
    if not is_htmx(request):
        return redirect(request, f"/contacts/{contact_id}")
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        {**_base_context(), "contact": contact, "tag_error": None},
        session=session,
        user=user,
        block="tags",
    )


@router.post("/contacts/{contact_id}/tags")
def contact_tag_add(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tag: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add one or more comma-separated tags."""
    names = tags.parse_tag_list(tag)
    if not names:
        raise ValidationFailed("Enter a tag name.", details={"field": "tag"})
    contact = contacts.get_contact(session, user.id, contact_id)
    for name in names:
        contacts.add_tag(session, user.id, contact.id, name)
    return _tags_response(request, session, user, contact_id)


@router.post("/contacts/{contact_id}/tags/remove")
def contact_tag_remove(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tag: Annotated[str, Form(max_length=200)],
) -> Response:
    contacts.remove_tag(session, user.id, contact_id, tag)
    return _tags_response(request, session, user, contact_id)


@router.get("/contacts/{contact_id}/timeline")
def contact_timeline(
    contact_id: int, request: Request, session: SessionDep, user: PageUser, page: int = 1
) -> Response:
    """Older timeline items (the "Show older" button)."""
    if not is_htmx(request):
        return redirect(request, f"/contacts/{contact_id}#timeline")
    page = max(1, min(page, 1_000_000))
    context = {**_base_context(), "contact_id": contact_id}
    context.update(_timeline_context(session, user, contact_id, page))
    return render(request, "contacts/_timeline_items.html", context, session=session, user=user)


@router.post("/contacts/{contact_id}/interactions")
def contact_log(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "call",
    platform: Annotated[str, Form(max_length=20)] = "manual",
    direction: Annotated[str, Form(max_length=20)] = "outbound",
    occurred_at: Annotated[str, Form(max_length=40)] = "",
    summary: FormText = "",
) -> Response:
    """Log a call, meeting or message by hand."""
    contact = contacts.get_contact(session, user.id, contact_id)
    values = {
        "kind": kind,
        "platform": platform,
        "direction": direction,
        "occurred_at": occurred_at,
        "summary": summary,
    }
    errors: dict[str, str] = {}
    when: datetime | None = None
    if occurred_at.strip():
        try:
            when = datetime.fromisoformat(occurred_at.strip())
        except ValueError:
            errors["occurred_at"] = "Enter a date and time."
        else:
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    if not errors:
        try:
            data = InteractionCreate(
                contact_id=contact.id,
                kind=kind,
                platform=platform,
                direction=direction,
                occurred_at=when,
                summary=summary,
            )
        except ValidationError as exc:
            errors = _pydantic_errors(exc)
        else:
            interactions.log_interaction(session, user.id, data)
            label = LOG_KINDS.get(InteractionKind(kind), "Interaction")
            return redirect(request, f"/contacts/{contact.id}#timeline", toast=f"{label} logged.")
    context = _detail_context(session, user, contact, log_values=values, log_errors=errors)
    return render(
        request,
        "contacts/detail.html",
        context,
        session=session,
        user=user,
        block="log_form",
        status_code=422,
    )


@router.post("/contacts/{contact_id}/interactions/{interaction_id}/delete")
def contact_interaction_delete(
    contact_id: int, interaction_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    interaction = interactions.get_interaction(session, user.id, interaction_id)
    if interaction.contact_id != contact_id:
        raise NotFound(interactions.NOT_FOUND)
    interactions.delete_interaction(session, user.id, interaction_id)
    return redirect(request, f"/contacts/{contact_id}#timeline", toast="Interaction deleted.")


def _notes_response(
    request: Request,
    session: Session,
    user: User,
    contact_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    if not is_htmx(request) and error is None:
        return redirect(request, f"/contacts/{contact_id}#notes")
    contact = contacts.get_contact(session, user.id, contact_id)
    return render(
        request,
        "contacts/detail.html",
        {
            **_base_context(),
            "contact": contact,
            "notes": notes.list_notes(session, user.id, contact_id),
            "note_error": error,
        },
        session=session,
        user=user,
        block="notes",
        status_code=status_code,
    )


@router.post("/contacts/{contact_id}/notes")
def contact_note_add(
    contact_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    body: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    try:
        notes.add_note(session, user.id, contact_id, body)
    except ValidationFailed as exc:
        return _notes_response(
            request, session, user, contact_id, error=exc.message, status_code=422
        )
    return _notes_response(request, session, user, contact_id)


def _owned_note(session: Session, user: User, contact_id: int, note_id: int) -> None:
    note = notes.get_note(session, user.id, note_id)
    if note.contact_id != contact_id:
        raise NotFound(notes.NOT_FOUND)


@router.post("/contacts/{contact_id}/notes/{note_id}/edit")
def contact_note_edit(
    contact_id: int,
    note_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    body: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    _owned_note(session, user, contact_id, note_id)
    try:
        notes.update_note(session, user.id, note_id, body)
    except ValidationFailed as exc:
        return _notes_response(
            request, session, user, contact_id, error=exc.message, status_code=422
        )
    return _notes_response(request, session, user, contact_id)


@router.post("/contacts/{contact_id}/notes/{note_id}/delete")
def contact_note_delete(
    contact_id: int, note_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    _owned_note(session, user, contact_id, note_id)
    notes.delete_note(session, user.id, note_id)
    return _notes_response(request, session, user, contact_id)


@router.post("/contacts/{contact_id}/delete")
def contact_delete(
    contact_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Delete the contact and everything hanging off it (the button asks first)."""
    contact = contacts.get_contact(session, user.id, contact_id)
    name = contact.full_name
    contacts.delete_contact(session, user.id, contact_id)
    return redirect(request, "/contacts", toast=f"Deleted {name}.")
