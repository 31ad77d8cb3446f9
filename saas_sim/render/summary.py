"""The summary of a run for a terminal: key metrics, fan charts, segments, diagnosis.

Everything here reads a typed result (:class:`~saas_sim.model.result.Result`, the SPEC 5
document) and returns rich renderables, so that the command line and a full-screen application
can share them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from saas_sim.model.catalog.metrics import METRICS, statistic_name
from saas_sim.model.result import NO_STATISTIC, Result, SummaryStatistic
from saas_sim.render.fan_chart import FanChart
from saas_sim.render.figures import KeepFigures
from saas_sim.render.format import (
    MISSING,
    format_error,
    format_money,
    format_rate,
    formatter_for,
    metric_kind,
    metric_label,
)

# The key-metrics table: which summary metrics it shows, grouped and ordered as this table reads best.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Growth", ("arr_end", "mrr_end", "customers_end")),
    ("Retention", ("nrr_12m_end", "grr_12m_end", "annualized_logo_churn_end")),
    ("Unit economics", ("cac", "ltv", "ltv_simple", "ltv_cac", "payback_months", "payback_months_with_churn")),
    ("Cash", ("cash_end", "cash_min", "out_of_cash", "cash_out_month", "burn_multiple", "rule_of_40")),
)
SEGMENT_COLUMNS = ("arr_end", "customers_end", "ltv_cac", "payback_months_with_churn")
STATUS_STYLES = {"ok": "bold green", "warn": "bold yellow", "bad": "bold red", "n/a": "dim"}
# The catalog's table labels that differ from the short label: they say what the row's figure is.
LABELS = {metric.name: metric.table_label for metric in METRICS.values() if metric.table_label != metric.label}


def currency_of(result: Result) -> str:
    return result.currency


def _label(metric: str) -> str:
    return LABELS.get(metric, metric_label(metric))


def run_header(result: Result) -> Text:
    """``Name  5,000 paths · seed 42 · 36 months · 0.42 s``."""
    header = Text(result.scenario.get("name", "Scenario"), style="bold")
    paths = result.paths
    details = (
        f"{paths:,} path{'s' if paths != 1 else ''} · seed {result.seed} · "
        f"{result.horizon_months} months · {result.elapsed_s:.2f} s"
    )
    header.append(f"   {details}", style="dim")
    return header


def summary_table(result: Result, *, errors: bool = True) -> Table:
    """The key summary metrics of SPEC 3.2 at p10 / p50 / p90, grouped by what they tell; ``errors``:
    with the mean ± its standard error beside them."""
    from saas_sim.engine.aggregate import rests_on_too_few

    fmt = {metric: formatter_for(metric, currency_of(result)) for _, metrics in SECTIONS for metric in metrics}
    table = Table(
        title="Key metrics",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("metric", no_wrap=errors)  # without the errors (a narrow terminal) a label may wrap
    # The p50 and the mean ± se wrap between figures (before a ±, a "(45 paths)"), never inside one.
    for stat in ("p10", "p50", "p90"):
        table.add_column(stat, justify="right", style="bold" if stat == "p50" else None, no_wrap=stat != "p50")
    if errors:
        table.add_column("mean ± se", justify="right", style="dim")
    for title, metrics in SECTIONS:
        table.add_row(Text(title, style="bold cyan"), *[""] * (len(table.columns) - 1))
        for metric in metrics:
            stats = result.summary.get(metric, NO_STATISTIC)
            cells: list[RenderableType]
            if statistic_name(metric) == "mean":  # a 0/1 per path: only its mean, the probability, says anything
                cells = [
                    "",
                    KeepFigures(format_rate(stats.mean)),
                    "",
                    _mean_and_error(metric, stats, format_rate, currency_of(result)),
                ]
            elif rests_on_too_few(stats, result.paths):  # no forecast: the p50 and how few paths it rests on
                cells = [
                    "",
                    KeepFigures(Text(f"{fmt[metric](stats.p50)} ({paths_of(stats)})", style="dim not bold")),
                    "",
                    Text(TOO_FEW_PATHS_NOTE, style="dim"),
                ]
            else:
                low, median, high = (statistic_text(metric, stats, stat, fmt[metric]) for stat in ("p10", "p50", "p90"))
                cells = [
                    low,
                    KeepFigures(median),
                    high,
                    _mean_and_error(metric, stats, fmt[metric], currency_of(result)),
                ]
            table.add_row(f"  {_label(metric)}", *cells[: len(table.columns) - 1])
    return table


NEVER = "never"
TOO_FEW_PATHS_NOTE = "too few paths"


def statistic_text(metric: str, stats: SummaryStatistic, stat: str, fmt: Callable[[float | None], str]) -> str:
    """One statistic as shown: a percentile that lands on a path that never pays back reads "never" (SPEC 3.2)."""
    value = stats.stat(stat)
    if value is None and stat != "mean" and stats.never:
        return NEVER
    return fmt(value)


def paths_of(stats: SummaryStatistic | Mapping[str, int]) -> str:
    """``2 paths``: how many paths a conditional statistic (or ``{"n": count}``) rests on."""
    n = stats.n if isinstance(stats, SummaryStatistic) else stats["n"]
    assert n is not None
    return f"{n:,} path{'s' if n != 1 else ''}"


def never_note(stats: SummaryStatistic) -> str:
    """``37% never``: the share of paths whose payback never comes, when there are any."""
    share = stats.never
    return f"{100 * share:.0f}% never" if share else ""


def _mean_and_error(
    metric: str, stats: SummaryStatistic, fmt: Callable[[float | None], str], currency: str
) -> KeepFigures | str:
    """``$1.10M ± $6.8k``: the Monte-Carlo standard error says how far the mean may move with another seed.

    Kept whole on a narrow terminal or a pipe: it wraps before the ``±`` only.
    """
    mean, error = stats.mean, stats.se
    never = never_note(stats)  # the mean is over the paths that pay back: say how many do not
    if mean is None:
        return never or MISSING
    if metric_kind(metric) == "month":  # "month 34 ± ..." reads as a date range
        return KeepFigures(f"{mean:.1f} ± {format_error(metric, error, mean=mean)}")
    text = fmt(mean) if error is None else f"{fmt(mean)} ± {format_error(metric, error, currency, mean=mean)}"
    if never:
        text += f"; {never}"
    return text if error is None and not never else KeepFigures(text)


def tail_warning(result: Result) -> Text | None:
    """A warning when p5/p95 rest on too few paths to be stable (fewer than 50 beyond each)."""
    from saas_sim.engine.aggregate import TAIL_PATHS_MIN, paths_beyond_tail, tails_unstable

    paths = result.paths
    if not tails_unstable(paths):
        return None
    beyond = paths_beyond_tail(paths)
    return Text(
        f"Only {beyond} of {paths:,} paths lie beyond p5 (and beyond p95): tail percentiles move from"
        f" seed to seed. Use 1,000 paths or more ({TAIL_PATHS_MIN} beyond each tail) to rely on them.",
        style="yellow",
    )


def segment_table(result: Result) -> Table:
    """One row per segment: ARR, customers, LTV/CAC and payback at p50."""
    currency = currency_of(result)
    table = Table(
        title="Segments (p50)",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("segment")
    for metric in SEGMENT_COLUMNS:
        table.add_column(_label(metric), justify="right")
    for name, segment in result.segments.items():
        cells = [
            statistic_text(metric, segment.summary.get(metric, NO_STATISTIC), "p50", formatter_for(metric, currency))
            for metric in SEGMENT_COLUMNS
        ]
        table.add_row(Text(name), *map(KeepFigures, cells))  # a user's name is text, not markup
    return table


def diagnosis_panel(result: Result) -> Panel:
    """Each check with its coloured status, value and advice; the focus on top."""
    diagnosis = result.diagnosis
    currency = currency_of(result)
    focus = Text.assemble(("Focus: ", "bold"), (diagnosis.focus.upper(), "bold reverse magenta"))
    if diagnosis.advice:
        focus.append(f"  {diagnosis.advice}", style="bold")
    checks = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    checks.add_column("status", no_wrap=True)
    checks.add_column("check", no_wrap=True)
    checks.add_column("value", justify="right", no_wrap=True)
    checks.add_column("advice", ratio=1)
    for check in diagnosis.checks:
        status = check.status
        value = formatter_for(check.metric, currency)(check.value)
        if check.value is None and status != "n/a" and check.never:
            value = NEVER  # the p50 lands on a path that never pays back
        checks.add_row(
            Text(status, style=STATUS_STYLES.get(status, "")),
            _label(check.metric),
            value if status != "n/a" else Text(MISSING, style="dim"),
            KeepFigures(Text(check.advice, style="dim" if status == "n/a" else "")),
        )
    return Panel(
        Group(KeepFigures(focus), Text(), checks), title="Diagnosis", title_align="left", border_style="magenta"
    )


def fan_charts(result: Result, *, height: int = 12) -> tuple[FanChart, FanChart]:
    """ARR and cash over the horizon, as fan charts."""
    currency = currency_of(result)
    money = lambda value: format_money(value, currency)  # noqa: E731
    months = result.months
    arr = FanChart(
        months,
        result.series["arr"].to_json(),
        title=f"ARR ({currency})",
        value_format=money,
        zero_line=False,
        height=height,
    )
    cash = FanChart(
        months,
        result.series["cash"].to_json(),
        title=f"Cash ({currency})",
        value_format=money,
        zero_line=True,
        height=height,
    )
    return arr, cash


class Fitting:
    """The first of ``tables`` that fits the width with no cell cut, else the last: the summary leaves
    out its "mean ± se" on a narrow terminal rather than cut every figure."""

    def __init__(self, *tables: Table):
        self.tables = tables

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for table in self.tables[:-1]:
            if _narrowest(table, console, options) <= options.max_width:
                yield table
                return
        yield self.tables[-1]


def _narrowest(table: Table, console: Console, options: ConsoleOptions) -> int:
    """The fewest columns ``table`` takes with every cell whole: a column that does not wrap at its
    widest cell, one that wraps at its widest unbreakable piece; plus padding and separators."""
    wide = options.update_width(10_000)
    total = len(table.columns) - 1 if table.box else 0
    for column in table.columns:
        sizes = [Measurement.get(console, wide, cell) for cell in (column.header, *column.cells)]
        total += max(m.maximum if column.no_wrap else m.minimum for m in sizes) + table.padding[1] + table.padding[3]
    return total


class SideBySide:
    """Renderables next to each other when the width allows ``min_width`` each, else one under the other."""

    def __init__(self, *renderables: RenderableType, min_width: int = 50, gap: int = 3):
        self.renderables = renderables
        self.min_width = min_width
        self.gap = gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        count = len(self.renderables)
        if options.max_width >= count * self.min_width + (count - 1) * self.gap:
            grid = Table.grid(expand=True, padding=(0, self.gap, 0, 0))
            for _ in self.renderables:
                grid.add_column(ratio=1)
            grid.add_row(*self.renderables)
            yield grid
        else:
            for index, renderable in enumerate(self.renderables):
                if index:
                    yield Text()
                yield renderable


def run_report(result: Result, *, charts: bool = True) -> Group:
    """The whole summary of a run, top to bottom."""
    parts: list[RenderableType] = [run_header(result), Text()]
    warning = tail_warning(result)
    if warning is not None:
        parts += [warning, Text()]
    if charts:
        parts += [SideBySide(*fan_charts(result)), Text()]
    parts.append(Fitting(summary_table(result), summary_table(result, errors=False)))
    if len(result.segments) > 1:
        parts += [Text(), segment_table(result)]
    if result.programs:
        from saas_sim.render.programs import programs_view  # it builds on this module's Fitting

        parts += [Text(), programs_view(result)]
    parts += [Text(), diagnosis_panel(result)]
    return Group(*parts)


def company_notes(result: Result) -> list[str]:
    """What the company's cash policies did, in words: how many paths closed for want of cash (``shut_down``,
    from the mean of the series ``closed``) and what funding rounds raised (the sum of ``funding_in``'s means)."""
    company = result.scenario.get("company") or {}
    notes = []
    horizon = result.horizon_months
    closed = result.series.get("closed")
    if company.get("when_out_of_cash") == "shut_down" and closed is not None:
        shares = [share or 0.0 for share in closed.mean]
        last = shares[-1] if shares else 0.0
        if last == 0:
            notes.append(f"No path closed for want of cash by month {horizon} (when out of cash: shut down).")
        else:
            note = f"Closed for want of cash by month {horizon} on {format_rate(last)} of paths"
            half = next((month for month, share in zip(result.months, shares) if share >= 0.5), None)
            notes.append(note + (f" (50% by month {half})." if half is not None and last > 0.5 else "."))
    funding = company.get("funding")
    funding_in = result.series.get("funding_in")
    if funding and funding_in is not None:
        raised = sum(mean or 0.0 for mean in funding_in.mean)
        currency = currency_of(result)
        what = f"{format_money(raised, currency)} a path on average" if raised > 0 else "none on any path"
        money = lambda value: format_money(value, currency)  # noqa: E731
        notes.append(
            f"Funding raised: {what} over {horizon} months"
            f" (rounds of {_as_written(funding['amount'], money)}, {_as_written(funding['probability'], format_rate)}"
            f" odds each, tried when cash falls below {_as_written(funding['below_cash'], money)})."
        )
    return notes


def _as_written(value: object, fmt: Callable[[float], str]) -> str:
    """A number of the normalized scenario: a fixed one formatted, an uncertain one (``{dist: ..}``) as the
    range of its likely values (``$800k–$1.20M``)."""
    if isinstance(value, dict) and "dist" in value:
        from saas_sim.io.values import likely_values
        from saas_sim.model.scenario import Distribution

        params = tuple((key, float(v)) for key, v in value.items() if key != "dist")
        low, high = likely_values(Distribution(value["dist"], params))
        return f"{fmt(low)}–{fmt(high)}"
    return fmt(float(value))  # type: ignore[arg-type]  # a plain number of the normalized scenario
