"""Stored contact photos through merges, deletions and the daily clean-up: a merged
contact keeps showing the photo it absorbed, Undo gives it back, and the files of deleted
contacts and accounts go."""

from __future__ import annotations

import io
import os
import time

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.accounts import service as accounts
from pingcrm.config import Settings
from pingcrm.contacts import avatars
from pingcrm.contacts import service as contacts
from pingcrm.identity import service as identity
from pingcrm.models import Contact, User
from pingcrm.worker.context import JobCall
from pingcrm.worker.execute import Outcome, execute
from tests.fixtures.builders import DEFAULT_PASSWORD, create_contact, create_user, login


def _photo(settings: Settings, session: Session, contact: Contact, colour: str) -> bytes:
    """Store a photo for ``contact`` as a LinkedIn or Telegram sync would."""
    out = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(out, format="JPEG")
    jpeg = out.getvalue()
    contact.avatar_url = avatars.store(settings, contact.user_id, contact.id, jpeg)
    session.commit()
    return jpeg


def _prune(settings: Settings, engine: Engine, factory: sessionmaker[Session]) -> None:
    result = execute(
        JobCall("avatars.prune", trigger="scheduled"),
        settings=settings,
        engine=engine,
        session_factory=factory,
    )
    assert result.outcome is Outcome.SUCCESS, result.error


def test_a_merged_contact_shows_the_photo_it_absorbed_and_undo_gives_it_back(
    session: Session, settings: Settings, client: TestClient
) -> None:
    user = create_user(session)
    # The LinkedIn half has the photo; the richer Gmail half survives the merge.
    linkedin = create_contact(session, user, "Grace Hopper", company="Navy")
    gmail = create_contact(
        session, user, "Grace Hopper", ["grace@example.com", "g.hopper@example.org"],
        title="Rear Admiral", location="Arlington",
    )  # fmt: skip
    photo = _photo(settings, session, linkedin, "navy")
    record = identity.merge_contacts(session, user.id, linkedin.id, gmail.id)
    session.commit()
    assert record.survivor_id == gmail.id
    login(client)

    page = client.get(f"/contacts/{gmail.id}")
    survivor = session.get(Contact, gmail.id)
    assert survivor is not None
    assert survivor.avatar_url is not None
    assert f'src="{survivor.avatar_url}"' in page.text.replace("&amp;", "&")
    shown = client.get(survivor.avatar_url)
    assert shown.status_code == 200
    assert shown.content == photo

    identity.undo_merge(session, user.id, record.id)
    session.commit()
    session.expire_all()
    restored = session.get(Contact, linkedin.id)
    assert restored is not None
    assert restored.avatar_url is not None
    assert client.get(restored.avatar_url).content == photo
    assert session.get(Contact, gmail.id).avatar_url is None  # type: ignore[union-attr]


def test_the_daily_clean_up_removes_photos_nobody_can_see_any_more(
    session: Session,
    settings: Settings,
    client: TestClient,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    ada = create_user(session)
    kept = create_contact(session, ada, "Kept Person")
    deleted = create_contact(session, ada, "Deleted Person")
    absorbed = create_contact(session, ada, "Merged Person")
    survivor = create_contact(session, ada, "Merged Person", ["merged@example.com"])
    for contact, colour in ((kept, "red"), (deleted, "green"), (absorbed, "blue")):
        _photo(settings, session, contact, colour)
    # An absorbed contact whose survivor has a photo of its own: only Undo needs its file.
    _photo(settings, session, survivor, "white")
    deleted_id, deleted_url = deleted.id, deleted.avatar_url
    assert deleted_url is not None
    identity.merge_contacts(session, ada.id, absorbed.id, survivor.id)
    contacts.delete_contact(session, ada.id, deleted_id)
    session.commit()
    bob = create_user(session, "bob@example.com")
    bobs = create_contact(session, bob, "Bob's Friend")
    _photo(settings, session, bobs, "black")
    bob_folder = avatars.avatar_path(settings, bob.id, bobs.id).parent
    bob_user = session.get(User, bob.id)
    assert bob_user is not None
    accounts.delete_account(session, bob_user, DEFAULT_PASSWORD, "bob@example.com")
    session.commit()

    # The photos were stored yesterday; one more was stored a moment ago for a contact
    # whose sync has not committed yet.
    yesterday = time.time() - 86_400
    for path in avatars.avatars_root(settings).rglob("*.jpg"):
        os.utime(path, (yesterday, yesterday))
    pending = survivor.id + 1_000
    avatars.store(settings, ada.id, pending, b"\xff\xd8\xff pending")

    login(client)
    # A deleted contact's photo is not shown even before the clean-up runs.
    assert client.get(deleted_url).status_code == 404
    _prune(settings, engine, session_factory)

    assert avatars.exists(settings, ada.id, kept.id)
    assert avatars.exists(settings, ada.id, survivor.id)
    assert avatars.exists(settings, ada.id, absorbed.id)  # the open merge may be undone
    assert not avatars.exists(settings, ada.id, deleted_id)
    assert not bob_folder.exists()
    assert avatars.exists(settings, ada.id, pending)
    assert client.get(f"/contacts/{kept.id}/avatar").status_code == 200
