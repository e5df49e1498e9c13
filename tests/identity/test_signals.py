"""Tier-1 and tier-2 signals, weight redistribution, guards and blocking, on plain rows
(no database): each case is a pair a user would recognise."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from pingcrm.identity import blocking
from pingcrm.identity.features import Features, build
from pingcrm.identity.model import BookStats
from pingcrm.identity.scan import find_pairs
from pingcrm.identity.signals import Thresholds, score_pair
from pingcrm.models import IdentifierKind as K

LIMITS = Thresholds()


def person(
    contact_id: int,
    name: str,
    *idents: tuple[K, str],
    company: str | None = None,
    bio: str | None = None,
    groups: list[str] | None = None,
    given_name: str | None = None,
) -> tuple[Any, list[tuple[K, str]]]:
    given, _, family = name.partition(" ")
    if given_name:  # e.g. a compound given name, as Google Contacts stores it
        given, family = given_name, name.removeprefix(given_name).strip()
    row = SimpleNamespace(
        id=contact_id,
        full_name=name,
        given_name=given or None,
        family_name=family or None,
        company=company,
        twitter_bio=bio,
        linkedin_headline=None,
        telegram_bio=None,
        common_groups=groups or [],
    )
    return row, list(idents)


def feat(contact_id: int, name: str, *idents: tuple[K, str], **kw: Any) -> Features:
    row, ids = person(contact_id, name, *idents, **kw)
    return build(row, ids)


# ------------------------------------------------------------------ tier 1
def test_same_gmail_address_written_differently_is_certain() -> None:
    a = feat(1, "Jane Doe", (K.EMAIL, "jane.doe@gmail.com"))
    b = feat(2, "J D", (K.EMAIL, "JaneDoe+news@googlemail.com"))
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 1
    assert "same_email" in verdict.signals


def test_same_phone_in_two_formats_is_certain() -> None:
    a = feat(1, "Jane Doe", (K.PHONE, "+14155550123"))
    b = feat(2, "Janie", (K.PHONE, "+1 (415) 555-0123"))
    assert score_pair(a, b, LIMITS).signals == {"same_phone": 1.0}


def test_same_telegram_x_and_linkedin_ids_are_certain() -> None:
    for kind, label in (
        (K.TELEGRAM_ID, "same_telegram_id"),
        (K.TWITTER_ID, "same_twitter_id"),
        (K.LINKEDIN_ID, "same_linkedin"),
    ):
        a = feat(1, "Jane Doe", (kind, "12345"))
        b = feat(2, "Someone Else", (kind, "12345"))
        verdict = score_pair(a, b, LIMITS)
        assert (verdict.tier, list(verdict.signals)) == (1, [label])


def test_linkedin_slug_and_profile_url_are_the_same_profile() -> None:
    a = feat(1, "Jane Doe", (K.LINKEDIN_SLUG, "jane-doe-4a1b2c3"))
    b = feat(2, "Jane", bio="Profile: https://www.linkedin.com/in/Jane-Doe-4a1b2c3/")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 1
    assert verdict.signals == {"linkedin_in_bio": 1.0}


def test_email_in_the_others_bio_is_certain_with_gmail_rules() -> None:
    a = feat(1, "Jane Doe", (K.EMAIL, "janedoe@gmail.com"))
    b = feat(2, "jd", bio="Builder. Reach me: jane.doe+x@gmail.com.")
    assert score_pair(a, b, LIMITS).signals == {"email_in_bio": 1.0}


def test_phone_in_the_others_bio_is_certain() -> None:
    a = feat(1, "Jane Doe", (K.PHONE, "+447700900123"))
    b = feat(2, "JD", bio="WhatsApp +44 7700 900123")
    assert score_pair(a, b, LIMITS).signals == {"phone_in_bio": 1.0}


# ------------------------------------------------------------------ tier 2
def book(*names: str, size: int = 20_000, companies: dict[str, int] | None = None) -> BookStats:
    """The term frequencies of a book of ``size`` contacts holding ``names`` (given as
    "first last xN": N people with that first or last name)."""
    stats = BookStats(size=size)
    companies = companies or {}
    for spec in names:
        name, _, count = spec.partition(" x")
        first, _, last = name.partition(" ")
        if first != "*":
            stats.first[first.lower()] += int(count)
        if last and last != "*":
            stats.last[last.lower()] += int(count)
    for company, count in companies.items():
        stats.company[company] += count
    return stats


# A big book where John (300) and Smith (250) are common and Wojciechowski is not.
BIG = book(
    "john * x300",
    "* smith x250",
    "maria * x200",
    "* garcia x180",
    "robert * x150",
    companies={"google": 300, "allegro": 40, "acme": 100},
)


def test_nickname_at_the_same_company_is_probable() -> None:
    a = feat(1, "Robert Smith", (K.EMAIL, "robert@acme.io"), company="Acme Inc.")
    b = feat(2, "Bob Smith", (K.LINKEDIN_SLUG, "bob-smith-1a2b3c4"), company="Acme")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 2
    assert {"name", "company"} <= set(verdict.signals)
    assert LIMITS.review <= verdict.score < 1.0


def test_diminutive_outside_the_english_table() -> None:
    a = feat(1, "Aleksandr Volkov", company="Yandex")
    b = feat(2, "Sasha Volkov", company="Yandex")
    assert score_pair(a, b, LIMITS).tier == 2


def test_accents_and_scripts_are_folded() -> None:
    a = feat(1, "Jürgen Müller", company="Siemens AG")
    b = feat(2, "Jurgen Muller", company="Siemens")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 2
    # Cyrillic and a Latin spelling of the same name, across platforms.
    c = feat(3, "Дмитрий Соколов", (K.TELEGRAM_ID, "1001"))
    d = feat(4, "Dmitry Sokolov", (K.EMAIL, "dsokolov@gmail.com"))
    assert score_pair(c, d, LIMITS).tier == 2
    e = feat(5, "Tomás O'Brien", (K.LINKEDIN_SLUG, "tobrien"), company="Aer Lingus")
    f = feat(6, "Tomas OBrien", (K.EMAIL, "tom.ob@gmail.com"))
    assert score_pair(e, f, LIMITS).tier == 2


def test_a_rare_name_across_platforms_is_probable_a_common_one_is_not() -> None:
    # A LinkedIn connection (company, no email) and a Gmail sender (email, no company).
    rare_a = feat(1, "Wojciech Wojciechowski", (K.LINKEDIN_SLUG, "wwojc"), company="Allegro")
    rare_b = feat(2, "Wojciech Wojciechowski", (K.EMAIL, "wojtek.w@gmail.com"))
    verdict = score_pair(rare_a, rare_b, LIMITS, BIG)
    assert verdict.tier == 2
    assert verdict.guards == ["name_only"]  # queued for review, never merged by itself
    common_a = feat(3, "John Smith", (K.LINKEDIN_SLUG, "jsmith77"), company="Acme")
    common_b = feat(4, "John Smith", (K.EMAIL, "johnsmith@gmail.com"))
    common = score_pair(common_a, common_b, LIMITS, BIG)
    assert common.tier == 0
    assert common.score < verdict.score


def test_a_username_repeated_across_platforms_queues_even_a_common_name() -> None:
    # A Gmail sender and a LinkedIn connection: "John Smith" alone is not enough, but
    # the address and the profile share a username the person chose.
    gmail = feat(1, "John Smith", (K.EMAIL, "jsmith_1984@gmail.com"))
    linkedin = feat(2, "John Smith", (K.LINKEDIN_SLUG, "jsmith-1984-a1b2c3d4"), company="Acme")
    telegram = feat(3, "John Smith", (K.TELEGRAM_USERNAME, "jsmith_1984"))
    other = feat(4, "John Smith", (K.LINKEDIN_SLUG, "john-smith-77"), company="Acme")
    for a, b in ((gmail, telegram), (gmail, linkedin), (linkedin, telegram)):
        verdict = score_pair(a, b, LIMITS, BIG)
        assert verdict.tier == 2, verdict
        assert "username" in verdict.signals
    assert score_pair(gmail, other, LIMITS, BIG).tier == 0
    # A username that is just the name written as one word is the name again.
    plain = feat(5, "John Smith", (K.EMAIL, "johnsmith@gmail.com"))
    assert score_pair(plain, feat(6, "John Smith", (K.TELEGRAM_USERNAME, "johnsmith")),
                      LIMITS, BIG).tier == 0  # fmt: skip


def test_a_work_address_is_not_a_username_the_person_chose() -> None:
    # "jsmith84@acme.io" was handed out by the employer: it says nothing of @jsmith84.
    work = feat(1, "John Smith", (K.EMAIL, "jsmith84@acme.io"))
    handle = feat(2, "John Smith", (K.TELEGRAM_USERNAME, "jsmith84"))
    verdict = score_pair(work, handle, LIMITS, BIG)
    assert "username" not in verdict.signals
    assert verdict.tier == 0


def test_a_username_many_contacts_share_says_little() -> None:
    a = feat(1, "John Smith", (K.EMAIL, "photography@gmail.com"))
    b = feat(2, "John Smith", (K.TELEGRAM_USERNAME, "photography"))
    assert score_pair(a, b, LIMITS, BIG).tier == 2
    # The same word as the username of 400 contacts of the book.
    common = book("john * x300", "* smith x250")
    common.username["photography"] = 400
    assert score_pair(a, b, LIMITS, common).tier == 0


def test_usernames_of_one_name_with_different_numbers_are_two_people() -> None:
    # Two Maria Kowalskas who each needed a number after their taken name.
    a = feat(1, "Maria Kowalska", (K.EMAIL, "mariakowalska84@gmail.com"))
    b = feat(2, "Maria Kowalska", (K.TELEGRAM_USERNAME, "mariakowalska1207"))
    c = feat(3, "Maria Kowalska", (K.TELEGRAM_ID, "77"))
    apart = score_pair(a, b, LIMITS, BIG)
    assert apart.tier == 0
    assert apart.score < 0.5
    assert score_pair(a, c, LIMITS, BIG).tier == 2
    # LinkedIn numbers a taken name in a profile address itself: "mariakowalska1207"
    # there is not a username she chose against her mailbox. Only the name speaks: as
    # likely one person as a pair without usernames, but for one bit (neither shares
    # the other's).
    linkedin = feat(4, "Maria Kowalska", (K.LINKEDIN_SLUG, "mariakowalska1207"))
    verdict = score_pair(a, linkedin, LIMITS, BIG)
    assert verdict.score > 0.85
    assert verdict.weight == pytest.approx(score_pair(a, c, LIMITS, BIG).weight - 1, abs=0.01)


def test_a_name_and_a_short_number_are_not_a_username_the_person_chose() -> None:
    # Two Kołaks whose addresses end in the same two digits: a coincidence of one in a
    # hundred, not one person's username.
    a = feat(1, "Cipriano Kołak", (K.EMAIL, "cipriano.kolak12@outlook.com"))
    b = feat(2, "Eduardo Kołak", (K.EMAIL, "eduardo.kolak12@yahoo.com"))
    assert score_pair(a, b, LIMITS, BIG).tier == 0
    # A username of letters the person made up is theirs whatever the numbers.
    c = feat(3, "Cipriano Kołak", (K.EMAIL, "oceantiger12@gmail.com"))
    d = feat(4, "Eduardo Kołak", (K.TELEGRAM_USERNAME, "oceantiger12"))
    assert "username" in score_pair(c, d, LIMITS, BIG).signals


def test_a_part_of_the_name_is_not_a_username() -> None:
    # The formal name behind a nickname ("susan" in Sue's address) and a surname with
    # its particle ("dapaz") are the name again, not a username two records share.
    sue = feat(1, "Sue Galvani", (K.TELEGRAM_USERNAME, "susan_ocean98_2d3f"))
    other_sue = feat(2, "Sue Roda", (K.EMAIL, "susan.roda.7659@outlook.com"))
    assert "username" not in score_pair(sue, other_sue, LIMITS, BIG).signals
    tom = feat(3, "Tom da Paz", (K.EMAIL, "tom.dapaz.15800@yahoo.com"))
    alex = feat(4, "Alex da Paz", (K.LINKEDIN_SLUG, "alex-dapaz-59fe1f2-2300"))
    verdict = score_pair(tom, alex, LIMITS, BIG)
    assert "username" not in verdict.signals
    assert verdict.tier == 0


def test_namesakes_at_one_company_are_not_proposed_on_the_company_alone() -> None:
    # Two Maria Garcias at Allegro, an engineer and a recruiter: a LinkedIn connection
    # and a Google contact with the company and a personal address. One name and one
    # employer are not enough for a common name; a rare one still reaches review.
    linkedin = feat(1, "Maria Garcia", (K.LINKEDIN_SLUG, "mgarcia-1a2b3c4d"), company="Allegro")
    google = feat(2, "Maria Garcia", (K.EMAIL, "mg.1990@gmail.com"), company="Allegro")
    assert score_pair(linkedin, google, LIMITS, BIG).tier == 0
    rare_a = feat(3, "Wojciech Wojciechowski", (K.LINKEDIN_SLUG, "ww-1a2b"), company="Allegro")
    rare_b = feat(4, "Wojciech Wojciechowski", (K.EMAIL, "w.1990@gmail.com"), company="Allegro")
    assert score_pair(rare_a, rare_b, LIMITS, BIG).tier == 2


def test_a_company_and_the_others_work_domain_agree() -> None:
    # A LinkedIn connection at Allegro and a Google contact writing from allegro.pl.
    linkedin = feat(1, "Piotr Zielinski", (K.LINKEDIN_SLUG, "pz-1a2b3c4d"), company="Allegro")
    work = feat(2, "Piotr Zielinski", (K.EMAIL, "piotr.zielinski@allegro.pl"))
    gmail = feat(3, "Piotr Zielinski", (K.EMAIL, "piotr.zielinski@gmail.com"))
    elsewhere = feat(4, "Piotr Zielinski", (K.EMAIL, "piotr.zielinski@globex.com"))
    same = score_pair(linkedin, work, LIMITS, BIG)
    assert "company" in same.signals
    assert same.score > score_pair(linkedin, gmail, LIMITS, BIG).score
    assert (
        score_pair(linkedin, elsewhere, LIMITS, BIG).score
        < score_pair(linkedin, gmail, LIMITS, BIG).score
    )


def test_a_one_letter_typo_in_a_short_surname_at_the_same_company() -> None:
    a = feat(1, "Maria Plana", (K.LINKEDIN_SLUG, "mplana-1a2b3c4d"), company="Globex")
    b = feat(2, "Maria Plnna", (K.EMAIL, "m.plana@globex.com"), company="Globex")
    verdict = score_pair(a, b, LIMITS, BIG)
    assert verdict.tier == 2
    assert "name" in verdict.signals


def test_conflicting_identifiers_lower_the_score_sharply() -> None:
    a = feat(1, "Wojciech Wojciechowski", (K.LINKEDIN_SLUG, "wwojc"), company="Allegro")
    b = feat(2, "Wojciech Wojciechowski", (K.LINKEDIN_SLUG, "wojciech-w"), company="Allegro")
    verdict = score_pair(a, b, LIMITS, BIG)
    assert "conflict_linkedin" in verdict.guards
    assert verdict.tier == 0
    c = feat(3, "Wojciech Wojciechowski", (K.PHONE, "+48601000001"), company="Allegro")
    d = feat(4, "Wojciech Wojciechowski", (K.PHONE, "+48601000002"), company="Allegro")
    phones = score_pair(c, d, LIMITS, BIG)
    assert "conflict_phone" in phones.guards
    e = feat(5, "Wojciech Wojciechowski", company="Allegro")
    assert phones.score < score_pair(c, e, LIMITS, BIG).score
    x1 = feat(6, "Mira Kovac", (K.TWITTER_ID, "111"))
    x2 = feat(7, "Mira Kovac", (K.TWITTER_ID, "222"))
    assert "conflict_twitter_id" in score_pair(x1, x2, LIMITS, BIG).guards


def test_a_shared_address_with_two_linkedin_profiles_is_not_merged_by_itself() -> None:
    a = feat(1, "Ann Lee", (K.EMAIL, "team@acme.io"), (K.LINKEDIN_SLUG, "ann-lee"))
    b = feat(2, "Bo Lee", (K.EMAIL, "team@acme.io"), (K.LINKEDIN_SLUG, "bo-lee"))
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 1
    assert verdict.conflicting


def test_a_plus_address_on_a_work_domain_is_the_same_mailbox() -> None:
    a = feat(1, "Jane Doe", (K.EMAIL, "jane+crm@acme.io"))
    b = feat(2, "J. Doe", (K.EMAIL, "jane@acme.io"))
    assert score_pair(a, b, LIMITS).tier == 1


def test_email_local_part_spelling_the_other_name() -> None:
    # The address says "John Smith"; its own contact only says "Johnny".
    a = feat(1, "Johnny", (K.EMAIL, "john.smith@example.org"))
    b = feat(2, "John Smith", (K.TWITTER_HANDLE, "jsmith_writes"))
    assert score_pair(a, b, LIMITS).signals.get("email_name") == 1.0
    # An address spelled from the contact's own name adds nothing to equal names.
    c = feat(3, "John Smith", (K.EMAIL, "johnsmith@example.org"))
    assert "email_name" not in score_pair(c, b, LIMITS).signals


def test_same_username_on_two_platforms() -> None:
    a = feat(1, "Mira Kovac", (K.TELEGRAM_USERNAME, "mirak_photo"))
    b = feat(2, "Mira Kovac", (K.TWITTER_HANDLE, "mirak_photo"))
    verdict = score_pair(a, b, LIMITS, BIG)
    assert verdict.signals["username"] == 1.0
    assert verdict.tier == 2


def test_same_work_domain_and_shared_groups_add_up() -> None:
    a = feat(1, "Lena Berg", (K.EMAIL, "lena@nordlab.se"), groups=["Rust Stockholm"])
    b = feat(2, "Lena Berg", (K.TELEGRAM_ID, "42"), groups=["rust stockholm"])
    c = feat(3, "Lena Berg", (K.TELEGRAM_ID, "42"))
    with_groups = score_pair(a, b, LIMITS, BIG)
    assert with_groups.signals["groups"] == 1.0
    assert with_groups.score > score_pair(a, c, LIMITS, BIG).score


def test_a_missing_value_says_nothing() -> None:
    # No company on one side: the same score as no company on either side.
    a = feat(1, "Robert Smith", company="Acme")
    b = feat(2, "Bob Smith")
    c = feat(3, "Robert Smith")
    assert score_pair(a, b, LIMITS, BIG).score == score_pair(c, b, LIMITS, BIG).score


def test_a_different_company_counts_against() -> None:
    a = feat(1, "Robert Smith", company="Acme")
    b = feat(2, "Robert Smith", company="Globex")
    c = feat(3, "Robert Smith")
    verdict = score_pair(a, b, LIMITS, BIG)
    assert verdict.tier == 0
    assert verdict.score < score_pair(a, c, LIMITS, BIG).score


# ------------------------------------------------------------------ guards
def test_colleagues_with_different_names_are_not_duplicates() -> None:
    a = feat(1, "Anna Schmidt", (K.EMAIL, "anna@acme.io"), company="Acme")
    b = feat(2, "Anna Weber", (K.EMAIL, "weber@acme.io"), company="Acme")
    assert score_pair(a, b, LIMITS).tier == 0
    # Namesakes at one company with two different work addresses: two colleagues.
    c = feat(3, "Maria Garcia", (K.EMAIL, "maria.garcia@google.com"), company="Google")
    d = feat(4, "Maria Garcia", (K.EMAIL, "mgarcia@google.com"), company="Google")
    assert score_pair(c, d, LIMITS, BIG).tier == 0


def test_short_common_first_name_alone_is_weak() -> None:
    a = feat(1, "Tom")
    b = feat(2, "Tom Baker", (K.EMAIL, "tom@bbc.co.uk"), company="BBC")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 0


def test_a_name_only_match_is_flagged_and_a_common_one_never_queued() -> None:
    a = feat(1, "Maria Garcia")
    b = feat(2, "Maria Garcia", (K.EMAIL, "mg@example.net"))
    verdict = score_pair(a, b, LIMITS, BIG)
    assert verdict.guards == ["name_only"]
    assert verdict.tier == 0
    # A user who lowers the review threshold sees it (it still never auto-merges).
    low = Thresholds(review=verdict.score / 2, auto_merge=0.99, name_only_cap=0.65)
    assert score_pair(a, b, low, BIG).tier == 2


def test_a_handle_spelled_from_both_names_is_weaker() -> None:
    # Aaron Barrett and Alison Barrett can both be "barretta".
    a = feat(1, "Aaron Barrett", (K.TELEGRAM_USERNAME, "barretta"))
    b = feat(2, "Alison Barrett", (K.TWITTER_HANDLE, "barretta"))
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 0


# ------------------------------------------------------------------ blocking
def test_blocking_compares_only_contacts_that_share_a_key() -> None:
    rows, idents = [], {}
    for contact_id, name in enumerate(
        ["Robert Smith", "Bob Smith", "Carla Jones", "Dmitri Ivanov"], start=1
    ):
        row, ids = person(contact_id, name, company="Acme")
        rows.append(row)
        idents[contact_id] = ids
    features = [build(r, idents[r.id]) for r in rows]
    blocks = blocking.candidate_pairs(features, max_block=100)
    assert blocks.pairs == {(1, 2)}


def test_typos_and_transliterations_meet_in_a_block() -> None:
    names = [
        ("Katarzyna Wiśniewska", "Acme"),
        ("Katarzyna Wisniewksa", "Acme"),  # a typo that changes how the name sounds
        ("Дмитрий Соколов", None),
        ("Dmitry Sokolov", None),
        ("Carla Jones", "Acme"),
    ]
    rows, idents = [], {}
    for contact_id, (name, company) in enumerate(names, start=1):
        row, ids = person(contact_id, name, company=company)
        rows.append(row)
        idents[contact_id] = ids
    result = find_pairs(rows, idents, LIMITS, max_block=100)
    assert {(p.a, p.b) for p in result.pairs} == {(1, 2), (3, 4)}


def test_a_shared_username_meets_in_a_block_whatever_the_names() -> None:
    # "Фёкла" folds to "Fekla", not the "Fyokla" she writes in Latin letters; the
    # username she uses on Telegram and in her address still brings the two together.
    rows, idents = [], {}
    for contact_id, (name, ident) in enumerate(
        [
            ("Фёкла Денисова", (K.TELEGRAM_USERNAME, "tg_fyoklad1988")),
            ("Fyokla Denisova", (K.EMAIL, "fyoklad1988@gmail.com")),
            ("Carla Jones", (K.EMAIL, "carla1988@gmail.com")),
        ],
        start=1,
    ):
        row, ids = person(contact_id, name, ident)
        rows.append(row)
        idents[contact_id] = ids
    features = [build(r, idents[r.id]) for r in rows]
    assert blocking.candidate_pairs(features, max_block=100).pairs == {(1, 2)}


def test_oversized_blocks_are_skipped_and_counted() -> None:
    rows, idents = [], {}
    for contact_id in range(1, 8):
        row, ids = person(contact_id, f"Alex Nguyen{'x' * contact_id}", company="Acme")
        rows.append(row)
        idents[contact_id] = ids
    # Seven people named Alex: with blocks of at most 5, the "alex" block is skipped.
    result = find_pairs(rows, idents, LIMITS, max_block=5)
    assert result.oversized_blocks >= 1
    assert result.oversized_contacts >= 7
    assert "oversized blocks skipped" in result.summary()


def test_a_compound_given_name_is_one_name() -> None:
    a = feat(1, "João Guilherme Castro", company="Brightloop", given_name="João Guilherme")
    b = feat(2, "João Lucas Castro", company="Brightloop", given_name="João Lucas")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 0


def test_the_configured_defaults_are_the_measured_thresholds() -> None:
    from pingcrm.config import Settings
    from pingcrm.identity.service import thresholds

    assert thresholds(Settings()) == Thresholds()


def test_a_nickname_of_a_rare_name_says_more_than_one_of_a_common_name() -> None:
    # "Peggy" for a Margaret in a book of three Margarets, "Bob" for a Robert in a book
    # of four hundred Roberts: the same kind of agreement, unequally rare.
    stats = book("robert * x400", "margaret * x3", "* savolainen x2", "* nash x2")
    margaret = feat(1, "Margaret Savolainen", (K.LINKEDIN_SLUG, "margaret-savolainen-4a1b2c"))
    peggy = feat(2, "Peggy Savolainen", (K.EMAIL, "peggy.savolainen@gmail.com"))
    robert = feat(3, "Robert Nash", (K.LINKEDIN_SLUG, "robert-nash-4a1b2c"))
    bob = feat(4, "Bob Nash", (K.EMAIL, "bob.nash@gmail.com"))
    rare = score_pair(margaret, peggy, LIMITS, stats)
    common = score_pair(robert, bob, LIMITS, stats)
    assert rare.tier == 2
    assert rare.score > common.score
