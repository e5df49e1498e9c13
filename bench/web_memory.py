"""Web process memory: a real ``pingcrm serve`` on the benchmark dataset answers 10,000
mixed requests (contact list and search, API and HTML, contact pages and timelines, the
dashboard, notifications, suggestions, a few writes) from a few concurrent clients; the
server's resident memory (``VmRSS`` of ``/proc/<pid>/status``) is read at start, after
1,000 and after 10,000 requests. Target (quality.md): < 250 MB, and no growth once warm.

``BENCH_MEMORY_REQUESTS`` changes the count (default 10,000); the run stops early (and says
so) after five times ``BENCH_BUDGET_S``. ``BENCH_TRACEMALLOC=1`` starts the server with
``tracemalloc`` (``bench/memtrace/sitecustomize.py``) and prints the ten allocation sites
that grew most between the 1,000th and the last request to stderr.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx2
from sqlalchemy import func, select

from bench.contacts_pages import contact_ids, search_terms
from bench.live import LiveServer, live_server
from bench.registry import BenchContext, Row, bench_settings, percentile, register
from pingcrm.kit.clock import utcnow
from pingcrm.models import JobRun

REQUESTS = 10_000
CHECKPOINT = 1_000
CLIENTS = 4
TARGET_MB = 250.0
MEMTRACE = Path(__file__).with_name("memtrace")

# (weight, kind): about one request in 25 writes, like a person at work.
MIX = (
    (5, "list api"),
    (2, "list html"),
    (2, "search api"),
    (1, "search html"),
    (3, "contact html"),
    (2, "contact api"),
    (2, "timeline api"),
    (1, "dashboard"),
    (1, "notifications api"),
    (1, "suggestions api"),
    (1, "sort by score api"),
    (1, "write"),
)


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    """Resident memory of process ``pid`` in MB (``VmHWM`` for the peak)."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    match = re.search(rf"^{field_name}:\s+(\d+) kB", status, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {field_name} in /proc/{pid}/status")
    return int(match.group(1)) / 1024


def sign_in_page_client(base_url: str, email: str, password: str) -> httpx2.Client:
    """A client holding a signed-in browser session (cookie)."""
    client = httpx2.Client(base_url=base_url, timeout=120)
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if match is None:
        raise RuntimeError("the login page carries no CSRF token")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": match.group(1)},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"signing in failed with HTTP {response.status_code}")
    return client


@dataclass
class Tally:
    """What the clients saw."""

    timings: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, ms: float) -> None:
        with self.lock:
            self.timings.append(ms)
            self.by_kind.setdefault(kind, []).append(ms)
            if status >= 400:
                key = f"{kind} HTTP {status}"
                self.errors[key] = self.errors.get(key, 0) + 1


def plan(count: int, offset: int) -> list[str]:
    """The kinds of requests ``offset`` … ``offset + count`` in a fixed interleaved order."""
    cycle = [kind for weight, kind in MIX for _ in range(weight)]
    # Interleave: every kind spread over the cycle, not in runs.
    cycle = cycle[::2] + cycle[1::2]
    return [cycle[(offset + i) % len(cycle)] for i in range(count)]


