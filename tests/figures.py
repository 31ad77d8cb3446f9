"""Checks on text as a terminal or a pipe shows it: a figure never parted from its unit."""

from __future__ import annotations

import itertools
import re

UNIT = re.compile(r"(pp|pts?|mo|months?|×|%)(?![\w])")
BOX = " │║┃"


def broken_figures(text: str) -> list[tuple[str, str]]:
    """The pairs of consecutive lines between which a figure was parted from its unit or its ``±``.

    ``41.8% ± 0.035`` then ``pp``; ``1.5× ±`` then ``0.0…``; ``within 12`` then ``months``;
    ``month`` then ``25``; ``±20`` then ``%``.
    """
    lines = [line.strip(BOX) for line in text.splitlines()]
    broken = []
    for first, second in itertools.pairwise(lines):
        end, start = first.rstrip(), second.strip(BOX).lstrip()
        if not end or not start:
            continue
        if (
            end.endswith("±")
            or end[-1] in "$€£¥"
            or (end[-1].isdigit() and UNIT.match(start))
            or (re.search(r"\bmonth$", end) and start[0].isdigit())
        ):
            broken.append((first, second))
    return broken
