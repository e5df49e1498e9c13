"""The seeded demo/benchmark dataset, generated in memory without touching the database.

Everything is drawn from one ``random.Random(seed)`` (and Faker instances seeded from
it), in a fixed order, so the same seed, size and anchor time give the same dataset.

People come from several locales and sources (Gmail senders, LinkedIn connections,
Telegram and X contacts, Google Contacts). Closeness tiers shape their interactions: a
small core of close contacts with many two-way conversations over years, regulars, and a
long tail of one-off exchanges. A few percent of people are **planted duplicates**: the
same person recorded twice by different sources, with the evidence a resolver can use.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

import phonenumbers
from faker import Faker
from nicknames import NickNamer

from pingcrm.contacts.identifiers import normalize_email, normalize_phone
from pingcrm.contacts.search_text import build_search_text, sort_name
from pingcrm.demo import data
from pingcrm.models import (
    CONNECTION_PREVIEW,
    IdentifierKind,
    InteractionKind,
    Platform,
    Priority,
)
from pingcrm.organizations.resolution import normalize_company

YEARS = 5
_NICKNAMER = NickNamer()
BCC_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PAIR_KINDS = (
    "nickname_company",
    "gmail_variant_in_bio",
    "same_name_company",
    "work_email_in_bio",
    "shared_username",
    "phone_in_bio",
    "linkedin_in_bio",
)
# Closeness tiers: (name, share of people, typical interaction count, spread).
TIERS = (
    ("close", 0.03, 140.0, 0.6),
    ("regular", 0.15, 24.0, 0.5),
    ("occasional", 0.35, 5.0, 0.5),
    ("one_off", 0.47, 1.0, 0.0),
)
PLATFORM_WEIGHT = {
    Platform.EMAIL: 4.0,
    Platform.TELEGRAM: 4.0,
    Platform.TWITTER: 1.2,
    Platform.LINKEDIN: 1.5,
    Platform.MEETING: 1.0,
    Platform.MANUAL: 0.4,
}


@dataclass(frozen=True)
class Company:
    name: str
    key: str  # normalised name, as organizations are resolved
    domain: str


@dataclass
class Person:
    """One contact to insert, with what its interactions will look like."""

    row: dict[str, Any]
    org: str | None
    identifiers: list[tuple[IdentifierKind, str, str, str | None]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tier: str = "one_off"
    n_interactions: int = 0
    outbound: float = 0.5
    channels: list[Platform] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class PlantedPair:
    """Two positions (in generation order) that are the same real person."""

    a: int
    b: int
    kind: str
    evidence: str


def _zipf_cum_weights(n: int, exponent: float = 0.9) -> list[float]:
    return list(accumulate(1.0 / (i + 1) ** exponent for i in range(n)))


class DemoGenerator:
    """Draws people, planted duplicates and interactions for one dataset."""

    def __init__(
        self,
        *,
        seed: int,
        contacts: int,
        interactions: int | None = None,
        now: datetime,
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_contacts = contacts
        self.n_interactions = interactions
        self.now = now.astimezone(UTC)
        self.start = self.now - timedelta(days=365 * YEARS)
        self.used: set[tuple[IdentifierKind, str]] = set()
        self.used_bcc: set[str] = set()
        self.used_names: set[tuple[str, str | None]] = set()
        # Usernames across platforms: only a planted pair shares one (the same handle on
        # Telegram and X is how one person is recognised).
        self.used_handles: set[str] = set()
        self.formal = {
            nick.lower(): formal for formal, nicks in data.NICKNAMES.items() for nick in nicks
        }
        self._seq = 0
        self._build_pools()

    # ----------------------------------------------------------------- pools
    def _build_pools(self) -> None:
        rng = self.rng
        self.locales = [loc for loc, *_ in data.LOCALES]
        self.locale_cum = list(accumulate(w for _, w, *_ in data.LOCALES))
        self.phone_cc = {loc: cc for loc, _, cc, _ in data.LOCALES}
        self.cities = {loc: cities for loc, _, _, cities in data.LOCALES}
        self.names: dict[str, dict[str, list[str]]] = {}
        for index, locale in enumerate(self.locales):
            fake = Faker(locale)
            fake.seed_instance(self.seed * 101 + index)
            pools: dict[str, list[str]] = {}
            for gender in ("male", "female"):
                first = getattr(fake, f"first_name_{gender}")
                last = getattr(fake, f"last_name_{gender}")
                pools[f"first_{gender}"] = sorted({first() for _ in range(300)})
                pools[f"last_{gender}"] = sorted({last() for _ in range(400)})
            self.names[locale] = pools
        self.formal_names = sorted(data.NICKNAMES)
        self.webmail_cum = list(accumulate(w for _, w in data.WEBMAIL))
        self.tld_cum = list(accumulate(w for _, w in data.TLDS))
        n_companies = min(2000, max(10, self.n_contacts // 5))
        fakers = []
        for index, locale in enumerate(("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL")):
            fake = Faker(locale)
            fake.seed_instance(self.seed * 7 + index)
            fakers.append(fake)
        companies: list[Company] = []
        keys: set[str] = set()
        domains: set[str] = set()
        while len(companies) < n_companies:
            if rng.random() < 0.5:
                name = rng.choice(fakers).company()
            else:
                name = (
                    rng.choice(data.COMPANY_WORDS_A)
                    + rng.choice(data.COMPANY_WORDS_B)
                    + rng.choice(data.COMPANY_SUFFIXES)
                )
            key = normalize_company(name)
            slug = "".join(c for c in data.transliterate(key) if c.isalnum())
            if not slug or key in keys:
                continue
            domain = slug + rng.choices([t for t, _ in data.TLDS], cum_weights=self.tld_cum)[0]
            if domain in domains:
                continue
            keys.add(key)
            domains.add(domain)
            companies.append(Company(name=name, key=key, domain=domain))
        self.companies = companies
        self.company_cum = _zipf_cum_weights(len(companies))
        topics = data.TOPICS
        self.subjects = [
            t.format(
                topic=rng.choice(topics),
                first=rng.choice(self.names["en_US"]["first_male"]),
                company=rng.choice(companies).name,
                other=rng.choice(companies).name,
                event=rng.choice(data.EVENTS),
            )
            for t in data.SUBJECTS
            for _ in range(12)
        ]
        self.snippets = [
            t.format(
                topic=rng.choice(topics),
                company=rng.choice(companies).name,
                event=rng.choice(data.EVENTS),
            )
            for t in data.SNIPPETS
            for _ in range(15)
        ]
        self.meetings = [
            t.format(
                topic=rng.choice(topics),
                first=rng.choice(self.names["en_GB"]["first_female"]),
                company=rng.choice(companies).name,
            )
            for t in data.MEETING_TITLES
            for _ in range(8)
        ]
        self.calls = [
            t.format(topic=rng.choice(topics), company=rng.choice(companies).name)
            for t in data.CALL_NOTES
            for _ in range(6)
        ]
        self.all_tags = [tag for tags in data.TAG_TAXONOMY.values() for tag in tags]
        self.tag_cum = _zipf_cum_weights(len(self.all_tags), 0.7)

    # --------------------------------------------------------------- helpers
    def _locale(self) -> str:
        return self.rng.choices(self.locales, cum_weights=self.locale_cum)[0]

    def _company(self) -> Company:
        return self.rng.choices(self.companies, cum_weights=self.company_cum)[0]

    def _name(self, locale: str) -> tuple[str, str]:
        gender = "male" if self.rng.random() < 0.5 else "female"
        pools = self.names[locale]
        return self.rng.choice(pools[f"first_{gender}"]), self.rng.choice(pools[f"last_{gender}"])

    def _name_keys(
        self, first: str, last: str, company: str | None
    ) -> list[tuple[str, str | None]]:
        """Who a name at a company is: the name and its formal forms (this module's table
        and the ``nicknames`` dataset), so two people at one company are never "Bob
        Smith" and "Robert Smith" (or "Joe" and "Joshua") unless planted."""
        lower = first.lower()
        forms = {lower, self.formal.get(lower, lower).lower()}
        forms.update(_NICKNAMER.canonicals_of(lower))
        return [(sort_name(f"{form} {last}"), company) for form in sorted(forms)]

    def _name_free(self, first: str, last: str, company: str | None) -> bool:
        return not any(key in self.used_names for key in self._name_keys(first, last, company))

    def _use_name(self, first: str, last: str, company: str | None) -> None:
        self.used_names.update(self._name_keys(first, last, company))

    def _bcc(self) -> str:
        while True:
            value = "".join(self.rng.choice(BCC_ALPHABET) for _ in range(10))
            if value not in self.used_bcc:
                self.used_bcc.add(value)
                return value

    def _claim(self, kind: IdentifierKind, value: str) -> bool:
        key = (kind, value)
        if key in self.used:
            return False
        self.used.add(key)
        return True

    @staticmethod
    def _ascii(text: str) -> str:
        return "".join(c for c in data.transliterate(text).lower() if c.isalnum())

    def _add_email(self, person: Person, local: str, domain: str, label: str) -> str | None:
        for attempt in range(20):
            suffix = "" if attempt == 0 else str(self.rng.randint(2, 999))
            display = f"{local}{suffix}@{domain}"
            value = normalize_email(display)
            if value and self._claim(IdentifierKind.EMAIL, value):
                person.identifiers.append((IdentifierKind.EMAIL, value, display, label))
                return display
        return None

    def _work_email(self, person: Person, first: str, last: str, company: Company) -> str | None:
        f, la = self._ascii(first), self._ascii(last)
        local = self.rng.choice([f"{f}.{la}", f"{f}", f"{f[:1]}{la}", f"{f}{la[:1]}"])
        return self._add_email(person, local or "hello", company.domain, "work")

    def _personal_email(self, person: Person, first: str, last: str) -> str | None:
        f, la = self._ascii(first), self._ascii(last)
        domain = self.rng.choices([d for d, _ in data.WEBMAIL], cum_weights=self.webmail_cum)[0]
        local = self.rng.choice([f"{f}.{la}", f"{f}{la}", f"{la}.{f}", f"{f}_{la}"])
        return self._add_email(person, local or "mail", domain, "home")

    def _phone(self, person: Person, locale: str) -> None:
        cc = self.phone_cc[locale]
        rng = self.rng
        for _ in range(10):
            if cc == "1":
                national = (
                    f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                )
            elif cc == "7":
                national = f"9{rng.randint(10, 99)}{rng.randint(0, 9999999):07d}"
            elif cc == "91":
                national = f"9{rng.randint(0, 999999999):09d}"
            else:
                national = f"{rng.choice('6789')}{rng.randint(0, 99999999):08d}"
                if cc in ("44", "49", "55"):
                    national += str(rng.randint(0, 9))
            value = normalize_phone(f"+{cc}{national}")
            if value and self._claim(IdentifierKind.PHONE, value):
                parsed = phonenumbers.parse(value)
                display = phonenumbers.format_number(
                    parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                )
                person.identifiers.append((IdentifierKind.PHONE, value, display, "mobile"))
                return

    def _handle(
        self, person: Person, kind: IdentifierKind, base: str, *, shared: bool = False
    ) -> str | None:
        for attempt in range(20):
            handle = base if attempt == 0 else f"{base}{self.rng.randint(1, 9999)}"
            handle = handle[:32]
            if not shared and handle.lower() in self.used_handles:
                continue
            if self._claim(kind, handle.lower()):
                self.used_handles.add(handle.lower())
                # Stored without "@" like every other handle (the page adds it).
                person.identifiers.append((kind, handle.lower(), handle, None))
                return handle
        return None

    def _numeric_id(self, person: Person, kind: IdentifierKind, low: int, high: int) -> None:
        while True:
            value = str(self.rng.randint(low, high))
            if self._claim(kind, value):
                person.identifiers.append((kind, value, value, None))
                return

    def _telegram(self, person: Person, base: str) -> str | None:
        self._numeric_id(person, IdentifierKind.TELEGRAM_ID, 10_000_000, 7_999_999_999)
        return self._handle(person, IdentifierKind.TELEGRAM_USERNAME, base)

    def _twitter(self, person: Person, base: str) -> str | None:
        self._numeric_id(person, IdentifierKind.TWITTER_ID, 10_000, 1_900_000_000_000_000_000)
        return self._handle(person, IdentifierKind.TWITTER_HANDLE, base)

    def _linkedin(self, person: Person, first: str, last: str) -> None:
        base = f"{self._ascii(first)}-{self._ascii(last)}".strip("-") or "member"
        for _ in range(20):
            slug = f"{base}-{self.rng.getrandbits(28):07x}"
            if self._claim(IdentifierKind.LINKEDIN_SLUG, slug):
                person.identifiers.append((IdentifierKind.LINKEDIN_SLUG, slug, slug, None))
                return

    def _username_base(self, first: str, last: str) -> str:
        f, la = self._ascii(first), self._ascii(last)
        return (
            self.rng.choice(
                [f"{f}{la}", f"{f}_{la}", f"{f[:1]}{la}", f"{f}.{la}", f"{la}{f[:1]}", f"{f}_dev"]
            ).strip("._")
            or "user"
        )

    def _birthday(self, upcoming: bool) -> date:
        rng = self.rng
        year = rng.randint(1958, 2003)
        if upcoming:
            day = (self.now + timedelta(days=rng.randint(0, 13))).date()
            if day.month == 2 and day.day == 29:
                year = 1992
            return date(year, day.month, day.day)
        return date(year, 1, 1) + timedelta(days=rng.randrange(365))

    # ---------------------------------------------------------------- people
    def _tier_draws(self, n: int) -> list[tuple[str, int]]:
        rng = self.rng
        cum = list(accumulate(share for _, share, _, _ in TIERS))
        draws: list[tuple[str, int]] = []
        for _ in range(n):
            name, _share, typical, spread = rng.choices(TIERS, cum_weights=cum)[0]
            if name == "one_off":
                count = rng.choices((0, 1, 2), (0.25, 0.6, 0.15))[0]
            else:
                count = max(1, round(rng.lognormvariate(0, spread) * typical))
            draws.append((name, count))
        return draws

    def _scale(self, counts: list[int]) -> list[int]:
        if self.n_interactions is None:
            return counts
        total = sum(counts)
        if total == 0:
            return counts
        factor = self.n_interactions / total
        scaled: list[int] = []
        acc = 0.0
        emitted = 0
        for count in counts:
            acc += count * factor
            value = round(acc) - emitted
            emitted += value
            scaled.append(value)
        return scaled

    def _person(
        self,
        *,
        first: str,
        last: str,
        locale: str,
        source: str,
        company: Company | None,
        company_name: str | None = None,
        full_name: str | None = None,
    ) -> Person:
        rng = self.rng
        name = full_name or f"{first} {last}"
        title = rng.choice(data.TITLES) if company and rng.random() < 0.85 else None
        location = rng.choice(self.cities[locale]) if rng.random() < 0.7 else None
        row: dict[str, Any] = {
            "full_name": name,
            "given_name": first,
            "family_name": last or None,
            "company": (company_name or company.name) if company else None,
            "title": title,
            "location": location,
            "birthday": None,
            "twitter_bio": None,
            "linkedin_headline": None,
            "telegram_bio": None,
            "priority": Priority.MEDIUM,
            "is_second_tier": False,
            "common_groups": [],
            "source": source,
        }
        return Person(row=row, org=company.key if company else None)

    def _single(self, source: str, second_tier: bool) -> tuple[Person, str, str, str]:
        rng = self.rng
        while True:
            locale = self._locale()
            first, last = self._name(locale)
            company = (
                self._company()
                if rng.random() < (0.45 if source in ("telegram", "twitter") else 0.8)
                else None
            )
            if self._name_free(first, last, company.key if company else None):
                self._use_name(first, last, company.key if company else None)
                break
        person = self._person(first=first, last=last, locale=locale, source=source, company=company)
        if second_tier:
            person.row["is_second_tier"] = True
            person.row["common_groups"] = rng.sample(data.GROUPS, rng.randint(1, 2))
            self._telegram(person, self._username_base(first, last))
            return person, first, last, locale
        wants = {
            "email": {"gmail": 1, "google_contacts": 1, "linkedin": 0.2, "manual": 0.5}.get(
                source, 0.1
            ),
            "phone": {"google_contacts": 0.8, "telegram": 0.5, "manual": 0.6, "gmail": 0.1}.get(
                source, 0.03
            ),
            "telegram": 1.0 if source == "telegram" else 0.1,
            "twitter": 1.0 if source == "twitter" else 0.07,
            "linkedin": {"linkedin": 1, "gmail": 0.25}.get(source, 0.1),
        }
        if rng.random() < wants["email"]:
            if company and rng.random() < 0.65:
                self._work_email(person, first, last, company)
            else:
                self._personal_email(person, first, last)
        if rng.random() < wants["phone"]:
            self._phone(person, locale)
        if rng.random() < wants["telegram"]:
            self._telegram(person, self._username_base(first, last))
        if rng.random() < wants["twitter"]:
            self._twitter(person, self._username_base(first, last))
            person.row["twitter_bio"] = self._bio(person)
        if rng.random() < wants["linkedin"]:
            self._linkedin(person, first, last)
            if person.row["title"] and person.row["company"]:
                person.row["linkedin_headline"] = (
                    f"{person.row['title']} at {person.row['company']}"
                )
        return person, first, last, locale

    def _bio(self, person: Person, extra: str = "") -> str:
        rng = self.rng
        title, company = person.row["title"], person.row["company"]
        head = f"{title} at {company}." if title and company else "Building things."
        return f"{head} Into {rng.choice(data.TOPICS)} and {rng.choice(data.TOPICS)}.{extra}"

    def _fresh_name(
        self, locale: str, company: Company | None, formal: bool = False
    ) -> tuple[str, str]:
        """A name not yet used at ``company`` (so only planted pairs are duplicates)."""
        key_company = company.key if company else None
        while True:
            if formal:
                first = self.rng.choice(self.formal_names)
                last = self.rng.choice(self.names[locale]["last_male"])
            else:
                first, last = self._name(locale)
            if self._name_free(first, last, key_company):
                self._use_name(first, last, key_company)
                return first, last

    def _pair(self, kind: str) -> tuple[Person, Person, str]:
        """Two records of one real person, and the evidence that links them."""
        rng = self.rng
        company = self._company()
        if kind == "nickname_company":
            first, last = self._fresh_name(rng.choice(("en_US", "en_GB")), company, formal=True)
            a = self._person(
                first=first, last=last, locale="en_US", source="gmail", company=company
            )
            self._work_email(a, first, last, company)
            nick = rng.choice(data.NICKNAMES[first])
            self._use_name(nick, last, company.key)
            short = company.name.split(",")[0].replace(" Inc.", "").strip()
            b = self._person(
                first=nick, last=last, locale="en_US", source="linkedin", company=company,
                company_name=short if normalize_company(short) == company.key else None,
            )  # fmt: skip
            self._linkedin(b, nick, last)
            return a, b, f"{first}/{nick} {last} at {company.name}"
        locale = self._locale()
        if kind == "same_name_company":
            first, last = self._fresh_name(locale, company)
            a = self._person(first=first, last=last, locale=locale, source="gmail", company=company)
            self._work_email(a, first, last, company)
            plain_first, plain_last = data.transliterate(first), data.transliterate(last)
            self._use_name(plain_first, plain_last, company.key)
            b = self._person(
                first=plain_first, last=plain_last, locale=locale, source="linkedin",
                company=company,
            )  # fmt: skip
            self._linkedin(b, plain_first, plain_last)
            return a, b, f"{first} {last} / {plain_first} {plain_last} at {company.name}"
        first, last = self._fresh_name(locale, None)
        if kind == "gmail_variant_in_bio":
            a = self._person(
                first=first, last=last, locale=locale, source="google_contacts", company=None
            )
            f, la = self._ascii(first), self._ascii(last)
            display = self._add_email(a, f"{f}.{la}", "gmail.com", "home") or "x@gmail.com"
            self._phone(a, locale)
            local = display.split("@")[0]
            tag = rng.choice(("x", "news", "tw", "hello"))
            variant = rng.choice(
                (f"{local.replace('.', '')}+{tag}", f"{local}+{tag}", f"{local.replace('.', '')}")
            )
            b = self._person(first=first, last=last, locale=locale, source="twitter", company=None)
            self._twitter(b, self._username_base(first, last))
            b.row["twitter_bio"] = self._bio(b, f" Reach me: {variant}@gmail.com")
            return a, b, f"{variant}@gmail.com ~ {display}"
        if kind == "work_email_in_bio":
            a = self._person(
                first=first, last=last, locale=locale, source="linkedin", company=company
            )
            self._linkedin(a, first, last)
            work = self._work_email(a, first, last, company)
            only_first = rng.random() < 0.4
            b = self._person(
                first=first, last=last, locale=locale, source="telegram", company=None,
                full_name=first if only_first else None,
            )  # fmt: skip
            if only_first:
                b.row["family_name"] = None
            self._telegram(b, self._username_base(first, last))
            b.row["telegram_bio"] = f"Work: {work}"
            return a, b, f"{work} in telegram bio"
        if kind == "phone_in_bio":
            # A Google contact with a phone; a Telegram chat whose bio writes it the
            # national way ("call me: 030 1234567" is ambiguous, so international spaced).
            a = self._person(
                first=first, last=last, locale=locale, source="google_contacts", company=None
            )
            self._phone(a, locale)
            phone = next((v for k, v, _, _ in a.identifiers if k == IdentifierKind.PHONE), None)
            b = self._person(first=first, last=last, locale=locale, source="telegram", company=None,
                             full_name=first)  # fmt: skip
            b.row["family_name"] = None
            self._telegram(b, self._username_base(first, last))
            if phone:
                parsed = phonenumbers.parse(phone)
                spaced = phonenumbers.format_number(
                    parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                )
                b.row["telegram_bio"] = f"{rng.choice(data.TOPICS).capitalize()}. Call {spaced}"
            return a, b, f"{phone} in telegram bio"
        if kind == "linkedin_in_bio":
            a = self._person(first=first, last=last, locale=locale, source="linkedin", company=None)
            self._linkedin(a, first, last)
            slug = next(v for k, v, _, _ in a.identifiers if k == IdentifierKind.LINKEDIN_SLUG)
            b = self._person(first=first, last=last, locale=locale, source="twitter", company=None)
            self._twitter(b, self._username_base(first, last))
            b.row["twitter_bio"] = self._bio(b, f" linkedin.com/in/{slug}")
            return a, b, f"linkedin.com/in/{slug} in x bio"
        # shared_username: the same handle on Telegram and X.
        a = self._person(first=first, last=last, locale=locale, source="telegram", company=None)
        b = self._person(first=first, last=last, locale=locale, source="twitter", company=None)
        base = self._username_base(first, last)
        handle = base
        while (
            handle.lower() in self.used_handles
            or (IdentifierKind.TELEGRAM_USERNAME, handle.lower()) in self.used
            or (
                IdentifierKind.TWITTER_HANDLE,
                handle.lower(),
            )
            in self.used
        ):
            handle = f"{base}{rng.randint(1, 9999)}"
        self._numeric_id(a, IdentifierKind.TELEGRAM_ID, 10_000_000, 7_999_999_999)
        self._handle(a, IdentifierKind.TELEGRAM_USERNAME, handle)
        self._numeric_id(b, IdentifierKind.TWITTER_ID, 10_000, 1_900_000_000_000_000_000)
        self._handle(b, IdentifierKind.TWITTER_HANDLE, handle, shared=True)
        b.row["twitter_bio"] = self._bio(b)
        return a, b, f"@{handle} on telegram and x"

    def people(self) -> tuple[list[Person], list[PlantedPair]]:
        """Every contact in insertion order, and the planted duplicate pairs."""
        rng = self.rng
        n = self.n_contacts
        draws = self._tier_draws(n)
        n_pairs = min(n // 2, max(1, round(n * 0.02))) if n >= 2 else 0
        slots = rng.sample(range(n), 2 * n_pairs)
        pair_of: dict[int, tuple[int, str]] = {}
        for index in range(n_pairs):
            a, b = sorted(slots[2 * index : 2 * index + 2])
            pair_of[a] = (b, PAIR_KINDS[index % len(PAIR_KINDS)])
        second_tier = {i for i in range(n) if i not in pair_of and rng.random() < 0.03}
        second_tier -= {b for b, _ in pair_of.values()}
        counts = self._scale(
            [0 if i in second_tier else count for i, (_, count) in enumerate(draws)]
        )
        sources = ["gmail", "linkedin", "telegram", "twitter", "google_contacts", "manual"]
        source_cum = list(accumulate((45, 25, 15, 7, 6, 2)))
        upcoming_every = max(20, n // 60)

        people: list[Person | None] = [None] * n
        pairs: list[PlantedPair] = []
        for i in range(n):
            if people[i] is not None:
                continue
            if i in pair_of:
                b_index, kind = pair_of[i]
                first, twin, evidence = self._pair(kind)
                people[i], people[b_index] = first, twin
                pairs.append(PlantedPair(a=i, b=b_index, kind=kind, evidence=evidence))
                continue
            source = (
                "telegram" if i in second_tier else rng.choices(sources, cum_weights=source_cum)[0]
            )
            people[i] = self._single(source, i in second_tier)[0]
        result: list[Person] = []
        for i, maybe in enumerate(people):
            assert maybe is not None
            person = maybe
            tier, _ = draws[i]
            person.tier = tier
            person.n_interactions = counts[i]
            self._finish(person, i, upcoming=i % upcoming_every == 7)
            result.append(person)
        return result, pairs

    def _finish(self, person: Person, index: int, upcoming: bool) -> None:
        """Priority, tags, notes, birthday, activity window, bcc and search text."""
        rng = self.rng
        row = person.row
        tier = person.tier
        if row["is_second_tier"]:
            row["priority"] = Priority.LOW
        else:
            weights = {
                "close": (60, 40, 0, 0),
                "regular": (10, 70, 20, 0),
                "occasional": (2, 43, 50, 5),
                "one_off": (0, 20, 70, 10),
            }[tier]
            row["priority"] = rng.choices(
                (Priority.HIGH, Priority.MEDIUM, Priority.LOW, Priority.ARCHIVED), weights
            )[0]
        if rng.random() < (0.9 if tier == "close" else 0.5):
            person.tags = sorted(
                set(rng.choices(self.all_tags, cum_weights=self.tag_cum, k=rng.randint(1, 3)))
            )
        if rng.random() < (0.5 if tier == "close" else 0.04):
            person.notes = [
                rng.choice(data.NOTE_TEMPLATES).format(
                    event=rng.choice(data.EVENTS),
                    topic=rng.choice(data.TOPICS),
                    company=rng.choice(self.companies).name,
                )
                for _ in range(rng.randint(1, 2))
            ]
        if upcoming:
            row["birthday"] = self._birthday(True)
        elif rng.random() < (0.7 if row["source"] == "google_contacts" else 0.2):
            row["birthday"] = self._birthday(False)
        kinds = {kind for kind, *_ in person.identifiers}
        channels: list[Platform] = []
        if IdentifierKind.EMAIL in kinds:
            channels.append(Platform.EMAIL)
        if IdentifierKind.TELEGRAM_ID in kinds:
            channels.append(Platform.TELEGRAM)
        if IdentifierKind.TWITTER_ID in kinds:
            channels.append(Platform.TWITTER)
        if IdentifierKind.LINKEDIN_SLUG in kinds:
            channels.append(Platform.LINKEDIN)
        if tier in ("close", "regular"):
            if Platform.EMAIL in channels:
                channels.append(Platform.MEETING)
            channels.append(Platform.MANUAL)
        person.channels = channels or [Platform.MANUAL]
        # Reciprocity: close people talk both ways; the long tail is one-sided.
        if tier in ("close", "regular"):
            person.outbound = min(0.8, max(0.2, rng.gauss(0.5, 0.1)))
        else:
            person.outbound = rng.choice((0.05, 0.1, 0.5, 0.9))
        span_total = (self.now - self.start).total_seconds()
        end_gap = {
            "close": rng.uniform(0, 20),
            "regular": rng.uniform(0, 200),
            "occasional": rng.uniform(20, 900),
            "one_off": rng.uniform(0, 365 * YEARS),
        }[tier] * 86400
        span = {
            "close": rng.uniform(2, YEARS) * 365,
            "regular": rng.uniform(1, 4) * 365,
            "occasional": rng.uniform(30, 700),
            "one_off": rng.uniform(0, 14),
        }[tier] * 86400
        end = self.now.timestamp() - min(end_gap, span_total)
        start = max(self.start.timestamp(), end - span)
        person.window = (start, end)
        created = datetime.fromtimestamp(int(start), UTC)
        row["created_at"] = created
        row["updated_at"] = created
        row["bcc_hash"] = self._bcc()
        row["sort_name"] = sort_name(row["full_name"])
        row["search_text"] = build_search_text(
            full_name=row["full_name"],
            company=row["company"],
            title=row["title"],
            location=row["location"],
            identifiers=[display for _, _, display, _ in person.identifiers],
            tags=person.tags,
            notes=person.notes,
            bios=[row["twitter_bio"], row["linkedin_headline"], row["telegram_bio"]],
        )

    # ----------------------------------------------------------- interactions
    def interactions(
        self,
        person: Person,
        contact_id: int,
        user_id: int,
        stamp: Callable[[int], Any],
        position: int,
    ) -> list[tuple[Any, ...]]:
        """The interaction rows of one contact (``person.n_interactions`` of them) as
        tuples in ``INTERACTION_COLUMNS`` order, with plain driver values: enum values as
        strings, timestamps through ``stamp`` (epoch seconds to the database's form)."""
        n = person.n_interactions
        if n <= 0:
            return []
        random_ = self.rng.random
        channels = person.channels
        cum = list(accumulate(PLATFORM_WEIGHT[c] for c in channels))
        total = cum[-1]
        start, end = person.window
        width = end - start
        first_name = person.row["given_name"] or person.row["full_name"]
        subjects, snippets, meetings, calls = (
            self.subjects,
            self.snippets,
            self.meetings,
            self.calls,
        )
        n_subjects, n_snippets = len(subjects), len(snippets)
        rows: list[tuple[Any, ...]] = []
        threads = max(1, n // 4)
        outbound = person.outbound
        linkedin_first = person.row["source"] == "linkedin" and Platform.LINKEDIN in channels
        for k in range(n):
            self._seq += 1
            platform = channels[bisect(cum, random_() * total)]
            if k == 0 and linkedin_first:
                platform = Platform.LINKEDIN
                kind = InteractionKind.CONNECTION
            else:
                kind = _KIND[platform]
                if platform == Platform.TWITTER and random_() < 0.4:
                    kind = InteractionKind.MENTION
            ts = int(start + random_() * width)
            ended = None
            subject = None
            is_read = None
            thread = None
            if kind in _MUTUAL_KINDS:
                direction = "mutual"
            else:
                direction = "outbound" if random_() < outbound else "inbound"
            if kind == InteractionKind.EMAIL:
                subject = subjects[int(random_() * n_subjects)]
                preview = f"{subject} — {snippets[int(random_() * n_snippets)]}"
                thread = f"t{position}x{int(random_() * threads)}"
            elif kind == InteractionKind.MEETING:
                subject = meetings[int(random_() * len(meetings))].replace("{first}", first_name)
                preview = subject
                ended = stamp(ts + 60 * (30, 45, 60)[int(random_() * 3)])
            elif kind == InteractionKind.CALL:
                preview = calls[int(random_() * len(calls))]
            elif kind == InteractionKind.CONNECTION:
                preview = CONNECTION_PREVIEW
            else:
                preview = snippets[int(random_() * n_snippets)]
                thread = f"c{position}"
                if platform == Platform.TELEGRAM and direction == "outbound":
                    is_read = random_() < 0.9
            occurred = stamp(ts)
            rows.append(
                (
                    user_id,
                    contact_id,
                    platform.value,
                    kind.value,
                    direction,
                    occurred,
                    ended,
                    subject,
                    preview[:500],
                    f"demo-{self._seq:x}",
                    thread,
                    is_read,
                    occurred,
                    occurred,
                )
            )
        return rows


_MUTUAL_KINDS = frozenset(
    {InteractionKind.MEETING, InteractionKind.CALL, InteractionKind.CONNECTION}
)
_KIND = {
    Platform.EMAIL: InteractionKind.EMAIL,
    Platform.TELEGRAM: InteractionKind.MESSAGE,
    Platform.TWITTER: InteractionKind.MESSAGE,
    Platform.LINKEDIN: InteractionKind.MESSAGE,
    Platform.MEETING: InteractionKind.MEETING,
    Platform.MANUAL: InteractionKind.CALL,
}