class Mix:
    """One request of each kind, against the live server."""

    def __init__(
        self, server: LiveServer, ctx: BenchContext, terms: list[str], ids: list[int]
    ) -> None:
        self.server = server
        self.ctx = ctx
        self.terms = terms
        self.ids = ids
        self.token = server.token(ctx.dataset.user_email, ctx.dataset.user_password)
        self.local = threading.local()
        self.clients: list[httpx2.Client] = []
        self.lock = threading.Lock()

    def _clients(self) -> tuple[httpx2.Client, httpx2.Client]:
        if not hasattr(self.local, "page"):
            page = sign_in_page_client(
                self.server.base_url, self.ctx.dataset.user_email, self.ctx.dataset.user_password
            )
            api = httpx2.Client(
                base_url=self.server.base_url,
                timeout=120,
                headers={"Authorization": f"Bearer {self.token}"},
            )
            self.local.page, self.local.api = page, api
            with self.lock:
                self.clients += [page, api]
        return self.local.page, self.local.api

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def request(self, index: int, kind: str) -> int:
        page, api = self._clients()
        term = quote(self.terms[index % len(self.terms)])
        cid = self.ids[index % len(self.ids)]
        calls: dict[str, Callable[[], httpx2.Response]] = {
            "list api": lambda: api.get("/api/v1/contacts?limit=50"),
            "list html": lambda: page.get("/contacts"),
            "search api": lambda: api.get(f"/api/v1/contacts?q={term}"),
            "search html": lambda: page.get(f"/contacts?q={term}"),
            "contact html": lambda: page.get(f"/contacts/{cid}"),
            "contact api": lambda: api.get(f"/api/v1/contacts/{cid}"),
            "timeline api": lambda: api.get(f"/api/v1/contacts/{cid}/interactions"),
            "dashboard": lambda: page.get("/dashboard"),
            "notifications api": lambda: api.get("/api/v1/notifications"),
            "suggestions api": lambda: api.get("/api/v1/suggestions"),
            "sort by score api": lambda: api.get("/api/v1/contacts?sort=-score"),
            "write": lambda: self._write(api, index, cid),
        }
        return calls[kind]().status_code

    @staticmethod
    def _write(api: httpx2.Client, index: int, cid: int) -> httpx2.Response:
        if index % 2:
            return api.post(
                f"/api/v1/contacts/{cid}/notes",
                json={"body": "Met at the conference; follow up about the project."},
            )
        marker = uuid.uuid4().hex[:10]
        return api.post(
            "/api/v1/contacts",
            json={"full_name": f"Memory {marker}", "emails": [f"mem-{marker}@example.com"]},
        )


def drive(mix: Mix, kinds: list[str], offset: int, tally: Tally, deadline: float) -> int:
    """Send ``kinds`` from :data:`CLIENTS` threads; how many were sent before ``deadline``."""

    def one(i: int) -> None:
        if time.perf_counter() > deadline:
            return
        started = time.perf_counter()
        status = mix.request(offset + i, kinds[i])
        tally.add(kinds[i], status, (time.perf_counter() - started) * 1000)

    before = len(tally.timings)
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(len(kinds))))
    return len(tally.timings) - before


def _snapshot(pid: int, directory: Path, label: str) -> Path | None:
    """Ask the traced server to start tracing (``label`` "start") or for a tracemalloc
    snapshot named ``label`` (SIGUSR1, see ``bench/memtrace/sitecustomize.py``); its file,
    or None if none came."""
    (directory / "label").write_text(label, encoding="utf-8")
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (directory / f"{label}.done").exists():
            return directory / f"{label}.snapshot"
        time.sleep(0.2)  # polling another process's file, not waiting for an outcome
    return None


def _jobs_since(ctx: BenchContext, since: object) -> str:
    """The background jobs the server's embedded runner ran (they share its memory)."""
    with ctx.session_factory() as session:
        counts = session.execute(
            select(JobRun.job_name, func.count())
            .where(JobRun.started_at >= since)
            .group_by(JobRun.job_name)
            .order_by(JobRun.job_name)
        ).all()
    return ", ".join(f"{name} x{count}" for name, count in counts) or "none"


def _frames(stat: tracemalloc.Statistic | tracemalloc.StatisticDiff) -> str:
    return " <- ".join(f"{f.filename}:{f.lineno}" for f in stat.traceback[:6])


