"""Telegram profile photos: downloaded by the sync through the gateway, stored like every
avatar and shown on the contact's pages to its owner only."""

from __future__ import annotations

import io
import stat
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from telethon import errors

from pingcrm.config import Settings
from pingcrm.contacts import avatars
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Interaction, PlatformAccount, RunStatus
from tests.fakes.telegram import FakeTelegram, set_photo, user
from tests.fixtures.builders import create_user, login
from tests.telegram.fake_account import (
    PHONE,
    connect,
    contacts_by_name,
    run_sync,
    telegram_settings,
)


@pytest.fixture
def tg_settings(settings: Settings) -> Settings:
    return telegram_settings(settings)


@pytest.fixture
def app(tg_settings: Settings, engine: Engine) -> FastAPI:
    from pingcrm.app import create_app

    return create_app(tg_settings, engine=engine)


def _chat(world: FakeTelegram, person: Any) -> None:
    world.add_chat(PHONE, person)
    world.add_message(PHONE, person.id, f"Hello {person.first_name}")


def _colour(jpeg: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        pixel = image.convert("RGB").getpixel((80, 80))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def _near(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 6 for x, y in zip(a, b, strict=True))


def _expected_colour(photo_id: int) -> tuple[int, int, int]:
    return (photo_id * 67 % 256, photo_id * 131 % 256, photo_id * 29 % 256)


def test_a_contact_with_a_photo_shows_it_to_its_owner_and_to_nobody_else(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
    app: FastAPI,
    client: TestClient,
) -> None:
    _chat(world, user(2001, "Ada", "Lovelace", photo=True))  # no username: still a photo
    _chat(world, user(2002, "Grace", "Hopper", username="grace"))  # no photo
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)

    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.status is RunStatus.SUCCESS
    people = contacts_by_name(session, owner.id)
    ada, grace = people["Ada Lovelace"], people["Grace Hopper"]
    assert ada.avatar_url is not None
    assert ada.avatar_url.startswith(f"/contacts/{ada.id}/avatar?v=")
    assert grace.avatar_url is None
    assert world.count("profile_photo") == 1  # nothing asked for Grace, who has none
    path = avatars.avatar_path(tg_settings, owner.id, ada.id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    login(client)
    page = client.get(f"/contacts/{ada.id}").text
    assert f'<img class="avatar avatar-large" src="{ada.avatar_url}"' in page
    listing = client.get("/contacts").text
    assert f'src="{ada.avatar_url}"' in listing
    grace_page = client.get(f"/contacts/{grace.id}").text
    assert "/avatar" not in grace_page
    assert '<span class="avatar avatar-large" aria-hidden="true">GH</span>' in grace_page

    picture = client.get(ada.avatar_url)
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/jpeg"
    assert _near(_colour(picture.content), _expected_colour(2001 * 31))
    assert client.get(f"/contacts/{grace.id}/avatar").status_code == 404

    create_user(session, "bob@example.com")
    with TestClient(app, base_url="http://testserver") as other:
        login(other, "bob@example.com")
        assert other.get(ada.avatar_url).status_code == 404


def test_a_rerun_downloads_nothing_and_a_changed_photo_is_downloaded_again(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    ada = user(2001, "Ada", "Lovelace", username="ada", photo=True)
    _chat(world, ada)
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    run_sync(tg_settings, engine, session_factory, account)
    first = contacts_by_name(session, owner.id)["Ada Lovelace"].avatar_url
    assert world.count("profile_photo") == 1

    again = run_sync(tg_settings, engine, session_factory, account)

    assert again.status is RunStatus.SUCCESS
    assert world.count("profile_photo") == 1
    assert contacts_by_name(session, owner.id)["Ada Lovelace"].avatar_url == first

    set_photo(ada, 777)
    changed = run_sync(tg_settings, engine, session_factory, account)

    assert changed.status is RunStatus.SUCCESS
    assert world.count("profile_photo") == 2
    contact = contacts_by_name(session, owner.id)["Ada Lovelace"]
    assert contact.avatar_url is not None
    assert contact.avatar_url != first
    stored = avatars.read(tg_settings, owner.id, contact.id)
    assert stored is not None
    assert _near(_colour(stored), _expected_colour(777))


def test_downloads_per_run_are_capped_and_the_rest_come_next_run(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    capped = telegram_settings(settings, telegram_avatar_batch=2)
    for peer in range(2001, 2006):
        _chat(world, user(peer, f"Person{peer}", photo=True))
    owner = create_user(session)
    account = connect(session, capped, world, owner.id)

    def with_photo() -> int:
        return sum(1 for c in contacts_by_name(session, owner.id).values() if c.avatar_url)

    run_sync(capped, engine, session_factory, account)
    assert (world.count("profile_photo"), with_photo()) == (2, 2)
    run_sync(capped, engine, session_factory, account)
    assert (world.count("profile_photo"), with_photo()) == (4, 4)
    run_sync(capped, engine, session_factory, account)
    run_sync(capped, engine, session_factory, account)
    assert (world.count("profile_photo"), with_photo()) == (5, 5)


def test_a_flood_wait_while_downloading_keeps_the_run_and_the_photos_stored(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    for peer in (2001, 2002, 2003):
        _chat(world, user(peer, f"Person{peer}", photo=True))

    def flood() -> None:
        raise errors.FloodWaitError(request=None, capture=60)

    world.pause_at("profile_photo", 2, flood)
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)

    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.status is RunStatus.DEFERRED
    session.expire_all()
    assert len(list(session.scalars(select(Interaction)))) == 3  # the messages stay
    with_photo = [c.full_name for c in contacts_by_name(session, owner.id).values() if c.avatar_url]
    assert with_photo == ["Person2001"]
    gated = session.get(PlatformAccount, account.id)
    assert gated is not None
    assert gated.rate_limited_until is not None

    world.pause = None
    with use_clock(FrozenClock(gated.rate_limited_until + timedelta(seconds=1))):
        later = run_sync(tg_settings, engine, session_factory, account)

    assert later.status is RunStatus.SUCCESS
    assert all(c.avatar_url for c in contacts_by_name(session, owner.id).values())
    downloaded = [d for m, d in world.calls if m == "profile_photo"]
    assert downloaded == [2001, 2002, 2002, 2003]  # Person2001's photo is not fetched again


def test_an_old_telegram_picture_link_is_replaced_by_the_stored_photo_or_dropped(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    _chat(world, user(2001, "Ada", "Lovelace", username="ada", photo=True))
    _chat(world, user(2002, "Grace", "Hopper", username="grace"))
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    run_sync(
        tg_settings.model_copy(update={"telegram_avatar_batch": 0}),
        engine,
        session_factory,
        account,
    )
    assert world.count("profile_photo") == 0
    for name, contact in contacts_by_name(session, owner.id).items():
        handle = "ada" if name.startswith("Ada") else "grace"
        contact.avatar_url = f"https://t.me/i/userpic/320/{handle}.jpg"  # what it used to be
    session.commit()

    run_sync(tg_settings, engine, session_factory, account)

    people = contacts_by_name(session, owner.id)
    assert (people["Ada Lovelace"].avatar_url or "").startswith(
        f"/contacts/{people['Ada Lovelace'].id}/avatar?v="
    )
    assert people["Grace Hopper"].avatar_url is None


def test_the_telethon_gateway_downloads_the_small_photo_in_memory() -> None:
    import asyncio

    from pingcrm.telegram.gateway import _TelethonConnection

    asked: list[tuple[Any, Any, bool]] = []

    class Client:
        async def download_profile_photo(
            self, entity: Any, file: Any = None, *, download_big: bool = True
        ) -> bytes | None:
            asked.append((entity, file, download_big))
            return b"\xff\xd8\xffjpeg" if entity.photo else None

    loop = asyncio.new_event_loop()
    try:
        connection = _TelethonConnection(Client(), loop)  # type: ignore[arg-type]
        ada = user(2001, "Ada", photo=True)
        assert connection.profile_photo(ada) == b"\xff\xd8\xffjpeg"
        assert connection.profile_photo(user(2002, "Grace")) is None
    finally:
        loop.close()
    assert asked[0] == (ada, bytes, False)
