"""What a file is: its encoding, its delimiter, where its header is and which format.

Formats are recognised from the header, no question asked: LinkedIn ``Connections.csv``
(after its free-text "Notes:" preamble), Google Contacts CSV, Outlook CSV, a generic CSV
(a name column and an email or phone column) and vCard 3.0/4.0.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from pingcrm.errors import ValidationFailed

ACCEPTED_FORMATS = (
    "LinkedIn Connections.csv, Google Contacts CSV, Outlook CSV, "
    "any other CSV (you say what its columns hold when they are not recognised), "
    "or vCard (.vcf)"
)
SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_RECORDS = 40
DELIMITERS = (",", ";", "\t", "|")


class FileFormat(enum.StrEnum):
    LINKEDIN = "linkedin"
    GOOGLE = "google"
    OUTLOOK = "outlook"
    GENERIC = "generic"
    VCARD = "vcard"


FORMAT_LABELS = {
    FileFormat.LINKEDIN: "LinkedIn connections (CSV)",
    FileFormat.GOOGLE: "Google Contacts (CSV)",
    FileFormat.OUTLOOK: "Outlook contacts (CSV)",
    FileFormat.GENERIC: "Contacts (CSV)",
    FileFormat.VCARD: "vCard",
}


class ImportFileError(ValidationFailed):
    """The file cannot be imported at all (empty, binary, unknown format)."""

    code = "import_file_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message, details={"field": "file"})


@dataclass(frozen=True)
class Detected:
    """How to read the file."""

    format: FileFormat
    encoding: str
    delimiter: str = ","
    # CSV records before the header (the LinkedIn "Notes:" preamble).
    skip_records: int = 0
    header: tuple[str, ...] = ()
    # A column mapping the user chose (one field id per header column): the columns are
    # read by it instead of by their names.
    mapping: tuple[str, ...] = ()


# Header words in other tools and languages → the canonical name the parsers know.
HEADER_SYNONYMS = {
    # names
    "full name": "name", "fullname": "name", "display name": "name", "person": "name",
    "given name": "first name", "givenname": "first name", "vorname": "first name",
    "prénom": "first name", "prenom": "first name", "nombre": "first name",
    "nome": "first name", "voornaam": "first name",
    "family name": "last name", "familyname": "last name", "nachname": "last name",
    "nom": "last name", "nom de famille": "last name", "apellido": "last name",
    "apellidos": "last name", "cognome": "last name", "achternaam": "last name",
    "familienname": "last name",
    # emails and phones
    "e mail": "email", "email adresse": "email", "e-mail-adresse": "email",
    "courriel": "email", "adresse e-mail": "email", "correo": "email",
    "correo electrónico": "email", "correo electronico": "email",
    "telefon": "phone", "telefonnummer": "phone", "téléphone": "phone",
    "telephone number": "phone", "teléfono": "phone", "telefono": "phone",
    "handy": "mobile", "mobil": "mobile", "portable": "mobile", "móvil": "mobile",
    "cellulare": "mobile", "phone numbers": "phone",
    # work
    "firma": "company", "unternehmen": "company", "entreprise": "company",
    "société": "company", "societe": "company", "empresa": "company",
    "azienda": "company", "org": "company",
    "job": "title", "job title": "job title", "titel": "title", "poste": "title",
    "fonction": "title", "cargo": "title", "puesto": "title", "position": "position",
    # places and dates
    "ort": "location", "stadt": "location", "ville": "location", "ciudad": "location",
    "città": "location", "citta": "location", "address": "location",
    "geburtstag": "birthday", "geburtsdatum": "birthday", "anniversaire": "birthday",
    "date de naissance": "birthday", "cumpleaños": "birthday",
    "fecha de nacimiento": "birthday", "compleanno": "birthday", "born": "birthday",
    # handles
    "x": "twitter", "x handle": "twitter", "x username": "twitter", "twitter handle": "twitter",
    "twitter username": "twitter", "twitter url": "twitter", "x url": "twitter",
    "telegram username": "telegram", "telegram handle": "telegram", "tg": "telegram",
    "linkedin handle": "linkedin", "linkedin username": "linkedin", "linked in": "linkedin",
    # tags and notes
    "tag": "tags", "labels": "tags", "label": "tags", "groups": "tags", "group": "tags",
    "categories": "tags", "category": "tags", "schlagwörter": "tags", "étiquettes": "tags",
    "etiquettes": "tags", "etiquetas": "tags",
    "note": "notes", "notizen": "notes", "notiz": "notes", "remarques": "notes",
    "notas": "notes", "comment": "notes", "comments": "notes", "bemerkung": "notes",
    "description": "notes",
}  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def norm_header(cell: str) -> str:
    """A header cell compared case-, space- and underscore-insensitively, camelCase
    split, synonyms (a few languages) and plurals folded to the names the parsers know:
    ``full_name`` → ``name``, ``givenName`` → ``first name``, ``Phones`` → ``phone``,
    ``Vorname`` → ``first name``, ``prénom`` → ``first name``."""
    text = _CAMEL.sub(" ", cell.replace("\ufeff", "").strip().strip('"'))
    text = " ".join(text.replace("_", " ").replace(".", " ").lower().split())
    if text in HEADER_SYNONYMS:
        return HEADER_SYNONYMS[text]
    if text.endswith("s") and not text.endswith("ss") and text[:-1] in _KNOWN_SINGULAR:
        return HEADER_SYNONYMS.get(text[:-1], text[:-1])
    return text


NAME_KEYS = {"name", "full name", "fullname", "display name", "contact name", "contact"}
GIVEN_KEYS = {"first name", "given name", "firstname", "first", "forename", "prenom"}
MIDDLE_KEYS = {"middle name", "additional name"}
FAMILY_KEYS = {"last name", "family name", "surname", "lastname", "last"}
EMAIL_KEYS = {
    "email",
    "e-mail",
    "email address",
    "e-mail address",
    "mail",
    "emails",
    "email 1",
    "work email",
    "personal email",
    "primary email",
    "e-mail 2 address",
    "e-mail 3 address",
}
PHONE_KEYS = {
    "phone",
    "phone number",
    "mobile",
    "mobile phone",
    "cell",
    "cell phone",
    "telephone",
    "tel",
    "work phone",
    "home phone",
    "business phone",
    "primary phone",
    "other phone",
    "whatsapp",
}
# Singular names a plural header folds to ("phones" → "phone", "mobiles" → "mobile").
_KNOWN_SINGULAR = {"phone", "mobile", "email", "e-mail", "telephone", "handle", "company"}
_GOOGLE_MULTI = re.compile(r"^(e-mail|phone|website|organization|address) \d+ - ")
_NUMBERED_EMAIL = re.compile(r"^e-?mail( \d+)?( - value| address)?$|^e-mail \d+ address$")
_NUMBERED_PHONE = re.compile(r"^phone \d+ - value$")


def classify_header(cells: list[str]) -> FileFormat | None:
    """The format whose header ``cells`` are, or None when it is not a usable header."""
    names = {norm_header(c) for c in cells if c.strip()}
    if not names:
        return None
    if {"first name", "last name", "url", "connected on"} <= names:
        return FileFormat.LINKEDIN
    if any(_GOOGLE_MULTI.match(n) for n in names) and (
        names & (GIVEN_KEYS | FAMILY_KEYS | NAME_KEYS)
    ):
        return FileFormat.GOOGLE
    if (
        "e-mail address" in names
        and "first name" in names
        and (names & {"business phone", "mobile phone", "home phone", "job title", "middle name"})
    ):
        return FileFormat.OUTLOOK
    has_name = bool(names & (NAME_KEYS | GIVEN_KEYS | FAMILY_KEYS))
    has_contact = any(n in EMAIL_KEYS or _NUMBERED_EMAIL.match(n) for n in names) or any(
        n in PHONE_KEYS or _NUMBERED_PHONE.match(n) for n in names
    )
    if has_name and has_contact:
        return FileFormat.GENERIC
    return None


def _check_binary(sample: bytes) -> str | None:
    """A UTF-16 encoding guessed from NUL patterns, or raise for binary junk."""
    if sample.count(0) > 0.01 * len(sample):
        even = sample[0::2]
        odd = sample[1::2]
        if even and odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even and even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
        raise ImportFileError(
            f"This is a binary file, not a contacts file. Accepted formats: {ACCEPTED_FORMATS}."
        )
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if sample and controls > 0.02 * len(sample):
        raise ImportFileError(
            f"This is a binary file, not a contacts file. Accepted formats: {ACCEPTED_FORMATS}."
        )
    return None


def _mostly_utf8(path: Path) -> bool:
    """True when valid multi-byte UTF-8 characters outnumber the invalid bytes: the file
    is UTF-8 with a few broken spots (a legacy-codepage file has almost no valid UTF-8
    sequences: its accented letters are single bytes)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    valid = invalid = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            text = decoder.decode(chunk)
            bad = text.count("\ufffd")
            invalid += bad
            valid += sum(1 for ch in text if ord(ch) > 0x7F) - bad
        tail = decoder.decode(b"", final=True)
        invalid += tail.count("\ufffd")
    return valid > invalid


