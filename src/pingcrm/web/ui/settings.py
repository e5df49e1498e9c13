"""The ``/settings`` page: integration cards, follow-up rules and the account section."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from pingcrm.errors import NotFound, ValidationFailed
from pingcrm.imports import service as imports_service
from pingcrm.models import PlatformAccount, Provider, User
from pingcrm.settings import service
from pingcrm.settings.service import RULE_FIELDS, FollowUpRules
from pingcrm.sync.badges import Badge, badge_for
from pingcrm.web.deps import PageUser, SessionDep, verify_csrf
from pingcrm.web.ui.gmail_settings import gmail_context
from pingcrm.web.ui.linkedin_settings import linkedin_context
from pingcrm.web.ui.responses import is_htmx, redirect, render
from pingcrm.web.ui.telegram_settings import telegram_context
from pingcrm.web.ui.twitter_settings import twitter_context

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

# (section id, title) in the order of the Settings document: each section is its own page
# at /settings/<id> (the nav links them). Ids differ from the panels' own GET routes
# (/settings/ai, /settings/mcp, /settings/tags, /settings/background-jobs).
SECTIONS: list[tuple[str, str]] = [
    ("gmail", "Gmail"),
    ("telegram", "Telegram"),
    ("twitter", "Twitter / X"),
    ("linkedin", "LinkedIn"),
    ("csv-import", "CSV import"),
    ("follow-up-rules", "Follow-up rules"),
    ("tag-taxonomy", "Tags"),
    ("duplicates", "Duplicates"),
    ("ai-provider", "AI"),
    ("mcp-access", "MCP access"),
    ("jobs", "Background jobs"),
    ("account", "Account"),
]
# Where an old /settings#<anchor> link lands (app.js reads it from the page).
OLD_ANCHORS = {
    "tags": "tag-taxonomy",
    "ai": "ai-provider",
    "mcp": "mcp-access",
    "background-jobs": "jobs",
    "identity": "duplicates",
}
CONNECTABLE = (Provider.GMAIL, Provider.TELEGRAM, Provider.TWITTER, Provider.LINKEDIN)


def _rules_form(rules: FollowUpRules) -> dict[str, str]:
    return {
        "high_days": str(rules.high_days),
        "medium_days": str(rules.medium_days),
        "low_days": str(rules.low_days),
        "daily_budget": str(rules.daily_budget),
    }


SECTION_IDS = frozenset(anchor for anchor, _ in SECTIONS)


def available_providers(request: Request) -> set[str]:
    """Integrations that can be connected in this build: those whose connect flow has a
    route (``/settings/<provider>/…``). One not there yet shows no "Disconnected" badge."""
    # Included routers stay nested in ``app.routes``: walk them all.
    paths = [str(ctx.path) for ctx in iter_route_contexts(request.app.routes)]
    return {
        provider.value
        for provider in CONNECTABLE
        if any(path.startswith(f"/settings/{provider.value}/") for path in paths)
    }


def settings_context(session: Session, user: User, **overrides: Any) -> dict[str, Any]:
    """Everything the Settings page shows; ``overrides`` carry a section's form state."""
    accounts = service.platform_accounts(session, user.id)
    connections: dict[str, list[tuple[PlatformAccount | None, Badge]]] = {}
    for provider in CONNECTABLE:
        rows = accounts.get(provider, [])
        connections[provider.value] = [(row, badge_for(row)) for row in rows] or [
            (None, badge_for(None))
        ]
    rules = service.get_follow_up_rules(session, user.id)
    ctx: dict[str, Any] = {
        "sections": SECTIONS,
        "old_anchors": OLD_ANCHORS,
        "connections": connections,
        "rule_fields": RULE_FIELDS,
        "rules_form": _rules_form(rules),
        "rules_errors": {},
        "rules_saved": None,
        "account_errors": {},
        "account_message": None,
        "account_form": {},
        "import_mappings": imports_service.saved_mappings(session, user.id),
    }
    ctx.update(overrides)
    return ctx


def render_settings(
    request: Request,
    session: Session,
    user: User,
    block: str | None = None,
    status_code: int = 200,
    **overrides: Any,
) -> Response:
    """The Settings page, or only ``block`` for HTMX."""
    context = settings_context(session, user, **overrides)
    context.setdefault("section", None)  # None: every section (the no-JS form fallbacks)
    context["available_providers"] = available_providers(request)
    context.update(gmail_context(session, request.app.state.settings, user))
    context.update(twitter_context(session, request.app.state.settings, user))
    context.update(linkedin_context(session, request.app.state.settings, user))
    context.update(telegram_context(session, request.app.state.settings, user))
    return render(
        request,
        "settings/index.html",
        context,
        session=session,
        user=user,
        block=block,
        status_code=status_code,
    )


@router.get("/settings")
def settings_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The first section (integrations); the section nav leads to the others. Old links
    to ``/settings#<section>`` are sent on to ``/settings/<section>`` by app.js."""
    return render_settings(request, session, user, section=SECTIONS[0][0])


# Registered after every other /settings/... router (web/routes.py), so the panels' own
# GET routes keep answering.
sections_router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@sections_router.get("/settings/{section}")
def settings_section(
    section: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """One section of Settings on its own page (its own URL)."""
    if section not in SECTION_IDS:
        raise NotFound("There is no settings section with this name.")
    return render_settings(request, session, user, section=section)


@router.post("/settings/follow-up-rules")
def save_follow_up_rules(
    request: Request,
    session: SessionDep,
    user: PageUser,
    high_days: Annotated[str, Form(max_length=20)] = "",
    medium_days: Annotated[str, Form(max_length=20)] = "",
    low_days: Annotated[str, Form(max_length=20)] = "",
    daily_budget: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Save the follow-up rules; each bad field gets its message and nothing is saved."""
    submitted = {
        "high_days": high_days,
        "medium_days": medium_days,
        "low_days": low_days,
        "daily_budget": daily_budget,
    }
    try:
        rules = service.update_follow_up_rules(session, user.id, dict[str, object](submitted))
    except ValidationFailed as exc:
        errors = exc.details.get("errors", {exc.details.get("field", ""): exc.message})
        return render_settings(
            request,
            session,
            user,
            block="follow_up_rules",
            status_code=422,
            rules_form=submitted,
            rules_errors=errors,
        )
    message = "Saved: " + rules.summary() + "."
    if not is_htmx(request):
        return redirect(request, "/settings#follow-up-rules", toast=message)
    return render_settings(
        request,
        session,
        user,
        block="follow_up_rules",
        rules_form=_rules_form(rules),
        rules_saved=message,
    )
