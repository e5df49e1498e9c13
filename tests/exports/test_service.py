"""Whole-account export (JSON, vCard 4.0) and restore into an empty account."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import vobject
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts import service as contacts
from pingcrm.contacts.ingest import ContactInput, upsert_contacts
from pingcrm.contacts.schemas import ContactListQuery, ContactUpdate
from pingcrm.dashboard.repository import contact_counts
from pingcrm.errors import Conflict, ValidationFailed
from pingcrm.exports.service import (
    export_account_json,
    export_account_vcard,
    import_account_json,
)
from pingcrm.identity import service as identity
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.kit.crypto import SecretBox, keyed_digest
from pingcrm.kit.pagination import PageRequest
from pingcrm.models import (
    CalendarEvent,
    Contact,
    DetectedEvent,
    ExtensionToken,
    IdentityMatch,
    Interaction,
    MatchStatus,
    McpKey,
    MergeRecord,
    Platform,
    PlatformAccount,
    Provider,
    RunStatus,
    Suggestion,
    SuggestionStatus,
    SyncKind,
    SyncRun,
    SyncTrigger,
    User,
    UserSettings,
)
from pingcrm.notes import service as notes
from tests.fixtures.builders import create_contact, create_interaction, create_user

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
REFRESH_TOKEN = "1//0refresh-token-plaintext-XYZ"
AI_KEY = "sk-ant-plaintext-key-123"
MCP_KEY = "pcrm_mcp_plaintext_key_456"


def build_account(session: Session, settings: Settings, email: str = "ada@example.com") -> User:
    """An account with a bit of everything, including secrets that must never leak."""
    user = create_user(session, email)
    box = SecretBox(settings.fernet_keys)
    gmail = PlatformAccount(
        user_id=user.id,
        provider=Provider.GMAIL,
        external_id="ada@gmail.com",
        display_name="Ada (Gmail)",
        credentials_encrypted=box.encrypt(json.dumps({"refresh_token": REFRESH_TOKEN})),
        scopes="gmail.readonly",
        sync_settings={"auto_sync": True, "meeting_prep_enabled": True},
    )
    session.add(gmail)
    session.add(McpKey(user_id=user.id, digest=keyed_digest(settings.mcp_hmac_secret, MCP_KEY)))
    session.add(ExtensionToken(user_id=user.id, jti="jti-secret-abc", expires_at=NOW))
    session.flush()
    user_settings = session.get(UserSettings, user.id)
    assert user_settings is not None
    user_settings.ai_provider = "anthropic"
    user_settings.ai_api_key_encrypted = box.encrypt(AI_KEY)
    user_settings.followup_high_days = 21
    user_settings.primary_gmail_account_id = gmail.id
    session.commit()

    bob = create_contact(
        session,
        user,
        "Bob Smith",
        ["bob.smith@acme.io", "Bob.Smith+news@gmail.com"],
        phones=["+1 415 555 0134"],
        company="Acme Inc.",
        title="CTO",
        location="Berlin",
        birthday=date(1980, 1, 2),
        telegram="bobsmith",
        twitter="bobtweets",
        linkedin="https://www.linkedin.com/in/bob-smith-42",
        tags=["Investor", "friend"],
    )
    eve = create_contact(session, user, "Ève Durand", ["eve@example.fr"], priority="high")
    notes.add_note(session, user.id, bob.id, "Met at PyCon. Likes climbing.")
    session.commit()
    create_interaction(
        session,
        user,
        bob,
        subject="Term sheet",
        preview="draft attached",
        occurred_at=NOW - timedelta(days=3),
        provider_id="gmail-1",
    )
    create_interaction(
        session,
        user,
        eve,
        platform=Platform.TELEGRAM,
        preview="Salut!",
        occurred_at=NOW - timedelta(days=1),
        provider_id="tg-1",
    )
    session.execute(
        Interaction.__table__.update()
        .where(Interaction.provider_id == "gmail-1")
        .values(platform_account_id=gmail.id)
    )
    session.add(
        Suggestion(
            user_id=user.id,
            contact_id=bob.id,
            trigger="followup",
            reason="No contact for 60 days",
            why={"days": 60},
            message="Hi Bob, how is Acme?",
            channel="email",
            status=SuggestionStatus.PENDING,
        )
    )
    session.add(
        DetectedEvent(
            user_id=user.id,
            contact_id=bob.id,
            kind="job_change",
            summary="Bob is now CTO at Acme",
            source="linkedin",
            occurred_at=NOW - timedelta(days=10),
        )
    )
    low, high = sorted([bob.id, eve.id])
    session.add_all(
        [
            IdentityMatch(
                user_id=user.id,
                contact_a_id=low,
                contact_b_id=high,
                score=0.42,
                tier=2,
                signals={"name": 0.4},
                status=MatchStatus.REJECTED,
                decided_at=NOW - timedelta(days=2),
            ),
            MergeRecord(
                user_id=user.id,
                survivor_id=bob.id,
                absorbed_contact_id=9999,
                snapshot={"version": 1, "absorbed": {"id": 9999, "full_name": "Robert Smith"}},
            ),
            CalendarEvent(
                user_id=user.id,
                platform_account_id=gmail.id,
                event_id="evt-1",
                title="Board meeting",
                starts_at=NOW + timedelta(days=1),
                ends_at=NOW + timedelta(days=1, hours=1),
                time_zone="Europe/Berlin",
                attendees=[
                    {"email": "bob.smith@acme.io", "name": "Bob", "contact_id": bob.id},
                    {"email": "guest@example.org", "name": None, "contact_id": None},
                ],
                html_link="https://calendar.google.com/event?eid=1",
            ),
            SyncRun(
                user_id=user.id,
                platform_account_id=gmail.id,
                provider=Provider.GMAIL,
                kind=SyncKind.EMAIL,
                trigger=SyncTrigger.SCHEDULED,
                status=RunStatus.SUCCESS,
                started_at=NOW - timedelta(hours=2),
                finished_at=NOW - timedelta(hours=1),
                new_interactions=3,
                details={"pages": 2},
            ),
        ]
    )
    session.commit()
    return user


def _strip(value: Any) -> Any:
    """The document without database ids (they differ between accounts)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    doc = _strip(document)
    doc.pop("exported_at")
    doc["account"].pop("email")
    doc["account"].pop("created_at")
    for record in doc["merge_records"]:
        record["snapshot"].pop("version")  # a restored merge is marked (history only)
    return doc


