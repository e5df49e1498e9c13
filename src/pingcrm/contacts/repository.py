"""SQL of the contacts domain: lookups, the list query, identifiers, bulk changes."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Row,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
    union,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.selectable import CompoundSelect, Subquery, TextualSelect

from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.contacts.search_index import index_deferred_contacts
from pingcrm.errors import ValidationFailed
from pingcrm.kit.pagination import Keyset
from pingcrm.models import (
    UNSEARCHED_PREVIEWS,
    Contact,
    ContactIdentifier,
    ContactScore,
    IdentifierKind,
    Interaction,
    MergeRecord,
    Note,
    Organization,
    PlatformAccount,
    Priority,
    Provider,
    Suggestion,
    SuggestionStatus,
    Tag,
    User,
    UserSettings,
    contact_tags,
)
from pingcrm.scoring.rules import TIER_BOUNDS

CHUNK = 500
# Shortest search token a trigram index can look up.
TRIGRAM = 3
# Ids are 32-bit integers; anything outside cannot exist (and would make PostgreSQL fail).
MAX_ID = 2_147_483_647
# A list counts at most this many contacts: the plain list of a large book holds tens of
# thousands and an exact count of them costs more than the page; past it the total is
# reported as "10,000+" (smaller lists keep their exact count).
LIST_COUNT_CAP = 10_000
# A search counts at most this many matches: a common word matches thousands of contacts,
# and counting each of them (read through two indexes and deduplicated) cost more than
# the rest of the request (12-24 ms of 35-54 ms at 10,000 on PostgreSQL, 100k contacts);
# past it the total is "1,000+" (rare words keep their exact count).
SEARCH_COUNT_CAP = 1_000
# A search whose words are in at least this many documents walks the sort's index,
# testing each contact (see ``_conditions``).
BROAD_WORDS = 2_000


def valid_id(value: int) -> bool:
    """True when ``value`` can be a row id at all."""
    return 1 <= value <= MAX_ID


SORT_COLUMNS: dict[str, Any] = {
    "name": Contact.sort_name,
    # The score row (joined by the list query when it sorts or filters by score).
    "score": ContactScore.score,
    "last_interaction": Contact.last_interaction_at,
    "interaction_count": Contact.interaction_count,
}


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _full_options() -> list[Any]:
    return [
        selectinload(Contact.identifiers),
        selectinload(Contact.tags),
        selectinload(Contact.organization),
    ]


def _tie(key: str) -> Any:
    """The id that breaks ties of the sort ``key``: the score row's own when sorting by
    score, so the order is that of its (user_id, score, contact_id) index."""
    return ContactScore.contact_id if key == "score" else Contact.id


def _sorts_by_score(query: ContactListQuery) -> bool:
    """Whether the list's page walks the score rows (sorted by score)."""
    return query.sort.lstrip("-") == "score"


def _join_scores(statement: Select[Any], user_id: int) -> Select[Any]:
    """``statement`` joined to the contacts' score rows; the user's own condition on
    them lets the sort by score walk their index."""
    return statement.join(ContactScore, ContactScore.contact_id == Contact.id).where(
        ContactScore.user_id == user_id
    )


def get_contact(
    session: Session, user_id: int, contact_id: int, *, full: bool = True
) -> Contact | None:
    """The user's contact, with identifiers, tags and organization when ``full``."""
    if not valid_id(contact_id):
        return None
    query = select(Contact).where(Contact.id == contact_id, Contact.user_id == user_id)
    if full:
        query = query.options(*_full_options(), joinedload(Contact.score_row)).execution_options(
            populate_existing=True
        )
    return session.scalars(query).one_or_none()


def owned_ids(session: Session, user_id: int, ids: Collection[int]) -> list[int]:
    """The subset of ``ids`` that are contacts of the user (others are ignored)."""
    wanted = sorted({i for i in ids if valid_id(i)})
    found: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        found.extend(
            session.scalars(
                select(Contact.id).where(
                    # ``user_id + 0``: probe the primary key for these ids; without
                    # statistics (a fresh bulk load) the planner would walk every
                    # contact of the user through the user_id index instead.
                    (Contact.user_id + 0) == user_id,
                    Contact.id.in_(wanted[start : start + CHUNK]),
                )
            )
        )
    return found


@dataclass(frozen=True)
class IdentifierOwner:
    kind: IdentifierKind
    value: str
    contact_id: int
    full_name: str


def identifier_owners(
    session: Session, user_id: int, pairs: Collection[tuple[IdentifierKind, str]]
) -> list[IdentifierOwner]:
    """Which of the user's contacts own these ``(kind, normalised value)`` pairs."""
    if not pairs:
        return []
    values = sorted({value for _, value in pairs})
    rows = session.execute(
        select(
            ContactIdentifier.kind,
            ContactIdentifier.value,
            ContactIdentifier.contact_id,
            Contact.full_name,
        )
        .join(Contact, Contact.id == ContactIdentifier.contact_id)
        .where(ContactIdentifier.user_id == user_id, ContactIdentifier.value.in_(values))
    )
    wanted = set(pairs)
    return [IdentifierOwner(*row) for row in rows if (row[0], row[1]) in wanted]


