"""The LinkedIn extension end to end, in Debian's Chromium: the unpacked extension, the fake
LinkedIn over https and the real PingCRM server.

One user journey: pair with a code → sync → a second sync adds nothing → a message after
the watermark arrives → the 2-hour throttle on page visits → profile backfill with avatars
(downloaded by the server; uploaded by the browser when the CDN refuses the server) → P
and R paste into the page composer and the overlay messenger's (shadow root) → LinkedIn
session expiry and 429 shown in the popup → token expiry and silent renewal → more than
90 days past expiry: back to a new code → Disconnect revokes. And a check of every request
PingCRM received from the extension: no LinkedIn cookie, ever.

No sleeps: Playwright waits for what the user would see; time moves with PingCRM's frozen
clock and the extension's clock offset (a test hook of its service worker)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.models import Contact, Suggestion, SuggestionStatus, User
from tests.browser.conftest import OWNER_EMAIL, create_first_account, sign_in
from tests.extension.conftest import ExtensionWorld, Seen
from tests.fakes.linkedin.state import GRACE_URN, ME_URN

pytestmark = pytest.mark.browser

HOUR_MS = 3600 * 1000
COOKIE_WORDS = re.compile(r"li_at|jsessionid", re.IGNORECASE)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    """PingCRM's clock, frozen (the live server runs in this process)."""
    with use_clock(FrozenClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))) as frozen:
        assert isinstance(frozen, FrozenClock)
        yield frozen


def open_popup(world: ExtensionWorld) -> Page:
    popup = world.context.new_page()
    popup.goto(world.popup_url)
    return popup


def pair(world: ExtensionWorld, popup: Page, pingcrm: Page) -> str:
    """Read the popup's code, type it in Settings → LinkedIn → Connect, wait for Connected."""
    code_text = popup.locator("#pairing-code")
    expect(code_text).to_have_text(re.compile(r"^PING-[A-HJKMNP-Z2-9]{6}$"))
    code = code_text.inner_text()
    pingcrm.goto(f"{world.app.url}/settings#linkedin")
    if "/login" in pingcrm.url:  # the page session ended while the clock jumped ahead
        sign_in(pingcrm, world.app.url)
        pingcrm.goto(f"{world.app.url}/settings#linkedin")
    pingcrm.wait_for_load_state("networkidle")  # the page's own partials have loaded
    card = pingcrm.locator("#linkedin")
    connect = card.get_by_role("button", name="Connect", exact=True)
    if not connect.count():  # an older pairing of this user is still on record (or expired)
        connect = card.get_by_role(
            "button", name=re.compile(r"^(Pair another browser|Pair again)$")
        )
    connect.click()
    dialog = pingcrm.get_by_role("dialog", name="Pair the LinkedIn extension")
    dialog.get_by_label("Pairing code").fill(code)
    dialog.get_by_role("button", name="Pair").click()
    expect(popup.get_by_text(f"Connected as {OWNER_EMAIL}")).to_be_visible()
    return code


def first_pairing(world: ExtensionWorld) -> tuple[Page, Page]:
    pingcrm = world.context.new_page()
    create_first_account(pingcrm, world.app.url)
    popup = open_popup(world)
    popup.get_by_label("PingCRM server address").fill(world.app.url)
    popup.get_by_role("button", name="Save").click()
    pair(world, popup, pingcrm)
    return popup, pingcrm


def visit_linkedin(world: ExtensionWorld) -> dict[str, object]:
    """Open a LinkedIn page; answer what the service worker did with the visit."""
    world.worker.evaluate("() => { globalThis.__visit = pingcrm.nextAnswer('pageVisit'); }")
    page = world.context.new_page()
    page.goto("https://www.linkedin.com/feed/")
    expect(page.get_by_role("heading", name="Feed")).to_be_visible()
    answer: dict[str, object] = world.worker.evaluate("() => globalThis.__visit")
    page.close()
    return answer


def sync_now(popup: Page, expected: str | re.Pattern[str]) -> None:
    popup.get_by_role("button", name="Sync Now").click()
    expect(popup.locator("#sync-result")).to_have_text(expected)
    expect(popup.get_by_role("button", name="Sync Now")).to_be_enabled()


def extension_requests(world: ExtensionWorld) -> list[Seen]:
    return [
        r
        for r in world.recorder.requests
        if r.path.startswith(("/api/v1/extension", "/api/v1/linkedin", "/api/v1/suggestions"))
        and "chrome-extension://" in r.headers.get("origin", "chrome-extension://")
    ]


def contact(world: ExtensionWorld, name: str) -> Contact:
    from sqlalchemy.orm import Session

    with Session(world.app.engine) as session:
        return session.execute(select(Contact).where(Contact.full_name == name)).scalar_one()


