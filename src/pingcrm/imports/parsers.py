"""Parsers: each yields one :class:`ParsedRecord` per record of the file, in order, so
that an import can resume after the N-th record. A malformed record is a record with an
``error``; it never stops the parser."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import vobject

from pingcrm.contacts.identifiers import linkedin_slug, normalize_identifier
from pingcrm.contacts.ingest import ContactInput
from pingcrm.imports.detect import (
    EMAIL_KEYS,
    FAMILY_KEYS,
    GIVEN_KEYS,
    MIDDLE_KEYS,
    NAME_KEYS,
    PHONE_KEYS,
    Detected,
    FileFormat,
    norm_header,
    open_text,
)
from pingcrm.models import IdentifierKind

MAX_FIELD = 100_000
MAX_CARD_LINES = 5_000
csv.field_size_limit(min(sys.maxsize, 10 * MAX_FIELD))

COMPANY_KEYS = {
    "company",
    "organization",
    "organisation",
    "organization name",
    "organization 1 - name",
    "employer",
    "company name",
}
TITLE_KEYS = {
    "position",
    "job title",
    "organization title",
    "organization 1 - title",
    "role",
    "title",
}
LINKEDIN_KEYS = {"linkedin", "linkedin url", "linkedin profile", "profile url", "url"}
TWITTER_KEYS = {"twitter", "twitter profile"}
TELEGRAM_KEYS = {"telegram", "telegram profile"}
TAG_KEYS = {"tags"}
NOTE_KEYS = {"notes"}
WEBSITE_RE = re.compile(r"^(website \d+ - value|web page|website|personal web page)$")
LOCATION_KEYS = {
    "location",
    "city",
    "address 1 - formatted",
    "address 1 - city",
    "business city",
    "home city",
}
BIRTHDAY_KEYS = {"birthday", "date of birth", "dob", "birth date", "birthdate"}
_EMAIL_COL = re.compile(r"^e-?mail( \d+)?( - value| address)?$|^e-mail \d+ address$")
_PHONE_COL = re.compile(r"^phone \d+ - value$")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2}) ([A-Za-z]{3}) (\d{4})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DATE_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d.%m.%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%Y-%m-%dT%H:%M:%S",
)
# A list inside one cell: Google's " ::: ", newlines, and for emails and phones also the
# usual ";" and "," separators.
_LIST_SPLIT = re.compile(r"\s*:::\s*|[\r\n]+")
_CONTACT_SPLIT = re.compile(r"\s*:::\s*|[\r\n;,]+")
_TAG_SPLIT = re.compile(r"\s*:::\s*|[\r\n;,|]+")
_HANDLE_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:twitter\.com|x\.com|t\.me)/@?", re.I)


@dataclass
class ParsedRecord:
    """One record: a contact to upsert, or the reason it was rejected (or blank)."""

    number: int  # 1-based ordinal of the data record
    raw: list[str]
    contact: ContactInput | None = None
    connected_on: date | None = None
    linkedin_slug: str | None = None
    error: str | None = None
    blank: bool = False
    tags: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class ColumnPlan:
    """Which columns feed which contact field."""

    full_name: list[int] = field(default_factory=list)
    given: list[int] = field(default_factory=list)
    middle: list[int] = field(default_factory=list)
    family: list[int] = field(default_factory=list)
    emails: list[tuple[int, str | None]] = field(default_factory=list)
    phones: list[tuple[int, str | None]] = field(default_factory=list)
    company: list[int] = field(default_factory=list)
    title: list[int] = field(default_factory=list)
    linkedin: list[int] = field(default_factory=list)
    websites: list[int] = field(default_factory=list)
    location: list[int] = field(default_factory=list)
    birthday: list[int] = field(default_factory=list)
    connected_on: list[int] = field(default_factory=list)
    twitter: list[int] = field(default_factory=list)
    telegram: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)


# The fields a column can be mapped to by hand, and the ColumnPlan list each one feeds.
PLAN_FIELDS = {
    "name": "full_name",
    "first_name": "given",
    "middle_name": "middle",
    "last_name": "family",
    "email": "emails",
    "phone": "phones",
    "company": "company",
    "title": "title",
    "location": "location",
    "birthday": "birthday",
    "linkedin": "linkedin",
    "twitter": "twitter",
    "telegram": "telegram",
    "website": "websites",
    "tags": "tags",
    "notes": "notes",
}
IGNORE = "ignore"

UTF8_NAMES = ("utf-8", "utf8", "utf-8-sig")
REPLACEMENT = "\ufffd"


def plan_columns(fmt: FileFormat, header: tuple[str, ...]) -> ColumnPlan:
    """Map the header's columns to contact fields (synonyms, numbered columns)."""
    plan = ColumnPlan()
    names = [norm_header(h) for h in header]
    labels: dict[str, int] = {n: i for i, n in enumerate(names)}
    for index, name in enumerate(names):
        if fmt is FileFormat.OUTLOOK and name == "title":
            continue  # Outlook's "Title" is Mr./Ms.; the job is "Job Title"
        if fmt is not FileFormat.LINKEDIN and name == "url":
            plan.websites.append(index)
        elif name in NAME_KEYS:
            plan.full_name.append(index)
        elif name in GIVEN_KEYS:
            plan.given.append(index)
        elif name in MIDDLE_KEYS:
            plan.middle.append(index)
        elif name in FAMILY_KEYS:
            plan.family.append(index)
        elif name in EMAIL_KEYS or _EMAIL_COL.match(name):
            label_col = labels.get(name.replace("- value", "- label")) or labels.get(
                name.replace("- value", "- type")
            )
            label = None
            if label_col is not None and label_col != index:
                label = f"@{label_col}"
            plan.emails.append((index, label))
        elif (
            name in PHONE_KEYS
            or _PHONE_COL.match(name)
            or (fmt is FileFormat.OUTLOOK and name.endswith(("phone", "phone 2")))
        ):
            label_col = labels.get(name.replace("- value", "- label")) or labels.get(
                name.replace("- value", "- type")
            )
            label = f"@{label_col}" if label_col is not None and label_col != index else name
            plan.phones.append((index, label))
        elif name in COMPANY_KEYS:
            plan.company.append(index)
        elif name in TITLE_KEYS:
            plan.title.append(index)
        elif name in LINKEDIN_KEYS:
            plan.linkedin.append(index)
        elif WEBSITE_RE.match(name):
            plan.websites.append(index)
        elif name in LOCATION_KEYS:
            plan.location.append(index)
        elif name in BIRTHDAY_KEYS:
            plan.birthday.append(index)
        elif name == "connected on":
            plan.connected_on.append(index)
        elif name in TWITTER_KEYS:
            plan.twitter.append(index)
        elif name in TELEGRAM_KEYS:
            plan.telegram.append(index)
        elif name in TAG_KEYS:
            plan.tags.append(index)
        elif name in NOTE_KEYS:
            plan.notes.append(index)
    return plan


