"""Telethon TL objects → what PingCRM records (pure functions, no I/O).

The objects come from the gateway (Telethon's own ``types.User``, ``types.Message``,
``types.Dialog``, ``types.Channel``, ``types.Chat``), real or fake alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pingcrm.contacts.ingest import ContactInput
from pingcrm.models import Direction, IdentifierKind
from pingcrm.telegram.gateway import tl

# Telegram's official service account (login codes): never a contact.
SERVICE_USER_IDS = frozenset({777000, 42777})
PREVIEW_LIMIT = 500


@dataclass(frozen=True)
class ChatMessage:
    """One message of a 1:1 chat, as an interaction."""

    id: int
    occurred_at: datetime
    direction: Direction
    preview: str


def is_real_user(entity: Any, *, me_id: int | None = None) -> bool:
    """A person one can talk to: not a bot, a deleted account, Telegram's service
    notifications, support, or the user's own Saved Messages."""
    if not isinstance(entity, tl.User):
        return False
    if entity.bot or entity.deleted or entity.is_self or entity.support:
        return False
    if me_id is not None and entity.id == me_id:
        return False
    return entity.id not in SERVICE_USER_IDS


def input_peer(user: tl.User) -> tl.InputPeerUser:
    """The address of ``user`` for this session."""
    return tl.InputPeerUser(user_id=user.id, access_hash=user.access_hash or 0)


def input_user(peer_id: int, access_hash: int) -> tl.InputUser:
    return tl.InputUser(user_id=peer_id, access_hash=access_hash)


def full_name(user: tl.User) -> str:
    name = " ".join(p for p in (user.first_name, user.last_name) if p and p.strip())
    return name or (f"@{user.username}" if user.username else f"Telegram user {user.id}")


def photo_id(user: tl.User) -> int | None:
    """The id of the user's current profile photo (it changes with the photo); None when
    the user has none (or hides it from this account)."""
    photo = getattr(user, "photo", None)
    if isinstance(photo, tl.UserProfilePhoto) and photo.photo_id:
        return int(photo.photo_id)
    return None


def contact_input(user: tl.User, *, bio: str | None = None) -> ContactInput:
    """The person ``user`` for the shared contact ingest."""
    identifiers: list[tuple[IdentifierKind, str, str | None]] = [
        (IdentifierKind.TELEGRAM_ID, str(user.id), None)
    ]
    if user.username:
        identifiers.append((IdentifierKind.TELEGRAM_USERNAME, user.username, None))
    if user.phone:
        phone = user.phone if user.phone.startswith("+") else f"+{user.phone}"
        identifiers.append((IdentifierKind.PHONE, phone, "telegram"))
    return ContactInput(
        full_name=full_name(user),
        given_name=user.first_name or None,
        family_name=user.last_name or None,
        telegram_bio=bio,
        identifiers=identifiers,
    )


def _document_label(document: Any) -> str:
    attributes = list(getattr(document, "attributes", None) or [])
    for attribute in attributes:
        if isinstance(attribute, tl.DocumentAttributeSticker):
            return "[Sticker]"
        if isinstance(attribute, tl.DocumentAttributeAudio):
            return "[Voice message]" if attribute.voice else "[Audio]"
        if isinstance(attribute, tl.DocumentAttributeVideo):
            return "[Video message]" if attribute.round_message else "[Video]"
        if isinstance(attribute, tl.DocumentAttributeAnimated):
            return "[GIF]"
    for attribute in attributes:
        if isinstance(attribute, tl.DocumentAttributeFilename):
            return f"[File: {attribute.file_name}]"
    return "[File]"


def media_label(media: Any) -> str | None:
    """The label of a message's media ([Photo], [Voice message], [Sticker] …)."""
    if media is None:
        return None
    if isinstance(media, tl.MessageMediaPhoto):
        return "[Photo]"
    if isinstance(media, tl.MessageMediaDocument):
        return _document_label(media.document)
    if isinstance(media, tl.MessageMediaGeo | tl.MessageMediaGeoLive | tl.MessageMediaVenue):
        return "[Location]"
    if isinstance(media, tl.MessageMediaContact):
        return "[Contact]"
    if isinstance(media, tl.MessageMediaPoll):
        return "[Poll]"
    if isinstance(media, tl.MessageMediaWebPage):
        return None  # a link preview: the text carries the link
    if isinstance(media, tl.MessageMediaDice):
        return "[Dice]"
    if isinstance(media, tl.MessageMediaGame):
        return "[Game]"
    if isinstance(media, tl.MessageMediaInvoice):
        return "[Invoice]"
    return "[Media]"


def service_label(action: Any) -> str:
    if isinstance(action, tl.MessageActionPhoneCall):
        return "[Call]"
    return "[Service message]"


def preview(message: Any) -> str:
    """Text, a media label, or both ("[Photo] caption")."""
    if isinstance(message, tl.MessageService):
        return service_label(message.action)
    text = " ".join(str(getattr(message, "message", "") or "").split())
    label = media_label(getattr(message, "media", None))
    if label and text:
        text = f"{label} {text}"
    elif label:
        text = label
    return text[:PREVIEW_LIMIT]


def occurred_at(message: Any) -> datetime:
    date = message.date
    if date is None:
        return datetime.fromtimestamp(0, UTC)
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def chat_message(message: Any) -> ChatMessage | None:
    """A message (or call) of a 1:1 chat; None for things that are not one (empty)."""
    if isinstance(message, tl.MessageEmpty):
        return None
    return ChatMessage(
        id=int(message.id),
        occurred_at=occurred_at(message),
        direction=Direction.OUTBOUND if message.out else Direction.INBOUND,
        preview=preview(message),
    )


def provider_id(me_id: int, peer_id: int, message_id: int) -> str:
    """The dedup key of a message: the sync and Send build the same one. The message id is
    zero-padded so that ids of one chat compare as text (read receipts use it)."""
    return f"tg:{me_id}:{peer_id}:{message_id:012d}"


def thread_id(me_id: int, peer_id: int) -> str:
    return f"tg:{me_id}:{peer_id}"


def group_title(entity: Any) -> str | None:
    """The title of a group the user belongs to (basic group or megagroup); None for
    broadcast channels, users and groups the user left."""
    if isinstance(entity, tl.Chat):
        if entity.left or entity.deactivated or getattr(entity, "migrated_to", None):
            return None
        return str(entity.title)
    if isinstance(entity, tl.Channel):
        if entity.broadcast or entity.left:
            return None
        return str(entity.title)
    return None


def group_size(entity: Any) -> int | None:
    count = getattr(entity, "participants_count", None)
    return int(count) if count is not None else None
