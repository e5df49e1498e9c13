"""Name normalisation for matching: ASCII folding, tokens, nickname groups, phonetic keys."""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from nicknames import NickNamer

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NICKNAMER = NickNamer()
# Name particles that say nothing about who someone is.
_PARTICLES = frozenset({"van", "von", "der", "de", "da", "di", "la", "le", "del", "mr", "mrs",
                        "ms", "dr", "jr", "sr", "phd"})  # fmt: skip


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text`` (accents dropped, other scripts romanised)."""
    if text.isascii():  # most names and addresses: nothing to romanise, nothing to keep
        return text.lower()
    return _romanised(text)


@lru_cache(maxsize=50_000)
def _romanised(text: str) -> str:
    return anyascii(text).lower()


def tokens(text: str | None) -> tuple[str, ...]:
    """The name's words, folded, without particles and one-letter initials."""
    if not text:
        return ()
    # A hyphenated first name is one name ("Hans-Uwe" is not "Hans").
    # An apostrophe joins too: "O'Brien" is "OBrien", not "O" and "Brien".
    words = _NON_ALNUM.split(fold(text).replace("-", "").replace("'", ""))
    return tuple(w for w in words if len(w) > 1 and w not in _PARTICLES and not w.isdigit())


def alnum(text: str) -> str:
    """Only the letters and digits of ``text``, folded (``j.smith_99`` → ``jsmith99``)."""
    return _NON_ALNUM.sub("", fold(text))


def letters(text: str) -> str:
    """Only the letters of ``text`` (digits dropped), folded."""
    return "".join(c for c in alnum(text) if c.isalpha())


# Diminutives the English nickname dataset lacks (Slavic, German, …): diminutive → names.
DIMINUTIVES: dict[str, tuple[str, ...]] = {
    "sasha": ("alexander", "aleksandr", "alexandra", "aleksandra"),
    "sacha": ("alexandre", "alexander"),
    "dima": ("dmitry", "dmitri", "dmitrii"),
    "katya": ("ekaterina", "yekaterina", "katerina"),
    "misha": ("mikhail", "michael"),
    "kolya": ("nikolai", "nikolay"),
    "vanya": ("ivan",),
    "zhenya": ("evgeny", "evgeniy", "yevgeny", "evgenia"),
    "lena": ("elena", "yelena", "helena"),
    "masha": ("maria", "mariya"),
    "natasha": ("natalia", "natalya"),
    "olya": ("olga",),
    "pasha": ("pavel",),
    "vova": ("vladimir",),
    "volodya": ("vladimir",),
    "tanya": ("tatiana", "tatyana"),
    "sveta": ("svetlana",),
    "seryozha": ("sergei", "sergey"),
    "lyosha": ("alexei", "aleksei", "alexey"),
    "hans": ("johannes",),
    "sepp": ("josef",),
    "fritz": ("friedrich",),
    "jupp": ("josef",),
    "steffi": ("stefanie",),
    "pepe": ("jose",),
    "paco": ("francisco",),
    "pancho": ("francisco",),
    "nacho": ("ignacio",),
    "lola": ("dolores",),
    "beppe": ("giuseppe",),
    "peppe": ("giuseppe",),
    "gigi": ("luigi",),
    "sandro": ("alessandro",),
    "franco": ("francesco",),
    "wolf": ("wolfgang",),
    "hannes": ("johannes",),
    "kat": ("katherine", "catherine", "katharina"),
    "nico": ("nicolas", "nikolaus", "nicolo"),
    "basti": ("sebastian",),
    "max": ("maximilian",),
    "flo": ("florian",),
    "lotte": ("charlotte",),
    "gabi": ("gabriele", "gabriela"),
    "toni": ("anton", "antonia"),
    "uli": ("ulrich",),
}


@lru_cache(maxsize=100_000)
def first_name_group(name: str) -> frozenset[str]:
    """The name and its canonical forms (``bob`` → {bob, robert, …}); two first names
    are the same person's when their groups meet."""
    group = {name}
    group.update(n.lower() for n in _NICKNAMER.canonicals_of(name))
    group.update(DIMINUTIVES.get(name, ()))
    return frozenset(group)


@lru_cache(maxsize=100_000)
def first_name_keys(name: str) -> frozenset[str]:
    """Blocking keys of a first name: its group and the spelling keys of the group
    (``kate`` → katherine meets ``catherine`` → katherine)."""
    group = first_name_group(name)
    keys = set(group)
    keys.update("#" + spelling(n) for n in group)
    return frozenset(keys)


def same_first_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same first name, or one is a nickname or
    diminutive of the other's name (``bob``/``robert``, ``kate``/``catherine`` through
    the spelling of ``katherine``). Two nicknames of one name (``kate``/``kathy``) are
    not."""
    if a == b:
        return True
    if a in first_name_group(b) or b in first_name_group(a):
        return True
    return spelling(a) in _group_spellings(b) or spelling(b) in _group_spellings(a)


@lru_cache(maxsize=100_000)
def spelling(name: str) -> str:
    """A spelling-insensitive key (``catherine`` and ``katherine`` → ``katherine``)."""
    key = name.replace("ph", "f").replace("y", "i")
    key = re.sub(r"(.)\1", r"\1", key)
    return "k" + key[1:] if key.startswith("c") else key


@lru_cache(maxsize=100_000)
def _group_spellings(name: str) -> frozenset[str]:
    return frozenset(spelling(n) for n in first_name_group(name) if n != name)


@lru_cache(maxsize=100_000)
def _nicknames_of(name: str) -> frozenset[str]:
    return frozenset(n.lower() for n in _NICKNAMER.nicknames_of(name))


_TRANSLIT = (("ks", "x"), ("kh", "h"), ("iy", "i"), ("yi", "i"), ("ii", "i"), ("yu", "u"),
             ("ju", "u"), ("ya", "a"), ("ja", "a"), ("zh", "j"), ("ts", "c"), ("tz", "c"),
             ("w", "v"), ("y", "i"), ("ph", "f"), ("th", "t"), ("ck", "k"))  # fmt: skip


@lru_cache(maxsize=200_000)
def latin_key(word: str) -> str:
    """A key that one name written in several Latin transliterations shares
    (Aleksandr/Alexander → "alexandr"/"alexander", Yulia/Iuliia/Julia, Tsoi/Tsoy)."""
    key = word
    for old, new in _TRANSLIT:
        key = key.replace(old, new)
    key = re.sub(r"(.)\1", r"\1", key)
    return key[:-2] + "r" if key.endswith("er") and len(key) > 6 else key


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """The metaphone key of a word (``smith`` and ``smyth`` → ``SM0``)."""
    return jellyfish.metaphone(word) or word
