"""The one door to Telegram: a thin synchronous wrapper around Telethon.

This is the only module that imports Telethon at runtime. It hands back Telethon's own
TL objects (``types.User``, ``types.Message``, ``types.Dialog`` …) and lets Telethon's
errors through unchanged; ``mapping`` and ``errors`` read both through the names
re-exported here (``tl``, ``rpc_errors``). Telethon is imported on first use of either
or of a connection: it takes about 25 MB, which a web process whose users never connect
Telegram does not need. Telethon is asyncio: every connection runs
its own event loop in the calling thread (a job thread or a plain ``def`` route), so
nothing here ever blocks an async route.

A different gateway (the fake of the tests, the standalone fake mode) is chosen by the
``telegram_gateway`` setting; it must offer the same methods.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pingcrm.config import Settings
from pingcrm.errors import ValidationFailed

if TYPE_CHECKING:
    from telethon import TelegramClient
    from telethon import errors as rpc_errors
    from telethon.tl import types as tl


class _ImportedOnFirstUse:
    """Stands for the module ``name``, imported when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


if not TYPE_CHECKING:
    rpc_errors = _ImportedOnFirstUse("telethon.errors")
    tl = _ImportedOnFirstUse("telethon.tl.types")

__all__ = [
    "Connection",
    "Gateway",
    "SentCode",
    "TelethonGateway",
    "gateway_for",
    "rpc_errors",
    "tl",
]


@dataclass(frozen=True)
class SentCode:
    """What ``send_code`` leaves for the next step: the partial session (its auth key)
    and the hash Telegram ties the code to."""

    session: str
    phone_code_hash: str


class Connection(Protocol):
    """An authorised session of one account (a context of :meth:`Gateway.connect`)."""

    def me(self) -> tl.User: ...

    def dialogs(self) -> Sequence[tuple[tl.Dialog, Any]]:
        """Every dialog (TL ``Dialog``) with its entity (``User``, ``Chat``, ``Channel``)."""
        ...

    def messages(self, peer: tl.InputPeerUser, *, min_id: int, limit: int) -> Sequence[tl.Message]:
        """Up to ``limit`` messages with an id above ``min_id``, oldest first."""
        ...

    def participants(self, chat: Any, *, limit: int) -> Sequence[tl.User]: ...

    def about(self, peer: tl.InputUser) -> str | None:
        """The user's bio (``UserFull.about``)."""
        ...

    def profile_photo(self, user: tl.User) -> bytes | None:
        """The small (160×160) current profile photo of ``user`` (the full ``User`` a
        dialog or participant list gave); None when it has none."""
        ...

    def send(self, peer: tl.InputPeerUser, text: str) -> tl.Message: ...

    def log_out(self) -> None: ...

    def session_string(self) -> str: ...


class Gateway(Protocol):
    """Login steps and authorised connections."""

    def send_code(self, phone: str) -> SentCode: ...

    def sign_in(self, session: str, phone: str, code: str, phone_code_hash: str) -> str:
        """The finished session; raises ``SessionPasswordNeededError`` when 2FA is on."""
        ...

    def check_password(self, session: str, password: str) -> str: ...

    def connect(self, session: str) -> Any:
        """A context manager yielding a :class:`Connection`."""
        ...


class TelethonGateway:
    """Telethon (MTProto) with the API id and hash of the settings."""

    def __init__(self, settings: Settings) -> None:
        if not settings.telegram_configured:
            raise ValidationFailed(
                "Telegram is not set up on this server: set PINGCRM_TELEGRAM_API_ID and "
                "PINGCRM_TELEGRAM_API_HASH (from https://my.telegram.org) and restart."
            )
        self.settings = settings

    def _client(self, session: str) -> TelegramClient:
        from telethon import TelegramClient
        from telethon.sessions import StringSession

        return TelegramClient(
            StringSession(session or None),
            self.settings.telegram_api_id,
            self.settings.telegram_api_hash,
            timeout=int(self.settings.telegram_timeout_seconds),
            flood_sleep_threshold=0,  # flood waits come back to us: the gate handles them
            receive_updates=False,
        )

    def _run(self, session: str, work: Any) -> Any:
        async def main() -> Any:
            client = self._client(session)
            await client.connect()
            try:
                return await work(client)
            finally:
                await client.disconnect()

        return asyncio.run(main())

    def send_code(self, phone: str) -> SentCode:
        async def work(client: TelegramClient) -> SentCode:
            sent = await client.send_code_request(phone)
            return SentCode(client.session.save(), sent.phone_code_hash)

        result: SentCode = self._run("", work)
        return result

    def sign_in(self, session: str, phone: str, code: str, phone_code_hash: str) -> str:
        async def work(client: TelegramClient) -> str:
            await client.sign_in(phone=phone, code=code, phone_code_hash=phone_code_hash)
            return str(client.session.save())

        result: str = self._run(session, work)
        return result

    def check_password(self, session: str, password: str) -> str:
        async def work(client: TelegramClient) -> str:
            await client.sign_in(password=password)
            return str(client.session.save())

        result: str = self._run(session, work)
        return result

    @contextmanager
    def connect(self, session: str) -> Iterator[Connection]:
        loop = asyncio.new_event_loop()
        client = self._client(session)
        try:
            loop.run_until_complete(client.connect())
            if not loop.run_until_complete(client.is_user_authorized()):
                raise rpc_errors.AuthKeyUnregisteredError(request=None)
            yield _TelethonConnection(client, loop)
        finally:
            try:
                loop.run_until_complete(client.disconnect())
            finally:
                loop.close()


class _TelethonConnection:
    def __init__(self, client: TelegramClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def _wait(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def me(self) -> tl.User:
        me: tl.User = self._wait(self.client.get_me())
        return me

    def dialogs(self) -> list[tuple[tl.Dialog, Any]]:
        async def collect() -> list[tuple[tl.Dialog, Any]]:
            return [(d.dialog, d.entity) async for d in self.client.iter_dialogs()]

        result: list[tuple[tl.Dialog, Any]] = self._wait(collect())
        return result

    def messages(self, peer: tl.InputPeerUser, *, min_id: int, limit: int) -> list[tl.Message]:
        async def collect() -> list[tl.Message]:
            return [
                m
                async for m in self.client.iter_messages(
                    peer, min_id=min_id, reverse=True, limit=limit
                )
            ]

        result: list[tl.Message] = self._wait(collect())
        return result

    def participants(self, chat: Any, *, limit: int) -> list[tl.User]:
        result: list[tl.User] = list(self._wait(self.client.get_participants(chat, limit=limit)))
        return result

    def about(self, peer: tl.InputUser) -> str | None:
        from telethon import functions

        full = self._wait(self.client(functions.users.GetFullUserRequest(peer)))
        about = getattr(full.full_user, "about", None)
        return str(about) if about else None

    def profile_photo(self, user: tl.User) -> bytes | None:
        data = self._wait(self.client.download_profile_photo(user, file=bytes, download_big=False))
        return data if isinstance(data, bytes) and data else None

    def send(self, peer: tl.InputPeerUser, text: str) -> tl.Message:
        message: tl.Message = self._wait(self.client.send_message(peer, text))
        return message

    def log_out(self) -> None:
        self._wait(self.client.log_out())

    def session_string(self) -> str:
        return str(self.client.session.save())


def gateway_for(settings: Settings) -> Gateway:
    """The gateway the ``telegram_gateway`` setting names ("module:attribute")."""
    module_name, _, attribute = settings.telegram_gateway.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    gateway: Gateway = factory(settings)
    return gateway
