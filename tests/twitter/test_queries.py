"""The DM and mention syncs issue a fixed number of SQL statements per page, never one
per event or per person (no N+1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from pingcrm.models import RunStatus, SyncRun
from tests.twitter.conftest import ME, XWorld


def _counted(world: XWorld, job: str) -> tuple[SyncRun, int]:
    statements = {"n": 0}

    def count(*_args: object) -> None:
        statements["n"] += 1

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        run = world.run(job)
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    return run, statements["n"]


def test_dm_and_mention_syncs_use_a_bounded_number_of_statements(world: XWorld) -> None:
    world.settings = world.settings.model_copy(update={"x_bio_batch": 0})
    now = datetime.now(UTC)
    people = [str(10_000 + p) for p in range(250)]
    for p, uid in enumerate(people):
        world.x.add_user(uid, f"person{p}", f"Person {p}", f"Bio {p}")
    for i in range(1_000):
        other = people[i % len(people)]
        at = now - timedelta(minutes=i + 1)
        if i % 3 == 0:  # sent first: the person is looked up, not in the page's includes
            world.x.add_dm(ME, ME, f"sent {i}", at, to=other)
        else:
            world.x.add_dm(ME, other, f"got {i}", at)
    for i in range(300):
        world.x.add_mention(
            ME, people[(i * 7) % len(people)], f"@me_on_x {i}", now - timedelta(minutes=i)
        )

    dms, dm_statements = _counted(world, "dms_sync")
    mentions, mention_statements = _counted(world, "mentions_sync")

    assert (dms.status, dms.new_interactions, dms.new_contacts) == (RunStatus.SUCCESS, 1_000, 250)
    assert (mentions.status, mentions.new_interactions) == (RunStatus.SUCCESS, 300)
    # 10 pages of 100 DM events, 3 pages of mentions: about 15 statements a page
    # (people, new contacts, interactions, counters, checkpoint, run) plus the run's own.
    assert dm_statements < 20 * 10 + 60, dm_statements
    assert mention_statements < 20 * 3 + 60, mention_statements
