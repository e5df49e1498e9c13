"""Recompute all scores (target < 10 s at size M) and generate one user's suggestions with
template drafts (target < 5 s), on the benchmark dataset."""

from __future__ import annotations

import time

from bench.registry import BenchContext, Row, register
from pingcrm.kit.clock import utcnow
from pingcrm.scoring.service import recompute_scores
from pingcrm.suggestions.engine import generate_for_user

SCORES_TARGET_S = 10.0
SUGGESTIONS_TARGET_S = 5.0


def _row(ctx: BenchContext, workload: str, seconds: float, target: float, detail: str) -> Row:
    verdict = f"{'yes' if seconds < target else 'no'} ({seconds:.2f} s, {detail})"
    return Row(workload, ctx.backend, seconds * 1000, None, f"< {target:g} s", verdict)


@register("scores and suggestions")
def scores_and_suggestions(ctx: BenchContext) -> list[Row]:
    """Time a full score recompute (kept: later workloads sort by score), then one run of
    the follow-up engine with template drafts (rolled back: the dataset stays as built)."""
    rows: list[Row] = []
    with ctx.session_factory() as session:
        started = time.perf_counter()
        result = recompute_scores(session, ctx.dataset.user_id)
        session.commit()
        rows.append(
            _row(
                ctx,
                "recompute all scores",
                time.perf_counter() - started,
                SCORES_TARGET_S,
                f"{result.contacts_scored} contacts",
            )
        )
    with ctx.session_factory() as session:
        started = time.perf_counter()
        generated = generate_for_user(session, ctx.dataset.user_id, utcnow(), None)
        session.flush()
        elapsed = time.perf_counter() - started
        session.rollback()
        rows.append(
            _row(
                ctx,
                "generate suggestions, one user (templates)",
                elapsed,
                SUGGESTIONS_TARGET_S,
                f"{len(generated.created)} suggestions",
            )
        )
    return rows
