"""``/api/v1/extension/*``: pairing codes (the popup, no authentication), token refresh,
disconnect and status (the extension token). Contract: docs/linkedin.md."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, Field

from pingcrm.linkedin import pairing, service
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ExtensionUser, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/extension", tags=["extension"])


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class PairingIn(BaseModel):
    code: str = Field(max_length=32, description="PING-XXXXXX made by the popup")


class PairingOut(BaseModel):
    code: str
    expires_at: datetime


class PollOut(BaseModel):
    status: str
    expires_at: datetime
    token: str | None = None
    server_user: str | None = None


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class DisconnectOut(BaseModel):
    revoked: int


class StatusOut(BaseModel):
    user: str
    profiles_synced: int
    messages_synced: int
    last_sync_at: datetime | None
    status: str


@router.post("/pairings", status_code=status.HTTP_201_CREATED, summary="Register a pairing code")
def register_pairing(
    body: PairingIn, request: Request, session: SessionDep, settings: SettingsDep
) -> Envelope[PairingOut]:
    """The popup registers its code (idempotent while the code is pending)."""
    found = pairing.register_code(session, settings, body.code, _address(request))
    return one(PairingOut(code=found.code, expires_at=found.expires_at))


@router.get("/pairings/{code}", summary="Poll a pairing code", response_model_exclude_none=True)
def poll_pairing(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: str = Path(max_length=32),
) -> Envelope[PollOut]:
    """``pending``, then the token exactly once (``paired``), then 404."""
    result = pairing.poll_code(session, settings, code, _address(request))
    return one(
        PollOut(
            status=result.status,
            expires_at=result.expires_at,
            token=result.token,
            server_user=result.server_user,
        )
    )


@router.post("/refresh", summary="Exchange an (expired) extension token for a new one")
def refresh_token(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Envelope[TokenOut]:
    """``Authorization: Bearer <expired or valid extension token>``; the old one is retired."""
    authorization = request.headers.get("authorization", "")
    raw = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    if not raw:
        raise pairing.ReauthRequired("Send the extension token to refresh it.")
    token, expires_at = pairing.refresh(session, settings, raw)
    return one(TokenOut(token=token, expires_at=expires_at))


@router.post("/disconnect", summary="Revoke every token of this pairing")
def disconnect(
    request: Request, session: SessionDep, user: ExtensionUser
) -> Envelope[DisconnectOut]:
    revoked = pairing.disconnect_pairing(session, user.id, request.state.extension_token)
    return one(DisconnectOut(revoked=revoked))


@router.get("/status", summary="The extension's connection and sync counts")
def extension_status(
    session: SessionDep, settings: SettingsDep, user: ExtensionUser
) -> Envelope[StatusOut]:
    found = service.status(session, settings, user.id)
    return one(
        StatusOut(
            user=user.email,
            profiles_synced=found.profiles_synced,
            messages_synced=found.messages_synced,
            last_sync_at=found.last_sync_at,
            status=found.status,
        )
    )
