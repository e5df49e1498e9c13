"""The chat sync through the fake gateway: what a user then sees in PingCRM."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from telethon import errors

from pingcrm.config import Settings
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    DetectedEvent,
    IdentifierKind,
    Interaction,
    PlatformAccount,
    RunStatus,
)
from pingcrm.scoring.service import recompute_scores
from tests.fakes.telegram import FakeTelegram, file, photo, sticker, user, video, voice
from tests.fixtures.builders import create_contact, create_user, stored_score
from tests.fixtures.statements import contact_rewrites, statements
from tests.telegram.fake_account import (
    PHONE,
    connect,
    contacts_by_name,
    run_sync,
    telegram_settings,
)


@pytest.fixture
def tg_settings(settings: Settings) -> Settings:
    return telegram_settings(settings, telegram_batch_size=50)


def _interactions(session: Session, user_id: int) -> list[Interaction]:
    session.expire_all()
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.user_id == user_id)
            .order_by(Interaction.provider_id)
        )
    )


def test_chats_become_interactions_with_direction_previews_and_newcontacts_by_name(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    ada = user(2001, "Ada", "Lovelace", username="ada", photo=True)
    grace = user(2002, "Grace", "Hopper", phone="447700900222")
    world.add_chat(PHONE, ada, read_outbox_max_id=3)
    world.add_chat(PHONE, grace)
    world.add_message(PHONE, 2001, "Hi Ada", out=True)  # 1
    world.add_message(PHONE, 2001, "Hello!")  # 2
    world.add_message(PHONE, 2001, "", media=photo(), out=True)  # 3
    world.add_message(PHONE, 2001, "", media=voice())  # 4
    world.add_message(PHONE, 2002, "", media=sticker())  # 5
    world.add_message(PHONE, 2002, "the slides", media=file("deck.pdf"), out=True)  # 6
    world.add_message(PHONE, 2002, "", media=video())  # 7
    # Not people: a bot, a deleted account, Saved Messages, Telegram's service account.
    world.add_other_dialog(PHONE, user(3001, "Bot", bot=True))
    world.add_other_dialog(PHONE, user(3002, deleted=True))
    world.add_other_dialog(PHONE, user(1000, "Me", is_self=True))
    world.add_other_dialog(PHONE, user(777000, "Telegram"))
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)

    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.status is RunStatus.SUCCESS
    assert (run.new_interactions, run.new_contacts) == (7, 2)
    rows = [(i.direction.value, i.preview, i.is_read) for i in _interactions(session, owner.id)]
    assert rows == [
        ("outbound", "Hi Ada", True),
        ("inbound", "Hello!", None),
        ("outbound", "[Photo]", True),
        ("inbound", "[Voice message]", None),
        ("inbound", "[Sticker]", None),
        ("outbound", "[File: deck.pdf] the slides", False),
        ("inbound", "[Video]", None),
    ]
    people = contacts_by_name(session, owner.id)
    assert set(people) == {"Ada Lovelace", "Grace Hopper"}
    ada_url = people["Ada Lovelace"].avatar_url or ""
    assert ada_url.startswith(f"/contacts/{people['Ada Lovelace'].id}/avatar?v=")
    assert people["Grace Hopper"].avatar_url is None
    assert people["Ada Lovelace"].interaction_count == 4
    # The scores the user sees are already those of the synced conversations.
    assert stored_score(session, people["Ada Lovelace"].id).score > 0
    assert recompute_scores(session, owner.id).contacts_changed == 0
    idents = {
        (i.kind, i.value)
        for i in session.scalars(
            select(ContactIdentifier).where(ContactIdentifier.user_id == owner.id)
        )
    }
    assert (IdentifierKind.TELEGRAM_USERNAME, "ada") in idents
    assert (IdentifierKind.PHONE, "+447700900222") in idents
    assert (IdentifierKind.TELEGRAM_ID, "2002") in idents


def test_a_rerun_adds_nothing_and_skips_unchanged_chats_without_fetching(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    for peer in range(2001, 2006):
        world.add_chat(PHONE, user(peer, f"Person{peer}"))
        world.add_messages(PHONE, peer, 20)
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    run_sync(tg_settings, engine, session_factory, account)
    before = _interactions(session, owner.id)
    fetches = world.count("messages")

    again = run_sync(tg_settings, engine, session_factory, account)

    assert again.new_interactions == 0
    assert again.new_contacts == 0
    assert world.count("messages") == fetches  # no chat was fetched
    assert len(_interactions(session, owner.id)) == len(before) == 100

    # One new message in one chat: only that chat is fetched.
    world.add_message(PHONE, 2003, "new one")
    third = run_sync(tg_settings, engine, session_factory, account)
    assert third.new_interactions == 1
    assert world.count("messages") == fetches + 1


def test_a_chat_of_20000_messages_is_synced_completely_in_batches(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    configured = telegram_settings(settings, telegram_batch_size=2000)
    world.add_chat(PHONE, user(2001, "Chatty"))
    world.add_messages(PHONE, 2001, 20_000)
    owner = create_user(session)
    account = connect(session, configured, world, owner.id)

    run = run_sync(configured, engine, session_factory, account)

    assert run.new_interactions == 20_000
    assert world.count("messages") == 10  # 2,000 a page, no cap
    assert contacts_by_name(session, owner.id)["Chatty"].interaction_count == 20_000


def test_a_new_chat_partner_is_written_once_with_the_counters_and_score_of_the_chat(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    world.add_chat(PHONE, user(2001, "Ada", "Lovelace", username="ada"))
    world.add_message(PHONE, 2001, "Hi Ada", out=True)
    world.add_message(PHONE, 2001, "Hello!")
    world.add_message(PHONE, 2001, "See you Monday")
    world.add_chat(PHONE, user(2002, "Grace", "Hopper"))  # a chat without messages
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    with statements(engine) as sent:
        run = run_sync(tg_settings, engine, session_factory, account)

    assert (run.new_contacts, run.new_interactions) == (2, 3)
    # Created with their counters and score: not rewritten after.
    assert contact_rewrites(sent) == []
    people = contacts_by_name(session, owner.id)
    ada, grace = people["Ada Lovelace"], people["Grace Hopper"]
    assert ada.interaction_count == 3
    assert ada.last_interaction_at == max(i.occurred_at for i in _interactions(session, owner.id))
    assert stored_score(session, ada.id).score > 0
    assert (grace.interaction_count, grace.last_interaction_at) == (0, None)
    assert recompute_scores(session, owner.id).contacts_changed == 0


def test_contacts_are_matched_by_telegram_id_then_username_then_phone_never_by_name(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    owner = create_user(session)
    by_username = create_contact(session, owner, "Known By Handle", telegram="adal")
    by_phone = create_contact(session, owner, "Known By Phone", phones=["+447700900333"])
    namesake = create_contact(session, owner, "Same Name")
    world.add_chat(PHONE, user(2001, "Ada", username="adal"))
    world.add_chat(PHONE, user(2002, "Phoney", phone="447700900333"))
    world.add_chat(PHONE, user(2003, "Same", "Name"))
    for peer in (2001, 2002, 2003):
        world.add_message(PHONE, peer, "hi")
    account = connect(session, tg_settings, world, owner.id)

    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.new_contacts == 1  # only the namesake's chat made a new person
    people = {i.contact_id for i in _interactions(session, owner.id)}
    assert by_username.id in people
    assert by_phone.id in people
    assert namesake.id not in people
    assert len([c for c in contacts_by_name(session, owner.id) if c == "Same Name"]) == 1
    session.expire_all()
    assert (
        len(
            session.scalars(
                select(Contact).where(Contact.user_id == owner.id, Contact.full_name == "Same Name")
            ).all()
        )
        == 2
    )


def test_read_receipts_follow_the_read_outbox_marker(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    chat = world.add_chat(PHONE, user(2001, "Ada"))
    world.add_message(PHONE, 2001, "one", out=True)
    world.add_message(PHONE, 2001, "two", out=True)
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    run_sync(tg_settings, engine, session_factory, account)
    assert [i.is_read for i in _interactions(session, owner.id)] == [False, False]

    chat.read_outbox_max_id = 1
    run_sync(tg_settings, engine, session_factory, account)
    assert [i.is_read for i in _interactions(session, owner.id)] == [True, False]
    chat.read_outbox_max_id = 2
    run_sync(tg_settings, engine, session_factory, account)
    assert [i.is_read for i in _interactions(session, owner.id)] == [True, True]


@pytest.mark.parametrize("second_tier", [False, True])
def test_group_members_become_common_groups_and_2nd_tier_contacts_when_on(
    second_tier: bool,
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    owner = create_user(session)
    known = create_contact(session, owner, "Known Member", telegram="known")
    members = [
        user(2001, "Known", username="known"),
        user(2002, "Stranger", "One"),
        user(3001, "Bot", bot=True),
    ]
    world.add_group(PHONE, 5001, "Rust Meetup", members)
    world.add_group(
        PHONE, 5002, "Huge Group", [user(4000 + i, f"M{i}") for i in range(20)], megagroup=True
    )
    account = connect(
        session, tg_settings, world, owner.id, second_tier=second_tier, group_size_limit=10
    )

    run = run_sync(tg_settings, engine, session_factory, account)

    people = contacts_by_name(session, owner.id)
    assert people["Known Member"].common_groups == ["Rust Meetup"]
    assert people["Known Member"].id == known.id
    assert not people["Known Member"].is_second_tier
    assert "Bot" not in people
    assert not any(n.startswith("M") and n[1:].isdigit() for n in people)
    if second_tier:
        assert people["Stranger One"].is_second_tier
        assert people["Stranger One"].common_groups == ["Rust Meetup"]
        assert run.new_contacts == 1
    else:
        assert "Stranger One" not in people
        assert run.new_contacts == 0
    again = run_sync(tg_settings, engine, session_factory, account)
    assert again.new_contacts == 0
    assert contacts_by_name(session, owner.id)["Known Member"].common_groups == ["Rust Meetup"]


def test_a_2nd_tier_contact_loses_the_flag_at_the_first_direct_message(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    stranger = user(2002, "Stranger", "One")
    world.add_group(PHONE, 5001, "Rust Meetup", [stranger])
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id, second_tier=True)
    run_sync(tg_settings, engine, session_factory, account)
    assert contacts_by_name(session, owner.id)["Stranger One"].is_second_tier

    world.add_chat(PHONE, stranger)
    world.add_message(PHONE, 2002, "hello from the meetup")
    run_sync(tg_settings, engine, session_factory, account)
    person = contacts_by_name(session, owner.id)["Stranger One"]
    assert not person.is_second_tier
    assert person.interaction_count == 1


def test_bios_are_read_at_most_weekly_and_a_changed_bio_is_a_detected_event(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    from datetime import timedelta

    from pingcrm.kit.clock import FrozenClock, use_clock, utcnow

    world.add_chat(PHONE, user(2001, "Ada"))
    world.add_message(PHONE, 2001, "hi")
    world.accounts[PHONE].bios[2001] = "Mathematician"
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    run_sync(tg_settings, engine, session_factory, account)
    assert contacts_by_name(session, owner.id)["Ada"].telegram_bio == "Mathematician"
    assert world.count("about") == 1

    world.accounts[PHONE].bios[2001] = "Head of Engines at Babbage & Co"
    run_sync(tg_settings, engine, session_factory, account)
    assert world.count("about") == 1  # not again within the week

    with use_clock(FrozenClock(utcnow() + timedelta(days=8))):
        run_sync(tg_settings, engine, session_factory, account)
    assert world.count("about") == 2
    assert (
        contacts_by_name(session, owner.id)["Ada"].telegram_bio == "Head of Engines at Babbage & Co"
    )
    events = session.scalars(select(DetectedEvent).where(DetectedEvent.user_id == owner.id)).all()
    assert [(e.kind, e.source) for e in events] == [("job_change", "telegram")]
    assert "Head of Engines" in events[0].summary


def test_bios_are_refreshed_at_most_100_a_run(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    configured = telegram_settings(settings)
    for peer in range(2001, 2131):
        world.add_chat(PHONE, user(peer, f"P{peer}"))
        world.add_message(PHONE, peer, "hi")
    owner = create_user(session)
    account = connect(session, configured, world, owner.id)
    run_sync(configured, engine, session_factory, account)
    assert world.count("about") == 100
    run_sync(configured, engine, session_factory, account)
    assert world.count("about") == 130


def test_a_flood_wait_closes_the_gate_and_defers_the_sync_instead_of_sleeping(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    from datetime import timedelta

    from pingcrm.kit.clock import FrozenClock, use_clock

    for peer in (2001, 2002):
        world.add_chat(PHONE, user(peer, f"P{peer}"))
        world.add_messages(PHONE, peer, 10)
    world.fail("messages", errors.FloodWaitError(request=None, capture=120))
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)

    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.status is RunStatus.DEFERRED
    assert "wait 2 minutes" in (run.error_text or "")
    assert world.count("messages") == 1  # no hammering: one call, then the gate
    session.expire_all()
    gated = session.get(PlatformAccount, account.id)
    assert gated is not None
    assert gated.rate_limited_until is not None
    calls = world.count("messages")
    blocked = run_sync(tg_settings, engine, session_factory, account)  # gate still closed
    assert blocked.status is RunStatus.DEFERRED
    assert world.count("messages") == calls

    with use_clock(FrozenClock(gated.rate_limited_until + timedelta(seconds=1))):
        later = run_sync(tg_settings, engine, session_factory, account)
    assert later.status is RunStatus.SUCCESS
    assert world.count("messages") > calls
    assert len(_interactions(session, owner.id)) == 20


def test_a_revoked_session_sets_the_account_to_error(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    world.fail("dialogs", errors.AuthKeyUnregisteredError(request=None))

    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.status is RunStatus.FAILED
    session.expire_all()
    row = session.get(PlatformAccount, account.id)
    assert row is not None
    assert row.last_error_is_auth


def test_statements_stay_bounded_as_chats_grow(
    world: FakeTelegram,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    """No query per message: 40 chats of 50 messages take a bounded number of statements."""
    configured = telegram_settings(settings, telegram_batch_size=500, telegram_bio_batch=0)
    for peer in range(2001, 2041):
        world.add_chat(PHONE, user(peer, f"P{peer}", username=f"p{peer}"))
        world.add_messages(PHONE, peer, 50)
    owner = create_user(session)
    account = connect(session, configured, world, owner.id)
    with statements(engine) as sent:
        run = run_sync(configured, engine, session_factory, account)
    assert run.new_interactions == 2000
    # Per chat (the gate check, the read-receipt update) and per batch (checkpoint,
    # creating the batch's new chat partners, rescoring, lease heartbeat), plus ANALYZE
    # of the grown tables once: never per message.
    assert len(sent) < 220, len(sent)


def test_settings_count_2nd_tier_contacts_the_list_hides_them_and_delete_all_removes_them(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    from fastapi.testclient import TestClient

    from pingcrm.app import create_app
    from tests.fixtures.builders import login

    world.add_group(PHONE, 5001, "Rust Meetup", [user(2002, "Stranger", "One")])
    world.add_chat(PHONE, user(2003, "Friend", "Two"))
    world.add_message(PHONE, 2003, "hi")
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id, second_tier=True)
    run_sync(tg_settings, engine, session_factory, account)
    app = create_app(tg_settings, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        client.headers["X-CSRF-Token"] = login(client)
        assert "1 2nd-tier contacts" in client.get("/settings/telegram").text
        listed = client.get("/contacts").text
        assert "Friend Two" in listed
        assert "Stranger One" not in listed
        assert "Stranger One" in client.get("/contacts?show_second_tier=1").text
        page = client.post(
            "/settings/telegram/second-tier/delete", headers={"HX-Request": "true"}
        ).text
    assert "Deleted 1 2nd-tier contacts." in page
    assert set(contacts_by_name(session, owner.id)) == {"Friend Two"}


def test_a_member_who_left_a_group_loses_it_from_common_groups_at_the_next_sync(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    owner = create_user(session)
    stays = user(2001, "Ada", "Lovelace")
    leaves = user(2002, "Grace", "Hopper")
    for person in (stays, leaves):
        world.add_chat(PHONE, person)
        world.add_message(PHONE, person.id, "hi")
    rust = world.add_group(PHONE, 5001, "Rust Meetup", [stays, leaves])
    world.add_group(PHONE, 5002, "Chess Club", [leaves])
    account = connect(session, tg_settings, world, owner.id)
    run_sync(tg_settings, engine, session_factory, account)
    people = contacts_by_name(session, owner.id)
    assert people["Grace Hopper"].common_groups == ["Rust Meetup", "Chess Club"]

    rust.members.remove(leaves)
    run = run_sync(tg_settings, engine, session_factory, account)

    assert run.status is RunStatus.SUCCESS
    people = contacts_by_name(session, owner.id)
    assert people["Grace Hopper"].common_groups == ["Chess Club"]
    assert people["Ada Lovelace"].common_groups == ["Rust Meetup"]


def test_words_of_synced_messages_find_their_contact_after_each_run(
    world: FakeTelegram,
    tg_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    session: Session,
) -> None:
    from pingcrm.contacts import service as contacts
    from pingcrm.contacts.schemas import ContactListQuery
    from pingcrm.kit.pagination import PageRequest

    def found(q: str) -> list[str]:
        session.expire_all()
        page = contacts.list_contacts(
            session, owner.id, ContactListQuery(q=q), PageRequest(limit=10)
        )
        return [c.full_name for c in page.items]

    world.add_chat(PHONE, user(2001, "Ada", "Lovelace", username="ada"))
    world.add_message(PHONE, 2001, "The analytical engine weaves algebraic patterns")
    owner = create_user(session)
    account = connect(session, tg_settings, world, owner.id)
    run_sync(tg_settings, engine, session_factory, account)
    assert found("algebra") == ["Ada Lovelace"]
    assert found("jacquard") == []

    world.add_message(PHONE, 2001, "Jacquard looms, punched cards", out=True)
    run = run_sync(tg_settings, engine, session_factory, account)
    assert run.new_interactions == 1
    assert found("jacquard punch") == ["Ada Lovelace"]
    assert found("algebra") == ["Ada Lovelace"]
