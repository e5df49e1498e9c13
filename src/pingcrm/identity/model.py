"""The tier-2 model: Fellegi–Sunter match weights with term-frequency adjustment.

Each comparison of a pair (first name, last name, company, work domain, company against
the other's work domain, email vs name, usernames, shared groups, conflicting
identifiers) falls into one *level*; a level adds ``log2(m / u)`` to the pair's match
weight, where ``m`` is how often the level is seen when the two records are one person
and ``u`` how often when they are two. For exact agreement on a name, a company, a
domain or a username part, ``u`` is the value's own frequency in the user's book (the
term-frequency adjustment): sharing "Smith" says little, sharing "Wojciechowski" says a
lot. The prior is the chance that two records of a book of ``N`` are one person; the
score is the posterior probability ``2^w / (1 + 2^w)``. A value missing on either side
adds nothing.

This is the model of Splink (Fellegi–Sunter with TF adjustments), fitted to a personal
CRM: the ``m`` values are fixed rather than re-estimated by EM on every scan (EM on a
few thousand blocked pairs of a personal book is unstable: Splink itself, trained by EM
on blocks of one name, learns "same work domain" as the match class and misses the 0.95
review precision; given our m it matches this model at 10k contacts and trails it at
100k: the ``identity splink`` bench row, docs/operations.md), and the term frequencies
come from the user's own book at every scan. Beyond the comparisons of Splink's library
(one column each) it compares across fields: a nickname or transliteration of the first
name, a company against the other record's work email domain, and a username part
(``jsmith84``) that one record has as an email local part and the other as a handle.

First and last names are not independent: people take both from one culture, so a full
name repeats more often than the product of its parts' frequencies says. When the two
records share a full name, its ``u`` is at least that product times the book's lift of
full names for names that common (measured on records that are surely two people, in
bands of the product: ``cultures.py``) and at least the share of the book's other
records holding that full name.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, JaroWinkler

from pingcrm.identity.cultures import FullNames
from pingcrm.identity.features import Features
from pingcrm.identity.names import alnum, latin_key, phonetic, same_first_name, spelling

# A book smaller than this still counts names as if it were this large: frequencies
# measured on a handful of contacts say nothing about how rare a name is.
MIN_BOOK = 2_000
# Expected duplicate pairs per contact (one in ten contacts has a second record).
DUPLICATES_PER_CONTACT = 0.1

# m probabilities (given one person) and fixed u (given two people) of the levels.
M_FIRST_EXACT = 0.80
# A nickname's u is the more common name's own frequency (Robert/Bob as rare as Robert).
M_FIRST_NICKNAME = 0.08
M_FIRST_TYPO = 0.06
M_FIRST_INITIAL = 0.02
U_FIRST_INITIAL = 0.06
M_FIRST_OTHER = 0.01
U_FIRST_OTHER = 0.95
M_LAST_EXACT = 0.85
M_LAST_TYPO = 0.08
M_LAST_OTHER = 0.02
U_LAST_OTHER = 0.98
# A fuzzy level (typo, variant spelling, transliteration) of a value is this many bits
# weaker than exact agreement on the same value.
FUZZY_PENALTY = 3.0
# A company read from a work email domain ("acme" of jane@acme.io) is one bit weaker
# than the company written on both records: the domain may be a parent's or a brand's.
DOMAIN_AS_COMPANY_PENALTY = 1.0
M_COMPANY_SAME = 0.60
# Two different people of one full name work at one company more often than the
# company's size says (relatives, one community, one culture): given an exact name
# agreement, the company agreement's u is at least this.
U_NAMESAKE_COLLEAGUE = 0.05
M_COMPANY_OTHER = 0.30  # people change jobs
M_DOMAIN_SAME = 0.60
M_DOMAIN_OTHER = 0.35
# Two different addresses at the same work domain: two colleagues (namesakes at one
# company have two mailboxes), rarely one person with an alias.
W_SAME_DOMAIN_OTHER_ADDRESS = -12.0
W_EMAIL_NAME = 5.0
# A username part (``jsmith84``) found in both records, as a handle or an email local
# part: m is how often one person's two records repeat a username they chose; u is the
# part's own frequency in the book.
M_USERNAME_PART = 0.5
# Two usernames of one name with different numbers ("jsmith84" and "jsmith1207"): each
# person took a number because the plain name was taken; one person mostly reuses theirs.
# Only usernames the person chose count: LinkedIn numbers a taken name in a profile
# address itself, whatever the person's addresses elsewhere.
W_USERNAME_NUMBERS = -4.0
# A username part that is the person's name and a number ("smith12" of
# "jane.smith12@gmail.com") is shared by two people of that name whenever they picked the
# same number: ``u`` is at least the chance of that (one in ten per digit), however rare
# the part is in the book.
NAME_NUMBER_U = 10.0
W_USERNAME = 9.0
W_USERNAME_DERIVED = 4.0
W_GROUPS = 2.0
# Conflicting identifiers: a person has one LinkedIn profile, one Telegram and one X
# account (two are rare), and seldom two phones.
W_CONFLICT = {
    "linkedin": -24.0,
    "telegram_id": -20.0,
    "twitter_id": -20.0,
    "phone": -8.0,
}
CONFLICT_LABELS = {
    "linkedin": "Different LinkedIn profiles",
    "telegram_id": "Different Telegram accounts",
    "twitter_id": "Different X accounts",
    "phone": "Different phone numbers",
}


def _log2(x: float) -> float:
    return math.log2(max(x, 1e-12))


@dataclass
class BookStats:
    """Term frequencies of the user's book, counted once per scan."""

    size: int = 0
    first: Counter[str] = field(default_factory=Counter)
    last: Counter[str] = field(default_factory=Counter)
    company: Counter[str] = field(default_factory=Counter)
    domain: Counter[str] = field(default_factory=Counter)
    username: Counter[str] = field(default_factory=Counter)
    # Full names (first and last, folded): counts, and how their parts go together.
    full: FullNames = field(default_factory=FullNames)

    @classmethod
    def of(cls, features: Iterable[Features]) -> BookStats:
        stats = cls()
        for f in features:
            stats.size += 1
            if f.first:
                stats.first[f.first] += 1
            if f.last:
                stats.last[f.last] += 1
                if f.first:
                    stats.full.add(f.first, f.last, f.strong)
            if f.company:
                stats.company[f.company] += 1
            for domain in f.domains:
                stats.domain[domain] += 1
            for part in f.usernames:
                stats.username[part] += 1
        stats.full.finish()
        return stats

    @property
    def scale(self) -> int:
        return max(self.size, MIN_BOOK)

    def tf(self, table: Counter[str], *values: str) -> float:
        """How often another record holds the value one of the pair holds: the count of
        the most frequent of ``values`` among the *other* records (leave-one-out), at
        least one, over the book's size."""
        count = 0
        for value in values:
            found = table.get(value, 0)
            if found > count:
                count = found
        return (count - 1 if count > 2 else 1) / self.scale

    def full_name_u(self, a: Features, b: Features, product: float) -> float:
        """How often two different people share the pair's full name (``product`` is
        the first and last names' ``u``): the product times the book's lift of full
        names, or the share of the book's other records holding that full name beyond
        one (a third record of a name is often the same person again), whichever is
        larger."""
        full = self.full
        if (a.first, a.last) == (b.first, b.last):
            others = full.count(a.first, a.last) - 2
        else:  # spelling variants: the records of either spelling but the pair's own
            others = max(full.count(a.first, a.last), full.count(b.first, b.last)) - 1
        return max(product * full.lift_of(product), (others - 1) / self.scale)

    @property
    def prior(self) -> float:
        """log2 prior odds that two records of this book are one person."""
        n = self.scale
        matches = DUPLICATES_PER_CONTACT * n
        return _log2(matches / (n * (n - 1) / 2))


