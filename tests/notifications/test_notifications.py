"""Notifications: created by ``notify``, listed (unread/all), marked read, nav badge."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Notification, NotificationKind, User
from pingcrm.notifications import service
from tests.fixtures.builders import api_token, create_user, login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _notify(session: Session, user: User, title: str, **kwargs: object) -> Notification:
    notification = service.notify(
        session, user.id, kwargs.pop("kind", NotificationKind.SYNC_FINISHED), title, **kwargs
    )  # type: ignore[arg-type]
    session.commit()
    return notification


def _badge(html: str) -> str:
    match = re.search(
        r'<span class="badge badge-count([^"]*)" id="unread-badge"[^>]*>(\d+)</span>', html
    )
    assert match, "no unread badge in the page"
    return "hidden" if "hidden" in match.group(1) else match.group(2)


def test_notify_stores_an_unread_notification_with_an_internal_link_only(session: Session) -> None:
    user = create_user(session)
    kept = service.notify(
        session, user.id, "sync_failed", "Gmail sync failed", "Reconnect Gmail.", "/settings#gmail"
    )
    dropped = service.notify(
        session, user.id, NotificationKind.SYSTEM, "Hi", link="https://evil.example/phish"
    )
    session.commit()
    assert kept.kind is NotificationKind.SYNC_FAILED
    assert kept.is_read is False
    assert kept.link == "/settings#gmail"
    assert dropped.link is None
    assert service.unread_count(session, user.id) == 2


def test_page_lists_unread_by_default_and_all_on_request(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    with use_clock(FrozenClock(NOW - timedelta(hours=3))):
        old = _notify(session, user, "Import finished", kind="import_finished", body="120 contacts")
    with use_clock(FrozenClock(NOW)):
        _notify(
            session, user, "Gmail sync finished", body="12 new interactions", link="/settings#gmail"
        )
    old.is_read = True
    session.commit()
    login(client)
    with use_clock(FrozenClock(NOW + timedelta(minutes=5))):
        unread = client.get("/notifications")
        everything = client.get("/notifications?show=all")
    assert unread.status_code == 200
    assert "Gmail sync finished" in unread.text
    assert "12 new interactions" in unread.text
    assert 'href="/settings#gmail"' in unread.text
    assert "5 minutes ago" in unread.text
    assert "Import finished" not in unread.text
    assert _badge(unread.text) == "1"
    assert "Import finished" in everything.text
    assert everything.text.index("Gmail sync finished") < everything.text.index("Import finished")


def test_mark_one_read_with_htmx_returns_the_item_and_updates_the_badge(
    client: TestClient, session: Session
) -> None:
    user = create_user(session)
    first = _notify(session, user, "First")
    _notify(session, user, "Second")
    token = login(client)
    assert _badge(client.get("/dashboard").text) == "2"
    response = client.post(
        f"/notifications/{first.id}/read",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert f'id="notification-{first.id}"' in response.text
    assert "Mark read" not in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert _badge(response.text) == "1"
    session.expire_all()
    assert session.get(Notification, first.id).is_read is True  # type: ignore[union-attr]
    assert "First" not in client.get("/notifications").text


def test_mark_all_read_hides_the_badge(client: TestClient, session: Session) -> None:
    user = create_user(session)
    for index in range(3):
        _notify(session, user, f"Note {index}")
    token = login(client)
    response = client.post(
        "/notifications/read-all", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert response.status_code == 200
    assert "You are all caught up" in response.text
    assert _badge(response.text) == "hidden"
    assert _badge(client.get("/notifications?show=all").text) == "hidden"
    unread = session.scalars(select(Notification).where(Notification.is_read.is_(False))).all()
    assert unread == []


def test_plain_form_posts_redirect_back(client: TestClient, session: Session) -> None:
    user = create_user(session)
    note = _notify(session, user, "Only one")
    token = login(client)
    response = client.post(
        f"/notifications/{note.id}/read", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/notifications?show=unread"
    assert "You are all caught up" in client.get("/notifications").text


def test_notifications_are_paginated(client: TestClient, session: Session) -> None:
    user = create_user(session)
    for index in range(30):
        with use_clock(FrozenClock(NOW + timedelta(minutes=index))):
            _notify(session, user, f"Event number {index:02d}")
    login(client)
    first = client.get("/notifications")
    second = client.get("/notifications?page=2")
    assert "Event number 29" in first.text
    assert "Page 1 of 2" in first.text
    assert "Event number 04" not in first.text
    assert "Event number 04" in second.text
    assert "Event number 29" not in second.text


def test_api_lists_filters_and_marks_read(client: TestClient, session: Session) -> None:
    user = create_user(session)
    with use_clock(FrozenClock(NOW)):
        first = _notify(session, user, "First", body="b1")
    with use_clock(FrozenClock(NOW + timedelta(minutes=1))):
        second = _notify(session, user, "Second", link="/contacts")
    headers = api_token(client)
    listing = client.get("/api/v1/notifications", headers=headers).json()
    assert [n["title"] for n in listing["data"]] == ["Second", "First"]
    assert listing["meta"]["total"] == 2
    assert listing["data"][0]["link"] == "/contacts"
    marked = client.post(f"/api/v1/notifications/{first.id}/read", headers=headers)
    assert marked.status_code == 200
    assert marked.json()["data"]["is_read"] is True
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert [n["id"] for n in unread["data"]] == [second.id]
    everything = client.post("/api/v1/notifications/read-all", headers=headers).json()
    assert everything["data"] == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json()["data"] == []


def test_another_users_notification_is_not_found(client: TestClient, session: Session) -> None:
    create_user(session)
    other = create_user(session, "eve@example.com")
    theirs = _notify(session, other, "Private to Eve")
    headers = api_token(client)
    api = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=headers)
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/notifications/999999/read", headers=headers).status_code == 404
    token = login(client)
    page = client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token})
    assert page.status_code == 404
    assert "Private to Eve" not in client.get("/notifications?show=all").text
    client.post("/notifications/read-all", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Notification, theirs.id).is_read is False  # type: ignore[union-attr]
