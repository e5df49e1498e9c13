"""What the matcher knows about one contact, computed once per scan from plain rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pingcrm.contacts.identifiers import (
    email_domain,
    is_webmail,
    linkedin_slug,
    normalize_email,
    normalize_phone,
)
from pingcrm.identity.names import alnum, first_name_group, fold, letters, tokens
from pingcrm.models import IdentifierKind
from pingcrm.organizations.resolution import normalize_company

_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_LINKEDIN_IN_TEXT = re.compile(r"linkedin\.com/in/[^/?#\s]+", re.IGNORECASE)
_PHONE_IN_TEXT = re.compile(r"\+\d[\d ()\-.]{6,18}\d")
# A LinkedIn slug often ends in a generated suffix ("jane-doe-4a1b2c3"): not a username.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_GMAIL_SUFFIXES = ("@gmail.com", "@googlemail.com")
_SLUG_SUFFIX = re.compile(r"-[0-9a-f]{5,}$")
_USERNAME_SEPARATORS = re.compile(r"[^a-z0-9]+")
# A generated id ("4a1b2c3"): hex digits with at least one digit.
_HEX_ID = re.compile(r"^(?=.*\d)[0-9a-f]+$")

# Identifier kinds that name exactly one person (tier 1), and how they are keyed.
STRONG_KINDS: dict[IdentifierKind, str] = {
    IdentifierKind.EMAIL: "email",
    IdentifierKind.PHONE: "phone",
    IdentifierKind.TELEGRAM_ID: "telegram_id",
    IdentifierKind.TWITTER_ID: "twitter_id",
    IdentifierKind.LINKEDIN_ID: "linkedin",
    IdentifierKind.LINKEDIN_SLUG: "linkedin",
}
HANDLE_KINDS = frozenset(
    {IdentifierKind.TELEGRAM_USERNAME, IdentifierKind.TWITTER_HANDLE, IdentifierKind.LINKEDIN_SLUG}
)


@dataclass
class Features:
    """One contact, normalised for matching."""

    id: int
    full_name: str
    first: str = ""
    last: str = ""
    name_tokens: tuple[str, ...] = ()
    emails: set[str] = field(default_factory=set)
    # Letters of each email's local part ("j.smith+x" → "jsmith").
    email_locals: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)  # non-webmail only
    # Letters of each username (Telegram, X, LinkedIn slug), keyed by platform kind.
    handles: dict[str, str] = field(default_factory=dict)
    # The usernames as written (lower-cased), keyed by platform kind.
    raw_handles: dict[str, str] = field(default_factory=dict)
    # How this contact's own name is written as a username ("jsmith", "johnsmith", …).
    forms: frozenset[str] = frozenset()
    strong: set[tuple[str, str]] = field(default_factory=set)
    # Certain identifiers written in this contact's bios (an email, a profile URL, a phone).
    bio_strong: set[tuple[str, str]] = field(default_factory=set)
    company: str = ""
    groups: frozenset[str] = frozenset()
    # The parts of every username and email local part that are not the contact's own
    # name spelled out ("jsmith84" of "jsmith84@gmail.com", "tg_jsmith84", the slug
    # "jsmith84-1a2b"): a part chosen by the person, which another record may repeat.
    usernames: frozenset[str] = frozenset()
    # The usernames of ``usernames`` the person wrote themselves: all but those only a
    # LinkedIn profile address has (LinkedIn numbers a taken name itself: "jsmith57").
    chosen_usernames: frozenset[str] = frozenset()

    @property
    def has_full_name(self) -> bool:
        return bool(self.first and self.last)


def strong_key(kind: IdentifierKind, value: str) -> tuple[str, str] | None:
    """The tier-1 key of a stored identifier, normalised again (old rows, Gmail rules)."""
    label = STRONG_KINDS.get(kind)
    if label is None:
        return None
    if kind is IdentifierKind.EMAIL:
        # Stored values are normalised; only older or hand-fixed rows need it again.
        needs = value != value.lower() or value.endswith(_GMAIL_SUFFIXES) or "@" not in value
        norm = normalize_email(value) if needs else value
        if norm and "+" in norm.split("@", 1)[0]:
            # A plus-address is the same mailbox on every provider that has them
            # ("jane+crm@acme.io" is jane@acme.io).
            local, _, domain = norm.partition("@")
            norm = f"{local.split('+', 1)[0]}@{domain}"
    elif kind is IdentifierKind.PHONE:
        norm = value if _E164.match(value) else normalize_phone(value)
    elif kind is IdentifierKind.LINKEDIN_SLUG:
        norm = linkedin_slug(value)
    else:
        norm = value.strip().lower() or None
    return (label, norm) if norm else None


def bio_keys(text: str) -> set[tuple[str, str]]:
    """Emails, LinkedIn profiles and international phone numbers written in ``text``."""
    found: set[tuple[str, str]] = set()
    if "@" in text:
        for raw in _EMAIL_IN_TEXT.findall(text):
            email = normalize_email(raw.rstrip("."))
            if email:
                found.add(("email", email))
    if "linkedin.com" in text.lower():
        for raw in _LINKEDIN_IN_TEXT.findall(text):
            slug = linkedin_slug(raw)
            if slug:
                found.add(("linkedin", slug))
    if "+" in text:
        for raw in _PHONE_IN_TEXT.findall(text):
            phone = normalize_phone(raw)
            if phone:
                found.add(("phone", phone))
    return found


def build(
    row: Any,
    identifiers: Iterable[tuple[IdentifierKind, str]],
) -> Features:
    """Features of one contact from its row (id, full_name, given_name, family_name,
    company, twitter_bio, linkedin_headline, telegram_bio, common_groups) and identifiers."""
    given = tokens(row.given_name)
    family = tokens(row.family_name)
    words = tokens(row.full_name)
    # A compound given name is one name ("João Guilherme" is not "João Lucas").
    if given and family:
        first, last = "".join(given), family[-1]
    elif len(words) >= 2:
        first, last = "".join(words[:-1]), words[-1]
    else:
        first, last = (words[0] if words else (given[0] if given else "")), ""
    features = Features(
        id=row.id,
        full_name=row.full_name,
        first=first,
        last=last,
        name_tokens=words or given + family,
        company=normalize_company(row.company) if row.company else "",
        groups=frozenset(g.strip().lower() for g in (row.common_groups or []) if g),
    )
    for kind, value in identifiers:
        key = strong_key(kind, value)
        if key is not None:
            features.strong.add(key)
        if kind is IdentifierKind.EMAIL and key is not None:
            email = key[1]
            features.emails.add(email)
            local = letters(email.split("@", 1)[0].split("+", 1)[0])
            if len(local) >= 3:
                features.email_locals.add(local)
            domain = email_domain(email)
            if not is_webmail(domain):
                features.domains.add(domain)
        if kind in HANDLE_KINDS:
            handle = _SLUG_SUFFIX.sub("", value) if kind is IdentifierKind.LINKEDIN_SLUG else value
            text = alnum(handle)
            if len(text) >= 4:
                features.handles[kind.value] = text
                features.raw_handles[kind.value] = handle.lower()
    for bio in (row.twitter_bio, row.linkedin_headline, row.telegram_bio):
        if bio:
            features.bio_strong |= bio_keys(bio)
    features.bio_strong -= features.strong
    forms = name_forms(features) | {features.first, features.last}
    given_all, family_all = alnum(row.given_name or ""), alnum(row.family_name or "")
    if given_all and family_all:
        forms |= {given_all + family_all, given_all[0] + family_all, family_all + given_all[0]}
    # Every run of the name's words written as one ("Tom da Paz" → "dapaz") is the name.
    name_words = [alnum(w) for w in fold(row.full_name or "").split()]
    forms |= {
        "".join(name_words[i:j])
        for i in range(len(name_words))
        for j in range(i + 1, len(name_words) + 1)
    }
    features.forms = frozenset(forms - {""})
    # Usernames the person chose: handles and personal (webmail) addresses. A work
    # address is given by the employer ("j.smith2@acme.io" says nothing of a handle).
    chosen = [local for local, _, domain in (e.partition("@") for e in features.emails)
              if domain not in features.domains]  # fmt: skip
    # The formal name of a nickname is the name too ("susan" in Sue's address).
    own_name = first_name_group(alnum(features.first)) if features.first else frozenset()

    def parts_of(raws: Iterable[str]) -> frozenset[str]:
        return frozenset(
            part
            for raw in raws
            for part in username_parts(raw)
            if part not in features.forms and part not in own_name
        )

    slug = IdentifierKind.LINKEDIN_SLUG.value
    features.chosen_usernames = parts_of(
        [*(h for k, h in features.raw_handles.items() if k != slug), *chosen]
    )
    features.usernames = features.chosen_usernames | parts_of(
        [h for k, h in features.raw_handles.items() if k == slug]
    )
    return features


def username_parts(raw: str) -> set[str]:
    """The parts of a username or email local part that could identify a person: the
    whole without separators (``j.smith_84`` → ``jsmith84``) and the pieces between
    separators (``tg_jsmith84`` → ``jsmith84``), of at least five characters with a
    letter, neither a generated hex id nor a plus tag."""
    pieces = _USERNAME_SEPARATORS.split(fold(raw.split("+", 1)[0]))
    parts = set()
    for piece in (*pieces, "".join(pieces)):
        if len(piece) >= 5 and not piece.isdigit() and not _HEX_ID.match(piece):
            parts.add(piece)
    return parts


def name_forms(f: Features) -> set[str]:
    """How this person's name is written as a username or email local part."""
    if not f.first:
        return set()
    if not f.last:
        return {f.first}
    first, last = alnum(f.first), alnum(f.last)
    return {first + last, first[0] + last, last + first, first + last[0], last + first[0]}
