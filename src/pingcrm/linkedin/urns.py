"""LinkedIn URNs and profile slugs as the extension sends them."""

from __future__ import annotations

import re

# urn:li:fsd_profile:ACoAAB… (Voyager), urn:li:fs_miniProfile:…, urn:li:member:123
_MEMBER_RE = re.compile(
    r"^urn:li:(?:(?:fsd_profile|fs_miniProfile|fs_profile):([A-Za-z0-9_-]{6,100})"
    r"|member:([0-9]{1,20}))$"
)
_URN_RE = re.compile(r"^urn:li:[A-Za-z_]{1,64}:\S{1,240}$")
_SLUG_RE = re.compile(r"^[^\s/?#]{1,200}$")
_PROFILE_URL_RE = re.compile(
    r"^https://([a-z]{2,3}\.)?(www\.)?linkedin\.com/in/[^\s/?#]{1,200}/?(\?\S*)?$", re.I
)


def member_id(urn: str) -> str | None:
    """The member id of a profile URN (the part LinkedIn never changes), or None."""
    match = _MEMBER_RE.match(urn.strip()) if isinstance(urn, str) else None
    return (match.group(1) or match.group(2)) if match else None


def is_urn(value: str, max_length: int = 255) -> bool:
    """A plausible ``urn:li:<type>:<id>`` of at most ``max_length`` characters."""
    return isinstance(value, str) and len(value) <= max_length and bool(_URN_RE.match(value))


def is_public_id(value: str) -> bool:
    return isinstance(value, str) and bool(_SLUG_RE.match(value))


def is_profile_url(value: str) -> bool:
    return isinstance(value, str) and len(value) <= 500 and bool(_PROFILE_URL_RE.match(value))
