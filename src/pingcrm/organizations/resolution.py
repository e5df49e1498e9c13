"""Which organization a contact belongs to: by normalised company name, else by a
non-webmail email domain. Used by the contacts service and by imports/syncs."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy.orm import Session

from pingcrm.kit.webmail import is_webmail
from pingcrm.organizations import repository

# Legal-form suffixes that do not distinguish two companies ("Acme Inc." == "Acme").
_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "bv",
        "plc",
        "corp",
        "corporation",
        "co",
        "company",
        "srl",
        "oy",
        "ab",
        "pty",
        "lp",
        "llp",
    }
)
_PUNCT = re.compile(r"[^\w\s&+-]", re.UNICODE)


# Bulk paths normalise the same few thousand company names for every row.
@lru_cache(maxsize=8192)
def normalize_company(name: str) -> str:
    """Lower-cased company name without punctuation or a trailing legal form."""
    words = _PUNCT.sub(" ", name.lower()).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)[:300]


def resolve_organization(
    session: Session, user_id: int, company: str | None, email_domain: str | None
) -> int | None:
    """The id of the user's organization for ``company`` (get-or-create by normalised
    name), else for a non-webmail ``email_domain``; None when neither says anything."""
    domain = (email_domain or "").strip().lower() or None
    if domain is not None and is_webmail(domain):
        domain = None
    if company and company.strip():
        normalized = normalize_company(company)
        if normalized:
            return repository.get_or_create_id(
                session, user_id, normalized, company.strip(), domain
            )
    if domain is None:
        return None
    by_domain = repository.first_id_with_domain(session, user_id, domain)
    if by_domain is not None:
        return by_domain
    return repository.get_or_create_id(session, user_id, domain, domain, domain)
