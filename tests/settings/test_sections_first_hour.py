"""Settings and help as a new user finds them (issue 18): integrations that cannot be
connected yet wear no "Disconnected" badge, every doc in docs/ is a help page."""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.web.ui.help import docs_dir
from tests.fixtures.builders import create_user, login


def test_unavailable_integrations_wear_no_disconnected_badge(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    routes = [str(c.path) for c in iter_route_contexts(client.app.routes)]  # type: ignore[attr-defined]
    for provider in ("telegram", "twitter", "linkedin"):
        page = client.get(f"/settings/{provider}").text
        start = page.index(f'id="{provider}"')
        card = page[start : page.index("</section>", start)]
        connectable = any(p.startswith(f"/settings/{provider}/") for p in routes)
        if not connectable and "Connect" not in card:  # no connect flow built yet
            assert ">Disconnected</span>" not in card, provider


def test_integrations_not_set_up_on_the_server_say_so_and_how(
    client: TestClient, session: Session
) -> None:
    """Without their client ids (the test settings have none), Gmail, Telegram and X say
    "Not configured" and which settings to set, never "Disconnected"; Connect is off."""
    create_user(session)
    login(client)
    cards = {
        "gmail": ("Google is not set up on this server.", "PINGCRM_GOOGLE_CLIENT_ID", "Gmail"),
        "telegram": (
            "Telegram is not set up on this server.",
            "PINGCRM_TELEGRAM_API_ID",
            "Telegram",
        ),
        "twitter": ("X is not set up on this server.", "PINGCRM_X_CLIENT_ID", "X"),
    }
    for provider, (headline, setting, name) in cards.items():
        page = client.get(f"/settings/{provider}").text
        start = page.index(f'id="{provider}"')
        card = page[start : page.index("</section>", start)]
        assert headline in card, provider
        assert setting in card, provider
        assert 'data-state="unconfigured">Not configured</span>' in card, provider
        assert ">Disconnected</span>" not in card, provider
        assert f'disabled aria-disabled="true">Connect {name}</button>' in card, provider
        assert 'href="/settings/' + provider + '/connect"' not in card, provider


def test_integrations_set_up_on_the_server_say_disconnected_and_connect(
    settings: Settings, engine: Engine, session: Session
) -> None:
    configured = settings.model_copy(
        update={
            "google_client_id": "google-id",
            "google_client_secret": "google-secret",
            "telegram_api_id": 12345,
            "telegram_api_hash": "0123456789abcdef0123456789abcdef",
            "x_client_id": "x-id",
        }
    )
    create_user(session)
    with TestClient(create_app(configured, engine=engine), base_url="http://testserver") as client:
        login(client)
        for provider in ("gmail", "telegram", "twitter"):
            page = client.get(f"/settings/{provider}").text
            start = page.index(f'id="{provider}"')
            card = page[start : page.index("</section>", start)]
            assert 'data-state="disconnected">Disconnected</span>' in card, provider
            assert "Not configured" not in card, provider
            assert "not set up on this server" not in card, provider


def test_every_doc_renders_in_the_app_and_gmail_links_its_guide(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    topics = sorted(p.stem for p in docs_dir().glob("*.md"))
    assert "google" in topics
    index = client.get("/help").text
    for topic in topics:
        assert f'href="/help/{topic}"' in index
        page = client.get(f"/help/{topic}")
        assert page.status_code == 200, topic
        assert "<h1>" in page.text or "<h2>" in page.text
    google = client.get("/help/google").text
    assert "Google" in google
    assert "# " not in google.split('<article class="card prose">')[1][:200]
    assert client.get("/help/nope").status_code == 404
    assert client.get("/help/..%2Fpyproject").status_code == 404
