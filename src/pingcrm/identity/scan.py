"""The scan: features of every contact, exact tier-1 lookups, blocked tier-2 scoring,
stored pairs (rejected ones never come back) and automatic merges."""

from __future__ import annotations

import gc
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from pingcrm.identity import blocking, repository
from pingcrm.identity.features import Features, build
from pingcrm.identity.model import BookStats
from pingcrm.identity.names import phonetic
from pingcrm.identity.signals import PairScore, Thresholds, legacy_score_pair, score_pair
from pingcrm.kit.clock import utcnow
from pingcrm.models import IdentifierKind, MatchStatus

# A first name this frequent among the user's contacts says little on its own.
COMMON_FIRST_NAME_SHARE = 0.002
COMMON_FIRST_NAME_MIN = 5

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FoundPair:
    """A pair the scan proposes (tier 1 or 2), ``a < b``."""

    a: int
    b: int
    verdict: PairScore


@dataclass
class ScanResult:
    """What one scan found and did."""

    contacts: int = 0
    candidates: int = 0
    blocks: int = 0
    oversized_blocks: int = 0
    oversized_contacts: int = 0
    tier1: int = 0
    tier2: int = 0
    queued: int = 0
    auto_merged: int = 0
    rejected_kept_out: int = 0
    seconds: float = 0.0
    pairs: list[FoundPair] = field(default_factory=list)
    # Name and emails of every contact in a found pair (as they were when scanned).
    people: dict[int, dict[str, Any]] = field(default_factory=dict)
    merged_pairs: set[tuple[int, int]] = field(default_factory=set)

    def pairs_json(self) -> list[dict[str, Any]]:
        """The found pairs with both contacts' names and emails (CLI ``--json``)."""
        out = []
        for pair in self.pairs:
            out.append(
                {
                    "contacts": [self.people.get(pair.a, {"id": pair.a}),
                                 self.people.get(pair.b, {"id": pair.b})],
                    "score": pair.verdict.score,
                    "tier": pair.verdict.tier,
                    "signals": sorted(k for k, v in pair.verdict.signals.items() if v > 0),
                    "guards": pair.verdict.guards,
                    "action": "merged" if (pair.a, pair.b) in self.merged_pairs else "review",
                }
            )  # fmt: skip
        return out

    def summary(self) -> str:
        """One line for the scan history."""
        text = (
            f"{self.contacts} contacts, {self.candidates} pairs compared: "
            f"{self.tier1} certain, {self.tier2} probable; {self.auto_merged} merged "
            f"automatically, {self.queued} waiting for review"
        )
        if self.oversized_blocks:
            text += (
                f"; {self.oversized_blocks} oversized blocks skipped "
                f"({self.oversized_contacts} contact entries)"
            )
        return text + "."


# Features kept at once while scoring (built on demand from the compact rows, in the
# order of the contacts' names, so that the members of a block are built together).
FEATURE_CACHE = 10_000
# Positions (in name order) whose pairs are scored together.
SCORE_WINDOW = 1_000
# Contacts sharing one certain identifier beyond this are a shared inbox, not a person.
MAX_SHARED_IDENTIFIER = 20

Identifiers = Mapping[int, Sequence[tuple[IdentifierKind, str]]]
Chunk = tuple[Sequence[Any], Identifiers]


class _Compact(NamedTuple):
    """The columns of one contact the features are built from (bios only when they name
    an identifier: the rest of their text is never read)."""

    id: int
    full_name: str
    given_name: str | None
    family_name: str | None
    company: str | None
    twitter_bio: str | None
    linkedin_headline: str | None
    telegram_bio: str | None
    common_groups: tuple[str, ...] | None


def _intern(text: str | None) -> str | None:
    return sys.intern(text) if text else text


