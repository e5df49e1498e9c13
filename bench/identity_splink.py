"""Splink, the reference record-linkage library, side by side with our tier-2 model
(``identity/model.py``) on the identity book (``BENCH_ONLY="identity splink"``).

The book is the ``identity`` row's (same generator, seed and size), imported through the
real ingest into an empty SQLite database. Our scan runs as that row runs it (in a
process of its own). Splink 5 (DuckDB) then scores exactly the tier-2 candidate pairs
our blocking compares (the scan's candidate pairs less its tier-1 pairs, registered as
Splink's blocked pairs), from the features the scan reads (``features.build`` of
``repository.scan_chunks``); our tier-1 pairs (shared strong identifiers) are kept as
they are, and a Splink pair joins the review queue at our review threshold. Two Splink
models are measured: m by EM (Splink's usual training) and m fixed to ours (so that EM
and the comparison design can be told apart); both with our prior and u by random
sampling. Needs the optional ``splink`` extra (``pip install -e '.[splink]'``); without
it the row says so and measures nothing."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bench.identity_book import Book, Outcome, empty_book, evaluate, generate, ingest
from bench.registry import Row
from bench.scan_process import scan_in_process
from pingcrm.config import Settings
from pingcrm.identity import model, repository
from pingcrm.identity.features import Features, build
from pingcrm.identity.names import alnum, first_name_keys, latin_key, phonetic
from pingcrm.identity.scan import FoundPair, ScanResult, compared_pairs, scan_chunks
from pingcrm.identity.service import thresholds
from pingcrm.identity.signals import PairScore

WORKLOAD = "identity splink"
INSTALL_HINT = "pip install -e '.[splink]'"
# Random pairs sampled for u, pairs of each EM session, and the sampling seed.
U_MAX_PAIRS = 1e7
EM_MAX_PAIRS = 2e6
U_SEED = 42
# Each EM session leaves out of training the comparisons its blocking rule uses: the
# first session estimates every m but the last name's, the second the last name's.
EM_BLOCKS: tuple[tuple[str, ...], ...] = (("last",), ("first",))
# Review thresholds tried to compare the models at one precision (each model's scores
# are calibrated its own way): the lowest of them reaching PRECISION_TARGET is reported.
SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94,
         0.96, 0.97, 0.98, 0.99, 0.995, 0.999)  # fmt: skip
PRECISION_TARGET = 0.95

# Our m of each level of every Splink comparison below (null levels left out), in level
# order. ``("w", bits)`` is one of our fixed weights: m = 2^bits * u, with Splink's u.
Fixed = float | tuple[str, float]
OUR_M: dict[str, list[Fixed]] = {
    # exact (TF), Jaro-Winkler >= 0.92 (typo / variant), nickname or transliteration
    # key, Jaro-Winkler >= 0.7 (about our initial level), other
    "first": [model.M_FIRST_EXACT, model.M_FIRST_TYPO, model.M_FIRST_NICKNAME,
              model.M_FIRST_INITIAL, model.M_FIRST_OTHER],
    # exact (TF), Jaro-Winkler >= 0.92, same sound (metaphone), other
    "last": [model.M_LAST_EXACT, model.M_LAST_TYPO,
             model.M_LAST_EXACT / 2 ** (2 * model.FUZZY_PENALTY), model.M_LAST_OTHER],
    # exact (TF), Jaro-Winkler >= 0.93, other
    "company": [model.M_COMPANY_SAME, model.M_COMPANY_SAME / 2**model.FUZZY_PENALTY,
                model.M_COMPANY_OTHER],
    # one record's company is the other's work domain, or not
    "employer": [model.M_COMPANY_SAME / 2**model.DOMAIN_AS_COMPANY_PENALTY,
                 model.M_COMPANY_OTHER],
    # the same work domain (exact, TF; tier 2 holds no shared address), other
    "domain": [("w", model.W_SAME_DOMAIN_OTHER_ADDRESS), model.M_DOMAIN_OTHER],
    # a username part in both, or none
    "usernames": [model.M_USERNAME_PART, 1 - model.M_USERNAME_PART],
    # an email local part spelling the other's name, or not (says nothing)
    "email_name": [("w", model.W_EMAIL_NAME), ("w", 0.0)],
    # the same identifier (tier 1, never seen here), two different ones
    "linkedin": [0.999, ("w", model.W_CONFLICT["linkedin"])],
    "telegram_id": [0.999, ("w", model.W_CONFLICT["telegram_id"])],
    "phone": [0.999, ("w", model.W_CONFLICT["phone"])],
}  # fmt: skip


def splink_installed() -> bool:
    """Whether the optional ``splink`` extra is installed."""
    return importlib.util.find_spec("splink") is not None


def skipped_rows() -> list[Row]:
    """The row printed when Splink is not installed."""
    return [
        Row(WORKLOAD, "sqlite", None, None, "-",
            f"skipped: Splink is not installed ({INSTALL_HINT} to measure it)"),
    ]  # fmt: skip


def record(f: Features) -> dict[str, Any]:
    """One contact as a Splink input row, from the features the scan builds."""
    strong: dict[str, str] = {}
    for kind, value in sorted(f.strong):
        strong.setdefault(kind, value)
    domain = min(f.domains) if f.domains else None
    company_key = alnum(f.company) if f.company else ""
    return {
        "unique_id": f.id,
        "first": f.first or None,
        "last": f.last or None,
        # Nickname groups, spelling and transliteration keys of the first name.
        "first_keys": sorted(first_name_keys(f.first) | {"~" + latin_key(f.first)})
        if f.first
        else None,
        "last_sound": phonetic(f.last) if f.last else None,
        "company": f.company or None,
        "company_key": company_key if len(company_key) >= 3 else None,
        "domain": domain,
        "domain_label": alnum(domain.split(".", 1)[0]) if domain else None,
        "usernames": sorted(f.usernames) or None,
        # Email local parts that are not this contact's own name, and the name's forms.
        "foreign_locals": sorted(x for x in f.email_locals if x not in f.forms) or None,
        "forms": sorted(f.forms) or None,
        "linkedin": strong.get("linkedin"),
        "telegram_id": strong.get("telegram_id"),
        "phone": strong.get("phone"),
    }


def _employer_sql(mine: str, other: str) -> tuple[str, str]:
    """(whether the comparison applies, whether it agrees) for ``mine``'s company
    against ``other``'s work domain, as our ``_company_domain`` does."""
    applies = (
        f"(company_key_{mine} IS NOT NULL AND company_{other} IS NULL "
        f"AND domain_label_{other} IS NOT NULL AND domain_{mine} IS NULL)"
    )
    agrees = (
        f"((length(domain_label_{other}) >= 3 "
        f"AND starts_with(domain_label_{other}, company_key_{mine})) "
        f"OR (length(domain_label_{other}) >= 4 "
        f"AND starts_with(company_key_{mine}, domain_label_{other})))"
    )
    return applies, agrees


