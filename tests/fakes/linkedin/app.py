# ruff: noqa: E501  (HTML and JavaScript of the fake pages read better unwrapped)
"""The fake LinkedIn as an ASGI app (Starlette), and :func:`served` to run it over https.

Voyager answers only with the session cookie ``li_at`` (else 401) and the CSRF header
``csrf-token`` equal to the ``JSESSIONID`` cookie without its quotes (else 403), like
LinkedIn. Shapes follow LinkedIn's normalized JSON (``data`` + ``included`` with
``*``-references), recorded in ``extension/tests/fixtures/``."""

from __future__ import annotations

import asyncio
import html
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import unquote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.linkedin.cert import CertFiles
from tests.fakes.linkedin.state import (
    ME_URN,
    CdnRequest,
    FakeLinkedIn,
    Person,
    cursor_for,
    offset_of,
    png,
)
from tests.fakes.server import STARTUP_TIMEOUT_S, ThreadedServer

NORMALIZED = "application/vnd.linkedin.normalized+json+2.1"


def _participant_urn(urn: str) -> str:
    return f"urn:li:msg_messagingParticipant:{urn}"


def _conversation_urn(conversation_id: str) -> str:
    return f"urn:li:msg_conversation:({ME_URN},{conversation_id})"


def _message_urn(message_id: str) -> str:
    return f"urn:li:msg_message:({ME_URN},{message_id})"


def _vector_image(fake: FakeLinkedIn, photo: str | None) -> dict[str, Any] | None:
    if not photo:
        return None
    root, segment = fake.photo_url(photo)
    return {
        "$type": "com.linkedin.common.VectorImage",
        "rootUrl": root,
        "artifacts": [
            {
                "width": 100,
                "height": 100,
                "fileIdentifyingUrlPathSegment": segment.replace("400_400", "100_100"),
            },
            {"width": 400, "height": 400, "fileIdentifyingUrlPathSegment": segment},
        ],
    }


def _participant(fake: FakeLinkedIn, urn: str) -> dict[str, Any]:
    person = fake.people.get(urn)
    if urn == ME_URN or person is None:
        member = {
            "firstName": {"text": "Sam"},
            "lastName": {"text": "Owner"},
            "profileUrl": "https://www.linkedin.com/in/ACoAAAMeMeMe01",
            "distance": "SELF",
        }
    else:
        member = {
            "firstName": {"text": person.first},
            "lastName": {"text": person.last},
            "headline": {"text": person.headline},
            "profileUrl": f"https://www.linkedin.com{person.profile_path}".rstrip("/"),
            "distance": "DISTANCE_1",
            "profilePicture": _vector_image(fake, person.photo),
        }
    return {
        "$type": "com.linkedin.messenger.MessagingParticipant",
        "entityUrn": _participant_urn(urn),
        "hostIdentityUrn": urn,
        "participantType": {"member": member},
    }


def _collection(
    root: str,
    elements: list[dict[str, Any]],
    included: list[dict[str, Any]],
    metadata: dict[str, Any],
) -> dict[str, Any]:
    return {
        "data": {
            "data": {
                root: {
                    "$type": "com.linkedin.restli.common.CollectionResponse",
                    "*elements": [e["entityUrn"] for e in elements],
                    "metadata": metadata,
                }
            }
        },
        "included": elements + included,
    }


def _variables(request: Request) -> str:
    return unquote(request.query_params.get("variables", ""))


def conversations_page(fake: FakeLinkedIn, request: Request) -> dict[str, Any]:
    variables = _variables(request)
    mailbox = re.search(r"mailboxUrn:([^,)]+(?:\))?)", variables)
    if not mailbox or ME_URN not in variables:
        raise ValueError("mailboxUrn must be my profile")
    cursor = re.search(r"nextCursor:([^,)]+)", variables)
    start = offset_of(cursor.group(1)) if cursor else 0
    ordered = sorted(fake.conversations, key=lambda c: c.last_activity_ms, reverse=True)
    page = ordered[start : start + fake.page_size]
    following = start + fake.page_size
    elements = [
        {
            "$type": "com.linkedin.messenger.Conversation",
            "entityUrn": _conversation_urn(c.id),
            "backendUrn": f"urn:li:messagingThread:{c.id}",
            "conversationUrl": f"https://www.linkedin.com/messaging/thread/{c.id}/",
            "lastActivityAt": c.last_activity_ms,
            "groupChat": c.group,
            "read": True,
            "categories": ["INBOX", "PRIMARY_INBOX"],
            "*conversationParticipants": [_participant_urn(u) for u in [ME_URN, *c.participants]],
        }
        for c in page
    ]
    urns = {ME_URN} | {u for c in page for u in c.participants}
    metadata = {"nextCursor": cursor_for(following) if following < len(ordered) else None}
    return _collection(
        "messengerConversationsBySyncToken",
        elements,
        [_participant(fake, u) for u in sorted(urns)],
        metadata,
    )


