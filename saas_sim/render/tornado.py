"""The tornado chart of a sensitivity analysis (``saas-sim sensitivity``).

One bar per input, around a centre line at the metric's base value: the
bar of the input swung down in one colour, swung up in the other, each
reaching to the metric's value on that side and labelled with the input's
value there.  Largest effect first; an axis under the bars gives the scale.
The inputs without effect, those a relative swing cannot move (zeros) and
those not swung are listed underneath; where the metric is a probability
pinned at 0 or 100 %, the inputs that leave it there are said to, not to have
no effect, and when none moves it the chart says so and which metric to try.
Where a payback's p50 is never at base, the bars and the axis are the share
of paths that never pay back, by which the inputs are ranked; a metric resting
on too few paths at base says so, with the count.
Without colour (a pipe, ``NO_COLOR``) the two sides differ by their glyph:
``░`` swung down, ``▓`` swung up.  Fits the console's width, from 60 columns
up; a figure never wraps away from its unit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from saas_sim.analysis.fields import MEAN_METRICS, field_of
from saas_sim.analysis.sensitivity import (
    UNMOVED_BOUND,
    UNMOVED_ROUNDING,
    UNMOVED_ZERO,
    Sensitivity,
    Side,
    Swing,
)
from saas_sim.render.figures import KeepFigures
from saas_sim.render.format import (
    format_compact,
    format_count,
    format_error,
    format_money,
    format_rate,
    formatter_for,
    metric_label,
)
from saas_sim.render.summary import paths_of

LOW_STYLE = "cyan"
HIGH_STYLE = "magenta"
LOW_MONO, HIGH_MONO = "░", "▓"  # the sides' bars without colour
MAX_WIDTH = 110
MAX_LABEL = 34
MIN_REACH = 10  # cells of the longest bar, at least
UNMOVED_LABELS = {UNMOVED_BOUND: "at bound", UNMOVED_ROUNDING: "rounds", UNMOVED_ZERO: "zero"}


def format_field_value(path: str, value: float | None, currency: str = "USD") -> str:
    """An input's value as the scenario file would say it: ``$48.0k``, ``5.6%``, ``160``, ``0.3``."""
    if value is None or not math.isfinite(value):
        return "—"
    field = field_of(path)
    if field is None:
        return format_compact(value)
    if field.money:
        return format_money(value, currency)
    if field.unit in ("rate", "share"):
        return f"{100 * value:.3g}%" if abs(value) < 10 else format_rate(value)
    if field.rule is not None and (field.rule.integer or field.rule.whole):
        return format_count(value)
    return format_compact(value)


def short_field(path: str, width: int) -> str:
    """The field path in ``width`` characters: without ``segments.``, then without ``programs.`` (a program's
    keys are no segment's: ``Save.cost_monthly`` cannot be misread), then cut in the middle if need be."""
    path = path.replace("segments.", "", 1)
    if len(path) > width:
        path = path.removeprefix("programs.")
    if len(path) <= width:
        return path
    head = width * 2 // 5
    return path[:head] + "…" + path[len(path) - (width - head - 1) :]


def suggest_option(metrics: Sequence[str]) -> str:
    """How the command line says which metric to rank by instead: ``try --metric cash_out_month or cash_min``."""
    return f"try --metric {' or '.join(metrics)}"


