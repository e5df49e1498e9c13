"""Pydantic shapes of per-user settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FollowUpRulesOut(BaseModel):
    """Follow-up intervals in days per priority and the daily suggestion budget."""

    model_config = ConfigDict(from_attributes=True)

    high_days: int
    medium_days: int
    low_days: int
    daily_budget: int


class FollowUpRulesPatch(BaseModel):
    """Any subset of the follow-up rules; each value is range-checked by the service."""

    high_days: int | None = None
    medium_days: int | None = None
    low_days: int | None = None
    daily_budget: int | None = None