def messages_page(fake: FakeLinkedIn, request: Request) -> dict[str, Any]:
    variables = _variables(request)
    found = re.search(r"msg_conversation:\(.*?,([^)]+)\)", variables)
    if not found:
        raise ValueError("conversationUrn missing")
    conv = fake.conversation(found.group(1))
    before = re.search(r"deliveredAt:(\d+)", variables)
    ordered = sorted(conv.messages, key=lambda m: m.at_ms, reverse=True)
    if before:
        ordered = [m for m in ordered if m.at_ms < int(before.group(1))]
    page = ordered[: fake.message_page_size]
    elements = [
        {
            "$type": "com.linkedin.messenger.Message",
            "entityUrn": _message_urn(m.id),
            "deliveredAt": m.at_ms,
            "body": {"$type": "com.linkedin.pemberly.text.AttributedText", "text": m.text},
            "*sender": _participant_urn(m.sender),
            "*conversation": _conversation_urn(conv.id),
        }
        for m in page
    ]
    senders = sorted({m.sender for m in page})
    return _collection(
        "messengerMessagesBySyncToken", elements, [_participant(fake, u) for u in senders], {}
    )


def profile(fake: FakeLinkedIn, identity: str) -> dict[str, Any] | None:
    person: Person | None = next(
        (p for p in fake.people.values() if identity in (p.slug, p.member_id)), None
    )
    if person is None:
        return None
    geo = f"urn:li:fsd_geo:{abs(hash(person.location)) % 10**9}"
    return {
        "data": {"*elements": [person.urn], "paging": {"count": 10, "start": 0}},
        "included": [
            {
                "$type": "com.linkedin.voyager.dash.common.Geo",
                "entityUrn": geo,
                "defaultLocalizedName": person.location,
            },
            {
                "$type": "com.linkedin.voyager.dash.identity.profile.Position",
                "entityUrn": f"urn:li:fsd_profilePosition:({person.member_id},1)",
                "profileUrn": person.urn,
                "title": "Intern",
                "companyName": "Earlier Co",
                "dateRange": {"start": {"year": 2010}, "end": {"year": 2012}},
            },
            {
                "$type": "com.linkedin.voyager.dash.identity.profile.Position",
                "entityUrn": f"urn:li:fsd_profilePosition:({person.member_id},2)",
                "profileUrn": person.urn,
                "title": person.title,
                "companyName": person.company,
                "dateRange": {"start": {"year": 2020}},
            },
            {
                "$type": "com.linkedin.voyager.dash.identity.profile.Profile",
                "entityUrn": person.urn,
                "publicIdentifier": person.slug,
                "firstName": person.first,
                "lastName": person.last,
                "headline": person.headline,
                "geoLocation": {"*geo": geo},
                "profilePicture": {
                    "displayImageReference": {"vectorImage": _vector_image(fake, person.photo)}
                }
                if person.photo
                else None,
            },
        ],
    }


def _me() -> dict[str, Any]:
    mini = "urn:li:fs_miniProfile:ACoAAAMeMeMe01"
    return {
        "data": {"$type": "com.linkedin.voyager.common.Me", "*miniProfile": mini},
        "included": [
            {
                "$type": "com.linkedin.voyager.identity.shared.MiniProfile",
                "entityUrn": mini,
                "dashEntityUrn": ME_URN,
                "publicIdentifier": "sam-owner",
                "firstName": "Sam",
                "lastName": "Owner",
            }
        ],
    }


def _cookies(request: Request) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    jar.load(request.headers.get("cookie", ""))
    return {name: morsel.value for name, morsel in jar.items()}


