"""Paging for lists: ``page``/``limit`` for pages, an opaque ``cursor`` for the API."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from pingcrm.errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list to return."""

    limit: int = 50
    offset: int = 0

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
            return cls(limit=size, offset=decode_cursor(cursor))
        number = 1 if page is None else page
        if number < 1:
            raise ValidationFailed("page must be 1 or more", details={"field": "page"})
        return cls(limit=size, offset=(number - 1) * size)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the total count."""

    items: list[T]
    total: int
    request: PageRequest

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.request.limit))

    @property
    def has_next(self) -> bool:
        return self.request.offset + len(self.items) < self.total

    @property
    def next_cursor(self) -> str | None:
        if not self.has_next:
            return None
        return encode_cursor(self.request.offset + self.request.limit)

    def meta(self) -> dict[str, object]:
        """The ``meta`` block of an API list response."""
        return {
            "total": self.total,
            "limit": self.request.limit,
            "page": self.page,
            "pages": self.pages,
            "next_cursor": self.next_cursor,
        }


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        if not raw.startswith("o:"):
            raise ValueError(raw)
        offset = int(raw[2:])
        if offset < 0:
            raise ValueError(raw)
        return offset
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor is not valid", details={"field": "cursor"}) from exc