def plan_from_fields(fields: tuple[str, ...] | list[str]) -> ColumnPlan:
    """The plan of a column mapping chosen by hand: one field id (or ``ignore``) per
    column."""
    plan = ColumnPlan()
    for index, name in enumerate(fields):
        attr = PLAN_FIELDS.get(name)
        if attr is None:
            continue
        target = getattr(plan, attr)
        target.append((index, None) if attr in ("emails", "phones") else index)
    return plan


def fields_from_plan(plan: ColumnPlan, width: int) -> list[str]:
    """The field id of each of ``width`` columns in ``plan`` (``ignore`` for the rest)."""
    fields = [IGNORE] * width
    for name, attr in PLAN_FIELDS.items():
        for entry in getattr(plan, attr):
            index = entry[0] if isinstance(entry, tuple) else entry
            if index < width and fields[index] == IGNORE:
                fields[index] = name
    return fields


def parse_date(text: str) -> date | None:
    """A date in one of the usual export formats (``12 Nov 2024``, ISO, US, EU)."""
    value = text.strip()
    if not value:
        return None
    if value.startswith("--"):  # vCard birthday without a year
        return None
    # LinkedIn's "12 Nov 2024" without strptime (which reads the locale on every call).
    match = _DAY_MONTH_YEAR.fullmatch(value)
    if match and match.group(2).lower() in _MONTHS:
        try:
            parsed = date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
        except ValueError:
            return None
        return parsed if 1900 <= parsed.year <= 2100 else None
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2100:
            return parsed
    return None


