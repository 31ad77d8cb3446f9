"""``saas-sim metrics`` on a terminal: the monthly movements table, MRR and customer charts, cohort heatmaps."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text

from saas_sim.render.fan_chart import FanChart
from saas_sim.render.figures import KeepFigures
from saas_sim.render.format import MISSING, format_compact, format_count, format_multiple, format_rate
from saas_sim.render.summary import SideBySide

TABLE_MONTHS = 24  # the table shows the last two years unless asked for every month
HEATMAP_COHORTS = 24
RETENTION_STOPS = ((0.0, (127, 29, 29)), (0.5, (180, 83, 9)), (0.8, (77, 124, 15)), (1.0, (22, 101, 52)))
AGE_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 60, 120)

# (series, header, sign): sign +1 / -1 marks a movement drawn green / red, 0 a level.
MONEY_COLUMNS = (
    ("mrr", "MRR", 0),
    ("new_mrr", "New", 1),
    ("expansion_mrr", "Expansion", 1),
    ("reactivation_mrr", "Reactiv.", 1),
    ("contraction_mrr", "Contract.", -1),
    ("churned_mrr", "Churned", -1),
)
# Monthly rates, said so in the header: a monthly NRR of 98 % is not an annual one.
RATE_COLUMNS = (
    ("logo_churn_rate", "Logo churn\n/month"),
    ("nrr_monthly", "NRR\n/month"),
    ("grr_monthly", "GRR\n/month"),
)


def _money(value: float | None, sign: int) -> Text:
    if value is None:
        return Text(MISSING, style="dim")
    if sign and value == 0:
        return Text("·", style="dim")
    text = format_compact(value, keep_zeros=True)
    if sign > 0:
        return Text("+" + text, style="green")
    if sign < 0:
        return Text("−" + text, style="red")
    return Text(text)


def movements_table(
    document: dict, *, months: int | None = TABLE_MONTHS, hidden_columns: tuple[str, ...] = ()
) -> Table:
    """One row per month (the last ``months``, or all): customers, MRR, its movements and the rates.

    ``hidden_columns`` names series left out (to fit a narrow terminal).
    """
    labels = document["months"]
    series = document["series"]
    shown = range(len(labels)) if months is None else range(max(len(labels) - months, 0), len(labels))
    hidden = len(labels) - len(shown)
    caption = "MRR movements per month; churn, NRR and GRR are monthly rates, not annual"
    if hidden:
        caption += f"; the {hidden} earlier month{'s' if hidden > 1 else ''} with --all"
    if hidden_columns:
        left_out = len(hidden_columns)
        caption += f"; {left_out} column{'s' if left_out > 1 else ''} left out, wider terminal or --csv for all"
    money = [column for column in MONEY_COLUMNS if column[0] not in hidden_columns]
    rates = [column for column in RATE_COLUMNS if column[0] not in hidden_columns]
    quick = "quick_ratio" not in hidden_columns
    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
        caption=caption,
        caption_style="dim",
        caption_justify="left",
        header_style="bold",
    )
    table.add_column("Month", no_wrap=True)
    table.add_column("Customers", justify="right", no_wrap=True)
    for _, header, _ in money:
        table.add_column(header, justify="right", no_wrap=True)
    for _, header in rates:
        table.add_column(header, justify="right", no_wrap=True)
    if quick:
        table.add_column("Quick", justify="right", no_wrap=True)
    for index in shown:
        cells: list[Text | str] = [labels[index], format_count(series["customers"][index])]
        cells += [_money(series[name][index], sign) for name, _, sign in money]
        cells += [format_rate(series[name][index]) for name, _ in rates]
        if quick:
            cells.append(format_multiple(series["quick_ratio"][index]))
        table.add_row(*cells)
    return table


# Left out first when the terminal is narrow.
DROPPED_FIRST = ("reactivation_mrr", "grr_monthly", "quick_ratio", "contraction_mrr", "expansion_mrr", "nrr_monthly")


class MovementsTable:
    """:func:`movements_table` with the fewest columns left out that let it fit the width."""

    def __init__(self, document: dict, *, months: int | None = TABLE_MONTHS):
        self.document = document
        self.months = months

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        unbounded = options.update(max_width=10_000)
        for count in range(len(DROPPED_FIRST) + 1):
            table = movements_table(self.document, months=self.months, hidden_columns=DROPPED_FIRST[:count])
            if Measurement.get(console, unbounded, table).maximum <= options.max_width:
                break
        yield table


class HistoryChart(FanChart):
    """A :class:`FanChart` of one historical line: no percentile bands, so no band legend."""

    def __init__(self, months: Sequence[str], values: Sequence[float | None], **options: Any) -> None:
        super().__init__(months, {"p50": values}, **options)  # type: ignore[arg-type]  # labels, not numbers

    def _legend(self, color: bool) -> Text:
        return Text()


def history_charts(document: dict, *, height: int = 10) -> tuple[HistoryChart, HistoryChart]:
    """MRR and active customers over the ledger's months."""
    months, series = document["months"], document["series"]
    mrr = HistoryChart(months, series["mrr"], title="MRR", value_format=format_compact, zero_line=False, height=height)
    customers = HistoryChart(
        months, series["customers"], title="Customers", value_format=format_compact, zero_line=False, height=height
    )
    return mrr, customers


