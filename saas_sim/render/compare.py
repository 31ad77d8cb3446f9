"""Two runs side by side: one fan chart holding both, and a table of their differences.

Both read typed results (:class:`~saas_sim.model.result.Result`, the SPEC 5 document) and
return rich renderables, shared by ``saas-sim compare`` and the TUI's compare screen.  Differences are always
``B − A``; relative ones are divided by ``|A|``.

The chart draws each run's p10–p90 band and p50 line on one shared y axis,
with the half-block cells of :mod:`saas_sim.render.fan_chart`: A in blue,
B in orange, where the bands overlap a colour of its own.  Without colour
the bands become ``░`` (A), ``▒`` (B) and ``▓`` (both), A's median the
half blocks ``█ ▀ ▄`` and B's ``•``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich import box
from rich.style import Style
from rich.table import Table
from rich.text import Text

from saas_sim.model.catalog.metrics import METRICS, statistic_name
from saas_sim.model.result import Result, SummaryStatistic
from saas_sim.render.fan_chart import FanChart, FanColors, _interpolate
from saas_sim.render.format import (
    MISSING,
    format_compact,
    format_count,
    format_money,
    format_months,
    format_multiple,
    format_points,
    format_rate,
    formatter_for,
    metric_kind,
)
from saas_sim.render.summary import (
    LABELS,
    NEVER,
    NO_STATISTIC,
    SECTIONS,
    TOO_FEW_PATHS_NOTE,
    currency_of,
    metric_label,
    paths_of,
    statistic_text,
)

# Pixel contents, as bits: a pixel may lie in both bands.
BAND_A, BAND_B, MEDIAN_A, MEDIAN_B, ZERO = 1, 2, 4, 8, 16

# The summary's sections, with the year-on-year growth beside the other growth figures.
COMPARE_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (title, (*metrics, "arr_growth_yoy_end") if title == "Growth" else metrics) for title, metrics in SECTIONS
)
OTHER_SECTION = "Other"


@dataclass(frozen=True)
class CompareColors:
    band_a: str = "#2f6db0"
    median_a: str = "#7cc4ff"
    band_b: str = "#a4582a"
    median_b: str = "#ffb000"
    overlap: str = "#7a5c8e"
    zero: str = "#e0483e"
    axis: str = "grey58"

    def of(self, pixel: int) -> str | None:
        if pixel & MEDIAN_B:
            return self.median_b
        if pixel & MEDIAN_A:
            return self.median_a
        if pixel & BAND_A and pixel & BAND_B:
            return self.overlap
        if pixel & BAND_A:
            return self.band_a
        if pixel & BAND_B:
            return self.band_b
        if pixel & ZERO:
            return self.zero
        return None


def _mono(pixel: int) -> str:
    """The character of a band pixel without colour (medians are drawn apart)."""
    if pixel & BAND_A and pixel & BAND_B:
        return "▓"
    if pixel & BAND_A:
        return "░"
    if pixel & BAND_B:
        return "▒"
    return "─" if pixel & ZERO else " "


class CompareFanChart(FanChart):
    """Two runs' p10–p90 bands and p50 lines of one series on one chart.

    ``bands_a`` and ``bands_b`` map ``p10``, ``p50`` and ``p90`` to values by
    month; ``months`` is the longer horizon (the shorter run stops early).
    A title line, a legend line (more when narrow), ``height`` plot rows and
    two axis lines.
    """

    def __init__(
        self,
        months: Sequence[int],
        bands_a: Mapping[str, Sequence[float | None]],
        bands_b: Mapping[str, Sequence[float | None]],
        *,
        labels: tuple[str, str] = ("A", "B"),
        title: str = "",
        value_format: Callable[[float | None], str] = format_compact,
        zero_line: bool = True,
        width: int | None = None,
        height: int = 12,
        colors: CompareColors = CompareColors(),
    ):
        super().__init__(
            months,
            {},
            title=title,
            value_format=value_format,
            zero_line=zero_line,
            width=width,
            height=height,
            colors=FanColors(zero=colors.zero, axis=colors.axis),
        )
        length = len(self.months)

        def padded(bands: Mapping[str, Sequence[float | None]]) -> dict[str, list[float | None]]:
            return {
                stat: (list(bands[stat]) + [None] * length)[:length] for stat in ("p10", "p50", "p90") if stat in bands
            }

        self.sides = (padded(bands_a), padded(bands_b))
        # FanChart's y axis spans every value in self.bands: both runs'.
        self.bands = {
            f"{side}_{stat}": values for side, bands in zip("ab", self.sides) for stat, values in bands.items()
        }
        self.labels = labels
        self.compare_colors = colors

    def _pixels(self, plot_width: int, bottom: float, top: float) -> list[list[int]]:
        rows = 2 * self.height
        size = (top - bottom) / rows

        def pixel_of(value: float) -> int:
            return min(max(int((value - bottom) // size), 0), rows - 1)

        def centre(row: int) -> float:
            return bottom + (row + 0.5) * size

        zero_row = pixel_of(0.0) if self.zero_line and bottom <= 0.0 <= top else None
        pixels = []
        previous: list[int | None] = [None, None]
        for position in self._columns(plot_width):
            column = [0] * rows
            if zero_row is not None:
                column[zero_row] |= ZERO
            for side, (bands, band_bit, median_bit) in enumerate(
                zip(self.sides, (BAND_A, BAND_B), (MEDIAN_A, MEDIAN_B))
            ):
                if "p10" in bands and "p90" in bands:
                    low = _interpolate(bands["p10"], position)
                    high = _interpolate(bands["p90"], position)
                    if low is not None and high is not None:
                        for row in range(rows):
                            if low <= centre(row) <= high:
                                column[row] |= band_bit
                median = _interpolate(bands["p50"], position) if "p50" in bands else None
                if median is None:
                    previous[side] = None
                    continue
                row = pixel_of(median)
                # Join the line to the previous column's so that steep moves stay connected.
                low_row, high_row = row, row
                last = previous[side]
                if last is not None and row > last:
                    low_row = last + 1
                elif last is not None and row < last:
                    high_row = last - 1
                for r in range(low_row, high_row + 1):
                    column[r] |= median_bit
                previous[side] = row
            pixels.append(column)
        return pixels

    def _cell(self, upper: int, lower: int, color: bool) -> tuple[str, Style | None]:
        if not color:
            if (upper | lower) & MEDIAN_B:
                return "•", None
            if (upper | lower) & MEDIAN_A:
                both = upper & MEDIAN_A and lower & MEDIAN_A
                return ("█" if both else "▀" if upper & MEDIAN_A else "▄"), None
            return _mono(upper | lower), None
        up, down = self.compare_colors.of(upper), self.compare_colors.of(lower)
        if up is None and down is None:
            return " ", None
        if up == down:
            return "█", Style(color=up)
        if up is None:
            return "▄", Style(color=down)
        return "▀", Style(color=up, bgcolor=down)

    def _legend_parts(self, color: bool) -> list[Text]:
        """A's entries, B's, and the overlap's: kept whole when the legend wraps."""
        colors = self.compare_colors
        marks = ("█", "━", "█", "━", "█") if color else ("░", "█", "▒", "•", "▓")
        styles = (colors.band_a, colors.median_a, colors.band_b, colors.median_b, colors.overlap)
        names = (f"{self.labels[0]} p10–p90", "p50", f"{self.labels[1]} p10–p90", "p50", "both")
        parts = []
        for group in ((0, 1), (2, 3), (4,)):
            part = Text(no_wrap=True, overflow="ellipsis")
            for index in group:
                part.append(" " if index != group[0] else "")
                part.append(marks[index], style=styles[index] if color else None)
                part.append(f" {names[index]}", style="dim")
            parts.append(part)
        return parts

    def _legend(self, color: bool) -> Text:
        return Text("   ").join(self._legend_parts(color))

    def _legend_lines(self, color: bool, width: int) -> list[Text]:
        lines: list[Text] = []
        for part in self._legend_parts(color):
            if lines and lines[-1].cell_len + 3 + part.cell_len <= width:
                lines[-1].append("   ")
                lines[-1].append_text(part)
            else:
                lines.append(part)
        return lines

    def _header(self, color: bool, width: int) -> Iterable[Text]:
        """The title, then the legend of both runs on lines of their own."""
        yield Text(self.title, style="bold", no_wrap=True, overflow="ellipsis")
        yield from self._legend_lines(color, width)