def comparisons() -> list[Any]:
    """Splink comparisons as close to ours as Splink's levels allow."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    lr_applies, lr_agrees = _employer_sql("l", "r")
    rl_applies, rl_agrees = _employer_sql("r", "l")
    return [
        cl.CustomComparison(
            [
                cll.NullLevel("first"),
                cll.ExactMatchLevel("first", term_frequency_adjustments=True),
                cll.JaroWinklerLevel("first", 0.92),
                cll.ArrayIntersectLevel("first_keys", 1),
                cll.JaroWinklerLevel("first", 0.7),
                cll.ElseLevel(),
            ],
            output_column_name="first",
        ),
        cl.CustomComparison(
            [
                cll.NullLevel("last"),
                cll.ExactMatchLevel("last", term_frequency_adjustments=True),
                cll.JaroWinklerLevel("last", 0.92),
                cll.ExactMatchLevel("last_sound"),
                cll.ElseLevel(),
            ],
            output_column_name="last",
        ),
        cl.JaroWinklerAtThresholds("company", [0.93]).configure(term_frequency_adjustments=True),
        cl.CustomComparison(
            [
                cll.CustomLevel(f"NOT ({lr_applies} OR {rl_applies})").configure(
                    is_null_level=True
                ),
                cll.CustomLevel(
                    f"({lr_applies} AND {lr_agrees}) OR ({rl_applies} AND {rl_agrees})",
                    "company is the other's work domain",
                ),
                cll.ElseLevel(),
            ],
            output_column_name="employer",
        ),
        cl.ExactMatch("domain").configure(term_frequency_adjustments=True),
        cl.ArrayIntersectAtSizes("usernames", [1]),
        cl.CustomComparison(
            [
                cll.CustomLevel(
                    "(foreign_locals_l IS NULL OR forms_r IS NULL) "
                    "AND (foreign_locals_r IS NULL OR forms_l IS NULL)"
                ).configure(is_null_level=True),
                cll.CustomLevel(
                    "list_has_any(foreign_locals_l, forms_r) "
                    "OR list_has_any(foreign_locals_r, forms_l)",
                    "an email local part spells the other's name",
                ),
                cll.ElseLevel(),
            ],
            output_column_name="email_name",
        ),
        cl.ExactMatch("linkedin"),
        cl.ExactMatch("telegram_id"),
        cl.ExactMatch("phone"),
    ]


@dataclass
class SplinkRun:
    """One Splink model's scored pairs (those of probability >= ``min(SWEEP)``) and
    times."""

    name: str
    scored: list[tuple[int, int, float]]
    train_s: float
    predict_s: float
    note: str = ""
    # The trained Splink model (settings with m and u), for a closer look.
    model: dict[str, Any] | None = None


def prior_probability(contacts: int) -> float:
    """Our prior (``BookStats.prior``, log2 odds) as a probability."""
    odds = 2 ** model.BookStats(size=contacts).prior
    return odds / (1 + odds)


def run_splink(
    records: list[dict[str, Any]],
    pairs: Iterable[tuple[int, int]],
    prior: float,
) -> list[SplinkRun]:
    """Train and score both Splink models on ``records``; score only ``pairs``."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    pair_rows = [{"match_key": "0", "join_key_l": a, "join_key_r": b} for a, b in pairs]

    # Splink logs every EM iteration and warns of untrained levels (said in the row).
    logging.getLogger("splink").setLevel(logging.ERROR)

    def linker_of(settings: Any) -> tuple[Any, Any]:
        db = DuckDBAPI()
        return Linker(db.register(records), settings, log_level=logging.ERROR), db

    def predict(linker: Any, db: Any) -> list[tuple[int, int, float]]:
        linker.table_management.register_blocked_pairs_for_predict(db.register(pair_rows))
        found = linker.inference.predict(threshold_match_probability=min(SWEEP))
        rows = (
            found.as_duckdbpyrelation()
            .select("unique_id_l, unique_id_r, match_probability")
            .fetchall()
        )
        return [(min(a, b), max(a, b), p) for a, b, p in rows]

    out: list[SplinkRun] = []
    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons(),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
    )
    linker, db = linker_of(settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    u_trained = linker.misc.save_model_to_json()
    u_s = time.perf_counter() - started
    unseen = _unobserved(u_trained)
    for columns in EM_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), max_pairs=EM_MAX_PAIRS
        )
    trained = time.perf_counter()
    scored_em = predict(linker, db)
    predicted = time.perf_counter()
    em_model = linker.misc.save_model_to_json()
    out.append(SplinkRun("Splink, m by EM", scored_em, trained - started, predicted - trained,
                         _em_note(em_model) + unseen, em_model))  # fmt: skip

    started = time.perf_counter()
    linker, db = linker_of(with_our_m(u_trained))
    trained = time.perf_counter()
    scored_fixed = predict(linker, db)
    predicted = time.perf_counter()
    fixed_s, note = u_s + trained - started, unseen.lstrip("; ")
    out.append(
        SplinkRun("Splink, m fixed to ours", scored_fixed, fixed_s, predicted - trained, note)
    )
    return out


