"""Fake People API v1: ``people/me/connections`` with the documented ``Person`` shape
(only the requested ``personFields``), pagination, ``requestSyncToken`` /
``syncToken`` (incremental lists return changed people and deleted ones with
``metadata.deleted``), the EXPIRED_SYNC_TOKEN error, and injected 401/429/5xx errors.

Mounted by :mod:`tests.fakes.google.app` under ``/v1``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PERSON_FIELDS = {
    "addresses",
    "biographies",
    "birthdays",
    "emailAddresses",
    "names",
    "nicknames",
    "organizations",
    "phoneNumbers",
    "photos",
    "urls",
}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def rpc_error(
    status: int,
    message: str,
    *,
    rpc_status: str | None = None,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The google.rpc.Status error body of the newer Google APIs."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": rpc_status or STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "people.googleapis.com",
            }
        ]
    return JSONResponse({"error": error}, status_code=status, headers=headers)


@dataclass
class _Book:
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # resourceName → person
    changed_at: dict[str, int] = field(default_factory=dict)
    seq: int = 0
    generation: int = 0  # tokens of an older generation have expired


@dataclass
class FakePeopleState:
    """Each account's contacts, changes numbered so sync tokens work."""

    books: dict[str, _Book] = field(default_factory=dict)
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _book(self, account: str) -> _Book:
        return self.books.setdefault(account.lower(), _Book())

    def put_person(self, account: str, person: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a contact (``resourceName`` like ``people/c1``)."""
        with self.lock:
            book = self._book(account)
            book.seq += 1
            stored = dict(person)
            stored["etag"] = f"%E{book.seq}"
            stored["metadata"] = {
                "sources": [
                    {
                        "type": "CONTACT",
                        "id": stored["resourceName"].split("/")[-1],
                        "etag": f"#{book.seq}",
                    }
                ],
                "objectType": "PERSON",
            }
            book.people[stored["resourceName"]] = stored
            book.changed_at[stored["resourceName"]] = book.seq
            return stored

    def delete_person(self, account: str, resource_name: str) -> None:
        with self.lock:
            book = self._book(account)
            book.seq += 1
            book.people[resource_name] = {
                "resourceName": resource_name,
                "etag": f"%E{book.seq}",
                "metadata": {"deleted": True, "objectType": "PERSON"},
            }
            book.changed_at[resource_name] = book.seq

    def expire_sync_tokens(self, account: str) -> None:
        with self.lock:
            self._book(account).generation += 1

    def fail_next(self, status: int, retry_after: int | None = None) -> None:
        with self.lock:
            self.failures.append((status, retry_after))

    def connections(self, account: str, params: dict[str, str]) -> Response:
        with self.lock:
            self.requests.append({"account": account, **params})
            if self.failures:
                status, retry_after = self.failures.pop(0)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
                return rpc_error(status, "Injected failure.", headers=headers)
            return self._list(self._book(account), params)

    def _list(self, book: _Book, params: dict[str, str]) -> Response:
        fields = [f for f in params.get("personFields", "").split(",") if f]
        if not fields:
            return rpc_error(
                400, "personFields mask is required. Please specify one or more valid paths."
            )
        unknown = [f for f in fields if f not in PERSON_FIELDS]
        if unknown:
            return rpc_error(400, f'Invalid personFields mask path: "{unknown[0]}".')
        try:
            size = int(params.get("pageSize") or 100) or 100
        except ValueError:
            return rpc_error(400, "Invalid pageSize.")
        if not 1 <= size <= 1000:
            return rpc_error(400, "pageSize must be between 1 and 1000.")
        request_key = {k: v for k, v in sorted(params.items()) if k not in ("pageToken",)}
        if params.get("pageToken"):
            try:
                page = json.loads(base64.urlsafe_b64decode(params["pageToken"]))
            except ValueError:
                return rpc_error(400, "Invalid page token.")
            if page["request"] != request_key:
                return rpc_error(
                    400, "Parameters must match the call that provided the page token."
                )
            offset, snapshot = page["offset"], page["snapshot"]
        else:
            offset, snapshot = 0, book.seq
        sync_token = params.get("syncToken")
        if sync_token:
            try:
                generation, since = map(int, sync_token.removeprefix("people-sync-").split("-"))
            except ValueError:
                generation, since = -1, -1
            if generation != book.generation:
                return rpc_error(
                    400,
                    "Sync token is expired. Clear local cache and retry call without the "
                    "sync token.",
                    rpc_status="FAILED_PRECONDITION",
                    reason="EXPIRED_SYNC_TOKEN",
                )
            chosen = [
                p for name, p in book.people.items() if since < book.changed_at[name] <= snapshot
            ]
        else:
            chosen = [
                p
                for name, p in book.people.items()
                if not p["metadata"].get("deleted") and book.changed_at[name] <= snapshot
            ]
        # LAST_MODIFIED_ASCENDING, the documented default order.
        chosen.sort(key=lambda p: book.changed_at[p["resourceName"]])
        chunk = chosen[offset : offset + size]
        body: dict[str, Any] = {
            "connections": [_masked(p, fields) for p in chunk],
            "totalPeople": len(chosen),
            "totalItems": len(chosen),
        }
        if offset + size < len(chosen):
            token = {"offset": offset + size, "snapshot": snapshot, "request": request_key}
            body["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        elif sync_token or params.get("requestSyncToken") == "true":
            body["nextSyncToken"] = f"people-sync-{book.generation}-{snapshot}"
        if not body["connections"]:
            del body["connections"]  # proto3 JSON omits empty repeated fields
        return JSONResponse(body)


def _masked(person: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    keep = {"resourceName", "etag", "metadata", *fields}
    return {k: v for k, v in person.items() if k in keep}


Authorize = Callable[[Request], "str | Response"]


def routes(state: FakePeopleState, authorize: Authorize) -> list[Route]:
    """``GET /v1/people/me/connections``."""

    async def connections(request: Request) -> Response:
        account = authorize(request)
        if isinstance(account, Response):
            return account
        return state.connections(account, dict(request.query_params))

    return [Route("/v1/people/me/connections", connections, methods=["GET"])]


def person(
    number: int,
    name: str,
    emails: list[str] = (),  # type: ignore[assignment]
    *,
    phones: list[str] = (),  # type: ignore[assignment]
    company: str | None = None,
    title: str | None = None,
    birthday: tuple[int | None, int, int] | None = None,
    photo: str | None = None,
    bio: str | None = None,
) -> dict[str, Any]:
    """A ``Person`` in the documented shape."""
    given, _, family = name.partition(" ")
    primary = {"metadata": {"primary": True, "source": {"type": "CONTACT", "id": str(number)}}}
    data: dict[str, Any] = {
        "resourceName": f"people/c{number}",
        "names": [
            {
                **primary,
                "displayName": name,
                "givenName": given,
                **({"familyName": family} if family else {}),
                "unstructuredName": name,
            }
        ],
    }
    if emails:
        data["emailAddresses"] = [
            {**(primary if i == 0 else {}), "value": e, "type": "work", "formattedType": "Work"}
            for i, e in enumerate(emails)
        ]
    if phones:
        data["phoneNumbers"] = [{"value": p, "type": "mobile"} for p in phones]
    if company or title:
        data["organizations"] = [
            {
                **primary,
                **({"name": company} if company else {}),
                **({"title": title} if title else {}),
            }
        ]
    if birthday:
        year, month, day = birthday
        date = {"month": month, "day": day, **({"year": year} if year else {})}
        data["birthdays"] = [{**primary, "date": date}]
    if photo:
        data["photos"] = [{**primary, "url": photo}]
    if bio:
        data["biographies"] = [{**primary, "value": bio, "contentType": "TEXT_PLAIN"}]
    return data


CONTACTS_SCOPES = (
    "https://www.googleapis.com/auth/contacts.readonly",
    "https://www.googleapis.com/auth/contacts",
)


def state_of(google: Any) -> FakePeopleState:
    """The contacts data of a :class:`tests.fakes.google.state.FakeGoogle`."""
    with google.lock:
        found = google.extra.get("people")
        if found is None:
            found = google.extra["people"] = FakePeopleState()
        return found


def authorizer(google: Any) -> Authorize:
    """Bearer token → account address: 401 unknown token, 403 without a contacts scope,
    429 when the account's quota is spent, injected ``connections.list`` failures."""

    def authorize(request: Request) -> str | Response:
        grant = google.bearer(request.headers.get("authorization"))
        if grant is None:
            return rpc_error(401, "Request had invalid authentication credentials.")
        if not any(scope in grant["scopes"] for scope in CONTACTS_SCOPES):
            return rpc_error(403, "Request had insufficient authentication scopes.")
        failure = google.take_failure("connections.list")
        if failure is not None:
            headers = None
            if failure.retry_after is not None:
                headers = {"Retry-After": str(int(failure.retry_after))}
            return rpc_error(failure.status, failure.message, headers=headers)
        if not google.charge(grant["email"], "connections.list", 1):
            return rpc_error(429, "Quota exceeded.", headers={"Retry-After": "1"})
        return str(grant["email"]).lower()

    return authorize


def mount(google: Any) -> list[Route]:
    """The People routes of the fake Google app."""
    return routes(state_of(google), authorizer(google))


def seed_demo(google: Any, account: str) -> None:
    """Some Google Contacts for the standalone fake."""
    book = state_of(google)
    book.put_person(
        account,
        person(
            1,
            "Ann Lee",
            ["ann.lee@example.com"],
            company="Lumen Labs",
            title="Head of Product",
            birthday=(1988, 6, 14),
            bio="Met at the Lisbon product meetup.",
        ),
    )
    book.put_person(
        account,
        person(
            2,
            "Raj Patel",
            ["raj@example.org"],
            phones=["+1 415 555 0134"],
            company="Northwind",
            title="Partnerships",
        ),
    )
    book.put_person(
        account, person(3, "Mia Rossi", ["mia.rossi@example.net"], birthday=(None, 3, 2))
    )
