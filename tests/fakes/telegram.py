"""A fake of the Telegram gateway (``pingcrm.telegram.gateway``) for tests and for
clicking through the app without a Telegram account.

It speaks the gateway's interface with Telethon's own objects: ``types.User``,
``types.Message`` (with ``MessageMediaPhoto``, ``MessageMediaDocument`` carrying voice /
sticker / video attributes), ``types.Dialog`` with ``PeerUser``/``PeerChat``/
``PeerChannel``, ``types.Chat``, ``types.Channel``, and it raises Telethon's real error
classes (``SessionPasswordNeededError``, ``PhoneCodeInvalidError``,
``PhoneCodeExpiredError``, ``PasswordHashInvalidError``, ``PhoneNumberInvalidError``,
``FloodWaitError``, ``AuthKeyUnregisteredError``).

Select it with ``PINGCRM_TELEGRAM_GATEWAY=tests.fakes.telegram:FakeGateway``. The world
it serves is the one a test installed with :func:`use_world`; otherwise the JSON spec at
``PINGCRM_TELEGRAM_FAKE_WORLD`` (see :meth:`FakeTelegram.from_spec`); otherwise a small
demo world (any phone number, code 12345; numbers ending in 9 ask for the password
"secret").
"""

from __future__ import annotations

import bisect
import functools
import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from telethon import errors
from telethon.tl import types as tl

from pingcrm.telegram.gateway import SentCode

DEMO_CODE = "12345"
DEMO_PASSWORD = "secret"


def user(
    user_id: int,
    first: str | None = None,
    last: str | None = None,
    *,
    username: str | None = None,
    phone: str | None = None,
    bot: bool = False,
    deleted: bool = False,
    is_self: bool = False,
    photo: bool = False,
) -> tl.User:
    """A ``types.User`` as Telegram sends it (the access hash derived from the id)."""
    return tl.User(
        id=user_id,
        is_self=is_self or None,
        bot=bot or None,
        deleted=deleted or None,
        access_hash=user_id * 7919 + 13,
        first_name=first,
        last_name=last,
        username=username,
        phone=phone,
        photo=tl.UserProfilePhoto(photo_id=user_id * 31, dc_id=2) if photo else None,
    )


def set_photo(person: tl.User, photo_id: int | None) -> None:
    """Give ``person`` a new profile photo (a new id, as Telegram does), or remove it."""
    person.photo = tl.UserProfilePhoto(photo_id=photo_id, dc_id=2) if photo_id else None


@functools.lru_cache(maxsize=256)
def photo_bytes(photo_id: int) -> bytes:
    """The JPEG Telegram serves for profile photo ``photo_id`` (160×160, one colour per
    id, so a changed photo is a different image)."""
    colour = (photo_id * 67 % 256, photo_id * 131 % 256, photo_id * 29 % 256)
    out = io.BytesIO()
    Image.new("RGB", (160, 160), colour).save(out, format="JPEG", quality=90)
    return out.getvalue()


def voice() -> tl.MessageMediaDocument:
    return _document([tl.DocumentAttributeAudio(duration=7, voice=True)], "audio/ogg", voice=True)


def sticker() -> tl.MessageMediaDocument:
    return _document(
        [
            tl.DocumentAttributeImageSize(w=512, h=512),
            tl.DocumentAttributeSticker(alt="👍", stickerset=tl.InputStickerSetEmpty()),
        ],
        "image/webp",
    )


def video() -> tl.MessageMediaDocument:
    return _document(
        [tl.DocumentAttributeVideo(duration=3.0, w=640, h=480)], "video/mp4", video=True
    )


def file(name: str) -> tl.MessageMediaDocument:
    return _document([tl.DocumentAttributeFilename(file_name=name)], "application/pdf")


def photo() -> tl.MessageMediaPhoto:
    return tl.MessageMediaPhoto(
        photo=tl.Photo(
            id=1,
            access_hash=2,
            file_reference=b"",
            date=datetime(2026, 1, 1, tzinfo=UTC),
            sizes=[tl.PhotoSize(type="x", w=800, h=600, size=1000)],
            dc_id=2,
        )
    )


def _document(attributes: list[Any], mime: str, **flags: Any) -> tl.MessageMediaDocument:
    return tl.MessageMediaDocument(
        document=tl.Document(
            id=1,
            access_hash=2,
            file_reference=b"",
            date=datetime(2026, 1, 1, tzinfo=UTC),
            mime_type=mime,
            size=1000,
            dc_id=2,
            attributes=attributes,
        ),
        **flags,
    )


@dataclass
class Chat:
    """A 1:1 chat with ``peer``: messages in id order, and how far the peer has read."""

    peer: tl.User
    messages: list[tl.Message] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    read_outbox_max_id: int = 0


