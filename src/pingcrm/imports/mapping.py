"""Column mapping of generic CSV files: which contact field each column holds.

A file whose columns are all understood (names, synonyms and plurals folded by
:func:`~pingcrm.imports.detect.norm_header`, as :func:`~pingcrm.imports.parsers.plan_columns`
reads them) imports at once. Otherwise the web and the API ask: each column → a field or
``ignore``, with a preview of the first rows. The user's choice is remembered per
normalised header (``user_settings.import_mappings``, one user's mappings never used for
another), so the next file with the same header imports with it without asking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from pingcrm.errors import ValidationFailed
from pingcrm.imports.detect import (
    NOT_RECOGNISED,
    Detected,
    FileFormat,
    ImportFileError,
    classify_header,
    norm_header,
)
from pingcrm.imports.parsers import IGNORE, fields_from_plan, header_width, plan_columns
from pingcrm.kit.clock import utcnow
from pingcrm.settings import repository as settings_repository

# Every field a column can be mapped to, in the order the choice lists them.
FIELD_LABELS: dict[str, str] = {
    IGNORE: "Ignore this column",
    "name": "Full name",
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "email": "Email (one or a list)",
    "phone": "Phone (one or a list)",
    "company": "Company",
    "title": "Job title",
    "location": "Location",
    "birthday": "Birthday",
    "linkedin": "LinkedIn profile",
    "twitter": "X (Twitter) handle",
    "telegram": "Telegram username",
    "website": "Website",
    "tags": "Tags",
    "notes": "Notes",
}
# A contact has one of each: two columns cannot both feed one of these.
SINGLE_VALUED = (
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "company",
    "title",
    "location",
    "birthday",
    "linkedin",
)
IDENTIFYING = ("name", "first_name", "last_name", "email", "phone")
MAX_SAVED = 50


class MappingInvalid(ValidationFailed):
    """A column mapping that cannot be used (unknown field, two columns for one field,
    nothing to name or reach the contact by)."""

    code = "import_mapping_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message, details={"field": "mapping"})


class MappingSource:
    """Where an import's column mapping came from (``details["mapping_source"]``)."""

    SAVED = "saved"
    CHOSEN = "chosen"


@dataclass(frozen=True)
class Decision:
    """How to start an import: the layout (with a mapping or not), whether it must wait
    for the user's mapping, and where its mapping came from."""

    detected: Detected
    needs_mapping: bool = False
    source: str | None = None


def column_label(header: Sequence[str], index: int) -> str:
    """The name a user reads for column ``index`` (its header, or its position)."""
    text = header[index].strip().strip('"').replace("\ufeff", "") if index < len(header) else ""
    return text or f"Column {index + 1}"


def header_key(header: Sequence[str]) -> str:
    """The key under which a header's mapping is remembered: its normalised cells (case,
    spaces, underscores, synonyms folded), trailing empty cells left out, hashed."""
    cells = tuple(header)[: header_width(tuple(header))]
    text = "\t".join(norm_header(cell) for cell in cells)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def detected_fields(detected: Detected) -> list[str]:
    """The field each column of a generic CSV holds, read from its header name."""
    width = header_width(detected.header)
    return fields_from_plan(plan_columns(FileFormat.GENERIC, detected.header), width)


def fully_understood(detected: Detected) -> bool:
    """True when the header names a name and an email or phone column and every other
    named column has a home."""
    if classify_header(list(detected.header)) is None:
        return False
    width = header_width(detected.header)
    return all(
        field != IGNORE or not detected.header[index].strip()
        for index, field in enumerate(detected_fields(detected)[:width])
    )


def ignored_columns(header: Sequence[str], fields: Sequence[str] | None) -> list[str]:
    """The named columns of a generic CSV that an import with ``fields`` (or, without
    them, by the column names) leaves out."""
    cells = tuple(header)
    if fields:
        chosen = list(fields)
    else:
        chosen = detected_fields(Detected(FileFormat.GENERIC, "", header=cells))
    return [
        column_label(cells, i)
        for i, field in enumerate(chosen[: header_width(cells)])
        if field == IGNORE and cells[i].strip()
    ]


def _field_id(value: str) -> str | None:
    """A field id from its id or label, case-insensitively (``First name`` → first_name)."""
    text = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    for field, label in FIELD_LABELS.items():
        if text in (field.replace("_", " "), label.lower()):
            return field
    aliases = {"": IGNORE, "skip": IGNORE, "none": IGNORE, "x": "twitter", "full name": "name"}
    return aliases.get(text)


