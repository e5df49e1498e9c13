"""Mentions (inbound from the author, ``since_id`` on later runs) and bios (a changed bio
of a known contact is stored with a detected event; refreshed in lookups of ≤100 ids)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.models import DetectedEvent, Direction, IdentifierKind, InteractionKind, RunStatus
from pingcrm.scoring.service import recompute_scores
from tests.fixtures.statements import contact_rewrites, statements
from tests.twitter.conftest import ME, XWorld

NOW = datetime.now(UTC)


def test_mentions_are_inbound_from_the_author_and_later_runs_ask_since_id(world: XWorld) -> None:
    world.x.add_user("3001", "ada", "Ada Lovelace", "Analyst")
    world.x.add_user("3002", "charles", "Charles Babbage", "Engines")
    world.x.add_mention(ME, "3001", "@me_on_x loved it", NOW - timedelta(hours=5))
    world.x.add_mention(ME, "3002", "@me_on_x agreed", NOW - timedelta(hours=4))
    world.x.add_mention(ME, ME, "@me_on_x note to self", NOW - timedelta(hours=3))

    run = world.run("mentions_sync")

    assert run.status is RunStatus.SUCCESS
    assert (run.new_interactions, run.new_contacts) == (2, 2)
    contacts = world.contacts()
    got = sorted((i.contact_id, i.direction, i.kind, i.preview) for i in world.interactions())
    assert got == sorted(
        [
            (
                contacts["Ada Lovelace"].id,
                Direction.INBOUND,
                InteractionKind.MENTION,
                "@me_on_x loved it",
            ),
            (
                contacts["Charles Babbage"].id,
                Direction.INBOUND,
                InteractionKind.MENTION,
                "@me_on_x agreed",
            ),
        ]
    )
    newest = world.x.mentions[ME][0]["id"]

    world.x.add_mention(ME, "3001", "@me_on_x one more", NOW)
    again = world.run("mentions_sync")

    assert again.new_interactions == 1
    assert again.new_contacts == 0
    last = [q for e, q in world.x.api_requests if e == "mentions"][-1]
    assert last["since_id"] == newest
    assert world.run("mentions_sync").new_interactions == 0
    assert len(world.interactions()) == 3


def test_a_changed_bio_is_stored_with_a_detected_event(world: XWorld) -> None:
    world.x.add_user("3001", "ada", "Ada Lovelace", "Engineer at Analytical Engines")
    world.x.add_mention(ME, "3001", "@me_on_x hi", NOW - timedelta(hours=5))
    world.run("mentions_sync")
    ada = world.contacts()["Ada Lovelace"]
    assert ada.twitter_bio == "Engineer at Analytical Engines"
    assert world.session.scalars(select(DetectedEvent)).all() == []  # a first bio is no change

    world.x.set_bio("3001", "Joined Babbage & Co as CTO")
    world.x.add_mention(ME, "3001", "@me_on_x news!", NOW)
    run = world.run("mentions_sync")

    world.session.expire_all()
    assert world.contacts()["Ada Lovelace"].twitter_bio == "Joined Babbage & Co as CTO"
    events = world.session.scalars(select(DetectedEvent)).all()
    assert [(e.contact_id, e.kind, e.source) for e in events] == [(ada.id, "job_change", "x")]
    assert "Joined Babbage & Co as CTO" in events[0].summary
    assert run.updated_contacts >= 1


def test_bios_of_known_contacts_are_refreshed_in_lookups_of_at_most_100(world: XWorld) -> None:
    inputs = []
    for n in range(150):
        uid = str(5000 + n)
        world.x.add_user(uid, f"p{n}", f"Person {n}", f"Bio {n}")
        inputs.append(
            ContactInput(
                f"Person {n}",
                twitter_bio=f"Bio {n}",
                identifiers=[(IdentifierKind.TWITTER_ID, uid, None)],
            )
        )
    upsert_contacts(world.session, world.user.id, inputs, source="test")
    world.session.commit()
    world.x.set_bio("5007", "Now at Initech, head of platform")
    world.x.set_bio("5120", "Gardening, mostly")

    run = world.run("mentions_sync")

    lookups = [q["ids"].split(",") for e, q in world.x.api_requests if e == "users"]
    assert [len(ids) for ids in lookups] == [100, 50]
    assert run.updated_contacts == 2
    events = {
        e.summary.split("“")[1].split("”")[0]: e.kind
        for e in world.session.scalars(select(DetectedEvent))
    }
    assert events == {
        "Now at Initech, head of platform": "job_change",
        "Gardening, mostly": "bio_change",
    }
    contacts = world.contacts()
    assert contacts["Person 7"].twitter_bio == "Now at Initech, head of platform"
    assert contacts["Person 8"].twitter_bio == "Bio 8"


def test_a_new_author_is_written_once_with_the_counters_of_their_mention(
    world: XWorld,
) -> None:
    world.x.add_user("3001", "ada", "Ada Lovelace", "Analyst")
    world.x.add_mention(ME, "3001", "@me_on_x loved it", NOW - timedelta(hours=5))
    with statements(world.engine) as sent:
        run = world.run("mentions_sync")

    assert run.new_contacts == 1
    # Created with its counters and score: not rewritten after.
    assert contact_rewrites(sent) == []
    ada = world.contacts()["Ada Lovelace"]
    assert ada.interaction_count == 1
    assert ada.last_interaction_at == world.interactions()[0].occurred_at
    assert recompute_scores(world.session, ada.user_id).contacts_changed == 0
