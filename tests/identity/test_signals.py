"""Tier-1 and tier-2 signals, weight redistribution, guards and blocking, on plain rows
(no database): each case is a pair a user would recognise."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pingcrm.identity import blocking
from pingcrm.identity.features import Features, build
from pingcrm.identity.scan import find_pairs
from pingcrm.identity.signals import WEIGHTS, Thresholds, score_pair
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
def test_nickname_at_the_same_company_is_probable() -> None:
    a = feat(1, "Robert Smith", (K.EMAIL, "robert@acme.io"), company="Acme Inc.")
    b = feat(2, "Bob Smith", (K.LINKEDIN_SLUG, "bob-smith-1a2b3c4"), company="Acme")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.tier == 2
    assert verdict.signals["name"] == 0.95
    assert verdict.signals["company"] == 1.0
    assert verdict.score >= LIMITS.review


def test_diminutive_outside_the_english_table() -> None:
    a = feat(1, "Aleksandr Volkov", company="Yandex")
    b = feat(2, "Sasha Volkov", company="Yandex")
    assert score_pair(a, b, LIMITS).signals["name"] == 0.95


def test_accents_and_scripts_are_folded() -> None:
    a = feat(1, "Jürgen Müller", company="Siemens AG")
    b = feat(2, "Jurgen Muller", company="Siemens")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.signals["name"] == 1.0
    assert verdict.tier == 2


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
    verdict = score_pair(a, b, LIMITS)
    assert verdict.signals["username"] == 1.0
    assert verdict.tier == 2


def test_same_work_domain_and_shared_groups_add_up() -> None:
    a = feat(1, "Lena Berg", (K.EMAIL, "lena@nordlab.se"), groups=["Rust Stockholm"])
    b = feat(2, "Lena Berg", (K.EMAIL, "l.berg@nordlab.se"), groups=["rust stockholm"])
    verdict = score_pair(a, b, LIMITS)
    assert verdict.signals["domain"] == 1.0
    assert verdict.signals["groups"] == 1.0
    assert verdict.tier == 2


def test_weights_of_missing_signals_are_redistributed() -> None:
    # Name and company only: the score is their weighted mean, not diluted by the
    # signals neither contact has.
    a = feat(1, "Robert Smith", company="Acme")
    b = feat(2, "Bob Smith", company="Acme")
    verdict = score_pair(a, b, LIMITS)
    assert set(verdict.signals) == {"name", "company"}
    expected = (WEIGHTS["name"] * 0.95 + WEIGHTS["company"] * 1.0) / (
        WEIGHTS["name"] + WEIGHTS["company"]
    )
    assert verdict.score == round(expected, 4)


def test_a_different_company_counts_against() -> None:
    a = feat(1, "Robert Smith", company="Acme")
    b = feat(2, "Robert Smith", company="Globex")
    verdict = score_pair(a, b, LIMITS)
    assert verdict.signals["company"] == 0.0
    assert verdict.tier == 0


# ------------------------------------------------------------------ guards
def test_colleagues_with_different_names_are_not_duplicates() -> None:
    a = feat(1, "Anna Schmidt", (K.EMAIL, "anna@acme.io"), company="Acme")
    b = feat(2, "Anna Weber", (K.EMAIL, "weber@acme.io"), company="Acme")
    verdict = score_pair(a, b, LIMITS)
    assert "colleague_guard" in verdict.guards
    assert verdict.tier == 0


def test_short_common_first_name_alone_is_weak() -> None:
    a = feat(1, "Tom")
    b = feat(2, "Tom Baker", (K.EMAIL, "tom@bbc.co.uk"), company="BBC")
    verdict = score_pair(a, b, LIMITS)
    assert "common_first_name" in verdict.guards
    assert verdict.score <= LIMITS.name_only_cap
    assert verdict.tier == 0


def test_a_name_only_match_is_capped_and_never_queued_by_default() -> None:
    a = feat(1, "Maria Garcia")
    b = feat(2, "Maria Garcia", (K.EMAIL, "mg@example.net"))
    verdict = score_pair(a, b, LIMITS)
    assert verdict.guards == ["name_only"]
    assert verdict.score == LIMITS.name_only_cap
    assert verdict.tier == 0
    # A user who lowers the review threshold sees it, but it never auto-merges.
    low = Thresholds(review=0.6, auto_merge=0.62, name_only_cap=0.65)
    assert score_pair(a, b, low).tier == 2


def test_a_handle_spelled_from_both_names_is_weaker() -> None:
    # Aaron Barrett and Alison Barrett can both be "barretta".
    a = feat(1, "Aaron Barrett", (K.TELEGRAM_USERNAME, "barretta"))
    b = feat(2, "Alison Barrett", (K.TWITTER_HANDLE, "barretta"))
    verdict = score_pair(a, b, LIMITS)
    assert verdict.signals["username"] == 0.7
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
    assert verdict.signals["name"] < 0.9
    assert verdict.tier == 0


def test_the_configured_defaults_are_the_measured_thresholds() -> None:
    from pingcrm.config import Settings
    from pingcrm.identity.service import thresholds

    assert thresholds(Settings()) == Thresholds()