def resolve(
    header: Sequence[str],
    base: Sequence[str],
    mapping: Sequence[str] | Mapping[str, str],
) -> list[str]:
    """The mapping to use: ``mapping`` as a full list (one field per column), or as
    ``{column: field}`` changes to ``base`` (columns named by their header text, matched
    exactly, then case- and synonym-insensitively, or by 1-based position ``#3``).
    MappingInvalid for unknown columns or fields."""
    width = header_width(tuple(header))
    if not isinstance(mapping, Mapping):
        values = list(mapping)
        if len(values) != width:
            raise MappingInvalid(
                f"The mapping has {len(values)} fields but the file has {width} columns."
            )
        fields = []
        for index, value in enumerate(values):
            field = _field_id(value)
            if field is None:
                raise MappingInvalid(
                    f"“{value[:40]}” is not a field (column “{column_label(header, index)}”). "
                    f"Fields: {', '.join(FIELD_LABELS)}."
                )
            fields.append(field)
        return fields
    fields = list(base[:width]) + [IGNORE] * max(0, width - len(base))
    labels = [column_label(header, i) for i in range(width)]
    folded = [norm_header(label) for label in labels]
    for column, value in mapping.items():
        name = column.strip()
        matches = [i for i, label in enumerate(labels) if label == name]
        if not matches:
            matches = [i for i, key in enumerate(folded) if key == norm_header(name)]
        if not matches and name.startswith("#") and name[1:].isdigit():
            position = int(name[1:]) - 1
            matches = [position] if 0 <= position < width else []
        if not matches:
            raise MappingInvalid(
                f"The file has no column “{name[:60]}”. Its columns: {', '.join(labels)[:500]}."
            )
        if len(matches) > 1:
            raise MappingInvalid(
                f"The file has {len(matches)} columns named “{name[:60]}”: name them by "
                "position instead (#1, #2, …)."
            )
        field = _field_id(value)
        if field is None:
            raise MappingInvalid(
                f"“{value[:40]}” is not a field (column “{name[:60]}”). "
                f"Fields: {', '.join(FIELD_LABELS)}."
            )
        fields[matches[0]] = field
    return fields


def validate(header: Sequence[str], fields: Sequence[str]) -> list[str]:
    """``fields`` when they can import the file; MappingInvalid saying what is wrong
    (a field given to two columns that holds one value, no name, email or phone)."""
    width = header_width(tuple(header))
    if len(fields) != width:
        raise MappingInvalid(f"The mapping has {len(fields)} fields but the file has {width}.")
    unknown = [f for f in fields if f not in FIELD_LABELS]
    if unknown:
        raise MappingInvalid(f"“{unknown[0][:40]}” is not a field.")
    for field in SINGLE_VALUED:
        columns = [column_label(header, i) for i, f in enumerate(fields) if f == field]
        if len(columns) > 1:
            listed = " and ".join(f"“{c}”" for c in columns[:3])
            raise MappingInvalid(
                f"{listed} are both mapped to {FIELD_LABELS[field]}, which holds one value: "
                "map only one of them to it (set the others to “Ignore this column”)."
            )
    if not any(f in IDENTIFYING for f in fields):
        raise MappingInvalid(
            "Choose a column for the name, the email or the phone: without one, no row can "
            "become a contact."
        )
    return list(fields)


def _saved(session: Session, user_id: int) -> dict[str, Any]:
    row = settings_repository.get_or_create(session, user_id)
    return dict(row.import_mappings or {})


def saved_fields(session: Session, user_id: int, header: Sequence[str]) -> list[str] | None:
    """The mapping this user saved for this header (never another user's), if usable."""
    entry = _saved(session, user_id).get(header_key(header))
    if not isinstance(entry, dict):
        return None
    fields = entry.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        return None
    try:
        return validate(header, fields)
    except MappingInvalid:
        return None  # saved for a header of another width, or an older field list


