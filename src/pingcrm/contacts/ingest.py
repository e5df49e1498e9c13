"""The bulk upsert every import and sync uses to turn people into contacts.

Rows are matched to the user's existing contacts only through a shared identifier of the
person (normalised email, LinkedIn member id/slug, phone, Telegram/X id or username, the
provider's contact id), never by name: two rows with the same name and different (or no)
identifiers are two contacts, and the identity scan decides whether they are one person.
A row without any such identifier is keyed by its source record (the source plus the
provider's record key, or a fingerprint of the row), so re-importing the same file or
re-running a sync adds nothing. Missing contacts are
created with their identifiers, BCC hash, sort name, search text and organization;
existing ones get their *empty* fields filled, never a field the user edited by hand.
Everything is batched: a fixed number of queries per batch, never one per row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.types import JSON

from pingcrm.contacts.identifiers import (
    email_domain,
    is_webmail,
    new_bcc_hashes,
    normalize_identifier,
)
from pingcrm.contacts.search_index import defer_search_index
from pingcrm.contacts.search_text import build_search_text, sort_name
from pingcrm.db import cached_trigger_plans, copy_to_staging
from pingcrm.identity.names import fold
from pingcrm.kit.clock import utcnow
from pingcrm.kit.collector import fewer_collections
from pingcrm.models import Contact, ContactIdentifier, IdentifierKind, Organization, is_listed
from pingcrm.organizations.resolution import normalize_company, resolve_organization
from pingcrm.scoring.service import Seed, insert_scores, seeded_values

# Matching order: the first identifier kind that matches wins.
MATCH_ORDER = (
    IdentifierKind.EMAIL,
    IdentifierKind.LINKEDIN_ID,
    IdentifierKind.LINKEDIN_SLUG,
    IdentifierKind.PHONE,
    IdentifierKind.TELEGRAM_ID,
    IdentifierKind.TWITTER_ID,
    IdentifierKind.TELEGRAM_USERNAME,
    IdentifierKind.TWITTER_HANDLE,
    IdentifierKind.SOURCE_RECORD,
)
# Identifiers that name the person (a row carrying one needs no source-record key).
PERSON_KINDS = frozenset(MATCH_ORDER) - {IdentifierKind.SOURCE_RECORD}
# Scalar fields an import may fill when they are empty.
FILLABLE = (
    "given_name",
    "family_name",
    "company",
    "title",
    "location",
    "birthday",
    "avatar_url",
    "linkedin_headline",
    "twitter_bio",
    "telegram_bio",
)
_CHUNK = 400
# Columns a fill of an existing contact reads besides ``FILLABLE``.
_READ = ("id", "edited_fields", "organization_id", "search_text")
# At most this many identifiers per contact from bulk paths: a hostile or broken file
# (one person with 100,000 email columns, or rows all matching one contact) cannot blow
# one contact up; further identifiers are ignored.
MAX_IDENTIFIERS_PER_CONTACT = 50
_LIMITS = {
    "full_name": 300,
    "given_name": 150,
    "family_name": 150,
    "company": 300,
    "title": 300,
    "location": 300,
}


@dataclass
class ContactInput:
    """One person as an import or a sync sees them."""

    full_name: str
    given_name: str | None = None
    family_name: str | None = None
    company: str | None = None
    title: str | None = None
    location: str | None = None
    birthday: date | None = None
    avatar_url: str | None = None
    linkedin_headline: str | None = None
    twitter_bio: str | None = None
    telegram_bio: str | None = None
    # (kind, raw value, label); normalised here, invalid ones dropped.
    identifiers: list[tuple[IdentifierKind, str, str | None]] = field(default_factory=list)
    # The provider's stable key of this record (a resource name, a vCard UID), used only
    # when the row has no identifier of the person; else a fingerprint of the row is.
    source_key: str | None = None


@dataclass
class IngestResult:
    """Counts of a batch, and the contact each input row ended up as (None: skipped)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    contact_ids: list[int | None] = field(default_factory=list)
    # New contacts inserted with counters and score of their seeds: contact id → how
    # many distinct seeded interactions (pass to ``record_interactions(seeded=…)``).
    seeded: dict[int, int] = field(default_factory=dict)


