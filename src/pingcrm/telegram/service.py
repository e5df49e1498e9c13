"""Telegram use cases: the three-step login, disconnect, the card's views and Sync
settings, 2nd-tier contacts, and sending a suggestion's draft.

The login keeps its state server-side between the HTTP requests (phone → code →
password): the partial session (its auth key) and the phone-code hash, encrypted, bound
to the signed-in user, usable for ``telegram_login_ttl_seconds`` (10 minutes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts.identifiers import normalize_identifier
from pingcrm.errors import NotFound, PingError, ValidationFailed
from pingcrm.interactions.service import NewInteraction, record_interactions
from pingcrm.kit.clock import utcnow
from pingcrm.kit.crypto import SecretBox
from pingcrm.models import (
    Direction,
    IdentifierKind,
    InteractionKind,
    OAuthState,
    Platform,
    PlatformAccount,
    Provider,
)
from pingcrm.platform_accounts import service as accounts
from pingcrm.suggestions import service as suggestions
from pingcrm.sync import rate_gate
from pingcrm.sync.badges import Badge, badge_for
from pingcrm.sync.errors import ProviderAuthError
from pingcrm.telegram import mapping, repository
from pingcrm.telegram.errors import (
    TelegramFloodWait,
    TelegramLoginError,
    flood_seconds,
    login_error,
    sync_error,
)
from pingcrm.telegram.gateway import gateway_for, rpc_errors
from pingcrm.telegram.settings import TelegramSyncSettings, store, sync_settings, validated
from pingcrm.telegram.sync import gate_factory

NOT_CONFIGURED = (
    "Telegram is not set up on this server: create an app at https://my.telegram.org "
    "(API development tools), then set PINGCRM_TELEGRAM_API_ID and "
    "PINGCRM_TELEGRAM_API_HASH and restart PingCRM."
)
STEP_CODE = "code"
STEP_PASSWORD = "password"


@dataclass(frozen=True)
class LoginState:
    """Where the user's login stands: no login, waiting for the code or the password."""

    step: str | None
    phone: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class TelegramView:
    """One account row of the Telegram card."""

    account: PlatformAccount
    badge: Badge
    prefs: TelegramSyncSettings
    auto_sync: bool
    last_synced_at: datetime | None


# --- login --------------------------------------------------------------------------


def _digest(user_id: int) -> str:
    return hashlib.sha256(f"telegram-login:{user_id}".encode()).hexdigest()


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.fernet_keys)


def _pending(
    session: Session, settings: Settings, user_id: int
) -> tuple[OAuthState, dict[str, Any]] | None:
    row = repository.pending_login(session, user_id, _digest(user_id))
    if row is None:
        return None
    if row.expires_at <= utcnow():
        repository.drop_pending_login(session, user_id, _digest(user_id))
        session.flush()
        return None
    return row, json.loads(_box(settings).decrypt(row.verifier_encrypted))


def _save_pending(
    session: Session, settings: Settings, user_id: int, data: dict[str, Any]
) -> OAuthState:
    row = repository.pending_login(session, user_id, _digest(user_id))
    token = _box(settings).encrypt(json.dumps(data))
    expires = utcnow() + timedelta(seconds=settings.telegram_login_ttl_seconds)
    if row is None:
        row = OAuthState(
            user_id=user_id,
            state_digest=_digest(user_id),
            provider="telegram",
            verifier_encrypted=token,
            expires_at=expires,
        )
        session.add(row)
    else:
        row.verifier_encrypted = token
        if data.get("step") == STEP_CODE:
            row.expires_at = expires
    session.flush()
    return row


def login_state(session: Session, settings: Settings, user_id: int) -> LoginState:
    found = _pending(session, settings, user_id)
    if found is None:
        return LoginState(None)
    row, data = found
    return LoginState(str(data.get("step")), str(data.get("phone")), row.expires_at)


def _require_configured(settings: Settings) -> None:
    if not settings.telegram_configured:
        raise TelegramLoginError(NOT_CONFIGURED, details={"field": "phone"})


def _translate(exc: Exception) -> PingError:
    mapped = login_error(exc)
    if mapped is None:
        raise exc
    return mapped


def start_login(session: Session, settings: Settings, user_id: int, phone: str) -> LoginState:
    """Step 1: ask Telegram to send a login code to the Telegram app of ``phone``."""
    _require_configured(settings)
    normalized = normalize_identifier(IdentifierKind.PHONE, (phone or "").strip())
    if not normalized or not normalized.startswith("+"):
        raise TelegramLoginError(
            "Enter your phone number in international format, for example +44 7700 900123.",
            details={"field": "phone"},
        )
    try:
        sent = gateway_for(settings).send_code(normalized)
    except PingError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc
    row = _save_pending(
        session,
        settings,
        user_id,
        {
            "step": STEP_CODE,
            "phone": normalized,
            "session": sent.session,
            "phone_code_hash": sent.phone_code_hash,
        },
    )
    return LoginState(STEP_CODE, normalized, row.expires_at)


