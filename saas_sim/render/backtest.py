"""``saas-sim backtest`` on a terminal: the fan of a cut-off's forecast with the actuals over it, the coverage
table and the verdict in words."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.style import Style
from rich.table import Table
from rich.text import Text

from saas_sim.render.fan_chart import DRAWN, FanChart
from saas_sim.render.format import format_compact

ACTUAL = 9  # a pixel kind above every kind of the fan chart's
ACTUAL_COLOR = "#e0483e"
LABELS = {
    "customers": "Customers",
    "mrr": "MRR",
    "new_customers": "New customers",
    "churned_customers": "Churned customers",
}


class BacktestFan(FanChart):
    """A fan chart with the actual months drawn over it as dots (``●``)."""

    def __init__(
        self, months: Sequence[int], bands: dict[str, Sequence[float | None]], actual: Sequence[float | None], **kw: Any
    ):
        super().__init__(months, bands, **kw)
        self.actual: list[float | None] = list(actual)

    def _value_range(self) -> tuple[float, float, float]:
        drawn = self.bands
        self.bands = {**drawn, "actual": self.actual}  # the axis holds the actuals too
        try:
            return super()._value_range()
        finally:
            self.bands = drawn

    def _pixels(self, plot_width: int, bottom: float, top: float) -> list[list[int]]:
        pixels = super()._pixels(plot_width, bottom, top)
        rows = 2 * self.height
        size = (top - bottom) / rows
        for index, value in enumerate(self.actual):
            if value is None or not math.isfinite(value):
                continue
            row = min(max(int(math.floor((value - bottom) / size)), 0), rows - 1)
            pixels[self._column_of_month(index, plot_width)][row] = ACTUAL
        return pixels

    def _cell(self, upper: int, lower: int, color: bool) -> tuple[str, Style | None]:
        if ACTUAL not in (upper, lower):
            return super()._cell(upper, lower, color)
        if not color:
            return "●", None
        other = lower if upper == ACTUAL else upper
        return "●", Style(color=ACTUAL_COLOR, bgcolor=self.colors.of(other), bold=True)

    def _legend(self, color: bool) -> Text:
        legend = super()._legend(color)
        legend.append("  ")
        legend.append("●", style=ACTUAL_COLOR if color else None)
        legend.append(" actual", style="dim")
        return legend


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _reading(coverage_80: float | None) -> str:
    from saas_sim.analysis.backtest import OVER_CONFIDENT_BELOW, VAGUE_ABOVE

    if coverage_80 is None:
        return "–"
    if coverage_80 < OVER_CONFIDENT_BELOW:
        return "over-confident"
    if coverage_80 > VAGUE_ABOVE:
        return "vague"
    return "about right"


def coverage_table(document: dict[str, Any]) -> Table:
    """Per series: the 80 % and 90 % bands' coverage, the p50's median error and what it means."""
    table = Table(
        title="Actual months inside each band (nominal 80 %, 90 %)",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("series")
    table.add_column("p10–p90", justify="right")
    table.add_column("p5–p95", justify="right")
    table.add_column("p50 error", justify="right")
    table.add_column("months", justify="right")
    table.add_column("reading")
    for name, figures in document["series"].items():
        table.add_row(
            LABELS.get(name, name),
            _percent(figures["coverage_80"]),
            _percent(figures["coverage_90"]),
            _percent(figures["mape_p50"]),
            str(figures["months"]),
            _reading(figures["coverage_80"]),
        )
    said = document["verdict"]
    table.add_row(
        "all four", _percent(said["coverage_80"]), _percent(said["coverage_90"]), "", "", said["word"], style="bold"
    )
    return table


def fans(document: dict[str, Any], cutoff: dict[str, Any]) -> list[RenderableType]:
    """One fan per series for one cut-off's forecast, the actuals over it."""
    charts: list[RenderableType] = []
    months = list(range(1, len(cutoff["months"]) + 1))  # months after the cut-off
    for name, values in cutoff["series"].items():
        title = f"{LABELS.get(name, name)}, months after {cutoff['cutoff']}"
        bands = {stat: values[stat] for stat in DRAWN}
        charts.append(
            BacktestFan(
                months, bands, values["actual"], title=title, value_format=format_compact, zero_line=False, height=8
            )
        )
    return charts


class BacktestReport:
    """The whole report: fans (on a terminal), the table and the verdict."""

    def __init__(self, document: dict[str, Any], *, source: str, charts: bool):
        self.document = document
        self.source = source
        self.charts = charts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        document = self.document
        cutoffs = document["cutoffs"]
        if len(cutoffs) == 1:
            heading = f"Backtest of {self.source}: calibrated as of {cutoffs[0]}, {document['months']} months forecast"
        else:
            heading = (
                f"Backtest of {self.source}: {len(cutoffs)} cut-offs {cutoffs[0]}..{cutoffs[-1]}, "
                f"{document['months']} months forecast after each"
            )
        parts: list[RenderableType] = [
            Text(heading, style="bold"),
            Text(f"{document['paths']:,} paths a forecast, seed {document['seed']}", style="dim"),
        ]
        if self.charts and document.get("by_cutoff"):
            last = document["by_cutoff"][-1]
            if len(cutoffs) > 1:
                parts.append(Text(f"The last cut-off's forecast ({last['cutoff']}):", style="dim"))
            parts.extend(fans(document, last))
        parts.append(coverage_table(document))
        parts.append(Text(document["verdict"]["sentence"].replace(" %", "%")))  # "27%": never split at the line end
        yield Group(*parts)