@dataclass
class Group:
    entity: tl.Chat | tl.Channel
    members: list[tl.User]


@dataclass
class Account:
    """One Telegram account of the fake world."""

    me: tl.User
    phone: str
    password: str | None = None
    chats: dict[int, Chat] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    others: list[tuple[tl.Dialog, Any]] = field(default_factory=list)
    bios: dict[int, str | None] = field(default_factory=dict)
    next_id: int = 1


class FakeTelegram:
    """The world: accounts, their chats and groups, login codes, sessions, and the
    knobs tests turn (errors to raise, a pause, the calls made)."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # phone_code_hash -> (phone, code)
        self.expired_hashes: set[str] = set()
        self.sessions: dict[str, str] = {}  # authorised session -> phone
        self.partial: dict[str, str] = {}  # partial session -> phone
        self.awaiting_password: set[str] = set()
        self.failures: dict[str, list[BaseException]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.pause: tuple[str, int, Callable[[], None]] | None = None
        self.logged_out: list[str] = []
        self.sent_codes: list[str] = []
        self.demo = False
        self._counter = 0
        self._lock = threading.Lock()
        self.base_time = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    # --- building ----------------------------------------------------------------------

    def add_account(
        self, phone: str, me_id: int = 1000, *, first: str = "Me", password: str | None = None
    ) -> Account:
        account = Account(me=user(me_id, first, is_self=True, phone=phone.lstrip("+")), phone=phone)
        account.password = password
        self.accounts[phone] = account
        return account

    def session_for(self, phone: str) -> str:
        """An authorised session of ``phone`` (as a finished login leaves it)."""
        session = f"fake-session:{phone}"
        self.sessions[session] = phone
        return session

    def add_chat(self, phone: str, peer: tl.User, *, read_outbox_max_id: int = 0) -> Chat:
        chat = Chat(peer=peer, read_outbox_max_id=read_outbox_max_id)
        self.accounts[phone].chats[peer.id] = chat
        return chat

    def add_message(
        self,
        phone: str,
        peer_id: int,
        text: str | None = "",
        *,
        out: bool = False,
        media: Any = None,
        at: datetime | None = None,
    ) -> tl.Message:
        account = self.accounts[phone]
        chat = account.chats[peer_id]
        message_id = account.next_id
        account.next_id += 1
        message = tl.Message(
            id=message_id,
            peer_id=tl.PeerUser(user_id=peer_id),
            date=at or self.base_time + timedelta(minutes=message_id),
            message=text or "",
            out=out,
            from_id=tl.PeerUser(user_id=account.me.id) if out else None,
            media=media,
        )
        chat.messages.append(message)
        chat.ids.append(message_id)
        return message

    def add_messages(self, phone: str, peer_id: int, count: int, *, every_out: int = 3) -> None:
        """``count`` text messages, every ``every_out``-th one sent by the user."""
        for i in range(count):
            self.add_message(phone, peer_id, f"message {i}", out=i % every_out == 0)

    def add_group(
        self,
        phone: str,
        group_id: int,
        title: str,
        members: list[tl.User],
        *,
        megagroup: bool = False,
    ) -> Group:
        if megagroup:
            entity: tl.Chat | tl.Channel = tl.Channel(
                id=group_id,
                title=title,
                photo=tl.ChatPhotoEmpty(),
                date=self.base_time,
                megagroup=True,
                access_hash=group_id * 3,
                participants_count=len(members) + 1,
            )
        else:
            entity = tl.Chat(
                id=group_id,
                title=title,
                photo=tl.ChatPhotoEmpty(),
                participants_count=len(members) + 1,
                date=self.base_time,
                version=1,
            )
        group = Group(entity, members)
        self.accounts[phone].groups.append(group)
        return group

    def add_other_dialog(self, phone: str, entity: Any, top_message: int = 5) -> None:
        """A dialog that is not a 1:1 chat with a person (bot, channel, Saved Messages)."""
        if isinstance(entity, tl.User):
            peer: Any = tl.PeerUser(user_id=entity.id)
        elif isinstance(entity, tl.Channel):
            peer = tl.PeerChannel(channel_id=entity.id)
        else:
            peer = tl.PeerChat(chat_id=entity.id)
        self.accounts[phone].others.append((_dialog(peer, top_message, 0), entity))

    def fail(self, method: str, error: BaseException, times: int = 1) -> None:
        """Raise ``error`` on the next ``times`` calls of ``method``."""
        self.failures.setdefault(method, []).extend([error] * times)

    def pause_at(self, method: str, nth: int, action: Callable[[], None]) -> None:
        """Run ``action`` (block, kill …) before the ``nth`` call of ``method``."""
        self.pause = (method, nth, action)

    # --- serving -----------------------------------------------------------------------

    def _call(self, method: str, detail: Any = None) -> None:
        with self._lock:
            self.calls.append((method, detail))
            count = sum(1 for m, _ in self.calls if m == method)
        if self.pause and self.pause[0] == method and self.pause[1] == count:
            self.pause[2]()
        queue = self.failures.get(method)
        if queue:
            raise queue.pop(0)

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    def account_of(self, session: str) -> Account:
        phone = self.sessions.get(session)
        if phone is None and self.demo and session.startswith("fake-session:"):
            phone = session.split(":", 1)[1]
            self._demo_account(phone)
            self.sessions[session] = phone
        if phone is None or phone not in self.accounts:
            raise errors.AuthKeyUnregisteredError(request=None)
        return self.accounts[phone]

    def _demo_account(self, phone: str) -> Account:
        if phone in self.accounts:
            return self.accounts[phone]
        account = self.add_account(
            phone, 1000, first="Demo", password=DEMO_PASSWORD if phone.endswith("9") else None
        )
        people = [
            user(2001, "Ada", "Lovelace", username="ada", photo=True),
            user(2002, "Grace", "Hopper", phone="447700900222"),
            user(2003, "Alan", "Turing", username="alan_t"),
        ]
        for person in people:
            self.add_chat(phone, person, read_outbox_max_id=0)
        for i in range(30):
            person = people[i % 3]
            self.add_message(phone, person.id, f"Hello {i}", out=i % 2 == 0)
        self.add_message(phone, 2001, "", media=photo())
        self.add_message(phone, 2002, "", media=voice(), out=True)
        for chat in account.chats.values():
            chat.read_outbox_max_id = account.next_id - 3
        self.add_group(
            phone, 5001, "Demo group", [*people, user(2004, "Linus", "T", username="linus")]
        )
        self.add_other_dialog(phone, user(3001, "Some", "Bot", bot=True, username="somebot"))
        return account

    def new_code(self, phone: str) -> SentCode:
        with self._lock:
            self._counter += 1
            number = self._counter
        phone_code_hash = f"hash{number:04d}"
        code = DEMO_CODE
        self.codes[phone_code_hash] = (phone, code)
        partial = f"fake-partial:{number}"
        self.partial[partial] = phone
        self.sent_codes.append(phone)
        return SentCode(partial, phone_code_hash)

    @classmethod
    def from_spec(cls, path: str) -> FakeTelegram:
        """A world from a JSON spec: ``{"phone", "me_id", "chats": [{"id", "first",
        "username", "messages"}], "pause": {"method", "nth", "fifo"}}`` (the kill test
        runs ``pingcrm sync`` against it in a child process)."""
        with open(path) as handle:
            spec = json.load(handle)
        world = cls()
        phone = spec["phone"]
        world.add_account(phone, int(spec.get("me_id", 1000)))
        world.session_for(phone)
        for chat in spec.get("chats", []):
            peer = user(int(chat["id"]), chat.get("first"), username=chat.get("username"))
            world.add_chat(phone, peer, read_outbox_max_id=int(chat.get("read", 0)))
            world.add_messages(phone, peer.id, int(chat["messages"]))
        pause = spec.get("pause")
        if pause:
            fifo = pause["fifo"]

            def block() -> None:
                with open(fifo, "w") as pipe:  # tells the test where we are
                    pipe.write("paused\n")
                threading.Event().wait()  # until the test kills this process

            world.pause_at(pause["method"], int(pause["nth"]), block)
        return world


def _dialog(peer: Any, top: int, read_outbox: int) -> tl.Dialog:
    return tl.Dialog(
        peer=peer,
        top_message=top,
        read_inbox_max_id=top,
        read_outbox_max_id=read_outbox,
        unread_count=0,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=tl.PeerNotifySettings(),
    )


_WORLD: FakeTelegram | None = None


def current_world() -> FakeTelegram:
    global _WORLD
    if _WORLD is None:
        spec = os.environ.get("PINGCRM_TELEGRAM_FAKE_WORLD")
        if spec:
            _WORLD = FakeTelegram.from_spec(spec)
        else:
            _WORLD = FakeTelegram()
            _WORLD.demo = True
    return _WORLD


@contextmanager
def use_world(world: FakeTelegram) -> Iterator[FakeTelegram]:
    """Serve ``world`` to every FakeGateway while the block runs (the test hook)."""
    global _WORLD
    previous, _WORLD = _WORLD, world
    try:
        yield world
    finally:
        _WORLD = previous


class FakeGateway:
    """The gateway over the current fake world."""

    def __init__(self, settings: Any = None) -> None:
        self.world = current_world()

    def send_code(self, phone: str) -> SentCode:
        world = self.world
        world._call("send_code", phone)
        digits = phone.lstrip("+")
        if not digits.isdigit() or len(digits) < 8 or digits.startswith("0"):
            raise errors.PhoneNumberInvalidError(request=None)
        if phone not in world.accounts:
            if not world.demo:
                raise errors.PhoneNumberInvalidError(request=None)
            world._demo_account(phone)
        return world.new_code(phone)

    def sign_in(self, session: str, phone: str, code: str, phone_code_hash: str) -> str:
        world = self.world
        world._call("sign_in", phone)
        if world.partial.get(session) != phone:
            raise errors.AuthKeyUnregisteredError(request=None)
        if phone_code_hash in world.expired_hashes:
            raise errors.PhoneCodeExpiredError(request=None)
        expected = world.codes.get(phone_code_hash)
        if expected is None or expected[0] != phone:
            raise errors.PhoneCodeExpiredError(request=None)
        if code != expected[1]:
            raise errors.PhoneCodeInvalidError(request=None)
        if world.accounts[phone].password:
            world.awaiting_password.add(session)
            raise errors.SessionPasswordNeededError(request=None)
        return world.session_for(phone)

    def check_password(self, session: str, password: str) -> str:
        world = self.world
        world._call("check_password")
        phone = world.partial.get(session)
        if phone is None or session not in world.awaiting_password:
            raise errors.AuthKeyUnregisteredError(request=None)
        if password != world.accounts[phone].password:
            raise errors.PasswordHashInvalidError(request=None)
        return world.session_for(phone)

    @contextmanager
    def connect(self, session: str) -> Iterator[FakeConnection]:
        self.world._call("connect")
        account = self.world.account_of(session)
        yield FakeConnection(self.world, account, session)


class FakeConnection:
    def __init__(self, world: FakeTelegram, account: Account, session: str) -> None:
        self.world = world
        self.account = account
        self.session = session

    def _live(self) -> None:
        if self.session not in self.world.sessions:
            raise errors.AuthKeyUnregisteredError(request=None)

    def me(self) -> tl.User:
        self.world._call("me")
        self._live()
        return self.account.me

    def dialogs(self) -> list[tuple[tl.Dialog, Any]]:
        self.world._call("dialogs")
        self._live()
        result: list[tuple[tl.Dialog, Any]] = []
        for chat in self.account.chats.values():
            top = chat.ids[-1] if chat.ids else 0
            result.append(
                (
                    _dialog(tl.PeerUser(user_id=chat.peer.id), top, chat.read_outbox_max_id),
                    chat.peer,
                )
            )
        for group in self.account.groups:
            entity = group.entity
            peer: Any = (
                tl.PeerChannel(channel_id=entity.id)
                if isinstance(entity, tl.Channel)
                else tl.PeerChat(chat_id=entity.id)
            )
            result.append((_dialog(peer, 1, 0), entity))
        result.extend(self.account.others)
        return result

    def messages(self, peer: tl.InputPeerUser, *, min_id: int, limit: int) -> list[tl.Message]:
        self.world._call("messages", (peer.user_id, min_id))
        self._live()
        chat = self.account.chats.get(peer.user_id)
        if chat is None or peer.access_hash != chat.peer.access_hash:
            raise errors.PeerIdInvalidError(request=None)
        start = bisect.bisect_right(chat.ids, min_id)
        return chat.messages[start : start + limit]

    def participants(self, chat: Any, *, limit: int) -> list[tl.User]:
        self.world._call("participants", chat.id)
        self._live()
        for group in self.account.groups:
            if group.entity.id == chat.id:
                return [self.account.me, *group.members][:limit]
        raise errors.ChatIdInvalidError(request=None)

    def about(self, peer: tl.InputUser) -> str | None:
        self.world._call("about", peer.user_id)
        self._live()
        return self.account.bios.get(peer.user_id)

    def profile_photo(self, user: tl.User) -> bytes | None:
        self.world._call("profile_photo", user.id)
        self._live()
        photo = getattr(user, "photo", None)
        if isinstance(photo, tl.UserProfilePhoto):
            return photo_bytes(int(photo.photo_id))
        return None

    def send(self, peer: tl.InputPeerUser, text: str) -> tl.Message:
        self.world._call("send", peer.user_id)
        self._live()
        chat = self.account.chats.get(peer.user_id)
        if chat is None or peer.access_hash != chat.peer.access_hash:
            raise errors.PeerIdInvalidError(request=None)
        return self.world.add_message(self.account.phone, peer.user_id, text, out=True)

    def log_out(self) -> None:
        self.world._call("log_out")
        self.world.sessions.pop(self.session, None)
        self.world.logged_out.append(self.session)

    def session_string(self) -> str:
        return self.session