def _has_valid(identifiers: list[tuple[IdentifierKind, str, str | None]]) -> bool:
    return any(
        normalize_identifier(kind, value)
        for kind, value, _label in identifiers
        if kind in (IdentifierKind.EMAIL, IdentifierKind.PHONE)
    )


def _first(cells: list[str], indexes: list[int]) -> str:
    for index in indexes:
        if index < len(cells) and cells[index].strip():
            return cells[index].strip()
    return ""


def _values(cell: str, splitter: re.Pattern[str] = _CONTACT_SPLIT) -> list[str]:
    """The values of a list cell (emails, phones: ``a@x.io; b@y.io``, `` ::: ``, lines)."""
    return [v.strip() for v in splitter.split(cell) if v.strip()]


def _handles(cells: list[str], indexes: list[int]) -> list[str]:
    """Handles from X/Telegram columns: ``@ada``, ``ada``, or a profile URL."""
    found: list[str] = []
    for index in indexes:
        if index < len(cells):
            for value in _values(cells[index]):
                handle = _HANDLE_URL.sub("", value).strip().lstrip("@").split("/")[0]
                if handle:
                    found.append(handle)
    return found


def _label(cells: list[str], label: str | None) -> str | None:
    if label and label.startswith("@"):
        index = int(label[1:])
        text = cells[index].strip() if index < len(cells) else ""
        return text.lstrip("* ").strip()[:40] or None
    return label[:40] if label else None


def record_from_cells(
    fmt: FileFormat, plan: ColumnPlan, cells: list[str], number: int, width: int
) -> ParsedRecord:
    """Turn one CSV record into a contact (or an error)."""
    record = ParsedRecord(number=number, raw=cells)
    if not any(c.strip() for c in cells):
        record.blank = True
        return record
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        record.error = f"has {len(cells)} fields but the header has {width}"
        return record
    if any(len(c) > MAX_FIELD for c in cells):
        record.error = f"a field is longer than {MAX_FIELD:,} characters"
        return record
    given = _first(cells, plan.given)
    middle = _first(cells, plan.middle)
    family = _first(cells, plan.family)
    full = _first(cells, plan.full_name) or " ".join(p for p in (given, middle, family) if p)
    identifiers: list[tuple[IdentifierKind, str, str | None]] = []
    for index, label in plan.emails:
        if index < len(cells):
            for value in _values(cells[index]):
                identifiers.append((IdentifierKind.EMAIL, value, _label(cells, label)))
    for index, label in plan.phones:
        if index < len(cells):
            for value in _values(cells[index]):
                identifiers.append((IdentifierKind.PHONE, value, _label(cells, label)))
    for handle in _handles(cells, plan.twitter):
        identifiers.append((IdentifierKind.TWITTER_HANDLE, handle, None))
    for handle in _handles(cells, plan.telegram):
        identifiers.append((IdentifierKind.TELEGRAM_USERNAME, handle, None))
    slug_source = _first(cells, plan.linkedin)
    if not slug_source:
        for index in plan.websites:
            if index < len(cells) and "linkedin.com/in/" in cells[index].lower():
                slug_source = next(
                    v for v in _values(cells[index], _LIST_SPLIT) if "linkedin.com/in/" in v.lower()
                )
                break
    if slug_source and "/" not in slug_source and " " not in slug_source.strip():
        slug_source = f"https://www.linkedin.com/in/{slug_source.strip().lstrip('@')}"
    if slug_source and "linkedin.com/in/" in slug_source.lower():
        identifiers.append((IdentifierKind.LINKEDIN_SLUG, slug_source, None))
        record.linkedin_slug = linkedin_slug(slug_source)
    if not full and not _has_valid(identifiers):
        record.error = "no name and no valid email or phone"
        return record
    birthday_text = _first(cells, plan.birthday)
    record.contact = ContactInput(
        full_name=full,
        given_name=given or None,
        family_name=family or None,
        company=_first(cells, plan.company) or None,
        title=_first(cells, plan.title) or None,
        location=_first(cells, plan.location) or None,
        birthday=parse_date(birthday_text) if birthday_text else None,
        identifiers=identifiers,
    )
    record.tags = [
        tag[:100]
        for index in plan.tags
        if index < len(cells)
        for tag in _values(cells[index].replace("* ", ""), _TAG_SPLIT)
        if tag and tag.lower() not in ("mycontacts", "* mycontacts", "starred")
    ]
    record.notes = "\n".join(
        cells[i].strip() for i in plan.notes if i < len(cells) and cells[i].strip()
    )
    if fmt is FileFormat.LINKEDIN:
        record.connected_on = parse_date(_first(cells, plan.connected_on))
    return record


