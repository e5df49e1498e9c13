"""Per-user settings use cases: read and change the follow-up rules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pingcrm.errors import ValidationFailed
from pingcrm.models import PlatformAccount, Provider
from pingcrm.settings import repository


@dataclass(frozen=True)
class RuleField:
    """One follow-up rule: its form/API name, column, label and allowed range."""

    name: str
    column: str
    label: str
    minimum: int
    maximum: int
    default: int
    unit: str


RULE_FIELDS: tuple[RuleField, ...] = (
    RuleField("high_days", "followup_high_days", "High priority interval", 7, 365, 30, "days"),
    RuleField(
        "medium_days", "followup_medium_days", "Medium priority interval", 7, 365, 60, "days"
    ),
    RuleField("low_days", "followup_low_days", "Low priority interval", 7, 365, 180, "days"),
    RuleField("daily_budget", "daily_suggestion_budget", "Daily suggestion budget", 1, 50, 5, ""),
)
FIELDS_BY_NAME = {field.name: field for field in RULE_FIELDS}


@dataclass(frozen=True)
class FollowUpRules:
    """The follow-up rules of a user."""

    high_days: int
    medium_days: int
    low_days: int
    daily_budget: int

    def summary(self) -> str:
        """'high 30 days, medium 60 days, low 180 days, 5 suggestions a day'."""
        return (
            f"high {self.high_days} days, medium {self.medium_days} days, "
            f"low {self.low_days} days, {self.daily_budget} suggestion"
            f"{'' if self.daily_budget == 1 else 's'} a day"
        )


def get_follow_up_rules(session: Session, user_id: int) -> FollowUpRules:
    """The user's follow-up rules (defaults 30 / 60 / 180 days, 5 a day)."""
    row = repository.get_or_create(session, user_id)
    return FollowUpRules(
        high_days=row.followup_high_days,
        medium_days=row.followup_medium_days,
        low_days=row.followup_low_days,
        daily_budget=row.daily_suggestion_budget,
    )


def _parse(field: RuleField, raw: object) -> tuple[int | None, str | None]:
    message = (
        f"{field.label} must be a whole number between {field.minimum} and {field.maximum}"
        + (f" {field.unit}" if field.unit else "")
        + "."
    )
    if isinstance(raw, bool):
        return None, message
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw.strip()) < 10:
        value = int(raw.strip())
    else:
        return None, message
    if not field.minimum <= value <= field.maximum:
        return None, message
    return value, None


def validate_follow_up_rules(values: dict[str, object]) -> tuple[dict[str, int], dict[str, str]]:
    """Check each given value; return the clean values and one message per bad field."""
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, raw in values.items():
        field = FIELDS_BY_NAME.get(name)
        if field is None:
            errors[name] = f"Unknown setting {name!r}."
            continue
        value, error = _parse(field, raw)
        if error is not None:
            errors[name] = error
        elif value is not None:
            clean[name] = value
    return clean, errors


def update_follow_up_rules(
    session: Session, user_id: int, values: dict[str, object]
) -> FollowUpRules:
    """Change any of the follow-up rules. When a value is out of range nothing is saved and
    :class:`ValidationFailed` names the first bad field (``details["errors"]`` has all)."""
    clean, errors = validate_follow_up_rules(values)
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first], details={"field": first, "errors": errors})
    row = repository.get_or_create(session, user_id)
    for name, value in clean.items():
        setattr(row, FIELDS_BY_NAME[name].column, value)
    session.flush()
    return get_follow_up_rules(session, user_id)


def platform_accounts(session: Session, user_id: int) -> dict[Provider, list[PlatformAccount]]:
    """The user's connections grouped by provider (for the Settings cards)."""
    return repository.platform_accounts(session, user_id)
