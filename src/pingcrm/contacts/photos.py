"""Which stored avatar files a user may see, and the clean-up of the ones nobody shows.

A stored avatar is the file of the contact it was stored for
(``<data dir>/avatars/<user id>/<contact id>.jpg``, :mod:`pingcrm.contacts.avatars`), and
its URL names that contact. A merge can hand the photo to the surviving contact (the
survivor's ``avatar_url`` then names the absorbed contact's file, which Undo needs as it
was), so a file is shown while its contact exists *or* a contact of the user shows it.
Files of deleted contacts and accounts are removed by the daily ``avatars.prune`` job,
except those an open merge may still restore.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.contacts import avatars, repository

STORED_URL = re.compile(r"^/contacts/(\d+)/avatar(?:\?|$)")
# Files younger than this are left alone: a half-written ``<id>.tmp`` may still be being
# written, and a new ``<id>.jpg`` may belong to a contact whose sync has not committed.
# Older ``.tmp`` files are a crash's leftovers.
SETTLE_SECONDS = 3600


def stored_contact_id(url: str | None) -> int | None:
    """The contact whose stored file ``url`` shows (None for a provider's own URL)."""
    match = STORED_URL.match(url or "")
    return int(match.group(1)) if match else None


def can_show(session: Session, user_id: int, contact_id: int) -> bool:
    """Whether the avatar file of ``contact_id`` belongs on one of the user's pages: the
    contact is theirs, or one of their contacts shows its photo (after a merge)."""
    if repository.owned_ids(session, user_id, [contact_id]):
        return True
    shown = repository.stored_avatar_urls(session, user_id, f"/contacts/{int(contact_id)}/avatar")
    return any(stored_contact_id(url) == contact_id for url in shown)


def _kept_ids(session: Session, user_id: int, stored: Iterable[int]) -> set[int]:
    """Those of ``stored`` (contact ids with a file) whose file must stay: the contact
    exists, a contact shows it, or an open merge would restore the contact."""
    candidates = set(stored)
    kept = set(repository.owned_ids(session, user_id, sorted(candidates)))
    shown = repository.stored_avatar_urls(session, user_id, "/contacts/")
    kept.update(i for url in shown if (i := stored_contact_id(url)) is not None)
    kept.update(repository.restorable_absorbed_ids(session, user_id))
    return kept & candidates


@dataclass(frozen=True)
class PruneResult:
    """What the clean-up removed."""

    files: int
    accounts: int


def prune_avatar_files(session: Session, settings: Settings) -> PruneResult:
    """Remove the avatar files that no page can show any more: those of deleted accounts,
    and of deleted contacts that no contact shows and no open merge can restore (with
    crash leftovers of half-written files); files written in the last hour stay."""
    root = avatars.avatars_root(settings)
    if not root.is_dir():
        return PruneResult(0, 0)
    folders = {int(p.name): p for p in root.iterdir() if p.is_dir() and p.name.isdigit()}
    users = repository.existing_user_ids(session, list(folders))
    files = accounts = 0
    for user_id, folder in sorted(folders.items()):
        if user_id not in users:
            shutil.rmtree(folder, ignore_errors=True)
            accounts += 1
            continue
        cutoff = time.time() - SETTLE_SECONDS
        stored = {
            contact_id: path
            for contact_id, path in avatars.stored_files(folder).items()
            if path.stat().st_mtime < cutoff
        }
        kept = _kept_ids(session, user_id, stored)
        for contact_id, path in stored.items():
            if contact_id not in kept:
                path.unlink(missing_ok=True)
                files += 1
        for leftover in folder.glob("*.tmp"):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
    return PruneResult(files, accounts)