def _series_format(series: str, currency: str) -> Callable[[float | None], str]:
    if metric_kind(series) == "money":
        return lambda value: format_money(value, currency)
    return formatter_for(series, currency)


def compare_fan_chart(
    result_a: Result, result_b: Result, series: str = "arr", *, labels: tuple[str, str] = ("A", "B"), height: int = 12
) -> CompareFanChart:
    """Both runs' spread of ``series`` (a company series of SPEC 3.1) over their horizons, on one chart."""
    currency_a, currency_b = currency_of(result_a), currency_of(result_b)
    months = max(result_a.months, result_b.months, key=len)
    name = metric_label(series)
    unit = ""
    if metric_kind(series) == "money":
        unit = f" ({currency_a})" if currency_a == currency_b else f" ({currency_a} | {currency_b}: not comparable)"
    return CompareFanChart(
        months,
        result_a.series[series].to_json(),
        result_b.series[series].to_json(),
        labels=labels,
        title=f"{name}{unit}: {labels[0]} and {labels[1]}",
        value_format=_series_format(series, currency_a),
        zero_line=series == "cash",
        height=height,
    )


# --- the differences -------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricDifference:
    """One summary metric of both runs: the statistic compared (p50, or the mean for a probability)."""

    metric: str
    statistic: str
    a: float | None
    b: float | None
    a_band: tuple[float | None, float | None]  # p10, p90 (None, None for a probability); inf: never
    b_band: tuple[float | None, float | None]
    absolute: float | None  # b - a
    relative: float | None  # (b - a) / |a|; None when a is 0 or either is undefined
    a_never: bool = False  # the statistic lands on a path that never pays back (SPEC 3.2): it reads "never"
    b_never: bool = False
    a_paths: int | None = None  # the paths a conditional statistic rests on, when too few to be a forecast
    b_paths: int | None = None


