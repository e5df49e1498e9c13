"""oauth_states: a pending OAuth authorization (state + PKCE verifier), server-side.

The browser only carries ``state``; the verifier never leaves the server. A row lives a
few minutes and is deleted when the callback consumes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pingcrm.models.base import Base
from pingcrm.models.mixins import OwnedByUser, Timestamps


class OAuthState(OwnedByUser, Timestamps, Base):
    __tablename__ = "oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the state sent to the provider, hex.
    state_digest: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    # Fernet token of the PKCE code verifier.
    verifier_encrypted: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
