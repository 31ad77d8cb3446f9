"""Text that wraps between words but never parts a figure from its unit.

rich wraps at every space, so in a narrow cell or a pipe (80 columns)
``41.8% ± 0.035 pp`` could end a line with ``0.035`` and start the next with
``pp``.  :class:`KeepFigures` wraps a :class:`~rich.text.Text` only at the
spaces that do not join a figure to its unit (``12 months``, ``0.035 pp``,
``20 %``, ``63% never``), a ``±`` or a sign to its figure (``± 0.035``,
``B − A``), ``month`` to its number (``month 25``) or ``in`` to its month
(``in 2024-12``); a table measures it by its widest unbreakable piece, so the
column keeps room for it.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

_JOINING_SPACE = re.compile(
    r"(?<=\d) (?=(?:pp|pts?|mo|months?|paths?|customers?|%|×)(?!\w))"  # a figure and its unit (45 paths)
    r"|(?<=[±−+–]) (?=\S)"  # a ± or a sign and what it applies to (a dash: the end of a range)
    r"| (?=[−–] )"  # and what it is subtracted from (B − A), a range's start (2023-01 – 2025-06)
    r"|(?<=\bmonth) (?=\d)"  # month 25
    r"|(?<=\bin) (?=\d{4}-\d\d)"  # in 2024-12
    r"|(?<=%) (?=never\b)"  # 63% never
)


def breaks(plain: str) -> list[int]:
    """The offsets of the spaces of ``plain`` a line may break at."""
    joining = {match.start() for match in _JOINING_SPACE.finditer(plain)}
    return [i for i, ch in enumerate(plain) if ch == " " and i not in joining]


def _pieces(plain: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the unbreakable pieces of one line, the spaces between them left out."""
    pieces, start = [], 0
    for space in [*breaks(plain), len(plain)]:
        if space > start:
            pieces.append((start, space))
        start = space + 1
    return pieces


class KeepFigures:
    """A rich renderable: ``text`` wrapped at the console's width, never inside a figure with its unit.

    ``justify`` defaults to the console's (a table column's); a piece wider
    than the width is cut with an ellipsis rather than broken.
    """

    def __init__(self, text: str | Text, *, style: str = "", justify: str | None = None):
        self.text = Text(text, style=style) if isinstance(text, str) else text
        self.justify = justify

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.text.plain.split("\n")
        pieces = [cell_len(line[start:end]) for line in lines for start, end in _pieces(line)]
        whole = max((cell_len(line) for line in lines), default=0)
        return Measurement(max(pieces, default=0), whole).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 1)
        lines = []
        for line in self.text.split("\n", allow_blank=True):
            offsets, line_start = [], 0
            for start, end in _pieces(line.plain):
                if start > line_start and cell_len(line.plain[line_start:end]) > width:
                    offsets.append(start)
                    line_start = start
            for part in line.divide(offsets):
                part.rstrip()
                lines.append(part)
        joined = Text("\n").join(lines)
        joined.justify = self.justify or options.justify  # type: ignore[assignment]  # rich's own justify values
        joined.no_wrap = True
        joined.overflow = "ellipsis"
        yield joined