class Tornado:
    """A rich renderable of a :class:`~saas_sim.analysis.sensitivity.Sensitivity`.

    ``suggest`` words the advice to rank by other metrics, where this one is
    pinned at 0 or 100 % (the command line's ``--metric``, a screen's list).
    """

    def __init__(self, result: Sensitivity, *, suggest: Callable[[Sequence[str]], str] = suggest_option):
        self.result = result
        shown = formatter_for(result.metric, result.currency)
        # a payback that never comes is +inf (SPEC 3.2)
        self.format_metric: Callable[[float], str] = lambda value: "never" if value == math.inf else shown(value)
        self.suggest = suggest
        self.color = True
        # never at base: the bars measure the share of paths that never pay back, a probability
        self.by_never = result.ranked_by_never
        self.format_scale = format_rate if self.by_never else self.format_metric
        self.probability = self.by_never or result.metric in MEAN_METRICS
        base_never = result.base_never
        self.base_value = base_never if self.by_never and base_never is not None else result.base

    def at(self, side: Side) -> float | None:
        """Where a side's bar reaches: its metric, or its share that never pays back (:attr:`by_never`)."""
        if side.metric is None:
            return None
        return side.never if self.by_never else side.metric

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        r = self.result
        width = min(options.max_width, MAX_WIDTH)
        self.color = console.color_system is not None and not console.no_color
        yield KeepFigures(self._title())
        low, high = ("█", "█") if self.color else (LOW_MONO, HIGH_MONO)
        legend = Text("  ")
        legend.append(low, LOW_STYLE).append(f" input −{_percent(r.swing)}   ")
        legend.append(high, HIGH_STYLE).append(f" input +{_percent(r.swing)}   ")
        legend.append(f"{r.paths:,} paths, seed {r.seed}, the same in every run", "dim")
        yield KeepFigures(legend)
        if r.saturated is not None:
            yield Text()
            yield KeepFigures(
                Text(
                    f"{r.metric} is {_percent(r.saturated)} in every swing: it cannot move"
                    + (f"; {self.suggest(r.alternatives)}" if r.alternatives else "")
                    + ".",
                    style="bold yellow",
                )
            )
        notice = self._notice()
        if notice:
            yield Text()
            yield KeepFigures(Text(notice, style="bold yellow"))
        moving = [s for s in r.inputs if s.effect > 0]
        if moving:
            yield Text()
            yield from self._bars(moving, width)
        yield from self._lists()

    def _title(self) -> Text:
        r = self.result
        statistic = "probability" if r.metric in MEAN_METRICS else r.statistic
        title = Text(f"{metric_label(r.metric)} ({statistic}): ", style="bold")
        title.append(f"{self.format_metric(r.base)} at base", style="bold")
        if self.by_never:
            title.append(f" ({_share(self.base_value)} of paths never pay back)", style="bold")
        elif r.too_few and r.base_n is not None:
            title.append(f" ({paths_of({'n': r.base_n})})", style="bold")
        title.append(f"; each input swung ±{_percent(r.swing)}, one at a time")
        return title

    def _notice(self) -> str:
        """Why the bars are not the metric's p50 (never at base), or why they are no forecast (too few paths)."""
        r = self.result
        advice = f"; {self.suggest(r.instead)}" if r.instead else ""
        if self.by_never:
            return (
                f"The p50 is never at base ({_share(self.base_value)} of paths never pay back): the inputs are ranked "
                f"by that share instead{advice}."
            )
        if r.too_few:
            return (
                f"{metric_label(r.metric)} at base rests on {r.base_n:,} of {r.paths:,} paths: too few paths "
                f"to be a forecast{advice}."
            )
        return ""

    def _bars(self, moving: list[Swing], width: int) -> RenderResult:
        value_width = max(len(self._value(s, side)) for s in moving for side in (s.low, s.high)) + 1
        longest = max(len(s.field) for s in moving)
        label_width = max(min(longest, MAX_LABEL, width - 3 - 2 * (value_width + MIN_REACH)), 12)
        # Shortened, every segment field alike: without "segments." (the JSON has the full paths).
        shorten = longest > label_width
        half = (width - label_width - 2) // 2  # cells each side of the centre line
        reach = max(half - value_width, MIN_REACH)  # the longest bar, leaving room for its label
        # a side at or from never (+inf) draws the whole reach; the finite ones set the scale
        base = self.base_value
        deviation = (
            max(
                (
                    abs(v - base)
                    for s in moving
                    for v in (self.at(s.low), self.at(s.high))
                    if v is not None and math.isfinite(v - base)
                ),
                default=0.0,
            )
            or 1.0
        )
        for swing in moving:
            label = short_field(swing.field, label_width) if shorten else swing.field
            line = Text(label.ljust(label_width) + " ", overflow="crop", no_wrap=True)
            line.append_text(self._bar(swing, half, reach, deviation))
            yield line
        yield self._axis(label_width, half, reach, deviation)

    def _bar(self, swing: Swing, half: int, reach: int, deviation: float) -> Text:
        """Left half, centre line, right half; each side's bar in its colour, its input value at its end."""
        base = self.base_value
        bars: dict[int, list[tuple[str, str | None]]] = {-1: [], 1: []}  # from the centre outwards
        labels: dict[int, list[tuple[str, str]]] = {-1: [], 1: []}
        drawn, idle = [], []
        for side, style in ((swing.low, LOW_STYLE), (swing.high, HIGH_STYLE)):
            reached = self.at(side)
            if reached is None or not side.moved or reached == base:
                idle.append((self._value(swing, side), f"dim {style}"))
                continue
            gap = abs(reached - base)
            halves = 2 * reach if not math.isfinite(gap) else max(1, round(2 * reach * gap / deviation))
            drawn.append((halves, -1 if reached < base else 1, style, side))
        for halves, direction, style, side in sorted(drawn, key=lambda d: -d[0]):  # the shorter on top
            full, part = divmod(halves, 2)
            if self.color:
                glyphs = [("█", style)] * full + ([("▐" if direction < 0 else "▌", style)] if part else [])
            else:  # whole cells of the side's glyph: half blocks would look alike
                glyphs = [(LOW_MONO if style == LOW_STYLE else HIGH_MONO, style)] * (full + part)
            bars[direction][: len(glyphs)] = glyphs
            labels[direction].append((self._value(swing, side), style))
        for idle_label in idle:  # a side that did not move, or whose run failed, is named on a free side
            labels[1 if not labels[1] else -1].append(idle_label)
        line = Text(no_wrap=True, overflow="crop")
        halves_out = {}
        for direction in (-1, 1):
            text: list[tuple[str, str | None]] = []
            for i, (label, style) in enumerate(labels[direction]):
                text += [(" ", None)] * (1 if i else 0) + [(ch, style) for ch in label]
            if direction < 0:
                text.reverse()  # written outwards from the centre: reversed, it reads left to right
            cells = bars[direction] + ([(" ", None)] if text else []) + text
            halves_out[direction] = (cells + [(" ", None)] * half)[:half]
        cells = [*reversed(halves_out[-1]), ("│", "dim"), *halves_out[1]]
        for style, group in itertools.groupby(cells, key=lambda cell: cell[1]):
            line.append("".join(ch for ch, _ in group), style)
        return line

    def _axis(self, label_width: int, half: int, reach: int, deviation: float) -> Text:
        """The metric's scale under the bars: the base at the centre, ± the largest deviation at the ends."""
        value = self.base_value
        low, high = self.format_scale(value - deviation), self.format_scale(value + deviation)
        if not math.isfinite(value):  # never at base: no scale around it
            low = high = ""
        base = self.format_scale(value)
        ruler = [" "] * (2 * half + 1)
        for i in range(half - reach, half + reach + 1):
            ruler[i] = "─"
        ruler[half - reach], ruler[half], ruler[half + reach] = "└", "┴", "┘"
        labels = [" "] * (2 * half + 1)

        def put(text: str, centre: int) -> None:
            start = max(0, min(centre - len(text) // 2, len(labels) - len(text)))
            labels[start : start + len(text)] = text

        if not self.probability or value - deviation >= 0:  # a probability's scale ends at 0 and 100 %
            put(low, half - reach)
        if not self.probability or value + deviation <= 1:
            put(high, half + reach)
        put(base, half)
        pad = " " * (label_width + 1)
        axis = Text(pad + "".join(ruler).rstrip(), style="dim", no_wrap=True, overflow="crop")
        axis.append("\n" + pad + "".join(labels).rstrip())
        return axis

    def _value(self, swing: Swing, side: Side) -> str:
        text = format_field_value(swing.field, side.value, self.result.currency)
        if swing.uncertain:
            text = "~" + text  # the median of a swung distribution
        if not side.moved:
            return f"{text} ({UNMOVED_LABELS.get(side.note, 'unmoved')})"
        if side.metric is None:
            return f"{text} (failed)" if side.note.startswith("diverged") else f"{text} (n/a)"
        if (side.metric == math.inf) != (self.result.base == math.inf):  # to or from never: say where it lands
            return f"{text} ({self.format_metric(side.metric)})"
        return text

    def _lists(self) -> RenderResult:
        r = self.result
        label = metric_label(r.metric)
        failed = lambda s: any(side.moved and side.metric is None for side in (s.low, s.high))  # noqa: E731
        zero = [
            s.field + (" (a run failed)" if failed(s) else "")
            for s in r.inputs
            if s.effect == 0 and s.low.note != UNMOVED_ZERO
        ]
        at_zero = [s.field for s in r.inputs if s.effect == 0 and s.low.note == UNMOVED_ZERO]
        if self.by_never:
            unmoved = "No effect on the share that never pays back: "
        elif r.pinned_at is None:
            unmoved = f"No effect on {label}: "
        elif r.saturated is not None:
            unmoved = f"Swung, still {_percent(r.pinned_at)}: "
        else:  # at its bound: a side that would push it further leaves it there
            advice = f"; {self.suggest(r.alternatives)}" if r.alternatives else ""
            unmoved = f"Still {_percent(r.pinned_at)} on both sides ({r.metric} is pinned there{advice}): "
        groups = (
            (unmoved, zero),
            (f"At 0, which ±{_percent(r.swing)} cannot move: ", at_zero),
            (
                "Not swung: ",
                [
                    f"{', '.join(f for f, w in r.not_swung if w == why)} ({why})"
                    for why in dict.fromkeys(why for _, why in r.not_swung)
                ],
            ),
        )
        for heading, items in groups:
            if items:
                text = Text()
                text.append(heading, style="bold")
                text.append(", ".join(items), style="dim")
                yield Text()
                yield KeepFigures(text)
        if r.base_se:
            yield Text()
            error = format_error(r.metric, r.base_se, r.currency, mean=r.base)
            yield KeepFigures(
                Text(
                    f"Standard error of the base {r.statistic}: ± {error}. Effects of "
                    "churn, CAC, spend and counts within about that are noise: they change the random "
                    "draws (costs, margins and cash do not, and move the metric exactly).",
                    style="dim",
                )
            )
        if any(s.uncertain for s in r.inputs):
            yield Text("~ an uncertain input: its whole distribution scaled; the median shown", style="dim")


def _share(fraction: float) -> str:
    """``0.6255`` -> ``63%``: a share of paths, as the summary says it."""
    return f"{100 * fraction:.0f}%"


def _percent(fraction: float) -> str:
    """``0.2`` -> ``20%``, ``1.0`` -> ``100%``."""
    return f"{100 * fraction:.3g}%"
