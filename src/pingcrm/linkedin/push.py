"""The extension's push: LinkedIn conversations' messages and the people they are with.

Everything is batched (a fixed number of statements per 500 rows, never one per message):
people go through the shared contact ingest (matched by member id, then slug, never by
name), messages through the interaction recorder (deduplicated by message URN: the
interactions' unique ``(user_id, platform, provider_id)``). The push is one Sync History
run (LinkedIn · Extension) in the request's transaction: a refused push writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.errors import ValidationFailed
from pingcrm.identity.service import request_scan
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.linkedin import pairing, repository
from pingcrm.linkedin.schemas import PushContact, PushIn
from pingcrm.linkedin.urns import member_id
from pingcrm.models import (
    Direction,
    IdentifierKind,
    InteractionKind,
    NotificationKind,
    Platform,
    Provider,
    RunStatus,
    SyncKind,
    SyncTrigger,
)
from pingcrm.notifications.service import notify
from pingcrm.platform_accounts import service as accounts
from pingcrm.sync.engine import summary
from pingcrm.sync.runs import finish_run, start_run

BACKFILL_SIZE = 10
# A profile sent to /profiles is not asked for again for this long.
BACKFILL_COOLDOWN = timedelta(days=7)


@dataclass
class BackfillItem:
    contact_id: int
    member_urn: str
    public_id: str | None
    profile_url: str | None


@dataclass
class PushResult:
    new_contacts: int = 0
    updated_contacts: int = 0
    new_messages: int = 0
    duplicate_messages: int = 0
    backfill: list[BackfillItem] = field(default_factory=list)
    run_id: int | None = None


def _contact_input(contact: PushContact, mid: str) -> ContactInput:
    first = (contact.first_name or "").strip()
    last = (contact.last_name or "").strip()
    name = " ".join(p for p in (first, last) if p) or contact.public_id or "LinkedIn member"
    identifiers: list[tuple[IdentifierKind, str, str | None]] = [
        (IdentifierKind.LINKEDIN_ID, mid, None)
    ]
    slug_source = contact.public_id or contact.profile_url
    if slug_source:
        identifiers.append((IdentifierKind.LINKEDIN_SLUG, slug_source, None))
    return ContactInput(
        full_name=name,
        given_name=first or None,
        family_name=last or None,
        linkedin_headline=contact.headline or None,
        identifiers=identifiers,
    )


def push(session: Session, user_id: int, body: PushIn) -> PushResult:
    """Record a push for ``user_id`` (flushed; the request commits it)."""
    result = PushResult()
    # People of this push, one per member id (the last mention wins).
    people: dict[str, PushContact] = {}
    for contact in body.contacts:
        mid = member_id(contact.member_urn)
        assert mid is not None  # validated
        people[mid] = contact
    # Every message's other participant must be someone of this push or already known.
    message_mids = {member_id(m.member_urn) or "" for m in body.messages}
    known = repository.contacts_by_identifier(
        session, user_id, IdentifierKind.LINKEDIN_ID, message_mids - set(people)
    )
    unknown = [
        {
            "field": f"messages.{index}.member_urn",
            "message": "not a contact of this push nor a LinkedIn contact PingCRM knows",
        }
        for index, message in enumerate(body.messages)
        if (member_id(message.member_urn) or "") not in people
        and (member_id(message.member_urn) or "") not in known
    ]
    if unknown:
        raise ValidationFailed(
            f"{len(unknown)} message(s) name a member who is not in the push's contacts.",
            details={"errors": unknown[:200]},
        )

    account = pairing.linkedin_account(session, user_id)
    run = start_run(
        session,
        user_id=user_id,
        provider=Provider.LINKEDIN,
        kind=SyncKind.EXTENSION_PUSH,
        trigger=SyncTrigger.EXTENSION,
        platform_account_id=account.id if account else None,
    )
    result.run_id = run.id

    by_member: dict[str, int] = dict(known)
    mids = list(people)
    if mids:
        ingest = upsert_contacts(
            session,
            user_id,
            [_contact_input(people[m], m) for m in mids],
            source="linkedin",
        )
        result.new_contacts = ingest.created
        result.updated_contacts = ingest.updated
        by_member.update({m: cid for m, cid in zip(mids, ingest.contact_ids, strict=True) if cid})

    # Messages already recorded are left out before the insert (a re-push costs a lookup).
    seen = repository.existing_message_urns(
        session, user_id, [m.message_urn for m in body.messages]
    )
    rows = [
        NewInteraction(
            contact_id=by_member[member_id(message.member_urn) or ""],
            platform=Platform.LINKEDIN,
            kind=InteractionKind.MESSAGE,
            direction=Direction(message.direction),
            occurred_at=message.occurred_at,
            provider_id=message.message_urn,
            preview=message.text,
            thread_id=message.conversation_urn,
            platform_account_id=account.id if account else None,
        )
        for message in body.messages
        if message.message_urn not in seen
    ]
    if rows:
        result.new_messages = record_interactions(session, user_id, rows)
    result.duplicate_messages = len(body.messages) - result.new_messages

    run.new_interactions = result.new_messages
    run.new_contacts = result.new_contacts
    run.updated_contacts = result.updated_contacts
    run.skipped = result.duplicate_messages
    run.progress_total = len(body.messages)
    run.details = {
        "contacts": len(people),
        "messages": len(body.messages),
        "duplicate_messages": result.duplicate_messages,
    }
    finish_run(run, RunStatus.SUCCESS)
    if account is not None:
        accounts.mark_success(account)
    if result.new_contacts:
        request_scan(session, user_id)
    if result.new_messages or result.new_contacts:
        notify(
            session,
            user_id,
            NotificationKind.SYNC_FINISHED,
            "LinkedIn sync finished",
            summary(run),
            "/settings#linkedin",
        )
    result.backfill = backfill(session, user_id, prefer=set(by_member.values()))
    session.flush()
    return result


def backfill(session: Session, user_id: int, *, prefer: set[int]) -> list[BackfillItem]:
    """Up to 10 LinkedIn contacts missing a title, company or avatar (this push's first)."""
    ids = repository.backfill_candidates(
        session,
        user_id,
        prefer=prefer,
        exclude_fetched_since=utcnow() - BACKFILL_COOLDOWN,
        limit=BACKFILL_SIZE,
    )
    identifiers = repository.linkedin_identifiers(session, user_id, ids)
    items = []
    for contact_id in ids:
        found = identifiers.get(contact_id, {})
        mid = found.get(IdentifierKind.LINKEDIN_ID)
        if mid is None:
            continue
        slug = found.get(IdentifierKind.LINKEDIN_SLUG)
        items.append(
            BackfillItem(
                contact_id=contact_id,
                member_urn=f"urn:li:fsd_profile:{mid}",
                public_id=slug,
                profile_url=f"https://www.linkedin.com/in/{slug}" if slug else None,
            )
        )
    return items
