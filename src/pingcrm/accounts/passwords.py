"""Password hashing with Argon2 (pwdlib)."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    """Argon2 hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    return _hasher.verify(password, password_hash)


# A real hash to verify against when the account does not exist, so that a failed login
# takes as long for an unknown email as for a wrong password.
DUMMY_HASH = hash_password("pingcrm-timing-equaliser")