def _page(title: str, body: str, overlay: dict[str, str] | None, editor: str = "rich") -> Response:
    data = html.escape(json.dumps(overlay), quote=True) if overlay else ""
    return Response(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body data-editor="{html.escape(editor)}"><div class="application-outlet">{body}</div>
<div id="interop-outlet" data-testid="interop-shadowdom" data-overlay="{data}"></div>
<script src="/fake-static/messenger.js"></script></body></html>""",
        media_type="text/html",
    )


COMPOSER = """<form class="msg-form">
  <div class="msg-form__msg-content-container">
    <div class="msg-form__contenteditable" contenteditable="true" role="textbox"
         aria-multiline="true" aria-label="Write a message…"><p><br></p></div>
  </div>
  <footer class="msg-form__footer">
    <div class="msg-form__left-actions"><button type="button" aria-label="Attach an image">+</button></div>
    <button class="msg-form__send-button" type="submit" disabled>Send</button>
  </footer>
</form>"""

MESSENGER_JS = r"""
(() => {
  function editor(form) {
    const box = form.querySelector(".msg-form__contenteditable");
    const send = form.querySelector(".msg-form__send-button");
    const update = () => { send.disabled = !box.textContent.trim(); };
    // Like LinkedIn's rich editor: it handles paste itself (the browser inserts nothing
    // for a synthetic paste), then reports the change.
    if (document.body.dataset.editor !== "plain") box.addEventListener("paste", (event) => {
      event.preventDefault();
      const text = event.clipboardData.getData("text/plain");
      const paragraph = document.createElement("p");
      paragraph.textContent = text;
      if (!box.textContent.trim()) box.replaceChildren(paragraph); else box.append(paragraph);
      box.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertFromPaste" }));
    });
    box.addEventListener("input", update);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await fetch("/fake/sent", { method: "POST", body: box.textContent });
      box.replaceChildren(document.createElement("p"));
      update();
    });
    update();
  }
  document.querySelectorAll("form.msg-form").forEach(editor);
  const host = document.getElementById("interop-outlet");
  if (!host.dataset.overlay) return;
  const overlay = JSON.parse(host.dataset.overlay);
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `<style>.msg-overlay-conversation-bubble{position:fixed;right:16px;bottom:0;width:320px;background:#fff;border:1px solid #ccc}</style>
    <aside class="msg-overlay-conversation-bubble">
      <header class="msg-overlay-bubble-header">
        <a class="profile-card-one-to-one__profile-link"></a>
        <button type="button" class="msg-overlay-bubble-header__control">×</button>
      </header>
      ${document.getElementById("composer-template").innerHTML}
    </aside>`;
  const link = root.querySelector("a");
  link.href = overlay.href;
  link.textContent = overlay.name;
  const bubble = root.querySelector("aside");
  bubble.setAttribute("aria-label", `Messaging with ${overlay.name}`);
  const close = root.querySelector("button.msg-overlay-bubble-header__control");
  close.setAttribute("aria-label", `Close your conversation with ${overlay.name}`);
  close.addEventListener("click", () => bubble.remove());
  editor(root.querySelector("form"));
})();
"""


def create_app(fake: FakeLinkedIn) -> Starlette:
    def voyager_guard(request: Request) -> Response | None:
        fake.voyager_calls.append(f"{request.url.path}?{unquote(request.url.query)}")
        cookies = _cookies(request)
        if cookies.get("li_at") != fake.li_at:
            return JSONResponse({"status": 401}, status_code=401)
        expected = cookies.get("JSESSIONID", "").strip('"')
        if (
            not expected
            or request.headers.get("csrf-token") != expected
            or expected != fake.jsessionid
        ):
            return JSONResponse({"message": "CSRF check failed.", "status": 403}, status_code=403)
        if fake.fail:
            status, headers = fake.fail
            return JSONResponse({"status": status}, status_code=status, headers=headers)
        return None

    def voyager_json(body: dict[str, Any]) -> Response:
        return Response(json.dumps(body), media_type=NORMALIZED)

    async def me(request: Request) -> Response:
        return voyager_guard(request) or voyager_json(_me())

    async def graphql(request: Request) -> Response:
        refused = voyager_guard(request)
        if refused:
            return refused
        query = request.query_params.get("queryId", "")
        try:
            if query.startswith("messengerConversations."):
                return voyager_json(conversations_page(fake, request))
            if query.startswith("messengerMessages."):
                return voyager_json(messages_page(fake, request))
        except (ValueError, StopIteration):
            return JSONResponse({"status": 400}, status_code=400)
        return JSONResponse({"status": 400, "message": "unknown queryId"}, status_code=400)

    async def profiles(request: Request) -> Response:
        refused = voyager_guard(request)
        if refused:
            return refused
        found = profile(fake, request.query_params.get("memberIdentity", ""))
        return voyager_json(found) if found else JSONResponse({"status": 404}, status_code=404)

    async def image(request: Request) -> Response:
        photo = request.path_params["photo"]
        agent = request.headers.get("user-agent", "")
        browser = "Chrome/" in agent
        status = 403 if photo in fake.refuse_servers and not browser else 200
        fake.cdn_requests.append(CdnRequest(photo, agent, status))
        headers = {"access-control-allow-origin": "*", "cache-control": "max-age=3600"}
        if status != 200:
            return Response("Forbidden", status_code=403, headers=headers)
        return Response(png(), media_type="image/png", headers=headers)

    async def thread(request: Request) -> Response:
        conv = fake.conversation(request.path_params["conversation_id"])
        person = fake.people[conv.participants[0]]
        items = "".join(
            f"<li class='msg-s-message-list__event'>{html.escape(m.text)}</li>"
            for m in sorted(conv.messages, key=lambda m: m.at)
        )
        body = f"""<main class="scaffold-layout__detail" aria-label="Conversation">
  <div class="msg-convo-wrapper"><div class="msg-thread">
    <header class="msg-title-bar"><h2><a class="msg-thread__link-to-profile" href="{person.profile_path}">{html.escape(person.name)}</a></h2></header>
    <ul class="msg-s-message-list">{items}</ul>
    {COMPOSER}
  </div></div>
