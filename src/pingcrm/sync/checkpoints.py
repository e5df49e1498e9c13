"""Checkpoints: where each sync of an account resumes (historyId, sync token, …).

Write a checkpoint in the same transaction as the rows it covers: a run killed at any
moment resumes from the last commit and creates no duplicates.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pingcrm.sync import repository


def load(session: Session, account_id: int, name: str) -> str | None:
    """The saved cursor ``name`` of the account, or None for a first (full) sync."""
    return repository.get_checkpoint(session, account_id, name)


def save(session: Session, account_id: int, name: str, cursor: str) -> None:
    """Save the cursor in the caller's transaction (commit it with the batch)."""
    repository.put_checkpoint(session, account_id, name, cursor)