def compare_sections(result_a: Result, result_b: Result) -> list[tuple[str, tuple[str, ...]]]:
    """The sections of the table; a summary metric no section names goes under "Other"."""
    named = {metric for _, metrics in COMPARE_SECTIONS for metric in metrics}
    present = list(result_a.summary) + [m for m in result_b.summary if m not in result_a.summary]
    sections = [(title, tuple(m for m in metrics if m in present)) for title, metrics in COMPARE_SECTIONS]
    others = tuple(metric for metric in present if metric not in named)
    if others:
        sections.append((OTHER_SECTION, others))
    return [(title, metrics) for title, metrics in sections if metrics]


def _difference(metric: str, statistic: str, result_a: Result, result_b: Result) -> MetricDifference:
    from saas_sim.engine.aggregate import rests_on_too_few

    stats_a, stats_b = result_a.summary.get(metric, NO_STATISTIC), result_b.summary.get(metric, NO_STATISTIC)
    a, b = stats_a.stat(statistic), stats_b.stat(statistic)
    a_never, b_never = (statistic_text(metric, stats, statistic, str) == NEVER for stats in (stats_a, stats_b))
    a_paths, b_paths = (
        stats.n if rests_on_too_few(stats, result.paths) else None
        for stats, result in ((stats_a, result_a), (stats_b, result_b))
    )
    absolute = b - a if a is not None and b is not None else None
    relative = absolute / abs(a) if absolute is not None and a is not None and a != 0 else None
    band_a: tuple[float | None, float | None]
    band_b: tuple[float | None, float | None]
    if statistic == "mean":
        band_a = band_b = (None, None)
    else:
        band_a, band_b = _ends(metric, stats_a), _ends(metric, stats_b)
    return MetricDifference(
        metric, statistic, a, b, band_a, band_b, absolute, relative, a_never, b_never, a_paths, b_paths
    )