def with_our_m(settings: dict[str, Any]) -> dict[str, Any]:
    """The Splink model ``settings`` (u trained) with our m values (:data:`OUR_M`)."""
    for comparison in settings["comparisons"]:
        levels = [x for x in comparison["comparison_levels"] if not x.get("is_null_level")]
        ours = OUR_M[comparison["output_column_name"]]
        if len(levels) != len(ours):
            raise ValueError(f"{comparison['output_column_name']}: {len(levels)} levels")
        for level, m in zip(levels, ours, strict=True):
            if isinstance(m, tuple):
                u = level.get("u_probability") or 1e-6
                m = min(0.999, u * 2 ** m[1])
            level["m_probability"] = m
    return settings


def _unobserved(settings: dict[str, Any]) -> str:
    """The levels random sampling never met (Splink gives them its default u)."""
    found = [
        f"{comparison['output_column_name']} {level.get('label_for_charts', '?')}"
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if not level.get("is_null_level") and not isinstance(level.get("u_probability"), float)
    ]
    return f"; u not observed in random pairs: {', '.join(found)}" if found else ""


def _em_note(settings: dict[str, Any]) -> str:
    """The m that EM gave to exact first and last names (a sign of what it learnt)."""
    found = []
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] in ("first", "last", "company"):
            levels = [x for x in comparison["comparison_levels"] if not x.get("is_null_level")]
            m = levels[0].get("m_probability")
            if m is not None:
                found.append(f"{comparison['output_column_name']} {m:.2f}")
    blocks = ", ".join(" + ".join(columns) for columns in EM_BLOCKS)
    return f"EM on blocks of one {blocks}; EM's m of exact " + ", ".join(found)


