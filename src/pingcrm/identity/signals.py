"""Scoring one candidate pair: tier-1 certain identifiers, else the tier-2 weighted score
(weights of missing signals redistributed) with the colleague, short/common-first-name
and name-only guards."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio

from pingcrm.identity import model
from pingcrm.identity.features import Features
from pingcrm.identity.model import BookStats
from pingcrm.identity.names import phonetic, same_first_name

# Tier-2 signal weights (they are renormalised over the signals both contacts have).
# Email-vs-name and usernames are positive-only evidence (people use many handles); a
# different company or work domain counts against.
WEIGHTS: dict[str, float] = {
    "name": 0.40,
    "email_name": 0.15,
    "username": 0.20,
    "company": 0.25,
    "domain": 0.10,
    "groups": 0.05,
}
# Names this similar or less, at one company, are two colleagues.
COLLEAGUE_NAME_LIMIT = 0.7
# Names that differ only in spelling (Dennis/Denis, Julie/Julia) are a weak match.
SPELLING_VARIANT = 0.75
# First names this short are weak evidence on their own.
SHORT_FIRST_NAME = 3

SIGNAL_LABELS = {
    "same_email": "Same email address",
    "same_phone": "Same phone number",
    "same_telegram_id": "Same Telegram account",
    "same_twitter_id": "Same X account",
    "same_linkedin": "Same LinkedIn profile",
    "email_in_bio": "Email address written in the other's bio",
    "phone_in_bio": "Phone number written in the other's bio",
    "linkedin_in_bio": "LinkedIn profile linked in the other's bio",
    "name": "Similar name",
    "email_name": "Email address matches the name",
    "username": "Same username on another platform",
    "company": "Same company",
    "domain": "Same work email domain",
    "groups": "Shared groups",
    "colleague_guard": "Same company but clearly different names (colleagues)",
    "common_first_name": "Only a short or common first name matches",
    "name_only": "Only the name matches",
    **{f"conflict_{kind}": label for kind, label in model.CONFLICT_LABELS.items()},
}


@dataclass(frozen=True)
class Thresholds:
    """When a pair is queued for review and when a probable pair may merge itself."""

    review: float = 0.92
    auto_merge: float = 0.99
    name_only_cap: float = 0.65


@dataclass
class PairScore:
    """The verdict on one pair."""

    tier: int  # 1 certain, 2 probable, 0 neither
    score: float
    signals: dict[str, float] = field(default_factory=dict)
    guards: list[str] = field(default_factory=list)
    # The model's match weight in bits (log2 odds), for the record.
    weight: float | None = None

    @property
    def name_only(self) -> bool:
        return "name_only" in self.guards

    @property
    def conflicting(self) -> bool:
        """Whether the two contacts have conflicting identifiers (two LinkedIn profiles,
        two phones, …): such a pair is never merged automatically."""
        return any(g.startswith("conflict_") for g in self.guards)

    def as_json(self) -> dict[str, object]:
        """What is stored on the match and shown to the user."""
        return {
            "matched": {k: round(v, 3) for k, v in self.signals.items() if v > 0},
            "guards": self.guards,
        }


def tier1(a: Features, b: Features) -> dict[str, float]:
    """Certain signals between ``a`` and ``b`` (empty when there are none)."""
    found: dict[str, float] = {}
    for label, _ in a.strong & b.strong:
        found[f"same_{label}"] = 1.0
    for label, _ in (a.bio_strong & b.strong) | (b.bio_strong & a.strong):
        found[f"{label}_in_bio"] = 1.0
    return found


def name_similarity(a: Features, b: Features, common_first: frozenset[str]) -> tuple[float, bool]:
    """Nickname-aware similarity of two names in [0, 1]; and whether only a (short or
    common) first name carried it."""
    if not a.first or not b.first:
        return 0.0, False
    if a.has_full_name and b.has_full_name:
        last_close = a.last == b.last or JaroWinkler.similarity(a.last, b.last) >= 0.92
        # Sounding alike only (Barnes/Burns) is no more than a colleague's name.
        last_same = last_close or (len(a.last) > 3 and phonetic(a.last) == phonetic(b.last))
        first_same = same_first_name(a.first, b.first)
        first_close = first_same or JaroWinkler.similarity(a.first, b.first) >= 0.9
        if last_same and first_close:
            if not last_close:
                return 0.7, False
            if a.last != b.last or not first_same:  # spelling variants (Denis/Dennis)
                return SPELLING_VARIANT, False
            return (1.0 if a.first == b.first else 0.95), False
        # Written the other way round ("Smith John").
        if same_first_name(a.first, b.last) and a.last == b.first:
            return 0.9, False
        if last_same and a.first[0] == b.first[0]:
            return 0.6, False
        ratio = token_sort_ratio(" ".join(a.name_tokens), " ".join(b.name_tokens)) / 100
        return (0.3 if last_same or first_same else min(ratio, 0.8) * 0.5), False
    # One side is a single name ("Alex"): only the first names can agree.
    single, full = (a, b) if not a.last else (b, a)
    if single.first == full.first or same_first_name(single.first, full.first):
        weak = len(single.first) <= SHORT_FIRST_NAME or single.first in common_first
        return (0.35 if weak else 0.6), weak
    if not single.last and not full.last and single.first == full.first:
        return 0.5, True
    return 0.0, False


def _email_name(a: Features, b: Features) -> float | None:
    """An email local part that spells the *other* contact's name (and not its own
    contact's name already: a name-derived address adds nothing to equal names)."""
    best: float | None = None  # positive-only: no match says nothing
    for mine, other in ((a, b), (b, a)):
        if not mine.email_locals or not other.first:
            continue
        for local in mine.email_locals:
            if local in mine.forms:
                continue
            if local in other.forms:
                return 1.0
    return best


