"""The contacts list (search, filters, sort, pages) and its bulk actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import BulkAction
from pingcrm.errors import ValidationFailed
from pingcrm.identity import service as identity
from pingcrm.kit.pagination import PageRequest
from pingcrm.tags import service as tags
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.contacts.common import (
    PAGE_SIZE,
    SORT_LABELS,
    base_context,
    list_query,
    list_url,
    query_params,
)
from pingcrm.web.ui.responses import is_htmx, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/contacts")
def contact_list(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The contacts list; HTMX requests get just the results block."""
    query, page_number = list_query(request.query_params)
    page = contacts.list_contacts(
        session, user.id, query, PageRequest(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    )
    context = {
        **base_context(),
        "page": page,
        "query": query,
        "sort_labels": SORT_LABELS,
        "tags": tags.list_tags(session, user.id),
        # The filter menu is outside the results block an HTMX search swaps in.
        "organizations": []
        if is_htmx(request)
        else contacts.organizations_for_filter(session, user.id, query.organization_id),
        "page_url": lambda n: list_url(query, n),
        "current_url": list_url(query, page_number),
        "filtered": bool(query_params(query)),
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
    if action == "merge":
        return _merge_two(request, session, user.id, ids, back)
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


def _merge_two(
    request: Request, session: SessionDep, user_id: int, ids: list[int], back: str
) -> Response:
    """Bulk Merge: exactly two selected contacts become one (the identity merge: the
    richer one survives, undo from the merge history)."""
    chosen = sorted(set(ids))
    if len(chosen) != 2:
        raise ValidationFailed(
            "Select exactly two contacts to merge.", details={"field": "bulk_action"}
        )
    record = identity.merge_contacts(session, user_id, chosen[0], chosen[1])
    survivor = record.survivor_id or chosen[0]
    name = contacts.get_contact(session, user_id, survivor).full_name
    return redirect(
        request, f"/contacts/{survivor}", toast=f"Merged into {name}. Undo it from Duplicates."
    )
