"""The p50 plan (``run --plan``) as a rich table and as CSV.

The table lists the months, then the years under a rule, so that on a terminal the years are what
stays on screen when the command ends.  Money reads as a person writes it (``$1.23M``); on a
terminal narrower than the full table (:func:`plan_view`) the MRR column goes (it is ARR / 12) and
the p10–p90 ranges of ARR and cash move under their p50 in the same cell.

The CSV has one row per month and per year with plain numbers: money rounded to whole currency
units, customers to 0.1 (a median over paths can fall between two whole accounts), an undefined
value as an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from saas_sim.analysis.plan import Plan, PlanRow
from saas_sim.render.format import MISSING, format_count, format_money
from saas_sim.render.summary import Fitting

CSV_COLUMNS = (
    "period",
    "kind",
    "customers",
    "new",
    "churned",
    "mrr",
    "arr",
    "spend",
    "burn",
    "cash",
    "arr_p10",
    "arr_p90",
    "cash_p10",
    "cash_p90",
)
COUNT_COLUMNS = ("customers", "new", "churned")  # rounded to 0.1 customer; the other numbers are money
COUNT_DECIMALS = 1
MONEY_DECIMALS = 0

BURN_NOTE = (
    "Net burn: the cash a period cost beyond what came in, funding not counted; 0 when cash grew. "
    "A year: its months' p50s summed (new, churned, spend, net burn) or its last month (the rest)."
)
NARROW_NOTE = "ARR = 12 × MRR; under ARR and cash: their p10–p90."


def _money(currency: str) -> Callable[[float | None], str]:
    return lambda value: format_money(value, currency, keep_zeros=True)


def _range(low: float | None, high: float | None, money: Callable[[float | None], str]) -> str:
    """``$1.10M–$1.45M``; ``-$3.66M – -$3.12M`` (a dash beside a minus would read as one); ``—`` when
    either end is undefined."""
    if low is None or high is None:
        return MISSING
    high_text = money(high)
    return f"{money(low)}{' – ' if high_text.startswith('-') else '–'}{high_text}"


def _period(row: PlanRow) -> Text:
    """The row's label; a partial year's as ``year 4*``, its months said under the table (:func:`_partial_note`)."""
    if row.kind == "month":
        return Text(row.label)
    year, partial, _ = row.label.partition(" (")
    return Text(year + ("*" if partial else ""), style="bold")


def _partial_note(plan: Plan) -> str:
    """``*year 4: months 37-42 only.`` for a last partial year, else nothing."""
    for row in plan.years:
        year, partial, months = row.label.partition(" (")
        if partial:
            return f"*{year}: {months.rstrip(')')} only. "
    return ""


def plan_table(plan: Plan, *, narrow: bool = False) -> Table:
    """The plan's months then its years; ``narrow``: no MRR column, each range under its p50 (fits 80 columns)."""
    money = _money(plan.currency)
    table = Table(
        title=f"The plan (p50, {plan.currency})",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        caption=_partial_note(plan) + BURN_NOTE + (" " + NARROW_NOTE if narrow else ""),
        caption_justify="left",
        caption_style="dim",
        padding=(0, 0) if narrow else (0, 1, 0, 0),  # and the box's one space between columns
    )
    # Narrow, a column may wrap its header ("net burn") and a range written with spaces, never a figure.
    table.add_column("period", no_wrap=True)
    for header in ("customers", "new", "churned"):
        table.add_column(header, justify="right", no_wrap=not narrow)
    if not narrow:
        table.add_column("MRR", justify="right", no_wrap=True)
    table.add_column("ARR", justify="right", no_wrap=not narrow, style="bold")
    if not narrow:
        table.add_column("ARR p10–p90", justify="right", style="dim")
    table.add_column("spend", justify="right", no_wrap=True)
    table.add_column("net burn", justify="right", no_wrap=not narrow)
    table.add_column("cash", justify="right", no_wrap=not narrow, style="bold")
    if not narrow:
        table.add_column("cash p10–p90", justify="right", style="dim")

    def cells(row: PlanRow) -> list[RenderableType]:
        arr_range = _range(row.arr_p10, row.arr_p90, money)
        cash_range = _range(row.cash_p10, row.cash_p90, money)
        counts: list[RenderableType] = [format_count(row.customers), format_count(row.new), format_count(row.churned)]
        if narrow:
            arr = Text(money(row.arr)).append("\n" + arr_range, style="not bold dim")
            cash = Text(money(row.cash)).append("\n" + cash_range, style="not bold dim")
            return [*counts, arr, money(row.spend), money(row.burn), cash]
        return [
            *counts,
            money(row.mrr),
            money(row.arr),
            arr_range,
            money(row.spend),
            money(row.burn),
            money(row.cash),
            cash_range,
        ]

    for index, row in enumerate(plan.months):
        table.add_row(_period(row), *cells(row), end_section=index == len(plan.months) - 1)
    for row in plan.years:
        table.add_row(_period(row), *cells(row))
    return table


def plan_view(plan: Plan) -> RenderableType:
    """The full table where the terminal is wide enough, else the narrow one."""
    return Fitting(plan_table(plan), plan_table(plan, narrow=True))


def _rounded(value: float | None, decimals: int) -> str:
    """A CSV cell: the value rounded (``-0`` written ``0``), or empty when undefined."""
    if value is None:
        return ""
    rounded = round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.{decimals}f}"


def plan_csv(plan: Plan) -> str:
    """The plan as CSV: a header, every month, then every year (columns :data:`CSV_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in [*plan.months, *plan.years]:
        numbers = [
            _rounded(getattr(row, column), COUNT_DECIMALS if column in COUNT_COLUMNS else MONEY_DECIMALS)
            for column in CSV_COLUMNS[2:]
        ]
        writer.writerow([row.label, row.kind, *numbers])
    return out.getvalue()