def delete_identifiers(
    session: Session, contact_id: int, kind: IdentifierKind, keep: Collection[str]
) -> None:
    """Remove the contact's identifiers of ``kind`` whose value is not in ``keep``."""
    statement = delete(ContactIdentifier).where(
        ContactIdentifier.contact_id == contact_id, ContactIdentifier.kind == kind
    )
    if keep:
        statement = statement.where(ContactIdentifier.value.not_in(list(keep)))
    session.execute(statement.execution_options(synchronize_session="fetch"))


def existing_identifier_values(session: Session, contact_id: int, kind: IdentifierKind) -> set[str]:
    return set(
        session.scalars(
            select(ContactIdentifier.value).where(
                ContactIdentifier.contact_id == contact_id, ContactIdentifier.kind == kind
            )
        )
    )


@dataclass
class SearchInputs:
    full_name: str
    company: str | None
    title: str | None
    location: str | None
    bios: list[str | None]
    identifiers: list[str]
    tags: list[str]
    notes: list[str]


def search_inputs(session: Session, contact_ids: Sequence[int]) -> dict[int, SearchInputs]:
    """Everything ``search_text`` is built from, for many contacts in four queries a chunk."""
    result: dict[int, SearchInputs] = {}
    for start in range(0, len(contact_ids), CHUNK):
        chunk = list(contact_ids[start : start + CHUNK])
        for row in session.execute(
            select(
                Contact.id,
                Contact.full_name,
                Contact.company,
                Contact.title,
                Contact.location,
                Contact.twitter_bio,
                Contact.linkedin_headline,
                Contact.telegram_bio,
            ).where(Contact.id.in_(chunk))
        ):
            result[row[0]] = SearchInputs(
                row[1], row[2], row[3], row[4], [row[5], row[6], row[7]], [], [], []
            )
        for contact_id, value, display in session.execute(
            select(
                ContactIdentifier.contact_id,
                ContactIdentifier.value,
                ContactIdentifier.display_value,
            )
            .where(
                ContactIdentifier.contact_id.in_(chunk),
                # Source-record keys are hidden bookkeeping, never searchable.
                ContactIdentifier.kind != IdentifierKind.SOURCE_RECORD,
            )
            # One order whatever the plan: the same rows always make the same text.
            .order_by(ContactIdentifier.id)
        ):
            entry = result[contact_id].identifiers
            entry.append(display)
            if value != display.lower():
                entry.append(value)
        for contact_id, name in session.execute(
            select(contact_tags.c.contact_id, Tag.name)
            .join(Tag, Tag.id == contact_tags.c.tag_id)
            .where(contact_tags.c.contact_id.in_(chunk))
            .order_by(Tag.id)
        ):
            result[contact_id].tags.append(name)
        for contact_id, body in session.execute(
            select(Note.contact_id, Note.body).where(Note.contact_id.in_(chunk)).order_by(Note.id)
        ):
            result[contact_id].notes.append(body)
    return result


def write_search_text(session: Session, texts: dict[int, str]) -> None:
    """Store ``{contact_id: search_text}``; keeps loaded objects in step."""
    if not texts:
        return
    table = Contact.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("b_id"))
        .values(search_text=bindparam("b_text"))
    )
    session.execute(statement, [{"b_id": cid, "b_text": value} for cid, value in texts.items()])
    for cid, value in texts.items():
        loaded = session.identity_map.get(identity_key(Contact, cid))
        if loaded is not None:
            set_committed_value(loaded, "search_text", value)


def _fts_phrase(token: str) -> str:
    """``token`` as an FTS5 string (quotes doubled)."""
    return '"' + token.replace('"', '""') + '"'


def _text_holds(tokens: list[str], contact: Any = Contact) -> ColumnElement[bool]:
    """The contact's ``search_text`` contains every token (PostgreSQL finds the rows
    through the trigram index of 0001)."""
    return and_(*[contact.search_text.contains(t, autoescape=True) for t in tokens])


def _texts_holding(session: Session, user_id: int, tokens: list[str]) -> ColumnElement[int]:
    """The count (a scalar subquery) of the contacts holding the tokens in their text, up
    to ``BROAD_WORDS`` + 1 (through the trigram index): with the documents, whether it is
    broad. PostgreSQL counts the user's contacts (its planner cannot tell: it walked 36k
    contacts in name order for a surname on 139 of them, 68 ms, and read a tag on 7,900
    by primary key); SQLite counts everyone's FTS rows, and nothing when every token is
    shorter than a trigram (that would be a scan)."""
    if _is_postgresql(session):
        matching: Any = select(Contact.id).where(Contact.user_id == user_id, _text_holds(tokens))
    elif any(len(t) >= TRIGRAM for t in tokens):
        found = _text_matches(session, user_id, tokens).subquery()
        matching = select(found.c[0])
    else:
        return literal(0)
    return _counted(matching, BROAD_WORDS)


