"""Create a contact (/contacts/new) and edit one (the contact page's details panel),
both through the one ``ContactForm``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactCreate, ContactUpdate
from pingcrm.errors import NotFound, PingError
from pingcrm.web.deps import PageUser, SessionDep, attempt, verify_csrf
from pingcrm.web.ui.contacts.common import base_context, ping_errors, pydantic_errors
from pingcrm.web.ui.contacts.detail import detail_context
from pingcrm.web.ui.contacts.form import EMPTY_FORM, ContactForm
from pingcrm.web.ui.responses import is_htmx, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _all_errors(
    model: type[ContactCreate] | type[ContactUpdate], fields: dict[str, Any], exc: ValidationError
) -> dict[str, str]:
    """Pydantic's errors plus the service's checks of the fields Pydantic accepted."""
    errors = pydantic_errors(exc)
    valid = {k: v for k, v in fields.items() if k not in errors}
    if model is ContactCreate:
        valid.setdefault("full_name", "")
    try:
        checked = model(**valid)
    except ValidationError:
        return errors
    return {**contacts.contact_errors(checked), **errors}


@router.get("/contacts/new")
def contact_new(request: Request, session: SessionDep, user: PageUser) -> Response:
    return render(
        request,
        "contacts/new.html",
        {**base_context(), "values": EMPTY_FORM, "errors": {}},
        session=session,
        user=user,
    )


@router.post("/contacts/new")
def contact_create(
    request: Request,
    session: SessionDep,
    user: PageUser,
    form: Annotated[ContactForm, Form()],
) -> Response:
    """Create the contact, or show the form again with a message next to each bad field."""
    errors: dict[str, str] = {}
    fields = form.create_fields()
    try:
        data = ContactCreate(**fields)
        contact = attempt(session, lambda: contacts.create_contact(session, user.id, data))
    except ValidationError as exc:
        errors = _all_errors(ContactCreate, fields, exc)
    except PingError as exc:
        errors = ping_errors(exc)
    else:
        return redirect(request, f"/contacts/{contact.id}", toast=f"Added {contact.full_name}.")
    return render(
        request,
        "contacts/new.html",
        {**base_context(), "values": form.values(), "errors": errors},
        session=session,
        user=user,
        status_code=422,
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
        detail_context(session, user, contact, editing=True),
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
    form: Annotated[ContactForm, Form()],
) -> Response:
    """Save the details panel; errors keep the form open with messages next to fields."""
    contact = contacts.get_contact(session, user.id, contact_id)
    errors: dict[str, str] = {}
    fields = form.update_fields()
    try:
        data = ContactUpdate(**fields)
        contact = attempt(
            session, lambda: contacts.update_contact(session, user.id, contact_id, data)
        )
    except ValidationError as exc:
        errors = _all_errors(ContactUpdate, fields, exc)
    except PingError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = ping_errors(exc)
        contact = contacts.get_contact(session, user.id, contact_id)
    if errors:
        shown = {**form.values(), "priority": contact.priority.value}
        shown["tags"] = ", ".join(t.name for t in contact.tags)
        return render(
            request,
            "contacts/detail.html",
            detail_context(session, user, contact, editing=True, values=shown, errors=errors),
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
        detail_context(session, user, contact),
        session=session,
        user=user,
        block="profile",
    )
