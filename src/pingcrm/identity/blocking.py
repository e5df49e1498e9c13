"""Blocking: only contacts that share a key are compared, so a scan never looks at all
pairs. A block larger than its limit (a big company, a very common name; see
:func:`block_limit`) is split by a secondary key (the company, work domain or group for
a name block; the start of a name for a company block), so that the pairs inside it that
share more than the common value are still compared while the comparisons stay linear in
the book; sub-blocks still larger than the limit are skipped and counted.

Keys are held as packed integers (a 40-bit hash of the key and the contact's position),
one array per kind of key, so that a scan of 100k contacts keeps about a million keys in
a few megabytes."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pingcrm.identity.features import Features
from pingcrm.identity.names import alnum, first_name_keys, phonetic

# A key's position bits: up to 8M contacts in one scan; the rest of 63 bits is its hash
# (two keys sharing a 40-bit hash only join two blocks: more pairs compared, none lost).
POSITION_BITS = 23
POSITION_MASK = (1 << POSITION_BITS) - 1
HASH_MASK = (1 << 40) - 1
# Kinds of key made from names (split by what else two people share) and from a
# company or domain (split by the start of a name).
NAME_KINDS = frozenset({"fl", "lf", "fl3", "ph", "u", "f"})
# Blocks made to catch a typo or a transliteration (last name + start of the first, first
# name + start of the last, how both sound) and company blocks (colleagues whose surnames
# sound alike, or who share a first name) are split at a fraction of the limit: when they
# are big, their pairs are namesakes and colleagues far more often than one person, and
# the pairs that share more than the common value meet in a sub-block.
FUZZY_KINDS = frozenset({"lf", "fl3", "ph"})
FUZZY_SHARE = 5  # split beyond max_block / 5 (20 by default)
COMPANY_SHARE = 10  # split beyond max_block / 10 (10 by default)


def block_limit(kind: str, max_block: int) -> int:
    """The size beyond which a block of ``kind`` is split."""
    if kind in FUZZY_KINDS:
        return max(2, max_block // FUZZY_SHARE)
    if kind in NAME_KINDS:
        return max_block
    return max(2, max_block // COMPANY_SHARE)


def keys(f: Features) -> set[str]:
    """The blocking keys of one contact: nickname-aware first name + last name, how
    both names sound, the name as one word / usernames / email local parts, company and
    work domain (with how the last name sounds), and a lone first name."""
    found: set[str] = set()
    if f.first and f.last:
        for first in first_name_keys(f.first):
            found.add(f"fl:{first}|{f.last}")
        found.add(f"ph:{phonetic(f.last)}|{phonetic(f.first)}")
        found.add(f"fl:{f.last}|{f.first}")  # written the other way round
        # A typo or a transliteration in one of the names: the other name whole and the
        # start of this one ("smith|jo" holds Jon and John; "ivanov|dm" Dmitry/Dmitrii).
        found.add(f"lf:{f.last}|{f.first[:2]}")
        found.add(f"fl3:{f.first}|{f.last[:3]}")
    elif f.first:
        for first in first_name_keys(f.first):
            found.add(f"f:{first}")
    if f.last:
        # The name written as one word ("janedoe"), as handles and addresses often are.
        found.add(f"u:{alnum(f.first)}{alnum(f.last)}")
    for text in (*f.handles.values(), *f.email_locals):
        if len(text) >= 4:
            found.add(f"u:{text}")
    # A username the person chose, whatever the names say ("tg_fyokla84" and
    # fyokla84@gmail.com of "Фёкла" and "Fyokla").
    for part in f.usernames:
        found.add(f"u:{part}")
    # Company and work domain, narrowed by how the last name sounds (a whole company
    # is one oversized block; its people with one surname are the candidates).
    sound = phonetic(f.last) if f.last else f.first
    if f.company and sound:
        found.add(f"c:{f.company}|{sound}")
    if f.company and f.first and f.last:
        # A misspelled surname at the same company sounds different; the first name holds.
        found.add(f"cf:{f.company}|{f.first}")
    for domain in f.domains:
        if sound:
            found.add(f"d:{domain}|{sound}")
    return found


def sub_keys(f: Features, kind: str) -> set[str]:
    """The secondary keys that split an oversized block of ``kind``: what else two
    people of a common name share (company, work domain, a group), or, in a big
    company, the start of the first name (``c``/``d`` blocks hold one surname's sound)
    or of the surname (``cf`` blocks hold one first name)."""
    found: set[str] = set()
    if kind in NAME_KINDS:
        if f.company:
            found.add(f"c={f.company}")
        found.update(f"d={domain}" for domain in f.domains)
        found.update(f"g={group}" for group in f.groups)
    elif kind == "cf":
        if f.last:
            found.add(f"l={f.last[:2]}")
    elif f.first:
        found.add(f"f={f.first[:2]}")
        found.update(f"n={name}" for name in first_name_keys(f.first))
    return found


class Candidates:
    """Candidate pairs ``(a, b)``, ``a < b``, of positions: for each ``a``, an array of
    the ``b`` to compare it with (a pair met in several blocks is compared once). About
    four bytes a pair, with no sort of all pairs at once."""

    def __init__(self, size: int) -> None:
        self.later: list[array[int] | None] = [None] * size
        self.distinct = False

    def add(self, a: int, others: Iterable[int]) -> None:
        """Pair ``a`` with each of ``others`` (all greater than ``a``)."""
        target = self.later[a]
        if target is None:
            target = self.later[a] = array("l")
        target.extend(others)

    def add_block(self, members: list[int]) -> None:
        """Pair every two of ``members`` (sorted)."""
        for i in range(len(members) - 1):
            self.add(members[i], members[i + 1 :])

    def count(self) -> int:
        """How many distinct pairs (each ``a``'s list made sorted and distinct first)."""
        total = 0
        for a, others in enumerate(self.later):
            if others is not None:
                if not self.distinct:
                    others = self.later[a] = array("l", sorted(set(others)))
                total += len(others)
        self.distinct = True
        return total

    def take(self, a: int) -> array[int]:
        """The positions ``a`` is compared with, sorted (after :meth:`count`), handed
        over once (the memory goes with them)."""
        others, self.later[a] = self.later[a], None
        return others or _EMPTY

    def pairs(self) -> Iterator[tuple[int, int]]:
        for a, others in enumerate(self.later):
            for b in others or ():
                yield a, b


_EMPTY: array[int] = array("l")


@dataclass
class BlockCounts:
    """How the blocks were used: compared whole (or as sub-blocks), split, left out."""

    blocks: int = 0
    split: int = 0
    oversized: int = 0
    oversized_contacts: int = 0


@dataclass
class Blocks:
    """Candidate pairs of contact ids and what was left out."""

    pairs: set[tuple[int, int]]
    blocks: int
    split: int
    oversized: int
    oversized_contacts: int


def candidate_pairs(features: Iterable[Features], max_block: int) -> Blocks:
    """Every pair of contact ids ``(a, b)``, ``a < b``, that shares a block (or, in a
    block of more than ``max_block`` contacts, a sub-block) of at most ``max_block``
    contacts; larger sub-blocks are counted, not compared."""
    by_position = list(features)
    index = KeyIndex()
    for position, f in enumerate(by_position):
        index.add(position, f)
    found = Candidates(len(by_position))
    counts = block_pairs(
        index, max_block, lambda positions: {p: by_position[p] for p in positions}, found
    )
    pairs = set()
    for pa, pb in found.pairs():
        a, b = by_position[pa].id, by_position[pb].id
        pairs.add((min(a, b), max(a, b)))
    return Blocks(pairs, counts.blocks, counts.split, counts.oversized, counts.oversized_contacts)


@dataclass
class KeyIndex:
    """The blocking keys of a scan's contacts, by position (0, 1, … in the order they
    were added), one sorted array of packed ``hash << POSITION_BITS | position`` per
    kind."""

    entries: dict[str, array[int]] = field(default_factory=dict)
    size: int = 0

    def add(self, position: int, f: Features) -> None:
        """Index the keys of the contact at ``position``."""
        for key in keys(f):
            kind = key[: key.index(":")]
            target = self.entries.get(kind)
            if target is None:
                target = self.entries[kind] = array("q")
            target.append(((hash(key) & HASH_MASK) << POSITION_BITS) | position)
        self.size = max(self.size, position + 1)

    def renumber(self, new: array[int]) -> None:
        """Move every contact from position ``p`` to ``new[p]``."""
        for kind, values in self.entries.items():
            self.entries[kind] = array(
                "q",
                ((v >> POSITION_BITS) << POSITION_BITS | new[v & POSITION_MASK] for v in values),
            )

    def blocks(self) -> Iterator[tuple[str, list[int]]]:
        """``(kind, positions)`` of every key shared by two contacts or more, one kind
        after the other (each kind's array is freed once walked)."""
        for kind in sorted(self.entries):
            packed = sorted(self.entries.pop(kind))
            yield from ((kind, members) for members in runs(packed))
            del packed


def runs(packed: list[int]) -> Iterator[list[int]]:
    """Positions of each run of equal hashes (of two entries or more) of sorted packed
    keys."""
    start, total = 0, len(packed)
    while start < total:
        key = packed[start] >> POSITION_BITS
        end = start + 1
        while end < total and packed[end] >> POSITION_BITS == key:
            end += 1
        if end - start > 1:
            # Sorted by position already; a contact twice in a run (two of its keys
            # sharing a hash) is counted once.
            yield list(dict.fromkeys(p & POSITION_MASK for p in packed[start:end]))
        start = end


def block_pairs(
    index: KeyIndex,
    max_block: int,
    features_of: Callable[[list[int]], dict[int, Features]],
    into: Candidates,
) -> BlockCounts:
    """Add to ``into`` every pair of positions that shares a block of at most
    ``max_block`` contacts; a larger block is split by :func:`sub_keys` (``features_of``
    gives the features of its members), and its sub-blocks still larger than
    ``max_block`` are counted, not compared."""
    counts = BlockCounts()
    for kind, members in index.blocks():
        if len(members) <= block_limit(kind, max_block):
            counts.blocks += 1
            into.add_block(members)
            continue
        counts.split += 1
        features = features_of(members)
        subs: dict[str, list[int]] = defaultdict(list)
        for position in members:
            for sub in sub_keys(features[position], kind):
                subs[sub].append(position)
        for sub_members in subs.values():
            if len(sub_members) < 2:
                continue
            if len(sub_members) > max_block:
                counts.oversized += 1
                counts.oversized_contacts += len(sub_members)
                continue
            counts.blocks += 1
            into.add_block(sub_members)
    return counts
