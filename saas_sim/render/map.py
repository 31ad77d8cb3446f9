"""The vicious/virtuous map (``saas-sim map``, SPEC 8) for a terminal, an HTML page and a PNG.

:class:`MapHeatmap` draws a :class:`~saas_sim.analysis.maps.MapResult` as the heatmap a workshop projects:
the highest y value on top, as a chart; every cell its value, short, on the colour of its grade (SPEC 3.4's
ok, warn and bad) where the diagnosis checks the metric, else on a sequential scale whose darkest band is the
better end.  The colour change is the boundary between the vicious and the virtuous cycle.  Without colour
(a pipe, ``NO_COLOR``) each cell's padding carries its grade's shade (``░`` warn, ``▓`` bad; ok plain), so
the boundary still reads.  The scenario's own point is ``◆`` on its nearest cell, or said to lie outside.

It fits 80 columns and the 30 rows of a projector: more columns than fit shrink to colour only (and then are
sampled), more rows than fit are sampled, and the legend says so; nothing wraps.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from saas_sim.analysis.diagnosis import grade
from saas_sim.analysis.fields import field_of
from saas_sim.model.catalog.metrics import MEAN_METRICS
from saas_sim.render.format import (
    CURRENCY_SYMBOLS,
    MISSING,
    format_compact,
    formatter_for,
    metric_kind,
    metric_label,
)
from saas_sim.render.tornado import format_field_value, short_field

if TYPE_CHECKING:
    from saas_sim.analysis.maps import Axis, MapResult

MAX_ROWS = 30  # a projector's terminal: title, grid and legend within 30 rows
# ok, warn, bad as the rest of the terminal output colours them (summary.STATUS_STYLES), as backgrounds
GRADE_STYLES = {"ok": "black on green", "warn": "black on yellow", "bad": "bold bright_white on red", "n/a": "dim"}
GRADE_MONO = {"ok": " ", "warn": "░", "bad": "▓", "n/a": " "}  # a cell's padding without colour
# A metric the diagnosis does not check: four bands of its range, from the worse end to the better one.
BAND_STYLES = ("black on #dbe9f6", "black on #9ac8e0", "bright_white on #4191c6", "bright_white on #08468b")
BAND_MONO = (" ", "░", "▒", "▓")
BASE_MARK = "◆"
NEVER_MARK = "∞"
DIVERGED_MARK = "✗"
STATISTIC_WORDS = {"out_of_cash": "chance of running out of cash"}
NEVER_WORDS = {
    "payback_months": "never pays back",
    "payback_months_with_churn": "never pays back",
    "cash_out_month": "never runs out of cash",
}


def statistic_words(metric: str, statistic: str) -> str:
    """What a cell holds, in words: ``chance of running out of cash``, ``median (p50) over paths``."""
    if metric in STATISTIC_WORDS:
        return STATISTIC_WORDS[metric]
    if metric in MEAN_METRICS:
        return "probability (mean over paths)"
    if statistic == "mean":
        return "expected value (mean over paths)"
    return f"median ({statistic}) over paths"


def map_title(metric: str, statistic: str) -> str:
    """The map's title: what a cell holds, said once (``Chance of running out of cash``, ``ARR at the end:
    median (p50) over paths``)."""
    if metric in STATISTIC_WORDS:
        words = STATISTIC_WORDS[metric]
        return words[0].upper() + words[1:]
    return f"{metric_label(metric)}: {statistic_words(metric, statistic)}"


def cell_text(
    metric: str,
    value: float | None,
    currency: str = "USD",
    *,
    unit: bool = True,
    boundaries: Sequence[float] = (),
    width: int | None = None,
) -> str:
    """A cell's value, short enough for a heatmap: ``12%`` (a probability ``<1%`` or ``>99%`` when it is
    neither 0 nor 1), ``3.4×``, ``$1.2M``, ``7.3``; ``∞`` never, ``—`` undefined.  ``unit=False``: without
    ``%``, ``×`` and the currency (the legend says them).

    A value that would read as one of ``boundaries`` without being it takes the digits that tell it apart
    (``2.98×``, not ``3×``, on a warn cell when ok is ``≥ 3×``); where that is wider than ``width``, it says
    which side of the threshold it lies on instead (``<3×``, ``>50``)."""
    text = _cell_text(metric, value, currency, unit, 2)
    if value is None or not math.isfinite(value):
        return text
    for boundary in boundaries:
        shown = _cell_text(metric, boundary, currency, unit, 2)
        if value != boundary and shown == text:
            for digits in range(3, 7):
                text = _cell_text(metric, value, currency, unit, digits)
                if text != _cell_text(metric, boundary, currency, unit, digits):
                    break
            if width is not None and len(text) > width:
                text = ("<" if value < boundary else ">") + shown
    return text


def _cell_text(metric: str, value: float | None, currency: str, unit: bool, digits: int) -> str:
    if value is None or math.isnan(value):
        return MISSING
    if math.isinf(value):
        return NEVER_MARK if value > 0 else "-" + NEVER_MARK
    kind = metric_kind(metric)
    more = digits - 2  # decimals beyond the usual
    if kind == "rate":
        percent = 100 * value
        if metric in MEAN_METRICS and not more:  # a probability: whole points, but never 0 or 100 unless it is
            text = "<1" if 0 < value < 0.005 else ">99" if 0.995 <= value < 1 else f"{percent:.0f}"
        elif metric in MEAN_METRICS:
            text = f"{percent:.{more}f}"
        elif abs(percent) < 9.95:
            text = f"{percent:.{1 + more}f}".removesuffix(".0")
        elif abs(percent) < 999.5:
            text = f"{percent:.{more}f}"
        else:
            text = format_compact(float(f"{percent:.{digits}g}"))
        text = "0" if text == "-0" else text
        return text + ("%" if unit else "")
    rounded = float(f"{value:.{digits}g}")
    if more and kind != "money" and 0 < abs(rounded) < 100:  # the digits format_compact's three would drop
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
        text = f"{rounded:.{decimals}f}".rstrip("0").rstrip(".")
    else:
        text = format_compact(rounded)
    if kind == "money" and unit:
        symbol = CURRENCY_SYMBOLS.get(currency.upper())
        if symbol is not None:
            text = f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    elif kind == "multiple" and unit:
        text += "×"
    return text


def cells_unit(metric: str, currency: str) -> str:
    """What the cells' figures are counted in when they are written without their unit: ``%``, ``$``, ``×``."""
    kind = metric_kind(metric)
    if kind == "rate":
        return "%"
    if kind == "money":
        return CURRENCY_SYMBOLS.get(currency.upper(), currency)
    if kind == "multiple":
        return "×"
    if kind in ("months", "month"):
        return "months"
    return ""