def clean_cells(cells: list[str]) -> list[str]:
    """The cells without NUL characters (PostgreSQL text cannot hold them; the API strips
    them too)."""
    return [cell.replace("\x00", "") if "\x00" in cell else cell for cell in cells]


def row_text_problem(cells: list[str], encoding: str) -> str | None:
    """Why a row of a UTF-8 file is rejected: bytes that are not UTF-8 (decoded as U+FFFD
    replacement characters), so the rest of the file is still read as UTF-8."""
    if encoding.replace("_", "-").lower() in UTF8_NAMES and any(
        REPLACEMENT in cell for cell in cells
    ):
        return "this row has bytes that are not valid UTF-8 text"
    return None


def header_width(header: tuple[str, ...]) -> int:
    """How many columns the header has, its trailing empty cells left out."""
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    return width


def preview_rows(path: Path, detected: Detected, limit: int = 5, cut: int = 80) -> list[list[str]]:
    """The first ``limit`` non-blank data records of a CSV, each cell cut to ``cut``
    characters and the row padded or cut to the header's width (the mapping preview)."""
    width = header_width(detected.header)
    rows: list[list[str]] = []
    with open_text(path, detected.encoding) as handle:
        reader = csv.reader(handle, delimiter=detected.delimiter)
        try:
            for _ in range(detected.skip_records + 1):
                next(reader, None)
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                cleaned = [c.replace("\x00", "").strip() for c in cells[:width]]
                cleaned += [""] * (width - len(cleaned))
                rows.append([c if len(c) <= cut else c[: cut - 1] + "…" for c in cleaned])
                if len(rows) >= limit:
                    break
        except csv.Error:
            pass  # the preview ends at an unreadable record; the import reports it
    return rows


def iter_csv(path: Path, detected: Detected) -> Iterator[ParsedRecord]:
    """Every data record after the header, as parsed records (numbered from 1)."""
    if detected.mapping:
        plan = plan_from_fields(detected.mapping)
    else:
        plan = plan_columns(detected.format, detected.header)
    width = header_width(detected.header)
    with open_text(path, detected.encoding) as handle:
        reader = csv.reader(handle, delimiter=detected.delimiter)
        for _ in range(detected.skip_records + 1):
            next(reader, None)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield ParsedRecord(number=number, raw=[], error=f"unreadable CSV: {exc}")
                continue
            number += 1
            problem = row_text_problem(cells, detected.encoding)
            if problem:
                yield ParsedRecord(number=number, raw=clean_cells(cells), error=problem)
                continue
            yield record_from_cells(detected.format, plan, clean_cells(cells), number, width)


def _card_chunks(path: Path, encoding: str) -> Iterator[tuple[list[str], str | None]]:
    """The lines of each BEGIN:VCARD … END:VCARD block (or an error for a broken one)."""
    with open_text(path, encoding) as handle:
        current: list[str] | None = None
        for raw_line in handle:
            line = raw_line.rstrip("\r\n")
            upper = line.strip().upper()
            if upper == "BEGIN:VCARD":
                if current is not None:
                    yield current, "card has no END:VCARD"
                current = [line.strip()]
            elif upper == "END:VCARD":
                if current is None:
                    continue
                current.append(line.strip())
                yield current, None
                current = None
            elif current is not None:
                current.append(line)
                if len(current) > MAX_CARD_LINES:
                    yield current[:3], f"card has more than {MAX_CARD_LINES} lines"
                    current = None
        if current is not None:
            yield current, "card has no END:VCARD"