@dataclass
class _Prepared:
    row: ContactInput
    name: str
    ids: list[tuple[IdentifierKind, str, str, str | None]]  # kind, value, display, label


def _clean(value: str | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _prepare(row: ContactInput) -> _Prepared | None:
    ids: list[tuple[IdentifierKind, str, str, str | None]] = []
    seen: set[tuple[IdentifierKind, str]] = set()
    for kind, raw, label in row.identifiers:
        if not raw or not raw.strip():
            continue
        value = normalize_identifier(kind, raw)
        if not value or (kind, value) in seen:
            continue
        seen.add((kind, value))
        display = raw.strip()[:320]
        if kind is IdentifierKind.LINKEDIN_SLUG:
            display = value
        ids.append((kind, value[:320], display, (label or None) and label[:40]))
        if len(ids) >= MAX_IDENTIFIERS_PER_CONTACT:
            break
    name = _clean(row.full_name) or ""
    if not name:
        given = " ".join(p for p in (row.given_name, row.family_name) if p and p.strip())
        name = _clean(given) or ""
    if not name:
        emails = [d for k, _v, d, _l in ids if k is IdentifierKind.EMAIL]
        name = emails[0] if emails else ""
    if not name:
        return None
    return _Prepared(row=row, name=name, ids=ids)


def source_record_key(source: str, row: ContactInput, name: str) -> str:
    """The stable key of a row that carries no identifier of the person: the source and
    the provider's record key, else a fingerprint of what the row says (the same row of
    the same file gives the same key on every import; a name alone never does the job
    of an identifier, two different rows with one name get two keys)."""
    if row.source_key and row.source_key.strip():
        key = row.source_key.strip()
    else:
        parts = [
            name,
            row.given_name,
            row.family_name,
            row.company,
            row.title,
            row.location,
            row.birthday.isoformat() if row.birthday else None,
            row.linkedin_headline,
            row.twitter_bio,
            row.telegram_bio,
        ]
        text = "\x1f".join(" ".join(fold(p).split()) if p else "" for p in parts)
        key = "fp:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    prefix = source.split(":", 1)[0] if source.startswith("import:") else source
    return f"{prefix}:{key}"[:320]


def _add_source_record(prep: _Prepared, source: str) -> None:
    if any(kind in PERSON_KINDS for kind, _v, _d, _l in prep.ids):
        return
    value = source_record_key(source, prep.row, prep.name)
    prep.ids.append((IdentifierKind.SOURCE_RECORD, value, value, None))


def _insert_fn(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Rows per multi-row INSERT of the bulk paths (at most ~28 columns: well under SQLite's
# 32,766 and PostgreSQL's 65,535 bound parameters); every full chunk reuses one statement
# text, so the driver's statement cache parses it once.
_INSERT_ROWS = 500
_Processor = Callable[[Any], Any] | None
_EMPTY_JSON: dict[type, str] = {list: "[]", dict: "{}"}


def _processors(
    dialect: Dialect, table: Table, columns: Sequence[str]
) -> list[tuple[_Processor, bool]]:
    """Each column's bind processor for ``dialect`` (enum → value, aware → naive UTC
    timestamp, JSON → text on SQLite) and whether it is a JSON column."""
    result: list[tuple[_Processor, bool]] = []
    for name in columns:
        column_type = table.c[name].type
        process = column_type.bind_processor(dialect)
        result.append((process, isinstance(column_type, JSON)))
    return result


def _parameters(
    dialect: Dialect, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """``rows`` as parameter tuples in ``columns`` order, with the values the driver would
    get from a Core insert. Rows of a batch repeat their timestamps, enums and empty JSON
    values: each distinct value is processed once per batch, not once per row."""
    processors = _processors(dialect, table, columns)
    # JSON text the driver expects from us (PostgreSQL's JSON leaves it to the driver).
    own_json = [as_json and process is None for process, as_json in processors]
    # pysqlite turns a datetime into ``isoformat(" ")`` text (its default adapter): done
    # here once per distinct timestamp instead of once per value.
    iso = dialect.name == "sqlite"
    # Only the columns with something to do are visited per row.
    plan = [
        (index, process, as_json, mine)
        for index, ((process, as_json), mine) in enumerate(zip(processors, own_json, strict=True))
        if process is not None or as_json
    ]
    done: dict[tuple[int, Any], Any] = {}
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row.get(name) for name in columns]
        for index, process, as_json, mine in plan:
            value = values[index]
            if as_json:
                empty = None if value else _EMPTY_JSON.get(type(value))
                if empty is not None:
                    value = empty
                else:
                    value = json.dumps(value) if mine else process(value)  # type: ignore[misc]
            elif value is not None:
                key = (index, value)
                if key not in done:
                    processed = process(value)  # type: ignore[misc]
                    if iso and type(processed) is datetime:
                        processed = processed.isoformat(" ")
                    done[key] = processed
                value = done[key]
            values[index] = value
        params.append(tuple(values))
    return params


def _bulk_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    suffix: str = "",
) -> list[Any]:
    """Insert ``rows`` (dicts with every column but ``id``), the values processed once in
    Python (no per-row statement work inside SQLAlchemy): COPY into a staging table and
    one ``INSERT … SELECT`` on PostgreSQL, one multi-row INSERT per ``_INSERT_ROWS`` rows
    on SQLite. Returns the rows of ``suffix``'s
    RETURNING, if any (in no particular order)."""
    if not rows:
        return []
    dialect = connection.dialect
    columns = [c.name for c in table.c if c.name != "id"]
    returning = "RETURNING" in suffix
    params = _parameters(dialect, table, columns, rows)
    # Only the table's own identifiers and placeholders are formatted in; values are bound.
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "  # noqa: S608
    tail = " " + suffix if suffix else ""
    returned: list[Any] = []
    if dialect.name == "postgresql":
        # COPY into a per-connection staging table of the same columns (emptied at each
        # commit), then one INSERT … SELECT: no per-row statement on the server.
        staging = f"pingcrm_staged_{table.name}"
        names = ", ".join(columns)
        ddl = (
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "  # noqa: S608
            f"AS SELECT {names} FROM {table.name} WITH NO DATA"
        )
        copy_to_staging(connection, ddl, staging, columns, params)
        result = connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging}{tail}"  # noqa: S608
        )
        return list(result.all()) if returning else []
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    for chunk in _chunks(params, _INSERT_ROWS):
        sql = head + ", ".join([one] * len(chunk)) + tail
        flat = tuple(chain.from_iterable(chunk))
        result = connection.exec_driver_sql(sql, flat)
        if returning:
            returned.extend(result.all())
    return returned


