"""user_sessions: the signed-in browsers of an account, revocable server-side."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.kit.clock import utcnow
from pingcrm.models.base import Base


class UserSession(Base):
    """One signed-in browser: the session cookie carries ``id``; deleting the row signs
    that browser out (logout, "Sign out everywhere", password or email change)."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