def _card_text(component: object, name: str) -> str:
    child = getattr(component, name, None)
    value = getattr(child, "value", None) if child is not None else None
    if isinstance(value, list):
        value = ";".join(str(v) for v in value if v)
    return str(value).strip() if value else ""


def _card_to_record(lines: list[str], number: int) -> ParsedRecord:
    record = ParsedRecord(number=number, raw=[" | ".join(lines[:6])[:500]])
    try:
        card = vobject.readOne("\r\n".join(lines) + "\r\n")
    except Exception as exc:  # vobject raises many types for bad cards
        first_line = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        record.error = f"unreadable vCard: {first_line}"
        return record
    contents = card.contents
    full = _card_text(card, "fn")
    given = family = ""
    n_prop = contents.get("n", [None])[0]
    if n_prop is not None and hasattr(n_prop.value, "given"):
        given = str(n_prop.value.given or "").strip()
        family = str(n_prop.value.family or "").strip()
        if not full:
            full = " ".join(p for p in (given, family) if p)
    identifiers: list[tuple[IdentifierKind, str, str | None]] = []
    for prop in contents.get("email", []):
        types = prop.params.get("TYPE", [])
        identifiers.append((IdentifierKind.EMAIL, str(prop.value), types[0] if types else None))
    for prop in contents.get("tel", []):
        value = str(prop.value)
        if value.lower().startswith("tel:"):
            value = value[4:]
        types = prop.params.get("TYPE", [])
        identifiers.append((IdentifierKind.PHONE, value, types[0] if types else None))
    for prop in contents.get("url", []) + contents.get("x-socialprofile", []):
        value = str(prop.value)
        if "linkedin.com/in/" in value.lower():
            identifiers.append((IdentifierKind.LINKEDIN_SLUG, value, None))
            record.linkedin_slug = linkedin_slug(value)
            break
    company = ""
    org = contents.get("org", [None])[0]
    if org is not None:
        value = org.value
        company = (value[0] if isinstance(value, list) and value else str(value or "")).strip()
    location = ""
    adr = contents.get("adr", [None])[0]
    if adr is not None and hasattr(adr.value, "city"):
        location = ", ".join(
            p for p in (str(adr.value.city or ""), str(adr.value.country or "")) if p.strip()
        )
    if not full and not _has_valid(identifiers):
        record.error = "no name and no valid email or phone"
        return record
    record.contact = ContactInput(
        full_name=full,
        given_name=given or None,
        family_name=family or None,
        company=company or None,
        title=_card_text(card, "title") or None,
        location=location or None,
        birthday=parse_date(_card_text(card, "bday")[:10]),
        identifiers=identifiers,
    )
    return record


def iter_vcard(path: Path, detected: Detected) -> Iterator[ParsedRecord]:
    """Every card of a vCard file, as parsed records (numbered from 1)."""
    for number, (lines, error) in enumerate(_card_chunks(path, detected.encoding), start=1):
        if error:
            yield ParsedRecord(number=number, raw=[" | ".join(lines[:6])[:500]], error=error)
            continue
        problem = row_text_problem(lines, detected.encoding)
        if problem:
            yield ParsedRecord(number=number, raw=[" | ".join(lines[:6])[:500]], error=problem)
            continue
        yield _card_to_record(clean_cells(lines), number)


def iter_records(path: Path, detected: Detected) -> Iterator[ParsedRecord]:
    """The records of a detected file, whatever its format."""
    if detected.format is FileFormat.VCARD:
        return iter_vcard(path, detected)
    return iter_csv(path, detected)


def count_records(path: Path, detected: Detected) -> int:
    """How many records the file has (for the progress bar)."""
    if detected.format is FileFormat.VCARD:
        with open_text(path, detected.encoding) as handle:
            return sum(1 for line in handle if line.strip().upper() == "BEGIN:VCARD")
    with open_text(path, detected.encoding) as handle:
        reader = csv.reader(handle, delimiter=detected.delimiter)
        count = -1 - detected.skip_records
        while True:
            try:
                next(reader)
            except StopIteration:
                return max(0, count)
            except csv.Error:
                pass
            count += 1
