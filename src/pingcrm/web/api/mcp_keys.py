"""``/api/v1/settings/mcp-key``: generate (shown once), status, revoke."""

from __future__ import annotations

from fastapi import APIRouter

from pingcrm.mcp import keys
from pingcrm.mcp.schemas import KeyRequest, KeyStatusOut, NewKey
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/settings/mcp-key", tags=["mcp"])


def _status(status: keys.KeyStatus) -> KeyStatusOut:
    return KeyStatusOut(
        active=status.active,
        allow_changes=status.allow_changes,
        created_at=status.created_at,
        last_used_at=status.last_used_at,
    )


@router.post("", summary="Generate a new MCP key (replaces the old one)")
def generate(
    body: KeyRequest, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[NewKey]:
    """The key is in this answer only; PingCRM keeps just its HMAC digest."""
    key = keys.generate_key(session, settings, user.id, allow_changes=body.allow_changes)
    return one(NewKey(key=key, allow_changes=body.allow_changes))


@router.get("", summary="Whether an MCP key is active")
def status(session: SessionDep, user: ApiUser) -> Envelope[KeyStatusOut]:
    return one(_status(keys.key_status(session, user.id)))


@router.delete("", summary="Revoke the MCP key now")
def revoke(session: SessionDep, user: ApiUser) -> Envelope[KeyStatusOut]:
    keys.revoke_key(session, user.id)
    return one(_status(keys.key_status(session, user.id)))