def _counted(matching: Select[Any], cap: int) -> ColumnElement[int]:
    """The number of rows ``matching`` selects, up to ``cap`` + 1, as a scalar subquery."""
    capped = matching.limit(cap + 1).subquery()
    return select(func.count()).select_from(capped).scalar_subquery()


def _search_breadth(
    session: Session, user_id: int, tokens: list[str], filters: list[ColumnElement[bool]]
) -> tuple[int, int]:
    """How many documents hold the words (see :func:`_documents_with_words`) and how
    many texts the tokens (up to ``BROAD_WORDS`` + 1). The texts are not counted (0)
    when the documents alone make the search broad: on PostgreSQL that count was as
    long again (a scan for 2,001 texts holding a tag: 5.7 of 11 ms)."""
    documents = _documents_with_words(session, user_id, tokens, filters)
    in_documents = int(session.execute(select(documents)).scalar_one())
    if in_documents >= BROAD_WORDS:
        return in_documents, 0
    texts = _texts_holding(session, user_id, tokens)
    return in_documents, int(session.execute(select(texts)).scalar_one())


def _text_matches(session: Session, user_id: int, tokens: list[str]) -> Select[Any] | TextualSelect:
    """SQLite: ids of contacts whose ``search_text`` contains every token, through the
    trigram FTS table of 0007 for tokens of three characters or more (shorter ones cannot
    use trigrams and are checked on those rows only; without any, the FTS ids as they
    are: the caller keeps the user's contacts); a LIKE scan when every token is shorter.
    Contacts whose indexing this transaction deferred are indexed first."""
    index_deferred_contacts(session)
    other = aliased(Contact)
    long_tokens = [t for t in tokens if len(t) >= TRIGRAM]
    short_tokens = [t for t in tokens if len(t) < TRIGRAM]
    if not long_tokens:
        return select(other.id).where(
            other.user_id == user_id,
            *[other.search_text.contains(t, autoescape=True) for t in tokens],
        )
    matching_rows = (
        text("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :text_match")
        .bindparams(text_match=" AND ".join(_fts_phrase(t) for t in long_tokens))
        .columns(column("rowid", Integer))
    )
    if not short_tokens:
        return matching_rows
    return select(other.id).where(
        other.id.in_(matching_rows),
        other.user_id == user_id,
        *[other.search_text.contains(t, autoescape=True) for t in short_tokens],
    )


# Search words of the contacts' interaction previews (table ``contact_words`` of 0017: on
# SQLite an FTS5 table whose rowid is the contact id, on PostgreSQL a ``tsvector`` per
# contact with a GIN index). One row per contact, however many interactions it has.
_WORD = re.compile(r"\w+")


def _word_prefixes(token: str) -> list[str]:
    """The words of ``token`` as the index splits them (``go-to-market``: go, to, market)."""
    return _WORD.findall(token)


def _word_pieces(tokens: list[str]) -> list[tuple[str, bool]]:
    """Each word of the tokens and whether it is matched as the start of a word (three
    characters or more) or as a whole word (shorter: the pieces of "s.a.r.l." as prefixes
    would match most documents, and merging those posting lists costs seconds)."""
    return [(p, len(p) >= TRIGRAM) for t in tokens for p in _word_prefixes(t)]


def _words_tsquery(tokens: list[str]) -> str | None:
    """The PostgreSQL ``tsquery`` text of the tokens' words (prefixes from three
    characters), or None when no token has a letter or digit."""
    pieces = _word_pieces(tokens)
    return " & ".join(p + (":*" if prefix else "") for p, prefix in pieces) or None


_CONTACT_WORDS = table("contact_words", column("contact_id"), column("user_id"), column("words"))


def _tsquery(words_query: str) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column("'simple'::regconfig"), cast(literal(words_query), Text))


def _words_probe(words_query: str) -> ColumnElement[bool]:
    """PostgreSQL: whether this contact's document holds the words, read by primary key
    for each row tested (a correlated scalar subquery, which the planner cannot turn
    into a scan of every matching document)."""
    words = _CONTACT_WORDS.c
    return (
        select(words.words.op("@@", return_type=Boolean)(_tsquery(words_query)))
        .where(words.contact_id == Contact.id)
        .scalar_subquery()
    )


def _documents_with_words(
    session: Session, user_id: int, tokens: list[str], filters: list[ColumnElement[bool]]
) -> ColumnElement[int]:
    """The count (a scalar subquery) of the documents holding the tokens' words, up to
    the larger of ``SEARCH_COUNT_CAP`` and ``BROAD_WORDS``, + 1 (an index lookup for rare
    words; a broad word stops the scan there). PostgreSQL
    counts the user's documents. SQLite's FTS table has no owner column: it counts the
    documents of the contacts that ``filters`` keep, the FTS table driving and each
    contact read by primary key, so that past the cap the search has that many matches
    (a third of counting the union of both sides: 12 ms against 36 ms for a word in 38k
    of 100k contacts)."""
    matching: Select[Any]
    if _is_postgresql(session):
        words_query = _words_tsquery(tokens)
        if words_query is None:
            return literal(0)
        words = _CONTACT_WORDS.c
        matching = select(words.contact_id).where(
            words.user_id == user_id,
            words.words.op("@@", return_type=Boolean)(_tsquery(words_query)),
        )
    else:
        found = _preview_matches(session, tokens)
        if found is None:
            return literal(0)
        documents = found.subquery()
        matching = (
            select(Contact.id).join(documents, documents.c.rowid == Contact.id).where(*filters)
        )
    return _counted(matching, max(SEARCH_COUNT_CAP, BROAD_WORDS))


