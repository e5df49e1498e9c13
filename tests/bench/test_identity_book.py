"""The identity book's scoring of an import: two people whose rows are identical and carry
no identifier are reported apart from the wrongly merged (nothing can tell them apart);
any other join of two people counts as wrongly merged."""

from __future__ import annotations

from bench.identity_book import Book, Record, evaluate

from pingcrm.contacts.ingest import ContactInput
from pingcrm.identity.scan import ScanResult
from pingcrm.models import IdentifierKind as K


def _book(*rows: tuple[int, ContactInput]) -> Book:
    return Book(records=[Record(person, "import:generic", row) for person, row in rows])


def test_identical_rows_without_identifiers_are_not_counted_as_wrongly_merged() -> None:
    row = ContactInput("Maria Smith", title="Engineer")
    book = _book((1, row), (2, ContactInput("Maria Smith", title="Engineer")))
    outcome = evaluate(book, [10, 10], ScanResult())
    assert outcome.wrongly_merged_import == 0
    assert outcome.identical_rows == 1


def test_two_people_joined_despite_different_rows_are_wrongly_merged() -> None:
    book = _book(
        (1, ContactInput("Maria Smith", identifiers=[(K.EMAIL, "maria@a.example", None)])),
        (2, ContactInput("Maria Smith", identifiers=[(K.EMAIL, "maria@b.example", None)])),
        (3, ContactInput("John Doe", title="Engineer")),
        (4, ContactInput("John Doe", title="Designer")),
    )
    outcome = evaluate(book, [10, 10, 11, 11], ScanResult())
    assert outcome.wrongly_merged_import == 2
    assert outcome.identical_rows == 0
