"""Names that go together: a full name repeats more often than its parts' frequencies
say (first and last names come from one culture), and the scan's model knows it."""

from __future__ import annotations

from pingcrm.identity.cultures import full_name_key
from pingcrm.identity.features import Features
from pingcrm.identity.model import BookStats
from pingcrm.identity.signals import Thresholds, score_pair
from pingcrm.models import IdentifierKind as K
from tests.identity.test_signals import book, feat

LIMITS = Thresholds()


def _linkedin_gmail(name: str, start: int) -> tuple[Features, Features]:
    """One name as a LinkedIn connection (company, no email) and a Gmail sender (email,
    no company): nothing but the name to go on."""
    slug = name.lower().replace(" ", "-")
    linkedin = feat(start, name, (K.LINKEDIN_SLUG, f"{slug}-4a1b2c3"), company="Natura")
    gmail = feat(start + 1, name, (K.EMAIL, f"{slug.replace('-', '.')}.77@gmail.com"))
    return linkedin, gmail


def test_a_full_name_many_different_people_hold_is_not_queued() -> None:
    # In a book of 20,000, "Pedro" and "Jesus" are each held by 15 contacts: middling
    # rare, so independent names would make two "Pedro Jesus" one person. But twelve
    # of those contacts are "Pedro Jesus", different people (the book's Brazilians).
    stats = book("pedro * x15", "* jesus x15")
    stats.full.counts[full_name_key("pedro", "jesus")] = 12
    a, b = _linkedin_gmail("Pedro Jesus", 1)
    verdict = score_pair(a, b, LIMITS, stats)
    assert verdict.tier == 0
    assert verdict.score < 0.5
    # The same names with no other "Pedro Jesus" in the book: proposed for review.
    alone = book("pedro * x15", "* jesus x15")
    alone.full.counts[full_name_key("pedro", "jesus")] = 2
    proposed = score_pair(a, b, LIMITS, alone)
    assert proposed.tier == 2
    assert proposed.guards == ["name_only"]


def test_a_genuinely_rare_full_name_still_reaches_review() -> None:
    # Names go together three times more often than independence says in this book,
    # but a name only these two records hold, of parts only they hold, is still rare.
    stats = book("wojciech * x2", "* wojciechowski x2")
    stats.full.lift = 3.0
    stats.full.counts[full_name_key("wojciech", "wojciechowski")] = 2
    a, b = _linkedin_gmail("Wojciech Wojciechowski", 1)
    verdict = score_pair(a, b, LIMITS, stats)
    assert verdict.tier == 2
    assert verdict.guards == ["name_only"]


def test_names_that_go_together_in_the_book_weaken_a_shared_name() -> None:
    # Two cultures, each drawing first and last names from its own pools: among the
    # LinkedIn connections (different profiles: surely different people) full names
    # repeat more often than independent names would make them.
    rows = []
    cultures = (
        (("ana", "joao", "pedro"), ("silva", "souza", "costa")),
        (
            ("hans", "uwe", "jens"),
            ("muller", "schmidt", "weber"),
        ),
    )
    contact_id = 0
    for firsts, lasts in cultures:
        for first in firsts:
            for last in lasts:
                for _ in range(4):
                    contact_id += 1
                    rows.append(
                        feat(contact_id, f"{first} {last}",
                             (K.LINKEDIN_SLUG, f"{first}-{last}-{contact_id}"))
                    )  # fmt: skip
    together = BookStats.of(rows)
    assert together.full.lift > 1.5
    # The same first and last names in a book where they do not go together.
    independent = BookStats.of(
        feat(i, f"{rows[i - 1].first} {rows[(i * 7) % len(rows)].last}",
             (K.LINKEDIN_SLUG, f"p-{i}"))
        for i in range(1, len(rows) + 1)
    )  # fmt: skip
    a, b = _linkedin_gmail("Ana Weber", 1000)
    assert score_pair(a, b, LIMITS, together).score < score_pair(a, b, LIMITS, independent).score


def test_a_name_other_records_hold_counts_each_of_them() -> None:
    # Two records of one full name that no one else holds, then the same name held by
    # a third and by ten more records: the more other records, the weaker the match.
    a, b = _linkedin_gmail("Lorraine Myers", 1)
    scores = []
    for holders in (2, 4, 12):
        stats = book("lorraine * x20", "* myers x20")
        stats.full.counts[full_name_key("lorraine", "myers")] = holders
        scores.append(score_pair(a, b, LIMITS, stats).score)
    assert scores[0] > scores[1] > scores[2]


def _letters(number: int) -> str:
    """A made-up name of letters only, different for every number."""
    word = ""
    number += 26 * 27
    while number:
        number, digit = divmod(number, 26)
        word += "abcdefghijklmnopqrstuvwxyz"[digit]
    return word.capitalize()


def test_namesakes_on_common_names_do_not_weaken_a_rare_name() -> None:
    # A book whose LinkedIn connections (different profiles: different people) hold
    # "John Smith" 300 times: the common name repeats far more than independence says.
    # Its other 2,700 people have names nobody else holds. A rare full name found on a
    # LinkedIn connection and a Gmail sender is still proposed: the repeats of John
    # Smith say nothing of how often rare names repeat.
    people = [
        feat(i, "John Smith", (K.LINKEDIN_SLUG, f"john-smith-{i:x}a1b2c")) for i in range(1, 301)
    ]
    people += [
        feat(i, f"{_letters(i)} {_letters(i + 5000)}", (K.LINKEDIN_SLUG, f"p-{i:x}a1b2c"))
        for i in range(301, 3001)
    ]
    people += [
        feat(i, f"{_letters(i)} {_letters(i + 5000)}", (K.EMAIL, f"x{i}@gmail.com"))
        for i in range(3001, 3003)
    ]
    stats = BookStats.of(people)
    rare_product = (1 / stats.size) ** 2
    common_product = (300 / stats.size) ** 2
    assert stats.full.lift_of(common_product) > 10 * stats.full.lift_of(rare_product)
    a, b = _linkedin_gmail("Wojciech Wojciechowski", 9000)
    rare = BookStats.of([*people, a, b])
    verdict = score_pair(a, b, LIMITS, rare)
    assert verdict.tier == 2
    assert verdict.guards == ["name_only"]
    # Two more John Smiths, a LinkedIn connection and a Gmail sender, are not proposed.
    c, d = _linkedin_gmail("John Smith", 9100)
    assert score_pair(c, d, LIMITS, BookStats.of([*people, c, d])).tier == 0