def _preview_matches(session: Session, tokens: list[str]) -> TextualSelect | None:
    """Ids of contacts whose interaction previews hold every token's words, each as the
    start of a word (a word shorter than three characters as a whole word: a one-letter
    prefix would match most contacts). None when no token has a letter or digit. The
    caller keeps the user's own contacts."""
    pieces = _word_pieces(tokens)
    if not pieces:
        return None
    if _is_postgresql(session):
        query = _words_tsquery(tokens)
        return (
            text(
                "SELECT contact_id FROM contact_words "
                "WHERE words @@ to_tsquery('simple', :words_query)"
            )
            .bindparams(words_query=query)
            .columns(column("contact_id", Integer))
        )
    match = " ".join(_fts_phrase(p) + ("*" if prefix else "") for p, prefix in pieces)
    return (
        text("SELECT rowid FROM contact_words WHERE contact_words MATCH :words_match")
        .bindparams(words_match=match)
        .columns(column("rowid", Integer))
    )


def add_search_words(session: Session, user_id: int, previews: Sequence[tuple[int, str]]) -> None:
    """Add the words of new interactions' ``(contact_id, preview)`` to their contacts'
    search documents: one statement per 500 contacts on PostgreSQL (the ``tsvector``
    union keeps each word once), a read and one executemany per 500 on SQLite."""
    by_contact: dict[int, set[str]] = {}
    # Bulk paths repeat previews ("Connected on LinkedIn"): each distinct one read once.
    words_of: dict[str, list[str]] = {}
    for contact_id, preview in previews:
        if preview not in words_of:
            words_of[preview] = _WORD.findall(preview.lower())
        by_contact.setdefault(contact_id, set()).update(words_of[preview])
    ids = sorted(by_contact)
    postgresql = _is_postgresql(session)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if postgresql:
            session.execute(
                _ADD_WORDS_POSTGRESQL,
                {
                    "ids": chunk,
                    "user_id": user_id,
                    "texts": [" ".join(sorted(by_contact[c])) for c in chunk],
                },
            )
            continue
        existing: dict[int, str] = {
            row[0]: row[1]
            for row in session.execute(
                text("SELECT rowid, words FROM contact_words WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": chunk},
            )
        }
        rows = []
        for cid in chunk:
            words = by_contact[cid]
            old = existing.get(cid)
            if old is not None:
                known = set(_WORD.findall(old.lower()))
                if words <= known:
                    continue
                words = known | words
            rows.append({"cid": cid, "words": " ".join(sorted(words))})
        changed = [row["cid"] for row in rows if row["cid"] in existing]
        if changed:
            session.execute(
                text("DELETE FROM contact_words WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": changed},
            )
        if rows:
            session.execute(
                text("INSERT INTO contact_words(rowid, words) VALUES (:cid, :words)"), rows
            )


_ADD_WORDS_POSTGRESQL = text(
    "INSERT INTO contact_words (contact_id, user_id, words) "
    "SELECT k.id, :user_id, strip(to_tsvector('simple', k.words)) "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:texts AS text[])) AS k(id, words) "
    "ON CONFLICT (contact_id) DO UPDATE SET words = contact_words.words || excluded.words"
)
# The previews that make search documents: not the app's own labels (UNSEARCHED_PREVIEWS),
# as SQL of those constants.
SEARCHED_PREVIEWS_SQL = "preview NOT IN ({})".format(
    ", ".join("'" + label.replace("'", "''") + "'" for label in sorted(UNSEARCHED_PREVIEWS))
)
# The document of a contact from all its interactions (after deletions, edits, merges).
_SEARCHED_PREVIEWS = f"FROM interactions WHERE contact_id IN {{ids}} AND {SEARCHED_PREVIEWS_SQL}"
_REBUILD_WORDS = {
    "postgresql": (
        "INSERT INTO contact_words (contact_id, user_id, words) "
        "SELECT contact_id, min(user_id), "
        "strip(to_tsvector('simple', string_agg(DISTINCT preview, ' '))) "
        + _SEARCHED_PREVIEWS
        + " GROUP BY contact_id"
    ),
    "sqlite": (
        "INSERT INTO contact_words(rowid, words) "
        "SELECT contact_id, group_concat(DISTINCT preview) "
        + _SEARCHED_PREVIEWS
        + " GROUP BY contact_id"
    ),
}
_DELETE_WORDS = {
    "postgresql": "DELETE FROM contact_words WHERE contact_id IN {ids}",
    "sqlite": "DELETE FROM contact_words WHERE rowid IN {ids}",
}
_SINCE = "(SELECT DISTINCT contact_id FROM interactions WHERE id > :since)"


