"""Import and job-start benchmarks: a LinkedIn ``Connections.csv`` of 100k rows imported
by ``pingcrm import`` in a child process (time and peak RSS), and the time from "Sync now"
to the job starting in the embedded runner and, when Redis is configured, in Celery."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import delete, select

from bench.registry import BenchContext, Row, drop_bench_user, percentile, register
from pingcrm.accounts import service as accounts
from pingcrm.config import load_settings
from pingcrm.models import JobRun
from pingcrm.worker.context import JobCall

IMPORT_ROWS = 100_000
IMPORT_TARGET_S = 20.0
IMPORT_RSS_MB = 300.0
START_TARGET_MS = 1000.0
PINGS = 20
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Barbara",
    "Donald",
    "Edsger",
    "Frances",
    "Radia",
    "Katherine",
    "Dorothy",
    "Margaret",
    "Tim",
    "Vint",
    "Ken",
    "Dennis",
    "Bjarne",
    "Guido",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Knuth",
    "Dijkstra",
    "Allen",
    "Perlman",
    "Johnson",
    "Vaughan",
    "Hamilton",
    "Berners-Lee",
    "Cerf",
    "Thompson",
    "Ritchie",
    "Stroustrup",
    "van Rossum",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def write_connections(path: Path, rows: int, seed: int = 7) -> None:
    """A LinkedIn export: Notes preamble, header, ``rows`` connections (40% with email)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            'Notes:\n"When exporting your connection data, you may notice that some '
            'of the email addresses are missing."\n\n'
        )
        out.write("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n")
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            slug = f"{first.lower()}-{last.lower().replace(' ', '')}-{i:06d}"
            email = f"{first.lower()}.{i}@corp{i % 2000}.example" if rng.random() < 0.4 else ""
            day = f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2008, 2025)}"
            out.write(
                f"{first},{last},https://www.linkedin.com/in/{slug},{email},"
                f'"Company {i % 2000}, Inc.",Engineer {i % 13},{day}\n'
            )


def _env(ctx: BenchContext, data_dir: Path, broker: str = "") -> dict[str, str]:
    return {
        **os.environ,
        "PINGCRM_DATABASE_URL": ctx.dataset.database_url,
        "PINGCRM_DATA_DIR": str(data_dir),
        "PINGCRM_BROKER_URL": broker,
        "PINGCRM_ENCRYPTION_KEYS": "u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
        "PINGCRM_SECRET_KEY": "bench-secret-" + "x" * 40,
        "PINGCRM_MCP_HMAC_SECRET": "bench-mcp-" + "y" * 40,
        "PINGCRM_LOG_LEVEL": "WARNING",
    }


# Runs a command and writes its peak RSS (KB) to a file. The command is started from this
# small launcher, not from the bench process: a child's ru_maxrss counts what it held
# between fork and exec, i.e. the bench process's own memory (1.5 GB at size M).
PEAK_RSS = (
    sys.executable,
    "-c",
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(code)",
)


def _pingcrm() -> str:
    return str(Path(sys.executable).with_name("pingcrm"))


@register("LinkedIn CSV import")
def linkedin_import(ctx: BenchContext) -> list[Row]:
    """Import 100k LinkedIn connections into a fresh account; time and peak RSS."""
    email = f"bench-import-{uuid.uuid4().hex[:8]}@example.com"
    with ctx.session_factory() as session:
        user = accounts.create_user(session, email, "bench-import-password")
        session.commit()
        user_id = user.id
    workload = f"LinkedIn CSV import, {IMPORT_ROWS // 1000}k rows"
    target = f"< {IMPORT_TARGET_S:g} s, peak RSS < {IMPORT_RSS_MB:g} MB"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "Connections.csv"
            write_connections(source, IMPORT_ROWS)
            peak = Path(tmp) / "peak-kb"
            started = time.perf_counter()
            child = subprocess.run(
                [*PEAK_RSS, str(peak), _pingcrm(), "import", str(source), "--user", email],
                env=_env(ctx, Path(tmp) / "data"),
                capture_output=True,
                check=False,
            )
            elapsed = time.perf_counter() - started
            status = child.returncode
            output, errors = child.stdout.decode(), child.stderr.decode()
            rss_mb = int(peak.read_text() or 0) / 1024 if peak.exists() else 0.0
        if status != 0 or f"{IMPORT_ROWS} rows read" not in output:
            detail = (errors or output).strip().splitlines()[-1:] or ["no output"]
            return [Row(workload, ctx.backend, None, None, target, f"no: {detail[0][:120]}")]
        ok = elapsed < IMPORT_TARGET_S and rss_mb < IMPORT_RSS_MB
        verdict = f"{'yes' if ok else 'no'} ({elapsed:.1f} s, RSS {rss_mb:.0f} MB)"
        return [Row(workload, ctx.backend, elapsed * 1000, None, target, verdict)]
    finally:
        drop_bench_user(ctx.engine, ctx.session_factory, user_id)


