"""Real-browser test harness: the app under uvicorn in a thread, Debian's Chromium via
Playwright (never ``playwright install``; see ``/work/shared/browser-testing.md``).

Fixtures for every browser test:

- ``live_server``: the base URL (``http://127.0.0.1:<port>``) of a running app whose
  database is emptied before each test (so every test starts at first-run setup);
- ``live_db``: a session factory on that database, to arrange data with the builders;
- ``browser``: one headless Chromium per test module;
- ``context`` / ``page``: a fresh browser context and page per test; a screenshot is saved
  under the test's pytest tmp dir when the test fails;
- ``signed_in_page``: a page whose user created the first account through ``/setup``
  (email ``OWNER_EMAIL``, password ``OWNER_PASSWORD``) and is on the dashboard.

Without ``/usr/lib/chromium/chromium`` the tests skip with a hint (``apt-get install
chromium``); under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.app import create_app
from pingcrm.config import Settings, load_settings
from pingcrm.db import make_engine, make_session_factory
from pingcrm.migrate import upgrade
from pingcrm.models import Base
from tests.fakes.server import ThreadedServer
from tests.support import CHROMIUM, require

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "browser-pass-123"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--no-sandbox",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ENABLE_HINT = (
    "browser tests need Debian's Chromium at /usr/lib/chromium/chromium "
    "(sudo apt-get install chromium) and the playwright package (make test installs it)"
)
STARTUP_TIMEOUT_S = 20.0
# Playwright's auto-waiting timeout for actions and expectations (ms).
DEFAULT_TIMEOUT_MS = 10_000


@dataclass
class LiveApp:
    """A running app: its URL, its settings and its database engine."""

    url: str
    settings: Settings
    engine: Engine

    def wipe(self) -> None:
        """Empty every table, so the next test starts like a fresh install."""
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with self.engine.begin() as conn:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app on a free port of 127.0.0.1, with a fresh migrated SQLite database."""
    data_dir = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{data_dir / 'pingcrm.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    sock = _free_socket()
    port = sock.getsockname()[1]
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        port=port,
        secret_key="browser-secret-key-" + "x" * 32,
        encryption_keys="u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
        mcp_hmac_secret="browser-mcp-secret-" + "y" * 32,
        login_attempts_per_address=1000,
    )
    app = create_app(settings, engine=engine)
    server = ThreadedServer(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    )

    def serve() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=serve, name="live-server", daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT_S):
        server.should_exit = True
        pytest.fail(f"the live server did not start within {STARTUP_TIMEOUT_S} s")
    try:
        yield LiveApp(url=f"http://127.0.0.1:{port}", settings=settings, engine=engine)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
        sock.close()
        engine.dispose()


@pytest.fixture
def live_server(live_app: LiveApp) -> str:
    """Base URL of the running app; its database is empty at the start of the test."""
    live_app.wipe()
    return live_app.url


@pytest.fixture
def live_db(live_app: LiveApp, live_server: str) -> sessionmaker[Session]:
    """Sessions on the live app's database, to arrange data or check rows (commit to
    make data visible to the server)."""
    return make_session_factory(live_app.engine)


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """The Playwright driver (skips, or fails under CI, without Chromium)."""
    require(CHROMIUM.exists(), ENABLE_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require(False, ENABLE_HINT)
        raise
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One headless Chromium per test module."""
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Remember each phase's report on the test item (the page fixture reads it)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "report_call", None)
    return bool(report is not None and report.failed)


@pytest.fixture
def context(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[BrowserContext]:
    """A fresh browser context (cookies, storage) for one test."""
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    yield ctx
    if _failed(request):
        for number, open_page in enumerate(ctx.pages):
            path = tmp_path / f"failure-{number}.png"
            try:
                open_page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"could not save a screenshot: {exc}")
            else:
                print(f"screenshot of the failing page: {path}")
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A new page in the test's context."""
    return context.new_page()


def create_first_account(
    page: Page, base_url: str, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD
) -> None:
    """Go through first-run setup like a newcomer; ends on the dashboard."""
    from playwright.sync_api import expect

    page.goto(base_url + "/")
    expect(page).to_have_url(base_url + "/setup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(base_url + "/dashboard")


def sign_in(
    page: Page, base_url: str, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD
) -> None:
    """Sign in through the login form."""
    from playwright.sync_api import expect

    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def signed_in_page(page: Page, live_server: str) -> Page:
    """A page signed in as the first account (created through ``/setup``)."""
    create_first_account(page, live_server)
    return page
