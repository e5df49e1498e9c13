"""Paging for lists: ``page``/``limit`` for pages, an opaque ``cursor`` for the API.

A cursor is either a position in the sort order (a *keyset*: the sort values of the last
row seen, so the next page starts right after it whatever its depth) for lists that
support it (contacts), or an offset for the short lists that do not.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from math import ceil
from typing import Any, Generic, TypeVar

from pingcrm.errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class Keyset:
    """A position in a list's sort order: the sort the list used (``sort``), the JSON
    values of the last row seen (its sort value(s) and its id) and the number of the page
    that follows (for ``meta.page``)."""

    sort: str
    values: tuple[Any, ...]
    page: int


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list to return: ``offset`` rows in, or right ``after`` a keyset."""

    limit: int = 50
    offset: int = 0
    after: Keyset | None = None

    @classmethod
    def build(
        cls,
        limit: int | None,
        page: int | None = None,
        cursor: str | None = None,
        default_limit: int = 50,
    ) -> PageRequest:
        """Validate and combine ``limit`` with either ``cursor`` or ``page``."""
        size = default_limit if limit is None else limit
        if not 1 <= size <= MAX_LIMIT:
            raise ValidationFailed(
                f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit"}
            )
        if cursor:
            position = decode_cursor(cursor)
            if isinstance(position, Keyset):
                offset = (position.page - 1) * size
                return cls(limit=size, offset=offset, after=position)
            return cls(limit=size, offset=position)
        number = 1 if page is None else page
        if number < 1:
            raise ValidationFailed("page must be 1 or more", details={"field": "page"})
        return cls(limit=size, offset=(number - 1) * size)

    @property
    def page(self) -> int:
        if self.after is not None:
            return self.after.page
        return self.offset // self.limit + 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the total count (``next_after``: the keyset of the next
    page, for lists paged by keyset; ``total_capped``: the list counted only up to
    ``total`` and has more, "1,000+")."""

    items: list[T]
    total: int
    request: PageRequest
    next_after: Keyset | None = field(default=None)
    total_capped: bool = False

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def pages(self) -> int:
        """The number of pages (at least up to the next one when the total is capped)."""
        counted = max(1, ceil(self.total / self.request.limit))
        if self.total_capped and self.has_next:
            return max(counted, self.page + 1)
        return counted

    @property
    def has_next(self) -> bool:
        if self.request.offset + len(self.items) < self.total:
            return True
        # Past a capped total, a full page means there may be more.
        return self.total_capped and len(self.items) == self.request.limit

    @property
    def next_cursor(self) -> str | None:
        if not self.has_next or not self.items:
            return None
        if self.next_after is not None:
            return encode_keyset(self.next_after)
        return encode_cursor(self.request.offset + self.request.limit)

    def meta(self) -> dict[str, object]:
        """The ``meta`` block of an API list response."""
        return {
            "total": self.total,
            "limit": self.request.limit,
            "page": self.page,
            "pages": self.pages,
            "next_cursor": self.next_cursor,
            "total_capped": self.total_capped,
        }


def _encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def encode_cursor(offset: int) -> str:
    """An offset cursor (lists without keyset paging)."""
    return _encode(f"o:{offset}")


def encode_keyset(keyset: Keyset) -> str:
    """A keyset cursor: the sort, the last row's sort values and the next page number."""
    payload = {"s": keyset.sort, "v": list(keyset.values), "p": keyset.page}
    return _encode("k:" + json.dumps(payload, separators=(",", ":"), ensure_ascii=False))


def decode_cursor(cursor: str) -> int | Keyset:
    """The offset or keyset in ``cursor``; a 422 for anything this server did not write."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        if raw.startswith("k:"):
            payload = json.loads(raw[2:])
            sort, values, page = payload["s"], payload["v"], payload["p"]
            if not isinstance(sort, str) or not isinstance(values, list) or not values:
                raise ValueError(raw)
            if not isinstance(page, int) or not 2 <= page <= 10_000_000:
                raise ValueError(raw)
            if not all(v is None or isinstance(v, str | int | float) for v in values):
                raise ValueError(raw)
            return Keyset(sort=sort, values=tuple(values), page=page)
        if not raw.startswith("o:"):
            raise ValueError(raw)
        offset = int(raw[2:])
        if not 0 <= offset <= 2_000_000_000:
            raise ValueError(raw)
        return offset
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor is not valid", details={"field": "cursor"}) from exc