</main><template id="composer-template">{COMPOSER}</template>"""
        # ?editor=plain: composers that leave paste to the browser (which inserts nothing
        # for a synthetic paste), so the extension's execCommand fallback must do it.
        editor = "plain" if request.query_params.get("editor") == "plain" else "rich"
        return _page(f"{person.name} | Messaging | LinkedIn", body, _overlay(), editor)

    async def feed(request: Request) -> Response:
        body = f"<main aria-label='Feed'><h1>Feed</h1></main><template id='composer-template'>{COMPOSER}</template>"
        return _page("Feed | LinkedIn", body, _overlay())

    def _overlay() -> dict[str, str] | None:
        if not fake.overlay_conversation:
            return None
        person = fake.people[fake.conversation(fake.overlay_conversation).participants[0]]
        return {"href": person.profile_path, "name": person.name}

    async def messenger_js(request: Request) -> Response:
        return Response(MESSENGER_JS, media_type="text/javascript")

    async def sent(request: Request) -> Response:
        fake.sent.append((await request.body()).decode())
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/voyager/api/me", me),
            Route("/voyager/api/voyagerMessagingGraphQL/graphql", graphql),
            Route("/voyager/api/identity/dash/profiles", profiles),
            Route("/dms/image/v2/{photo}/{rest:path}", image),
            Route("/messaging/thread/{conversation_id}/", thread),
            Route("/feed/", feed),
            Route("/fake-static/messenger.js", messenger_js),
            Route("/fake/sent", sent, methods=["POST"]),
        ]
    )


@contextmanager
def served(fake: FakeLinkedIn, certs: CertFiles) -> Iterator[int]:
    """Serve ``fake`` over https on 127.0.0.1 (a free port) for the block; yields the port
    and sets ``fake.base_url`` (the CDN's address in photo URLs)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    fake.base_url = f"https://127.0.0.1:{port}"
    server = ThreadedServer(
        uvicorn.Config(
            create_app(fake),
            log_level="warning",
            lifespan="off",
            access_log=False,
            ssl_certfile=str(certs.cert),
            ssl_keyfile=str(certs.key),
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT_S):
        server.should_exit = True
        raise RuntimeError("the fake LinkedIn did not start")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