def detect_encoding(path: Path) -> str:
    """The file's text encoding: BOMs first, then strict UTF-8, else charset-normalizer."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _check_binary(head)
    if utf16:
        return utf16
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError as exc:
        if _mostly_utf8(path):
            # A UTF-8 file with a few broken bytes: read it as UTF-8 and reject only the
            # rows holding them, rather than re-reading every row in a legacy codepage.
            return "utf-8"
        # Guess from the region around the first non-UTF-8 byte (and the start).
        with path.open("rb") as handle:
            start = max(0, getattr(exc, "start", 0) - 4096)
            handle.seek(start)
            region = handle.read(64 * 1024)
        best = from_bytes(head[:65536] + b"\n" + region).best()
        encoding = (best.encoding if best else "cp1252") or "cp1252"
        if encoding.replace("_", "-").lower() in ("utf-8", "ascii", "utf-8-sig"):
            encoding = "cp1252"
        return encoding


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text, streaming, with universal newlines left to the csv module."""
    return io.TextIOWrapper(path.open("rb"), encoding=encoding, errors="replace", newline="")


NOT_RECOGNISED = (
    "This file's format was not recognised: no header with a name column and an "
    f"email or phone column was found. Accepted formats: {ACCEPTED_FORMATS}."
)


def _first_record(sample: str) -> tuple[str, int, list[str]] | None:
    """The delimiter that splits the first non-blank record into the most columns, that
    record's index and its cells (the header of a file whose columns are unknown)."""
    best: tuple[str, int, list[str]] | None = None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            for index, record in enumerate(reader):
                if index >= HEADER_SEARCH_RECORDS:
                    break
                if any(cell.strip() for cell in record):
                    if best is None or len(record) > len(best[2]):
                        best = (delimiter, index, record)
                    break
        except csv.Error:
            continue
    return best