def features_of(session: Session, user_id: int) -> list[Features]:
    """Every contact's features, read as the scan reads them."""
    return [
        build(row, identifiers.get(row.id, ()))
        for rows, identifiers in repository.scan_chunks(session, user_id)
        for row in rows
    ]


def with_review(result: ScanResult, review: list[tuple[int, int, float]]) -> ScanResult:
    """Our scan's tier-1 pairs as they are, and ``review`` as the tier-2 pairs."""
    pairs = [p for p in result.pairs if p.verdict.tier == 1]
    pairs += [FoundPair(a, b, PairScore(tier=2, score=round(p, 4))) for a, b, p in review]
    return ScanResult(contacts=result.contacts, pairs=pairs)


def measure(
    session_factory: sessionmaker[Session], user_id: int, records: int, seed: int
) -> list[Row]:
    """Generate and import the book, run our scan and both Splink models; the rows."""
    settings = Settings()
    limits = thresholds(settings)
    book = generate(records, seed)
    with session_factory() as session:
        contact_of = ingest(session, user_id, book)
        session.commit()
    engine = session_factory.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    max_block = settings.identity_max_block_size
    scanned = scan_in_process(url, user_id, max_block)
    ours = evaluate(book, contact_of, scanned.result)
    tier1 = {(p.a, p.b) for p in scanned.result.pairs if p.verdict.tier == 1}
    with session_factory() as session:
        started = time.perf_counter()
        features = features_of(session, user_id)
        candidates = compared_pairs(repository.scan_chunks(session, user_id), max_block)
        read_s = time.perf_counter() - started
    tier2 = sorted(candidates - tier1)
    prior = prior_probability(len(features))
    runs = run_splink([record(f) for f in features], tier2, prior)
    # Our model's scores down to the lowest threshold of the sweep (tier 1 unchanged).
    with session_factory() as session:
        low = replace(limits, review=min(SWEEP))
        ours_low = scan_chunks(repository.scan_chunks(session, user_id), low, max_block)
    our_scored = [(p.a, p.b, p.verdict.score) for p in ours_low.pairs if p.verdict.tier == 2]

    def matched(scored: list[tuple[int, int, float]]) -> str:
        return at_precision(book, contact_of, scanned.result, scored)

    label = f"{WORKLOAD} {len(book.records) // 1000}k"
    rows = [
        _row(f"{label}: our model", ours,
             f"scan {scanned.wall_s:.1f} s wall, {scanned.cpu_s:.1f} s CPU (whole scan: "
             f"features, blocking, tier 1 and 2); {matched(our_scored)}"),
    ]  # fmt: skip
    for run_ in runs:
        review = [pair for pair in run_.scored if pair[2] >= limits.review]
        out = evaluate(book, contact_of, with_review(scanned.result, review))
        rows.append(
            _row(f"{label}: {run_.name}", out,
                 f"train {run_.train_s:.1f} s + predict {run_.predict_s:.1f} s; "
                 f"{matched(run_.scored)}" + (f"; {run_.note}" if run_.note else ""))
        )  # fmt: skip
    rows.append(
        Row(f"{label}: setup", "sqlite", None, None, "-",
            f"{len(book.records):,} records, {len(features):,} contacts, {len(tier1):,} tier-1 "
            f"pairs kept, {len(tier2):,} tier-2 candidate pairs scored by Splink (our blocking; "
            f"features read in {read_s:.1f} s), prior {prior:.2e}, review at {limits.review}, "
            f"seed {seed}; {_by_shape_header(book)}")
    )  # fmt: skip
    return rows