def _wait_for_run(ctx: BenchContext, scope: str, timeout: float = 30.0) -> JobRun | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ctx.session_factory() as session:
            run = session.execute(
                select(JobRun).where(JobRun.job_name == "worker.ping", JobRun.scope_key == scope)
            ).scalar_one_or_none()
        if run is not None:
            return run
        time.sleep(0.002)
    return None


def _latencies(ctx: BenchContext, submit: object) -> list[float] | None:
    from datetime import UTC, datetime

    values: list[float] = []
    for _ in range(PINGS):
        scope = f"bench:{uuid.uuid4().hex}"
        sent = datetime.now(UTC)
        submit(JobCall("worker.ping", scope=scope))  # type: ignore[operator]
        run = _wait_for_run(ctx, scope)
        if run is None:
            return None
        values.append((run.started_at - sent).total_seconds() * 1000)
    return values


def _start_row(ctx: BenchContext, runner: str, values: list[float] | None, why: str) -> Row:
    workload = f"Sync now → job started, {runner} runner"
    target = f"p95 < {START_TARGET_MS:g} ms"
    if values is None:
        return Row(workload, ctx.backend, None, None, target, why)
    p95 = percentile(values, 95)
    return Row(
        workload,
        ctx.backend,
        percentile(values, 50),
        p95,
        target,
        "yes" if p95 < START_TARGET_MS else "no",
    )


@register("job start latency")
def job_start(ctx: BenchContext) -> list[Row]:
    """Time from submitting a job to its run starting, in each runner."""
    from pingcrm.worker.embedded import EmbeddedRunner
    from pingcrm.worker.registry import load_jobs

    load_jobs()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            **{
                k.removeprefix("PINGCRM_").lower(): v
                for k, v in _env(ctx, Path(tmp)).items()
                if k.startswith("PINGCRM_") and k != "PINGCRM_BROKER_URL"
            }
        )
        embedded = EmbeddedRunner(settings, ctx.engine, ctx.session_factory)
        try:
            rows.append(_start_row(ctx, "embedded", _latencies(ctx, embedded.submit), "no"))
        finally:
            embedded.shutdown()

        broker = os.environ.get("PINGCRM_BENCH_REDIS_URL") or os.environ.get(
            "PINGCRM_TEST_REDIS_URL", ""
        )
        if not broker:
            rows.append(_start_row(ctx, "Celery", None, "skipped: set PINGCRM_BENCH_REDIS_URL"))
            return rows
        from pingcrm.worker.celery_app import CeleryRunner

        celery_settings = settings.model_copy(update={"broker_url": broker})
        runner = CeleryRunner(celery_settings)
        runner.app.control.purge()
        worker = subprocess.Popen(
            [_pingcrm(), "worker", "--concurrency=2", "--loglevel=WARNING"],
            env=_env(ctx, Path(tmp), broker),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # The first job waits for the worker to boot; it is not counted.
            warm = f"bench:warmup:{uuid.uuid4().hex}"
            runner.submit(JobCall("worker.ping", scope=warm))
            if _wait_for_run(ctx, warm, timeout=240) is None:
                rows.append(_start_row(ctx, "Celery", None, "no: the worker never started"))
            else:
                rows.append(_start_row(ctx, "Celery", _latencies(ctx, runner.submit), "no"))
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            with ctx.session_factory() as session:
                session.execute(delete(JobRun).where(JobRun.job_name == "worker.ping"))
                session.commit()
    return rows
