"""Settings → AI: validation, the key encrypted and never shown back, the Test button."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import ValidationFailed
from pingcrm.llm import service
from pingcrm.llm.base import LLMProvider
from pingcrm.models import UserSettings
from tests.fakes.llm import FakeLLMState, anthropic_app
from tests.fakes.server import serve_asgi
from tests.fixtures.builders import create_user


def test_the_key_is_stored_encrypted_and_never_shown(session: Session, settings: Settings) -> None:
    user = create_user(session)
    view = service.save_ai_settings(
        session,
        settings,
        user.id,
        provider="anthropic",
        model="",
        base_url="",
        api_key="sk-ant-secret-123",
    )
    session.commit()
    assert view.has_key is True
    assert "sk-ant-secret-123" not in repr(view)
    dump = " ".join(str(v) for v in session.execute(text("SELECT * FROM user_settings")).one())
    assert "sk-ant-secret-123" not in dump
    # Saving again without a key keeps the stored one.
    again = service.save_ai_settings(
        session,
        settings,
        user.id,
        provider="anthropic",
        model="claude-haiku-4-5",
        base_url="",
        api_key=None,
    )
    assert again.has_key is True


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"provider": "gpt5000"}, "provider", "Choose None, Anthropic"),
        (
            {"provider": "openai", "base_url": "localhost:11434"},
            "base_url",
            "Enter the server's base URL",
        ),
        ({"provider": "anthropic", "api_key": ""}, "api_key", "Anthropic needs an API key"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_saved(
    session: Session, settings: Settings, fields: dict[str, str], field: str, message: str
) -> None:
    user = create_user(session)
    values = {"provider": "none", "model": "", "base_url": "", "api_key": None} | fields
    with pytest.raises(ValidationFailed, match=message) as caught:
        service.save_ai_settings(session, settings, user.id, **values)  # type: ignore[arg-type]
    assert caught.value.details == {"field": field}
    session.rollback()
    row = session.execute(select(UserSettings).where(UserSettings.user_id == user.id)).scalar_one()
    assert row.ai_provider == "none"


def test_check_connection_talks_to_the_configured_model(
    session: Session, settings: Settings
) -> None:
    user = create_user(session)
    state = FakeLLMState(api_key="sk-ant-xyz")
    state.answer("ready")
    with serve_asgi(anthropic_app(state)) as url:
        service.save_ai_settings(
            session,
            settings,
            user.id,
            provider="anthropic",
            model="claude-haiku-4-5",
            base_url=url,
            api_key="sk-ant-xyz",
        )
        message = service.check_connection(session, settings, user.id)
    assert message == "Connected to claude-haiku-4-5: it answered “ready”."


def test_without_a_provider_everything_uses_templates(session: Session, settings: Settings) -> None:
    user = create_user(session)
    assert service.client_for_user(session, settings, user.id) is None
    assert service.ai_settings(session, user.id).provider is LLMProvider.NONE
    assert "templates" in service.check_connection(session, settings, user.id)
