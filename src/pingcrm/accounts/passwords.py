"""Password hashing with Argon2 (pwdlib), a bounded number at a time.

Each Argon2 hash or verification allocates its memory cost (64 MB with pwdlib's
defaults) for as long as it runs, and sign-ins run on the web server's thread pool: forty
at once would take 2.5 GB. :data:`SLOTS` lets at most ``PINGCRM_PASSWORD_HASH_CONCURRENCY``
of this process's hashes run together; the others wait their turn (on their worker
thread, never on the event loop) and then succeed as usual, unless the wait passes
``PINGCRM_PASSWORD_HASH_WAIT_SECONDS``: a flood of sign-ins then gets "busy, try again"
(:class:`ServerBusy`, 503) instead of holding every worker thread and database
connection of the server while it queues.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from pingcrm.errors import ServerBusy

_hasher = PasswordHash((Argon2Hasher(),))

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
DEFAULT_HASH_CONCURRENCY = 1
DEFAULT_HASH_WAIT_SECONDS = 10.0
BUSY = "The server is busy with other sign-ins. Try again in a few seconds."


class HashSlots:
    """At most ``limit`` password hashes of the process at once; the rest wait, in no
    particular order, at most ``wait_seconds`` each (a running hash always finishes)."""

    def __init__(self, limit: int, wait_seconds: float = DEFAULT_HASH_WAIT_SECONDS) -> None:
        self._changed = threading.Condition()
        self._limit = limit
        self._wait_seconds = wait_seconds
        self._running = 0

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def wait_seconds(self) -> float:
        return self._wait_seconds

    def set_limit(self, limit: int, wait_seconds: float | None = None) -> None:
        """Allow ``limit`` hashes at once from now on (hashes already running finish), and
        let a hash wait at most ``wait_seconds`` for its turn (unchanged when None)."""
        if limit < 1:
            raise ValueError("at least one password hash must be allowed to run")
        if wait_seconds is not None and wait_seconds <= 0:
            raise ValueError("a password hash must be allowed to wait for its turn")
        with self._changed:
            self._limit = limit
            if wait_seconds is not None:
                self._wait_seconds = wait_seconds
            self._changed.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the duration of the block; :class:`ServerBusy` when
        none frees up within the wait."""
        with self._changed:
            free = self._changed.wait_for(
                lambda: self._running < self._limit, timeout=self._wait_seconds
            )
            if not free:
                raise ServerBusy(BUSY, retry_after=max(1, round(self._wait_seconds)))
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify()


SLOTS = HashSlots(DEFAULT_HASH_CONCURRENCY)


def limit_concurrent_hashing(limit: int, wait_seconds: float | None = None) -> None:
    """Let at most ``limit`` password hashes of this process run at once, each waiting at
    most ``wait_seconds`` for its turn (the web app sets ``Settings.password_hash_*``)."""
    SLOTS.set_limit(limit, wait_seconds)


def hash_password(password: str) -> str:
    """Argon2 hash of ``password`` (waits for a free slot; :class:`ServerBusy` when the
    wait is too long)."""
    with SLOTS.slot():
        return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash`` (waits for a free slot;
    :class:`ServerBusy` when the wait is too long)."""
    with SLOTS.slot():
        return _hasher.verify(password, password_hash)


# A real hash to verify against when the account does not exist, so that a failed login
# takes as long for an unknown email as for a wrong password: of "pingcrm-timing-equaliser"
# with the hasher's parameters (a test keeps them equal), written out rather than
# computed at import, which cost every process a third of a second and 64 MB.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$8qarq9g5gxk8ivtur+igYQ"
    "$+bcwvzdgnXFKqi38Bblz8K1hCbihhNYsS5Toi8r3KuM"
)
