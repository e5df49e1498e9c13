"""Drafted messages: a model when the user configured one, templates otherwise.

The prompt carries only facts from the CRM (profile, last 5 interactions, the trigger and
its numbers, detected events, the tone of past messages). The model's answer is checked:
empty, too long, not the requested JSON, or naming facts absent from the context → the
template is used instead, and the reason is recorded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from pingcrm.llm.base import LLMClient, LLMError
from pingcrm.models import Contact, DetectedEvent, Interaction
from pingcrm.suggestions.rules import Trigger

MAX_DRAFT_CHARS = 480
MAX_SENTENCES = 4
TEMPLATE_MODEL = "template"

SYSTEM_PROMPT = (
    "You draft short personal messages for someone reconnecting with a person in their "
    "network. Write 2-3 sentences in the first person, matching the tone of their past "
    "messages, mentioning the reason for reaching out naturally. Use ONLY facts given in "
    "the context; never invent names, companies, places, dates, numbers or events. Do not "
    'add a signature. Answer with JSON only: {"message": "<the message>"}'
)

# Words that may start with a capital letter without being a claimed fact.
_COMMON_WORDS = (
    "i i'm i've i'd i'll hi hey hello dear happy hope hoping congrats congratulations "
    "thanks thank great good just saw it it's its would let let's how what when been "
    "long time we our my you your all best cheers looking love wanted was were are is "
    "have has hear heard any also so and but or if that this the a an on in at to "
    "monday tuesday wednesday thursday friday saturday sunday linkedin telegram email "
    "twitter x birthday coffee call chat soon today tomorrow week weekend month year "
    "ps ok okay yes no sure"
)
_COMMON_CAPITALISED = frozenset(_COMMON_WORDS.split())
_APOSTROPHES = "'\u2019"
_WORD_RE = re.compile("[A-Za-z\u00c0-\u00ff][\\w" + _APOSTROPHES + "\\-]*")
_NUMBER_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class DraftContext:
    """Everything a draft may mention."""

    contact: Contact
    trigger: Trigger
    facts: dict[str, object]
    recent: list[Interaction]
    events: list[DetectedEvent] = field(default_factory=list)
    now: datetime | None = None

    @property
    def first_name(self) -> str:
        return (self.contact.given_name or self.contact.full_name.split(" ")[0]).strip()

    @property
    def tone(self) -> str:
        """'casual' or 'formal', from how the user wrote to them before."""
        outbound = " ".join(i.preview for i in self.recent if i.direction == "outbound")
        if re.search(r"\b(dear|regards|sincerely|kind regards)\b", outbound, re.IGNORECASE):
            return "formal"
        return "casual"

    def as_prompt(self) -> str:
        """The user prompt: the context as labelled facts."""
        c = self.contact
        lines = [
            f"Person: {c.full_name}",
            f"Title: {c.title or 'unknown'}",
            f"Company: {c.company or 'unknown'}",
            f"Location: {c.location or 'unknown'}",
        ]
        for label, bio in (
            ("LinkedIn headline", c.linkedin_headline),
            ("Twitter bio", c.twitter_bio),
            ("Telegram bio", c.telegram_bio),
        ):
            if bio:
                lines.append(f"{label}: {bio}")
        lines.append(f"Reason for reaching out: {self.trigger.value}")
        lines.extend(f"  {key}: {value}" for key, value in self.facts.items())
        for event in self.events:
            lines.append(f"Recent event: {event.summary}")
        lines.append(f"Tone of past messages: {self.tone}")
        lines.append("Last interactions (newest first):")
        for item in self.recent:
            lines.append(
                f"- {item.occurred_at:%Y-%m-%d} {item.platform} {item.direction}: "
                f"{item.preview[:200]}"
            )
        if not self.recent:
            lines.append("- none recorded")
        return "\n".join(lines)


@dataclass(frozen=True)
class Draft:
    message: str
    model: str
    prompt: str | None
    fallback_reason: str | None = None


def _months_ago(context: DraftContext) -> str:
    days = context.facts.get("days_silent")
    if not isinstance(days, int):
        return "a while"
    if days >= 365:
        years = days // 365
        return f"over {years} year{'s' if years > 1 else ''}"
    if days >= 60:
        return f"about {days // 30} months"
    return f"{days} days"


_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|tr)\s*:\s*)+", re.IGNORECASE)


def _last_topic(context: DraftContext) -> str:
    for item in context.recent:
        topic = _REPLY_PREFIX.sub("", item.subject or "").strip()
        if topic:
            return f" about “{topic[:80]}”"
    return ""


def template_draft(context: DraftContext, variant: int = 0) -> str:
    """A deterministic 2-3 sentence message for the trigger; ``variant`` rotates wording."""
    name = context.first_name
    company = f" at {context.contact.company}" if context.contact.company else ""
    ago = _months_ago(context)
    topic = _last_topic(context)
    event = str(
        context.facts.get("event") or (context.events[0].summary if context.events else "your news")
    )
    options: dict[Trigger, list[str]] = {
        Trigger.BIRTHDAY: [
            f"Happy birthday, {name}! I hope today is a great day and the year ahead a "
            "great one. Would love to catch up soon.",
            f"Hi {name}, happy birthday! I hope you get to celebrate properly today. "
            "Let's find a moment to catch up.",
        ]
        if context.facts.get("days_until") == 0
        else [
            f"Happy early birthday, {name}! I hope the year ahead is a great one. "
            "Would love to catch up soon.",
            f"Hi {name}, I heard your birthday is coming up: happy birthday in advance! "
            "Let's find a moment to catch up.",
        ],
        Trigger.EVENT: [
            f"Hi {name}, I just saw the news: {event}. Congratulations! "
            "I'd love to hear how it's going.",
            f"Hey {name}, congrats on the news ({event})! Let me know if there's any way I "
            "can help.",
        ],
        Trigger.TIME_BASED: [
            f"Hi {name}, it's been {ago} since we last talked{topic}. "
            f"How are things going{company}? Would love to catch up.",
            f"Hey {name}, I realised it's been {ago} since we were last in touch. "
            "What are you working on these days?",
        ],
        Trigger.SCHEDULED: [
            f"Hi {name}, checking in as promised. How have things been{company} since we "
            "last spoke?",
            f"Hey {name}, it's been a little while. How are you doing?",
        ],
        Trigger.DORMANT: [
            f"Hi {name}, it's been {ago} since we last talked{topic}! I was thinking of you "
            "and wondered how you're doing.",
            f"Hey {name}, long time no see: {ago}! I'd love to hear what you've been up to.",
        ],
    }
    choices = options[context.trigger]
    return choices[variant % len(choices)]


def _parse_answer(text: str) -> str:
    body = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.DOTALL)
    if fenced:
        body = fenced.group(1)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError("the answer was not the requested JSON") from exc
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        raise ValueError("the answer had no message")
    return " ".join(message.split())


def unsupported_facts(message: str, context_text: str) -> list[str]:
    """Capitalised words and numbers in ``message`` that the context never mentions."""
    known = context_text.lower()
    missing: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", message):
        words = _WORD_RE.findall(sentence)
        for index, word in enumerate(words):
            bare = word.strip(_APOSTROPHES + "-").lower()
            # Sentence-initial capitals are grammar, not a claimed name.
            if index == 0 or not word[0].isupper() or bare in _COMMON_CAPITALISED:
                continue
            if bare not in known:
                missing.append(word)
    missing.extend(n for n in _NUMBER_RE.findall(message) if n not in known)
    return missing


def validate_draft(answer: str, context: DraftContext) -> str:
    """The message of a model answer, or ValueError saying why it cannot be used."""
    message = _parse_answer(answer)
    if len(message) > MAX_DRAFT_CHARS:
        raise ValueError("the message was too long")
    if len(re.findall(r"[.!?](\s|$)", message)) > MAX_SENTENCES:
        raise ValueError("the message had too many sentences")
    invented = unsupported_facts(message, context.as_prompt())
    if invented:
        raise ValueError(f"the message named facts not in the context: {', '.join(invented[:5])}")
    return message


def write_draft(context: DraftContext, client: LLMClient | None, variant: int = 0) -> Draft:
    """Draft with the model when there is one, falling back to the template."""
    if client is None:
        return Draft(template_draft(context, variant), TEMPLATE_MODEL, None)
    prompt = context.as_prompt()
    try:
        answer = client.complete(system=SYSTEM_PROMPT, prompt=prompt, max_tokens=300)
        message = validate_draft(answer.text, context)
    except (LLMError, ValueError) as exc:
        return Draft(
            template_draft(context, variant), TEMPLATE_MODEL, prompt, fallback_reason=str(exc)[:300]
        )
    return Draft(message, answer.model, prompt)