def threshold_text(metric: str, value: float, currency: str = "USD") -> str:
    """A boundary as the diagnosis words it: ``10%``, ``3×``, ``12 mo``."""
    text = formatter_for(metric, currency)(value)
    return re.sub(r"\.0+(?=\D*$)", "", text)


def grade_ranges(metric: str, boundaries: Sequence[float], better: str | None, currency: str = "USD") -> dict[str, str]:
    """Each grade's range in words, its ends as :func:`~saas_sim.analysis.diagnosis.grade` puts them:
    ``{"ok": "≤ 10%", "warn": "10–50%", "bad": "> 50%"}``."""
    low, high = boundaries
    a, b = threshold_text(metric, low, currency), threshold_text(metric, high, currency)
    warn = f"{a.rstrip('%')}–{b}" if a.endswith("%") and b.endswith("%") else f"{a}–{b}"
    if better == "higher":
        ok = ("≥ " if grade(metric, high) == "ok" else "> ") + b
        bad = ("< " if grade(metric, low) == "warn" else "≤ ") + a
    else:
        ok = ("≤ " if grade(metric, low) == "ok" else "< ") + a
        bad = ("> " if grade(metric, high) == "warn" else "≥ ") + b
    if metric in NEVER_WORDS and better != "higher":
        bad += " or never"
    return {"ok": ok, "warn": warn, "bad": bad}


def axis_position(axis: Axis, value: float) -> float | None:
    """Where ``value`` falls along ``axis`` as a fractional index of its values (on the log scale of a log
    axis), or None outside the grid's range."""
    values = list(axis.values)
    lowest, highest = min(values), max(values)
    tolerance = 1e-9 * max(abs(lowest), abs(highest), 1e-300)
    if not lowest - tolerance <= value <= highest + tolerance:
        return None
    scale = (lambda v: math.log(v)) if axis.log and lowest > 0 else (lambda v: v)
    for i in range(len(values) - 1):
        left, right = values[i], values[i + 1]
        if min(left, right) - tolerance <= value <= max(left, right) + tolerance:
            span = scale(right) - scale(left)
            return (
                i
                if span == 0
                else i + (scale(min(max(value, min(left, right)), max(left, right))) - scale(left)) / span
            )
    return 0.0


def axis_labels(field: str, values: Sequence[float], currency: str = "USD") -> list[str]:
    """An axis's values as the scenario file says them, with the digits that tell them apart where that is too
    few (``1%..1.0001%`` would read ``1%`` in every column)."""
    labels = [format_field_value(field, v, currency) for v in values]
    found = field_of(field)
    for digits in range(4, 16):
        if len(set(labels)) == len(set(values)) or found is None:
            break
        percent = found.unit in ("rate", "share")
        labels = [f"{100 * v if percent else v:.{digits}g}" + ("%" if percent else "") for v in values]
        symbol = CURRENCY_SYMBOLS.get(currency.upper(), "") if found.money else ""
        labels = [f"-{symbol}{t[1:]}" if t.startswith("-") else f"{symbol}{t}" for t in labels]
    return labels