def rebuild_search_words(session: Session, contact_ids: Collection[int]) -> None:
    """Rebuild these contacts' search documents from their interactions as they now are
    (set-based: a delete and an INSERT … SELECT … GROUP BY per 500 contacts)."""
    ids = sorted(set(contact_ids))
    dialect = "postgresql" if _is_postgresql(session) else "sqlite"
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start : start + CHUNK]}
        for sql in (_DELETE_WORDS[dialect], _REBUILD_WORDS[dialect]):
            statement = text(sql.format(ids=":ids")).bindparams(bindparam("ids", expanding=True))
            session.execute(statement, chunk)


def rebuild_search_words_since(session: Session, since_id: int) -> None:
    """Rebuild the search documents of every contact with an interaction whose id is
    above ``since_id`` (after a bulk load: three statements whatever its size)."""
    dialect = "postgresql" if _is_postgresql(session) else "sqlite"
    for sql in (_DELETE_WORDS[dialect], _REBUILD_WORDS[dialect]):
        session.execute(text(sql.format(ids=_SINCE)), {"since": since_id})


@dataclass(frozen=True)
class Visibility:
    """How many of the user's contacts the default list shows, and why the rest not."""

    listed: int
    second_tier: int
    archived: int


def visibility_counts(session: Session, user_id: int) -> Visibility:
    """Listed (not 2nd-tier, not archived), 2nd-tier (not archived) and archived
    contacts, in one query grouped in the order of the tier index (half the time of
    three conditional sums over every contact: 7 ms against 13 at 100k on SQLite)."""
    groups = session.execute(
        select(Contact.is_second_tier, Contact.priority, func.count())
        .where(Contact.user_id == user_id)
        .group_by(Contact.is_second_tier, Contact.priority)
    ).all()
    listed = second_tier = archived = 0
    for is_second_tier, priority, count in groups:
        if priority == Priority.ARCHIVED:
            archived += count
        elif is_second_tier:
            second_tier += count
        else:
            listed += count
    return Visibility(listed, second_tier, archived)


def search_tokens(q: str | None) -> list[str]:
    """Lower-cased search words (at most ten)."""
    return (q or "").lower().split()[:10]


def _conditions(user_id: int, query: ContactListQuery) -> list[ColumnElement[bool]]:
    """The list's filters, the search apart (see :func:`_search_condition`)."""
    conditions: list[ColumnElement[bool]] = [Contact.user_id == user_id]
    if not query.show_second_tier:
        conditions.append(Contact.is_second_tier.is_(False))
    if query.priority is not None:
        conditions.append(Contact.priority == query.priority)
    elif not query.show_archived:
        conditions.append(Contact.priority != Priority.ARCHIVED)
    if query.tier is not None:
        # A semi-join on the score rows (through their (user, score) index), so that the
        # filters stand in any statement, joined to the scores or not.
        low, high = TIER_BOUNDS[query.tier]
        in_tier = select(ContactScore.contact_id).where(ContactScore.user_id == user_id)
        if low is not None:
            in_tier = in_tier.where(ContactScore.score >= low)
        if high is not None:
            in_tier = in_tier.where(ContactScore.score <= high)
        conditions.append(Contact.id.in_(in_tier))
    if query.organization_id is not None:
        if not valid_id(query.organization_id):
            conditions.append(Contact.id.is_(None))
        conditions.append(Contact.organization_id == query.organization_id)
    if query.tag:
        normalized = " ".join(query.tag.strip().lstrip("#").split()).lower()
        conditions.append(
            Contact.id.in_(
                select(contact_tags.c.contact_id)
                .join(Tag, Tag.id == contact_tags.c.tag_id)
                .where(Tag.user_id == user_id, Tag.normalized_name == normalized)
            )
        )
    if query.platform is not None:
        conditions.append(
            exists().where(
                Interaction.contact_id == Contact.id, Interaction.platform == query.platform
            )
        )
    if query.has_suggestion:
        conditions.append(
            exists().where(
                Suggestion.contact_id == Contact.id,
                Suggestion.user_id == user_id,
                Suggestion.status == SuggestionStatus.PENDING,
            )
        )
    return conditions


