"""The bodies the extension sends, validated field by field (docs/linkedin.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pingcrm.errors import ValidationFailed
from pingcrm.linkedin.urns import is_profile_url, is_public_id, is_urn, member_id

MAX_CONTACTS = 5000
MAX_MESSAGES = 20000
MAX_PROFILES = 50
FORBIDDEN = ("li_at", "jsessionid")


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _member(value: str) -> str:
    if member_id(value) is None:
        raise ValueError("not a LinkedIn member URN (urn:li:fsd_profile:<id>)")
    return value


def _https_url(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    assert value is not None
    if len(value) > 2000 or not value.lower().startswith("https://"):
        raise ValueError("must be an https URL of at most 2000 characters")
    return value


class PushContact(_In):
    member_urn: str
    public_id: str | None = Field(default=None, max_length=200)
    profile_url: str | None = Field(default=None, max_length=500)
    first_name: str | None = Field(default=None, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    headline: str | None = Field(default=None, max_length=2000)
    avatar_url: str | None = None

    _member_urn = field_validator("member_urn")(_member)
    _avatar = field_validator("avatar_url")(_https_url)

    @field_validator("public_id")
    @classmethod
    def _public_id(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not is_public_id(value):
            raise ValueError("not a profile slug")
        return value

    @field_validator("profile_url")
    @classmethod
    def _profile_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not is_profile_url(value):
            raise ValueError("not a https://www.linkedin.com/in/… profile URL")
        return value


class PushMessage(_In):
    conversation_urn: str
    message_urn: str
    member_urn: str
    direction: Literal["inbound", "outbound"]
    occurred_at: datetime
    text: str = Field(default="", max_length=20000)

    _member_urn = field_validator("member_urn")(_member)

    @field_validator("conversation_urn", "message_urn")
    @classmethod
    def _urn(cls, value: str) -> str:
        if not is_urn(value):
            raise ValueError("not a LinkedIn URN (urn:li:…, at most 255 characters)")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone (…Z or …+01:00)")
        return value


class PushIn(_In):
    contacts: list[PushContact] = Field(default_factory=list, max_length=MAX_CONTACTS)
    messages: list[PushMessage] = Field(default_factory=list, max_length=MAX_MESSAGES)


class ProfileIn(_In):
    member_urn: str
    public_id: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    headline: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=300)
    company: str | None = Field(default=None, max_length=300)
    location: str | None = Field(default=None, max_length=300)
    avatar_url: str | None = None

    _member_urn = field_validator("member_urn")(_member)
    _avatar = field_validator("avatar_url")(_https_url)


class ProfilesIn(_In):
    profiles: list[ProfileIn] = Field(max_length=MAX_PROFILES)


def parse(model: type[_In], body: Any) -> Any:
    """``body`` as ``model``, or 422 listing every bad field (``messages.3.direction``)."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The body must be a JSON object.",
            details={"errors": [{"field": "", "message": "expected an object"}]},
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = [
            {
                "field": ".".join(str(p) for p in error.get("loc", ())),
                "message": str(error.get("msg", "invalid")).removeprefix("Value error, "),
            }
            for error in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        raise ValidationFailed(
            f"Invalid request: {summary}", details={"errors": problems[:200]}
        ) from exc


def find_cookie(value: Any, path: str = "") -> str | None:
    """Where ``li_at`` or ``JSESSIONID`` appears in a JSON value (keys or values), or None.
    One pass over the serialised value first (fast); the walk only names the place."""
    if not path:
        text = json.dumps(value, ensure_ascii=False, default=str).lower()
        if not any(word in text for word in FORBIDDEN):
            return None
        return _walk_cookie(value, "") or "body"
    return _walk_cookie(value, path)


def _walk_cookie(value: Any, path: str) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if any(word in str(key).lower() for word in FORBIDDEN):
                return where
            found = _walk_cookie(item, where)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _walk_cookie(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    elif isinstance(value, str):
        lowered = value.lower()
        if any(word in lowered for word in FORBIDDEN):
            return path or "body"
    return None
