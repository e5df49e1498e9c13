"""New contacts created with the interactions they bring (seeds) are written once, with
the counters and score a recompute gives; a seed that is not recorded is corrected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.models import Contact, Direction, IdentifierKind, InteractionKind, Platform
from pingcrm.scoring.service import Seed, recompute_scores, refresh_contacts
from tests.conftest import DEFAULT_NOW as NOW
from tests.fixtures.builders import create_contact, create_interaction, create_user
from tests.interactions.test_record import count_statements

pytestmark = pytest.mark.usefixtures("clock")


def _seed(provider_id: str, days: float, **kw: object) -> Seed:
    values: dict[str, object] = {
        "platform": Platform.EMAIL,
        "kind": InteractionKind.EMAIL,
        "direction": Direction.INBOUND,
    }
    values.update(kw)
    return Seed(
        provider_id=provider_id,
        occurred_at=NOW - timedelta(days=days),
        **values,  # type: ignore[arg-type]
    )


# Every shape the score reads: both directions, ages in each weight band, two platforms,
# a connection (counted, not a conversation), a meeting still to come (not counted).
MIXED = [
    *[_seed(f"in-{i}", 3 + i * 30) for i in range(14)],
    *[_seed(f"out-{i}", 1 + i * 200, direction=Direction.OUTBOUND) for i in range(12)],
    _seed("tg-1", 20, platform=Platform.TELEGRAM, kind=InteractionKind.MESSAGE),
    _seed(
        "li-1",
        900,
        platform=Platform.LINKEDIN,
        kind=InteractionKind.CONNECTION,
        direction=Direction.MUTUAL,
    ),
    _seed(
        "meet-1",
        -2,
        platform=Platform.MEETING,
        kind=InteractionKind.MEETING,
        direction=Direction.MUTUAL,
    ),
]


CONNECTED = _seed(
    "li-2",
    900,
    platform=Platform.LINKEDIN,
    kind=InteractionKind.CONNECTION,
    direction=Direction.MUTUAL,
)


def _record(session: Session, user_id: int, people: list[tuple[str, list[Seed]]]) -> list[int]:
    rows = [
        ContactInput(full_name=name, identifiers=[(IdentifierKind.EMAIL, f"{i}@x.example", None)])
        for i, (name, _seeds) in enumerate(people)
    ]
    result = upsert_contacts(
        session, user_id, rows, source="test", seeds=[seeds for _n, seeds in people]
    )
    ids = [int(cid) for cid in result.contact_ids if cid is not None]
    record_interactions(
        session,
        user_id,
        [
            NewInteraction.from_seed(s, cid, preview="hello")
            for cid, (_name, seeds) in zip(ids, people, strict=True)
            for s in seeds
        ],
        seeded=result.seeded,
    )
    return ids


def test_seeded_contacts_are_written_once_with_what_a_recompute_gives(session: Session) -> None:
    user = create_user(session)
    people = [("Mixed", MIXED), ("Quiet", []), ("Only connected", [CONNECTED])]

    with count_statements(session) as statements:
        ids = _record(session, user.id, people)
    session.commit()

    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE CONTACTS")]
    stored = {
        row.full_name: (row.score, row.interaction_count, row.last_interaction_at)
        for row in session.execute(
            select(Contact).where(Contact.id.in_(ids)).options(selectinload(Contact.score_row))
        ).scalars()
    }
    assert stored["Mixed"][0] > 0
    assert stored["Mixed"][1] == len(MIXED) - 1  # the coming meeting is not counted yet
    assert stored["Mixed"][2] == NOW - timedelta(days=1)
    assert stored["Quiet"] == (0, 0, None)
    assert stored["Only connected"] == (0, 1, NOW - timedelta(days=900))
    assert (
        refresh_contacts(session, user.id, ids, utcnow(), clear_second_tier=False).contacts_changed
        == 0
    )
    assert recompute_scores(session, user.id).contacts_changed == 0


def test_a_seed_that_is_not_recorded_leaves_the_contact_right(session: Session) -> None:
    user = create_user(session)
    other = create_contact(session, user, "Someone else")
    # The message already belongs to another contact: recording skips it.
    create_interaction(session, user, other, provider_id="in-0", keep_score=False)

    [cid] = _record(session, user.id, [("Late", MIXED[:2])])
    session.commit()

    contact = session.get(Contact, cid)
    assert contact is not None
    assert contact.interaction_count == 1
    assert contact.last_interaction_at == NOW - timedelta(days=33)
    assert recompute_scores(session, user.id).contacts_changed == 0
