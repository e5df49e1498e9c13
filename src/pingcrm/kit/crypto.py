"""Secrets at rest: MultiFernet encryption (rotation supported) and keyed digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from pingcrm.errors import PingError


class SecretBox:
    """Encrypts with the first key, decrypts with any (newest first)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        """Encrypt ``plaintext`` to a URL-safe token."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by :meth:`encrypt` with any configured key."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise PingError(
                "A stored secret could not be decrypted: was PINGCRM_ENCRYPTION_KEYS changed "
                "without keeping the old key?",
                code="secret_undecryptable",
                status_code=500,
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def keyed_digest(secret: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` keyed with ``secret``, hex encoded."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    """Compare two strings without leaking where they differ."""
    return hmac.compare_digest(a.encode(), b.encode())


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return secrets.token_urlsafe(nbytes)
