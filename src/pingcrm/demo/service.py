"""Fill an account with the seeded demo dataset (``pingcrm demo``, ``make bench``).

Everything goes in through batched Core inserts (no ORM object per row); contact
counters are computed set-based afterwards. Scores stay 0 here: ``pingcrm demo`` then runs
the score refresh, the duplicate scan and the follow-up engine (``cli/demo.py``) so the
dashboard is alive at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.demo import DEFAULT_CONTACTS, data, repository
from pingcrm.demo.generator import DemoGenerator, Person
from pingcrm.errors import Conflict, ValidationFailed
from pingcrm.kit.clock import utcnow
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    Note,
    NotificationKind,
    Organization,
    Tag,
    TagCategory,
    User,
    contact_tags,
    is_listed,
)
from pingcrm.scoring.service import insert_scores
from pingcrm.tags.service import normalize_tag_name

__all__ = ["DEFAULT_CONTACTS", "generate_demo"]

MAX_CONTACTS = 1_000_000


@dataclass(frozen=True)
class DuplicatePair:
    """Ground truth: two contact ids that are the same real person."""

    a_id: int
    b_id: int
    kind: str
    evidence: str


@dataclass
class DemoResult:
    """What :func:`generate_demo` created."""

    contacts: int = 0
    interactions: int = 0
    identifiers: int = 0
    organizations: int = 0
    tags: int = 0
    notes: int = 0
    seconds: float = 0.0
    duplicate_pairs: list[DuplicatePair] = field(default_factory=list)

    def truth(self) -> list[dict[str, Any]]:
        """The planted duplicate pairs as JSON-ready dicts."""
        return [
            {"a": p.a_id, "b": p.b_id, "kind": p.kind, "evidence": p.evidence}
            for p in self.duplicate_pairs
        ]


def generate_demo(
    session: Session,
    user: User,
    *,
    contacts: int = DEFAULT_CONTACTS,
    interactions: int | None = None,
    seed: int = 42,
    force: bool = False,
    now: datetime | None = None,
) -> DemoResult:
    """Fill ``user``'s account with a realistic seeded dataset and return what it made,
    including the planted duplicate pairs (ground truth for identity resolution).

    ``interactions`` fixes the total (the benchmark sizes); by default each contact gets
    what its closeness tier draws (about 10 on average). The same seed, size and ``now``
    (default: today at midnight UTC) give the same dataset. Refuses an account that
    already has contacts unless ``force``, which first deletes its contacts, tags and
    organizations.
    """
    if not 1 <= contacts <= MAX_CONTACTS:
        raise ValidationFailed(
            f"The number of contacts must be between 1 and {MAX_CONTACTS:,}.",
            details={"field": "contacts"},
        )
    if interactions is not None and interactions < 0:
        raise ValidationFailed("The number of interactions cannot be negative.")
    existing = repository.count_contacts(session, user.id)
    if existing and not force:
        raise Conflict(
            f"The account {user.email} already has {existing:,} contacts. "
            "Use --force to replace them with the demo dataset."
        )
    started = time.perf_counter()
    if existing:
        repository.delete_people_data(session, user.id)
    anchor = now or utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    generator = DemoGenerator(
        seed=seed, contacts=contacts, interactions=interactions, now=anchor.astimezone(UTC)
    )
    people, pairs = generator.people()
    uid = user.id
    stamp = {"created_at": generator.start, "updated_at": generator.start}
    result = DemoResult()

    # Organizations, resolved like the product: one per normalised company name.
    used_orgs = {p.org for p in people if p.org}
    org_rows = [c for c in generator.companies if c.key in used_orgs]
    org_ids = dict(
        zip(
            [c.key for c in org_rows],
            repository.insert_returning_ids(
                session,
                Organization,
                [
                    {
                        "user_id": uid,
                        "name": c.name,
                        "normalized_name": c.key,
                        "domain": c.domain,
                        **stamp,
                    }
                    for c in org_rows
                ],
            ),
            strict=True,
        )
    )
    result.organizations = len(org_ids)

    # Tag taxonomy.
    category_ids = repository.insert_returning_ids(
        session,
        TagCategory,
        [
            {
                "user_id": uid,
                "name": name,
                "normalized_name": normalize_tag_name(name),
                "position": position,
                **stamp,
            }
            for position, name in enumerate(data.TAG_TAXONOMY)
        ],
    )
    tag_specs = [
        (tag, category_id)
        for category_id, tags in zip(category_ids, data.TAG_TAXONOMY.values(), strict=True)
        for tag in tags
    ]
    tag_ids = dict(
        zip(
            [normalize_tag_name(t) for t, _ in tag_specs],
            repository.insert_returning_ids(
                session,
                Tag,
                [
                    {
                        "user_id": uid,
                        "category_id": category_id,
                        "name": tag,
                        "normalized_name": normalize_tag_name(tag),
                        **stamp,
                    }
                    for tag, category_id in tag_specs
                ],
            ),
            strict=True,
        )
    )
    result.tags = len(tag_ids)

    # Contacts, then everything hanging off them, in batches.
    contact_ids = repository.insert_returning_ids(
        session,
        Contact,
        [
            {
                **p.row,
                "user_id": uid,
                "organization_id": org_ids.get(p.org) if p.org else None,
                "edited_fields": [],
                "interaction_count": 0,
                "last_interaction_at": None,
            }
            for p in people
        ],
    )
    result.contacts = len(contact_ids)
    # Unscored until the score refresh runs.
    insert_scores(
        session,
        uid,
        [
            (cid, 0, {}, is_listed(p.row["is_second_tier"], p.row["priority"]))
            for p, cid in zip(people, contact_ids, strict=True)
        ],
    )
    with repository.deferred_preview_search(session):
        _insert_children(session, generator, people, contact_ids, tag_ids, uid, result)
    repository.refresh_contact_counters(session, uid)
    _notifications(session, uid, anchor, result, len(pairs))
    session.flush()
    result.duplicate_pairs = [
        DuplicatePair(contact_ids[p.a], contact_ids[p.b], p.kind, p.evidence) for p in pairs
    ]
    result.seconds = time.perf_counter() - started
    return result


def _insert_children(
    session: Session,
    generator: DemoGenerator,
    people: list[Person],
    contact_ids: list[int],
    tag_ids: dict[str, int],
    uid: int,
    result: DemoResult,
) -> None:
    """Identifiers, tag links, notes and interactions of the inserted contacts."""
    identifier_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    note_rows: list[dict[str, Any]] = []
    interaction_rows: list[tuple[Any, ...]] = []
    stamp = repository.timestamp_param(session)
    for position, (person, contact_id) in enumerate(zip(people, contact_ids, strict=True)):
        created = person.row["created_at"]
        for kind, value, display, label in person.identifiers:
            identifier_rows.append(
                {
                    "user_id": uid,
                    "contact_id": contact_id,
                    "kind": kind,
                    "value": value,
                    "display_value": display,
                    "label": label,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        for tag in person.tags:
            tag_rows.append({"contact_id": contact_id, "tag_id": tag_ids[normalize_tag_name(tag)]})
        for body in person.notes:
            note_rows.append(
                {
                    "user_id": uid,
                    "contact_id": contact_id,
                    "body": body,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        interaction_rows.extend(generator.interactions(person, contact_id, uid, stamp, position))
        if len(interaction_rows) >= repository.BATCH:
            repository.insert_interaction_rows(session, interaction_rows)
            result.interactions += len(interaction_rows)
            interaction_rows = []
        if len(identifier_rows) >= repository.BATCH:
            repository.insert_rows(session, ContactIdentifier, identifier_rows)
            result.identifiers += len(identifier_rows)
            identifier_rows = []
    repository.insert_interaction_rows(session, interaction_rows)
    result.interactions += len(interaction_rows)
    repository.insert_rows(session, ContactIdentifier, identifier_rows)
    result.identifiers += len(identifier_rows)
    repository.insert_rows(session, contact_tags, tag_rows)
    repository.insert_rows(session, Note, note_rows)
    result.notes = len(note_rows)


def _notifications(
    session: Session, user_id: int, anchor: datetime, result: DemoResult, pairs: int
) -> None:
    """One honest notice: what the demo loaded. It never invents syncs or failures of
    integrations the user has not connected; the scan that follows the demo notifies the
    pairs it queues for review by itself."""
    at = anchor - timedelta(minutes=1)
    repository.add_notifications(
        session,
        [
            {
                "user_id": user_id,
                "kind": NotificationKind.SYSTEM,
                "title": "Demo data loaded",
                "body": (
                    f"{result.contacts:,} sample people with {result.interactions:,} "
                    f"interactions, {pairs} planted duplicate pairs among them. People met "
                    "only in Telegram groups are 2nd-tier contacts, hidden from the list "
                    "until you show them."
                ),
                "link": "/contacts",
                "is_read": False,
                "created_at": at,
                "updated_at": at,
            }
        ],
    )
