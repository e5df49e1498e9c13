"""Email sync against the fake Gmail API: full, incremental, 404 fallback, direction,
aliases, automated senders, idempotence, BCC linking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.models import Contact, ContactIdentifier, Direction, Interaction, RunStatus
from pingcrm.scoring.service import recompute_scores
from tests.fixtures.builders import create_contact, stored_score
from tests.google.gmail.conftest import ME, Gmail

NOW = datetime.now(UTC)


def _interactions(session: Session) -> list[Interaction]:
    session.expire_all()
    return list(session.scalars(select(Interaction).order_by(Interaction.occurred_at)))


def _contact_named(session: Session, name: str) -> Contact:
    return session.scalars(select(Contact).where(Contact.full_name == name)).one()


def test_first_sync_records_one_interaction_per_message_with_subject_and_snippet(
    gmail: Gmail,
) -> None:
    g = gmail.google
    thread = g.add_message(
        ME,
        sender="Grace Hopper <grace@navy.example>",
        to=[ME],
        subject="Compilers",
        snippet="Shall we meet on Tuesday?",
        at=NOW - timedelta(days=3),
    )
    g.add_message(
        ME,
        sender=ME,
        to=["Grace Hopper <grace@navy.example>"],
        subject="Re: Compilers",
        snippet="Tuesday works",
        at=NOW - timedelta(days=2),
        labels=["SENT"],
        thread_id=thread,
    )

    run = gmail.sync()

    assert run.status is RunStatus.SUCCESS
    assert run.new_interactions == 2
    assert run.new_contacts == 1
    rows = _interactions(gmail.session)
    grace = _contact_named(gmail.session, "Grace Hopper")
    assert [(r.contact_id, r.direction) for r in rows] == [
        (grace.id, Direction.INBOUND),
        (grace.id, Direction.OUTBOUND),
    ]
    assert rows[0].subject == "Compilers"
    assert rows[0].preview == "Compilers — Shall we meet on Tuesday?"
    assert rows[0].thread_id == rows[1].thread_id == thread
    assert abs((rows[0].occurred_at - (NOW - timedelta(days=3))).total_seconds()) < 1
    gmail.session.refresh(grace)
    assert grace.interaction_count == 2
    # The score the user sees after the sync: a two-way conversation two days ago.
    assert stored_score(gmail.session, grace.id).score == 7
    assert recompute_scores(gmail.session, grace.user_id).contacts_changed == 0


def test_rerunning_creates_nothing_new_and_incremental_picks_up_new_mail(gmail: Gmail) -> None:
    g = gmail.google
    g.add_message(ME, sender="ann@example.org", to=[ME], subject="One", snippet="a")
    assert gmail.sync().new_interactions == 1

    again = gmail.sync()
    assert again.new_interactions == 0
    assert again.new_contacts == 0

    g.add_message(ME, sender="bob@example.org", to=[ME], subject="Two", snippet="b")
    listed_before = g.calls["messages.list"]
    third = gmail.sync()

    assert third.new_interactions == 1
    assert g.calls["messages.list"] == listed_before  # incremental: history, not a list
    assert len(_interactions(gmail.session)) == 2


def test_history_too_old_falls_back_to_a_full_sync_without_duplicates(gmail: Gmail) -> None:
    g = gmail.google
    g.add_message(ME, sender="ann@example.org", to=[ME], subject="Old", snippet="x")
    gmail.sync()
    g.add_message(ME, sender="cy@example.org", to=[ME], subject="New", snippet="y")
    g.forget_history_before_now(ME)

    run = gmail.sync()

    assert run.status is RunStatus.SUCCESS
    assert run.new_interactions == 1
    assert {r.subject for r in _interactions(gmail.session)} == {"Old", "New"}


def test_messages_from_an_alias_are_outbound_to_every_recipient(gmail: Gmail) -> None:
    gmail.google.add_message(
        ME,
        sender="Me At Work <me@work.example>",
        to=["Dan <dan@example.org>"],
        cc=["eve@example.org", "ME@gmail.com"],
        subject="Plan",
        snippet="See attached",
    )

    gmail.sync()

    rows = _interactions(gmail.session)
    assert sorted(r.direction for r in rows) == [Direction.OUTBOUND, Direction.OUTBOUND]
    names = {gmail.session.get(Contact, r.contact_id).full_name for r in rows}  # type: ignore[union-attr]
    assert names == {"Dan", "eve"}


def test_automated_senders_are_skipped_and_counted(gmail: Gmail) -> None:
    g = gmail.google
    g.add_message(ME, sender="GitHub <noreply@github.com>", to=[ME], subject="PR", snippet="a")
    g.add_message(
        ME,
        sender="news@shop.example",
        to=[ME],
        subject="Sale",
        snippet="b",
        headers={"List-Unsubscribe": "<mailto:u@shop.example>"},
    )
    g.add_message(
        ME,
        sender="digest@club.example",
        to=[ME],
        subject="Digest",
        snippet="c",
        headers={"Precedence": "bulk"},
    )
    g.add_message(ME, sender="notifications@app.example", to=[ME], subject="Ping", snippet="d")
    g.add_message(ME, sender="Real Person <real@example.org>", to=[ME], subject="Hi", snippet="e")

    run = gmail.sync()

    assert run.skipped == 4
    assert run.new_contacts == 1
    assert gmail.session.scalar(select(func.count()).select_from(Contact)) == 1


def test_spam_trash_chats_and_mail_outside_the_window_are_not_synced(gmail: Gmail) -> None:
    g = gmail.google
    g.add_message(ME, sender="spam@x.example", to=[ME], subject="Spam", labels=["SPAM"])
    g.add_message(ME, sender="t@x.example", to=[ME], subject="Trash", labels=["TRASH"])
    g.add_message(ME, sender="c@x.example", to=[ME], subject="Chat", labels=["CHAT"])
    g.add_message(
        ME, sender="o@x.example", to=[ME], subject="Ancient", at=NOW - timedelta(days=3 * 365)
    )
    g.add_message(ME, sender="k@x.example", to=[ME], subject="Kept")

    gmail.sync()

    assert [r.subject for r in _interactions(gmail.session)] == ["Kept"]


def test_an_existing_contact_is_matched_by_normalised_email(gmail: Gmail) -> None:
    ada = create_contact(gmail.session, gmail.user, "Ada L", ["adalove@gmail.com"])
    gmail.google.add_message(ME, sender="Ada <Ada.Love+news@googlemail.com>", to=[ME], subject="Hi")

    run = gmail.sync()

    assert run.new_contacts == 0
    assert [r.contact_id for r in _interactions(gmail.session)] == [ada.id]


def test_bcc_address_links_the_message_to_the_contact_and_never_becomes_a_contact(
    gmail: Gmail,
) -> None:
    zed = create_contact(gmail.session, gmail.user, "Zed Unknown")
    gmail.google.add_message(
        ME,
        sender=ME,
        to=["someone@partner.example"],
        bcc=[f"me+{zed.bcc_hash}@gmail.com"],
        subject="Proposal",
        snippet="Attached",
        labels=["SENT", "INBOX"],
        at=NOW - timedelta(hours=2),
    )
    # Sent from another client: only the delivered copy carries the +hash address.
    gmail.google.add_message(
        ME,
        sender="Me <me@outlook.example>",
        to=["x@else.example"],
        subject="From Outlook",
        at=NOW - timedelta(hours=1),
        headers={"Delivered-To": f"me+{zed.bcc_hash}@gmail.com"},
    )

    gmail.sync()

    rows = _interactions(gmail.session)
    zed_rows = [r for r in rows if r.contact_id == zed.id]
    assert [(r.subject, r.direction) for r in zed_rows] == [
        ("Proposal", Direction.OUTBOUND),
        ("From Outlook", Direction.OUTBOUND),
    ]
    others = {r.direction for r in rows if r.contact_id != zed.id}
    assert others == {Direction.OUTBOUND}  # the recipients, not the sender
    values = set(gmail.session.scalars(select(ContactIdentifier.value)))
    assert values == {"someone@partner.example", "x@else.example"}
    assert not any("+" in v for v in values)
    assert "me@gmail.com" not in values