def on_grid(axis: Axis, value: float) -> bool:
    """Whether ``value`` is one of the axis's values (to 9 significant digits)."""
    return any(math.isclose(value, v, rel_tol=1e-9, abs_tol=1e-12) for v in axis.values)


def pack(pieces: Sequence[Text], width: int, separator: str) -> list[Text]:
    """``pieces`` joined by ``separator`` into lines no wider than ``width``, each piece whole on one line
    (one wider than the width alone on its line, cropped)."""
    lines: list[Text] = []
    for piece in pieces:
        if lines and lines[-1].cell_len + len(separator) + piece.cell_len <= width:
            lines[-1].append(separator).append_text(piece)
        else:
            lines.append(Text(no_wrap=True, overflow="ellipsis").append_text(piece))
    return lines


def sample(count: int, room: int, keep: int | None = None) -> list[int]:
    """``room`` indices of ``count`` evenly spread, both ends kept (all of them when they fit); ``keep`` (the
    plan's nearest row or column) is among them, in place of the sampled index nearest it."""
    if count <= room:
        return list(range(count))
    room = max(room, 2)
    chosen = sorted({round(i * (count - 1) / (room - 1)) for i in range(room)})
    if keep is not None and keep not in chosen:
        inner = [i for i in chosen if i not in (0, count - 1)] or chosen
        chosen = sorted({*chosen, keep} - {min(inner, key=lambda i: abs(i - keep))})
    return chosen