EMPTY = BookStats()


@dataclass
class Comparison:
    """The match weight of a pair, level by level (bits), and the conflicts found."""

    weight: float
    parts: dict[str, float]
    conflicts: list[str]
    name_level: str

    @property
    def probability(self) -> float:
        w = max(min(self.weight, 60.0), -60.0)
        return 2**w / (1 + 2**w)


def _first_level(a: Features, b: Features, u: float) -> tuple[str, float]:
    """The first names' level and weight; ``u`` is the names' term frequency."""
    fa, fb = a.first, b.first
    if not fa or not fb:
        return "missing", 0.0
    exact = _log2(M_FIRST_EXACT / u)
    if fa == fb:
        return "exact", exact
    if spelling(fa) == spelling(fb) or latin_key(fa) == latin_key(fb):
        return "variant", exact - FUZZY_PENALTY  # Dmitry/Dmitrii, Catherine/Katherine
    if same_first_name(fa, fb):
        # How often another person has a name of the group: the more common of the two.
        return "nickname", _log2(M_FIRST_NICKNAME / u)
    if (
        len(fa) >= 4
        and len(fb) >= 4
        and (
            JaroWinkler.similarity(fa, fb) >= 0.9
            or JaroWinkler.similarity(latin_key(fa), latin_key(fb)) >= 0.92
            or OSA.distance(fa, fb) <= 1
        )
    ):
        return "typo", max(exact - FUZZY_PENALTY, _log2(M_FIRST_TYPO / 0.003))
    if fa[0] == fb[0] and (len(fa) == 1 or len(fb) == 1):
        return "initial", _log2(M_FIRST_INITIAL / U_FIRST_INITIAL)
    return "other", _log2(M_FIRST_OTHER / U_FIRST_OTHER)