def _search_condition(
    session: Session, user_id: int, tokens: list[str], *, broad: bool
) -> ColumnElement[bool]:
    """The contact's text holds every token, or its previews' document every word.
    ``broad`` (words in thousands of documents): the page walks the sort's index and
    stops after a page of matches, instead of reading every match and sorting them.
    PostgreSQL tests each row where it stands (its text, then its document by primary
    key); SQLite tests each row against the matching ids, collected once."""
    in_previews = _preview_matches(session, tokens)
    if _is_postgresql(session):
        if in_previews is None:
            return _text_holds(tokens)
        words_query = _words_tsquery(tokens)
        if broad and words_query is not None:
            return or_(_text_holds(tokens), _words_probe(words_query))
        # ``id = ANY(ARRAY(…))``: the (fewer than ``BROAD_WORDS``) matches are collected
        # once, then each is read by primary key. As ``IN (…)`` the planner hash-joins
        # them with a scan of every contact once it expects a thousand or more (89 ms
        # against 29 ms at 1,600 matches of 100k contacts).
        other = aliased(Contact)
        own_text = select(other.id).where(other.user_id == user_id, _text_holds(tokens, other))
        collected: CompoundSelect[Any] = union(own_text, in_previews)
        return Contact.id == any_(func.array(collected.scalar_subquery()))
    # One IN over the matching ids of both sides, found through an index (UNION ALL: IN
    # ignores duplicates, and a UNION would sort them once more).
    in_text = _text_matches(session, user_id, tokens)
    matches: Select[Any] | TextualSelect | CompoundSelect[Any] = (
        in_text if in_previews is None else union_all(in_text, in_previews)
    )
    if broad:
        # ``id + 0``: not a lookup key, so SQLite walks the sort's index instead of
        # reading every match by id and sorting them (46 ms against 188 ms for a word
        # in 38k of 100k contacts).
        return (Contact.id + 0).in_(matches)
    return Contact.id.in_(matches)


