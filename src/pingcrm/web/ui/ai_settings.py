"""Settings → AI: provider, model, key (write-only), base URL and the Test button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from pingcrm.errors import PingError
from pingcrm.llm import service
from pingcrm.web.deps import PageUser, SessionDep, SettingsDep, attempt, verify_csrf
from pingcrm.web.ui.responses import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

TEMPLATE = "settings/_ai_form.html"


def _form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    *,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        TEMPLATE,
        {
            "ai": service.ai_settings(session, user.id),
            "errors": errors or {},
            "message": message,
            "defaults": {
                "anthropic": settings.anthropic_default_model,
                "openai": settings.openai_default_model,
            },
        },
        session=session,
        user=user,
        status_code=status_code,
    )


@router.get("/settings/ai")
def ai_form(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """The form, loaded into the Settings page's AI card."""
    return _form(request, session, settings, user)


@router.post("/settings/ai")
def save_ai(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    provider: Annotated[str, Form(max_length=32)],
    model: Annotated[str, Form(max_length=200)] = "",
    base_url: Annotated[str, Form(max_length=500)] = "",
    api_key: Annotated[str, Form(max_length=500)] = "",
    remove_key: Annotated[bool, Form()] = False,
) -> Response:
    """Save the choices; an empty key field keeps the stored key."""
    key: str | None = "" if remove_key else (api_key or None)
    try:
        view = attempt(
            session,
            lambda: service.save_ai_settings(
                session,
                settings,
                user.id,
                provider=provider,
                model=model,
                base_url=base_url,
                api_key=key,
            ),
        )
    except PingError as exc:
        return _form(
            request,
            session,
            settings,
            user,
            status_code=422,
            errors={str(exc.details.get("field", "provider")): exc.message},
        )
    label = {
        "none": "templates (no AI)",
        "anthropic": "Anthropic",
        "openai": "an OpenAI-compatible server",
    }[view.provider.value]
    return _form(request, session, settings, user, message=f"Saved: drafts use {label}.")


@router.post("/settings/ai/test")
def test_ai(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """Ask the configured model for a word and say how it went."""
    try:
        message = service.check_connection(session, settings, user.id)
    except PingError as exc:
        return _form(
            request, session, settings, user, errors={"test": exc.message}, status_code=422
        )
    return _form(request, session, settings, user, message=message)
