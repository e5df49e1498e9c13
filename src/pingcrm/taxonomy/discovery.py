"""“Discover with AI”: propose a taxonomy from a sample of contacts, and apply a saved
taxonomy to every contact. Without a model, keyword rules do both."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pingcrm.llm.base import LLMClient, LLMError
from pingcrm.models import Contact

SAMPLE_SIZE = 150
MAX_CATEGORIES = 8
MAX_TAGS_PER_CATEGORY = 15

# Keyword rules: category → tag → words that reveal it in a title, company or bio.
RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "Role": {
        "founder": ("founder", "co-founder", "cofounder"),
        "investor": ("investor", "venture", " vc", "partner at", "angel"),
        "engineer": ("engineer", "developer", "cto", "programmer", "architect"),
        "designer": ("designer", "design lead", "ux", "ui "),
        "product": ("product manager", "product lead", "head of product", "cpo"),
        "sales": ("sales", "account executive", "business development", "bdr", "sdr"),
        "marketing": ("marketing", "growth", "brand", "cmo"),
        "recruiter": ("recruiter", "talent", "recruiting", "headhunter"),
        "executive": ("ceo", "chief", "vp ", "vice president", "director", "head of"),
        "researcher": ("research", "scientist", "phd", "professor"),
    },
    "Industry": {
        "fintech": ("fintech", "bank", "payments", "finance", "insurance"),
        "climate": ("climate", "energy", "solar", "carbon", "sustainab"),
        "ai": (" ai", "machine learning", " ml", "artificial intelligence", "llm"),
        "health": ("health", "medical", "bio", "pharma", "clinic"),
        "crypto": ("crypto", "blockchain", "web3", "defi"),
        "saas": ("saas", "software", "cloud", "platform"),
        "education": ("education", "edtech", "university", "school", "teacher"),
        "media": ("media", "journalist", "editor", "podcast", "writer"),
    },
}


@dataclass(frozen=True)
class Proposal:
    """A taxonomy to review before saving: category → tags."""

    categories: dict[str, list[str]]
    source: str  # "ai" or "rules"
    note: str = ""


def profile_text(contact: Contact) -> str:
    """What a contact's tags can be read from, lower-cased, padded for word matches."""
    parts = (
        contact.title,
        contact.company,
        contact.linkedin_headline,
        contact.twitter_bio,
        contact.telegram_bio,
    )
    return " " + " ".join(p for p in parts if p).lower() + " "


def rule_tags(text: str, rules: dict[str, dict[str, tuple[str, ...]]] = RULES) -> set[str]:
    """Tag names whose keywords appear in ``text``."""
    return {
        tag
        for tags in rules.values()
        for tag, words in tags.items()
        if any(word in text for word in words)
    }


def propose_with_rules(samples: Sequence[Contact]) -> Proposal:
    """Tags seen in the sample, grouped by the rule categories, most common first."""
    seen: Counter[str] = Counter()
    for contact in samples:
        seen.update(rule_tags(profile_text(contact)))
    categories = {
        category: [
            tag
            for tag, _ in sorted(((t, seen[t]) for t in tags if seen[t]), key=lambda item: -item[1])
        ]
        for category, tags in RULES.items()
    }
    categories = {name: tags for name, tags in categories.items() if tags}
    return Proposal(
        categories, "rules", "Proposed from job titles, companies and bios with keyword rules."
    )


DISCOVERY_PROMPT = (
    "You organise a personal network into a tag taxonomy. From the profiles below, propose "
    f"at most {MAX_CATEGORIES} categories (such as Industry, Role, Relationship) with at most "
    f"{MAX_TAGS_PER_CATEGORY} short lower-case tags each, covering what these people have in "
    'common. Answer with JSON only: {"categories": [{"name": "...", "tags": ["...", "..."]}]}'
)


def parse_taxonomy(answer: str) -> dict[str, list[str]]:
    """The categories of a model answer, or ValueError when it is unusable."""
    body = answer.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.DOTALL)
    data = json.loads(fenced.group(1) if fenced else body)
    result: dict[str, list[str]] = {}
    for item in data.get("categories", [])[:MAX_CATEGORIES]:
        name = str(item.get("name", "")).strip()[:100]
        tags = [str(t).strip().lower()[:100] for t in item.get("tags", []) if str(t).strip()]
        if name and tags:
            result[name] = list(dict.fromkeys(tags))[:MAX_TAGS_PER_CATEGORY]
    if not result:
        raise ValueError("the answer proposed no categories")
    return result


def propose(samples: Sequence[Contact], client: LLMClient | None) -> Proposal:
    """Ask the model for a taxonomy; fall back to the keyword rules."""
    if client is None:
        return propose_with_rules(samples)
    profiles = "\n".join(f"- {profile_text(c).strip()}" for c in samples if profile_text(c).strip())
    try:
        answer = client.complete(system=DISCOVERY_PROMPT, prompt=profiles[:12000], max_tokens=800)
        return Proposal(parse_taxonomy(answer.text), "ai", f"Proposed by {answer.model}.")
    except (LLMError, ValueError, AttributeError, TypeError) as exc:
        fallback = propose_with_rules(samples)
        return Proposal(
            fallback.categories,
            "rules",
            f"The model's answer could not be used ({exc}); keyword rules instead.",
        )


def tags_for(contact: Contact, taxonomy_tags: Iterable[str]) -> set[str]:
    """Which of the saved tags fit ``contact``: a tag whose name (or rule keywords, for the
    built-in tags) appears in its title, company or bios."""
    text = profile_text(contact)
    known_words = {tag: words for tags in RULES.values() for tag, words in tags.items()}
    chosen: set[str] = set()
    for tag in taxonomy_tags:
        key = tag.lower()
        words = (*known_words.get(key, ()), f" {key} ", f" {key},", f" {key}.")
        if any(word in text for word in words):
            chosen.add(tag)
    return chosen
