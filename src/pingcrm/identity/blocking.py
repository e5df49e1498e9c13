"""Blocking: only contacts that share a key are compared, so a scan never looks at all
pairs. Blocks larger than the limit (a big company, a very common name) are skipped and
counted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pingcrm.identity.features import Features
from pingcrm.identity.names import alnum, first_name_keys, phonetic


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


@dataclass
class Blocks:
    """Candidate pairs and what was left out."""

    pairs: set[tuple[int, int]]
    blocks: int
    oversized: int
    oversized_contacts: int


def candidate_pairs(features: Iterable[Features], max_block: int) -> Blocks:
    """Every pair ``(a, b)`` with ``a < b`` that shares a block of at most ``max_block``
    contacts; oversized blocks are counted, not compared."""
    members: dict[str, list[int]] = defaultdict(list)
    for f in features:
        for key in keys(f):
            members[key].append(f.id)
    pairs: set[tuple[int, int]] = set()
    oversized = oversized_contacts = compared = 0
    for ids in members.values():
        if len(ids) < 2:
            continue
        if len(ids) > max_block:
            oversized += 1
            oversized_contacts += len(ids)
            continue
        compared += 1
        pairs.update(_pairs(sorted(ids)))
    return Blocks(pairs, compared, oversized, oversized_contacts)


def _pairs(ids: list[int]) -> Iterator[tuple[int, int]]:
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            yield a, b
