"""Merging two contacts (field rules, everything moved) and undoing it exactly; bad
input refused with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.identity import service
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import (
    CalendarEvent,
    Contact,
    IdentityMatch,
    Interaction,
    MatchStatus,
    MergeRecord,
    Platform,
    PlatformAccount,
    Provider,
    Suggestion,
    User,
)
from pingcrm.notes import service as notes
from pingcrm.scoring.service import recompute_scores
from tests.fixtures.builders import create_contact, create_interaction, create_user
from tests.identity.conftest import state

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(NOW)
    with use_clock(clock):
        yield clock


def two_records(session: Session, user: User) -> tuple[Contact, Contact]:
    """Robert (Gmail: email, phone, company, 2 emails exchanged, a note) and Bob (LinkedIn:
    title, location, a hand-edited company, a message, a note, a suggestion)."""
    robert = create_contact(
        session, user, "Robert Smith", ["robert@acme.io"], company="Acme", tags=["investor"],
        phones=["+49 30 1234567"],
    )  # fmt: skip
    bob = create_contact(
        session,
        user,
        "Bob Smith",
        linkedin="bob-smith-1a2b3c4",
        title="CTO",
        location="Berlin",
        tags=["friend", "investor"],
    )
    bob.company = "Acme Robotics"
    bob.edited_fields = ["company"]
    bob.common_groups = ["Berlin CTOs"]
    robert.common_groups = ["Acme alumni", "Berlin CTOs"]
    robert.edited_fields = []  # as a Gmail sync leaves it
    session.commit()
    create_interaction(session, user, robert, platform=Platform.EMAIL, preview="Quarterly numbers")
    create_interaction(session, user, robert, platform=Platform.EMAIL, preview="Re: numbers")
    create_interaction(session, user, bob, platform=Platform.LINKEDIN, preview="Hi Bob")
    notes.add_note(session, user.id, robert.id, "Met at the board dinner")
    notes.add_note(session, user.id, bob.id, "Loves sailing")
    session.add(
        Suggestion(
            user_id=user.id,
            contact_id=bob.id,
            trigger="time_based",
            reason="It has been a while",
            channel="linkedin",
        )
    )
    session.commit()
    return robert, bob


def test_the_richer_contact_survives_and_absorbs_everything(session: Session) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)
    record = service.merge_contacts(session, user.id, bob.id, robert.id)
    session.commit()

    assert (record.survivor_id, record.absorbed_contact_id) == (robert.id, bob.id)
    assert session.get(Contact, bob.id) is None
    kept = session.get(Contact, robert.id)
    assert kept is not None
    assert kept.full_name == "Robert Smith"  # the survivor's name stays
    assert (kept.title, kept.location) == ("CTO", "Berlin")  # empty fields filled
    assert kept.company == "Acme Robotics"  # edited by hand on Bob: wins
    assert kept.common_groups == ["Acme alumni", "Berlin CTOs"]  # union, no duplicates
    assert kept.interaction_count == 3
    # The survivor is rescored from every conversation it now has; the absorbed
    # contact's score row went with it.
    assert [(s[0], s[1] > 0) for s in state(session, user.id)["scores"]] == [(robert.id, True)]
    assert recompute_scores(session, user.id).contacts_changed == 0
    assert "cto" in kept.search_text
    assert "sailing" in kept.search_text
    owners = set(
        session.scalars(select(Interaction.contact_id).where(Interaction.user_id == user.id))
    )
    assert owners == {robert.id}
    assert [n.body for n in notes.list_notes(session, user.id, robert.id)] == [
        "Loves sailing",
        "Met at the board dinner",
    ] or len(notes.list_notes(session, user.id, robert.id)) == 2
    assert session.scalars(select(Suggestion.contact_id)).all() == [robert.id]
    detail = service.merge_history(session, user.id)
    assert [(m.survivor_name, m.absorbed_name, m.can_undo) for m in detail] == [
        ("Robert Smith", "Bob Smith", True)
    ]


def test_tags_and_identifiers_move_to_the_survivor(session: Session) -> None:
    from pingcrm.contacts import service as contacts

    user = create_user(session)
    robert, bob = two_records(session, user)
    service.merge_contacts(session, user.id, robert.id, bob.id)
    session.commit()
    kept = contacts.get_contact(session, user.id, robert.id)
    assert sorted(t.name for t in kept.tags) == ["friend", "investor"]
    kinds = sorted((i.kind.value, i.value) for i in kept.identifiers)
    assert kinds == [
        ("email", "robert@acme.io"),
        ("linkedin_slug", "bob-smith-1a2b3c4"),
        ("phone", "+49301234567"),
    ]


def test_undo_restores_both_contacts_and_every_owner_exactly(session: Session) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)
    before = state(session, user.id)
    record = service.merge_contacts(session, user.id, robert.id, bob.id)
    session.commit()
    assert state(session, user.id) != before

    service.undo_merge(session, user.id, record.id)
    session.commit()
    after = state(session, user.id)
    for table in (
        "contacts",
        "scores",
        "identifiers",
        "interactions",
        "notes",
        "suggestions",
        "contact_tags",
    ):
        assert after[table] == before[table], table
    # Undoing says "not the same person": the pair is remembered as rejected.
    assert after["matches"] == [(robert.id, bob.id, "rejected")]
    history = service.merge_history(session, user.id)
    assert history[0].undone_at == NOW
    assert not history[0].can_undo


def test_undo_twice_is_refused(session: Session) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)
    record = service.merge_contacts(session, user.id, robert.id, bob.id)
    service.undo_merge(session, user.id, record.id)
    session.commit()
    with pytest.raises(Conflict, match="already undone"):
        service.undo_merge(session, user.id, record.id)


def test_merging_with_itself_is_refused_and_nothing_changes(session: Session) -> None:
    user = create_user(session)
    robert, _bob = two_records(session, user)
    before = state(session, user.id)
    with pytest.raises(ValidationFailed, match="itself"):
        service.merge_contacts(session, user.id, robert.id, robert.id)
    session.rollback()
    assert state(session, user.id) == before


def test_merging_with_another_users_contact_is_refused(session: Session) -> None:
    ada = create_user(session)
    eve = create_user(session, "eve@example.com")
    robert, _ = two_records(session, ada)
    stranger = create_contact(session, eve, "Robert Smith", ["bob@evil.example"])
    before_ada, before_eve = state(session, ada.id), state(session, eve.id)
    with pytest.raises(NotFound):
        service.merge_contacts(session, ada.id, robert.id, stranger.id)
    with pytest.raises(NotFound):
        service.merge_contacts(session, eve.id, stranger.id, robert.id)
    session.rollback()
    assert (state(session, ada.id), state(session, eve.id)) == (before_ada, before_eve)
    assert session.scalars(select(MergeRecord)).all() == []


def test_merging_a_contact_already_merged_away_is_refused(session: Session) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)
    third = create_contact(session, user, "Robert Smith Jr")
    service.merge_contacts(session, user.id, robert.id, bob.id)
    session.commit()
    before = state(session, user.id)
    with pytest.raises(Conflict, match="already merged"):
        service.merge_contacts(session, user.id, third.id, bob.id)
    session.rollback()
    assert state(session, user.id) == before


def test_undo_of_a_merge_whose_survivor_was_merged_again_asks_for_the_later_one(
    session: Session,
) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)
    third = create_contact(session, user, "Rob Smith", ["rob@smith.family"])
    first = service.merge_contacts(session, user.id, robert.id, bob.id)
    second = service.merge_contacts(session, user.id, third.id, robert.id)
    session.commit()
    if second.survivor_id == third.id:
        with pytest.raises(Conflict, match="undo that later merge first"):
            service.undo_merge(session, user.id, first.id)
        session.rollback()
    service.undo_merge(session, user.id, second.id)
    service.undo_merge(session, user.id, first.id)
    session.commit()
    assert {c.full_name for c in session.scalars(select(Contact))} == {
        "Robert Smith",
        "Bob Smith",
        "Rob Smith",
    }


def test_decisions_in_the_queue(session: Session) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)
    low, high = sorted((robert.id, bob.id))
    match = IdentityMatch(
        user_id=user.id, contact_a_id=low, contact_b_id=high, score=0.95, tier=2,
        signals={"matched": {"name": 0.95}, "guards": []},
    )  # fmt: skip
    session.add(match)
    session.commit()
    match_id = match.id
    assert [v.id for v in service.duplicates_of(session, user.id, bob.id)] == [match_id]
    with pytest.raises(ValidationFailed):
        service.decide(session, user.id, match_id, "explode")
    service.decide(session, user.id, match_id, "skip")
    assert match.status is MatchStatus.SKIPPED
    assert service.queue_counts(session, user.id) == (0, 1)
    decision = service.decide(session, user.id, match_id, "merge")
    session.commit()
    assert decision.record is not None
    # The pair is gone with the absorbed contact: nothing left to decide.
    with pytest.raises(NotFound):
        service.decide(session, user.id, match_id, "reject")


def test_calendar_attendees_follow_the_merge_and_its_undo(session: Session) -> None:
    """The meeting brief finds attendees through the event's attendee list: after a merge
    the absorbed person's entries name the survivor, and Undo puts back each one."""
    user = create_user(session)
    robert, bob = two_records(session, user)
    account = PlatformAccount(
        user_id=user.id, provider=Provider.GMAIL, external_id="ada@gmail.com", sync_settings={}
    )
    session.add(account)
    session.flush()
    attendees = [
        {"email": "robert@acme.io", "name": "Robert", "contact_id": robert.id},
        {"email": "bob@smith.example", "name": "Bob", "contact_id": bob.id},
    ]
    both = CalendarEvent(
        user_id=user.id,
        platform_account_id=account.id,
        event_id="board",
        title="Board meeting",
        starts_at=NOW,
        attendees=attendees,
    )
    session.add(both)
    session.flush()
    for contact in (robert, bob):
        meeting = create_interaction(
            session, user, contact, platform=Platform.MEETING, preview="Board meeting"
        )
        meeting.extra = {"event_id": "board"}
    session.commit()

    record = service.merge_contacts(session, user.id, robert.id, bob.id)
    session.commit()
    survivor = record.survivor_id
    session.refresh(both)
    assert [a["contact_id"] for a in both.attendees] == [survivor, survivor]

    service.undo_merge(session, user.id, record.id)
    session.commit()
    session.refresh(both)
    assert both.attendees == attendees