def _ends(metric: str, stats: SummaryStatistic) -> tuple[float | None, float | None]:
    """p10 and p90; an end that lands on a path that never pays back is ``inf``, and reads "never"."""
    low, high = (
        math.inf if statistic_text(metric, stats, stat, str) == NEVER else stats.stat(stat) for stat in ("p10", "p90")
    )
    return low, high


def metric_differences(result_a: Result, result_b: Result) -> list[MetricDifference]:
    """Every summary metric of either run, in the table's order."""
    return [
        _difference(metric, statistic_name(metric), result_a, result_b)
        for _, metrics in compare_sections(result_a, result_b)
        for metric in metrics
    ]


def format_difference(metric: str, value: float | None, currency: str = "USD") -> str:
    """A signed difference in the metric's unit: ``+$1.20M``, ``-2.5 pp`` (rates), ``+3.0 mo`` (months)."""
    if value is None:
        return MISSING
    kind = metric_kind(metric)
    if kind == "rate":
        text = format_rate(value).removesuffix("%")
        text = ("" if text.startswith("-") else "+") + text + " pp"
        return "0.0 pp" if text in ("+0.0 pp", "-0.0 pp") else text
    magnitude = {
        "month": format_months,
        "months": format_months,
        "count": format_count,
        "multiple": format_multiple,
        "points": format_points,
    }.get(kind, formatter_for(metric, currency))
    text = magnitude(abs(value))
    if value == 0 or text == magnitude(0.0):
        return magnitude(0.0)
    return ("+" if value > 0 else "-") + text


def format_relative(value: float | None) -> str:
    """``0.123`` -> ``+12.3%``; ``—`` when undefined."""
    if value is None:
        return MISSING
    text = format_rate(value)
    text = ("" if text.startswith("-") else "+") + text
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def _difference_style(metric: str, value: float | None) -> str:
    if value is None or value == 0:
        return "dim"
    found = METRICS.get(metric)
    if found is None or found.better is None:  # neither way is better
        return ""
    return "green" if (value > 0) == (found.better == "higher") else "red"


def _band(values: tuple[float | None, float | None], fmt: Callable[[float | None], str]) -> Text:
    """``$8.06M–$8.58M``; a unit both ends share is written once: ``9.4–14.0 mo``, ``month 25–27``.

    An end that is ``inf`` lands on a path that never pays back and reads ``never`` (``12.6–never``)."""
    if values == (None, None):
        return Text("")
    low, high = (NEVER if value == math.inf else fmt(value) for value in values)
    if high == NEVER and low.endswith(" mo"):
        low = low[: -len(" mo")]
    for prefix in ("month ",):
        if low.startswith(prefix) and high.startswith(prefix):
            high = high[len(prefix) :]
    for suffix in (" mo", " pts", "×"):
        if low.endswith(suffix) and high.endswith(suffix):
            low = low[: -len(suffix)]
    return Text(f"{low}–{high}", style="dim")


def _label(metric: str, statistic: str) -> str:
    label = LABELS.get(metric, metric_label(metric))
    return label if statistic != "mean" or metric in LABELS else f"{label} (mean)"