def test_export_json_contains_what_the_user_owns(session: Session, settings: Settings) -> None:
    with use_clock(FrozenClock(NOW)):
        user = build_account(session, settings)
        other = create_user(session, "mallory@example.com")
        create_contact(session, other, "Mallory Secret", ["mallory@evil.example"])
        document = export_account_json(session, user)

    assert document["format_version"] == 1
    assert document["account"]["email"] == "ada@example.com"
    assert document["account"]["settings"]["followup_high_days"] == 21
    assert document["account"]["settings"]["primary_gmail_account"] == "gmail:ada@gmail.com"
    assert [a["external_id"] for a in document["platform_accounts"]] == ["ada@gmail.com"]
    names = [c["full_name"] for c in document["contacts"]]
    assert names == ["Bob Smith", "Ève Durand"]
    bob = document["contacts"][0]
    assert bob["company"] == "Acme Inc."
    assert bob["birthday"] == "1980-01-02"
    assert bob["organization"] is not None
    assert bob["organization"] in {o["normalized_name"] for o in document["organizations"]}
    kinds = {(i["kind"], i["value"]) for i in bob["identifiers"]}
    assert ("email", "bob.smith@acme.io") in kinds
    assert ("email", "bobsmith@gmail.com") in kinds
    assert ("phone", "+14155550134") in kinds
    assert ("telegram_username", "bobsmith") in kinds
    assert ("linkedin_slug", "bob-smith-42") in kinds
    assert sorted(t.lower() for t in bob["tags"]) == ["friend", "investor"]
    assert [n["body"] for n in bob["notes"]] == ["Met at PyCon. Likes climbing."]
    assert [i["preview"] for i in bob["interactions"]] == ["Term sheet — draft attached"]
    assert bob["interactions"][0]["platform_account"] == "gmail:ada@gmail.com"
    assert bob["interaction_count"] == 1
    assert [s["message"] for s in bob["suggestions"]] == ["Hi Bob, how is Acme?"]
    assert [e["summary"] for e in bob["detected_events"]] == ["Bob is now CTO at Acme"]
    assert document["contacts"][1]["interactions"][0]["platform"] == "telegram"
    assert "Mallory Secret" not in json.dumps(document)