def _identifier_counts(session: Session, user_id: int, contact_ids: list[int]) -> dict[int, int]:
    """How many identifiers each of ``contact_ids`` has (one grouped query per chunk)."""
    counts: dict[int, int] = {}
    for chunk in _chunks(contact_ids):
        rows = session.execute(
            select(ContactIdentifier.contact_id, func.count())
            # ``user_id + 0``: through the contact_id index whatever the statistics (not
            # a walk over every identifier of the user).
            .where(
                (ContactIdentifier.user_id + 0) == user_id,
                ContactIdentifier.contact_id.in_(chunk),
            )
            .group_by(ContactIdentifier.contact_id)
        ).all()
        counts.update({int(cid): int(n) for cid, n in rows})
    return counts


# The keys a batch looks up are joined to the unique (user_id, kind, value) index, one
# probe per key whatever the statistics (a 400-value IN list was planned without them
# as a walk over the user's identifiers). PostgreSQL: a per-connection temporary table
# filled by COPY; a LATERAL subquery with LIMIT is never flattened into a join, so each
# key probes the index. SQLite: the keys as one JSON array read by ``json_each`` (no
# write: a temporary table's DML would open the transaction, and a snapshot taken then
# cannot become the writer if a job-lease heartbeat commits meanwhile); CROSS JOIN keeps
# the keys as the outer loop.
_KEYS = "pingcrm_lookup_keys"
_KEYS_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_KEYS} "
    "(kind varchar(24) NOT NULL, value varchar(320) NOT NULL) ON COMMIT DELETE ROWS"
)
_KEYS_JOIN_POSTGRESQL = (
    f"SELECT k.kind, k.value, f.contact_id FROM {_KEYS} AS k "  # noqa: S608
    "CROSS JOIN LATERAL (SELECT ci.contact_id FROM contact_identifiers AS ci "
    "WHERE ci.user_id = %s AND ci.kind = k.kind AND ci.value = k.value LIMIT 1) AS f"
)
_KEYS_JOIN_SQLITE = (
    "SELECT ci.kind, ci.value, ci.contact_id FROM json_each(?) AS k "
    "CROSS JOIN contact_identifiers AS ci "
    "WHERE ci.user_id = ? AND ci.kind = k.value ->> 0 AND ci.value = k.value ->> 1"
)


