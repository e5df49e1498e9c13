"""The Gmail API (v1) as documented: users.getProfile, messages.list, messages.get
(format=metadata with metadataHeaders), history.list, messages.send,
settings.sendAs.list, and the ``multipart/mixed`` batch endpoint ``/batch/gmail/v1``.

Every call is authenticated with a bearer token from the fake's OAuth endpoints, charged
its quota units (429 rateLimitExceeded when the quota mode is on and the account is over
it), and may be answered by an injected failure.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.google.state import (
    GMAIL_READONLY,
    GMAIL_SEND,
    UNITS,
    Answer,
    FakeGoogle,
    FakeMessage,
    Mailbox,
    error_body,
)

Query = list[tuple[str, str]]
MAX_LIST = 500


def _first(query: Query, name: str, default: str | None = None) -> str | None:
    for key, value in query:
        if key == name:
            return value
    return default


def _all(query: Query, name: str) -> list[str]:
    return [value for key, value in query if key == name]


def _epoch(value: str) -> int:
    if value.isdigit():
        return int(value)
    return int(datetime.strptime(value, "%Y/%m/%d").timestamp())


def _matches(message: FakeMessage, terms: list[str], label_ids: list[str], spam: bool) -> bool:
    labels = set(message.label_ids)
    if not spam and labels & {"SPAM", "TRASH"}:
        return False
    if not set(label_ids) <= labels:
        return False
    seconds = message.internal_date_ms // 1000
    for term in terms:
        negate = term.startswith("-")
        name, _, value = term.lstrip("-").partition(":")
        if name == "after":
            ok = seconds > _epoch(value)
        elif name == "before":
            ok = seconds < _epoch(value)
        elif name == "in":
            ok = value.upper() in labels or (value == "chats" and "CHAT" in labels)
        elif name == "label":
            ok = value.upper() in labels
        else:
            ok = True
        if ok == negate:
            return False
    return True


def _list(box: Mailbox, query: Query) -> Answer:
    q = _first(query, "q", "") or ""
    label_ids = _all(query, "labelIds")
    spam = (_first(query, "includeSpamTrash", "false") or "false") == "true"
    try:
        limit = max(1, min(MAX_LIST, int(_first(query, "maxResults", "100") or 100)))
        offset = int(_first(query, "pageToken", "0") or 0)
    except ValueError:
        return Answer(400, error_body(400, "Invalid pageToken or maxResults."))
    key = (box.version, q, tuple(label_ids), spam)
    ids = box.list_cache.get(key)
    if ids is None:
        terms = q.split()
        chosen = [m for m in box.messages.values() if _matches(m, terms, label_ids, spam)]
        chosen.sort(key=lambda m: (m.internal_date_ms, m.id), reverse=True)
        ids = [m.id for m in chosen]
        box.list_cache.clear()
        box.list_cache[key] = ids
    page = ids[offset : offset + limit]
    body: dict[str, Any] = {"resultSizeEstimate": len(ids)}
    if page:
        body["messages"] = [{"id": i, "threadId": box.messages[i].thread_id} for i in page]
    if offset + limit < len(ids):
        body["nextPageToken"] = str(offset + limit)
    return Answer(200, body)


def message_resource(message: FakeMessage, fmt: str, wanted: list[str]) -> dict[str, Any]:
    """A Message resource in ``format`` minimal/metadata (headers filtered)."""
    body: dict[str, Any] = {
        "id": message.id,
        "threadId": message.thread_id,
        "labelIds": list(message.label_ids),
        "snippet": message.snippet,
        "historyId": str(message.history_id),
        "internalDate": str(message.internal_date_ms),
        "sizeEstimate": 1024 + len(message.snippet),
    }
    if fmt != "minimal":
        names = {w.lower() for w in wanted}
        body["payload"] = {
            "partId": "",
            "mimeType": "multipart/alternative",
            "filename": "",
            "headers": [
                {"name": n, "value": v}
                for n, v in message.headers
                if not names or n.lower() in names
            ],
        }
    return body


def _get(box: Mailbox, message_id: str, query: Query) -> Answer:
    message = box.messages.get(message_id)
    if message is None:
        return Answer(404, error_body(404, "Requested entity was not found."))
    fmt = _first(query, "format", "full") or "full"
    return Answer(200, message_resource(message, fmt, _all(query, "metadataHeaders")))


def _history(box: Mailbox, query: Query) -> Answer:
    start_raw = _first(query, "startHistoryId")
    if not start_raw or not start_raw.isdigit():
        return Answer(400, error_body(400, "Invalid startHistoryId."))
    start = int(start_raw)
    if start < box.min_history_id:
        return Answer(404, error_body(404, "Requested entity was not found."))
    types = _all(query, "historyTypes")
    label = _first(query, "labelId")
    limit = max(1, min(MAX_LIST, int(_first(query, "maxResults", "100") or 100)))
    offset = int(_first(query, "pageToken", "0") or 0)
    records = [
        (hid, mid)
        for hid, mid in box.history
        if hid > start
        and mid in box.messages
        and (label is None or label in box.messages[mid].label_ids)
    ]
    page = records[offset : offset + limit]
    history = []
    for hid, mid in page:
        message = box.messages[mid]
        ref = {"id": mid, "threadId": message.thread_id}
        record: dict[str, Any] = {"id": str(hid), "messages": [ref]}
        if not types or "messageAdded" in types:
            record["messagesAdded"] = [{"message": {**ref, "labelIds": message.label_ids}}]
        history.append(record)
    body: dict[str, Any] = {"historyId": str(box.history_id)}
    if history:
        body["history"] = history
    if offset + limit < len(records):
        body["nextPageToken"] = str(offset + limit)
    return Answer(200, body)


def _send(state: FakeGoogle, box: Mailbox, payload: Any) -> Answer:
    raw = payload.get("raw") if isinstance(payload, dict) else None
    if not isinstance(raw, str):
        return Answer(400, error_body(400, "'raw' RFC822 payload message string required."))
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        parsed = email.message_from_bytes(data, policy=email.policy.default)
    except (ValueError, TypeError):
        return Answer(400, error_body(400, "Invalid raw message."))
    recipients = [a.strip() for a in str(parsed.get("To", "")).split(",") if a.strip()]
    if not recipients:
        return Answer(400, error_body(400, "Recipient address required", "invalidArgument"))
    box.sent.append({"raw": data, "message": parsed})
    mid = state.add_message(
        box.email,
        sender=str(parsed.get("From", box.email)),
        to=recipients,
        subject=str(parsed.get("Subject", "")),
        snippet="",
        labels=["SENT"],
    )
    return Answer(200, {"id": mid, "threadId": mid, "labelIds": ["SENT"]})


def _send_as(box: Mailbox) -> Answer:
    entries = [
        {
            "sendAsEmail": box.email,
            "displayName": "",
            "replyToAddress": "",
            "signature": "",
            "isPrimary": True,
            "isDefault": True,
        }
    ]
    for alias in box.aliases:
        entries.append(
            {
                "sendAsEmail": alias,
                "displayName": "",
                "replyToAddress": "",
                "signature": "",
                "isDefault": False,
                "treatAsAlias": True,
                "verificationStatus": "accepted",
            }
        )
    return Answer(200, {"sendAs": entries})


ROUTES: list[tuple[str, str, str]] = [
    ("GET", r"/gmail/v1/users/([^/]+)/profile", "profile"),
    ("GET", r"/gmail/v1/users/([^/]+)/messages", "messages.list"),
    ("GET", r"/gmail/v1/users/([^/]+)/messages/([^/]+)", "messages.get"),
    ("GET", r"/gmail/v1/users/([^/]+)/history", "history.list"),
    ("POST", r"/gmail/v1/users/([^/]+)/messages/send", "messages.send"),
    ("GET", r"/gmail/v1/users/([^/]+)/settings/sendAs", "sendAs.list"),
]


def dispatch(
    state: FakeGoogle, grant: dict[str, Any], method: str, path: str, query: Query, body: Any
) -> Answer:
    """Answer one Gmail call for the holder of ``grant`` (also used for batch parts)."""
    for verb, pattern, name in ROUTES:
        match = re.fullmatch(pattern, path)
        if verb != method or match is None:
            continue
        user = match.group(1)
        email_address = grant["email"]
        if user not in ("me", email_address):
            return Answer(403, error_body(403, "Delegation denied.", "forbidden"))
        needed = GMAIL_SEND if name == "messages.send" else GMAIL_READONLY
        if needed not in grant["scopes"] and not (
            name == "profile" and GMAIL_SEND in grant["scopes"]
        ):
            return Answer(
                403,
                error_body(
                    403,
                    "Request had insufficient authentication scopes.",
                    "insufficientPermissions",
                ),
            )
        state.maybe_pause(name)
        failure = state.take_failure(name)
        if failure is not None:
            headers = (
                {"Retry-After": str(int(failure.retry_after))}
                if failure.retry_after is not None
                else {}
            )
            return Answer(
                failure.status, error_body(failure.status, failure.message, failure.reason), headers
            )
        if not state.charge(email_address, name, UNITS[name]):
            return Answer(
                429,
                error_body(
                    429,
                    "User-rate limit exceeded. Retry after some time.",
                    "rateLimitExceeded",
                ),
            )
        with state.lock:
            box = state.mailboxes[email_address]
            if name == "profile":
                return Answer(
                    200,
                    {
                        "emailAddress": box.email,
                        "messagesTotal": len(box.messages),
                        "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                        "historyId": str(box.history_id),
                    },
                )
            if name == "messages.list":
                return _list(box, query)
            if name == "messages.get":
                return _get(box, match.group(2), query)
            if name == "history.list":
                return _history(box, query)
            if name == "messages.send":
                return _send(state, box, body)
            return _send_as(box)
    return Answer(404, error_body(404, f"Not found: {method} {path}"))


def _unauthenticated() -> JSONResponse:
    return JSONResponse(
        error_body(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
            "authError",
        ),
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def _batch_parts(content_type: str, raw: bytes) -> list[tuple[str, str]]:
    """(Content-ID, embedded HTTP request) of each part of a multipart/mixed body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        return []
    delimiter = b"--" + match.group(1).encode("ascii")
    parts: list[tuple[str, str]] = []
    for chunk in raw.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        text = chunk.decode("utf-8").replace("\r\n", "\n").lstrip("\n")
        head, _, inner = text.partition("\n\n")
        content_id = ""
        for line in head.split("\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-id":
                content_id = value.strip().strip("<>")
        parts.append((content_id, inner))
    return parts


def routes(state: FakeGoogle) -> list[Route]:
    async def api(request: Request) -> Response:
        grant = state.bearer(request.headers.get("authorization"))
        if grant is None:
            return _unauthenticated()
        body: Any = None
        if request.method == "POST":
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse(error_body(400, "Invalid JSON payload."), status_code=400)
        answer = dispatch(
            state,
            grant,
            request.method,
            request.url.path,
            parse_qsl(request.url.query, keep_blank_values=True),
            body,
        )
        return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)

    async def batch(request: Request) -> Response:
        grant = state.bearer(request.headers.get("authorization"))
        if grant is None:
            return _unauthenticated()
        failure = state.take_failure("batch")
        if failure is not None:
            return JSONResponse(
                error_body(failure.status, failure.message, failure.reason),
                status_code=failure.status,
            )
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/mixed"):
            return JSONResponse(
                error_body(400, "Batch requests must be multipart/mixed."), status_code=400
            )
        raw = await request.body()
        requests = _batch_parts(content_type, raw)
        if not requests or len(requests) > 100:
            return JSONResponse(
                error_body(400, "A batch holds between 1 and 100 requests."), status_code=400
            )
        with state.lock:
            state.calls["batch"] += 1
        boundary = f"batch_{uuid.uuid4().hex}"
        out: list[str] = []
        for content_id, text in requests:
            request_line = text.strip().splitlines()[0].split()
            method, target = request_line[0], request_line[1]
            split = urlsplit(target)
            answer = dispatch(
                state,
                grant,
                method,
                split.path,
                parse_qsl(split.query, keep_blank_values=True),
                None,
            )
            extra = "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
            out.append(
                f"--{boundary}\r\n"
                "Content-Type: application/http\r\n"
                f"Content-ID: <response-{content_id}>\r\n\r\n"
                f"HTTP/1.1 {answer.status} {'OK' if answer.status == 200 else 'Error'}\r\n"
                "Content-Type: application/json; charset=UTF-8\r\n"
                f"{extra}\r\n"
                f"{json.dumps(answer.body)}\r\n"
            )
        out.append(f"--{boundary}--\r\n")
        return Response(
            "".join(out).encode("utf-8"),
            media_type=f"multipart/mixed; boundary={boundary}",
        )

    return [
        Route("/batch/gmail/v1", batch, methods=["POST"]),
        Route("/gmail/v1/users/{rest:path}", api, methods=["GET", "POST"]),
    ]
