"""Pydantic shapes of suggestions (the API and the LinkedIn extension use them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pingcrm.models import SuggestionStatus
from pingcrm.suggestions.service import SuggestionView


class SuggestionOut(BaseModel):
    id: int
    contact_id: int
    contact_name: str
    trigger: str
    reason: str = Field(description="Why reach out now, in one sentence")
    why: dict[str, Any] = Field(description="The rule that fired and the numbers behind it")
    suggested_message: str = Field(description="The drafted message")
    channel: str
    status: SuggestionStatus
    snoozed_until: datetime | None
    score: int
    llm_model: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: SuggestionView) -> SuggestionOut:
        s, c = view.suggestion, view.contact
        return cls(
            id=s.id,
            contact_id=c.id,
            contact_name=c.full_name,
            trigger=s.trigger,
            reason=s.reason,
            why=s.why,
            suggested_message=s.message,
            channel=s.channel,
            status=s.status,
            snoozed_until=s.snoozed_until,
            score=c.score,
            llm_model=s.llm_model,
            created_at=s.created_at,
        )


class SuggestionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str | None = Field(default=None, max_length=4000)
    channel: Literal["email", "telegram", "twitter", "linkedin"] | None = None


class SnoozeRequest(BaseModel):
    duration: Literal["2w", "1m", "3m"] = Field(description="2 weeks, 1 month or 3 months")


class GenerateOut(BaseModel):
    created: int
    skipped: dict[str, int]
