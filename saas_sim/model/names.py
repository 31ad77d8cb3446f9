"""The rule of a scenario's name, shared by the scenario loader and the store.

A name is compared as NFC without surrounding whitespace, so that ``Café``
typed on macOS (NFD) and on Linux (NFC), or ``Plan`` and ``Plan ``, are one
scenario.  Characters that hide or reorder text are refused: a name must
read as what it is.

>>> normalize_name("  Cafe\\u0301 ")
'Café'
>>> name_problem("Plan\\u202egpj.exe")
'must not contain hidden or direction-changing characters, got U+202E (RIGHT-TO-LEFT OVERRIDE)'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# Zero-width characters, and the bidirectional embeddings, overrides and isolates (control
# characters, category Cc, are refused besides these).
FORBIDDEN = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, byte order mark
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)


def normalize_name(name: str) -> str:
    """The name as it is stored and looked up: NFC, surrounding whitespace removed."""
    return unicodedata.normalize("NFC", name).strip()


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a scenario (its first hidden character), or None."""
    for character in normalize_name(name):
        if character in FORBIDDEN or unicodedata.category(character) == "Cc":
            label = unicodedata.name(character, "control character")
            return (f"must not contain hidden or direction-changing characters,"
                    f" got U+{ord(character):04X} ({label})")
    return None


def checked_name(name: str | None, report: Callable[[str], object]) -> str | None:
    """``name`` normalised, after ``report(problem)`` when it cannot name a scenario (the loader's one call)."""
    if name is None:
        return None
    problem = name_problem(name)
    if problem is not None:
        report(problem)
    return normalize_name(name)
