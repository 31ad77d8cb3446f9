"""The workshop's steps as rich renderables: the text, big figures, the chart, the knobs.

Shared by ``saas-sim workshop --print`` (every step, one after another) and
the workshop screen of the TUI (figures, texts and charts).  Everything is
read from a step (:mod:`saas_sim.analysis.workshop`) and its simulation
result; numbers in a text are the step's facts, formatted here.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from saas_sim.analysis.workshop import Chart, Fact, Step, StepMap, knob_text
from saas_sim.model.result import Result
from saas_sim.render.compare import CompareColors, CompareFanChart
from saas_sim.render.fan_chart import FanChart
from saas_sim.render.format import (
    MISSING,
    format_compact,
    format_count,
    format_money,
    format_month,
    format_months,
    format_multiple,
    format_rate,
)

if TYPE_CHECKING:
    from saas_sim.analysis.maps import MapResult

STATUS_STYLES = {"ok": "green", "warn": "yellow", "bad": "red"}
PENDING = "…"  # a placeholder whose fact is not known yet
MAX_WIDTH = 100  # a handout's width; the figures and chart never need more
MAP_WIDTH = 46  # a step's map, its cells without units: two side by side from 2 x 46 + 2 columns
MAPS_CAPTION = (
    "Each map keeps its own plan's other inputs (spend, reinvestment, expansion) as the plan gives them; ◆ is the plan."
)


def format_fact(fact: Fact | None, currency: str = "USD") -> str:
    """A fact as a person reads it: ``46.0%``, ``$5.4k``, ``11.0 mo``, ``month 26``, ``never``."""
    if fact is None:
        return PENDING
    value = fact.value
    if value is not None and math.isinf(value) and value > 0 and fact.kind in ("months", "month"):
        return "never"
    if fact.kind == "money":
        return format_money(value, currency)
    formatter = {
        "count": format_count,
        "rate": format_rate,
        "months": format_months,
        "month": format_month,
        "multiple": format_multiple,
    }.get(fact.kind, format_compact)
    return formatter(value)


def fill(template: str, facts: dict[str, Fact] | None, currency: str = "USD") -> str:
    """``template`` with each ``{key}`` replaced by the formatted fact (``…`` while unknown)."""
    facts = facts or {}
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name:
            parts.append(format_fact(facts.get(name), currency))
    return "".join(parts)


def fill_text(
    template: str, facts: dict[str, Fact] | None, currency: str = "USD", *, number_style: str = "bold"
) -> Text:
    """As :func:`fill`, with the numbers in ``number_style``: what the audience looks for."""
    facts = facts or {}
    text = Text()
    for literal, name, _, _ in string.Formatter().parse(template):
        text.append(literal)
        if name:
            text.append(format_fact(facts.get(name), currency), style=number_style)
    return text


def fact_range(fact: Fact, currency: str = "USD") -> str:
    """``p10–p90 48–61`` for a simulated fact whose paths differ, else empty."""
    if fact.low is None or fact.high is None or math.isclose(fact.low, fact.high, rel_tol=1e-9, abs_tol=1e-12):
        return ""
    low = format_fact(Fact("", fact.low, fact.kind), currency)
    high = format_fact(Fact("", fact.high, fact.kind), currency)
    if fact.kind == "month":
        low, high = low.removeprefix("month "), high.removeprefix("month ")
    return f"p10–p90 {low}–{high}"


def fact_note(fact: Fact, facts: dict[str, Fact], currency: str = "USD") -> str:
    """The fact's note, filled."""
    return fill(fact.note, facts, currency)


def currency_of(result: Result | None) -> str:
    return result.currency if result is not None else "USD"


def figure_panel(fact: Fact | None, facts: dict[str, Fact], currency: str = "USD") -> Panel:
    """One figure: the label in the border, the value big and bold, its note and range under it."""
    if fact is None:
        return Panel(Text(PENDING), box=box.ROUNDED)
    value = Text(format_fact(fact, currency), style=f"bold {STATUS_STYLES.get(fact.status or '', '')}".strip())
    lines: list[RenderableType] = [value]
    lines.extend(
        Text(line, style="dim") for line in (fact_note(fact, facts, currency), fact_range(fact, currency)) if line
    )
    return Panel(
        Group(*lines),
        title=Text(fact.label),
        title_align="left",
        box=box.ROUNDED,
        border_style=STATUS_STYLES.get(fact.status or "", "bright_black"),
        padding=(0, 1),
    )


def figures_row(step: Step, facts: dict[str, Fact] | None, currency: str = "USD") -> Table:
    """The step's headline facts side by side, equal widths."""
    facts = facts or {}
    grid = Table.grid(expand=True, padding=(0, 1, 0, 0))
    for _ in step.headline:
        grid.add_column(ratio=1)
    grid.add_row(*(figure_panel(facts.get(key), facts, currency) for key in step.headline))
    return grid


def _value_format(kind: str, currency: str) -> Callable[[float | None], str]:
    if kind == "money":
        return lambda value: format_money(value, currency)
    if kind == "rate":
        return lambda value: MISSING if value is None else f"{100 * value:.0f}%"
    return {"count": format_count, "months": format_months, "multiple": format_multiple}.get(kind, format_compact)


class _LinesChart(CompareFanChart):
    """Two lines (no bands) on one chart, each named in the legend."""

    def _legend_parts(self, color: bool) -> list[Text]:
        colors = self.compare_colors
        parts = []
        for label, style, mark in (
            (self.labels[0], colors.median_a, "━" if color else "█"),
            (self.labels[1], colors.median_b, "━" if color else "•"),
        ):
            part = Text(no_wrap=True, overflow="ellipsis")
            part.append(mark, style=style if color else None)
            part.append(f" {label}", style="dim")
            parts.append(part)
        return parts