def test_export_json_never_contains_a_secret(session: Session, settings: Settings) -> None:
    with use_clock(FrozenClock(NOW)):
        user = build_account(session, settings)
        document = export_account_json(session, user)
    text = json.dumps(document)
    account = session.execute(select(PlatformAccount)).scalar_one()
    mcp = session.execute(select(McpKey)).scalar_one()
    user_settings = session.get(UserSettings, user.id)
    assert user_settings is not None
    assert user_settings.ai_api_key_encrypted
    assert account.credentials_encrypted
    secrets = [
        REFRESH_TOKEN,
        AI_KEY,
        MCP_KEY,
        account.credentials_encrypted,
        user_settings.ai_api_key_encrypted,
        mcp.digest,
        user.password_hash,
        "jti-secret-abc",
        settings.secret_key,
    ]
    for secret in secrets:
        assert secret not in text
    assert "password" not in text
    assert "credentials" not in text


def test_vcard_parses_back_with_the_right_fields(session: Session, settings: Settings) -> None:
    with use_clock(FrozenClock(NOW)):
        user = build_account(session, settings)
        text = export_account_vcard(session, user)
    cards = list(vobject.readComponents(text))
    assert len(cards) == 2
    bob, eve = cards
    bob_id = session.execute(select(Contact.id).where(Contact.full_name == "Bob Smith")).scalar()
    assert bob.version.value == "4.0"
    assert bob.fn.value == "Bob Smith"
    assert bob.n.value.family == "Smith"
    assert bob.n.value.given == "Bob"
    emails = sorted(line.value for line in bob.contents["email"])
    assert emails == ["Bob.Smith+news@gmail.com", "bob.smith@acme.io"]
    assert [line.value for line in bob.contents["tel"]] == ["tel:+14155550134"]
    assert bob.org.value == ["Acme Inc."]
    assert bob.title.value == "CTO"
    assert bob.adr.value.city == "Berlin"
    assert bob.bday.value == "19800102"
    assert bob.note.value == "Met at PyCon. Likes climbing."
    urls = sorted(line.value for line in bob.contents["url"])
    assert urls == [
        "https://t.me/bobsmith",
        "https://www.linkedin.com/in/bob-smith-42",
        "https://x.com/bobtweets",
    ]
    assert sorted(t.lower() for t in bob.categories.value) == ["friend", "investor"]
    assert bob.contents["x-pingcrm-id"][0].value == str(bob_id)
    assert eve.fn.value == "Ève Durand"
    assert "categories" not in eve.contents


def test_import_round_trip_into_a_new_account(session: Session, settings: Settings) -> None:
    with use_clock(FrozenClock(NOW)):
        user = build_account(session, settings)
        first = export_account_json(session, user)
        copy = create_user(session, "copy@example.com")
        counts = import_account_json(session, copy, json.loads(json.dumps(first)))
        session.commit()
        second = export_account_json(session, copy)

    assert counts["contacts"] == 2
    assert counts["interactions"] == 2
    assert counts["platform_accounts"] == 1
    for kind in ("identity_matches", "merge_records", "calendar_events", "sync_runs"):
        assert counts[kind] == 1, kind
    assert second["account"]["email"] == "copy@example.com"
    assert _comparable(second) == _comparable(first)
    # The restored connection has no credentials: it shows as disconnected.
    restored = session.execute(
        select(PlatformAccount).where(PlatformAccount.user_id == copy.id)
    ).scalar_one()
    assert restored.credentials_encrypted is None
    # Search text is rebuilt, so the restored contacts are findable.
    bob = session.execute(
        select(Contact).where(Contact.user_id == copy.id, Contact.full_name == "Bob Smith")
    ).scalar_one()
    assert "acme" in bob.search_text
    assert "#investor" in bob.search_text
    # Calendar attendees, duplicate pairs and merges point at the restored contacts.
    event = session.execute(
        select(CalendarEvent).where(CalendarEvent.user_id == copy.id)
    ).scalar_one()
    assert [a["contact_id"] for a in event.attendees] == [bob.id, None]
    match = session.execute(
        select(IdentityMatch).where(IdentityMatch.user_id == copy.id)
    ).scalar_one()
    assert bob.id in {match.contact_a_id, match.contact_b_id}
    assert match.status is MatchStatus.REJECTED
    record = session.execute(select(MergeRecord).where(MergeRecord.user_id == copy.id)).scalar_one()
    assert record.survivor_id == bob.id
    # Its snapshot names rows of the other database: Undo refuses instead of guessing.
    with pytest.raises(Conflict, match="cannot be undone"):
        identity.undo_merge(session, copy.id, record.id)
    run = session.execute(select(SyncRun).where(SyncRun.user_id == copy.id)).scalar_one()
    assert (run.new_interactions, run.details) == (3, {"pages": 2})
    assert run.platform_account_id == restored.id