def differences_table(
    result_a: Result, result_b: Result, *, labels: tuple[str, str] = ("A", "B"), bands: bool = True
) -> Table:
    """Every summary metric of both runs at p50 (p10–p90 beside), with ``B − A`` and its share of A.

    A last row gives each run's diagnosis focus.  It takes about 110
    columns; ``bands=False`` leaves out the p10–p90 columns to fit in 80.
    """
    currency_a, currency_b = currency_of(result_a), currency_of(result_b)
    label_a, label_b = labels
    table = Table(
        title=Text.assemble("Differences  ", (label_b, "bold"), " − ", (label_a, "bold")),
        title_justify="left",
        title_style="",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    if currency_a != currency_b:
        table.caption = f"{label_a} is in {currency_a}, {label_b} in {currency_b}: money differences mix currencies"
        table.caption_justify = "left"

    def header(*lines: str) -> Text:
        return Text("\n".join(lines), justify="right", no_wrap=True, overflow="ellipsis")

    table.add_column("metric", no_wrap=True)
    for label in labels:
        table.add_column(header(label, "p50"), justify="right", style="bold", no_wrap=True, max_width=10)
        if bands:
            table.add_column(header("", "p10–p90"), justify="right", no_wrap=True)
    table.add_column(header("", "Δ"), justify="right", no_wrap=True)
    table.add_column(header("", "Δ %"), justify="right", no_wrap=True)
    empty = [""] * (len(table.columns) - 1)

    by_metric = {row.metric: row for row in metric_differences(result_a, result_b)}
    for title, metrics in compare_sections(result_a, result_b):
        table.add_row(Text(title, style="bold cyan"), *empty)
        for metric in metrics:
            row = by_metric[metric]
            fmt_a, fmt_b = formatter_for(metric, currency_a), formatter_for(metric, currency_b)
            values = [
                *_side(row.a, row.a_band, row.a_never, row.a_paths, fmt_a),
                *_side(row.b, row.b_band, row.b_never, row.b_paths, fmt_b),
            ]
            table.add_row(
                f"  {_label(metric, row.statistic)}", *(values if bands else values[::2]), *_change(row, currency_a)
            )
    focus_a, focus_b = _focus(result_a), _focus(result_b)
    table.add_row(Text("Diagnosis", style="bold cyan"), *empty)
    same = focus_a == focus_b
    values = [Text(focus_a), "", Text(focus_b), ""]
    table.add_row(
        "  Focus",
        *(values if bands else values[::2]),
        Text("same" if same else "changed", style="dim" if same else "bold yellow"),
        "",
    )
    return table


def _side(
    value: float | None,
    band: tuple[float | None, float | None],
    never: bool,
    paths: int | None,
    fmt: Callable[[float | None], str],
) -> tuple[Text | str, Text]:
    """One run's p50 and band cells: ``never`` where the p50 never comes; dimmed, with its count of
    paths under it and "too few paths" for a band, where a conditional statistic rests on too few paths."""
    if paths is not None:  # as the run's summary: the figure over its count of paths (kept without the bands)
        return (
            Text(f"{fmt(value)}\n({paths_of({'n': paths})})", style="dim not bold"),
            Text(TOO_FEW_PATHS_NOTE, style="dim"),
        )
    return (NEVER if never else fmt(value)), _band(band, fmt)


def _change(row: MetricDifference, currency: str) -> tuple[Text, Text]:
    """The ``Δ`` and ``Δ %`` cells: a payback that stops or starts paying back says so; a difference
    involving a statistic of too few paths is none."""
    if row.a_paths is not None or row.b_paths is not None:
        return Text(TOO_FEW_PATHS_NOTE.removesuffix(" paths"), style="dim"), Text(MISSING, style="dim")
    if row.a_never or row.b_never:
        if row.a_never and row.b_never:
            return Text("both never", style="dim"), Text(MISSING, style="dim")
        # only payback can be never, and a shorter payback is better
        return (Text(NEVER, style="red") if row.b_never else Text("pays back", style="green")), Text(MISSING)
    style = _difference_style(row.metric, row.absolute)
    return (
        Text(format_difference(row.metric, row.absolute, currency), style=style),
        Text(format_relative(row.relative), style=style),
    )


def _focus(result: Result) -> str:
    return result.diagnosis.focus or MISSING
