"""How often a full name occurs: first and last names go together.

People take their first and last names from one culture, so a full name repeats more
often than the product of its parts' frequencies says: two Brazilians named "Pedro Lucas
Jesus" are not rare among Brazilians, though each part is rare in a book of mostly
Americans. Two measures of the user's book, counted once per scan:

* the full names themselves: a name the book's other records hold is that common;
* the book's lift: how many times more often two records that are surely two people
  (two LinkedIn profiles, two Telegram or two X accounts) share a full name than
  independent first and last names would make them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Kinds of certain identifier a person has one of: two records holding different values
# are two people.
ONE_PER_PERSON = frozenset({"linkedin", "telegram_id", "twitter_id"})


def full_name_key(first: str, last: str) -> str:
    """The key of a folded full name."""
    return f"{first} {last}"


@dataclass
class NameTally:
    """First, last and full names of some records."""

    size: int = 0
    first: Counter[str] = field(default_factory=Counter)
    last: Counter[str] = field(default_factory=Counter)
    full: Counter[str] = field(default_factory=Counter)

    def add(self, first: str, last: str) -> None:
        self.size += 1
        self.first[first] += 1
        self.last[last] += 1
        self.full[full_name_key(first, last)] += 1

    def observed_and_expected(self) -> tuple[float, float]:
        """Pairs of these records sharing a full name, and how many independent first
        and last names would give."""
        n = self.size
        if n < 2:
            return 0.0, 0.0
        pairs = n * (n - 1) / 2
        same_first = sum(c * (c - 1) / 2 for c in self.first.values()) / pairs
        same_last = sum(c * (c - 1) / 2 for c in self.last.values()) / pairs
        observed = sum(c * (c - 1) / 2 for c in self.full.values())
        return observed, same_first * same_last * pairs


def book_lift(tallies: Iterable[NameTally]) -> float:
    """Pairs of surely different people sharing a full name over the pairs independent
    first and last names would give (one pair added to both; at least 1)."""
    observed = expected = 0.0
    for tally in tallies:
        seen, independent = tally.observed_and_expected()
        observed += seen
        expected += independent
    return max(1.0, (observed + 1) / (expected + 1))


@dataclass
class FullNames:
    """The full names of a book that more than one record holds, and the book's lift."""

    counts: Counter[str] = field(default_factory=Counter)
    lift: float = 1.0
    _tallies: dict[str, NameTally] = field(default_factory=dict)

    def add(self, first: str, last: str, strong: Iterable[tuple[str, str]] = ()) -> None:
        """Count one record's full name (and, by the kinds of its certain identifiers
        ``(kind, value)``, in the tallies of records that are surely different people)."""
        self.counts[full_name_key(first, last)] += 1
        if strong:
            for kind in {kind for kind, _ in strong if kind in ONE_PER_PERSON}:
                self._tallies.setdefault(kind, NameTally()).add(first, last)

    def finish(self) -> None:
        """Measure the book's lift once every record is counted, and forget the names
        that only one record holds."""
        self.lift = book_lift(self._tallies.values())
        self._tallies = {}
        self.counts = Counter({name: n for name, n in self.counts.items() if n > 1})

    def count(self, first: str, last: str) -> int:
        """How many records hold this full name."""
        return self.counts.get(full_name_key(first, last), 0)
