"""The fake LinkedIn's data: me, the people I talk to, conversations and their messages,
plus switches for LinkedIn's failure modes and logs of what clients asked for."""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ME_URN = "urn:li:fsd_profile:ACoAAAMeMeMe01"
ADA_URN = "urn:li:fsd_profile:ACoAABAdaAda01"
GRACE_URN = "urn:li:fsd_profile:ACoAABGraceH01"
LINUS_URN = "urn:li:fsd_profile:ACoAABLinus001"


@dataclass
class Person:
    urn: str
    first: str
    last: str
    headline: str
    slug: str  # the public /in/<slug>
    title: str
    company: str
    location: str
    photo: str | None = None  # key of the photo on the fake CDN
    linked_by_id: bool = False  # messaging links the profile by its id, not its slug

    @property
    def member_id(self) -> str:
        return self.urn.rsplit(":", 1)[1]

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def profile_path(self) -> str:
        return f"/in/{self.member_id if self.linked_by_id else self.slug}/"


@dataclass
class Message:
    id: str
    at: datetime
    sender: str  # a profile URN
    text: str

    @property
    def at_ms(self) -> int:
        return int(self.at.timestamp() * 1000)


@dataclass
class Conversation:
    id: str
    participants: list[str]  # the other people (profile URNs)
    messages: list[Message]
    group: bool = False

    @property
    def last_activity_ms(self) -> int:
        return max(m.at_ms for m in self.messages)


@dataclass
class CdnRequest:
    photo: str
    user_agent: str
    status: int


@dataclass
class FakeLinkedIn:
    people: dict[str, Person]
    conversations: list[Conversation]
    li_at: str = "AQEDARfakeLiAtSessionCookie0123456789"
    jsessionid: str = "ajax:9081726354"
    page_size: int = 2  # conversations per page (small, so paging is exercised)
    message_page_size: int = 20
    base_url: str = ""  # https://127.0.0.1:<port>, set when served (the CDN's address)
    refuse_servers: set[str] = field(default_factory=set)  # photos the CDN refuses to servers
    fail: tuple[int, dict[str, str]] | None = None  # every Voyager call answers this
    overlay_conversation: str | None = "2-grace"  # shown in the overlay messenger
    voyager_calls: list[str] = field(default_factory=list)
    cdn_requests: list[CdnRequest] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # messages "sent" with a Send button

    def conversation(self, conversation_id: str) -> Conversation:
        return next(c for c in self.conversations if c.id == conversation_id)

    def add_message(self, conversation_id: str, sender: str, text: str, at: datetime) -> None:
        conv = self.conversation(conversation_id)
        conv.messages.append(
            Message(f"{conversation_id}-m{len(conv.messages) + 1}", at, sender, text)
        )

    def photo_url(self, photo: str) -> tuple[str, str]:
        """The VectorImage (rootUrl, path segment) of a photo on the fake CDN."""
        root = f"{self.base_url}/dms/image/v2/{photo}/profile-displayphoto-shrink_"
        return root, "400_400/0/1700000000000?e=1767225600&v=beta&t=fakeSignature"

    def calls_to(self, part: str) -> int:
        return sum(1 for c in self.voyager_calls if part in c)


def png(size: int = 48, rgb: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A small, valid PNG (what the CDN serves)."""
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def cursor_for(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def offset_of(cursor: str) -> int:
    return int(base64.b64decode(cursor).decode().split(":", 1)[1])


def seeded(start: datetime | None = None) -> FakeLinkedIn:
    """Ada (linked by slug, photo the CDN gives anyone), Grace (linked by id, photo the
    CDN refuses to servers), and a group chat with Linus that must be skipped."""
    t0 = start or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    people = {
        ADA_URN: Person(
            ADA_URN,
            "Ada",
            "Lovelace",
            "Analyst at Engines Ltd",
            "ada-lovelace",
            "Analyst",
            "Engines Ltd",
            "London, England, United Kingdom",
            "ada",
        ),
        GRACE_URN: Person(
            GRACE_URN,
            "Grace",
            "Hopper",
            "Rear Admiral",
            None,
            "Rear Admiral",
            "US Navy",
            "Arlington, Virginia",
            "grace",
        ),
        LINUS_URN: Person(
            LINUS_URN,
            "Linus",
            "Torvalds",
            "Kernel maintainer",
            "linus",
            "Maintainer",
            "Linux Foundation",
            "Portland, Oregon",
            None,
        ),
    }
    day = timedelta(days=1)
    conversations = [
        Conversation(
            "2-ada",
            [ADA_URN],
            [
                Message("2-ada-m1", t0, ME_URN, "Loved your notes on the engine."),
                Message("2-ada-m2", t0 + day, ADA_URN, "Thank you! Shall we meet on Tuesday?"),
            ],
        ),
        Conversation(
            "2-grace",
            [GRACE_URN],
            [
                Message("2-grace-m1", t0 + 2 * day, GRACE_URN, "Ship it, and document it."),
            ],
        ),
        Conversation(
            "2-group",
            [ADA_URN, LINUS_URN],
            [
                Message("2-group-m1", t0 + 3 * day, LINUS_URN, "Group hello from the reunion"),
            ],
            group=True,
        ),
    ]
    return FakeLinkedIn(people=people, conversations=conversations, refuse_servers={"grace"})
