"""An independent identity benchmark: a book of records shaped like real exports (LinkedIn
connections, Gmail senders, Google Contacts, Telegram chats, X follows) written by a
generator that shares nothing with the demo generator or the scorer: its own name pools
of nine locales drawn with Zipf frequencies (common names repeat, as in life) over a long
tail of the rest of the world's names (most people's names are not among a country's
thousand most common: see ``HEAD_LAST``), a person's first and last names of one culture
most of the time (85 %: one locale's pools, the locales weighted as a book with a home
culture; the others draw each name from all locales, as marriages, migration and chosen
names do), so that a full name repeats more often than its parts' frequencies say, as in
real books; namesakes (~2 % of rows:
different people with one full name, with and without the same company), cross-platform
halves (name + company, no email ↔ name + email, no company), one-letter typos,
nicknames, transliterations (Tomás O'Brien / Tomas OBrien, Cyrillic / Latin) and
plus-addresses on work domains; people reuse a handle on some platforms, not all.

The records go through the real shared ingest (``contacts/ingest.py``) into an empty
database, then the real scan runs. Reported, against the ground truth of which person
each record is: people wrongly merged after the import and after the scan's automatic
merges (target 0), review-queue precision (>= 0.95), end-to-end recall of duplicate
records (joined at import, merged, or proposed for review; >= 0.90), scan time (< 30 s at
100k) and peak memory; and the same figures for the previous weighted scorer."""

from __future__ import annotations

import random
import shutil
import sys
import time
import tracemalloc
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench.registry import Row
from bench.scan_process import scan_in_process
from pingcrm.config import Settings
from pingcrm.contacts.ingest import ContactInput, OrganizationCache, upsert_contacts
from pingcrm.identity import repository
from pingcrm.identity.scan import ScanResult, compared_pairs, scan_chunks
from pingcrm.identity.service import thresholds
from pingcrm.models import IdentifierKind as K

# A record's identifiers as ContactInput takes them: (kind, value, label).
Identifiers = list[tuple[K, str, str | None]]

LOCALES = ("en_US", "en_GB", "en_IE", "es_ES", "de_DE", "pl_PL", "it_IT", "fr_FR", "pt_BR")
NICKNAMES = {
    "robert": "Bob", "william": "Bill", "richard": "Dick", "james": "Jim", "michael": "Mike",
    "elizabeth": "Liz", "katherine": "Kate", "margaret": "Peggy", "alexander": "Sasha",
    "thomas": "Tom", "christopher": "Chris", "jennifer": "Jen", "daniel": "Dan",
    "joseph": "Joe", "anthony": "Tony", "matthew": "Matt", "patricia": "Pat",
    "samuel": "Sam", "benjamin": "Ben", "nicholas": "Nick", "susan": "Sue",
}  # fmt: skip
# Russian names are drawn by Faker in Cyrillic and romanised here with a scheme of our
# own (not the scorer's anyascii): "Юлия" → "Yuliya", "Алексей" → "Aleksey".
ROMAN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n",
                  "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                  "", "e", "yu", "ya"], strict=True))  # fmt: skip
IRISH_FIRST = ("Tomás", "Seán", "Siobhán", "Pádraig", "Róisín", "Eoghan", "Aoife", "Sinéad",
               "Ciarán", "Máire", "Dónal", "Niamh", "Caoimhín", "Bríd")  # fmt: skip


def romanise(text: str) -> str:
    out = "".join(ROMAN.get(c.lower(), c) if c.isalpha() else c for c in text)
    return out[:1].upper() + out[1:]


# Words of usernames that have nothing to do with the person's name.
OTHER_WORDS = ("sun", "blue", "wolf", "pixel", "river", "coffee", "nova", "jazz", "maple",
               "storm", "lucky", "ocean", "tiger", "echo", "neon", "orbit")  # fmt: skip
WEBMAIL = ("gmail.com", "yahoo.com", "outlook.com", "proton.me", "icloud.com")
SHAPES = (
    ("linkedin_gmail", 30), ("linkedin_work", 15), ("telegram_gmail", 10),
    ("typo_same_company", 10), ("nickname", 10), ("translit", 8), ("plus_address", 5),
    ("shared_email", 7), ("three_platforms", 5),
)  # fmt: skip


@dataclass
class Person:
    pid: int
    first: str
    last: str
    company: str | None
    domain: str | None
    title: str
    handle: str
    personal: str
    slug: str
    telegram_username: str | None
    work: str | None
    phone: str


@dataclass
class Record:
    person: int
    source: str
    row: ContactInput


