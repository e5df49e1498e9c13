"""Identity resolution on the benchmark dataset: the scan's time and peak memory (target
< 30 s at 100k contacts) and the precision and recall of the default thresholds against
the planted duplicate pairs (targets >= 0.98 and >= 0.90)."""

from __future__ import annotations

import time
import tracemalloc

from bench.registry import BenchContext, Row, register
from pingcrm.config import Settings
from pingcrm.identity import repository
from pingcrm.identity.names import fold, tokens
from pingcrm.identity.scan import scan_chunks, store_pairs
from pingcrm.identity.service import thresholds

SCAN_TARGET_S = 30.0
PRECISION_TARGET = 0.98
RECALL_TARGET = 0.90


@register("identity scan")
def identity_scan(ctx: BenchContext) -> list[Row]:
    """Scan the dataset's user (read, compare, store the pairs; rolled back so the dataset
    stays as built), then score the pairs found against the ground truth."""
    settings = Settings()
    limits = thresholds(settings)
    with ctx.session_factory() as session:
        started, cpu_started = time.perf_counter(), time.process_time()
        chunks = repository.scan_chunks(session, ctx.dataset.user_id)
        result = scan_chunks(chunks, limits, settings.identity_max_block_size)
        compared = time.perf_counter()
        store_pairs(session, ctx.dataset.user_id, result)
        session.flush()
        finished = time.perf_counter()
        seconds = finished - started
        phases = (
            f"read and compare {compared - started:.1f} s, store {finished - compared:.1f} s, "
            f"{time.process_time() - cpu_started:.1f} s CPU"
        )
        session.rollback()
    with ctx.session_factory() as session:
        tracemalloc.start()
        chunks = repository.scan_chunks(session, ctx.dataset.user_id)
        scan_chunks(chunks, limits, settings.identity_max_block_size)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    truth = {(min(p["a"], p["b"]), max(p["a"], p["b"])) for p in ctx.dataset.duplicate_pairs}
    found = {(p.a, p.b) for p in result.pairs}
    with ctx.session_factory() as session:
        rows, _ = repository.scan_rows(session, ctx.dataset.user_id)
    negatives = _hard_negatives(rows, truth)
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(truth) if truth else 1.0
    scan_ok = "yes" if seconds < SCAN_TARGET_S else "no"
    detail = (
        f"{phases}; {result.contacts:,} contacts, {result.candidates:,} pairs compared, "
        f"{result.oversized_blocks} oversized blocks skipped, peak {peak / 2**20:.0f} MB traced"
    )
    counts = f"{true_positives} of {len(found)} found pairs planted, {len(truth)} planted"
    proposed = {kind: len(pairs & found) for kind, pairs in negatives.items()}
    hard = ", ".join(
        f"{len(pairs):,} {kind} ({proposed[kind]} proposed)" for kind, pairs in negatives.items()
    )
    return [
        Row("identity scan", ctx.backend, seconds * 1000, None, f"< {SCAN_TARGET_S:g} s",
            f"{scan_ok} ({seconds:.2f} s, {detail})"),
        Row("identity precision (default thresholds)", ctx.backend, None, None,
            f">= {PRECISION_TARGET}",
            f"{'yes' if precision >= PRECISION_TARGET else 'no'} ({precision:.3f}; {counts}; "
            f"hard negatives in the data: {hard})"),
        Row("identity recall (default thresholds)", ctx.backend, None, None,
            f">= {RECALL_TARGET}",
            f"{'yes' if recall >= RECALL_TARGET else 'no'} ({recall:.3f}; "
            f"tier 1 {result.tier1}, tier 2 {result.tier2})"),
    ]  # fmt: skip


def _hard_negatives(
    rows: list[object], truth: set[tuple[int, int]]
) -> dict[str, set[tuple[int, int]]]:
    """Pairs that are not duplicates but look alike: namesakes (same full name) and
    colleagues who share a first name (same company)."""
    by_name: dict[str, list[int]] = {}
    by_company_first: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        words = tokens(getattr(row, "full_name", ""))
        if len(words) >= 2:
            by_name.setdefault(" ".join(words), []).append(row.id)  # type: ignore[attr-defined]
        company = getattr(row, "company", None)
        if company and words:
            key = (fold(company), words[0])
            by_company_first.setdefault(key, []).append(row.id)  # type: ignore[attr-defined]
    out: dict[str, set[tuple[int, int]]] = {
        "namesake pairs": set(),
        "colleague pairs sharing a first name": set(),
    }
    for kind, groups in (
        ("namesake pairs", by_name.values()),
        ("colleague pairs sharing a first name", by_company_first.values()),
    ):
        for ids in groups:
            if 1 < len(ids) <= 200:
                ordered = sorted(ids)
                for i, a in enumerate(ordered):
                    for b in ordered[i + 1 :]:
                        if (a, b) not in truth:
                            out[kind].add((a, b))
    return out