def detect(path: Path, *, unrecognised_ok: bool = False) -> Detected:
    """Detect the format of the file at ``path``; ImportFileError with a clear message
    (and the accepted formats) when it cannot be imported. With ``unrecognised_ok``, a
    CSV whose header is not recognised is returned as a generic CSV whose first record is
    the header (its columns are then mapped by the user) instead of refused."""
    if path.stat().st_size == 0:
        raise ImportFileError("The file is empty.")
    encoding = detect_encoding(path)
    with open_text(path, encoding) as handle:
        sample = handle.read(SAMPLE_BYTES // 2)
    stripped = sample.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise ImportFileError("The file is empty.")
    if stripped[:11].upper() == "BEGIN:VCARD":
        return Detected(format=FileFormat.VCARD, encoding=encoding)
    best: Detected | None = None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            for index, record in enumerate(reader):
                if index >= HEADER_SEARCH_RECORDS:
                    break
                fmt = classify_header(record)
                if fmt is not None:
                    candidate = Detected(
                        format=fmt,
                        encoding=encoding,
                        delimiter=delimiter,
                        skip_records=index,
                        header=tuple(record),
                    )
                    if best is None or len(candidate.header) > len(best.header):
                        best = candidate
                    break
        except csv.Error:
            continue
    if best is None and unrecognised_ok:
        first = _first_record(sample)
        if first is not None:
            delimiter, index, record = first
            return Detected(
                format=FileFormat.GENERIC,
                encoding=encoding,
                delimiter=delimiter,
                skip_records=index,
                header=tuple(record),
            )
    if best is None:
        raise ImportFileError(NOT_RECOGNISED)
    return best