def _need_pending(
    session: Session, settings: Settings, user_id: int, step: str
) -> tuple[OAuthState, dict[str, Any]]:
    found = _pending(session, settings, user_id)
    if found is None:
        raise TelegramLoginError(
            "This login has expired (codes are valid for 10 minutes): enter your phone "
            "number again to get a new code.",
            details={"field": "phone"},
        )
    if found[1].get("step") != step:
        field = "password" if found[1].get("step") == STEP_PASSWORD else "code"
        raise TelegramLoginError(
            "Telegram is waiting for your password."
            if field == "password"
            else "Telegram is waiting for the login code.",
            details={"field": field},
        )
    return found


def submit_code(
    session: Session, settings: Settings, user_id: int, code: str
) -> tuple[LoginState, PlatformAccount | None]:
    """Step 2: the code from the Telegram app. Returns the password step when the
    account has two-step verification, else the connected account."""
    _require_configured(settings)
    code = "".join((code or "").split())
    if not code.isdigit():
        raise TelegramLoginError(
            "Enter the login code Telegram sent to your Telegram app (digits only).",
            details={"field": "code"},
        )
    row, data = _need_pending(session, settings, user_id, STEP_CODE)
    try:
        finished = gateway_for(settings).sign_in(
            data["session"], data["phone"], code, data["phone_code_hash"]
        )
    except rpc_errors.SessionPasswordNeededError:
        row = _save_pending(session, settings, user_id, {**data, "step": STEP_PASSWORD})
        return LoginState(STEP_PASSWORD, data["phone"], row.expires_at), None
    except PingError:
        raise
    except Exception as exc:
        if isinstance(exc, rpc_errors.PhoneCodeExpiredError):
            repository.drop_pending_login(session, user_id, _digest(user_id))
        raise _translate(exc) from exc
    account = _finish(session, settings, user_id, data["phone"], finished)
    return LoginState(None), account


def submit_password(
    session: Session, settings: Settings, user_id: int, password: str
) -> PlatformAccount:
    """Step 3 (two-step verification on): the cloud password."""
    _require_configured(settings)
    if not password:
        raise TelegramLoginError(
            "Enter your Telegram two-step verification password.",
            details={"field": "password"},
        )
    _row, data = _need_pending(session, settings, user_id, STEP_PASSWORD)
    try:
        finished = gateway_for(settings).check_password(data["session"], password)
    except PingError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc
    return _finish(session, settings, user_id, data["phone"], finished)


def cancel_login(session: Session, user_id: int) -> None:
    repository.drop_pending_login(session, user_id, _digest(user_id))
    session.flush()


def _finish(
    session: Session, settings: Settings, user_id: int, phone: str, string_session: str
) -> PlatformAccount:
    try:
        with gateway_for(settings).connect(string_session) as conn:
            me = conn.me()
            string_session = conn.session_string() or string_session
    except PingError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc
    name = mapping.full_name(me)
    display = f"{name} (@{me.username})" if me.username else name
    account = accounts.connect(
        session,
        settings,
        user_id=user_id,
        provider=Provider.TELEGRAM,
        external_id=phone,
        credentials={"session": string_session, "me_id": int(me.id)},
        display_name=display,
    )
    repository.drop_pending_login(session, user_id, _digest(user_id))
    session.flush()
    return account


# --- accounts -----------------------------------------------------------------------


def telegram_account(session: Session, user_id: int, account_id: int) -> PlatformAccount:
    account = accounts.get_account(session, user_id, account_id)
    if account.provider is not Provider.TELEGRAM:
        raise NotFound("This Telegram account does not exist.")
    return account


def list_views(session: Session, user_id: int) -> list[TelegramView]:
    return [
        TelegramView(
            account=a,
            badge=badge_for(a),
            prefs=sync_settings(a),
            auto_sync=accounts.auto_sync_enabled(a),
            last_synced_at=a.last_synced_at,
        )
        for a in accounts.list_accounts(session, user_id, Provider.TELEGRAM)
    ]


def disconnect(
    session: Session, settings: Settings, user_id: int, account_id: int
) -> PlatformAccount:
    """Log the session out at Telegram (best effort: a session Telegram already ended is
    fine) and forget it; the synced interactions stay."""
    account = telegram_account(session, user_id, account_id)
    credentials = accounts.read_credentials(settings, account)
    if credentials.get("session") and settings.telegram_configured:
        try:
            with gateway_for(settings).connect(str(credentials["session"])) as conn:
                conn.log_out()
        except Exception as exc:
            if login_error(exc) is None and sync_error(exc) is None:
                raise
    accounts.disconnect(account)
    session.flush()
    return account