def remember(session: Session, user_id: int, header: Sequence[str], fields: Sequence[str]) -> None:
    """Save ``fields`` as the user's mapping for this header (the oldest of more than
    MAX_SAVED are forgotten)."""
    row = settings_repository.get_or_create(session, user_id)
    saved = dict(row.import_mappings or {})
    width = header_width(tuple(header))
    saved[header_key(header)] = {
        "header": [column_label(header, i)[:200] for i in range(width)],
        "fields": list(fields),
        "saved_at": utcnow().isoformat(),
    }
    if len(saved) > MAX_SAVED:
        oldest = sorted(saved, key=lambda k: str(saved[k].get("saved_at", "")))
        for key in oldest[: len(saved) - MAX_SAVED]:
            del saved[key]
    row.import_mappings = saved  # a new dict: the JSON column sees the change


@dataclass(frozen=True)
class SavedMapping:
    """A remembered mapping, as the settings page lists it."""

    key: str
    columns: list[tuple[str, str]]  # (column, field label)
    saved_at: str
    fields: list[str]  # the field id of each column


def list_saved(session: Session, user_id: int) -> list[SavedMapping]:
    """The user's remembered mappings, newest first."""
    result = []
    for key, entry in _saved(session, user_id).items():
        if not isinstance(entry, dict):
            continue
        header = [str(h) for h in entry.get("header", [])]
        fields = [str(f) for f in entry.get("fields", [])]
        result.append(
            SavedMapping(
                key=key,
                columns=[(h, FIELD_LABELS.get(f, f)) for h, f in zip(header, fields, strict=False)],
                saved_at=str(entry.get("saved_at", "")),
                fields=fields[: len(header)],
            )
        )
    return sorted(result, key=lambda m: m.saved_at, reverse=True)


def forget(session: Session, user_id: int, key: str) -> bool:
    """Forget one remembered mapping (the next file with that header asks again)."""
    row = settings_repository.get_or_create(session, user_id)
    saved = dict(row.import_mappings or {})
    if saved.pop(key, None) is None:
        return False
    row.import_mappings = saved
    return True


def decide(
    session: Session,
    user_id: int,
    detected: Detected,
    *,
    ask: bool,
    choose: bool = False,
    mapping: Sequence[str] | Mapping[str, str] | None = None,
) -> Decision:
    """How to import a detected file. Known formats (LinkedIn, Google, Outlook, vCard)
    are read by their header. A generic CSV: an explicit ``mapping`` is validated and
    remembered; else the user's saved mapping for the header is used (unless ``choose``);
    else, when ``ask``, a file whose columns are not all understood (or ``choose``) waits
    for the user's mapping; else its understood columns are read (ImportFileError when
    its header names no name and email or phone column)."""
    if detected.format is not FileFormat.GENERIC:
        if mapping:
            raise MappingInvalid(
                "This file is read by its known layout "
                f"({detected.format.value}); a column mapping applies to other CSV files."
            )
        return Decision(detected)
    saved = saved_fields(session, user_id, detected.header)
    if mapping is not None:
        base = saved or detected_fields(detected)
        fields = validate(detected.header, resolve(detected.header, base, mapping))
        remember(session, user_id, detected.header, fields)
        return Decision(replace(detected, mapping=tuple(fields)), source=MappingSource.CHOSEN)
    if ask and choose:
        return Decision(detected, needs_mapping=True)
    if saved is not None:
        return Decision(replace(detected, mapping=tuple(saved)), source=MappingSource.SAVED)
    if ask and not fully_understood(detected):
        return Decision(detected, needs_mapping=True)
    if classify_header(list(detected.header)) is None:
        raise ImportFileError(NOT_RECOGNISED)
    return Decision(detected)


@dataclass(frozen=True)
class Column:
    """One column of the mapping step."""

    index: int
    header: str
    field: str
    recognised: bool
    examples: list[str]


@dataclass(frozen=True)
class Proposal:
    """The mapping step of a file: its columns with the proposed field each, and the
    first rows."""

    columns: list[Column]
    rows: list[list[str]]
    source: str  # "saved" or "detected"


def propose(session: Session, user_id: int, detected: Detected, rows: list[list[str]]) -> Proposal:
    """The proposed mapping of a file: the user's saved one for this header, else what the
    header names say (unknown columns → ignore)."""
    auto = detected_fields(detected)
    saved = saved_fields(session, user_id, detected.header)
    fields = saved or auto
    columns = [
        Column(
            index=i,
            header=column_label(detected.header, i),
            field=field,
            recognised=auto[i] != IGNORE,
            examples=[row[i] for row in rows if i < len(row) and row[i]][:3],
        )
        for i, field in enumerate(fields)
    ]
    return Proposal(columns=columns, rows=rows, source="saved" if saved else "detected")
