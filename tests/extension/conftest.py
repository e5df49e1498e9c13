"""End-to-end harness for the LinkedIn extension: the real PingCRM app (in a thread, behind
a recorder of every request it receives), the fake LinkedIn over https, and Debian's
Chromium with the unpacked extension loaded in a persistent context.

Chromium reaches the fake through ``--host-resolver-rules`` (``www.linkedin.com`` and
``media.licdn.com`` → the fake's port) and ``--ignore-certificate-errors`` (which also
covers the service worker's fetches). The fake CDN's photo URLs point at
``https://127.0.0.1:<port>``, so PingCRM can download them too: its avatar allowlist gets
that ``host:port``, the fake's CA, and the tests-only "private address" switch.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from pingcrm.app import create_app
from pingcrm.config import load_settings
from pingcrm.db import make_engine
from pingcrm.migrate import upgrade
from tests.browser.conftest import (
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    ENABLE_HINT,
    STARTUP_TIMEOUT_S,
    LiveApp,
)
from tests.fakes.linkedin.app import served
from tests.fakes.linkedin.cert import CertFiles, make_certificates
from tests.fakes.linkedin.state import FakeLinkedIn, seeded
from tests.fakes.server import ThreadedServer
from tests.support import CHROMIUM, require

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Playwright, Worker

EXTENSION = Path(__file__).resolve().parents[2] / "extension"


@dataclass
class Seen:
    """One request PingCRM received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""
    status: int = 0


@dataclass
class Recorder:
    """ASGI middleware keeping every HTTP request (headers, query, body) and its status."""

    app: Any
    requests: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = Seen(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
        )
        self.requests.append(seen)

        async def receive_and_keep() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                seen.body += message.get("body", b"")
            return message

        async def send_and_keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen.status = int(message["status"])
            await send(message)

        await self.app(scope, receive_and_keep, send_and_keep)

    def to(self, prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith(prefix)]


@dataclass
class ExtensionWorld:
    app: LiveApp
    recorder: Recorder
    linkedin: FakeLinkedIn
    context: BrowserContext
    worker: Worker
    extension_id: str

    @property
    def popup_url(self) -> str:
        return f"chrome-extension://{self.extension_id}/popup/popup.html"

    def state(self, key: str) -> Any:
        return self.worker.evaluate("key => pingcrm.store.one(key)", key)

    def set_clock_offset(self, ms: int) -> None:
        self.worker.evaluate("ms => pingcrm.setClockOffset(ms)", ms)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_certificates(tmp_path_factory.mktemp("linkedin-certs"))


@pytest.fixture(scope="module")
def fake_linkedin(certificates: CertFiles) -> Iterator[tuple[FakeLinkedIn, int]]:
    fake = seeded()
    with served(fake, certificates) as port:
        yield fake, port


@pytest.fixture(scope="module")
def recorded_app(
    tmp_path_factory: pytest.TempPathFactory,
    fake_linkedin: tuple[FakeLinkedIn, int],
    certificates: CertFiles,
) -> Iterator[tuple[LiveApp, Recorder]]:
    """PingCRM on a free port with a fresh database, every request recorded."""
    require(CHROMIUM.exists(), ENABLE_HINT)
    _, port = fake_linkedin
    data_dir = tmp_path_factory.mktemp("extension-live")
    database_url = f"sqlite:///{data_dir / 'pingcrm.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        port=sock.getsockname()[1],
        secret_key="extension-secret-key-" + "x" * 32,
        encryption_keys="u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
        mcp_hmac_secret="extension-mcp-secret-" + "y" * 32,
        login_attempts_per_address=1000,
        linkedin_avatar_hosts=f"127.0.0.1:{port}",
        linkedin_avatar_ca_file=str(certificates.ca),
        linkedin_avatar_allow_private=True,
    )
    recorder = Recorder(create_app(settings, engine=engine))
    server = ThreadedServer(
        uvicorn.Config(recorder, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT_S):
        server.should_exit = True
        pytest.fail("the live server did not start")
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield LiveApp(url=url, settings=settings, engine=engine), recorder
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
        sock.close()
        engine.dispose()


@pytest.fixture(scope="module")
def extension_context(
    tmp_path_factory: pytest.TempPathFactory, fake_linkedin: tuple[FakeLinkedIn, int]
) -> Iterator[tuple[BrowserContext, Worker]]:
    """Chromium with the unpacked extension (a persistent context: extensions need one)."""
    require(CHROMIUM.exists(), ENABLE_HINT)
    from playwright.sync_api import sync_playwright

    _, port = fake_linkedin
    rules = (
        f"MAP www.linkedin.com 127.0.0.1:{port}, MAP media.licdn.com 127.0.0.1:{port}, "
        "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
    )
    driver: Playwright
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            viewport={"width": 1280, "height": 900},
            args=[
                *CHROMIUM_ARGS,
                f"--disable-extensions-except={EXTENSION}",
                f"--load-extension={EXTENSION}",
                f"--host-resolver-rules={rules}",
                "--ignore-certificate-errors",
            ],
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        worker = (
            context.service_workers[0]
            if context.service_workers
            else context.wait_for_event("serviceworker")
        )
        worker.evaluate("() => pingcrm.ready")
        try:
            yield context, worker
        finally:
            context.close()


def _reset_fake(fake: FakeLinkedIn) -> None:
    fresh = seeded()
    for f in fields(fake):
        if f.name != "base_url":
            setattr(fake, f.name, getattr(fresh, f.name))


@pytest.fixture
def world(
    recorded_app: tuple[LiveApp, Recorder],
    fake_linkedin: tuple[FakeLinkedIn, int],
    extension_context: tuple[BrowserContext, Worker],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[ExtensionWorld]:
    """A fresh start: empty database, no recorded requests, the seeded fake LinkedIn with
    the user signed in (its cookies in the browser), an unpaired extension."""
    from playwright.sync_api import expect

    app, recorder = recorded_app
    fake, _ = fake_linkedin
    context, worker = extension_context
    app.wipe()
    recorder.requests.clear()
    _reset_fake(fake)
    worker.evaluate(
        "async () => { await pingcrm.sync.idle(); await chrome.storage.local.clear();"
        " await pingcrm.setClockOffset(0); }"
    )
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": "li_at",
                "value": fake.li_at,
                "domain": ".linkedin.com",
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "None",
            },
            {
                "name": "JSESSIONID",
                "value": f'"{fake.jsessionid}"',
                "domain": ".linkedin.com",
                "path": "/",
                "secure": True,
                "sameSite": "None",
            },
        ]
    )
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    yield ExtensionWorld(
        app=app,
        recorder=recorder,
        linkedin=fake,
        context=context,
        worker=worker,
        extension_id=worker.url.split("/")[2],
    )
    report = getattr(request.node, "report_call", None)
    for number, page in enumerate(list(context.pages)):
        if report is not None and report.failed:
            path = tmp_path / f"failure-{number}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of a page of the failing test: {path}")
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"could not save a screenshot: {exc}")
        page.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