def retention_color(share: float) -> str:
    """Red (nobody left) through amber to green (everyone stayed), as ``#rrggbb``."""
    share = min(max(share, 0.0), 1.0)
    for (low, low_rgb), (high, high_rgb) in itertools.pairwise(RETENTION_STOPS):
        if share <= high:
            mix = (share - low) / (high - low)
            rgb = [round(a + (b - a) * mix) for a, b in zip(low_rgb, high_rgb)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*RETENTION_STOPS[-1][1])


class CohortHeatmap:
    """A rich renderable: a triangle ``[k][a]`` as coloured percentages, one row per first active month.

    Shows the last ``max_rows`` cohorts (``None``: all), and as many months
    since the start as the width allows: every month, else every 2nd, 3rd,
    4th, 6th or 12th.
    """

    CELL = 4

    def __init__(
        self,
        title: str,
        months: Sequence[str],
        matrix: Sequence[Sequence[float | None]],
        *,
        max_rows: int | None = HEATMAP_COHORTS,
        max_columns: int | None = None,
        rows: str = "first active month",
        columns: str = "months later",
    ):
        self.title = title
        self.months = list(months)  # one row label per cohort
        self.matrix = matrix
        self.max_rows = max_rows
        self.max_columns = max_columns
        self.rows, self.columns = rows, columns

    def ages_shown(self, width: int) -> list[int]:
        ages = max((len(row) for row in self.matrix), default=0)
        label_width = max((len(label) for label in self.months), default=0) + 1
        fit = max((width - label_width) // self.CELL, 1)
        limit = fit if self.max_columns is None else min(self.max_columns, fit)
        step = next((s for s in AGE_STEPS if math.ceil(ages / s) <= limit), AGE_STEPS[-1])
        return list(range(0, ages, step))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        ages = self.ages_shown(options.max_width)
        step = ages[1] - ages[0] if len(ages) > 1 else 1
        every = {1: "", 2: ", every 2nd", 3: ", every 3rd"}.get(step, f", every {step}th")
        first = 0 if self.max_rows is None else max(len(self.matrix) - self.max_rows, 0)
        earlier = f"; {first} earlier cohorts with --all" if first else ""
        caption = f"rows: {self.rows} · columns: {self.columns}{every}{earlier}"
        yield Text.assemble((self.title, "bold"), (f"  {caption}" if self.title else caption, "dim italic"))
        color = console.color_system is not None and not console.no_color
        table = Table(box=None, padding=0, pad_edge=False, show_edge=False, header_style="dim", expand=False)
        table.add_column("", justify="right", style="dim", no_wrap=True)
        for age in ages:
            table.add_column(str(age), justify="right", width=self.CELL, no_wrap=True)
        for cohort in range(first, len(self.matrix)):
            row = self.matrix[cohort]
            cells: list[Text] = []
            for age in ages:
                share = row[age] if age < len(row) else None
                if age >= len(row):
                    cells.append(Text(""))
                elif share is None:
                    cells.append(Text("· ", style="dim"))
                else:
                    style = Style(color="white", bgcolor=retention_color(share)) if color else None
                    cells.append(Text(f"{min(100 * share, 999):3.0f} ", style=style))  # type: ignore[arg-type]  # None: no style
            table.add_row(f"{self.months[cohort]} ", *cells)
        yield table


def ledger_report(document: dict, *, source: str = "", charts: bool = True, all_months: bool = False) -> Group:
    """The whole report of ``saas-sim metrics``, top to bottom."""
    months, series = document["months"], document["series"]
    heading = Text.assemble(
        ("MRR ledger", "bold"),
        f" {source}  " if source else "  ",
        (
            f"{months[0]} – {months[-1]} · {len(months)} months · "
            f"{format_count(series['customers'][-1])} customers · MRR "
            f"{format_compact(series['mrr'][-1], keep_zeros=True)} in {months[-1]}",
            "dim",
        ),
    )
    parts: list[RenderableType] = [KeepFigures(heading), Text()]  # never "in⏎2024-12" on a pipe
    if charts:
        parts += [SideBySide(*history_charts(document)), Text()]
    parts.append(MovementsTable(document, months=None if all_months else TABLE_MONTHS))
    if charts:
        rows = None if all_months else HEATMAP_COHORTS
        parts += [
            Text(),
            CohortHeatmap("Logo retention (%)", months, document["cohorts"]["logo_retention"], max_rows=rows),
            Text(),
            CohortHeatmap("Revenue retention (%)", months, document["cohorts"]["revenue_retention"], max_rows=rows),
        ]
    return Group(*parts)