def at_precision(
    book: Book,
    contact_of: list[int | None],
    result: ScanResult,
    scored: list[tuple[int, int, float]],
) -> str:
    """Recall at the lowest threshold of :data:`SWEEP` whose review precision reaches
    :data:`PRECISION_TARGET` (the models compared at one precision)."""
    for threshold in SWEEP:
        review = [pair for pair in scored if pair[2] >= threshold]
        out = evaluate(book, contact_of, with_review(result, review))
        if _precision(out) >= PRECISION_TARGET:
            return (
                f"at precision >= {PRECISION_TARGET}: recall {out.recall:.3f} "
                f"(threshold {threshold}, precision {_precision(out):.3f})"
            )
    return f"precision {PRECISION_TARGET} not reached at any threshold up to {SWEEP[-1]}"


def _precision(out: Outcome) -> float:
    return out.review_true / out.review if out.review else 1.0


def _row(workload: str, out: Outcome, timing: str) -> Row:
    shapes = ", ".join(f"{shape} {n / of:.2f}" for shape, (n, of) in out.by_shape.items())
    return Row(
        workload, "sqlite", None, None, "precision >= 0.95, recall >= 0.90",
        f"review precision {_precision(out):.3f} ({out.review_true} of {out.review}), "
        f"end-to-end recall {out.recall:.3f}, wrongly merged {out.wrongly_merged_scan}; "
        f"{timing}; recall by shape: {shapes}",
    )  # fmt: skip


def _by_shape_header(book: Book) -> str:
    return "planted: " + ", ".join(f"{k} {v}" for k, v in sorted(book.shapes.items()))


def run(size_contacts: int, seed: int, work_dir: Path) -> list[Row]:
    """The side-by-side on an empty SQLite database; a skip row without Splink."""
    if not splink_installed():
        return skipped_rows()
    from pingcrm.db import make_engine

    directory = work_dir / f".identity-splink-{uuid.uuid4().hex[:8]}"
    directory.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{directory / 'book.db'}")
    try:
        factory, user_id = empty_book(engine, "identity-splink@example.com")
        print("bench: identity splink on sqlite…", file=sys.stderr, flush=True)
        return measure(factory, user_id, size_contacts, seed)
    finally:
        engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)