def add_suggestion(world: ExtensionWorld, contact_id: int, message: str) -> int:
    from sqlalchemy.orm import Session

    with Session(world.app.engine) as session:
        owner = session.execute(select(User).where(User.email == OWNER_EMAIL)).scalar_one()
        suggestion = Suggestion(
            user_id=owner.id,
            contact_id=contact_id,
            trigger="time_based",
            reason="No contact for 60 days.",
            why={"rule": "time_based", "days": 60},
            message=message,
            channel="linkedin",
            status=SuggestionStatus.PENDING,
        )
        session.add(suggestion)
        session.commit()
        return suggestion.id


def assert_no_linkedin_cookie(world: ExtensionWorld) -> int:
    """Every request PingCRM received from the extension: no li_at / JSESSIONID (names or
    values) in its URL, headers or body."""
    fake = world.linkedin
    secrets = [fake.li_at, fake.jsessionid]
    seen = extension_requests(world)
    for r in seen:
        blob = " ".join([r.path, r.query, *r.headers.keys(), *r.headers.values()])
        blob += r.body.decode("utf-8", "replace")
        assert not COOKIE_WORDS.search(blob), f"{r.method} {r.path} carried a LinkedIn cookie"
        for secret in secrets:
            assert secret not in blob, f"{r.method} {r.path} carried a LinkedIn cookie value"
    return len(seen)


