"""DM sync: one interaction per MessageCreate event, direction by sender, group DMs on
each known participant, new people with handle/name/bio/avatar, pages as checkpoints,
re-runs add nothing, and an app tier without DM access said plainly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.models import (
    ContactIdentifier,
    Direction,
    IdentifierKind,
    InteractionKind,
    Notification,
    NotificationKind,
    Platform,
    RunStatus,
    SyncCheckpoint,
)
from pingcrm.scoring.service import recompute_scores
from pingcrm.sync.badges import badge_for
from tests.fixtures.builders import stored_score
from tests.fixtures.statements import contact_rewrites, statements
from tests.twitter.conftest import ME, XWorld

NOW = datetime.now(UTC)


def _people(world: XWorld) -> None:
    world.x.add_user(
        "2001", "grace", "Grace Hopper", "Rear admiral. Compilers.", "https://img/g.jpg"
    )
    world.x.add_user("2002", "alan", "Alan Turing", "Mathematician")
    world.x.add_user("2003", "kat", "Katherine Johnson", "Trajectories")


def test_dms_become_interactions_with_direction_and_new_people(world: XWorld) -> None:
    _people(world)
    world.x.add_dm(ME, "2001", "Hi from Grace", NOW - timedelta(days=3))
    world.x.add_dm(ME, ME, "Hello Grace!", NOW - timedelta(days=2), to="2001")
    world.x.add_dm(ME, "2002", "Alan here", NOW - timedelta(days=1))

    run = world.run("dms_sync")

    assert run.status is RunStatus.SUCCESS
    assert (run.new_interactions, run.new_contacts) == (3, 2)
    contacts = world.contacts()
    grace = contacts["Grace Hopper"]
    assert grace.twitter_bio == "Rear admiral. Compilers."
    assert grace.avatar_url == "https://img/g.jpg"
    handles = dict(
        world.session.execute(
            select(ContactIdentifier.kind, ContactIdentifier.value).where(
                ContactIdentifier.contact_id == grace.id
            )
        ).all()
    )
    assert handles == {IdentifierKind.TWITTER_ID: "2001", IdentifierKind.TWITTER_HANDLE: "grace"}
    rows = [
        (i.contact_id, i.direction, i.preview, i.platform, i.kind)
        for i in sorted(world.interactions(), key=lambda i: i.occurred_at)
    ]
    alan = contacts["Alan Turing"]
    assert rows == [
        (grace.id, Direction.INBOUND, "Hi from Grace", Platform.TWITTER, InteractionKind.MESSAGE),
        (grace.id, Direction.OUTBOUND, "Hello Grace!", Platform.TWITTER, InteractionKind.MESSAGE),
        (alan.id, Direction.INBOUND, "Alan here", Platform.TWITTER, InteractionKind.MESSAGE),
    ]
    assert grace.interaction_count == 2
    # The score the user sees after the sync: a two-way conversation two days ago.
    assert stored_score(world.session, grace.id).score == 7
    assert recompute_scores(world.session, grace.user_id).contacts_changed == 0
    assert "Katherine Johnson" not in contacts  # no DM with her


def test_group_dms_are_recorded_on_each_known_participant(world: XWorld) -> None:
    _people(world)
    group = [ME, "2001", "2002", "2003"]
    world.x.add_dm(ME, ME, "Shall we all meet?", NOW - timedelta(hours=3), group=group)
    world.x.add_dm(ME, "2002", "Yes, Tuesday", NOW - timedelta(hours=2), group=group)

    run = world.run("dms_sync")

    assert run.new_interactions == 4
    contacts = world.contacts()
    seen = sorted((i.contact_id, i.direction, i.preview, i.thread_id) for i in world.interactions())
    conversation = world.x.dm_events[ME][0]["dm_conversation_id"]
    expected = sorted(
        [
            (contacts[n].id, Direction.OUTBOUND, "Shall we all meet?", conversation)
            for n in ("Grace Hopper", "Alan Turing", "Katherine Johnson")
        ]
        + [(contacts["Alan Turing"].id, Direction.INBOUND, "Yes, Tuesday", conversation)]
    )
    assert seen == expected


def test_pages_are_checkpoints_and_re_runs_add_nothing(world: XWorld) -> None:
    _people(world)
    world.settings = world.settings.model_copy(update={"x_page_size": 2})
    for i in range(7):
        world.x.add_dm(
            ME, "2001" if i % 2 else ME, f"m{i}", NOW - timedelta(hours=20 - i), to="2001"
        )

    first = world.run("dms_sync")
    assert first.new_interactions == 7
    assert world.x.calls["dm_events"] == 4  # 2 + 2 + 2 + 1
    tokens = [q.get("pagination_token") for e, q in world.x.api_requests if e == "dm_events"]
    assert tokens[0] is None
    assert all(tokens[1:])

    again = world.run("dms_sync")
    assert again.status is RunStatus.SUCCESS
    assert again.new_interactions == 0
    # A second run stops at the newest event of the first: one page, nothing re-read.
    assert world.x.calls["dm_events"] == 5
    assert len(world.interactions()) == 7

    world.x.add_dm(ME, "2002", "new one", NOW)
    third = world.run("dms_sync")
    assert (third.new_interactions, third.new_contacts) == (1, 1)
    stored = dict(
        world.session.execute(
            select(SyncCheckpoint.name, SyncCheckpoint.cursor).where(
                SyncCheckpoint.platform_account_id == world.account.id
            )
        ).all()
    )
    assert stored["x.dms.newest_id"] == world.x.dm_events[ME][0]["id"]
    assert stored["x.dms.sweep"] == ""


def test_people_match_by_x_id_then_handle_never_by_name(world: XWorld) -> None:
    _people(world)
    by_id, by_handle, same_name, renamed = upsert_contacts(
        world.session,
        world.user.id,
        [
            ContactInput(
                "G. Hopper (known)", identifiers=[(IdentifierKind.TWITTER_ID, "2001", None)]
            ),
            ContactInput(
                "Alan M. Turing", identifiers=[(IdentifierKind.TWITTER_HANDLE, "@alan", None)]
            ),
            ContactInput("Katherine Johnson"),
            ContactInput(
                "Someone Else",
                identifiers=[
                    (IdentifierKind.TWITTER_ID, "9999", None),
                    (IdentifierKind.TWITTER_HANDLE, "@kat", None),
                ],
            ),
        ],
        source="test",
    ).contact_ids
    world.session.commit()
    for sender in ("2001", "2002", "2003"):
        world.x.add_dm(ME, sender, f"from {sender}", NOW - timedelta(minutes=int(sender) - 2000))

    run = world.run("dms_sync")

    assert run.new_contacts == 1  # Katherine: her name and her old handle prove nothing
    owners = {i.preview: i.contact_id for i in world.interactions()}
    assert owners["from 2001"] == by_id
    assert owners["from 2002"] == by_handle
    assert owners["from 2003"] not in (same_name, renamed)
    ids = set(
        world.session.scalars(
            select(ContactIdentifier.value).where(
                ContactIdentifier.contact_id == by_handle,
                ContactIdentifier.kind == IdentifierKind.TWITTER_ID,
            )
        )
    )
    assert ids == {"2002"}  # the handle match learned the X id


def test_an_access_tier_without_dms_is_said_plainly_and_mentions_still_sync(
    world: XWorld,
) -> None:
    _people(world)
    world.x.dm_forbidden = True
    world.x.add_mention(ME, "2001", "@me_on_x great talk", NOW - timedelta(hours=1))

    run = world.run("dms_sync")

    assert run.status is RunStatus.PARTIAL
    # Sync History says why the run was partial.
    assert run.error_text is not None
    assert "does not allow reading direct messages" in run.error_text
    world.session.refresh(world.account)
    assert badge_for(world.account).state == "connected"
    assert "does not allow reading direct messages" in world.account.sync_settings["x_dm_forbidden"]
    assert "Mentions still sync" in world.account.sync_settings["x_dm_forbidden"]

    mentions = world.run("mentions_sync")
    assert mentions.status is RunStatus.SUCCESS
    assert mentions.new_interactions == 1

    world.x.dm_forbidden = False  # the developer upgraded the tier
    world.run("dms_sync")
    world.session.refresh(world.account)
    assert "x_dm_forbidden" not in world.account.sync_settings


def test_a_conversation_i_started_looks_the_person_up_and_notifies_the_counts(
    world: XWorld,
) -> None:
    world.x.add_user("2004", "hedy", "Hedy Lamarr", "Inventor", "https://img/h.jpg")
    world.x.add_dm(ME, ME, "Loved your talk!", NOW - timedelta(hours=1), to="2004")

    run = world.run("dms_sync")

    assert (run.new_interactions, run.new_contacts) == (1, 1)
    hedy = world.contacts()["Hedy Lamarr"]
    assert (hedy.twitter_bio, hedy.avatar_url) == ("Inventor", "https://img/h.jpg")
    [interaction] = world.interactions()
    assert (interaction.contact_id, interaction.direction) == (hedy.id, Direction.OUTBOUND)
    lookups = [q["ids"] for e, q in world.x.api_requests if e == "users"]
    assert lookups == ["2004"]
    notes = world.session.scalars(select(Notification)).all()
    assert [(n.kind, n.title, n.body) for n in notes] == [
        (
            NotificationKind.SYNC_FINISHED,
            "Twitter DMs sync finished",
            "1 new interactions, 1 new contacts, 0 updated",
        )
    ]


def test_a_new_person_is_written_once_with_the_counters_and_score_of_their_dms(
    world: XWorld,
) -> None:
    _people(world)
    world.x.add_dm(ME, "2001", "Hi from Grace", NOW - timedelta(days=3))
    world.x.add_dm(ME, ME, "Hello Grace!", NOW - timedelta(days=2), to="2001")
    with statements(world.engine) as sent:
        run = world.run("dms_sync")

    assert run.new_contacts == 1
    # Created with its counters and score: not rewritten after.
    assert contact_rewrites(sent) == []
    grace = world.contacts()["Grace Hopper"]
    assert grace.interaction_count == 2
    assert grace.last_interaction_at == max(i.occurred_at for i in world.interactions())
    assert stored_score(world.session, grace.id).score == 7
    assert recompute_scores(world.session, grace.user_id).contacts_changed == 0
