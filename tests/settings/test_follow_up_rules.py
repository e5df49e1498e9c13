"""Follow-up rules on the Settings page and through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.models import User, UserSettings
from tests.fixtures.builders import api_token, create_user, login

VALID = {"high_days": "14", "medium_days": "45", "low_days": "365", "daily_budget": "12"}


def _stored(session: Session, user: User) -> tuple[int, int, int, int]:
    session.expire_all()
    row = session.get(UserSettings, user.id)
    assert row is not None
    return (
        row.followup_high_days,
        row.followup_medium_days,
        row.followup_low_days,
        row.daily_suggestion_budget,
    )


def test_settings_page_has_every_section_in_order_with_defaults(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    sections = [
        ("gmail", "gmail"),
        ("telegram", "telegram"),
        ("twitter", "twitter"),
        ("linkedin", "linkedin"),
        ("csv-import", "csv-import"),
        ("follow-up-rules", "follow-up-rules"),
        ("tag-taxonomy", "tags"),
        ("duplicates", "duplicates"),
        ("ai-provider", "ai"),
        ("mcp-access", "mcp"),
        ("jobs", "background-jobs"),
        ("account", "account"),
    ]
    # Each section is its own page, and the section nav links every one in order.
    for path, card in sections:
        page = client.get(f"/settings/{path}")
        assert page.status_code == 200, path
        assert f'id="{card}"' in page.text
        links = [page.text.index(f'href="/settings/{p}"') for p, _ in sections]
        assert links == sorted(links)
        assert f'href="/settings/{path}" aria-current="page"' in page.text
        others = [c for _, c in sections if c != card]
        assert not any(
            f'<section class="card settings-section" id="{c}"' in page.text for c in others
        )
    # The first section is /settings itself; an unknown section is a 404.
    assert '<section class="card settings-section" id="gmail"' in client.get("/settings").text
    assert client.get("/settings/nope").status_code == 404
    # A fresh account has no connection; Gmail is not set up on this (test) server, so
    # its card says so rather than "Disconnected" (tests/settings/test_sections_first_hour).
    gmail = client.get("/settings/gmail").text
    assert ">Not configured</span>" in gmail
    page = client.get("/settings/follow-up-rules")
    assert 'name="high_days" min="7" max="365" value="30"' in page.text
    assert 'name="medium_days" min="7" max="365" value="60"' in page.text
    assert 'name="low_days" min="7" max="365" value="180"' in page.text
    assert 'name="daily_budget" min="1" max="50" value="5"' in page.text


def test_saving_with_htmx_returns_the_card_with_what_was_saved(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    token = login(client)
    response = client.post(
        "/settings/follow-up-rules",
        data={**VALID, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Saved: high 14 days, medium 45 days, low 365 days, 12 suggestions a day." in (
        response.text
    )
    assert response.text.lstrip().startswith(
        '<section class="card settings-section" id="follow-up-rules"'
    )
    assert "<html" not in response.text
    assert _stored(session, user) == (14, 45, 365, 12)
    assert 'value="45"' in client.get("/settings/follow-up-rules").text


def test_defaults_saved_message(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    response = client.post(
        "/settings/follow-up-rules",
        data={
            "high_days": "30",
            "medium_days": "60",
            "low_days": "180",
            "daily_budget": "5",
            "csrf_token": token,
        },
        headers={"HX-Request": "true"},
    )
    assert "Saved: high 30 days, medium 60 days, low 180 days, 5 suggestions a day" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("high_days", "6", "High priority interval must be a whole number between 7 and 365 days."),
        (
            "medium_days",
            "366",
            "Medium priority interval must be a whole number between 7 and 365 days.",
        ),
        ("low_days", "abc", "Low priority interval must be a whole number between 7 and 365 days."),
        ("daily_budget", "0", "Daily suggestion budget must be a whole number between 1 and 50."),
        ("daily_budget", "51", "Daily suggestion budget must be a whole number between 1 and 50."),
        ("high_days", "", "High priority interval must be a whole number between 7 and 365 days."),
    ],
)
def test_each_out_of_range_value_is_refused_and_nothing_is_saved(
    client: TestClient, session: Session, field: str, value: str, message: str
) -> None:
    user = create_user(session)
    token = login(client)
    response = client.post(
        "/settings/follow-up-rules",
        data={**VALID, field: value, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'id="rule-{field}-error"' in response.text
    assert "Nothing was saved" in response.text
    assert "Saved:" not in response.text
    assert _stored(session, user) == (30, 60, 180, 5)


def test_several_bad_values_each_get_a_message(client: TestClient, session: Session) -> None:
    user = create_user(session)
    token = login(client)
    response = client.post(
        "/settings/follow-up-rules",
        data={
            "high_days": "1",
            "medium_days": "60",
            "low_days": "999",
            "daily_budget": "5",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'id="rule-high_days-error"' in response.text
    assert 'id="rule-low_days-error"' in response.text
    assert 'id="rule-medium_days-error"' not in response.text
    # The form keeps what the user typed.
    assert 'value="999"' in response.text
    assert _stored(session, user) == (30, 60, 180, 5)


def test_plain_form_post_redirects_with_a_toast(client: TestClient, session: Session) -> None:
    create_user(session)
    token = login(client)
    response = client.post("/settings/follow-up-rules", data={**VALID, "csrf_token": token})
    assert response.status_code == 200
    assert str(response.url).endswith("/settings#follow-up-rules")
    assert "Saved: high 14 days, medium 45 days, low 365 days, 12 suggestions a day." in (
        response.text
    )


def test_api_reads_and_patches_the_rules(client: TestClient, session: Session) -> None:
    user = create_user(session)
    headers = api_token(client)
    current = client.get("/api/v1/settings/follow-up-rules", headers=headers)
    assert current.json()["data"] == {
        "high_days": 30,
        "medium_days": 60,
        "low_days": 180,
        "daily_budget": 5,
    }
    patched = client.patch(
        "/api/v1/settings/follow-up-rules", json={"medium_days": 90}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["data"]["medium_days"] == 90
    assert _stored(session, user) == (30, 90, 180, 5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"high_days": 6}, "high_days"),
        ({"medium_days": 366}, "medium_days"),
        ({"low_days": 0}, "low_days"),
        ({"daily_budget": 51}, "daily_budget"),
        ({"high_days": 20, "daily_budget": 0}, "daily_budget"),
    ],
)
def test_api_refuses_out_of_range_values_naming_the_field(
    client: TestClient, session: Session, body: dict[str, int], field: str
) -> None:
    user = create_user(session)
    headers = api_token(client)
    response = client.patch("/api/v1/settings/follow-up-rules", json=body, headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == field
    assert field in error["details"]["errors"]
    assert _stored(session, user) == (30, 60, 180, 5)


def test_rules_are_per_user(client: TestClient, session: Session) -> None:
    create_user(session)
    other = create_user(session, "eve@example.com")
    headers = api_token(client)
    client.patch("/api/v1/settings/follow-up-rules", json={"high_days": 10}, headers=headers)
    assert _stored(session, other) == (30, 60, 180, 5)
