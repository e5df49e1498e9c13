"""How often a full name occurs: first and last names go together.

People take their first and last names from one culture, so a full name repeats more
often than the product of its parts' frequencies says: two Brazilians named "Pedro Lucas
Jesus" are not rare among Brazilians, though each part is rare in a book of mostly
Americans. Two measures of the user's book, counted once per scan:

* the full names themselves: a name the book's other records hold is that common;
* the book's lift: how many times more often two records that are surely two people
  (two LinkedIn profiles, two Telegram or two X accounts) share a full name than
  independent first and last names would make them, measured apart for common and rare
  names (in bands of how often independent names would give the full name): namesakes
  gather on common names, so one lift for the whole book over-weakens rare ones.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate

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


# Bands of how likely independent names make a full name (the product of its parts'
# frequencies): half a decade each. Neighbouring bands are measured together until
# independent names would give at least this many pairs in them.
BANDS_PER_DECADE = 2
MIN_EXPECTED_PAIRS = 3.0


def band_of(product: float) -> int:
    """The band of a product of name frequencies (0 for the most common names)."""
    if product <= 0:
        return 10**6
    return max(0, int(-BANDS_PER_DECADE * math.log10(product)))


def _pairs_by_band(tally: NameTally) -> tuple[dict[int, float], dict[int, float]]:
    """Pairs of the tally's records sharing a full name, and the pairs independent
    first and last names would give, by band of the full name's product."""
    observed: defaultdict[int, float] = defaultdict(float)
    expected: defaultdict[int, float] = defaultdict(float)
    n = tally.size
    if n < 2:
        return observed, expected
    pairs = n * (n - 1) / 2
    for key, count in tally.full.items():
        if count > 1:
            first, last = key.split(" ", 1)
            product = tally.first[first] / n * (tally.last[last] / n)
            observed[band_of(product)] += count * (count - 1) / 2
    # Independent names (f, l) share a full name with probability (p_f p_l)^2: for each
    # first name, the surnames of each band are a range of the sorted frequencies.
    lasts = sorted(c / n for c in tally.last.values())
    squares = [0.0, *accumulate(p * p for p in lasts)]
    for count in tally.first.values():
        p_first = count / n
        # The surnames from the rarest up, one band at a time.
        low, band = 0, band_of(p_first * lasts[0])
        while low < len(lasts):
            # Surnames under this edge give a product of this band (or a rarer one,
            # already counted).
            edge = 10 ** (-band / BANDS_PER_DECADE) / p_first
            high = bisect_left(lasts, edge, lo=low)
            if high > low:
                expected[band] += pairs * p_first * p_first * (squares[high] - squares[low])
            low = high
            band -= 1
    return observed, expected


def measure_lifts(tallies: Iterable[NameTally]) -> tuple[float, dict[int, float]]:
    """Pairs of surely different people sharing a full name over the pairs independent
    first and last names would give (one pair added to both; at least 1): for the whole
    book, and for each band, neighbouring bands measured together from the rarest up
    until independent names would give ``MIN_EXPECTED_PAIRS`` pairs in them (the
    commonest remainder joins the last group)."""
    observed: defaultdict[int, float] = defaultdict(float)
    expected: defaultdict[int, float] = defaultdict(float)
    for tally in tallies:
        seen, independent = _pairs_by_band(tally)
        for band, pairs in seen.items():
            observed[band] += pairs
        for band, pairs in independent.items():
            expected[band] += pairs
    groups: list[tuple[list[int], float, float]] = []
    members: list[int] = []
    seen_sum = expected_sum = 0.0
    for band in sorted(set(observed) | set(expected), reverse=True):
        members.append(band)
        seen_sum += observed[band]
        expected_sum += expected[band]
        if expected_sum >= MIN_EXPECTED_PAIRS:
            groups.append((members, seen_sum, expected_sum))
            members, seen_sum, expected_sum = [], 0.0, 0.0
    if members:
        if groups:
            last_members, last_seen, last_expected = groups.pop()
            members = last_members + members
            seen_sum += last_seen
            expected_sum += last_expected
        groups.append((members, seen_sum, expected_sum))
    book = max(1.0, (sum(observed.values()) + 1) / (sum(expected.values()) + 1))
    return book, {
        band: max(1.0, (seen + 1) / (independent + 1))
        for bands, seen, independent in groups
        for band in bands
    }


@dataclass
class FullNames:
    """The full names of a book that more than one record holds, and the book's lift."""

    counts: Counter[str] = field(default_factory=Counter)
    lift: float = 1.0
    # The lift of each band of common or rare names (see :func:`measure_lifts`); a band
    # not measured has the book's ``lift``.
    band_lifts: dict[int, float] = field(default_factory=dict)
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
        self.lift, self.band_lifts = measure_lifts(self._tallies.values())
        self._tallies = {}
        self.counts = Counter({name: n for name, n in self.counts.items() if n > 1})

    def lift_of(self, product: float) -> float:
        """The lift of full names whose parts' frequencies multiply to ``product``."""
        if not self.band_lifts:
            return self.lift
        band = band_of(product)
        found = self.band_lifts.get(band)
        if found is not None:
            return found
        # Past the measured bands: the nearest one's.
        nearest = min(self.band_lifts, key=lambda b: abs(b - band))
        return self.band_lifts[nearest]

    def count(self, first: str, last: str) -> int:
        """How many records hold this full name."""
        return self.counts.get(full_name_key(first, last), 0)