def update_sync_settings(
    session: Session,
    user_id: int,
    account_id: int,
    *,
    auto_sync: bool,
    schedule: str,
    second_tier: bool,
    group_size_limit: str | int,
) -> PlatformAccount:
    telegram_account(session, user_id, account_id)  # 404 before anything else
    prefs = validated(schedule, second_tier, group_size_limit)
    account = accounts.set_auto_sync(session, user_id, account_id, auto_sync)
    store(account, prefs)
    session.flush()
    return account


def second_tier_count(session: Session, user_id: int) -> int:
    return repository.count_second_tier(session, user_id)


def delete_second_tier(session: Session, user_id: int) -> int:
    """Delete every 2nd-tier contact (people known only from groups); the count."""
    deleted = repository.delete_second_tier(session, user_id)
    session.flush()
    return deleted


# --- send ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SentMessage:
    account: PlatformAccount
    contact_id: int
    provider_id: str


def sendable_contact_ids(session: Session, user_id: int, contact_ids: list[int]) -> set[int]:
    """Which of these contacts "Send on Telegram" can reach: a connected Telegram account
    has a chat (or a shared group) with them."""
    if not contact_ids:
        return set()
    return repository.reachable_contact_ids(session, user_id, contact_ids)


def _target(session: Session, user_id: int, contact_id: int) -> tuple[PlatformAccount, int, int]:
    peer_ids = repository.telegram_ids_of(session, user_id, contact_id)
    for account in accounts.list_accounts(session, user_id, Provider.TELEGRAM):
        if not account.credentials_encrypted:
            continue
        for peer_id in peer_ids:
            access_hash = repository.peer_hash(session, user_id, account.id, peer_id)
            if access_hash is not None:
                return account, peer_id, access_hash
    raise ValidationFailed(
        "This person cannot be messaged on Telegram from PingCRM: connect Telegram and "
        "sync chats first (only people you have a chat or a group with can be reached).",
        details={"field": "channel"},
    )


def send_suggestion(
    session: Session, settings: Settings, user_id: int, suggestion_id: int
) -> SentMessage:
    """Send the suggestion's draft as a Telegram message; it becomes the interaction
    the next sync would have recorded (same key: no duplicate) and the suggestion is
    done."""
    suggestion = suggestions.get_suggestion(session, user_id, suggestion_id)
    text = (suggestion.message or "").strip()
    if not text:
        raise ValidationFailed("The draft is empty: write a message first.")
    account, peer_id, access_hash = _target(session, user_id, suggestion.contact_id)
    factory = gate_factory(session)
    wait = rate_gate.wait_seconds(factory, account.id)
    if wait > 0:
        raise TelegramFloodWait(int(wait) + 1)
    credentials = accounts.read_credentials(settings, account)
    me_id = int(credentials.get("me_id") or 0)
    try:
        with gateway_for(settings).connect(str(credentials.get("session") or "")) as conn:
            if not me_id:
                me_id = int(conn.me().id)
            sent = conn.send(tl_peer(peer_id, access_hash), text)
    except PingError:
        raise
    except Exception as exc:
        seconds = flood_seconds(exc)
        if seconds is not None:
            rate_gate.close_for(factory, account.id, seconds)
            raise TelegramFloodWait(seconds) from exc
        mapped = sync_error(exc)
        if isinstance(mapped, ProviderAuthError):
            accounts.mark_failure(account, str(mapped), auth=True)
            session.commit()  # the badge shows Error even though this request fails
            raise ValidationFailed(
                f"{mapped} Reconnect Telegram in Settings, then send again."
            ) from exc
        if mapped is not None:
            raise ValidationFailed(f"{mapped} Nothing was sent; try again.") from exc
        raise
    key = mapping.provider_id(me_id, peer_id, int(sent.id))
    record_interactions(
        session,
        user_id,
        [
            NewInteraction(
                contact_id=suggestion.contact_id,
                platform=Platform.TELEGRAM,
                kind=InteractionKind.MESSAGE,
                direction=Direction.OUTBOUND,
                occurred_at=mapping.occurred_at(sent),
                provider_id=key,
                preview=mapping.preview(sent),
                thread_id=mapping.thread_id(me_id, peer_id),
                platform_account_id=account.id,
                is_read=False,
            )
        ],
    )
    suggestions.mark_done(session, user_id, suggestion_id)
    return SentMessage(account, suggestion.contact_id, key)


def tl_peer(peer_id: int, access_hash: int) -> Any:
    return mapping.tl.InputPeerUser(user_id=peer_id, access_hash=access_hash)
