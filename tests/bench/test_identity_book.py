"""The identity book's scoring of an import: two people whose rows are identical and carry
no identifier are reported apart from the wrongly merged (nothing can tell them apart);
any other join of two people counts as wrongly merged."""

from __future__ import annotations

from collections import Counter

from bench.identity_book import Book, Record, evaluate, generate, sharing, sweep

from pingcrm.contacts.ingest import ContactInput
from pingcrm.identity.scan import FoundPair, ScanResult
from pingcrm.identity.signals import PairScore
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


def _surname_share_of_top(book: Book, top: int) -> float:
    people = {record.person: record.row for record in book.records}
    counts = Counter(row.full_name.split()[-1] for row in people.values())
    return sum(n for _, n in counts.most_common(top)) / len(people)


def test_the_book_draws_names_as_often_as_a_census_finds_them() -> None:
    # The US census: the 25 most common surnames cover 8.7 % of people, the 239 most
    # common a quarter. Faker's pools alone (the name-dense stress book) are far denser.
    book = generate(10_000, 3)
    assert 0.05 <= _surname_share_of_top(book, 25) <= 0.12
    assert 0.15 <= _surname_share_of_top(book, 239) <= 0.32
    dense = generate(10_000, 3, dense=True)
    assert _surname_share_of_top(dense, 239) > 0.4
    # Namesakes: the planted ~2 % of rows and the few a long tail of names gives.
    assert 0.02 <= sharing(book) <= 0.08
    assert sharing(dense) > 2 * sharing(book)


def _pair(a: int, b: int, score: float) -> FoundPair:
    return FoundPair(a, b, PairScore(tier=2, score=score))


def test_the_sweep_finds_the_threshold_that_keeps_precision_and_recalls_most() -> None:
    # Person 1 has two records (contacts 10 and 11); 12 and 13 are two namesakes.
    book = _book(
        (1, ContactInput("Ann Lee")), (1, ContactInput("Ann Lee", company="Acme")),
        (2, ContactInput("Bo Chen")), (3, ContactInput("Bo Chen", company="Initech")),
    )  # fmt: skip
    contact_of: list[int | None] = [10, 11, 12, 13]
    scored = ScanResult(pairs=[_pair(10, 11, 0.61), _pair(12, 13, 0.5)])
    best = sweep(book, contact_of, scored)
    # Any threshold above the namesakes' 0.5 and up to 0.61 queues only the true pair.
    assert best.threshold == 0.52
    assert best.outcome is not None
    assert best.outcome.recall == 1.0
    assert best.outcome.review == 1
    # When the namesakes score higher than the true pair, only an empty queue keeps 0.95.
    swapped = sweep(book, contact_of, ScanResult(pairs=[_pair(10, 11, 0.5), _pair(12, 13, 0.61)]))
    assert swapped.outcome is not None
    assert swapped.outcome.recall == 0.0
    assert swapped.threshold is not None
    assert swapped.threshold > 0.61
