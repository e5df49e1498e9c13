"""The seeded demo dataset: deterministic, realistic, consistent, with planted pairs."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.contacts import service as contacts_service
from pingcrm.contacts.identifiers import normalize_email, normalize_phone
from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.contacts.search_text import sort_name
from pingcrm.demo.data import NICKNAMES, transliterate
from pingcrm.demo.generator import PAIR_KINDS
from pingcrm.demo.service import DemoResult, generate_demo
from pingcrm.errors import Conflict
from pingcrm.exports.service import export_account_json
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import (
    Contact,
    ContactIdentifier,
    ContactScore,
    IdentifierKind,
    Interaction,
    Notification,
    Organization,
    User,
)
from pingcrm.organizations.resolution import normalize_company
from tests.fixtures.builders import create_contact, create_interaction, create_user

NOW = datetime(2026, 11, 20, tzinfo=UTC)
N = 300


def _dataset(session: Session, user: User) -> dict[str, Any]:
    doc = export_account_json(session, user)

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {"contacts": strip(doc["contacts"]), "organizations": strip(doc["organizations"])}


def _demo(session: Session, email: str, seed: int = 7, **kwargs: Any) -> tuple[User, DemoResult]:
    user = create_user(session, email)
    result = generate_demo(session, user, contacts=N, seed=seed, now=NOW, **kwargs)
    session.commit()
    return user, result


def test_same_seed_gives_the_same_dataset(session: Session) -> None:
    first, result_a = _demo(session, "a@example.com")
    second, result_b = _demo(session, "b@example.com")
    third, _ = _demo(session, "c@example.com", seed=8)
    data_a, data_b = _dataset(session, first), _dataset(session, second)
    assert len(data_a["contacts"]) == N
    assert data_a == data_b
    assert [(p.kind, p.evidence) for p in result_a.duplicate_pairs] == [
        (p.kind, p.evidence) for p in result_b.duplicate_pairs
    ]
    assert _dataset(session, third)["contacts"] != data_a["contacts"]


def test_dataset_looks_like_a_real_network(session: Session) -> None:
    user, result = _demo(session, "ada@example.com")
    contacts = session.execute(select(Contact).where(Contact.user_id == user.id)).scalars().all()
    assert result.contacts == len(contacts) == N
    assert result.interactions > 5 * N
    assert len({c.bcc_hash for c in contacts}) == N
    # Every contact has its score row, unscored until the score refresh runs.
    scores = session.execute(select(ContactScore.score, ContactScore.parts)).all()
    assert len(scores) == N
    assert all(tuple(s) == (0, {}) for s in scores)
    assert all(c.sort_name == sort_name(c.full_name) for c in contacts)
    assert all(c.full_name.lower().split()[0] in c.search_text for c in contacts)
    assert len({c.source for c in contacts}) >= 5
    assert any(c.is_second_tier for c in contacts)
    next_two_weeks = {
        ((NOW + timedelta(days=d)).month, (NOW + timedelta(days=d)).day) for d in range(14)
    }
    soon = [
        c for c in contacts if c.birthday and (c.birthday.month, c.birthday.day) in next_two_weeks
    ]
    assert soon, "some birthdays fall in the next two weeks"
    assert {c.priority.value for c in contacts} >= {"high", "medium", "low"}
    # A core of close contacts with many interactions, and a long tail.
    counts = sorted((c.interaction_count for c in contacts), reverse=True)
    assert counts[0] >= 40
    assert sum(1 for n in counts if n <= 2) > N // 3
    platforms = set(
        session.execute(
            select(Interaction.platform).where(Interaction.user_id == user.id).distinct()
        ).scalars()
    )
    assert {p.value for p in platforms} == {
        "email",
        "telegram",
        "twitter",
        "linkedin",
        "meeting",
        "manual",
    }
    kinds = set(
        session.execute(
            select(ContactIdentifier.kind).where(ContactIdentifier.user_id == user.id).distinct()
        ).scalars()
    )
    assert {IdentifierKind.EMAIL, IdentifierKind.PHONE, IdentifierKind.LINKEDIN_SLUG} <= kinds
    notifications = session.execute(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
    ).scalar_one()
    assert notifications > 0


def test_counters_match_the_interactions_table(session: Session) -> None:
    user, _ = _demo(session, "ada@example.com")
    rows = session.execute(
        select(Interaction.contact_id, func.count(), func.max(Interaction.occurred_at))
        .where(Interaction.user_id == user.id)
        .group_by(Interaction.contact_id)
    ).all()
    truth = {row[0]: (row[1], row[2]) for row in rows}
    contacts = session.execute(select(Contact).where(Contact.user_id == user.id)).scalars().all()
    for contact in contacts:
        count, last = truth.get(contact.id, (0, None))
        assert (contact.interaction_count, contact.last_interaction_at) == (count, last)
    assert any(c.interaction_count == 0 for c in contacts)
    latest = max(c.last_interaction_at for c in contacts if c.last_interaction_at)
    assert NOW - timedelta(days=30) < latest <= NOW


def test_organizations_group_contacts_by_company(session: Session) -> None:
    user, result = _demo(session, "ada@example.com")
    orgs = {
        o.id: o
        for o in session.execute(
            select(Organization).where(Organization.user_id == user.id)
        ).scalars()
    }
    assert result.organizations == len(orgs) > 10
    by_company: dict[str, set[int | None]] = defaultdict(set)
    for contact in session.execute(select(Contact).where(Contact.user_id == user.id)).scalars():
        if contact.company:
            assert contact.organization_id in orgs
            assert orgs[contact.organization_id].normalized_name == normalize_company(
                contact.company
            )
            by_company[normalize_company(contact.company)].add(contact.organization_id)
        else:
            assert contact.organization_id is None
    assert all(len(ids) == 1 for ids in by_company.values())


def _names_match(a: Contact, b: Contact) -> bool:
    first_a, first_b = a.given_name or "", b.given_name or ""
    same_last = transliterate(a.family_name or "") == transliterate(b.family_name or "")
    nick = first_b in NICKNAMES.get(first_a, []) or first_a in NICKNAMES.get(first_b, [])
    return same_last and (nick or transliterate(first_a) == transliterate(first_b))


def test_planted_duplicates_really_share_evidence(session: Session) -> None:
    user, result = _demo(session, "ada@example.com")
    pairs = result.duplicate_pairs
    assert len(pairs) == round(N * 0.02)
    # Kinds are planted in turn: every kind appears once there are enough pairs.
    assert {p.kind for p in pairs} == set(PAIR_KINDS[: len(pairs)])
    idents: dict[int, dict[IdentifierKind, set[str]]] = defaultdict(lambda: defaultdict(set))
    for ident in session.execute(
        select(ContactIdentifier).where(ContactIdentifier.user_id == user.id)
    ).scalars():
        idents[ident.contact_id][ident.kind].add(ident.value)
    for pair in pairs:
        a, b = session.get(Contact, pair.a_id), session.get(Contact, pair.b_id)
        assert a is not None
        assert b is not None
        assert a.id != b.id
        if pair.kind in ("nickname_company", "same_name_company"):
            assert a.organization_id is not None
            assert a.organization_id == b.organization_id
            assert _names_match(a, b), (a.full_name, b.full_name)
        elif pair.kind in ("gmail_variant_in_bio", "work_email_in_bio"):
            bio = b.twitter_bio or b.telegram_bio or ""
            found = {normalize_email(m) for m in re.findall(r"[\w.+-]+@[\w.-]+\.\w+", bio)}
            assert found & idents[a.id][IdentifierKind.EMAIL], (bio, idents[a.id])
        elif pair.kind == "phone_in_bio":
            assert b.telegram_bio
            phones = {normalize_phone(m) for m in re.findall(r"\+[\d ()-]{7,}\d", b.telegram_bio)}
            assert phones & idents[a.id][IdentifierKind.PHONE], (b.telegram_bio, idents[a.id])
        elif pair.kind == "linkedin_in_bio":
            assert b.twitter_bio
            assert f"linkedin.com/in/{next(iter(idents[a.id][IdentifierKind.LINKEDIN_SLUG]))}" in (
                b.twitter_bio
            )
        else:
            assert (
                idents[a.id][IdentifierKind.TELEGRAM_USERNAME]
                == idents[b.id][IdentifierKind.TWITTER_HANDLE]
            )
            assert a.full_name == b.full_name
    truth = result.truth()
    assert truth[0]["a"] == pairs[0].a_id
    assert truth[0]["kind"] == pairs[0].kind


def test_refuses_an_account_with_contacts_unless_forced(session: Session) -> None:
    user = create_user(session)
    create_contact(session, user, "Existing Person")
    with pytest.raises(Conflict, match="already has 1 contacts"):
        generate_demo(session, user, contacts=20, now=NOW)
    session.rollback()
    result = generate_demo(session, user, contacts=20, now=NOW, force=True)
    session.commit()
    names = session.execute(select(Contact.full_name).where(Contact.user_id == user.id)).all()
    assert len(names) == result.contacts == 20
    assert ("Existing Person",) not in names


def test_previews_stay_searchable_after_a_bulk_load(session: Session) -> None:
    """The bulk path builds every contact's search document itself; interactions
    recorded afterwards still join it."""
    user, _ = _demo(session, "ada@example.com")
    direct = set(
        session.execute(
            select(Interaction.contact_id).where(
                Interaction.user_id == user.id, Interaction.preview.ilike("%sheet%")
            )
        ).scalars()
    )
    assert direct
    query = ContactListQuery(q="sheet", show_second_tier=True, show_archived=True)
    page = contacts_service.list_contacts(session, user.id, query, PageRequest(limit=100))
    found = {c.id for c in page.items}
    named = set(
        session.execute(
            select(Contact.id).where(Contact.id.in_(found), Contact.search_text.contains("sheet"))
        ).scalars()
    )
    assert found - named == direct
    contact = session.execute(select(Contact).where(Contact.user_id == user.id)).scalars().first()
    assert contact is not None
    create_interaction(session, user, contact, preview="zebracorn unicorn", provider_id="x-1")
    page = contacts_service.list_contacts(
        session,
        user.id,
        ContactListQuery(q="zebracorn", show_archived=True, show_second_tier=True),
        PageRequest(limit=10),
    )
    assert [c.id for c in page.items] == [contact.id]
