"""The rule of a scenario's name, shared by the scenario loader and the store.

A name is compared as NFC without surrounding whitespace, so that ``Café``
typed on macOS (NFD) and on Linux (NFC), or ``Plan`` and ``Plan ``, are one
scenario.  Characters that hide or reorder text are refused: a name must
read as what it is, and two names that look the same must be the same.

>>> normalize_name("  Cafe\\u0301 ")
'Café'
>>> name_problem("Plan\\u202egpj.exe")
'must not contain hidden or direction-changing characters, got U+202E (RIGHT-TO-LEFT OVERRIDE)'
>>> name_problem("Plan\\u00ad")
'must not contain hidden or direction-changing characters, got U+00AD (SOFT HYPHEN)'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# Categories refused outright: format characters (zero-width, soft hyphen, bidi marks, embeddings,
# overrides and isolates, tags), line and paragraph separators, control characters, surrogates,
# private use and unassigned code points.
FORBIDDEN_CATEGORIES = {
    "Cf": "format character",
    "Zl": "line separator",
    "Zp": "paragraph separator",
    "Cc": "control character",
    "Cs": "surrogate",
    "Co": "private-use character",
    "Cn": "unassigned character",
}

# Characters of other categories that show nothing: the combining grapheme joiner, the Hangul
# fillers, the Khmer inherent vowels, the Mongolian vowel separator and free variation selectors,
# the braille blank; and the default-ignorable characters of Cf that some Unicode versions
# class otherwise.
FORBIDDEN = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, byte order mark
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
)
# Variation selectors choose how the character before them is drawn (❤ or ❤️): kept after a
# symbol, refused elsewhere, where they show nothing.
VARIATION_SELECTORS = frozenset(map(chr, (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))))


def normalize_name(name: str) -> str:
    """The name as it is stored and looked up: NFC, surrounding whitespace removed."""
    return unicodedata.normalize("NFC", name).strip()


def hidden_character(name: str) -> str | None:
    """The first character of the normalised ``name`` that hides or reorders text, or None."""
    previous = ""
    for character in normalize_name(name):
        if character in VARIATION_SELECTORS:
            if not (previous and unicodedata.category(previous).startswith("S")):
                return character
        elif character in FORBIDDEN or unicodedata.category(character) in FORBIDDEN_CATEGORIES:
            return character
        previous = character
    return None


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a scenario (its first hidden character), or None."""
    character = hidden_character(name)
    if character is None:
        return None
    label = unicodedata.name(character, "") or FORBIDDEN_CATEGORIES.get(unicodedata.category(character), "character")
    return f"must not contain hidden or direction-changing characters, got U+{ord(character):04X} ({label})"


def checked_name(name: str | None, report: Callable[[str], object]) -> str | None:
    """``name`` normalised, after ``report(problem)`` when it cannot name a scenario (the loader's one call)."""
    if name is None:
        return None
    problem = name_problem(name)
    if problem is not None:
        report(problem)
    return normalize_name(name)