def _username(a: Features, b: Features) -> float | None:
    """The same username on two platforms (exactly: 1; the same letters, not just the
    name spelled out: 0.9). Different usernames say nothing."""
    if not a.handles or not b.handles:
        return None
    for kind_a, raw_a in a.raw_handles.items():
        for kind_b, raw_b in b.raw_handles.items():
            if kind_a != kind_b and raw_a == raw_b:
                # "barretta" may be Aaron's and Alison's: a handle spelled from both
                # names is weaker than one that is not.
                derived = _spelled_from(a.handles[kind_a], a) and _spelled_from(
                    b.handles[kind_b], b
                )
                return 0.7 if derived else 1.0
    shared = set(a.handles.values()) & set(b.handles.values())
    if shared and any(not _spelled_from(h, a) or not _spelled_from(h, b) for h in shared):
        return 0.9
    return None


def _spelled_from(handle: str, f: Features) -> bool:
    """Whether a username is the contact's own name written as one word (allowing for a
    letter lost in transliteration: "sowaa" for "Sowała")."""
    if handle in f.forms:
        return True
    return any(
        abs(len(handle) - len(form)) <= 2 and JaroWinkler.similarity(handle, form) >= 0.93
        for form in f.forms
        if len(form) >= 4
    )


def _company(a: Features, b: Features) -> float | None:
    if not a.company or not b.company:
        return None
    if a.company == b.company:
        return 1.0
    return 0.8 if JaroWinkler.similarity(a.company, b.company) >= 0.93 else 0.0


def score_pair(
    a: Features,
    b: Features,
    thresholds: Thresholds,
    stats: BookStats | None = None,
) -> PairScore:
    """Score the pair: tier 1 when a certain identifier is shared, else tier 2 when the
    probability of the term-frequency-adjusted Fellegi–Sunter model (``model.py``, with
    the frequencies of the user's book ``stats``) reaches the review threshold, else 0.
    A name-only match and a pair with conflicting identifiers never merge themselves."""
    certain = tier1(a, b)
    if certain:
        # A shared address with two different LinkedIn profiles (a family's or a team's
        # inbox) is certain of nothing: it goes to review, never merges itself.
        clash = [f"conflict_{kind}" for kind in model.conflicts(a, b)]
        return PairScore(tier=1, score=1.0, signals=certain, guards=clash)
    comparison = model.compare(
        a, b, stats or model.EMPTY, email_name=_email_name(a, b), username=_username(a, b)
    )
    score = comparison.probability
    signals: dict[str, float] = {}
    parts = comparison.parts
    name = parts.get("first_name", 0.0) + parts.get("last_name", 0.0) + parts.get("full_name", 0.0)
    if name > 0:
        signals["name"] = round(min(1.0, name / 30), 3)
    for key in ("email_name", "username", "company", "domain", "groups"):
        if comparison.parts.get(key, 0.0) > 0:
            signals[key] = 1.0
    guards: list[str] = [f"conflict_{kind}" for kind in comparison.conflicts]
    if not any(k != "name" for k in signals):
        guards.append("name_only")
    tier = 2 if score >= thresholds.review else 0
    return PairScore(
        tier=tier,
        # The model is never certain (only a shared identifier is): never 1.0 once rounded.
        score=min(round(score, 4), 0.9999),
        signals=signals,
        guards=guards,
        weight=round(comparison.weight, 2),
    )


def legacy_score_pair(
    a: Features,
    b: Features,
    thresholds: Thresholds,
    common_first: frozenset[str] = frozenset(),
) -> PairScore:
    """The previous tier-2 scorer (a weighted mean with guards), kept only so that the
    benchmark can measure the model against it side by side."""
    certain = tier1(a, b)
    if certain:
        return PairScore(tier=1, score=1.0, signals=certain)
    name, weak_first = name_similarity(a, b, common_first)
    present: dict[str, float] = {"name": name}
    for key, value in (
        ("email_name", _email_name(a, b)),
        ("username", _username(a, b)),
        ("company", _company(a, b)),
        ("domain", (1.0 if a.domains & b.domains else 0.0) if a.domains and b.domains else None),
        ("groups", (1.0 if a.groups & b.groups else 0.0) if a.groups and b.groups else None),
    ):
        if value is not None:
            present[key] = value
    total_weight = sum(WEIGHTS[k] for k in present)
    score = sum(WEIGHTS[k] * v for k, v in present.items()) / total_weight
    guards: list[str] = []
    same_workplace = present.get("company", 0) >= 0.8 or present.get("domain", 0) == 1.0
    if same_workplace and name <= COLLEAGUE_NAME_LIMIT and present.get("username", 0) < 1.0:
        guards.append("colleague_guard")
        score = min(score, name * 0.5)
    if weak_first:
        guards.append("common_first_name")
        score = min(score, thresholds.name_only_cap)
    if not any(v > 0 for k, v in present.items() if k != "name"):
        guards.append("name_only")
        score = min(score, thresholds.name_only_cap)
    tier = 2 if score >= thresholds.review else 0
    return PairScore(tier=tier, score=round(score, 4), signals=present, guards=guards)