@dataclass
class _Book:
    """What a scan keeps of every contact between reading and scoring: compact rows and
    identifiers by position, blocking keys and certain identifiers as packed integers,
    and the term frequencies. Features are built again on demand, never all at once."""

    rows: list[_Compact] = field(default_factory=list)
    identifiers: list[tuple[tuple[IdentifierKind, str], ...]] = field(default_factory=list)
    index: blocking.KeyIndex = field(default_factory=blocking.KeyIndex)
    strong: array[int] = field(default_factory=lambda: array("q"))
    bio_strong: list[tuple[int, int]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    rank: array[int] = field(default_factory=lambda: array("l"))
    by_rank: array[int] = field(default_factory=lambda: array("l"))

    def read(self, chunks: Iterable[Chunk]) -> Iterator[Features]:
        """Take in the contacts chunk by chunk; yields each one's features once (for
        the book's term frequencies), keeping only the compact row."""
        for rows, identifiers in chunks:
            for row in rows:
                idents = tuple(identifiers.get(row.id, ()))
                f = build(row, idents)
                position = len(self.rows)
                bios = (row.twitter_bio, row.linkedin_headline, row.telegram_bio)
                if not f.bio_strong:
                    bios = (None, None, None)
                self.rows.append(
                    _Compact(
                        row.id, row.full_name, _intern(row.given_name),
                        _intern(row.family_name), _intern(row.company), *bios,
                        tuple(row.common_groups) if row.common_groups else None,
                    )
                )  # fmt: skip
                self.identifiers.append(idents)
                self.index.add(position, f)
                for key in f.strong:
                    self.strong.append(_packed_key(key, position))
                for key in f.bio_strong:
                    self.bio_strong.append((hash(key) & blocking.HASH_MASK, position))
                # How the surname sounds (a cached string: no copy per contact).
                self.order.append(phonetic(f.last) if f.last else f.first)
                yield f

    def sort_by_name(self) -> None:
        """Rank the contacts by how their surname sounds (then in reading order): a
        block's members end up near one another, so scoring builds each one's features
        about once."""
        order = self.order
        self.by_rank = array("l", sorted(range(len(order)), key=order.__getitem__))
        self.order = []
        self.rank = array("l", bytes(self.by_rank.itemsize * len(self.by_rank)))
        for rank, position in enumerate(self.by_rank):
            self.rank[position] = rank

    def features(self, ranks: Iterable[int]) -> dict[int, Features]:
        """Features of the contacts at these ranks, built from their compact rows."""
        out: dict[int, Features] = {}
        for rank in ranks:
            position = self.by_rank[rank]
            out[rank] = build(self.rows[position], self.identifiers[position])
        return out

    def add_certain_pairs(self, into: blocking.Candidates) -> None:
        """Add the pairs of ranks that share a certain identifier (exact lookups, no
        blocking; an identifier of more than 20 contacts is a shared inbox)."""
        wanted = {key for key, _ in self.bio_strong}
        owners: dict[int, list[int]] = {}
        for run in blocking.runs(sorted(self.strong)):
            if len(run) <= MAX_SHARED_IDENTIFIER:
                into.add_block(sorted(self.rank[p] for p in run))
        for value in self.strong:
            key = value >> blocking.POSITION_BITS
            if key in wanted:
                owners.setdefault(key, []).append(self.rank[value & blocking.POSITION_MASK])
        for key, position in self.bio_strong:
            mine = self.rank[position]
            for other in owners.get(key, ()):
                if other != mine:
                    into.add(min(mine, other), (max(mine, other),))
        self.strong = array("q")


def _packed_key(key: tuple[str, str], position: int) -> int:
    return ((hash(key) & blocking.HASH_MASK) << blocking.POSITION_BITS) | position


def find_pairs(
    rows: list[Any],
    identifiers: dict[int, list[Any]],
    thresholds: Thresholds,
    max_block: int,
    progress: Progress | None = None,
    *,
    legacy: bool = False,
) -> ScanResult:
    """Score every candidate pair of these contacts (no database access); ``legacy``
    scores with the previous weighted scorer (for the benchmark's comparison only)."""
    return scan_chunks([(rows, identifiers)], thresholds, max_block, progress, legacy=legacy)


def scan_chunks(
    chunks: Iterable[Chunk],
    thresholds: Thresholds,
    max_block: int,
    progress: Progress | None = None,
    *,
    legacy: bool = False,
) -> ScanResult:
    """Score every candidate pair of the contacts read chunk by chunk (``(rows,
    identifiers)``, as :func:`repository.scan_chunks` yields them): the contacts are
    kept as compact rows and packed keys, candidate pairs as packed integers, and
    features are built on demand while scoring (a few thousand at a time)."""
    # Hundreds of thousands of small objects, none cyclic: the cycle collector would
    # walk them again and again (a third of the scan time at 100k contacts).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(chunks, thresholds, max_block, progress, legacy)
    finally:
        if enabled:
            gc.enable()


def compared_pairs(chunks: Iterable[Chunk], max_block: int) -> set[tuple[int, int]]:
    """The contact id pairs ``(a, b)``, ``a < b``, a scan of these contacts compares
    (blocks and certain identifiers), for measuring the blocking's pair completeness."""
    book = _Book()
    BookStats.of(book.read(chunks))
    book.sort_by_name()
    book.index.renumber(book.rank)
    candidates = blocking.Candidates(len(book.rows))
    blocking.block_pairs(book.index, max_block, book.features, candidates)
    book.add_certain_pairs(candidates)
    out: set[tuple[int, int]] = set()
    for ra, rb in candidates.pairs():
        a, b = book.rows[book.by_rank[ra]].id, book.rows[book.by_rank[rb]].id
        out.add((min(a, b), max(a, b)))
    return out


def _scan(
    chunks: Iterable[Chunk],
    thresholds: Thresholds,
    max_block: int,
    progress: Progress | None,
    legacy: bool,
) -> ScanResult:
    started = time.perf_counter()
    book = _Book()
    stats = BookStats.of(book.read(chunks))
    book.sort_by_name()
    book.index.renumber(book.rank)  # positions are ranks from here on
    candidates = blocking.Candidates(len(book.rows))
    blocks = blocking.block_pairs(book.index, max_block, book.features, candidates)
    book.add_certain_pairs(candidates)
    total = candidates.count()
    result = ScanResult(
        contacts=len(book.rows),
        candidates=total,
        blocks=blocks.blocks,
        oversized_blocks=blocks.oversized,
        oversized_contacts=blocks.oversized_contacts,
    )
    common = _common_first_names(stats) if legacy else frozenset()
    step = max(1, total // 20)
    cache: dict[int, Features] = {}
    done = 0
    for window_start in range(0, len(book.rows), SCORE_WINDOW):
        window = [
            (a, b)
            for a in range(window_start, min(window_start + SCORE_WINDOW, len(book.rows)))
            for b in candidates.take(a)
        ]
        if not window:
            continue
        needed = {rank for pair in window for rank in pair}
        # Every later pair's first member is past this window: nothing before it is
        # needed again.
        cache = {r: f for r, f in cache.items() if r >= window_start}
        if len(cache) + len(needed) > FEATURE_CACHE:
            cache = {r: f for r, f in cache.items() if r in needed}
        cache.update(book.features(r for r in needed if r not in cache))
        for ra, rb in window:
            fa, fb = cache[ra], cache[rb]
            if fa.id > fb.id:
                fa, fb = fb, fa
            if legacy:
                verdict = legacy_score_pair(fa, fb, thresholds, common)
            else:
                verdict = score_pair(fa, fb, thresholds, stats)
            if verdict.tier:
                result.pairs.append(FoundPair(fa.id, fb.id, verdict))
                for f in (fa, fb):
                    result.people[f.id] = {
                        "id": f.id, "name": f.full_name, "emails": sorted(f.emails),
                    }  # fmt: skip
            if progress is not None and done % step == 0:
                progress(done, total)
            done += 1
    result.pairs.sort(key=lambda p: (p.a, p.b))
    result.tier1 = sum(1 for p in result.pairs if p.verdict.tier == 1)
    result.tier2 = len(result.pairs) - result.tier1
    result.seconds = time.perf_counter() - started
    return result


def _common_first_names(stats: BookStats) -> frozenset[str]:
    limit = max(COMMON_FIRST_NAME_MIN, int(stats.size * COMMON_FIRST_NAME_SHARE))
    return frozenset(name for name, n in stats.first.items() if n >= limit)


def store_pairs(
    session: Session, user_id: int, result: ScanResult, *, prune: bool = True
) -> list[FoundPair]:
    """Save the found pairs: new ones pending, known ones refreshed, rejected and merged
    ones left alone (a rejected pair never comes back), and pending pairs that no longer
    match forgotten. Returns the pairs that are open (pending or skipped)."""
    known = repository.existing_matches(session, user_id)
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    open_pairs: list[FoundPair] = []
    seen: set[tuple[int, int]] = set()
    for pair in result.pairs:
        key = (pair.a, pair.b)
        seen.add(key)
        values = {
            "score": pair.verdict.score,
            "tier": pair.verdict.tier,
            "signals": pair.verdict.as_json(),
        }
        if key in known:
            match_id, status = known[key]
            if status in (MatchStatus.REJECTED, MatchStatus.MERGED):
                result.rejected_kept_out += 1
                continue
            updates.append({"id": match_id, **values})
        else:
            new_rows.append(
                {
                    "user_id": user_id,
                    "contact_a_id": pair.a,
                    "contact_b_id": pair.b,
                    "status": MatchStatus.PENDING,
                    "created_at": now,
                    "updated_at": now,
                    **values,
                }
            )
        open_pairs.append(pair)
    repository.insert_matches(session, new_rows)
    repository.update_matches(session, updates)
    if prune:
        stale = [
            match_id
            for key, (match_id, status) in known.items()
            if key not in seen and status in (MatchStatus.PENDING, MatchStatus.SKIPPED)
        ]
        repository.delete_matches(session, user_id, stale)
    session.flush()
    return open_pairs
