"""The counters of a sync or import run (also returned by the stores that write one page
of it), kept in ``sync_runs.counts``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Counts:
    """What a run did so far."""

    new_interactions: int = 0
    new_contacts: int = 0
    updated_contacts: int = 0
    skipped: int = 0
    errors: int = 0

    def add(self, other: Counts) -> None:
        self.new_interactions += other.new_interactions
        self.new_contacts += other.new_contacts
        self.updated_contacts += other.updated_contacts
        self.skipped += other.skipped
        self.errors += other.errors

    def as_dict(self) -> dict[str, int]:
        return {
            "new_interactions": self.new_interactions,
            "new_contacts": self.new_contacts,
            "updated_contacts": self.updated_contacts,
            "skipped": self.skipped,
            "errors": self.errors,
        }
