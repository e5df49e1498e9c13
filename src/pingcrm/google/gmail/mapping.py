"""From a Gmail ``format=metadata`` message to what PingCRM records: direction,
participants, BCC-linked contacts, and whether the sender is automated.

Pure functions: no database, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses
from functools import cached_property
from typing import Any

from pingcrm.contacts.identifiers import normalize_email

# Headers asked for with format=metadata.
METADATA_HEADERS: tuple[str, ...] = (
    "From",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Date",
    "Delivered-To",
    "X-Original-To",
    "Message-ID",
    "List-Unsubscribe",
    "Precedence",
    "Auto-Submitted",
)
SKIPPED_LABELS = frozenset({"SPAM", "TRASH", "CHAT", "DRAFT"})
AUTOMATED_LOCAL = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|notifications?|mailer[-_.]daemon|"
    r"postmaster|bounces?)([-_.+].*)?$"
)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


@dataclass(frozen=True)
class Address:
    name: str
    email: str  # as written (lower-cased)

    @cached_property
    def normalized(self) -> str | None:
        """The normalised address (computed once: a message's people are looked up by
        it several times)."""
        return normalize_email(self.email)

    def display_name(self) -> str:
        """The display name, else the local part ("jane.doe" → "jane.doe")."""
        cleaned = " ".join(self.name.replace('"', " ").split())
        if cleaned and "@" not in cleaned:
            return cleaned
        return self.email.split("@", 1)[0]


@dataclass
class MailMessage:
    """The parts of one message PingCRM uses (never the body)."""

    id: str
    thread_id: str
    labels: frozenset[str]
    snippet: str
    occurred_at: datetime
    subject: str
    sender: Address | None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    delivered_to: list[Address] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> list[Address]:
        return [*self.to, *self.cc, *self.bcc]

    @property
    def bcc_candidates(self) -> list[Address]:
        """Where a ``+hash`` address may appear (To, Cc, Bcc, Delivered-To, X-Original-To)."""
        return [*self.to, *self.cc, *self.bcc, *self.delivered_to]


_ADDR = r'[^<>\s,;"]+@[^<>\s,;"]+'
_SIMPLE = re.compile(rf'^\s*(?:"?([^"<>,;:@\\]*?)"?\s*<({_ADDR})>|({_ADDR}))\s*$')


def _parse_list(values: Iterable[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs; a fast path for plain ``Name <a@b>`` / ``a@b``
    lists, the standard library's full RFC 5322 parser for anything else."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        parts = value.split(",")
        simple = [_SIMPLE.match(part) for part in parts]
        if all(simple):
            for match in simple:
                assert match is not None
                if match.group(3):
                    pairs.append(("", match.group(3)))
                else:
                    pairs.append((match.group(1) or "", match.group(2)))
        else:
            pairs.extend(getaddresses([value]))
    return pairs


def _addresses(values: Iterable[str]) -> list[Address]:
    found: list[Address] = []
    for name, address in _parse_list(values):
        address = address.strip().lower()
        if "@" in address:
            found.append(Address(name=name.strip(), email=address))
    return found


def parse_message(resource: dict[str, Any]) -> MailMessage:
    """A Message resource (format=metadata) as a :class:`MailMessage`."""
    headers: dict[str, list[str]] = {}
    for header in (resource.get("payload") or {}).get("headers") or []:
        name = str(header.get("name") or "").lower()
        headers.setdefault(name, []).append(str(header.get("value") or ""))
    senders = _addresses(headers.get("from", []))
    try:
        millis = int(resource.get("internalDate") or 0)
    except (TypeError, ValueError):
        millis = 0
    return MailMessage(
        id=str(resource["id"]),
        thread_id=str(resource.get("threadId") or resource["id"]),
        labels=frozenset(str(x) for x in resource.get("labelIds") or []),
        snippet=str(resource.get("snippet") or ""),
        occurred_at=datetime.fromtimestamp(millis / 1000, tz=UTC),
        subject=" ".join((headers.get("subject") or [""])[0].split()),
        sender=senders[0] if senders else None,
        to=_addresses(headers.get("to", [])),
        cc=_addresses(headers.get("cc", [])),
        bcc=_addresses(headers.get("bcc", [])),
        delivered_to=_addresses(headers.get("delivered-to", []) + headers.get("x-original-to", [])),
        headers={k: v[0] for k, v in headers.items()},
    )


def is_automated_address(address: Address) -> bool:
    """noreply@, no-reply@, notifications@, mailer-daemon@, … senders."""
    return bool(AUTOMATED_LOCAL.match(address.email.split("@", 1)[0]))


def is_automated(message: MailMessage) -> bool:
    """Sent by a machine: an automated sender address, a mailing list
    (``List-Unsubscribe``), ``Precedence: bulk/list/junk`` or ``Auto-Submitted``."""
    if message.sender is not None and is_automated_address(message.sender):
        return True
    if message.headers.get("list-unsubscribe"):
        return True
    if message.headers.get("precedence", "").strip().lower() in BULK_PRECEDENCE:
        return True
    auto = message.headers.get("auto-submitted", "").strip().lower()
    return bool(auto) and auto != "no"


@dataclass(frozen=True)
class OwnAddresses:
    """The account's own addresses (account + send-as aliases) and every connected Gmail
    address of the user (whose ``+hash`` forms are BCC addresses)."""

    own: frozenset[str]  # normalised
    connected: frozenset[str]  # normalised, includes ``own``

    def is_own(self, address: Address) -> bool:
        return address.normalized in self.own

    def bcc_hash(self, address: Address) -> str | None:
        """``hash`` when ``address`` is ``local+hash@domain`` of a connected address."""
        local, _, domain = address.email.partition("@")
        if "+" not in local:
            return None
        base, _, suffix = local.partition("+")
        suffix = suffix.strip()
        if not suffix or normalize_email(f"{base}@{domain}") not in self.connected:
            return None
        return suffix


def own_addresses(own: Collection[str], connected: Collection[str]) -> OwnAddresses:
    """Normalise the account's addresses and the user's connected addresses."""
    own_n = frozenset(n for n in (normalize_email(a) for a in own) if n)
    connected_n = frozenset(n for n in (normalize_email(a) for a in connected) if n) | own_n
    return OwnAddresses(own=own_n, connected=connected_n)


@dataclass
class Classified:
    """What to record for one message."""

    outbound: bool
    # People to match or create: (normalised email, name to use when creating).
    people: list[Address]
    # BCC hashes found (contacts to link as outbound).
    bcc_hashes: list[str]
    automated: bool


def classify(message: MailMessage, addresses: OwnAddresses) -> Classified:
    """Direction, participants and BCC hashes of ``message`` for this account."""
    hashes: list[str] = []
    for candidate in message.bcc_candidates:
        found = addresses.bcc_hash(candidate)
        if found and found not in hashes:
            hashes.append(found)
    # A +hash address means the user BCC'd PingCRM: their own mail, whatever client
    # (and From address) they sent it from.
    outbound = (
        "SENT" in message.labels
        or bool(hashes)
        or (message.sender is not None and addresses.is_own(message.sender))
    )
    automated = not outbound and is_automated(message)
    people: list[Address] = []
    seen: set[str] = set()
    candidates = message.recipients if outbound else ([message.sender] if message.sender else [])
    for person in candidates:
        normalized = person.normalized
        if (
            normalized is None
            or normalized in seen
            or normalized in addresses.connected  # self, aliases, BCC addresses
            or is_automated_address(person)
        ):
            continue
        seen.add(normalized)
        people.append(person)
    if automated:
        people = []
    return Classified(outbound=outbound, people=people, bcc_hashes=hashes, automated=automated)
