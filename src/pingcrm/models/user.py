"""users: one row per PingCRM account."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import Timestamps


class User(Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on password change or logout-everywhere: old sessions and tokens stop working.
    token_version: Mapped[int] = mapped_column(default=1)
