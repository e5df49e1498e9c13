"""The denormalised ``contacts.search_text`` column: everything the list search matches
except interaction previews (those have their own full-text index)."""

from __future__ import annotations

from collections.abc import Iterable


def build_search_text(
    *,
    full_name: str,
    company: str | None = None,
    title: str | None = None,
    location: str | None = None,
    identifiers: Iterable[str] = (),
    tags: Iterable[str] = (),
    notes: Iterable[str] = (),
    bios: Iterable[str | None] = (),
) -> str:
    """Lower-cased, space-joined text of a contact's searchable fields."""
    parts: list[str] = [full_name, company or "", title or "", location or ""]
    parts.extend(identifiers)
    parts.extend(f"#{tag}" for tag in tags)
    parts.extend(bio or "" for bio in bios)
    parts.extend(notes)
    return " ".join(p.strip() for p in parts if p and p.strip()).lower()[:20000]


def sort_name(full_name: str) -> str:
    """The ordering key of a name."""
    return " ".join(full_name.lower().split())[:300]