def _last_level(a: Features, b: Features, u: float) -> tuple[str, float]:
    """The surnames' level and weight; ``u`` is the surnames' term frequency."""
    la, lb = a.last, b.last
    if not la or not lb:
        return "missing", 0.0
    exact = _log2(M_LAST_EXACT / u)
    if la == lb:
        return "exact", exact
    if spelling(la) == spelling(lb) or latin_key(la) == latin_key(lb):
        return "variant", exact - FUZZY_PENALTY
    if (
        len(la) >= 4
        and len(lb) >= 4
        and (JaroWinkler.similarity(la, lb) >= 0.92 or OSA.distance(la, lb) <= 1)
    ):
        return "typo", max(exact - FUZZY_PENALTY, _log2(M_LAST_TYPO / 0.002))
    if len(la) > 3 and phonetic(la) == phonetic(lb):
        return "sound", max(exact - 2 * FUZZY_PENALTY, 1.0)
    return "other", _log2(M_LAST_OTHER / U_LAST_OTHER)


def conflicts(a: Features, b: Features) -> list[str]:
    """Kinds of certain identifiers both contacts have and none of which agree (two
    LinkedIn profiles, two phones, …): the labels of :data:`CONFLICT_LABELS`."""
    found: list[str] = []
    if not a.strong or not b.strong:
        return found
    kinds_a = {k for k, _ in a.strong}
    kinds_b = {k for k, _ in b.strong}
    for kind in kinds_a & kinds_b:
        if kind in W_CONFLICT:
            mine = {v for k, v in a.strong if k == kind}
            if not any(k == kind and v in mine for k, v in b.strong):
                found.append(kind)
    return sorted(found)


def compare(
    a: Features,
    b: Features,
    stats: BookStats,
    *,
    email_name: float | None,
    username: float | None,
) -> Comparison:
    """The match weight of ``a`` and ``b``: prior + the weight of every level."""
    parts: dict[str, float] = {}
    u_first = stats.tf(stats.first, a.first, b.first)
    u_last = stats.tf(stats.last, a.last, b.last)
    first_level, parts["first_name"] = _first_level(a, b, u_first)
    last_level, parts["last_name"] = _last_level(a, b, u_last)
    same_name = first_level in _SAME_NAME and last_level in _SAME_NAME
    if same_name:
        # First and last names go together: the full name's own u, in bits.
        product = u_first * u_last
        parts["full_name"] = _log2(product) - _log2(stats.full_name_u(a, b, product))
    if a.company and b.company:
        if a.company == b.company:
            parts["company"] = _company_weight(stats, same_name, a.company)
        elif JaroWinkler.similarity(a.company, b.company) >= 0.93:
            parts["company"] = (
                _company_weight(stats, same_name, a.company, b.company) - FUZZY_PENALTY
            )
        else:
            parts["company"] = _log2(M_COMPANY_OTHER)
    if a.domains and b.domains:
        shared = a.domains & b.domains
        if shared:
            same_address = _same_local_at(a, b, shared)
            if same_address:
                parts["domain"] = _log2(M_DOMAIN_SAME / stats.tf(stats.domain, *shared))
            else:
                parts["domain"] = W_SAME_DOMAIN_OTHER_ADDRESS
        else:
            parts["domain"] = _log2(M_DOMAIN_OTHER)
    if "company" not in parts and "domain" not in parts:
        employer = _company_domain(a, b, stats, same_name)
        if employer is not None:
            parts["company"] = employer
    if email_name:
        parts["email_name"] = W_EMAIL_NAME * email_name
    if username:
        parts["username"] = W_USERNAME if username >= 0.9 else W_USERNAME_DERIVED

    shared_usernames = a.usernames & b.usernames
    if shared_usernames:
        weight = max(_username_part_weight(a, b, part, stats) for part in shared_usernames)
        parts["username"] = max(parts.get("username", 0.0), weight)
    elif "username" not in parts and _numbered_apart(a, b):
        parts["username"] = W_USERNAME_NUMBERS
    elif "username" not in parts and a.usernames and b.usernames:
        parts["username"] = _log2(1 - M_USERNAME_PART)
    if a.groups and b.groups and a.groups & b.groups:
        parts["groups"] = W_GROUPS
    found = conflicts(a, b)
    for kind in found:
        parts[f"conflict_{kind}"] = W_CONFLICT[kind]
    weight = stats.prior + sum(parts.values())
    name_level = f"{first_level}/{last_level}"
    return Comparison(weight=weight, parts=parts, conflicts=found, name_level=name_level)


