"""A fan chart drawn with block characters: the spread of a series over paths, month by month.

The p5–p95 band is light, the p10–p90 band darker, the p50 a line on top.
Each character cell holds two "pixels" stacked vertically: ``▀`` drawn with
the upper pixel's colour as foreground and the lower pixel's as background,
which doubles the vertical resolution.  Without colour, the bands become
``░`` and ``▒`` and the median ``█ ▀ ▄``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text

from saas_sim.render.format import format_compact

EMPTY, OUTER, INNER, ZERO, MEDIAN = range(5)  # higher wins where they overlap


@dataclass(frozen=True)
class FanColors:
    outer: str = "#a8c8e8"
    inner: str = "#4a86c5"
    median: str = "#ff9f1c"
    zero: str = "#e0483e"
    axis: str = "grey58"

    def of(self, kind: int) -> str | None:
        return {OUTER: self.outer, INNER: self.inner, ZERO: self.zero, MEDIAN: self.median}.get(kind)


DRAWN = ("p5", "p10", "p50", "p90", "p95")
MONO_CHARS = {OUTER: "░", INNER: "▒", ZERO: "─", EMPTY: " "}
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 36, 60, 120)


def nice_step(span: float, intervals: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) cutting ``span`` into about ``intervals`` parts."""
    raw = span / max(intervals, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * power >= raw * (1 - 1e-9):
            return factor * power
    return 10.0 * power


def _interpolate(values: Sequence[float | None], position: float) -> float | None:
    """The series at a fractional 0-based month index, linear between months."""
    left = int(math.floor(position))
    right = min(left + 1, len(values) - 1)
    share = position - left
    a, b = values[left], values[right]
    if a is None or b is None:
        return a if share < 0.5 else b
    return a + (b - a) * share


class FanChart:
    """A rich renderable: ``FanChart(months, {"p5": [...], "p10": ..., "p50": ..., "p90": ..., "p95": ...})``.

    Takes the width the console offers (or ``width``, if smaller) and
    ``height`` rows for the plot, plus a title line and two axis lines.
    Missing bands or ``None`` values are simply not drawn.
    """

    def __init__(
        self,
        months: Sequence[int],
        bands: Mapping[str, Sequence[float | None]],
        *,
        title: str = "",
        value_format: Callable[[float | None], str] = format_compact,
        zero_line: bool = True,
        width: int | None = None,
        height: int = 12,
        colors: FanColors = FanColors(),
    ):
        self.months = list(months)
        self.bands = {stat: list(bands[stat]) for stat in DRAWN if stat in bands}
        self.title = title
        self.value_format = value_format
        self.zero_line = zero_line
        self.width = width
        self.height = max(height, 3)
        self.colors = colors

    # -- geometry -------------------------------------------------------------------------

    def _value_range(self) -> tuple[float, float, float]:
        """Bottom, top and tick step of the y axis, on round numbers."""
        values = [v for series in self.bands.values() for v in series if v is not None and math.isfinite(v)]
        if self.zero_line:
            values.append(0.0)
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        if high - low < 1e-9 * max(abs(high), 1.0):
            pad = abs(high) * 0.1 or 1.0
            low, high = low - pad, high + pad
        axes = []
        for intervals in range(2, 9):
            step = nice_step(high - low, intervals)
            bottom = math.floor(low / step + 1e-9) * step
            top = math.ceil(high / step - 1e-9) * step
            axes.append((top - bottom, bottom, top, step))
        tightest = min(axes)[0]

        def preference(axis: tuple[float, float, float, float]) -> tuple[bool, float]:
            span, _, _, step = axis
            return self.height % round(span / step) != 0, span  # evenly spaced labels first, then tight

        _, bottom, top, step = min((axis for axis in axes if axis[0] <= 1.25 * tightest), key=preference)
        return bottom, top, step

    def _columns(self, plot_width: int) -> list[float]:
        """The 0-based month position of each plot column."""
        last = len(self.months) - 1
        if plot_width == 1 or last == 0:
            return [0.0] * plot_width
        return [c * last / (plot_width - 1) for c in range(plot_width)]

    def _column_of_month(self, index: int, plot_width: int) -> int:
        last = len(self.months) - 1
        return 0 if last == 0 else round(index * (plot_width - 1) / last)

    # -- drawing --------------------------------------------------------------------------

    def _pixels(self, plot_width: int, bottom: float, top: float) -> list[list[int]]:
        """``pixels[column][pixel_row]``, pixel row 0 at the bottom, two per character row."""
        rows = 2 * self.height
        size = (top - bottom) / rows

        def pixel_of(value: float) -> int:
            return min(max(int(math.floor((value - bottom) / size)), 0), rows - 1)

        def centre(row: int) -> float:
            return bottom + (row + 0.5) * size

        zero_row = pixel_of(0.0) if self.zero_line and bottom <= 0.0 <= top else None
        pixels = []
        previous_median = None
        for position in self._columns(plot_width):
            column = [EMPTY] * rows
            if zero_row is not None:
                column[zero_row] = ZERO
            for kind, low_stat, high_stat in ((OUTER, "p5", "p95"), (INNER, "p10", "p90")):
                if low_stat not in self.bands or high_stat not in self.bands:
                    continue
                low = _interpolate(self.bands[low_stat], position)
                high = _interpolate(self.bands[high_stat], position)
                if low is None or high is None:
                    continue
                for row in range(rows):
                    if low <= centre(row) <= high:
                        column[row] = max(column[row], kind)
            median = _interpolate(self.bands["p50"], position) if "p50" in self.bands else None
            if median is not None:
                row = pixel_of(median)
                # Join the line to the previous column's so that steep moves stay connected.
                low, high = row, row
                if previous_median is not None and row > previous_median:
                    low = previous_median + 1
                elif previous_median is not None and row < previous_median:
                    high = previous_median - 1
                for r in range(low, high + 1):
                    column[r] = MEDIAN
                previous_median = row
            else:
                previous_median = None
            pixels.append(column)
        return pixels

    def _cell(self, upper: int, lower: int, color: bool) -> tuple[str, Style | None]:
        if not color:
            if MEDIAN in (upper, lower):
                return ("█" if upper == lower else "▀" if upper == MEDIAN else "▄"), None
            return MONO_CHARS[max(upper, lower)], None
        up, down = self.colors.of(upper), self.colors.of(lower)
        if up is None and down is None:
            return " ", None
        if up == down:
            return "█", Style(color=up)
        if up is None:
            return "▄", Style(color=down)
        return "▀", Style(color=up, bgcolor=down)

    def _legend(self, color: bool) -> Text:
        legend = Text()
        swatch = {True: ("█", "█", "━", "━"), False: ("░", "▒", "█", "─")}[color]
        entries = [
            (swatch[0], self.colors.outer, "p5–p95"),
            (swatch[1], self.colors.inner, "p10–p90"),
            (swatch[2], self.colors.median, "p50"),
        ]
        if self.zero_line:
            entries.append((swatch[3], self.colors.zero, "zero"))
        for mark, style, label in entries:
            legend.append("  ")
            legend.append(mark, style=style if color else None)
            legend.append(f" {label}", style="dim")
        return legend

    def _x_axis(self, gutter: int, plot_width: int, axis_style: str) -> Iterable[Text]:
        count = len(self.months)
        label_width = len(str(self.months[-1])) + 1
        step = next((s for s in MONTH_STEPS if plot_width * s / max(count, 1) >= label_width + 3), MONTH_STEPS[-1])
        # Month 1, then every step-th month not crowding it.
        ticks = [0] + [i for i in range(step - 1, count, step) if i >= 0.75 * step]
        axis = ["─"] * plot_width
        labels = [" "] * plot_width
        free_from = 0
        for index in ticks:
            column = self._column_of_month(index, plot_width)
            text = str(self.months[index])
            start = min(max(column - len(text) // 2, 0), plot_width - len(text))
            if start < free_from:
                continue
            axis[column] = "┬"
            labels[start : start + len(text)] = list(text)
            free_from = start + len(text) + 1
        caption = "month".rjust(gutter) if gutter >= 5 else " " * gutter
        yield Text(" " * gutter + " └" + "".join(axis), style=axis_style, no_wrap=True)
        yield Text(caption + "  " + "".join(labels), style=axis_style, no_wrap=True)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = min(self.width or options.max_width, options.max_width)
        color = console.color_system is not None and not console.no_color
        yield from self._header(color, width)

        bottom, top, step = self._value_range()
        ticks = [bottom + i * step for i in range(int(round((top - bottom) / step)) + 1)]
        labels: dict[int, str] = {}
        for value in ticks:
            row = self.height - 1 - min(int((value - bottom) / (top - bottom) * self.height), self.height - 1)
            labels.setdefault(row, self.value_format(0.0 if abs(value) < step * 1e-9 else value))
        gutter = max(len(label) for label in labels.values())
        plot_width = width - gutter - 2
        if plot_width < 8 or not self.months:
            yield Text("(too narrow for a chart)", style="dim", no_wrap=True, overflow="ellipsis")
            return

        pixels = self._pixels(plot_width, bottom, top)
        axis_style = self.colors.axis if color else ""
        for row in range(self.height):
            upper_pixel = 2 * (self.height - 1 - row) + 1
            line = Text(no_wrap=True)
            line.append(labels.get(row, "").rjust(gutter) + (" ┤" if row in labels else " │"), style=axis_style)
            for column in pixels:
                char, style = self._cell(column[upper_pixel], column[upper_pixel - 1], color)
                line.append(char, style=style)
            yield line
        yield from self._x_axis(gutter, plot_width, axis_style)

    def _header(self, color: bool, width: int) -> Iterable[Text]:
        """The title with the legend beside it."""
        title = Text(self.title, style="bold", no_wrap=True, overflow="ellipsis")
        title.append_text(self._legend(color))
        yield title

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(20, min(self.width or options.max_width, options.max_width))