class MapHeatmap:
    """A rich renderable of a :class:`~saas_sim.analysis.maps.MapResult`: the map a workshop projects."""

    def __init__(self, result: MapResult, *, max_rows: int = MAX_ROWS):
        self.result = result
        self.max_rows = max_rows
        self.grades = result.grades()
        self.color = True
        self.diverged = {(row, col) for row, col, _ in result.diverged}
        self.edges = self._band_edges()

    # --- what each cell shows ---------------------------------------------------------------------------

    def _band_edges(self) -> list[float] | None:
        """The edges of the bands of a metric without boundaries: the quartiles of its finite values (a
        metric such as ARR spans orders of magnitude: bands of equal width would leave all but one empty)."""
        finite = sorted(v for row in self.result.values for v in row if v is not None and math.isfinite(v))
        if not finite:
            return None
        count = len(BAND_STYLES)
        return [finite[round(k * (len(finite) - 1) / count)] for k in range(count + 1)]

    def band(self, value: float | None) -> int | None:
        """The band (0 worse .. 3 better, or low .. high when neither is better) of a metric without boundaries."""
        edges = self.edges
        if value is None or math.isnan(value) or edges is None:
            return None
        index = min(bisect.bisect_right(edges[1:-1], value), len(BAND_STYLES) - 1)
        return len(BAND_STYLES) - 1 - index if self.result.better == "lower" else index

    def cell_class(self, row: int, col: int) -> tuple[str, str]:
        """``(style, mono glyph)`` of a cell: its grade's, or its band's."""
        value = self.result.values[row][col]
        if self.grades is not None:
            status = self.grades[row][col] or "n/a"
            if (row, col) in self.diverged:
                status = "n/a"
            return GRADE_STYLES[status], GRADE_MONO[status]
        band = self.band(value)
        if band is None:
            return GRADE_STYLES["n/a"], " "
        return BAND_STYLES[band], BAND_MONO[band]

    def _text(self, row: int, col: int, unit: bool, width: int | None) -> str:
        """A cell's figure; ``width`` None: plain, else no wider than that, told apart from the thresholds."""
        if (row, col) in self.diverged:
            return DIVERGED_MARK
        r = self.result
        value = r.values[row][col]
        if width is None:
            return cell_text(r.metric, value, r.currency, unit=unit)
        return cell_text(r.metric, value, r.currency, unit=unit, boundaries=r.boundaries, width=width)

    # --- layout -------------------------------------------------------------------------------------------

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        r = self.result
        width = options.max_width
        self.color = console.color_system is not None and not console.no_color
        x_order = sorted(range(len(r.x.values)), key=lambda c: r.x.values[c])  # left to right: low to high
        y_order = sorted(range(len(r.y.values)), key=lambda i: -r.y.values[i])  # top to bottom: high to low
        y_texts = axis_labels(r.y.field, r.y.values, r.currency)
        y_labels = {i: y_texts[i] for i in y_order}
        label_width = max(len(label) for label in y_labels.values())
        room = max(width - label_width - 1, 1)

        # the cells: numbers with their unit, without it, or colour only (then sampled if need be)
        texts: dict[tuple[int, int], str] | None = None
        unit_dropped = False
        for unit in (True, False) if 2 * len(x_order) <= room else ():  # a figure and a space, at least
            # as wide as the plain figures; one next to a threshold says which side of it it lies on
            widest = max(len(self._text(i, c, unit, None)) for i in y_order for c in x_order)
            candidate = {(i, c): self._text(i, c, unit, widest) for i in y_order for c in x_order}
            cell_width = max(len(t) for t in candidate.values()) + 1
            if cell_width * len(x_order) <= room:
                texts, unit_dropped = candidate, not unit
                break
        if texts is None:
            cell_width = max(1, min(3, room // len(x_order)))
        keep_col, keep_row = self._base_index(x_order, y_order)
        shown_cols = [x_order[j] for j in sample(len(x_order), room // cell_width, keep_col)]

        title = self._title(width)
        cols_note = f"{len(shown_cols)} of {len(x_order)} columns" if len(shown_cols) < len(x_order) else ""

        def legend_for(rows: int) -> list[Text]:
            shown = [cols_note] if cols_note else []
            if rows < len(y_order):
                shown.append(f"{rows} of {len(y_order)} rows")
            note = f"showing {', '.join(shown)} (--json has every cell)" if shown else ""
            return self._legend(width, texts is None, unit_dropped, note)

        # rows: as many as fit in the projector's rows beside the title, the axes' names and labels and the legend
        around = len(title) + 3
        row_room = max(self.max_rows - around - len(legend_for(len(y_order))), 2)
        if row_room < len(y_order):
            row_room = max(self.max_rows - around - len(legend_for(row_room)), 2)
        shown_rows = [y_order[j] for j in sample(len(y_order), row_room, keep_row)]
        legend = legend_for(len(shown_rows))
        base = self._base_cell(shown_rows, shown_cols)

        yield from title
        yield self._line(Text(" " * (label_width + 1) + "↑ " + short_field(r.y.field, max(width - label_width - 3, 8))))
        for i in shown_rows:
            line = Text(y_labels[i].rjust(label_width) + " ", style="", no_wrap=True, overflow="crop")
            for c in shown_cols:
                style, glyph = self.cell_class(i, c)
                body = texts[i, c] if texts is not None else ""
                # the blank before the figure: the grade's shade without colour, the base mark next to the figure
                padding = (glyph if not self.color else " ") * (cell_width - len(body))
                if base == (i, c):
                    padding = padding[:-1] + BASE_MARK
                line.append(padding + body, style=style if self.color else None)
            yield line
        yield self._x_labels(label_width, cell_width, shown_cols)
        name = short_field(r.x.field, max(width - label_width - 3, 8)) + " →"
        grid_width = cell_width * len(shown_cols)
        yield self._line(Text(" " * (label_width + 1) + name.center(grid_width).rstrip()))
        yield from legend

    @staticmethod
    def _line(text: Text) -> Text:
        text.no_wrap = True
        text.overflow = "crop"
        return text

    def _title(self, width: int) -> list[Text]:
        r = self.result
        head = Text(map_title(r.metric, r.statistic), style="bold")
        details = Text(
            f"{r.scenario_name} · {r.paths:,} path{'s' if r.paths != 1 else ''} · seed {r.seed} · {r.horizon_months} months",
            style="dim",
        )
        if head.cell_len <= width:
            return pack([head, details], width, "   ")
        # a title wider than the terminal (a program's effect): over lines, broken between words, never cut
        words = [Text(word, style="bold") for word in head.plain.split(" ")]
        return [*pack(words, width, " "), *pack([details], width, "   ")]

    def _swatch(self, style: str, glyph: str) -> Text:
        """A grade's or band's sample: two cells of its colour, or of its shade without colour.  Only the swatch
        takes the style: the words appended after it stay plain."""
        return Text().append("  ", style=style) if self.color else Text(glyph * 2)

    def _legend(self, width: int, colour_only: bool, unit_dropped: bool, sampled: str) -> list[Text]:
        """The legend's lines: the scale (grades and their thresholds, or the bands), the plan, the notes; each
        piece whole on a line, the lines no wider than ``width``."""
        r = self.result
        scale: list[Text] = []
        if self.grades is not None and len(r.boundaries) == 2:
            ranges = grade_ranges(r.metric, r.boundaries, r.better, r.currency)
            for status in ("ok", "warn", "bad"):
                piece = self._swatch(GRADE_STYLES[status], GRADE_MONO[status])
                scale.append(piece.append(f" {status} {ranges[status]}"))
        else:
            edges = self.edges
            if edges is not None:
                for k in range(len(BAND_STYLES)):
                    band = len(BAND_STYLES) - 1 - k if r.better == "lower" else k
                    low, high = (cell_text(r.metric, edge, r.currency) for edge in edges[k : k + 2])
                    scale.append(self._swatch(BAND_STYLES[band], BAND_MONO[band]).append(f" {low}–{high}"))
                words = "a quarter of the cells each" + (f"; darker: better ({r.better})" if r.better else "")
                scale.append(Text(words, style="dim"))
        if unit_dropped and cells_unit(r.metric, r.currency):
            scale.append(Text(f"cells in {cells_unit(r.metric, r.currency)}", style="dim"))
        notes: list[Text] = []
        values = [v for row in r.values for v in row]
        if any(v == math.inf for v in values):
            notes.append(Text(f"{NEVER_MARK} {NEVER_WORDS.get(r.metric, 'never')}", style="dim"))
        if r.diverged:
            count = len(r.diverged)
            notes.append(Text(f"{DIVERGED_MARK} diverged: {count} cell{'s' if count != 1 else ''} failed", style="dim"))
        diverged = self.diverged
        if any(
            v is None for row, cells in enumerate(r.values) for col, v in enumerate(cells) if (row, col) not in diverged
        ):
            notes.append(Text(f"{MISSING} undefined on every path", style="dim"))
        if colour_only:
            notes.append(Text(f"too narrow for figures: {'colour' if self.color else 'shade'} only", style="dim"))
        if sampled:
            notes.append(Text(sampled, style="dim"))
        return [*pack(scale, width, " · "), *pack(self._plan_pieces(), width, " "), *pack(notes, width, " · ")]

    def _plan_pieces(self) -> list[Text]:
        r = self.result
        where = [
            f"{short_field(axis.field, 40)} {format_field_value(axis.field, axis.base, r.currency)}"
            for axis in (r.x, r.y)
        ]
        inside = axis_position(r.x, r.x.base) is not None and axis_position(r.y, r.y.base) is not None
        if not inside:
            return [
                Text("your plan", style="bold"),
                Text(f"({where[0]},", style="bold"),
                Text(f"{where[1]})", style="bold"),
                Text("lies outside the map: no cell marked", style="bold"),
            ]
        pieces = [Text(f"{BASE_MARK} your plan:", style="bold"), Text(f"{where[0]},", style="bold")]
        pieces.append(Text(where[1], style="bold"))
        if not (on_grid(r.x, r.x.base) and on_grid(r.y, r.y.base)):
            pieces.append(Text("(the nearest cell)", style="dim"))
        return pieces

    def _base_index(self, x_order: list[int], y_order: list[int]) -> tuple[int | None, int | None]:
        """Where the plan's nearest column and row stand in ``x_order`` and ``y_order`` (None outside)."""
        r = self.result
        x, y = axis_position(r.x, r.x.base), axis_position(r.y, r.y.base)
        col = None if x is None else x_order.index(min(x_order, key=lambda c: abs(c - x)))
        row = None if y is None else y_order.index(min(y_order, key=lambda i: abs(i - y)))
        return col, row

    def _base_cell(self, rows: list[int], cols: list[int]) -> tuple[int, int] | None:
        """The shown cell nearest the scenario's own point, or None when it lies outside the grid."""
        r = self.result
        x, y = axis_position(r.x, r.x.base), axis_position(r.y, r.y.base)
        if x is None or y is None:
            return None
        return min(rows, key=lambda i: abs(i - y)), min(cols, key=lambda c: abs(c - x))

    def _x_labels(self, label_width: int, cell_width: int, cols: list[int]) -> Text:
        """The x values under their columns, as many as fit with a space between, the first and last kept."""
        r = self.result
        texts = axis_labels(r.x.field, r.x.values, r.currency)
        labels = [texts[c] for c in cols]
        line = [" "] * (label_width + 1 + cell_width * len(cols) + max(len(t) for t in labels))

        def start(j: int) -> int:
            # right-aligned under the column, as its figures are; centred when cells are colour only
            right = label_width + 1 + (j + 1) * cell_width
            return right - len(labels[j]) if cell_width > 2 else right - cell_width // 2 - (len(labels[j]) + 1) // 2

        for stride in range(1, len(cols) + 1):
            chosen = list(range(0, len(cols), stride))
            if chosen[-1] != len(cols) - 1:
                if start(len(cols) - 1) - (start(chosen[-1]) + len(labels[chosen[-1]])) < 1:
                    chosen.pop()
                chosen.append(len(cols) - 1)
            spans = [(max(start(j), 0), max(start(j), 0) + len(labels[j])) for j in chosen]
            if all(b[0] - a[1] >= 1 for a, b in itertools.pairwise(spans)):
                break
        if chosen[0] != 0 and spans[0][0] - 1 - len(labels[0]) >= 0:  # the first kept: left, into the margin
            chosen.insert(0, 0)
            spans.insert(0, (spans[0][0] - 1 - len(labels[0]), spans[0][0] - 1))
        for j, (left, _) in zip(chosen, spans, strict=True):
            line[left : left + len(labels[j])] = labels[j]
        return self._line(Text("".join(line).rstrip(), style="dim"))


# ---------------------------------------------------------------------------------------------------------------
# The page and the picture: matplotlib and jinja2 are imported in the functions that draw them (``saas-sim run``
# and ``--help`` never load them).

# ok, warn and bad as the report colours them, lighter under the figures; the value's shade within each grade
GRADE_FILLS = {"ok": "#1e7b34", "warn": "#d9a300", "bad": "#b3261e"}
RASTER_CELLS = 2_500  # from a 50 x 50 map, the SVG draws the cells as one embedded picture
ANNOTATE_CELLS = 225  # figures written in the chart's cells up to a 15 x 15 map
PLAN_STYLE = {"marker": "D", "markersize": 9, "markerfacecolor": "white", "markeredgecolor": "#111111"}


def _edges(axis: Axis) -> list[float]:
    """The cells' edges along an axis, half-way between its values (on the log scale of a log axis), its ends
    half a step beyond the first and last value."""
    values = sorted(axis.values)
    scale, back = (math.log, math.exp) if axis.log and values[0] > 0 else ((lambda v: v), (lambda v: v))
    points = [scale(v) for v in values]
    if len(points) == 1:
        return [back(points[0] - 0.5), back(points[0] + 0.5)]
    middles = [(a + b) / 2 for a, b in itertools.pairwise(points)]
    first = points[0] - (middles[0] - points[0])
    last = points[-1] + (points[-1] - middles[-1])
    return [back(v) for v in [first, *middles, last]]


def _plan_inside(result: MapResult) -> bool:
    return axis_position(result.x, result.x.base) is not None and axis_position(result.y, result.y.base) is not None


def map_chart(result: MapResult) -> Any:
    """The map as a :class:`~saas_sim.render.charts.Chart`: the cells coloured by value (the grades' colours
    where the metric has boundaries, their thresholds drawn as contour lines), the plan's point exactly where it
    lies, the axes in the fields' units, a colour bar."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import Colormap, FuncNorm, LinearSegmentedColormap
    from matplotlib.ticker import FuncFormatter

    from saas_sim.render.charts import GRID, INK, Chart, _figure, _title

    r = result
    x_order = sorted(range(len(r.x.values)), key=lambda c: r.x.values[c])
    y_order = sorted(range(len(r.y.values)), key=lambda i: r.y.values[i])
    xs = np.array([r.x.values[c] for c in x_order])
    ys = np.array([r.y.values[i] for i in y_order])
    raw = np.array(
        [[np.nan if r.values[i][c] is None else r.values[i][c] for c in x_order] for i in y_order], dtype=float
    )
    figure, (ax,) = _figure()
    ax.grid(False)
    finite = raw[np.isfinite(raw)]
    boundaries = r.boundaries if r.grades() is not None and len(r.boundaries) == 2 else ()
    lower_better = r.better == "lower"
    high = float(finite.max()) if finite.size else 1.0
    low = float(finite.min()) if finite.size else 0.0
    # never (+inf) is the far end of the scale: a payback that never comes is the worst, a cash that never runs
    # out the best; colour it as the scale's end, its cells marked "never"
    shown = np.where(np.isposinf(raw), max(high, *boundaries) if boundaries else high, raw)
    shown = np.where(np.isneginf(raw), min(low, *boundaries) if boundaries else low, shown)
    if boundaries:
        b1, b2 = boundaries
        lo, hi = min(low, b1), max(high, b2)
        if r.metric in MEAN_METRICS:  # a probability: the whole of 0-100 %, the same colours on every map
            lo, hi = min(lo, 0.0), max(hi, 1.0)
        # Each grade the map reaches an equal share of the colour bar, the value's place within it: the colour
        # changes at the thresholds.  A grade is deeper away from warn: the best end deep green, the worst deep red.
        outer = ("ok", "bad") if lower_better else ("bad", "ok")
        segments = [
            (start, end, status)
            for start, end, status in ((lo, b1, outer[0]), (b1, b2, "warn"), (b2, hi, outer[1]))
            if end > start
        ]
        knots = [segments[0][0], *(end for _, end, _ in segments)]
        positions = [k / len(segments) for k in range(len(segments) + 1)]
        deep, pale, middle = 0.62, 0.28, 0.45
        colours = []
        for k, (start, _, status) in enumerate(segments):
            fill = GRADE_FILLS[status]
            first, last = (middle, middle) if status == "warn" else (deep, pale) if start < b1 else (pale, deep)
            colours.append((positions[k], _tint(fill, first)))
            colours.append((positions[k + 1] - (1e-6 if k < len(segments) - 1 else 0), _tint(fill, last)))
        cmap: Colormap = LinearSegmentedColormap.from_list("grades", colours)

    else:
        # no thresholds: the colour by the cells' quarters, as the terminal's bands (ARR spans orders of
        # magnitude: on a linear scale all but the largest cells would be one shade); darker is better
        cmap = colormaps["Blues_r" if lower_better else "Blues"]
        quarters = sorted(set(np.quantile(finite, [0, 0.25, 0.5, 0.75, 1]).tolist())) if finite.size else [0.0]
        knots = quarters if len(quarters) > 1 else [quarters[0], quarters[0] + 1]
        positions = np.linspace(0, 1, len(knots)).tolist()

    def to_unit(v: np.ndarray) -> np.ndarray:
        return np.interp(v, knots, positions)

    def from_unit(u: np.ndarray) -> np.ndarray:
        return np.interp(u, positions, knots)

    norm = FuncNorm((to_unit, from_unit), vmin=knots[0], vmax=knots[-1])
    mesh = ax.pcolormesh(_edges(r.x), _edges(r.y), np.ma.masked_invalid(shown), cmap=cmap, norm=norm, shading="flat")
    # A large grid is a picture inside the SVG (a 200 x 200 map is 40,000 shapes, 10 MB of text, otherwise);
    # its axes, labels, lines and the plan stay text and vectors.
    mesh.set_rasterized(raw.size > RASTER_CELLS)
    ax.set_facecolor("#eeeeee")  # an undefined or diverged cell: grey
    if r.x.log:
        ax.set_xscale("log")
    if r.y.log:
        ax.set_yscale("log")
    if boundaries and finite.size and len(xs) > 1 and len(ys) > 1:
        levels = sorted(b for b in boundaries if np.nanmin(shown) < b < np.nanmax(shown))
        if levels:
            lines = ax.contour(xs, ys, np.ma.masked_invalid(shown), levels=levels, colors=INK, linewidths=1.6)
            fmt = lambda v: threshold_text(r.metric, v, r.currency)  # noqa: E731
            for label in ax.clabel(lines, fmt=fmt, fontsize=9, inline=True):
                label.set_bbox({"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
                label.set_zorder(4)
    count = raw.size
    if count <= ANNOTATE_CELLS:
        diverged = {(row, col) for row, col, _ in r.diverged}
        for a, c in enumerate(x_order):
            for b, i in enumerate(y_order):
                value = r.values[i][c]
                text = (
                    DIVERGED_MARK
                    if (i, c) in diverged
                    else cell_text(r.metric, value, r.currency, boundaries=r.boundaries)
                )
                if value == math.inf:
                    text = "never"
                size = 7 if count > 100 else 9
                ink = INK
                if np.isfinite(shown[b, a]):  # white on a dark cell
                    red, green, blue, _ = cmap(float(norm(shown[b, a])))
                    ink = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else INK
                ax.text(xs[a], ys[b], text, ha="center", va="center", fontsize=size, color=ink, zorder=3)
    plan = (
        f"{short_field(r.x.field, 40)} {format_field_value(r.x.field, r.x.base, r.currency)}, "
        f"{short_field(r.y.field, 40)} {format_field_value(r.y.field, r.y.base, r.currency)}"
    )
    if _plan_inside(r):  # the point itself, named above the map where it hides no cell's figure
        ax.plot([r.x.base], [r.y.base], linestyle="none", zorder=5, label=f"your plan: {plan}", **PLAN_STYLE)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2, fontsize=10, handletextpad=0.3)
    else:
        ax.text(
            1.0, 1.01, f"your plan ({plan}) lies outside the map", transform=ax.transAxes, ha="right", va="bottom",
            fontsize=10, color=INK,
        )  # fmt: skip
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_field_value(r.x.field, v, r.currency)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_field_value(r.y.field, v, r.currency)))
    if r.x.log:
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    if r.y.log:
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel(short_field(r.x.field, 60))
    ax.set_ylabel(short_field(r.y.field, 60))
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(True)
        ax.spines[spine].set_color(GRID)
    colorbar = figure.colorbar(mesh, ax=ax, fraction=0.04, pad=0.02)
    label = lambda v, _: cell_text(r.metric, v, r.currency)  # noqa: E731
    colorbar.ax.yaxis.set_major_formatter(FuncFormatter(label))
    if not boundaries:
        colorbar.set_ticks(knots)
    if boundaries:
        ticks = sorted({lo, *boundaries, hi})
        colorbar.set_ticks(ticks)
        colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: threshold_text(r.metric, v, r.currency)))
        for threshold in boundaries:
            colorbar.ax.axhline(threshold, color=INK, linewidth=1.6)
        for start, end, status in segments:  # each grade's name on its share of the bar
            colorbar.ax.text(
                0.5, (start + end) / 2, status, rotation=90, ha="center", va="center", fontsize=9, color=INK,
                transform=colorbar.ax.get_yaxis_transform(),
            )  # fmt: skip
    colorbar.set_label(
        statistic_words(r.metric, r.statistic) + ("" if boundaries else "; a quarter of the cells each"), fontsize=10
    )
    _title(figure, f"{map_title(r.metric, r.statistic)} — {r.scenario_name}")
    caption = (
        f"Every cell is the scenario with its two inputs set to the cell's values, {r.paths:,} paths with seed "
        f"{r.seed} in every cell (the same futures: the boundaries are the inputs', not chance)."
    )
    if boundaries:
        ranges = grade_ranges(r.metric, boundaries, r.better, r.currency)
        caption += (
            f" The lines are the diagnosis's thresholds: ok {ranges['ok']}, warn {ranges['warn']}, bad {ranges['bad']}."
        )
    caption += " The diamond is your plan." if _plan_inside(r) else " Your plan lies outside the map's ranges."
    return Chart("map", "Map", figure, caption)


def _tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white, ``amount`` of it left (1: the colour, 0: white)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = lambda c: round(255 - (255 - c) * amount)  # noqa: E731
    return f"#{mix(red):02x}{mix(green):02x}{mix(blue):02x}"


def map_command_line(result: MapResult, source: str | None = None) -> str:
    """The ``saas-sim map`` command that makes this map again."""
    import shlex

    from saas_sim.render.names import file_stem

    steps = max(len(result.x.values), len(result.y.values))
    words = ["saas-sim", "map", source or f"{file_stem(result.scenario_name)}.yaml"]
    for option, axis in (("--x", result.x), ("--y", result.y)):
        words += [option, f"{axis.field}={axis.values[0]:.12g}..{axis.values[-1]:.12g}"]
    words += ["--steps", str(steps)]
    if result.x.log:
        words.append("--log")
    words += ["--metric", result.metric, "--paths", str(result.paths), "--seed", str(result.seed)]
    return " ".join(shlex.quote(word) for word in words)


def map_html(result: MapResult, *, source: str | None = None) -> str:
    """The map as one self-contained page (SPEC 7's rules): the chart as inline SVG, the table of every cell
    (each figure whole in ``data-value``), and what reproduces it; the map's JSON inside, never run."""
    from markupsafe import Markup

    from saas_sim import __version__
    from saas_sim.engine.simulate import ENGINE_VERSION
    from saas_sim.render.charts import svg_text
    from saas_sim.render.report import environment, safe_json

    r = result
    chart = map_chart(r)
    grades = r.grades()
    diverged = {(d[0], d[1]) for d in r.diverged}
    x_order = sorted(range(len(r.x.values)), key=lambda c: r.x.values[c])
    y_order = sorted(range(len(r.y.values)), key=lambda i: -r.y.values[i])
    x_texts, y_texts = axis_labels(r.x.field, r.x.values, r.currency), axis_labels(r.y.field, r.y.values, r.currency)
    inside = _plan_inside(r)
    heatmap = MapHeatmap(r)
    base = heatmap._base_cell(y_order, x_order) if inside else None
    rows = []
    for i in y_order:
        cells = []
        for c in x_order:
            value = r.values[i][c]
            status = "diverged" if (i, c) in diverged else (grades[i][c] if grades is not None else None)
            text = (
                DIVERGED_MARK if (i, c) in diverged else cell_text(r.metric, value, r.currency, boundaries=r.boundaries)
            )
            if value == math.inf:
                text = "never"
            cells.append(
                {
                    "text": text,
                    "value": value if value is not None and math.isfinite(value) else None,
                    "status": "na" if status == "n/a" else status,
                    "base": base == (i, c),
                    "x": r.x.values[c],
                }
            )
        rows.append({"label": y_texts[i], "y": r.y.values[i], "cells": cells})
    columns = [{"label": x_texts[c], "x": r.x.values[c]} for c in x_order]
    plan = (
        f"{short_field(r.x.field, 60)} {format_field_value(r.x.field, r.x.base, r.currency)}, "
        f"{short_field(r.y.field, 60)} {format_field_value(r.y.field, r.y.base, r.currency)}"
    )
    exact = on_grid(r.x, r.x.base) and on_grid(r.y, r.y.base)
    context = {
        "title": map_title(r.metric, r.statistic),
        "result": r,
        "statistic_words": statistic_words(r.metric, r.statistic),
        "x_name": short_field(r.x.field, 60),
        "y_name": short_field(r.y.field, 60),
        "chart": {"name": chart.name, "title": chart.title, "caption": chart.caption, "svg": Markup(svg_text(chart))},
        "rows": rows,
        "columns": columns,
        "ranges": grade_ranges(r.metric, r.boundaries, r.better, r.currency) if grades is not None else None,
        "plan": plan,
        "plan_inside": inside,
        "plan_exact": exact,
        "never": any(v == math.inf for row in r.values for v in row),
        "never_words": NEVER_WORDS.get(r.metric, "never"),
        "command": map_command_line(r, source),
        "paths": f"{r.paths:,}",
        "engine": ENGINE_VERSION,
        "version": __version__,
        "data": safe_json(r.to_json()),
    }
    return environment().get_template("map.html.j2").render(context)


def map_png(result: MapResult) -> bytes:
    """The map's chart as a PNG for a 16:9 slide (1920×1080)."""
    from saas_sim.render.charts import png_bytes

    return png_bytes(map_chart(result))


__all__ = [
    "MapHeatmap",
    "cell_text",
    "grade_ranges",
    "map_chart",
    "map_command_line",
    "map_html",
    "map_png",
    "statistic_words",
]
