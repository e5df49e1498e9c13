"""Vocabulary of the demo dataset: locales, cities, titles, topics, tags, nicknames."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# (Faker locale, weight, phone country code, cities)
LOCALES: list[tuple[str, int, str, list[str]]] = [
    (
        "en_US",
        38,
        "1",
        [
            "San Francisco, CA",
            "New York, NY",
            "Austin, TX",
            "Seattle, WA",
            "Boston, MA",
            "Chicago, IL",
            "Los Angeles, CA",
            "Denver, CO",
            "Miami, FL",
        ],
    ),
    ("en_GB", 12, "44", ["London", "Manchester", "Edinburgh", "Bristol", "Cambridge"]),
    ("de_DE", 10, "49", ["Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt"]),
    ("fr_FR", 8, "33", ["Paris", "Lyon", "Toulouse", "Bordeaux", "Nantes"]),
    ("es_ES", 7, "34", ["Madrid", "Barcelona", "Valencia", "Seville"]),
    ("pt_BR", 6, "55", ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Florianópolis"]),
    ("it_IT", 5, "39", ["Milan", "Rome", "Turin", "Bologna"]),
    ("nl_NL", 4, "31", ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"]),
    ("pl_PL", 3, "48", ["Warsaw", "Kraków", "Wrocław", "Gdańsk"]),
    ("ru_RU", 4, "7", ["Moscow", "Saint Petersburg", "Novosibirsk", "Kazan"]),
    ("en_IN", 3, "91", ["Bengaluru", "Mumbai", "Delhi", "Hyderabad", "Pune"]),
]

WEBMAIL = [
    ("gmail.com", 60),
    ("yahoo.com", 8),
    ("outlook.com", 10),
    ("hotmail.com", 6),
    ("icloud.com", 8),
    ("proton.me", 4),
    ("gmx.de", 4),
]

TLDS = [(".com", 60), (".io", 15), (".co", 6), (".ai", 6), (".de", 5), (".fr", 3), (".net", 5)]

COMPANY_WORDS_A = [
    "Bright",
    "Blue",
    "North",
    "Silver",
    "Quantum",
    "Nimbus",
    "Pixel",
    "Vector",
    "Cedar",
    "Harbor",
    "Summit",
    "Lumen",
    "Atlas",
    "Orbit",
    "Copper",
    "Granite",
    "Echo",
    "Nova",
    "Helix",
    "Signal",
    "Maple",
    "Falcon",
    "Iron",
    "Coral",
    "Sage",
    "Tidal",
    "Zephyr",
    "Aurora",
    "Prism",
    "Kite",
]
COMPANY_WORDS_B = [
    "lane",
    "stack",
    "works",
    "labs",
    "forge",
    "field",
    "point",
    "bridge",
    "loop",
    "base",
    "wave",
    "path",
    "scale",
    "grid",
    "mind",
    "flow",
    "leaf",
    "rock",
    "line",
    "ware",
]
COMPANY_SUFFIXES = ["", "", "", " Labs", " AI", " Capital", " Health", " Inc.", " Ventures"]

TITLES = [
    "Founder & CEO",
    "Co-founder",
    "CTO",
    "VP Engineering",
    "VP Product",
    "Head of Growth",
    "Head of Sales",
    "Head of People",
    "Product Manager",
    "Senior Product Manager",
    "Software Engineer",
    "Senior Software Engineer",
    "Staff Engineer",
    "Engineering Manager",
    "Data Scientist",
    "Machine Learning Engineer",
    "Research Scientist",
    "Product Designer",
    "Design Lead",
    "Recruiter",
    "Talent Partner",
    "General Partner",
    "Partner",
    "Principal",
    "Investment Associate",
    "Angel Investor",
    "Marketing Lead",
    "Content Strategist",
    "Account Executive",
    "Customer Success Manager",
    "Operations Manager",
    "Chief of Staff",
    "CFO",
    "COO",
    "Community Manager",
    "Developer Advocate",
    "Journalist",
    "Professor",
    "PhD Candidate",
    "Consultant",
    "Freelance Developer",
    "Solutions Architect",
    "Security Engineer",
    "Legal Counsel",
    "Board Member",
]

TOPICS = [
    "fundraising",
    "term sheet",
    "seed round",
    "Series A",
    "hiring plan",
    "quarterly roadmap",
    "pricing page",
    "kubernetes migration",
    "design review",
    "customer onboarding",
    "partnership",
    "offsite",
    "conference talk",
    "podcast interview",
    "board deck",
    "due diligence",
    "pilot project",
    "API integration",
    "launch plan",
    "advisory role",
    "reference check",
    "job offer",
    "product demo",
    "user research",
    "investor update",
    "market map",
    "open source release",
    "security audit",
    "data pipeline",
    "go-to-market",
]

EVENTS = [
    "Web Summit",
    "SaaStr",
    "Slush",
    "NeurIPS",
    "PyCon",
    "the YC demo day",
    "a founders dinner",
    "the Berlin meetup",
    "TechCrunch Disrupt",
    "a friend's wedding",
    "the hackathon",
    "KubeCon",
]

SUBJECTS = [
    "Quick question about the {topic}",
    "Re: {topic}",
    "Re: Re: {topic} next steps",
    "Intro: {first} <> {company}",
    "Following up on the {topic}",
    "Coffee next week?",
    "Great meeting you at {event}",
    "{company} x {other} — {topic}",
    "Notes from our call",
    "Fwd: {topic} draft",
    "Thanks!",
    "Catching up",
    "Can we move our call?",
    "Your thoughts on the {topic}?",
]

SNIPPETS = [
    "Thanks for the intro, happy to find a time next week to talk about the {topic}.",
    "Sounds good. I'll send over the {topic} notes by Friday.",
    "Loved seeing you at {event}! Let's keep in touch.",
    "Could you share the latest numbers before we discuss the {topic}?",
    "Attached is the draft. Let me know what you think about the {topic} section.",
    "Are you free Tuesday or Wednesday afternoon for a quick call?",
    "Congrats on the new role! How is everything at {company}?",
    "We're moving forward with the {topic}; would love your feedback.",
    "Sorry for the slow reply, it's been a busy week with the {topic}.",
    "Happy birthday! Hope you have a great year ahead.",
    "Let me loop in my colleague who runs the {topic} at {company}.",
    "Here's the link to the deck we talked about.",
    "Just checking in, any update on the {topic}?",
    "Great chat today. Summary: {topic}, timeline, next steps.",
    "Ha, that's brilliant. See you at {event}?",
    "Can you recommend someone for the {topic}?",
]

MEETING_TITLES = [
    "Coffee with {first}",
    "{topic} sync",
    "Intro call: {company}",
    "Lunch with {first}",
    "Weekly 1:1",
    "{topic} review",
    "Demo for {company}",
]

CALL_NOTES = [
    "Call: talked about the {topic}.",
    "Phone call, caught up on {company}.",
    "Quick call about the {topic}; follow up next month.",
]

NOTE_TEMPLATES = [
    "Met at {event}. Interested in the {topic}.",
    "Prefers Telegram over email. Two kids, loves climbing.",
    "Introduced by a mutual friend. Ask about the {topic} next time.",
    "Former colleague. Great person to ask about {topic}.",
    "Wants an intro to someone at {company}.",
    "Potential advisor for the {topic}.",
]

GROUPS = [
    "Founders Berlin",
    "Indie Hackers",
    "Python Devs",
    "Climate Tech Builders",
    "AI Engineers",
    "SaaS Growth",
    "Remote Workers",
    "Angel Investors Club",
]

TAG_TAXONOMY: dict[str, list[str]] = {
    "Relationship": ["friend", "family", "mentor", "former colleague", "classmate"],
    "Role": ["investor", "founder", "engineer", "designer", "recruiter", "journalist"],
    "Industry": ["fintech", "climate", "ai", "saas", "healthcare", "crypto", "edtech"],
    "Events": ["websummit", "pycon", "yc batch", "slush"],
}

# Nicknames a person may go by on another platform (first form is the formal name).
NICKNAMES: dict[str, list[str]] = {
    "Robert": ["Bob", "Rob", "Bobby"],
    "William": ["Bill", "Will", "Billy"],
    "Richard": ["Rick", "Rich", "Dick"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "John": ["Johnny", "Jack"],
    "Michael": ["Mike", "Mikey"],
    "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"],
    "Anthony": ["Tony"],
    "Joseph": ["Joe", "Joey"],
    "Thomas": ["Tom", "Tommy"],
    "Nicholas": ["Nick"],
    "Benjamin": ["Ben"],
    "Samuel": ["Sam"],
    "Jonathan": ["Jon"],
    "Andrew": ["Andy", "Drew"],
    "Edward": ["Ed", "Ted"],
    "Alexander": ["Alex", "Sasha"],
    "Steven": ["Steve"],
    "Stephen": ["Steve"],
    "Timothy": ["Tim"],
    "Gregory": ["Greg"],
    "Patrick": ["Pat"],
    "Peter": ["Pete"],
    "David": ["Dave"],
    "Charles": ["Charlie", "Chuck"],
    "Kenneth": ["Ken", "Kenny"],
    "Ronald": ["Ron"],
    "Donald": ["Don"],
    "Elizabeth": ["Liz", "Beth", "Betty"],
    "Katherine": ["Kate", "Katie"],
    "Catherine": ["Cathy", "Kate"],
    "Jennifer": ["Jen", "Jenny"],
    "Margaret": ["Maggie", "Peggy"],
    "Patricia": ["Pat", "Patty"],
    "Susan": ["Sue"],
    "Rebecca": ["Becky"],
    "Victoria": ["Vicky", "Tori"],
    "Alexandra": ["Alex", "Sasha"],
    "Jessica": ["Jess"],
    "Christina": ["Chris", "Tina"],
    "Kimberly": ["Kim"],
    "Deborah": ["Debbie", "Deb"],
    "Samantha": ["Sam"],
    "Abigail": ["Abby"],
    "Dmitry": ["Dima"],
    "Aleksandr": ["Sasha"],
    "Ekaterina": ["Katya"],
    "Mikhail": ["Misha"],
    "Francesco": ["Franco"],
    "Giuseppe": ["Beppe"],
    "Johannes": ["Hannes"],
    "Wolfgang": ["Wolf"],
    "Francisco": ["Paco"],
    "José": ["Pepe"],
}

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
            "yu", "ya",
        ],
        strict=True,
    )
)  # fmt: skip


@lru_cache(maxsize=65536)
def transliterate(text: str) -> str:
    """ASCII spelling of a name (accents dropped, Cyrillic romanised), for emails and
    handles."""
    out: list[str] = []
    for char in text:
        lower = char.lower()
        if lower in _CYRILLIC:
            latin = _CYRILLIC[lower]
            out.append(latin.capitalize() if char != lower and latin else latin)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if c.isascii()))
    return "".join(out)
