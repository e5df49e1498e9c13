"""What every contact page shares: labels, the list's query string, error shaping and
the template context every contact template expects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form
from pydantic import ValidationError

from pingcrm.contacts import service as contacts
from pingcrm.contacts.schemas import ContactListQuery
from pingcrm.contacts.service import MAX_ID
from pingcrm.errors import PingError
from pingcrm.models import Direction, InteractionKind, Platform, Priority

PAGE_SIZE = 50
TIMELINE_PAGE = 20
FormText = Annotated[str, Form(max_length=5000)]
SORT_LABELS = {
    "name": "Name (A-Z)",
    "-name": "Name (Z-A)",
    "-score": "Score (high first)",
    "score": "Score (low first)",
    "-last_interaction": "Last interaction (recent first)",
    "last_interaction": "Last interaction (oldest first)",
    "-interaction_count": "Interactions (most first)",
    "interaction_count": "Interactions (fewest first)",
}
PLATFORM_LABELS = {
    Platform.EMAIL: "Email",
    Platform.TELEGRAM: "Telegram",
    Platform.TWITTER: "X (Twitter)",
    Platform.LINKEDIN: "LinkedIn",
    Platform.MEETING: "Meeting",
    Platform.MANUAL: "Logged by hand",
}
PLATFORM_LETTERS = {
    Platform.EMAIL: "E",
    Platform.TELEGRAM: "T",
    Platform.TWITTER: "X",
    Platform.LINKEDIN: "in",
    Platform.MEETING: "M",
    Platform.MANUAL: "L",
}
DIRECTIONS = {
    Direction.INBOUND: ("←", "Inbound: they reached out"),
    Direction.OUTBOUND: ("→", "Outbound: you reached out"),
    Direction.MUTUAL: ("↔", "Mutual"),
}
LOG_KINDS = {
    InteractionKind.CALL: "Call",
    InteractionKind.MEETING: "Meeting",
    InteractionKind.MESSAGE: "Message",
    InteractionKind.EMAIL: "Email",
}
TIER_WORDS = {"strong": "Strong", "warm": "Warm", "cold": "Cold"}
_SPLIT = re.compile(r"[,;\n]+")
_DIGITS = re.compile(r"^[0-9]{1,10}$")
_TRUE = frozenset({"1", "true", "on", "yes"})


def split_values(raw: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(raw or "") if part.strip()]


def initials(name: str) -> str:
    letters = [word[0] for word in name.split() if word and word[0].isalnum()]
    return ("".join(letters[:1] + letters[1:][-1:]) or "?").upper()


def list_query(params: Mapping[str, str]) -> tuple[ContactListQuery, int]:
    """Read the list's query string leniently: unknown values are ignored."""

    def pick(name: str, allowed: Any) -> Any:
        value = (params.get(name) or "").strip()
        return value if value in allowed else None

    org = (params.get("organization_id") or "").strip()
    page_raw = (params.get("page") or "1").strip()
    page = int(page_raw) if _DIGITS.match(page_raw) and 0 < int(page_raw) < 1_000_000 else 1
    query = ContactListQuery(
        q=(params.get("q") or "").strip()[:200] or None,
        tag=(params.get("tag") or "").strip()[:100] or None,
        priority=pick("priority", {p.value for p in Priority}),
        tier=pick("tier", {"strong", "warm", "cold"}),
        platform=pick("platform", {p.value for p in Platform}),
        organization_id=int(org) if _DIGITS.match(org) and 0 < int(org) <= MAX_ID else None,
        has_suggestion=(params.get("has_suggestion") or "").lower() in _TRUE,
        show_second_tier=(params.get("show_second_tier") or "").lower() in _TRUE,
        show_archived=(params.get("show_archived") or "").lower() in _TRUE,
        sort=pick("sort", SORT_LABELS) or "name",
    )
    return query, page


def query_params(query: ContactListQuery, page: int = 1) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in query.model_dump().items():
        if value in (None, False, "") or (name == "sort" and value == "name"):
            continue
        params[name] = "1" if value is True else str(value)
    if page > 1:
        params["page"] = str(page)
    return params


def list_url(query: ContactListQuery, page: int = 1) -> str:
    params = query_params(query, page)
    return "/contacts" + ("?" + urlencode(params) if params else "")


def pydantic_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("form",)
        field = str(loc[0])
        ctx = error.get("ctx") or {}
        if error.get("type") == "string_too_long":
            message = f"Too long: at most {ctx.get('max_length')} characters."
        elif error.get("type") == "too_long":
            message = f"Too many values: at most {ctx.get('max_length')}."
        else:
            message = str(error.get("msg", "Invalid value."))
        errors.setdefault(field, message)
    return errors


def ping_errors(exc: PingError) -> dict[str, str]:
    errors = exc.details.get("errors")
    if isinstance(errors, dict) and errors:
        return {str(k): str(v) for k, v in errors.items()}
    return {str(exc.details.get("field", "form")): exc.message}


def base_context() -> dict[str, Any]:
    return {
        "priorities": list(Priority),
        "platform_labels": PLATFORM_LABELS,
        "platform_letters": PLATFORM_LETTERS,
        "directions": DIRECTIONS,
        "log_kinds": LOG_KINDS,
        "tier_words": TIER_WORDS,
        "tier_of": contacts.tier_of,
        "initials": initials,
    }