def test_a_restore_keeps_hidden_contacts_out_of_the_dashboard_counts(
    session: Session, settings: Settings
) -> None:
    """Restored contacts get their score rows in bulk: an archived or 2nd-tier contact's
    row says it is hidden, as it did in the original account."""
    with use_clock(FrozenClock(NOW)):
        user = build_account(session, settings)
        create_contact(session, user, "Group Member", is_second_tier=True)
        archived = create_contact(session, user, "Old Colleague")
        contacts.bulk_action(session, user.id, [archived.id], "archive", None)
        session.commit()
        copy = create_user(session, "copy@example.com")
        import_account_json(session, copy, export_account_json(session, user))
        session.commit()
    counts, hidden = contact_counts(session, copy.id)
    assert (hidden.second_tier, hidden.archived) == (1, 1)
    assert (counts, hidden) == contact_counts(session, user.id)


def test_a_restore_keeps_hidden_source_record_keys_out_of_search(
    session: Session, settings: Settings
) -> None:
    """A contact imported without an email or handle carries a hidden source-record key;
    after a JSON restore (and after an edit) searching for that key finds nobody."""
    user = create_user(session)
    upsert_contacts(
        session, user.id, [ContactInput("Tim Berners-Lee", company="CERN")], source="import:7"
    )
    session.commit()
    document = export_account_json(session, user)
    [person] = document["contacts"]
    [hidden] = [i for i in person["identifiers"] if i["kind"] == "source_record"]
    key = hidden["value"].split(":")[-1]  # the row's fingerprint
    copy = create_user(session, "copy@example.com")
    import_account_json(session, copy, json.loads(json.dumps(document)))
    session.commit()

    def found(query: str) -> list[str]:
        page = contacts.list_contacts(
            session, copy.id, ContactListQuery(q=query), PageRequest(limit=10)
        )
        return [c.full_name for c in page.items]

    restored = session.execute(select(Contact).where(Contact.user_id == copy.id)).scalar_one()
    assert key not in restored.search_text
    assert "import" not in restored.search_text
    assert found(key) == []
    assert found("berners cern") == ["Tim Berners-Lee"]
    # Still matched by that key on a re-import, and an edit keeps it out of search too.
    contacts.update_contact(session, copy.id, restored.id, ContactUpdate(title="Inventor"))
    session.commit()
    session.refresh(restored)
    assert key not in restored.search_text
    assert found(key) == []
    assert found("inventor") == ["Tim Berners-Lee"]


def test_import_refuses_a_non_empty_account(session: Session, settings: Settings) -> None:
    with use_clock(FrozenClock(NOW)):
        user = build_account(session, settings)
        document = export_account_json(session, user)
        with pytest.raises(Conflict, match="not empty"):
            import_account_json(session, user, document)
    session.rollback()
    count = session.execute(
        select(func.count()).select_from(Contact).where(Contact.user_id == user.id)
    ).scalar_one()
    assert count == 2


def test_import_rejects_a_foreign_document(session: Session) -> None:
    user = create_user(session)
    with pytest.raises(ValidationFailed, match="format version"):
        import_account_json(session, user, {"format_version": 99})
    with pytest.raises(ValidationFailed, match="invalid at"):
        import_account_json(
            session,
            user,
            {"format_version": 1, "exported_at": "2026-01-01T00:00:00Z", "account": {}},
        )
    session.rollback()
    assert session.execute(select(func.count()).select_from(Contact)).scalar_one() == 0