def _growth(before: Path, after: Path, top: int = 10) -> str:
    """The largest live allocation sites at ``before`` and what grew from it to ``after``."""
    first = tracemalloc.Snapshot.load(str(before))
    last = tracemalloc.Snapshot.load(str(after))
    lines = [f"tracemalloc: top {top} live allocation sites at the checkpoint"]
    for stat in first.statistics("traceback")[:top]:
        lines.append(f"  {stat.size / 2**20:.1f} MB {stat.count} blocks: {_frames(stat)}")
    lines.append(f"tracemalloc: top {top} growth from the checkpoint to the end")
    for diff in last.compare_to(first, "traceback")[:top]:
        lines.append(f"  {diff.size_diff / 2**20:+.1f} MB {diff.count_diff:+d}: {_frames(diff)}")
    return "\n".join(lines)


@register("web memory")
def web_memory(ctx: BenchContext) -> list[Row]:
    """RSS of a live server at start, after 1,000 and after 10,000 mixed requests."""
    total = int(os.environ.get("BENCH_MEMORY_REQUESTS", str(REQUESTS)))
    checkpoint = min(CHECKPOINT, total)
    traced = os.environ.get("BENCH_TRACEMALLOC", "") not in ("", "0")
    terms = search_terms(ctx)
    ids = contact_ids(ctx, 500)
    with tempfile.TemporaryDirectory(prefix="pingcrm-memory-") as tmp:
        workdir = Path(tmp)
        settings = bench_settings(ctx.dataset.directory, ctx.dataset.database_url)
        extra: dict[str, str] = {}
        if traced:
            extra = {
                "PYTHONPATH": os.pathsep.join(filter(None, [str(MEMTRACE), *sys.path])),
                "PINGCRM_BENCH_TRACEMALLOC_DIR": str(workdir),
            }
        since = utcnow()
        with live_server(settings, workdir, extra) as server:
            mix = Mix(server, ctx, terms, ids)
            tally = Tally()
            deadline = time.perf_counter() + 5 * ctx.budget_seconds
            try:
                start = rss_mb(server.pid)
                snaps = [_snapshot(server.pid, workdir, "start")] if traced else []
                sent = drive(mix, plan(checkpoint, 0), 0, tally, deadline)
                warm = rss_mb(server.pid)
                if traced:
                    snaps.append(_snapshot(server.pid, workdir, "warm"))
                sent += drive(mix, plan(total - checkpoint, sent), sent, tally, deadline)
                end, peak = rss_mb(server.pid), rss_mb(server.pid, "VmHWM")
                if traced:
                    snaps.append(_snapshot(server.pid, workdir, "end"))
                    if snaps[1] is not None and snaps[2] is not None:
                        print(_growth(snaps[1], snaps[2]), file=sys.stderr, flush=True)
            finally:
                mix.close()
    print(
        "web memory: p50/p95 ms by kind: "
        + ", ".join(
            f"{kind} {percentile(ms, 50):.0f}/{percentile(ms, 95):.0f}"
            for kind, ms in sorted(tally.by_kind.items())
        ),
        file=sys.stderr,
        flush=True,
    )
    errors = sum(tally.errors.values())
    jobs = _jobs_since(ctx, since)
    ok = end < TARGET_MB and errors == 0
    detail = (
        f"start {start:.0f} MB, after {checkpoint:,} {warm:.0f} MB, after {sent:,} "
        f"{end:.0f} MB, peak {peak:.0f} MB; {errors} errors; jobs run in the process: {jobs}"
    )
    if errors:
        detail += " (" + ", ".join(f"{k} x{v}" for k, v in sorted(tally.errors.items())) + ")"
    if sent < total:
        detail += f"; stopped at {sent:,} of {total:,} ({5 * ctx.budget_seconds:g} s budget)"
    return [
        Row(
            f"web process RSS, {total:,} mixed requests ({CLIENTS} clients)",
            ctx.backend,
            percentile(tally.timings, 50) if tally.timings else None,
            percentile(tally.timings, 95) if tally.timings else None,
            f"< {TARGET_MB:g} MB",
            f"{'yes' if ok else 'no'} ({detail})",
        )
    ]
