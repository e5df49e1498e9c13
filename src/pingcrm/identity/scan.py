"""The scan: features of every contact, exact tier-1 lookups, blocked tier-2 scoring,
stored pairs (rejected ones never come back) and automatic merges."""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.identity import blocking, repository
from pingcrm.identity.features import Features, build
from pingcrm.identity.model import BookStats
from pingcrm.identity.signals import PairScore, Thresholds, legacy_score_pair, score_pair
from pingcrm.kit.clock import utcnow
from pingcrm.models import MatchStatus

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


def _common_first_names(features: list[Features]) -> frozenset[str]:
    counts = Counter(f.first for f in features if f.first)
    limit = max(COMMON_FIRST_NAME_MIN, int(len(features) * COMMON_FIRST_NAME_SHARE))
    return frozenset(name for name, n in counts.items() if n >= limit)


def _tier1_pairs(features: list[Features]) -> set[tuple[int, int]]:
    """Pairs that share a certain identifier (exact lookups, no blocking)."""
    owners: dict[tuple[str, str], list[int]] = defaultdict(list)
    for f in features:
        for key in f.strong:
            owners[key].append(f.id)
    pairs: set[tuple[int, int]] = set()
    for ids in owners.values():
        if 1 < len(ids) <= 20:
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    pairs.add((min(a, b), max(a, b)))
    for f in features:
        for key in f.bio_strong:
            for other in owners.get(key, ()):
                if other != f.id:
                    pairs.add((min(f.id, other), max(f.id, other)))
    return pairs


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
    # Hundreds of thousands of small objects, none cyclic: the cycle collector would
    # walk them again and again (a third of the scan time at 100k contacts).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _find_pairs(rows, identifiers, thresholds, max_block, progress, legacy)
    finally:
        if enabled:
            gc.enable()


def _find_pairs(
    rows: list[Any],
    identifiers: dict[int, list[Any]],
    thresholds: Thresholds,
    max_block: int,
    progress: Progress | None,
    legacy: bool = False,
) -> ScanResult:
    started = time.perf_counter()
    features = [build(row, identifiers.get(row.id, ())) for row in rows]
    by_id = {f.id: f for f in features}
    common = _common_first_names(features)
    stats = BookStats.of(features)
    certain = _tier1_pairs(features)
    blocks = blocking.candidate_pairs(features, max_block)
    candidates = blocks.pairs | certain
    result = ScanResult(
        contacts=len(features),
        candidates=len(candidates),
        blocks=blocks.blocks,
        oversized_blocks=blocks.oversized,
        oversized_contacts=blocks.oversized_contacts,
    )
    total = len(candidates)
    step = max(1, total // 20)
    for index, (a, b) in enumerate(sorted(candidates)):
        if legacy:
            verdict = legacy_score_pair(by_id[a], by_id[b], thresholds, common)
        else:
            verdict = score_pair(by_id[a], by_id[b], thresholds, stats)
        if verdict.tier:
            result.pairs.append(FoundPair(a, b, verdict))
        if progress is not None and index % step == 0:
            progress(index, total)
    in_pairs = {p.a for p in result.pairs} | {p.b for p in result.pairs}
    for row in rows:
        if row.id in in_pairs:
            result.people[row.id] = {
                "id": row.id,
                "name": row.full_name,
                "emails": sorted(by_id[row.id].emails),
            }
    result.tier1 = sum(1 for p in result.pairs if p.verdict.tier == 1)
    result.tier2 = len(result.pairs) - result.tier1
    result.seconds = time.perf_counter() - started
    return result


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