@dataclass
class Book:
    records: list[Record] = field(default_factory=list)
    shapes: dict[str, int] = field(default_factory=dict)
    namesake_rows: int = 0
    # The shape each planted duplicate person was drawn with ("namesake" for a person
    # who shares somebody's full name; absent for a single record).
    shape_of: dict[int, str] = field(default_factory=dict)


def _zipf_pick(rng: random.Random, pool: list[str], cumulative: list[float]) -> str:
    x = rng.random() * cumulative[-1]
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return pool[lo]


def _cumulative(n: int, s: float) -> list[float]:
    out, total = [], 0.0
    for rank in range(1, n + 1):
        total += rank**-s
        out.append(total)
    return out


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).replace("'", "")


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word + word[-1]
    i = rng.randrange(2, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourns") + word[i + 1 :]  # replace one


# The share of people whose first and last names come from one culture; the others
# (marriages, migration, a chosen name) draw each name from the pool of all locales.
SAME_CULTURE = 0.85
# How many people of the book come from each locale: Zipf over LOCALES in this order
# (a book has a home culture; en_US 35 %, en_GB 18 %, en_IE 12 %, es_ES 9 %, …).
LOCALE_EXPONENT = 1.0
# Zipf exponents of first names and surnames within a pool.
FIRST_EXPONENT, LAST_EXPONENT = 0.75, 0.7
# The share of people whose first name / surname is one of their culture's common names
# (the locale's pool of a few hundred first names and ~1,000 surnames); the others have a
# name of the long tail: any of ~20,000 names of Faker's other locales. Calibrated on
# the US census: the 25 most common surnames cover 8.7 % of people and the 239 most
# common a quarter (2010; the pools alone gave 25 % and 61 %), the ten most common male
# first names 23 % of men (1990; a mixed pool of both sexes gives about half of that).
# Without the tail, a 100k book had 36 % of its people sharing their full name with
# somebody else in it: ``generate(dense=True)`` keeps that book as a stress test.
HEAD_FIRST, HEAD_LAST = 0.75, 0.45
# The Zipf exponent of the long tail (mildly skewed: some rare names are less rare).
TAIL_EXPONENT = 0.5
# Tail names of at most this many characters, of one word in the Latin alphabet.
_TAIL_NAME_MAX = 14


@dataclass
class _Pool:
    """Names of one culture in order of frequency, drawn with Zipf frequencies."""

    names: list[str]
    cumulative: list[float]

    @classmethod
    def of(cls, names: list[str], exponent: float) -> _Pool:
        return cls(names, _cumulative(len(names), exponent))

    def pick(self, rng: random.Random) -> str:
        return _zipf_pick(rng, self.names, self.cumulative)


@dataclass
class _NamePools:
    """First-name and surname pools per locale and of all locales together."""

    locales: list[tuple[_Pool, _Pool]]
    locale_weights: list[float]
    mixed: tuple[_Pool, _Pool]
    # The long tail (first names, surnames) and how often a name comes from it; no tail
    # for the name-dense stress book.
    tail: tuple[_Pool, _Pool] | None = None
    head_first: float = 1.0
    head_last: float = 1.0

    @classmethod
    def build(cls, rng: random.Random, *, dense: bool = False) -> _NamePools:
        per_locale: list[tuple[list[str], list[str]]] = []
        for locale in LOCALES:
            fake = Faker(locale)
            fake.seed_instance(rng.randrange(1 << 30))
            firsts = list(dict.fromkeys(fake.first_name() for _ in range(400)))
            lasts = list(dict.fromkeys(fake.last_name() for _ in range(900)))
            rng.shuffle(firsts)
            rng.shuffle(lasts)
            per_locale.append((firsts, lasts))
        # A few very common American names head the home culture's curve.
        home_firsts, home_lasts = per_locale[0]
        head_first = ["John", "Maria", "David", "Anna", "Michael", "Robert", "William"]
        head_last = ["Smith", "Johnson", "Garcia", "Brown", "Miller"]
        per_locale[0] = (
            head_first + [n for n in home_firsts if n not in head_first],
            head_last + [n for n in home_lasts if n not in head_last],
        )
        all_firsts = [n for firsts, _ in per_locale for n in firsts[len(head_first) :]]
        all_lasts = [n for _, lasts in per_locale for n in lasts[len(head_last) :]]
        rng.shuffle(all_firsts)
        rng.shuffle(all_lasts)
        mixed_firsts = list(dict.fromkeys(head_first + all_firsts))
        mixed_lasts = list(dict.fromkeys(head_last + all_lasts))
        pools = cls(
            locales=[
                (_Pool.of(firsts, FIRST_EXPONENT), _Pool.of(lasts, LAST_EXPONENT))
                for firsts, lasts in per_locale
            ],
            locale_weights=_cumulative(len(LOCALES), LOCALE_EXPONENT),
            mixed=(_Pool.of(mixed_firsts, FIRST_EXPONENT), _Pool.of(mixed_lasts, LAST_EXPONENT)),
        )
        if not dense:
            tail_firsts, tail_lasts = _tail_names(rng, set(mixed_firsts), set(mixed_lasts))
            pools.tail = (
                _Pool.of(tail_firsts, TAIL_EXPONENT),
                _Pool.of(tail_lasts, TAIL_EXPONENT),
            )
            pools.head_first, pools.head_last = HEAD_FIRST, HEAD_LAST
        return pools

    def draw(self, rng: random.Random) -> tuple[str, str]:
        """A person's first name and surname: of one culture most of the time, each
        one of the culture's common names or of the long tail."""
        if rng.random() < SAME_CULTURE:
            x = rng.random() * self.locale_weights[-1]
            index = next(i for i, c in enumerate(self.locale_weights) if c >= x)
            firsts, lasts = self.locales[index]
        else:
            firsts, lasts = self.mixed
        if self.tail is not None:
            if rng.random() >= self.head_first:
                firsts = self.tail[0]
            if rng.random() >= self.head_last:
                lasts = self.tail[1]
        return firsts.pick(rng), lasts.pick(rng)


def _tail_names(
    rng: random.Random, common_firsts: set[str], common_lasts: set[str]
) -> tuple[list[str], list[str]]:
    """The first names and surnames of every Faker locale written in the Latin alphabet
    (one word each), but the common ones of the book's own locales, in a random order."""
    import importlib

    from faker.config import AVAILABLE_LOCALES

    firsts: set[str] = set()
    lasts: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attribute, found in (("first_names", firsts), ("last_names", lasts)):
            names = getattr(provider, attribute, ())
            if isinstance(names, property):
                continue
            found.update(n for n in names if _tail_name(n))
    return (
        _shuffled(rng, firsts - common_firsts),
        _shuffled(rng, lasts - common_lasts),
    )


def _tail_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and 2 <= len(name) <= _TAIL_NAME_MAX
        and name[:1].isupper()
        and all((c.isalpha() and ord(c) < 0x250) or c in "'-" for c in name)
    )