def test_the_extension_journey(world: ExtensionWorld, clock: FrozenClock) -> None:
    started = time.monotonic()
    fake = world.linkedin

    # --- Pairing: the popup asks for the server once, shows a code; Settings claims it.
    popup, pingcrm = first_pairing(world)
    expect(popup.locator("#badge")).to_have_text("Connected")

    # --- First sync: the two one-to-one conversations, not the group chat.
    sync_now(popup, "Last sync: 3 new messages, 2 new contacts.")
    expect(popup.locator("#stat-messages")).to_have_text("3")
    pingcrm.goto(f"{world.app.url}/contacts")
    expect(pingcrm.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(pingcrm.get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(pingcrm.get_by_role("link", name="Linus Torvalds")).to_have_count(0)
    pingcrm.get_by_role("link", name="Ada Lovelace").click()
    expect(pingcrm.get_by_text("Thank you! Shall we meet on Tuesday?")).to_be_visible()
    expect(pingcrm.get_by_text("Loved your notes on the engine.")).to_be_visible()
    assert fake.calls_to("messengerConversations") == 2, "paged: two conversations per page"

    # --- Profile backfill: title/company/location from Voyager; avatars. Ada's photo the
    # server downloaded itself; Grace's the CDN refused to the server (403), so the
    # extension uploaded the bytes the browser fetched.
    ada, grace = contact(world, "Ada Lovelace"), contact(world, "Grace Hopper")
    assert (ada.title, ada.company, ada.location) == (
        "Analyst",
        "Engines Ltd",
        "London, England, United Kingdom",
    )
    assert (grace.title, grace.company) == ("Rear Admiral", "US Navy")
    refused = [c for c in fake.cdn_requests if c.photo == "grace" and c.status == 403]
    assert refused
    assert "Chrome/" not in refused[0].user_agent
    assert any(c.photo == "grace" and c.status == 200 for c in fake.cdn_requests)
    uploads = [r for r in world.recorder.to("/api/v1/linkedin/avatars/") if r.method == "PUT"]
    assert [r.path for r in uploads] == [f"/api/v1/linkedin/avatars/{grace.id}"]
    assert uploads[0].status == 200
    for person in (ada, grace):
        avatar = pingcrm.request.get(f"{world.app.url}/contacts/{person.id}/avatar")
        assert avatar.status == 200, person.full_name
        assert avatar.headers["content-type"].startswith("image/")

    # --- Second sync: nothing new; paging stopped at the watermark (one page).
    before = fake.calls_to("messengerConversations")
    sync_now(popup, "Last sync: 0 new messages, 0 new contacts.")
    assert fake.calls_to("messengerConversations") == before + 1

    # --- A message after the watermark arrives alone.
    fake.add_message(
        "2-grace", GRACE_URN, "Also: the bug was a moth.", datetime(2026, 12, 1, tzinfo=UTC)
    )
    sync_now(popup, "Last sync: 1 new messages, 0 new contacts.")
    pushed = world.recorder.to("/api/v1/linkedin/push")[-1]
    assert b"the bug was a moth" in pushed.body
    assert b"Ship it" not in pushed.body

    # --- Page visits: no sync within 2 hours of the last; one after.
    done = fake.calls_to("/voyager/api/me")  # one call per sync
    assert visit_linkedin(world) == {
        "ok": True,
        "data": {"status": "skipped", "reason": "throttled"},
    }
    assert fake.calls_to("/voyager/api/me") == done
    world.set_clock_offset(2 * HOUR_MS + 60_000)
    answer = visit_linkedin(world)
    assert answer["data"]["status"] == "done", answer
    assert fake.calls_to("/voyager/api/me") == done + 1

    # --- P and R in both composers; a click pastes, nothing is sent.
    ada_suggestion = add_suggestion(world, ada.id, "Hi Ada, coffee next week?")
    add_suggestion(world, grace.id, "Hi Grace, how is the compiler going?")
    thread = world.context.new_page()
    thread.goto("https://www.linkedin.com/messaging/thread/2-ada/")
    page_form = thread.locator("main form.msg-form")
    page_form.get_by_role("button", name="PingCRM: show suggestions").click()
    overlay = page_form.get_by_role("dialog", name="PingCRM suggestions")
    expect(overlay).to_contain_text("Ada Lovelace")
    overlay.get_by_role("button", name="Hi Ada, coffee next week?").click()
    page_box = page_form.get_by_role("textbox", name="Write a message…")
    expect(page_box).to_have_text("Hi Ada, coffee next week?")
    expect(page_form.get_by_role("button", name="Send")).to_be_enabled()
    expect(overlay).to_have_count(0)

    bubble = thread.get_by_role("complementary", name="Messaging with Grace Hopper")
    bubble.get_by_role("button", name="PingCRM: show suggestions").click()
    bubble_overlay = bubble.get_by_role("dialog", name="PingCRM suggestions")
    expect(bubble_overlay).to_contain_text("Hi Grace, how is the compiler going?")
    bubble.get_by_role("button", name="PingCRM: draft a new suggestion").click()
    expect(bubble_overlay).not_to_contain_text("Hi Grace, how is the compiler going?")
    new_draft = bubble_overlay.locator(".pingcrm-suggestion").first
    expect(new_draft).to_contain_text("Grace")
    drafted = new_draft.inner_text()
    new_draft.click()
    expect(bubble.get_by_role("textbox", name="Write a message…")).to_have_text(drafted)
    expect(bubble.get_by_role("button", name="Send")).to_be_enabled()
    assert fake.sent == [], "nothing is ever sent automatically"
    # R on the page composer redrafts Ada's suggestion in place.
    page_form.get_by_role("button", name="PingCRM: draft a new suggestion").click()
    expect(page_form.locator(".pingcrm-suggestion")).to_have_count(1)
    assert world.recorder.to(f"/api/v1/suggestions/{ada_suggestion}/regenerate")
    # The overlay goes when its composer closes.
    bubble.get_by_role("button", name="PingCRM: show suggestions").click()
    expect(bubble_overlay).to_be_visible()
    thread.get_by_role("button", name="Close your conversation with Grace Hopper").click()
    expect(thread.locator(".pingcrm-overlay")).to_have_count(1)  # the page composer's only
    thread.close()

    # --- LinkedIn trouble shows in the popup: 429 backs off, 401/403 asks to sign in.
    fake.fail = (429, {"retry-after": "900"})
    popup.reload()
    sync_now(popup, re.compile("Last sync failed"))
    expect(popup.locator("#linkedin-state")).to_contain_text("slow down")
    world.set_clock_offset(4 * HOUR_MS)
    fake.fail = None
    fake.li_at = "AQEDARsignedOutElsewhere"
    popup.reload()
    sync_now(popup, re.compile("Last sync failed"))
    expect(popup.locator("#linkedin-state")).to_contain_text("Your LinkedIn session expired")
    expect(popup.locator("#badge")).to_have_text("LinkedIn signed out")
    # The toolbar icon says so too, without opening the popup.
    assert world.worker.evaluate("() => chrome.action.getBadgeText({})") == "!"
    world.context.add_cookies(
        [
            {
                "name": "li_at",
                "value": fake.li_at,
                "domain": ".linkedin.com",
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "None",
            }
        ]
    )
    sync_now(popup, "Last sync: 0 new messages, 0 new contacts.")
    expect(popup.locator("#linkedin-state")).to_be_hidden()
    expect(popup.locator("#badge")).to_have_text("Connected")
    assert world.worker.evaluate("() => chrome.action.getBadgeText({})") == ""

    # --- The token expires (31 days later): the push is refused (401 token_expired), the
    # extension renews the token silently and pushes again with the new one.
    old_token = world.state("auth")["token"]
    since = len(world.recorder.requests)
    clock.advance(timedelta(days=31))
    fake.add_message("2-ada", ME_URN, "Tuesday works.", datetime(2026, 12, 2, tzinfo=UTC))
    sync_now(popup, "Last sync: 1 new messages, 0 new contacts.")
    expect(popup.get_by_text(f"Connected as {OWNER_EMAIL}")).to_be_visible()
    after = world.recorder.requests[since:]
    new_token = world.state("auth")["token"]
    assert new_token != old_token
    refreshes = [r for r in after if r.path == "/api/v1/extension/refresh"]
    assert [(r.status, r.headers["authorization"]) for r in refreshes] == [
        (200, f"Bearer {old_token}")
    ]
    for r in after:  # the old token was refused (401) until renewed, then never used again
        if r.path != "/api/v1/extension/refresh" and r.headers.get("authorization"):
            assert (r.status == 401) == (r.headers["authorization"] == f"Bearer {old_token}")
    accepted = [r for r in after if r.path == "/api/v1/linkedin/push" and r.status == 200]
    assert [r.headers["authorization"] for r in accepted] == [f"Bearer {new_token}"]
    retired = pingcrm.request.get(
        f"{world.app.url}/api/v1/extension/status", headers={"Authorization": f"Bearer {old_token}"}
    )
    assert retired.status == 401

    # --- More than 90 days past expiry: the popup is back to a new code; pair again.
    clock.advance(timedelta(days=30 + 91))
    popup.reload()
    expect(popup.locator("#auth-lost")).to_have_text(
        "This browser is no longer paired (expired, or disconnected in PingCRM). "
        "Pair again with this new code."
    )
    assert world.recorder.to("/api/v1/extension/refresh")[-1].status == 401
    # The Settings card no longer says Connected: the pairing expired.
    pingcrm.goto(f"{world.app.url}/settings/linkedin")
    if "/login" in pingcrm.url:
        sign_in(pingcrm, world.app.url)
        pingcrm.goto(f"{world.app.url}/settings/linkedin")
    expect(pingcrm.locator('#linkedin [data-state="expired"]')).to_have_text("Expired")
    expect(pingcrm.locator("#linkedin")).to_contain_text("Pair the extension again.")
    pair(world, popup, pingcrm)

    # --- Disconnect from the popup revokes every token of the pairing.
    token = world.state("auth")["token"]
    code = popup.locator("#pairing-code").inner_text()
    popup.get_by_role("button", name="Disconnect").click()
    expect(popup.locator("#view-pairing")).to_be_visible()
    expect(popup.locator("#pairing-code")).not_to_have_text(code)
    expect(popup.locator("#pairing-code")).to_have_text(re.compile("^PING-"))
    assert world.state("auth") is None
    for path in ("/api/v1/extension/status", "/api/v1/extension/refresh"):
        method = pingcrm.request.get if path.endswith("status") else pingcrm.request.post
        answer = method(f"{world.app.url}{path}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status == 401, path

    # --- Disconnect from Settings: the extension finds out on its next call.
    pair(world, popup, pingcrm)
    pingcrm.goto(f"{world.app.url}/settings#linkedin")
    pingcrm.locator("#linkedin").get_by_role("button", name="Disconnect").click()
    expect(
        pingcrm.locator("#linkedin").get_by_role("button", name="Connect", exact=True)
    ).to_be_visible()
    popup.reload()
    expect(popup.locator("#auth-lost")).to_contain_text("disconnected in PingCRM")
    expect(popup.locator("#pairing-code")).to_have_text(re.compile("^PING-"))
    assert world.state("auth") is None

    assert assert_no_linkedin_cookie(world) > 10
    print(f"\nextension journey in Chromium: {time.monotonic() - started:.1f} s")


def test_no_linkedin_cookie_ever_reaches_pingcrm(world: ExtensionWorld) -> None:
    popup, _ = first_pairing(world)
    sync_now(popup, "Last sync: 3 new messages, 2 new contacts.")
    add_suggestion(world, contact(world, "Ada Lovelace").id, "Hi Ada, lunch on Friday?")
    # A composer that does not handle paste itself: the execCommand fallback inserts.
    thread = world.context.new_page()
    thread.goto("https://www.linkedin.com/messaging/thread/2-ada/?editor=plain")
    form = thread.locator("main form.msg-form")
    form.get_by_role("button", name="PingCRM: show suggestions").click()
    form.get_by_role("dialog", name="PingCRM suggestions").get_by_role(
        "button", name="Hi Ada, lunch on Friday?"
    ).click()
    expect(form.get_by_role("textbox", name="Write a message…")).to_have_text(
        "Hi Ada, lunch on Friday?"
    )
    expect(form.get_by_role("button", name="Send")).to_be_enabled()
    assert world.linkedin.sent == []
    # The extension did send its Voyager calls with the cookies and the CSRF header…
    assert world.linkedin.calls_to("messengerMessages") >= 2
    # …and none of it reached PingCRM: pairing, push, profiles, avatars, contact, suggestions.
    paths = {r.path.rsplit("/", 1)[0] for r in extension_requests(world)}
    assert {"/api/v1/linkedin", "/api/v1/extension/pairings", "/api/v1/extension"} <= paths
    assert assert_no_linkedin_cookie(world) >= 8