def chart_renderable(chart: Chart, currency: str = "USD", *, height: int = 12) -> FanChart:
    """The step's chart with ``height`` plot rows: a fan chart, or two series on one set of axes."""
    value_format = _value_format(chart.kind, currency)
    if chart.other is None:
        return FanChart(
            chart.months,
            chart.bands,
            title=chart.title,
            value_format=value_format,
            zero_line=chart.zero_line,
            height=height,
        )
    lines_only = not any(stat in bands for bands in (chart.bands, chart.other) for stat in ("p10", "p90"))
    kind = _LinesChart if lines_only else CompareFanChart
    return kind(
        chart.months,
        chart.bands,
        chart.other,
        labels=(chart.label, chart.other_label),
        title=chart.title,
        value_format=value_format,
        zero_line=chart.zero_line,
        height=height,
        colors=CompareColors(),
    )


def chart_lines_around_plot(chart: FanChart, width: int) -> int:
    """Lines a chart draws besides its plot rows at ``width``: title, legend and the two axis lines."""
    if isinstance(chart, CompareFanChart):
        return 1 + len(chart._legend_lines(True, width)) + 2
    return 3


class FittedChart:
    """A step's chart that takes ``lines`` lines in all, whatever the width's legend needs."""

    def __init__(self, chart: Chart, currency: str = "USD", *, lines: int = 15):
        self.chart = chart
        self.currency = currency
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        renderable = chart_renderable(self.chart, self.currency)
        renderable.height = max(self.lines - chart_lines_around_plot(renderable, options.max_width), 3)
        yield renderable


class StepMaps:
    """A step's maps (SPEC 8) side by side where two fit, else one under the other, in at most ``rows`` lines:
    every row of their grids first, then each map's title, then the caption saying what each map holds fixed
    (the step's text says it too); a grid taller than the rows left is sampled, as its legend says."""

    def __init__(self, plans: Sequence[StepMap], maps: Sequence[MapResult | None], *, rows: int = 60):
        self.plans = plans
        self.maps = maps
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from saas_sim.render.map import MapHeatmap

        maps = [self.maps[i] if i < len(self.maps) else None for i in range(len(self.plans))]
        side_by_side = len(self.plans) > 1 and options.max_width >= len(self.plans) * (MAP_WIDTH + 2)
        count = 1 if side_by_side else len(self.plans)
        column = options.max_width // len(self.plans) - 2 if side_by_side else options.max_width
        caption = Text(MAPS_CAPTION, style="dim")
        caption_lines = len(caption.wrap(console, options.max_width))
        full = max(
            (
                len(console.render_lines(MapHeatmap(m, max_rows=10_000), options.update(width=column)))
                for m in maps
                if m
            ),
            default=1,
        )
        room = self.rows - (count - 1)  # a blank line between two maps one under the other
        titles = room >= count * (full + 1)
        shown_caption = room >= count * (full + titles) + caption_lines
        each = (room - (caption_lines if shown_caption else 0)) // count - titles

        def one(plan: StepMap, result: MapResult | None) -> RenderableType:
            body = MapHeatmap(result, max_rows=max(each, 8)) if result is not None else Text(PENDING)
            return Group(Text(plan.title, style="bold"), body) if titles else body

        if side_by_side:
            grid = Table.grid(expand=True, padding=(0, 2, 0, 0))
            for _ in self.plans:
                grid.add_column(ratio=1)
            grid.add_row(*(one(plan, result) for plan, result in zip(self.plans, maps)))
            yield grid
        else:
            for index, (plan, result) in enumerate(zip(self.plans, maps)):
                if index:
                    yield Text()
                yield one(plan, result)
        if shown_caption:
            yield caption


def knobs_line(step: Step) -> Text:
    """``Change on the spot: Churn a month (segments.Customers.churn.monthly) 5% · ...``, as the step has them."""
    line = Text("Change on the spot: ", style="bold")
    for index, knob in enumerate(step.knobs):
        if index:
            line.append(" · ")
        line.append(knob.label)
        line.append(f" ({knob.field}) ", style="dim")
        line.append(knob_text(step.scenario_text, knob.field), style="bold")
    return line


def step_header(step: Step, total: int) -> Rule:
    return Rule(
        Text(f" Step {step.number} of {total} · {step.title} ", style="bold"),
        align="left",
        style="cyan",
        characters="━",
    )


def render_step(
    step: Step,
    result: Result,
    baseline: Result | None = None,
    *,
    width: int = MAX_WIDTH,
    total: int = 7,
    chart_lines: int = 16,
    maps: Sequence[MapResult] = (),
) -> RenderableType:
    """A whole step for a terminal or a handout: title, text, rule of thumb, figures, chart (or the step's
    maps), knobs."""
    currency = currency_of(result)
    facts = step.facts(result, baseline, maps)
    rule = Text("Rule of thumb: ", style="bold")
    rule.append(step.rule)
    rule.append(f"  ({step.source})", style="dim")
    parts: list[RenderableType] = [
        step_header(step, total),
        Text(),
        fill_text(step.text, facts, currency),
        Text(),
        rule,
        Text(),
        figures_row(step, facts, currency),
        Text(),
        StepMaps(step.maps, maps)
        if step.maps
        else FittedChart(step.chart(result, baseline), currency, lines=chart_lines),
        Text(),
        knobs_line(step),
    ]
    return _Width(Group(*parts), width)


class _Width:
    """A renderable drawn at most ``width`` columns wide."""

    def __init__(self, renderable: RenderableType, width: int):
        self.renderable = renderable
        self.width = width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.renderable, options.update(width=min(self.width, options.max_width)))