def _shuffled(rng: random.Random, names: set[str]) -> list[str]:
    ordered = sorted(names)
    rng.shuffle(ordered)
    return ordered


def generate(records: int, seed: int, *, dense: bool = False) -> Book:
    """About ``records`` records of people, some of them several times; ``dense``: names
    of the common pools only (the name-dense stress book)."""
    rng = random.Random(f"identity-book-{seed}")
    pools = _NamePools.build(rng, dense=dense)
    company_fake = Faker("en_US")
    company_fake.seed_instance(rng.randrange(1 << 30))
    companies = list(dict.fromkeys(company_fake.company() for _ in range(max(50, records // 25))))
    cum_company = _cumulative(len(companies), 1.1)
    russian = Faker("ru_RU")
    russian.seed_instance(rng.randrange(1 << 30))

    def domain_of(company: str) -> str:
        word = "".join(c for c in _ascii(company).lower() if c.isalnum())[:18]
        return f"{word}.example"

    pid = 0
    taken: set[str] = set()

    def new_person(first: str | None = None, last: str | None = None,
                   company: str | bool | None = True) -> Person:  # fmt: skip
        nonlocal pid
        pid += 1
        drawn_first, drawn_last = pools.draw(rng)
        f = first or drawn_first
        lname = last or drawn_last
        comp = (
            _zipf_pick(rng, companies, cum_company) if company is True and rng.random() < 0.8
            else (company if isinstance(company, str) else None)
        )  # fmt: skip
        base = "".join(c for c in _ascii(f + lname).lower() if c.isalnum())
        # A handle, like a Telegram username or a mailbox, belongs to one person.
        handle = f"{base}{rng.randrange(10, 99_999)}"
        while handle in taken:
            handle = f"{base}{rng.randrange(10, 999_999)}"
        taken.add(handle)
        local = rng.choice(
            (f"{_ascii(f)}.{_ascii(lname)}", f"{_ascii(f)[0]}{_ascii(lname)}", handle)
        )
        local = "".join(c for c in local.lower() if c.isalnum() or c == ".")
        domain = domain_of(comp) if comp else None
        # People reuse a handle on some platforms, not all: LinkedIn mostly makes the
        # profile address from the name and a random suffix, a personal mailbox is often
        # the name or something unrelated, and many Telegram users have no username.
        dotted = "".join(c for c in f"{_ascii(f)}.{_ascii(lname)}".lower()
                         if c.isalnum() or c == ".")  # fmt: skip
        roll = rng.random()
        personal_local = (
            handle if roll < 0.45
            else f"{dotted}{rng.choice(('', str(rng.randrange(1, 99))))}" if roll < 0.75
            else f"{rng.choice(OTHER_WORDS)}{rng.choice(OTHER_WORDS)}{rng.randrange(1, 999)}"
        )  # fmt: skip
        roll = rng.random()
        slug_text = (
            handle if roll < 0.35
            else f"{dotted.replace('.', '-')}-{rng.getrandbits(32):x}" if roll < 0.85
            else f"{base}{rng.randrange(1, 999)}"
        )  # fmt: skip
        roll = rng.random()
        telegram_username = (
            f"tg_{handle}" if roll < 0.4
            else None if roll < 0.7
            else f"{_ascii(f).lower()}_{rng.choice(OTHER_WORDS)}{rng.randrange(1, 99)}_{pid:x}"
        )  # fmt: skip
        return Person(
            pid=pid, first=f, last=lname, company=comp, domain=domain,
            title=company_fake.job()[:60],
            handle=handle,
            personal=f"{personal_local}.{pid}@{rng.choice(WEBMAIL)}",
            slug=f"{slug_text}-{pid:x}",
            telegram_username=telegram_username,
            work=f"{local}.{pid}@{domain}" if domain else None,
            phone=f"+1415{pid:07d}",
        )  # fmt: skip

    book = Book()

    def add(person: Person, source: str, row: ContactInput) -> None:
        book.records.append(Record(person.pid, source, row))

    def linkedin(p: Person, first: str | None = None, last: str | None = None,
                 email: bool = False) -> None:  # fmt: skip
        f, lname = first or p.first, last or p.last
        ids: Identifiers = [(K.LINKEDIN_SLUG, f"https://www.linkedin.com/in/{p.slug}", None)]
        if email and p.work:
            ids.append((K.EMAIL, p.work, None))
        add(p, "import:linkedin", ContactInput(
            f"{f} {lname}", given_name=f, family_name=lname, company=p.company,
            title=p.title, identifiers=ids))  # fmt: skip

    def gmail(p: Person, first: str | None = None, last: str | None = None,
              address: str | None = None) -> None:  # fmt: skip
        f, lname = first or p.first, last or p.last
        add(p, "gmail", ContactInput(
            f"{f} {lname}", identifiers=[(K.EMAIL, address or p.personal, None)]))  # fmt: skip

    def google(p: Person, first: str | None = None, last: str | None = None,
               address: str | None = None, company: bool = False) -> None:  # fmt: skip
        f, lname = first or p.first, last or p.last
        ids: Identifiers = [(K.EMAIL, address or p.work or p.personal, None)]
        if rng.random() < 0.4:
            ids.append((K.PHONE, p.phone, None))
        add(p, "import:google", ContactInput(
            f"{f} {lname}", given_name=f, family_name=lname,
            company=p.company if company else None, identifiers=ids))  # fmt: skip

    def telegram(p: Person, first: str | None = None, last: str | None = None) -> None:
        f, lname = first or p.first, last or p.last
        ids: Identifiers = [(K.TELEGRAM_ID, str(10_000_000 + p.pid), None)]
        if p.telegram_username:
            ids.append((K.TELEGRAM_USERNAME, p.telegram_username, None))
        add(p, "telegram", ContactInput(f"{f} {lname}".strip(), identifiers=ids))

    def single(p: Person) -> None:
        kind = rng.random()
        if kind < 0.4:
            linkedin(p, email=rng.random() < 0.2)
        elif kind < 0.65:
            gmail(p)
        elif kind < 0.85:
            google(p, company=rng.random() < 0.5)
        elif kind < 0.95:
            telegram(p)
        else:  # a generic CSV row without any identifier
            add(p, "import:generic", ContactInput(
                f"{p.first} {p.last}", company=p.company, title=p.title))  # fmt: skip

    shape_names = [s for s, _ in SHAPES]
    shape_weights = [w for _, w in SHAPES]
    people: list[Person] = []
    names: dict[tuple[str, str], Person] = {}
    while len(book.records) < records:
        if people and (people[-1].first, people[-1].last) not in names:
            names[(people[-1].first, people[-1].last)] = people[-1]
        roll = rng.random()
        if roll < 0.02 and people:
            # A namesake: another person with somebody's full name, at the same company
            # half of the time, with identifiers of their own. Names are drawn as they
            # occur in life (by frequency: many John Smiths, few Wojciechowskis), until
            # one that the book already holds comes out.
            other = None
            for _ in range(5000):
                other = names.get(pools.draw(rng))
                if other is not None:
                    break
            if other is None:
                continue
            same = other.company if rng.random() < 0.5 else True
            p = new_person(other.first, other.last, same)
            single(p)
            book.namesake_rows += 1
            book.shape_of[p.pid] = "namesake"
            people.append(p)
            continue
        if roll < 0.11:
            shape = rng.choices(shape_names, shape_weights)[0]
            if shape == "translit":
                if rng.random() < 0.5:
                    cf, cl = russian.first_name(), russian.last_name()
                    p = new_person(romanise(cf), romanise(cl))
                    telegram(p, cf, cl)
                    gmail(p)
                else:
                    f = rng.choice(IRISH_FIRST)
                    lname = "O'" + pools.draw(rng)[1]
                    p = new_person(f, lname)
                    linkedin(p)
                    gmail(p, _ascii(f), _ascii(lname))
            else:
                p = new_person()
                if shape == "linkedin_gmail":
                    linkedin(p)
                    gmail(p)
                elif shape == "linkedin_work":
                    linkedin(p)
                    google(p, address=p.work or p.personal)
                elif shape == "telegram_gmail":
                    nick = NICKNAMES.get(p.first.lower())
                    telegram(p, nick or p.first, p.last if rng.random() < 0.7 else "")
                    gmail(p)
                elif shape == "typo_same_company":
                    linkedin(p)
                    if rng.random() < 0.5:
                        google(p, last=_typo(rng, p.last), company=True)
                    else:
                        google(p, first=_typo(rng, p.first), company=True)
                elif shape == "nickname":
                    p = new_person(rng.choice(list(NICKNAMES)).title())
                    linkedin(p)
                    gmail(p, NICKNAMES[p.first.lower()])
                elif shape == "plus_address" and p.work:
                    local, _, domain = p.work.partition("@")
                    google(p, address=f"{local}+crm@{domain}", company=True)
                    gmail(p, address=p.work)
                elif shape == "shared_email":
                    google(p)
                    gmail(p, address=p.work or p.personal)
                else:  # three platforms (or a plus address without a work domain)
                    shape = "three_platforms"
                    linkedin(p)
                    gmail(p)
                    telegram(p)
            book.shapes[shape] = book.shapes.get(shape, 0) + 1
            book.shape_of[p.pid] = shape
            people.append(p)
            continue
        p = new_person()
        single(p)
        people.append(p)
    return book


@dataclass
class Outcome:
    wrongly_merged_import: int
    wrongly_merged_scan: int
    review: int
    review_true: int
    recall: float
    duplicate_pairs: int
    # Recall of the duplicate pairs of each planted shape: shape → (found, pairs).
    by_shape: dict[str, tuple[int, int]] = field(default_factory=dict)
    # People joined at import because their rows are identical and carry no identifier
    # (a duplicated row, by the import's rule): no program can tell them apart, so they
    # are reported beside the wrongly merged, not among them.
    identical_rows: int = 0


def _identical_rows(book: Book, contact_of: list[int | None]) -> int:
    """People joined into one contact whose records say exactly the same (same source,
    same row, no identifier): indistinguishable, counted apart."""
    rows_of: dict[int, list[Record]] = defaultdict(list)
    for record, cid in zip(book.records, contact_of, strict=True):
        if cid is not None:
            rows_of[cid].append(record)
    count = 0
    for records in rows_of.values():
        people = {r.person for r in records}
        first = records[0]
        if len(people) > 1 and all(
            r.source == first.source and r.row == first.row and not r.row.identifiers
            for r in records
        ):
            count += len(people) - 1
    return count


def ingest(session: Session, user_id: int, book: Book) -> list[int | None]:
    """Every record through the shared ingest, in batches of one source at a time (as
    imports and syncs send them); the contact each record became."""
    orgs = OrganizationCache()
    contact_of: list[int | None] = [None] * len(book.records)
    by_source: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(book.records):
        by_source[record.source].append(index)
    for source, indexes in by_source.items():
        for start in range(0, len(indexes), 1000):
            chunk = indexes[start : start + 1000]
            result = upsert_contacts(
                session,
                user_id,
                [book.records[i].row for i in chunk],
                source=source,
                organizations=orgs,
            )
            for i, cid in zip(chunk, result.contact_ids, strict=True):
                contact_of[i] = cid
    session.flush()
    return contact_of


def evaluate(book: Book, contact_of: list[int | None], result: ScanResult) -> Outcome:
    """Ground truth against what the import and the scan did."""
    persons: dict[int, set[int]] = defaultdict(set)
    for record, cid in zip(book.records, contact_of, strict=True):
        if cid is not None:
            persons[cid].add(record.person)
    identical = _identical_rows(book, contact_of)
    wrong_import = sum(len(p) - 1 for p in persons.values()) - identical
    # Automatic merges: certain pairs without conflicting identifiers (probable pairs
    # merge themselves only for users who opted in; off by default).
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    review: list[tuple[int, int]] = []
    for pair in result.pairs:
        if pair.verdict.tier == 1 and not pair.verdict.conflicting:
            ra, rb = find(pair.a), find(pair.b)
            if ra != rb:
                parent[ra] = rb
        else:
            review.append((pair.a, pair.b))
    merged: dict[int, set[int]] = defaultdict(set)
    for cid, who in persons.items():
        merged[find(cid)] |= who
    wrong_scan = sum(len(p) - 1 for p in merged.values()) - identical
    review_true = sum(1 for a, b in review if persons.get(a, set()) & persons.get(b, set()))
    queued = {(min(a, b), max(a, b)) for a, b in review}
    records_of: dict[int, list[int]] = defaultdict(list)
    for record, cid in zip(book.records, contact_of, strict=True):
        if cid is not None:
            records_of[record.person].append(cid)
    total = found = 0
    by_shape: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for person, cids in records_of.items():
        tally = by_shape[book.shape_of.get(person, "other")]
        for i, a in enumerate(cids):
            for b in cids[i + 1 :]:
                total += 1
                tally[1] += 1
                if a == b or find(a) == find(b) or (min(a, b), max(a, b)) in queued:
                    found += 1
                    tally[0] += 1
    return Outcome(
        wrongly_merged_import=wrong_import,
        identical_rows=identical,
        wrongly_merged_scan=wrong_scan,
        review=len(review),
        review_true=review_true,
        recall=found / total if total else 1.0,
        duplicate_pairs=total,
        by_shape={shape: (n, of) for shape, (n, of) in sorted(by_shape.items()) if of},
    )


def measure_book(
    session_factory: sessionmaker[Session], user_id: int, records: int, seed: int, backend: str
) -> list[Row]:
    """Generate, import, scan and score; the rows of the report."""
    settings = Settings()
    limits = thresholds(settings)
    book = generate(records, seed)
    with session_factory() as session:
        started = time.perf_counter()
        contact_of = ingest(session, user_id, book)
        session.commit()
        ingest_s = time.perf_counter() - started
    engine = session_factory.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    max_block = settings.identity_max_block_size
    # The timed scan runs in a process of its own (as in the worker): its RSS is the
    # scan's, not the generated book's.
    scanned = scan_in_process(url, user_id, max_block)
    result = scanned.result
    with session_factory() as session:
        legacy = scan_chunks(
            repository.scan_chunks(session, user_id), limits, max_block, legacy=True
        )
        compared = compared_pairs(repository.scan_chunks(session, user_id), max_block)
    with session_factory() as session:
        tracemalloc.start()
        scan_chunks(repository.scan_chunks(session, user_id), limits, max_block)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    out = evaluate(book, contact_of, result)
    old = evaluate(book, contact_of, legacy)
    completeness, joined = pair_completeness(book, contact_of, compared)
    label = f"identity book {len(book.records) // 1000}k"
    size = (
        f"{len(book.records):,} records, {rows_count(contact_of):,} "
        f"contacts after import ({ingest_s:.1f} s), {book.namesake_rows:,} namesake rows, "
        f"{sharing(book):.0%} of the people sharing their full name with another, "
        f"{out.duplicate_pairs:,} duplicate record pairs"
    )
    return [
        _row(f"{label}: people wrongly merged after import", backend, "0",
             out.wrongly_merged_import == 0,
             f"{out.wrongly_merged_import} ({size}; besides, {out.identical_rows} joined "
             "as identical rows without any identifier, which nothing can tell apart)"),
        _row(f"{label}: people wrongly merged after scan", backend, "0",
             out.wrongly_merged_scan == 0,
             f"{out.wrongly_merged_scan} (previous scorer: {old.wrongly_merged_scan})"),
        _row(f"{label}: review-queue precision", backend, ">= 0.95",
             _precision(out) >= 0.95,
             f"{_precision(out):.3f} ({out.review_true} of {out.review} queued pairs are one "
             f"person; previous scorer: {_precision(old):.3f} of {old.review})"),
        _row(f"{label}: end-to-end recall", backend, ">= 0.90", out.recall >= 0.90,
             f"{out.recall:.3f} (previous scorer: {old.recall:.3f}; by shape: "
             + ", ".join(f"{shape} {n / of:.2f}" for shape, (n, of) in out.by_shape.items())
             + ")"),
        _row(f"{label}: blocking pair completeness", backend, "", True,
             f"{completeness:.3f} of duplicate record pairs joined at import ({joined:,}) or "
             f"compared ({result.candidates:,} pairs compared, "
             f"{result.candidates / max(result.contacts, 1):.1f} per contact; "
             f"{result.oversized_blocks} oversized sub-blocks skipped)"),
        _row(f"{label}: scan time", backend, "< 30 s, < 300 MB at 100k",
             scanned.wall_s < 30 and scanned.rss_peak_mb < 300 and peak < 300 * 2**20,
             f"{scanned.wall_s:.1f} s wall, {scanned.cpu_s:.1f} s CPU (store "
             f"{scanned.store_s:.1f} s) in a process of its own; its peak RSS "
             f"{scanned.rss_peak_mb:.0f} MB ({scanned.rss_start_mb:.0f} MB before the scan); "
             f"peak {peak / 2**20:.0f} MB traced"),
        sweep_row(label, backend, book, contact_of, session_factory, user_id, out),
    ]  # fmt: skip


def measure_dense_book(
    session_factory: sessionmaker[Session], user_id: int, records: int, seed: int, backend: str
) -> list[Row]:
    """The name-dense stress book (names of the common pools only: about a third of
    the people of a 100k book share their full name with somebody else in it) through
    the same import and scan; its review-queue precision and recall."""
    settings = Settings()
    book = generate(records, seed, dense=True)
    with session_factory() as session:
        contact_of = ingest(session, user_id, book)
        session.commit()
    with session_factory() as session:
        result = scan_chunks(
            repository.scan_chunks(session, user_id),
            thresholds(settings),
            settings.identity_max_block_size,
        )
    out = evaluate(book, contact_of, result)
    label = f"identity book {len(book.records) // 1000}k, name-dense stress"
    return [
        _row(f"{label}: people wrongly merged", backend, "0",
             out.wrongly_merged_import == 0 and out.wrongly_merged_scan == 0,
             f"{out.wrongly_merged_import} at import, {out.wrongly_merged_scan} after scan "
             f"({sharing(book):.0%} of the people share their full name with another)"),
        _row(f"{label}: review-queue precision / recall", backend, ">= 0.95 / >= 0.90",
             _precision(out) >= 0.95 and out.recall >= 0.90,
             f"{_precision(out):.3f} ({out.review_true} of {out.review}) / {out.recall:.3f}"),
        sweep_row(label, backend, book, contact_of, session_factory, user_id, out),
    ]  # fmt: skip


def sharing(book: Book) -> float:
    """The share of the book's people whose full name another person of it has."""
    people_of: dict[str, set[int]] = defaultdict(set)
    for record in book.records:
        people_of[" ".join(record.row.full_name.lower().split())].add(record.person)
    people = {record.person for record in book.records}
    shared = sum(len(p) for p in people_of.values() if len(p) > 1)
    return shared / len(people) if people else 0.0


def pair_completeness(
    book: Book, contact_of: list[int | None], compared: set[tuple[int, int]]
) -> tuple[float, int]:
    """The share of duplicate record pairs that the import joined or the scan compared,
    and how many the import joined."""
    records_of: dict[int, list[int]] = defaultdict(list)
    for record, cid in zip(book.records, contact_of, strict=True):
        if cid is not None:
            records_of[record.person].append(cid)
    total = found = joined = 0
    for cids in records_of.values():
        for i, a in enumerate(cids):
            for b in cids[i + 1 :]:
                total += 1
                joined += a == b
                found += a == b or (min(a, b), max(a, b)) in compared
    return (found / total if total else 1.0), joined


def rows_count(contact_of: list[int | None]) -> int:
    return len({c for c in contact_of if c is not None})


def _precision(out: Outcome) -> float:
    return out.review_true / out.review if out.review else 1.0


# Review thresholds the sweep tries (the configured one is added).
SWEEP = tuple(x / 100 for x in range(30, 100, 2))
SWEEP_FLOOR = 0.3


@dataclass
class Sweep:
    """The best operating point of the review threshold for a target precision."""

    threshold: float | None
    outcome: Outcome | None


def sweep(
    book: Book, contact_of: list[int | None], scored: ScanResult, precision: float = 0.95
) -> Sweep:
    """The review threshold that gives the highest end-to-end recall with review-queue
    precision at least ``precision``; ``scored`` is a scan queued at or below every
    threshold tried (:data:`SWEEP_FLOOR`)."""
    best = Sweep(None, None)
    for threshold in SWEEP:
        kept = [p for p in scored.pairs if p.verdict.tier == 1 or p.verdict.score >= threshold]
        out = evaluate(book, contact_of, replace(scored, pairs=kept))
        if _precision(out) >= precision and (
            best.outcome is None or out.recall > best.outcome.recall
        ):
            best = Sweep(threshold, out)
    return best


def sweep_row(
    label: str,
    backend: str,
    book: Book,
    contact_of: list[int | None],
    session_factory: sessionmaker[Session],
    user_id: int,
    configured: Outcome,
) -> Row:
    """Recall at review precision 0.95 with the best threshold of the sweep, beside the
    configured threshold's: how far the configured threshold is from what the model's
    ranking allows on this book."""
    settings = Settings()
    with session_factory() as session:
        scored = scan_chunks(
            repository.scan_chunks(session, user_id),
            replace(thresholds(settings), review=SWEEP_FLOOR),
            settings.identity_max_block_size,
        )
    best = sweep(book, contact_of, scored)
    at = settings.identity_review_threshold
    mine = f"the configured {at}: {_precision(configured):.3f} / {configured.recall:.3f}"
    if best.outcome is None or best.threshold is None:
        return _row(f"{label}: recall at precision 0.95, best threshold", backend, "", True,
                    f"no threshold from {SWEEP[0]} reaches precision 0.95 ({mine})")  # fmt: skip
    return _row(
        f"{label}: recall at precision 0.95, best threshold", backend, "", True,
        f"{best.outcome.recall:.3f} at {best.threshold:.2f} (precision "
        f"{_precision(best.outcome):.3f}; {mine})",
    )  # fmt: skip


def _row(workload: str, backend: str, target: str, ok: bool, detail: str) -> Row:
    return Row(workload, backend, None, None, target, f"{'yes' if ok else 'no'}: {detail}")


def describe_shapes(book: Book) -> dict[str, Any]:
    """What the generator planted (for the notes)."""
    return {"shapes": book.shapes, "namesake_rows": book.namesake_rows}


def empty_book(engine: Engine, email: str) -> tuple[sessionmaker[Session], int]:
    """Migrate the empty database of ``engine`` and create the one user whose book is
    measured; its session factory and the user's id."""
    from pingcrm.accounts import service as accounts
    from pingcrm.db import make_session_factory, transaction
    from pingcrm.migrate import upgrade

    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        user_id = accounts.create_user(session, email, "bench-password-123").id
    return factory, user_id


def run(
    size_contacts: int,
    seed: int,
    postgres_url: str | None,
    work_dir: Path,
    *,
    sqlite: bool = True,
) -> list[Row]:
    """The identity book, then the name-dense stress book, each on an empty SQLite
    database (and an empty PostgreSQL database when ``postgres_url`` is set): no demo
    dataset needed."""
    from sqlalchemy import make_url

    out: list[Row] = []
    directory = work_dir / f".identity-{uuid.uuid4().hex[:8]}"
    directory.mkdir(parents=True)
    measures = (("identity book", measure_book), ("name-dense identity book", measure_dense_book))
    try:
        for backend in ("sqlite",) * sqlite + ("postgresql",) * bool(postgres_url):
            for index, (title, measure) in enumerate(measures):
                if backend == "sqlite":
                    url, database = f"sqlite:///{directory / f'book{index}.db'}", None
                else:
                    database = f"pingcrm_bench_identity_{uuid.uuid4().hex[:8]}"
                    url = (
                        make_url(postgres_url or "")
                        .set(database=database)
                        .render_as_string(hide_password=False)
                    )
                with _empty_database(url, database, postgres_url) as engine:
                    factory, user_id = empty_book(engine, "identity-bench@example.com")
                    print(f"bench: {title} on {backend}…", file=sys.stderr, flush=True)
                    out += measure(factory, user_id, size_contacts, seed, backend)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return out


@contextmanager
def _empty_database(url: str, database: str | None, server_url: str | None) -> Iterator[Engine]:
    """An engine on ``url``; a PostgreSQL ``database`` is created on the server of
    ``server_url`` first and dropped afterwards."""
    from sqlalchemy import text

    from pingcrm.db import make_engine

    def admin(statement: str) -> None:
        engine = make_engine(server_url or "", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(statement))
        engine.dispose()

    if database:
        admin(f'CREATE DATABASE "{database}"')
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if database:
            admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
