"""SQL of MCP access keys (only their HMAC digest is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from pingcrm.models import McpKey


def key_of_user(session: Session, user_id: int) -> McpKey | None:
    return session.execute(select(McpKey).where(McpKey.user_id == user_id)).scalar_one_or_none()


def key_by_digest(session: Session, digest: str) -> McpKey | None:
    return session.execute(select(McpKey).where(McpKey.digest == digest)).scalar_one_or_none()


def delete_key_of_user(session: Session, user_id: int) -> int:
    result = session.execute(delete(McpKey).where(McpKey.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def touch(session: Session, key_id: int, at: datetime) -> None:
    session.execute(update(McpKey).where(McpKey.id == key_id).values(last_used_at=at))
