"""Contact pages, one module per page: the list and bulk actions (``list``), the
create/edit form (``form`` + ``edit``), the contact page (``detail``), its timeline and
hand-logged interactions (``timeline``) and its notes (``notes``). Thin over the
contacts, interactions, notes and tags services."""

from __future__ import annotations

from fastapi import APIRouter

from pingcrm.web.ui.contacts import detail, edit, notes, timeline
from pingcrm.web.ui.contacts import list as list_page

router = APIRouter(include_in_schema=False)
# Order matters: /contacts/new before /contacts/{contact_id}.
for _module in (list_page, edit, detail, timeline, notes):
    router.include_router(_module.router)