_SAME_NAME = frozenset({"exact", "variant"})


def _company_weight(stats: BookStats, same_name: bool, *companies: str) -> float:
    """Agreement on a company: TF-adjusted, and no stronger for two records of one full
    name than namesakes sharing an employer allow."""
    u = stats.tf(stats.company, *companies)
    if same_name:
        u = max(u, U_NAMESAKE_COLLEAGUE)
    return _log2(M_COMPANY_SAME / u)


def _username_part_weight(a: Features, b: Features, part: str, stats: BookStats) -> float:
    """A username part both records hold: TF-adjusted, and when it is a name of the pair
    and a number, no stronger than the chance of two people picking that number."""
    u = stats.tf(stats.username, part)
    stem = part.rstrip("0123456789")
    if stem in a.forms or stem in b.forms:
        u = max(u, NAME_NUMBER_U ** -(len(part) - len(stem)))
    return _log2(M_USERNAME_PART / u)


def _company_domain(a: Features, b: Features, stats: BookStats, same_name: bool) -> float | None:
    """One record's company against the other's work email domain, when the other has
    no company of its own ("Acme Inc." and jane@acme.io): the same employer counts as a
    company agreement a bit weaker, another employer as a different company; None when
    there is nothing to compare."""
    found: float | None = None
    for mine, other in ((a, b), (b, a)):
        if not mine.company or not other.domains or other.company:
            continue
        name = alnum(mine.company)
        if len(name) < 3:
            continue
        agree = any(_employer_domain(name, domain) for domain in other.domains)
        if agree:
            exact = _company_weight(stats, same_name, mine.company)
            weight = exact - DOMAIN_AS_COMPANY_PENALTY
        else:
            weight = _log2(M_COMPANY_OTHER)
        found = weight if found is None else max(found, weight)
    return found


def _employer_domain(company: str, domain: str) -> bool:
    """Whether a work domain is the company's ("acme" and acme.io, eu.acmeinc.com;
    "meta platforms" and meta.com)."""
    for label in domain.split(".")[:-1]:  # not the top-level domain
        label = alnum(label)
        if len(label) >= 3 and label.startswith(company):
            return True
        if len(label) >= 4 and company.startswith(label):
            return True
    return False


def _numbered_apart(a: Features, b: Features) -> bool:
    """Whether both records have a username of one name with a number, and the
    numbers differ ("jsmith84" and "jsmith1207")."""
    mine = _numbered(a)
    if not mine:
        return False
    theirs = _numbered(b)
    return any(stem in theirs and theirs[stem] != number for stem, number in mine.items())


def _numbered(f: Features) -> dict[str, str]:
    """The contact's chosen usernames that are its own name and a number: name →
    number."""
    found: dict[str, str] = {}
    for part in f.chosen_usernames:
        stem = part.rstrip("0123456789")
        number = part[len(stem) :]
        if len(number) >= 2 and stem in f.forms:
            found[stem] = number
    return found


def _same_local_at(a: Features, b: Features, domains: set[str]) -> bool:
    """Whether the two contacts' addresses at a shared work domain could be one mailbox
    (no address of one at that domain differs from all of the other's): two different
    addresses at one company are two colleagues."""
    for domain in domains:
        mine = {e.split("@", 1)[0].split("+", 1)[0] for e in a.emails if e.endswith("@" + domain)}
        theirs = {e.split("@", 1)[0].split("+", 1)[0] for e in b.emails if e.endswith("@" + domain)}
        if mine and theirs and not mine & theirs:
            return False
    return True
