"""Response envelopes of the JSON API."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from pingcrm.kit.pagination import Page

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """A single resource: ``{"data": …, "meta": {}}``."""

    data: T
    meta: dict[str, Any] = {}


class ListMeta(BaseModel):
    total: int = Field(
        description="How many items match; a lower bound when ``total_capped`` is true."
    )
    limit: int
    page: int
    pages: int
    next_cursor: str | None
    total_capped: bool = Field(
        default=False,
        description="True when counting stopped at ``total`` (a search matching more than "
        "1,000 contacts, a list of more than 10,000): there are more, follow ``next_cursor``.",
    )


class ListEnvelope(BaseModel, Generic[T]):
    """A list: ``{"data": [...], "meta": {"total", "limit", "page", "pages", "next_cursor",
    "total_capped"}}``."""

    data: list[T]
    meta: ListMeta


def one(data: T) -> Envelope[T]:
    """Wrap one resource."""
    return Envelope[T](data=data)


def many(items: list[T], page: Page[Any]) -> ListEnvelope[T]:
    """Wrap a page of resources."""
    return ListEnvelope[T](data=items, meta=ListMeta(**page.meta()))
