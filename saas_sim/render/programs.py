"""Each customer-success program against the same plan without it (SPEC 2.7), for a terminal.

A program's effects are the result document's ``programs`` (:attr:`~saas_sim.model.result.Result.programs`):
per path, the run with the program less the run without it, same seed and paths.  The MEAN is the
program's expected effect and leads every cell; p10–p90 stands under it (the two runs' paths drift
apart after their first different draw, so the range holds that path-to-path noise too).

:func:`programs_view` is the ``run`` summary's table (one row per program); :func:`programs_brief` the
TUI's means-only table; :func:`programs_comparison` puts two runs' means side by side for ``compare``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from saas_sim.model.result import NO_STATISTIC, Result, SummaryStatistic
from saas_sim.render.figures import KeepFigures
from saas_sim.render.format import (
    CURRENCY_SYMBOLS,
    MISSING,
    format_count,
    format_money,
    format_multiple,
    format_rate,
)
from saas_sim.render.summary import Fitting, currency_of

Formatter = Callable[[float | None], str]


def format_change_points(value: float | None) -> str:
    """A change in percentage points to one decimal, signed: ``-0.755`` -> ``-0.8 pts``, ``0.3`` -> ``+0.3 pts``
    (a rate's percentage, as :func:`~saas_sim.render.format.format_rate` writes it, read as points)."""
    text = format_rate(None if value is None else value / 100.0)
    if text == MISSING:
        return text
    text = text.removesuffix("%") + " pts"
    if text in ("0.0 pts", "-0.0 pts"):
        return "0.0 pts"
    return text if text.startswith("-") else "+" + text


@dataclass(frozen=True)
class Effect:
    """One effect of SPEC 2.7 as a column: its name in the document, its header and how its figures read."""

    name: str
    header: str  # a column header, on lines of its own; "{per}" becomes "per $1" in the run's currency
    kind: str  # "money", "count", "multiple" or "points"

    def formatter(self, currency: str) -> Formatter:
        if self.kind == "money":
            return lambda value: format_money(value, currency, keep_zeros=True)
        return {"count": format_count, "multiple": format_multiple, "points": format_change_points}[self.kind]

    def heading(self, currency: str) -> str:
        """The header on one line."""
        return self.lines(currency).replace("\n", " ")

    def lines(self, currency: str) -> str:
        """The header on its lines, for a table whose figures never wrap."""
        return self.header.replace("{per}", per_unit(currency))


# The effects in the table's order: what the program costs, what it keeps, what that is worth.
EFFECTS: tuple[Effect, ...] = (
    Effect("cost", "cost", "money"),
    Effect("saved_customers", "saved\ncustomers", "count"),
    Effect("saved_arr", "saved\nARR", "money"),
    Effect("extra_gross_profit", "extra gross\nprofit", "money"),
    Effect("roi", "ROI", "multiple"),
    Effect("roi_arr", "ARR kept\n{per}", "multiple"),
    Effect("churn_change_pp", "churn\nchange", "points"),
)

DEFINITIONS = (
    "ROI = (extra gross profit − cost) / cost; ARR kept {per} = saved ARR / cost; churn change: annualized "
    "logo churn at the end, with − without."
)


def per_unit(currency: str) -> str:
    """``per $1``; ``per 1 CHF`` for a currency without a symbol."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"per {symbol}1" if symbol is not None else f"per 1 {currency}"


def comparison_caption(paths: int) -> str:
    """What the figures are: each program against the plan without it, and whose mean."""
    return (
        f"Each program against the same plan without it, same seed and paths: the mean of {paths:,} "
        f"path{'s' if paths != 1 else ''}"
    )


UNITS = (" pts", "×")  # a unit both ends of a range share, written once: "-3.5–+1.9 pts"


def _span(low: str, high: str, *, split: bool = False) -> str:
    """``$1.10M–$1.45M``, ``-1.6–0.2×``; ``-$3.66M – -$3.12M`` (a dash beside a minus would read as one);
    nothing when both ends read alike (a cost every path pays in full); ``split``: the ends on two lines."""
    if low == high:
        return ""
    if split:
        return f"{low} –\n{high}"
    for unit in UNITS:
        if low.endswith(unit) and high.endswith(unit):
            low = low.removesuffix(unit)
    return f"{low}{' – ' if high.startswith('-') else '–'}{high}"


def _cell(stats: SummaryStatistic, fmt: Formatter, *, split: bool) -> Text:
    """The mean (bold), and the p10–p90 under it (dim)."""
    cell = Text(fmt(stats.mean), style="bold")
    if stats.mean is None:
        return cell
    span = _span(fmt(stats.p10), fmt(stats.p90), split=split)
    if span:
        cell.append("\n" + span, style="not bold dim")
    return cell


def programs_table(result: Result, *, narrow: bool = False) -> Table:
    """One row per program: each effect's mean with its p10–p90 under it; ``narrow`` (80 columns): the
    headers wrap, the columns sit one space apart and each range's ends go on two lines."""
    currency = currency_of(result)
    caption = (
        comparison_caption(result.paths) + ", p10–p90 under it. " + DEFINITIONS.replace("{per}", per_unit(currency))
    )
    table = Table(
        title=f"Programs ({currency})",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        caption=caption,
        caption_justify="left",
        caption_style="dim",
        padding=(0, 0) if narrow else (0, 1),
    )
    table.add_column("program", overflow="fold")  # a long name wraps (folds, without spaces), never a figure
    for effect in EFFECTS:
        table.add_column(effect.lines(currency), justify="right", no_wrap=True)
    for name, effects in result.programs.items():
        cells = [
            _cell(effects.get(effect.name, NO_STATISTIC), effect.formatter(currency), split=narrow)
            for effect in EFFECTS
        ]
        table.add_row(Text(name), *cells)  # a user's name is text, not markup
    return table


def programs_view(result: Result) -> RenderableType:
    """The programs' table: whole where the width allows, else the narrow one (nothing cut at 80 columns)."""
    return Fitting(programs_table(result), programs_table(result, narrow=True))


# The TUI's table under the key metrics: the means that say whether a program pays, in few columns.
BRIEF_EFFECTS = ("cost", "saved_arr", "roi", "roi_arr", "churn_change_pp")
BRIEF_HEADERS = {
    "cost": "cost",
    "saved_arr": "saved ARR",
    "roi": "ROI",
    "roi_arr": "ARR/cost",
    "churn_change_pp": "churn",
}


def programs_brief(result: Result) -> Group:
    """The programs' means, one row each: cost, saved ARR, ROI, ARR kept per unit spent, churn change; over
    them a title that wraps at the width it is given (a table's title wraps at the table's)."""
    currency = currency_of(result)
    effects = {effect.name: effect for effect in EFFECTS}
    title = Text("Programs", style="bold")
    title.append(f" · mean of {result.paths:,} paths, each against the plan without it", style="not bold")
    table = Table(
        header_style="bold",
        box=None,
        padding=(0, 1, 0, 0),
        expand=False,
    )
    table.add_column("program", no_wrap=True)
    for name in BRIEF_EFFECTS:
        table.add_column(BRIEF_HEADERS[name], justify="right", no_wrap=True)
    lines = Text()
    for program, stats in result.programs.items():
        cells = [effects[name].formatter(currency)(stats.get(name, NO_STATISTIC).mean) for name in BRIEF_EFFECTS]
        table.add_row(Text(program), *cells)
        # Narrower than the table: a program's figures as words, each label kept with its figure (no-break spaces).
        pairs = [f"{BRIEF_HEADERS[name]} {cell}".replace(" ", "\u00a0") for name, cell in zip(BRIEF_EFFECTS, cells)]
        lines.append("\n" if lines else "")
        lines.append(program, style="bold")
        lines.append(" " + " · ".join(pairs))
    return Group(KeepFigures(title), Fitting(table, KeepFigures(lines)))  # type: ignore[arg-type]


def _signed(value: float | None, fmt: Formatter) -> str:
    """``+$1.20M``, ``-3``: a difference, with its sign; ``—`` when either side lacks the figure."""
    if value is None:
        return MISSING
    if fmt is format_change_points:
        return fmt(value)
    text = fmt(abs(value))
    if value == 0 or text == fmt(0.0):
        return fmt(0.0)
    return ("+" if value > 0 else "-") + text


def programs_comparison(
    result_a: Result, result_b: Result, *, labels: Sequence[str] = ("A", "B")
) -> RenderableType | None:
    """Each program of either run, each effect's mean in A and in B side by side, and ``B − A``; ``None`` when
    neither run has programs.  A program one run lacks reads ``—`` there."""
    if not result_a.programs and not result_b.programs:
        return None
    currency_a, currency_b = currency_of(result_a), currency_of(result_b)
    names = list(result_a.programs) + [name for name in result_b.programs if name not in result_a.programs]
    paths = f"{result_a.paths:,} path{'s' if result_a.paths != 1 else ''}"
    title = Text.assemble(("Programs", "bold"), f"  means of {paths}, each against its plan without it")
    table = Table(
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("program", overflow="fold")  # a long name folds; the labels fit
    for label in labels:
        table.add_column(Text(label, justify="right", no_wrap=True, overflow="ellipsis"), justify="right", max_width=12)
    table.add_column("Δ", justify="right", no_wrap=True)
    empty = [""] * (len(table.columns) - 1)
    for name in names:
        table.add_row(Text(name, style="bold cyan"), *empty)
        for effect in EFFECTS:
            means = [
                result.programs[name].get(effect.name, NO_STATISTIC).mean if name in result.programs else None
                for result in (result_a, result_b)
            ]
            fmt_a, fmt_b = effect.formatter(currency_a), effect.formatter(currency_b)
            a, b = means
            change = _signed(b - a if a is not None and b is not None else None, fmt_a)
            table.add_row(
                f"  {effect.heading(currency_a)}",
                fmt_a(a),
                fmt_b(b),
                Text(change, style="dim" if change == MISSING else ""),
            )
    if currency_a != currency_b:
        table.caption = f"A is in {currency_a}, B in {currency_b}: money differences mix currencies"
        table.caption_justify = "left"
    return Group(KeepFigures(title), table)  # the title wraps at the width given, not at the table's