def test_a_merged_person_keeps_one_open_suggestion_and_undo_brings_the_other_back(
    session: Session,
) -> None:
    user = create_user(session)
    robert, bob = two_records(session, user)  # Bob already has a pending suggestion
    session.add(
        Suggestion(
            user_id=user.id,
            contact_id=robert.id,
            trigger="time_based",
            reason="Ask Robert about the quarterly numbers",
            channel="email",
        )
    )
    session.commit()
    before = state(session, user.id)

    record = service.merge_contacts(session, user.id, robert.id, bob.id)
    session.commit()
    survivor = record.survivor_id
    open_reasons = session.scalars(
        select(Suggestion.reason).where(Suggestion.user_id == user.id)
    ).all()
    assert open_reasons == ["Ask Robert about the quarterly numbers"]
    assert survivor == robert.id

    service.undo_merge(session, user.id, record.id)
    session.commit()
    assert state(session, user.id)["suggestions"] == before["suggestions"]


def test_the_survivor_keeps_the_fuller_name_unless_edited_by_hand(session: Session) -> None:
    # Issue #18: "Maxwell" (richer: email, phone, notes) absorbed "Maxwell Wilcox".
    user = create_user(session)
    short = create_contact(
        session, user, "Maxwell", ["max@example.org"], phones=["+14155550100"], company="Acme"
    )
    notes.add_note(session, user.id, short.id, "Coffee on Friday")
    full = create_contact(session, user, "Maxwell Wilcox", company="Acme Robotics")
    short.edited_fields = []  # as a sync leaves it
    session.commit()
    record = service.merge_contacts(session, user.id, short.id, full.id)
    session.commit()
    survivor = session.get(Contact, record.survivor_id)
    assert survivor is not None
    assert record.survivor_id == short.id  # the richer record survived
    assert survivor.full_name == "Maxwell Wilcox"
    assert survivor.company == "Acme Robotics"
    service.undo_merge(session, user.id, record.id)
    session.commit()
    assert session.get(Contact, short.id).full_name == "Maxwell"  # type: ignore[union-attr]

    # A name the user typed by hand stays, however short.
    short.edited_fields = ["full_name"]
    session.commit()
    other = create_contact(session, user, "Maxwell J. Wilcox")
    record = service.merge_contacts(session, user.id, short.id, other.id)
    session.commit()
    assert session.get(Contact, record.survivor_id).full_name == "Maxwell"  # type: ignore[union-attr]


def test_merging_contacts_with_conflicting_identifiers_warns_first_then_works(
    session: Session,
) -> None:
    user = create_user(session)
    one = create_contact(session, user, "John Smith", linkedin="john-smith-1", company="Acme")
    two = create_contact(session, user, "John Smith", linkedin="jsmith-sales", company="Acme")
    before = state(session, user.id)
    with pytest.raises(Conflict) as refused:
        service.merge_contacts(session, user.id, one.id, two.id, confirm_conflicts=False)
    assert "Different LinkedIn profiles" in refused.value.message
    assert refused.value.details["conflicts"] == ["Different LinkedIn profiles"]
    session.rollback()
    assert state(session, user.id) == before
    record = service.merge_contacts(session, user.id, one.id, two.id, confirm_conflicts=True)
    session.commit()
    assert record.absorbed_contact_id in (one.id, two.id)
    assert len(session.scalars(select(Contact).where(Contact.user_id == user.id)).all()) == 1