def _order_by(session: Session, sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column_ = SORT_COLUMNS.get(key, Contact.sort_name)
    if descending:
        first = column_.desc()
        if key == "last_interaction" and _is_postgresql(session):
            first = first.nulls_last()
        return [first, _tie(key).desc()]
    first = column_.asc()
    if key == "last_interaction" and _is_postgresql(session):
        first = first.nulls_first()
    return [first, _tie(key).asc()]


def sort_position(row: Any, sort: str) -> tuple[Any, ...]:
    """The JSON values of a listed contact's place in the ``sort`` order (for a keyset
    cursor); ``row`` is one of :func:`list_contacts`' rows."""
    value = getattr(row, SORT_COLUMNS.get(sort.lstrip("-"), Contact.sort_name).key)
    if isinstance(value, datetime):
        value = value.isoformat()
    return (value, row.id)


def _after(keyset: Keyset, sort: str) -> ColumnElement[bool]:
    """Rows strictly after ``keyset`` in the ``sort`` order (NULL sorts first ascending,
    last descending, on both databases; see :func:`_order_by`)."""
    if keyset.sort != sort or len(keyset.values) != 2 or not isinstance(keyset.values[1], int):
        raise ValidationFailed(
            "This cursor belongs to a list sorted differently: start again without it.",
            details={"field": "cursor"},
        )
    key = sort.lstrip("-")
    column_ = SORT_COLUMNS.get(key, Contact.sort_name)
    raw, last_id = keyset.values
    try:
        value = datetime.fromisoformat(raw) if key == "last_interaction" and raw else raw
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("cursor is not valid", details={"field": "cursor"}) from exc
    descending = sort.startswith("-")
    if value is None:
        if key != "last_interaction":
            raise ValidationFailed("cursor is not valid", details={"field": "cursor"})
        later_id = Contact.id < last_id if descending else Contact.id > last_id
        tie = column_.is_(None) & later_id
        return tie if descending else tie | column_.is_not(None)
    if descending:
        before = tuple_(column_, _tie(key)) < tuple_(value, last_id)
        return before | column_.is_(None) if key == "last_interaction" else before
    return tuple_(column_, _tie(key)) > tuple_(value, last_id)


def _only_visibility_filters(query: ContactListQuery) -> bool:
    """True when nothing but the search and the 2nd-tier/archived switches narrows the
    list."""
    return (
        query.priority is None
        and query.tier is None
        and query.organization_id is None
        and not query.tag
        and query.platform is None
        and not query.has_suggestion
    )


def list_contacts(
    session: Session,
    user_id: int,
    query: ContactListQuery,
    *,
    offset: int,
    limit: int,
    after: Keyset | None = None,
) -> tuple[list[Row[Any]], int, bool]:
    """One page of contacts (see :func:`_page_rows`), the total count and whether that
    total is a cap. ``after`` pages by keyset (the rows following that position, found
    through the sort's index whatever the depth) instead of ``offset``. The count is
    skipped when the first page is not full, and taken from the page itself for a narrow
    search; otherwise it counts at most ``SEARCH_COUNT_CAP`` (a search) or
    ``LIST_COUNT_CAP`` + 1 contacts (a LIMIT inside the count) and reports the cap with
    ``True`` past it."""
    tokens = search_tokens(query.q)
    filters = _conditions(user_id, query)
    in_documents, in_texts = (
        _search_breadth(session, user_id, tokens, filters) if tokens else (0, 0)
    )
    broad = in_documents + in_texts >= BROAD_WORDS
    search = [_search_condition(session, user_id, tokens, broad=broad)] if tokens else []
    order = _order_by(session, query.sort)
    # A narrow search reads and sorts every match before keeping a page: the page counts
    # them on the way (a window count, before the OFFSET) instead of a second statement
    # collecting them again. Not after a cursor: that page does not see earlier matches.
    counted = bool(tokens) and not broad and after is None
    columns = [Contact.id, func.count().over().label("matches")] if counted else [Contact.id]
    ordered = select(*columns).where(*filters, *search).order_by(*order)
    # Sorted by score: the score rows are joined (and walked in score order).
    if _sorts_by_score(query):
        ordered = _join_scores(ordered, user_id)
    if after is not None:
        ordered = ordered.where(_after(after, query.sort))
        offset_rows = 0
    else:
        offset_rows = offset
    rows, matches = _page_rows(session, ordered.offset(offset_rows).limit(limit).subquery(), order)
    if offset == 0 and after is None and len(rows) < limit:
        return rows, len(rows), False
    if matches is not None:
        return rows, min(matches, SEARCH_COUNT_CAP), matches > SEARCH_COUNT_CAP
    if _past_the_cap(session, query, in_documents, in_texts):
        return rows, SEARCH_COUNT_CAP, True
    if broad and _is_postgresql(session):
        sides = _count_of_sides(session, user_id, tokens, filters)
        if sides is not None:
            return rows, *sides
    if broad:
        search = [_search_condition(session, user_id, tokens, broad=False)]
    cap = SEARCH_COUNT_CAP if tokens else LIST_COUNT_CAP
    return rows, *_capped_count(session, select(Contact.id).where(*filters, *search), cap)


# What a list shows of each contact, read as plain rows: building ORM contacts with their
# identifiers and tags was a third of the default list request (in process, 100k contacts).
LISTED_COLUMNS = (
    Contact.id,
    Contact.full_name,
    Contact.sort_name,
    Contact.company,
    Contact.title,
    Contact.location,
    Contact.avatar_url,
    Contact.birthday,
    Contact.priority,
    Contact.is_second_tier,
    Contact.last_interaction_at,
    Contact.interaction_count,
    Contact.bcc_hash,
    Contact.organization_id,
    Organization.name.label("organization_name"),
    func.coalesce(ContactScore.score, 0).label("score"),
    ContactScore.parts.label("score_parts"),
    Contact.edited_fields,
    Contact.source,
    Contact.created_at,
    Contact.updated_at,
)


def _page_rows(
    session: Session, page: Subquery, order: list[Any]
) -> tuple[list[Row[Any]], int | None]:
    """The ``LISTED_COLUMNS`` of the contacts of ``page`` (a subquery of their ids, in the
    list's order), their organization and score row joined by primary key; and the page's
    ``matches`` count when it has one (None without, or on an empty page). The page is
    chosen first and joined after: a join inside it would be made for every match of a
    search before the sort keeps 50."""
    matches = page.c.matches if "matches" in page.c else literal(None)
    statement = (
        select(*LISTED_COLUMNS, matches.label("matches"))
        .join(page, page.c.id == Contact.id)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .outerjoin(ContactScore, ContactScore.contact_id == Contact.id)
        .order_by(*order)
    )
    found = list(session.execute(statement).all())
    return found, (found[0].matches if found else None)


IdentifierRow = Row[int, int, IdentifierKind, str, str]


def identifiers_by_contact(
    session: Session, contact_ids: Sequence[int]
) -> dict[int, list[IdentifierRow]]:
    """The (contact_id, id, kind, value, display_value) rows of each contact's
    identifiers."""
    result: dict[int, list[IdentifierRow]] = {cid: [] for cid in contact_ids}
    for start in range(0, len(contact_ids), CHUNK):
        for row in session.execute(
            select(
                ContactIdentifier.contact_id,
                ContactIdentifier.id,
                ContactIdentifier.kind,
                ContactIdentifier.value,
                ContactIdentifier.display_value,
            ).where(ContactIdentifier.contact_id.in_(contact_ids[start : start + CHUNK]))
        ):
            result[row.contact_id].append(row)
    return result


def _past_the_cap(
    session: Session, query: ContactListQuery, in_documents: int, in_texts: int
) -> bool:
    """Whether the breadth counts already show more matches than ``SEARCH_COUNT_CAP``, so
    that the total is "1,000+" without counting the contacts. SQLite's documents are
    those of the contacts the filters keep (exact). PostgreSQL counted the user's
    documents and texts: an estimate only in that archived and 2nd-tier contacts are not
    subtracted, so taken only when no other filter is set."""
    if _is_postgresql(session):
        return _only_visibility_filters(query) and max(in_documents, in_texts) > SEARCH_COUNT_CAP
    return in_documents > SEARCH_COUNT_CAP


def _capped_count(
    session: Session, matches: Select[Any] | CompoundSelect[Any], cap: int
) -> tuple[int, bool]:
    """How many rows ``matches`` selects, counted up to ``cap`` + 1 (a ``LIMIT`` inside
    the count), and whether that is past the cap."""
    capped = matches.limit(cap + 1).subquery()
    found = int(session.execute(select(func.count()).select_from(capped)).scalar_one())
    if found > cap:
        return cap, True
    return found, False


def _count_of_sides(
    session: Session, user_id: int, tokens: list[str], filters: list[ColumnElement[bool]]
) -> tuple[int, bool] | None:
    """PostgreSQL: how many contacts that ``filters`` keep match, as two disjoint counts,
    each through its index and stopped after ``SEARCH_COUNT_CAP`` + 1: those whose text
    holds the tokens, then (unless they are already past the cap) those whose document
    holds the words but whose text does not. (As one OR with thousands of ids in an
    ``ANY`` array, each row rechecked the array from its start: 151 ms for a word in 8,000
    documents; as a UNION, its hash read every match before the LIMIT: 26 ms for a tag on
    13,000 contacts.) None without words."""
    words_query = _words_tsquery(tokens)
    if words_query is None:
        return None
    in_text, capped = _capped_count(
        session, select(Contact.id).where(*filters, _text_holds(tokens)), SEARCH_COUNT_CAP
    )
    if capped:
        return in_text, capped
    words = _CONTACT_WORDS.c
    only_in_previews = (
        select(Contact.id)
        .join(_CONTACT_WORDS, words.contact_id == Contact.id)
        .where(
            *filters,
            words.user_id == user_id,
            words.words.op("@@", return_type=Boolean)(_tsquery(words_query)),
            ~_text_holds(tokens),
        )
    )
    in_previews = _capped_count(session, only_in_previews, SEARCH_COUNT_CAP)[0]
    if in_text + in_previews > SEARCH_COUNT_CAP:
        return SEARCH_COUNT_CAP, True
    return in_text + in_previews, False


def set_priority(session: Session, user_id: int, ids: Sequence[int], priority: Priority) -> int:
    """Set the priority of the user's contacts; returns how many rows changed."""
    changed = 0
    for start in range(0, len(ids), CHUNK):
        result = session.execute(
            update(Contact)
            .where(Contact.user_id == user_id, Contact.id.in_(ids[start : start + CHUNK]))
            .values(priority=priority)
            .execution_options(synchronize_session="fetch")
        )
        changed += result.rowcount or 0  # type: ignore[attr-defined]
    return changed


def delete_contacts(session: Session, user_id: int, ids: Sequence[int]) -> int:
    """Delete the user's contacts (their interactions, notes and identifiers cascade)."""
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        result = session.execute(
            delete(Contact)
            .where(Contact.user_id == user_id, Contact.id.in_(ids[start : start + CHUNK]))
            .execution_options(synchronize_session=False)
        )
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
    return deleted


def primary_gmail_address(session: Session, user_id: int) -> str | None:
    """The external id (address) of the user's primary Gmail account, if connected."""
    return session.execute(
        select(PlatformAccount.external_id)
        .join(UserSettings, UserSettings.primary_gmail_account_id == PlatformAccount.id)
        .where(
            UserSettings.user_id == user_id,
            PlatformAccount.user_id == user_id,
            PlatformAccount.provider == Provider.GMAIL,
        )
    ).scalar_one_or_none()


def organizations_for_filter(
    session: Session, user_id: int, selected: int | None = None, limit: int = 500
) -> list[tuple[int, str]]:
    """The user's organizations (id, name) for the filter menu: the first ``limit`` by
    name, with ``selected`` among them even when it sorts later."""
    rows = [
        (row[0], row[1])
        for row in session.execute(
            select(Organization.id, Organization.name)
            .where(Organization.user_id == user_id)
            .order_by(Organization.normalized_name)
            .limit(limit)
        )
    ]
    if selected is not None and valid_id(selected) and all(i != selected for i, _ in rows):
        chosen = session.execute(
            select(Organization.id, Organization.name).where(
                Organization.user_id == user_id, Organization.id == selected
            )
        ).first()
        if chosen is not None:
            rows.insert(0, (chosen[0], chosen[1]))
    return rows


def forget_loaded(session: Session, contact_ids: Collection[int]) -> None:
    """Drop deleted contacts (and rows hanging off them) from the session's identity map."""
    gone = set(contact_ids)
    for obj in list(session.identity_map.values()):
        # Read what is loaded, never load: an expired row may be gone already.
        state = inspect(obj)
        owner = (state.identity or (None,))[0] if isinstance(obj, Contact) else None
        if owner in gone or state.dict.get("contact_id") in gone:
            session.expunge(obj)


def stored_avatar_urls(session: Session, user_id: int, prefix: str) -> list[str]:
    """The user's contacts' avatar URLs starting with ``prefix`` (stored photos)."""
    return list(
        session.scalars(
            select(Contact.avatar_url).where(
                Contact.user_id == user_id,
                Contact.avatar_url.startswith(prefix, autoescape=True),
            )
        )
    )


def restorable_absorbed_ids(session: Session, user_id: int) -> set[int]:
    """Contacts merged away by merges that can still be undone (Undo restores them)."""
    return set(
        session.scalars(
            select(MergeRecord.absorbed_contact_id).where(
                MergeRecord.user_id == user_id,
                MergeRecord.undone_at.is_(None),
                MergeRecord.survivor_id.is_not(None),
            )
        )
    )


def existing_user_ids(session: Session, user_ids: Collection[int]) -> set[int]:
    """Those of ``user_ids`` whose account exists."""
    return set(session.scalars(select(User.id).where(User.id.in_(list(user_ids)))))