def _lookup_identifiers(
    session: Session, user_id: int, keys: set[tuple[IdentifierKind, str]]
) -> dict[tuple[IdentifierKind, str], int]:
    """Owners of ``keys``: one join of the keys (a temporary table filled by COPY on
    PostgreSQL, a JSON array on SQLite) to the unique index, one probe per key."""
    connection = session.connection()
    rows = sorted((kind.value, value) for kind, value in keys)
    if connection.dialect.name == "postgresql":
        copy_to_staging(connection, _KEYS_DDL, _KEYS, ("kind", "value"), rows)
        result = connection.exec_driver_sql(_KEYS_JOIN_POSTGRESQL, (user_id,))
    else:
        result = connection.exec_driver_sql(_KEYS_JOIN_SQLITE, (json.dumps(rows), user_id))
    found: dict[tuple[IdentifierKind, str], int] = {}
    for kind, value, contact_id in result:
        found[(IdentifierKind(kind), value)] = int(contact_id)
    return found


class OrganizationCache:
    """Resolves each distinct company/domain once per import (not once per row)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int | None] = {}

    def prefetch(
        self, session: Session, user_id: int, companies: dict[str, tuple[str, str | None]]
    ) -> None:
        """Get-or-create the organizations of a batch's companies set-based (one bulk
        INSERT … ON CONFLICT DO NOTHING of them all, then one select per 400 names)
        instead of one at a time. ``companies`` maps normalised name → (display name, a
        non-webmail domain)."""
        wanted = sorted(n for n in companies if n and (n, "") not in self._ids)
        if not wanted:
            return
        now = utcnow()
        rows = [
            {
                "user_id": user_id,
                "name": companies[n][0][:300],
                "normalized_name": n,
                "domain": companies[n][1],
                "created_at": now,
                "updated_at": now,
            }
            for n in wanted
        ]
        # One statement for the batch (an executemany runs one INSERT per row), its values
        # processed once in Python (no SQLAlchemy compilation of a many-row VALUES).
        _bulk_insert(
            session.connection(),
            Organization.__table__,  # type: ignore[arg-type]
            rows,
            suffix="ON CONFLICT DO NOTHING",
        )
        for names in _chunks(wanted):
            for normalized, org_id in session.execute(
                select(Organization.normalized_name, Organization.id).where(
                    Organization.user_id == user_id, Organization.normalized_name.in_(names)
                )
            ).all():
                self._ids[(normalized, "")] = org_id

    def resolve(
        self, session: Session, user_id: int, company: str | None, domain: str | None
    ) -> int | None:
        # A named company decides alone; the email domain only matters without one.
        normalized = normalize_company(company or "")
        key = (normalized, "") if normalized else ("", (domain or "").lower())
        if key not in self._ids:
            self._ids[key] = resolve_organization(session, user_id, company, domain)
        return self._ids[key]


@fewer_collections()
def upsert_contacts(
    session: Session,
    user_id: int,
    rows: Sequence[ContactInput],
    *,
    source: str,
    organizations: OrganizationCache | None = None,
    match_order: Sequence[IdentifierKind] = MATCH_ORDER,
    seeds: Sequence[Sequence[Seed]] | None = None,
) -> IngestResult:
    """Match, create or fill the contacts of ``rows`` for ``user_id`` (flushed, not
    committed). Rows without any name or identifier are skipped. Rows join existing
    contacts through identifiers only, tried in ``match_order``: namesakes stay two
    people. ``seeds[i]``: the interactions row ``i`` brings, recorded by the caller right
    after; a new contact is inserted with the counters and score they give (see
    ``IngestResult.seeded``) instead of being rewritten by the refresh."""
    orgs = organizations or OrganizationCache()
    result = IngestResult(contact_ids=[None] * len(rows))
    prepared: list[_Prepared | None] = [_prepare(r) for r in rows]
    # Imports group every file format under one source ("import"): the same row read
    # from a re-exported file in another format is still the same record.
    for prep in prepared:
        if prep is not None:
            _add_source_record(prep, source)

    keys = {(k, v) for p in prepared if p for k, v, _d, _l in p.ids}
    by_identifier = _lookup_identifiers(session, user_id, keys) if keys else {}

    # Decide, per row, which existing contact or which new contact (group) it is: only a
    # shared identifier (or the same source record) joins rows, never a name.
    match: list[int | None] = [None] * len(rows)
    new_group: list[int | None] = [None] * len(rows)
    pending_ids: dict[tuple[IdentifierKind, str], int] = {}
    groups: list[list[int]] = []
    for index, prep in enumerate(prepared):
        if prep is None:
            continue
        contact_id = None
        for kind in match_order:
            for k, v, _d, _l in prep.ids:
                if k is kind and (k, v) in by_identifier:
                    contact_id = by_identifier[(k, v)]
                    break
            if contact_id is not None:
                break
        if contact_id is not None:
            match[index] = contact_id
            continue
        group = next(
            (pending_ids[(k, v)] for k, v, _d, _l in prep.ids if (k, v) in pending_ids),
            None,
        )
        if group is None:
            group = len(groups)
            groups.append([])
        groups[group].append(index)
        new_group[index] = group
        for k, v, _d, _l in prep.ids:
            pending_ids.setdefault((k, v), group)

    new_identifiers: list[dict[str, Any]] = []
    now = utcnow()

    # Existing contacts: fill empty fields (never edited ones), add missing identifiers.
    existing_ids = sorted({cid for cid in match if cid is not None})
    # Plain rows of the few columns a fill reads (no ORM objects, no JSON processing of
    # the wide row); pending ORM changes are flushed first by the select.
    wanted = [getattr(Contact, name) for name in (*_READ, *FILLABLE)]
    contacts: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(existing_ids):
        for row in session.execute(
            select(*wanted).where((Contact.user_id + 0) == user_id, Contact.id.in_(chunk))
        ).mappings():
            contacts[int(row["id"])] = dict(row)
    changed: set[int] = set()
    dirty: dict[int, set[str]] = {}
    id_counts = _identifier_counts(session, user_id, existing_ids)
    for index, contact_id in enumerate(match):
        prep = prepared[index]
        if contact_id is None or prep is None or contact_id not in contacts:
            continue
        contact = contacts[contact_id]
        result.contact_ids[index] = contact_id
        edited = set(contact["edited_fields"] or [])
        for name in FILLABLE:
            value = getattr(prep.row, name)
            if isinstance(value, str):
                value = _clean(value, _LIMITS.get(name, 10_000))
            if value is None or name in edited or contact[name] not in (None, ""):
                continue
            contact[name] = value
            changed.add(contact_id)
            fields = dirty.setdefault(contact_id, set())
            fields.add(name)
            if isinstance(value, str) and _extend_search_text(contact, [value]):
                fields.add("search_text")
            if name == "company" and contact["organization_id"] is None:
                contact["organization_id"] = orgs.resolve(session, user_id, value, None)
                fields.add("organization_id")
        for kind, value, display, label in prep.ids:
            if id_counts.get(contact_id, 0) >= MAX_IDENTIFIERS_PER_CONTACT:
                break
            if (kind, value) not in by_identifier:
                id_counts[contact_id] = id_counts.get(contact_id, 0) + 1
                by_identifier[(kind, value)] = contact_id
                new_identifiers.append(
                    _identifier_row(user_id, contact_id, kind, value, display, label, now)
                )
                if kind is not IdentifierKind.SOURCE_RECORD:
                    changed.add(contact_id)
                    if _extend_search_text(contact, [display]):
                        dirty.setdefault(contact_id, set()).add("search_text")
    _write_filled(session, user_id, contacts, dirty, now)
    # New contacts: one multi-row INSERT … RETURNING, then their identifiers.
    companies: dict[str, tuple[str, str | None]] = {}
    for members in groups:
        for member in members:
            prep = prepared[member]
            company = _clean(prep.row.company) if prep is not None else None
            normalized = normalize_company(company) if company else ""
            if prep is None or not company or not normalized:
                continue
            domain = next(
                (
                    email_domain(v)
                    for k, v, _d, _l in prep.ids
                    if k is IdentifierKind.EMAIL and not is_webmail(email_domain(v))
                ),
                None,
            )
            if normalized not in companies or (companies[normalized][1] is None and domain):
                companies[normalized] = (company, domain)
    orgs.prefetch(session, user_id, companies)
    new_rows: list[dict[str, Any]] = []
    seeded: list[int] = []
    seen_seeds: set[tuple[str, str]] = set()
    hashes = iter(new_bcc_hashes(len(groups)))
    for members in groups:
        members_prepared = [p for p in (prepared[i] for i in members) if p is not None]
        new_row = _new_contact_row(session, user_id, members_prepared, orgs, source, now)
        new_row["bcc_hash"] = next(hashes)
        # record_interactions keeps the first row of each (platform, provider id).
        own: list[Seed] = []
        for member in members if seeds is not None else ():
            for seed in seeds[member] if seeds is not None else ():
                key = (seed.platform.value, seed.provider_id[:255])
                if key not in seen_seeds:
                    seen_seeds.add(key)
                    own.append(seed)
        if own:
            new_row.update(seeded_values(own, now))
        seeded.append(len(own))
        new_rows.append(new_row)
    # The contacts, their score rows and identifiers: every row's foreign keys are checked
    # with a reused plan on PostgreSQL (see ``cached_trigger_plans``).
    writes = (
        cached_trigger_plans(session.connection()) if new_rows or new_identifiers else nullcontext()
    )
    with writes:
        if new_rows:
            # Their trigram search index is written once, at the commit (SQLite).
            defer_search_index(session)
            # Multi-row INSERT … RETURNING: the new ids come back with their unique BCC hash
            # (no lookup by hash afterwards, whose plan depends on statistics).
            ids_by_hash: dict[str, int] = {
                bcc_hash: int(contact_id)
                for contact_id, bcc_hash in _bulk_insert(
                    session.connection(),
                    Contact.__table__,  # type: ignore[arg-type]
                    new_rows,
                    suffix="RETURNING id, bcc_hash",
                )
            }
            inserted = [ids_by_hash[r["bcc_hash"]] for r in new_rows]
            # Their score rows in the same bulk pass ("score" keys are not contact columns).
            insert_scores(
                session,
                user_id,
                [
                    (
                        cid,
                        r.get("score", 0),
                        r.get("score_parts") or {},
                        is_listed(r["is_second_tier"], r["priority"]),
                    )
                    for cid, r in zip(inserted, new_rows, strict=True)
                ],
            )
            result.seeded = {cid: n for cid, n in zip(inserted, seeded, strict=True) if n}
            for group_index, contact_id in enumerate(inserted):
                seen: set[tuple[IdentifierKind, str]] = set()
                for member in groups[group_index]:
                    result.contact_ids[member] = contact_id
                    prep = prepared[member]
                    assert prep is not None
                    for kind, value, display, label in prep.ids:
                        if (kind, value) in seen or (kind, value) in by_identifier:
                            continue
                        if len(seen) >= MAX_IDENTIFIERS_PER_CONTACT:
                            break
                        seen.add((kind, value))
                        new_identifiers.append(
                            _identifier_row(user_id, contact_id, kind, value, display, label, now)
                        )
        if new_identifiers:
            _bulk_insert(
                session.connection(),
                ContactIdentifier.__table__,  # type: ignore[arg-type]
                new_identifiers,
                suffix="ON CONFLICT DO NOTHING",
            )

    result.created = len(groups)
    result.updated = len(changed)
    # Rows that brought nothing new: unchanged matches, in-file duplicates, unusable rows.
    result.skipped = max(0, len(rows) - result.created - result.updated)
    return result


def _identifier_row(
    user_id: int,
    contact_id: int,
    kind: IdentifierKind,
    value: str,
    display: str,
    label: str | None,
    now: Any,
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "contact_id": contact_id,
        "kind": kind,
        "value": value,
        "display_value": display,
        "label": label,
        "created_at": now,
        "updated_at": now,
    }


def _new_contact_row(
    session: Session,
    user_id: int,
    members: list[_Prepared],
    orgs: OrganizationCache,
    source: str,
    now: Any,
) -> dict[str, Any]:
    first = members[0]
    values: dict[str, Any] = dict.fromkeys(FILLABLE)
    for prep in members:
        for name in FILLABLE:
            value = getattr(prep.row, name)
            if isinstance(value, str):
                value = _clean(value, _LIMITS.get(name, 10_000))
            if values[name] is None and value not in (None, ""):
                values[name] = value
    ids = [i for p in members for i in p.ids]
    domain = next((email_domain(v) for k, v, _d, _l in ids if k is IdentifierKind.EMAIL), None)
    full_name = first.name[:300]
    return {
        "user_id": user_id,
        "full_name": full_name,
        "sort_name": sort_name(full_name),
        **values,
        "bcc_hash": None,  # drawn for the whole batch at once
        "organization_id": orgs.resolve(session, user_id, values["company"], domain),
        "source": source[:32],
        "search_text": build_search_text(
            full_name=full_name,
            company=values["company"],
            title=values["title"],
            location=values["location"],
            identifiers=[d for k, _v, d, _l in ids if k is not IdentifierKind.SOURCE_RECORD],
            bios=[values["linkedin_headline"], values["twitter_bio"], values["telegram_bio"]],
        ),
        "edited_fields": [],
        "common_groups": [],
        "priority": "medium",
        "is_second_tier": False,
        "interaction_count": 0,
        "created_at": now,
        "updated_at": now,
    }


def _extend_search_text(contact: dict[str, Any], words: list[str]) -> bool:
    """Append newly learned words (identifiers, filled fields) to the contact's search text,
    keeping what other features put there (tags, notes); whether it changed."""
    text = contact["search_text"] or ""
    additions = [w.lower() for w in words if w and w.lower() not in text]
    if not additions:
        return False
    contact["search_text"] = " ".join([text, *additions]).strip()[:20000]
    return True


def _write_filled(
    session: Session,
    user_id: int,
    contacts: dict[int, dict[str, Any]],
    dirty: dict[int, set[str]],
    now: Any,
) -> None:
    """Write the filled fields of existing contacts: one executemany UPDATE per set of
    changed columns (only those columns are written), then expire any loaded copy."""
    if not dirty:
        return
    table = Contact.__table__
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for contact_id, fields in dirty.items():
        shape = tuple(sorted(fields))
        params = {f"v_{name}": contacts[contact_id][name] for name in shape}
        by_shape.setdefault(shape, []).append({"b_id": contact_id, "v_updated_at": now, **params})
    for shape, rows in by_shape.items():
        stmt = (
            update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("b_id"), table.c.user_id == user_id)
            .values({name: bindparam(f"v_{name}") for name in (*shape, "updated_at")})
        )
        session.execute(stmt, rows)
    for contact_id in dirty:
        loaded = session.identity_map.get(identity_key(Contact, contact_id))
        if loaded is not None:
            session.expire(loaded)
