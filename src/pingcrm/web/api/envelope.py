"""Response envelopes of the JSON API."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from pingcrm.kit.pagination import Page

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """A single resource: ``{"data": …, "meta": {}}``."""

    data: T
    meta: dict[str, Any] = {}


class ListMeta(BaseModel):
    total: int
    limit: int
    page: int
    pages: int
    next_cursor: str | None


class ListEnvelope(BaseModel, Generic[T]):
    """A list: ``{"data": [...], "meta": {"total", "limit", "page", "pages", "next_cursor"}}``."""

    data: list[T]
    meta: ListMeta


def one(data: T) -> Envelope[T]:
    """Wrap one resource."""
    return Envelope[T](data=data)


def many(items: list[T], page: Page[Any]) -> ListEnvelope[T]:
    """Wrap a page of resources."""
    return ListEnvelope[T](data=items, meta=ListMeta(**page.meta()))
