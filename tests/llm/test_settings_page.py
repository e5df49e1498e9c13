"""Settings → AI in the page: save, validation next to the field, key never shown, Test."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.fakes.llm import FakeLLMState, anthropic_app
from tests.fakes.server import serve_asgi
from tests.fixtures.builders import create_user, login


def test_the_settings_page_loads_the_ai_form(client: TestClient, session: Session) -> None:
    create_user(session)
    login(client)
    assert 'hx-get="/settings/ai"' in client.get("/settings/ai-provider").text
    form = client.get("/settings/ai", headers={"HX-Request": "true"}).text
    assert 'value="none" checked' in form
    assert "Save AI settings" in form


def test_save_test_and_never_show_the_key(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    state = FakeLLMState(api_key="sk-ant-secret")
    state.answer("ready")
    with serve_asgi(anthropic_app(state)) as url:
        saved = client.post(
            "/settings/ai",
            headers=htmx,
            data={
                "provider": "anthropic",
                "model": "claude-haiku-4-5",
                "base_url": url,
                "api_key": "sk-ant-secret",
            },
        )
        assert saved.status_code == 200
        assert "Saved: drafts use Anthropic." in saved.text
        assert "sk-ant-secret" not in saved.text
        assert "A key is stored (hidden)" in saved.text
        tested = client.post("/settings/ai/test", headers=htmx)
    assert "Connected to claude-haiku-4-5: it answered “ready”." in tested.text


def test_bad_values_are_explained_next_to_the_field(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    bad = client.post(
        "/settings/ai", headers=htmx, data={"provider": "openai", "base_url": "not a url"}
    )
    assert bad.status_code == 422
    assert "Enter the server&#39;s base URL" in bad.text
    assert 'value="none" checked' in client.get("/settings/ai", headers=htmx).text
