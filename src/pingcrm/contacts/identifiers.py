"""Normalisation of emails, phones and handles, so that "which contact owns X" is one
indexed lookup in ``contact_identifiers`` on every database."""

from __future__ import annotations

import base64
import re
import secrets

import phonenumbers

from pingcrm.kit.webmail import is_webmail as is_webmail  # used by contacts and identity
from pingcrm.models import IdentifierKind

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE_RE = re.compile(r"^@?([A-Za-z0-9_.\-]{1,100})$")
_LINKEDIN_SLUG_RE = re.compile(r"linkedin\.com/in/([^/?#\s]+)", re.IGNORECASE)
# LinkedIn also links a profile by its member id (``/in/ACoAAB…``), which is
# case-sensitive, unlike a vanity slug.
_LINKEDIN_MEMBER_ID_RE = re.compile(r"^ACoAA[A-Za-z0-9_-]{8,}$")
_BCC_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def normalize_email(raw: str) -> str | None:
    """Lower-cased address; Gmail addresses without dots and ``+suffix``. None if invalid."""
    value = raw.strip().strip("<>").lower()
    if not _EMAIL_RE.match(value):
        return None
    local, domain = value.rsplit("@", 1)
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def email_domain(email: str) -> str:
    """The domain part of a normalised email."""
    return email.rsplit("@", 1)[-1]


def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """E.164 form (``+14155550123``), or None when it is not a possible number."""
    text = raw.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, default_region if not text.startswith("+") else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_handle(raw: str) -> str | None:
    """A Telegram or X username: lower-cased, without ``@``."""
    match = _HANDLE_RE.match(raw.strip())
    return match.group(1).lower() if match else None


def linkedin_slug(raw: str) -> str | None:
    """The profile slug of a LinkedIn URL (or a bare slug), lower-cased; a member id
    (``ACoAAB…``, case-sensitive) keeps its case."""
    text = raw.strip()
    match = _LINKEDIN_SLUG_RE.search(text)
    slug = match.group(1) if match else (text if "/" not in text and " " not in text else "")
    slug = slug.strip().rstrip("/")
    if not _LINKEDIN_MEMBER_ID_RE.match(slug):
        slug = slug.lower()
    return slug or None


def normalize_identifier(kind: IdentifierKind, raw: str) -> str | None:
    """The lookup form of ``raw`` for ``kind``, or None when ``raw`` is not valid."""
    match kind:
        case IdentifierKind.EMAIL:
            return normalize_email(raw)
        case IdentifierKind.PHONE:
            return normalize_phone(raw)
        case IdentifierKind.TELEGRAM_USERNAME | IdentifierKind.TWITTER_HANDLE:
            return normalize_handle(raw)
        case IdentifierKind.LINKEDIN_SLUG:
            return linkedin_slug(raw)
        case _:
            value = raw.strip()
            return value or None


def new_bcc_hash() -> str:
    """A short, URL-safe, unguessable hash for BCC logging (10 chars, ~50 bits)."""
    return new_bcc_hashes(1)[0]


# Base32 spells 5 bits per letter, as the hash's own 32 letters do.
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _BCC_ALPHABET)


def new_bcc_hashes(count: int) -> list[str]:
    """``count`` new BCC hashes from one draw of the system's randomness (bulk imports
    make 100k of them: one draw, a system call, per hash took half a second of such an
    import)."""
    letters = base64.b32encode(secrets.token_bytes(count * 50 // 8 + 5)).decode()
    letters = letters.translate(_FROM_BASE32)
    return [letters[i : i + 10] for i in range(0, count * 10, 10)]


def identifier_url(kind: IdentifierKind, display: str) -> str | None:
    """A link to the profile behind an identifier, when there is one."""
    match kind:
        case IdentifierKind.EMAIL:
            return f"mailto:{display}"
        case IdentifierKind.PHONE:
            return f"tel:{display}"
        case IdentifierKind.TELEGRAM_USERNAME:
            return f"https://t.me/{display.lstrip('@')}"
        case IdentifierKind.TWITTER_HANDLE:
            return f"https://x.com/{display.lstrip('@')}"
        case IdentifierKind.LINKEDIN_SLUG:
            return f"https://www.linkedin.com/in/{display}"
        case _:
            return None
