"""The report's charts (SPEC 7), drawn with matplotlib: inline SVG for the HTML page, PNG for slides.

Every chart is a :class:`Chart`: a name (the PNG's file name, the HTML figure's id), a title, and a
matplotlib :class:`~matplotlib.figure.Figure` made with the object API (no pyplot: no global state,
no GUI backend, safe beside Textual's threads).  One run or two: given two, a fan overlays them (A
and B in their own colours, as ``compare`` does), a histogram overlays their outlines, and the
movements and the cohort heatmap get a panel each, side by side on one scale.

Sizes: every figure is 16:9 (:data:`FIGSIZE`); :func:`png_bytes` renders it at 1920×1080 for a slide,
:func:`svg_text` as scalable text (its words and figures stay text, so a browser's find and a screen
reader see them; ids salted per chart so that many SVGs can live in one page).

matplotlib is imported here, and this module only by ``report`` (``saas-sim run`` never loads it).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before anything draws: no screen, no GUI toolkit, here or in the TUI

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from saas_sim.analysis.report import Histogram, ReportRun
from saas_sim.analysis.sensitivity import Sensitivity, Swing
from saas_sim.model.result import Statistic
from saas_sim.render.format import format_count, format_money, format_rate
from saas_sim.render.summary import currency_of

FIGSIZE = (9.6, 5.4)  # inches, 16:9
PNG_DPI = 200  # 1920×1080
COLORS = ("#1f5fa8", "#d9730d")  # A, B: blue and orange (also told apart in grey, by their line styles)
LINESTYLES = ("solid", "dashed")
LABEL_CHARS = 30  # a run's name in a panel title or a legend: two side by side fit a 16:9 chart
INK, GRID, ZERO = "#222222", "#e4e4e4", "#a01c1c"
MOVEMENTS = (  # the MRR bridge's parts, stacked: gains above zero, losses below
    ("new_mrr", "new", "#1f5fa8", 1),
    ("expansion_mrr", "expansion", "#5b9bd5", 1),
    ("contraction_mrr", "contraction", "#e8a33d", -1),
    ("churned_mrr", "churned", "#c0392b", -1),
)

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text
        "text.parse_math": False,  # "$2.4k – $3.6k" or a name with two $ is text, not TeX math
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],  # matplotlib's own: the same in every PNG; the SVG falls back
        "font.size": 11,
        "axes.edgecolor": "#888888",
        "axes.labelcolor": INK,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": "#555555",
        "ytick.color": "#555555",
        "legend.frameon": False,
    }
)


@dataclass
class Chart:
    name: str  # file name stem and HTML id: "arr", "cash", "movements", ...
    title: str
    figure: Figure
    caption: str = ""  # one sentence a reader needs to read the chart right


def svg_text(chart: Chart) -> str:
    """The chart as an ``<svg>`` element to inline in HTML (no XML prolog, no DOCTYPE, no date)."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"saas-sim-{chart.name}", "svg.id": chart.name + "-svg"}):
        chart.figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    # No prolog, and no RDF metadata block: its namespaces are addresses a reader's tool may take for links.
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg") :], count=1, flags=re.S)


def png_bytes(chart: Chart) -> bytes:
    """The chart as a PNG for a 16:9 slide (1920×1080)."""
    out = io.BytesIO()
    chart.figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return out.getvalue()


def _figure(panels: int = 1) -> tuple[Figure, list]:
    figure = Figure(figsize=FIGSIZE, layout="constrained")
    axes = figure.subplots(1, panels, sharey=True, squeeze=False)[0]
    for ax in axes:
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
    return figure, list(axes)


def _title(figure: Figure, title: str) -> None:
    """A chart's title at the figure's left edge: every chart's in the same place, whatever its tick labels' width."""
    figure.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=13)


def _values(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def money_axis(currency: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _: format_money(value, currency))


def count_axis() -> FuncFormatter:
    return FuncFormatter(lambda value, _: format_count(value))


def _month_axis(ax: object, horizon: int) -> None:
    ax.set_xlabel("month")  # type: ignore[attr-defined]
    ax.set_xlim(0.5, horizon + 0.5)  # type: ignore[attr-defined]
    ax.xaxis.set_major_locator(_whole())  # type: ignore[attr-defined]


def _whole() -> MaxNLocator:
    """Ticks on whole numbers only, even when the axis spans a single one (a 1-month horizon)."""
    return MaxNLocator(integer=True, nbins=12, min_n_ticks=1)


def _short(label: str, most: int = LABEL_CHARS) -> str:
    """A run's name as a panel title or legend entry: cut with an ellipsis where two would run into each other."""
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------------------------
# Fans


def fan_chart(runs: Sequence[ReportRun], series: str, title: str, axis: Callable[[str], FuncFormatter]) -> Chart:
    """p5–p95, p10–p90 and p50 of a company series by month, the zero line drawn; two runs overlaid."""
    figure, (ax,) = _figure()
    horizon = 0
    for i, run in enumerate(runs):
        stat: Statistic = run.result.series[series]
        months = np.array(run.result.months, dtype=float)
        horizon = max(horizon, len(months))
        repeat = 1
        if len(months) == 1:  # one month: a short level across it (a single point draws no line and no band)
            months, repeat = months[0] + np.array([-0.3, 0.3]), 2
        p5, p10, p50, p90, p95 = (
            np.repeat(_values(v), repeat) for v in (stat.p5, stat.p10, stat.p50, stat.p90, stat.p95)
        )
        color, who = COLORS[i], (f"{'AB'[i]}: " if len(runs) > 1 else "")
        ax.fill_between(months, p5, p95, color=color, alpha=0.12, linewidth=0)
        ax.fill_between(months, p10, p90, color=color, alpha=0.25, linewidth=0)
        ax.plot(months, p50, color=color, linewidth=2.2, linestyle=LINESTYLES[i], label=f"{who}p50")
        ax.fill_between([], [], [], color=color, alpha=0.37, label=f"{who}p10–p90")
        ax.fill_between([], [], [], color=color, alpha=0.12, label=f"{who}p5–p95")
    ax.axhline(0, color=ZERO, linewidth=1.0, linestyle=(0, (4, 3)), zorder=1)
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0.0), max(high, 0.0))
    ax.yaxis.set_major_formatter(axis(currency_of(runs[0].result)))
    _month_axis(ax, horizon)
    _title(figure, title)
    ax.legend(loc="best", ncols=3 if len(runs) > 1 else 1, fontsize=9)  # where it hides least of the fan
    return Chart(series, title, figure, "Shaded: where 90 % and 80 % of the simulated futures lie; line: the median.")


def fan_charts(runs: Sequence[ReportRun]) -> list[Chart]:
    return [
        fan_chart(runs, "arr", "ARR", money_axis),
        fan_chart(runs, "customers", "Customers", lambda _: count_axis()),
        fan_chart(runs, "cash", "Cash", money_axis),
    ]


# ---------------------------------------------------------------------------------------------------------------
# MRR movements


def movements_chart(runs: Sequence[ReportRun]) -> Chart:
    """The MRR bridge by month, stacked: new and expansion above zero, contraction and churned below, the
    net as a line; means over paths, which add up (medians do not: the p50s of the parts need not sum to
    the p50 of the net)."""
    figure, axes = _figure(len(runs))
    for i, (ax, run) in enumerate(zip(axes, runs, strict=True)):
        months = np.array(run.result.months, dtype=float)
        up, down = np.zeros(len(months)), np.zeros(len(months))
        for series, label, color, sign in MOVEMENTS:
            values = np.nan_to_num(_values(run.result.series[series].mean)) * sign
            base = up if sign > 0 else down
            ax.bar(months, values, bottom=base, color=color, width=0.85, label=label, linewidth=0)
            base += values
        net = _values(run.result.series["net_new_mrr"].mean)
        ax.plot(months, net, color=INK, linewidth=1.6, label="net new MRR")
        ax.axhline(0, color="#666666", linewidth=0.8)
        ax.yaxis.set_major_formatter(money_axis(currency_of(run.result)))
        _month_axis(ax, len(months))
        if len(runs) > 1:
            ax.set_title(f"{'AB'[i]}: {_short(run.label)}", fontsize=11, loc="left")
    _title(figure, "MRR movements by month (mean over paths)")
    handles, labels = axes[0].get_legend_handles_labels()  # under the panels: inside one it would crowd its bars
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=9)
    return Chart(
        "movements",
        "MRR movements",
        figure,
        "Gains above zero, losses below; the line is the net change. Means, so the parts add up to the net.",
    )


# ---------------------------------------------------------------------------------------------------------------
# Cohort retention


def cohort_chart(runs: Sequence[ReportRun]) -> Chart:
    """Logo retention by signup month (rows) and months since signup (columns)."""
    figure, axes = _figure(len(runs))
    image = None
    grids = []
    for run in runs:
        table = run.result.cohorts.logo_retention
        grid = np.full((len(table), len(table)), np.nan)
        for k, row in enumerate(table):
            grid[k, : len(row)] = _values(row)
        grids.append(grid)
    # The colour scale starts at the lowest retention shown, in whole tens (60 %, not 0 %): on 0-100 % a plan
    # keeping 60-100 % of its accounts was one shade of dark blue.
    lowest = min((float(np.nanmin(g)) for g in grids if np.isfinite(g).any()), default=0.0)
    floor = max(0.0, math.floor(min(lowest, 0.9) * 10) / 10)
    for i, (ax, run, grid) in enumerate(zip(axes, runs, grids, strict=True)):
        size = len(grid)
        image = ax.imshow(
            grid, cmap="Blues", vmin=floor, vmax=1.0, aspect="auto", interpolation="nearest", origin="upper",
            extent=(-0.5, size - 0.5, size + 0.5, 0.5),
        )  # fmt: skip
        ax.grid(False)
        ax.set_xlabel("months since signup")
        ax.xaxis.set_major_locator(_whole())
        ax.yaxis.set_major_locator(_whole())
        if i == 0:
            ax.set_ylabel("signup month")
        if len(runs) > 1:
            ax.set_title(f"{'AB'[i]}: {_short(run.label)}", fontsize=11, loc="left")
    assert image is not None
    colorbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_rate(value)))
    _title(figure, "Cohort logo retention")
    return Chart(
        "cohorts",
        "Cohort retention",
        figure,
        "Each row is the accounts won in one month; the colour is the share still customers that many months later"
        + (f" (the scale starts at {format_rate(floor)})." if floor > 0 else "."),
    )


# ---------------------------------------------------------------------------------------------------------------
# Where ARR and cash end


def histogram_chart(runs: Sequence[ReportRun], metric: str, title: str) -> Chart | None:
    """The paths' values of ``metric`` at the horizon as bars (one run) or outlines (two), p10/p50/p90 marked;
    ``None`` when no run has its histogram."""
    drawn = [
        (i, run, run.histograms[metric]) for i, run in enumerate(runs) if run.histograms and metric in run.histograms
    ]
    if not drawn:
        return None
    figure, (ax,) = _figure()
    marks: list[tuple[int, float, str, str]] = []  # (priority, value, label, colour): p50s first
    for i, run, histogram in drawn:
        if not histogram.counts:
            continue
        share = np.array(histogram.counts, dtype=float) / max(histogram.total + histogram.undefined, 1)
        edges = np.array(histogram.edges)
        color, who = COLORS[i], (f"{'AB'[i]}: " if len(runs) > 1 else "")
        label = "share of paths" if len(runs) == 1 else f"{who}{_short(run.label)}"
        ax.stairs(share, edges, fill=True, color=color, alpha=0.75 if len(runs) == 1 else 0.45, label=label)
        stats = run.result.summary[metric]
        for stat, style in (("p10", (0, (2, 2))), ("p50", "solid"), ("p90", (0, (2, 2)))):
            value = getattr(stats, stat)
            if value is not None:
                ax.axvline(value, color=color if len(runs) > 1 else INK, linewidth=1.2, linestyle=style)
                marks.append((0 if stat == "p50" else 1, value, f"{who}{stat}", color if len(runs) > 1 else INK))
    low, high = ax.get_xlim()
    if metric == "cash_end" and low - 0.25 * (high - low) <= 0 <= high:  # out of cash in sight: where zero is
        ax.axvline(0, color=ZERO, linewidth=1.0, linestyle=(0, (4, 3)))
        low, high = ax.get_xlim()
    # A label only where it has room: lines closer than a label's width keep their line, the p50 its label.
    placed: list[float] = []
    for _, value, text, color in sorted(marks, key=lambda mark: mark[0]):
        where = (value - low) / (high - low) if high > low else 0.5
        if all(abs(where - other) > 0.02 * len(text) for other in placed):
            placed.append(where)
            ax.annotate(
                text, (value, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=9,
                color=color,
            )  # fmt: skip
    ax.xaxis.set_major_formatter(money_axis(currency_of(runs[0].result)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_rate(value)))
    ax.set_ylabel("share of paths")
    _title(figure, title)
    if len(runs) > 1:
        figure.legend(loc="outside lower center", ncols=len(drawn), fontsize=9)
    return Chart(metric, title, figure, _histogram_caption(drawn[0][2]))


def _histogram_caption(histogram: Histogram) -> str:
    parts = ["Bars: the share of simulated futures ending in each range; lines: p10, p50 and p90."]
    clipped = histogram.clipped_low + histogram.clipped_high
    if clipped:
        parts.append(f"The {clipped:,} most extreme paths are counted in the end bars.")
    if histogram.undefined:
        parts.append(f"{histogram.undefined:,} paths have no value and are left out.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Tornado


TORNADO_INPUTS = 12  # the inputs that move the metric most; the rest are in the terminal's tornado


def tornado_chart(sensitivity: Sensitivity) -> Chart:
    """Each input swung down and up (one at a time, same seed): the metric's statistic on either side of its
    base value, the inputs that move it most on top."""
    from saas_sim.render.format import formatter_for, metric_kind, metric_label

    swings = [s for s in sensitivity.inputs if s.effect > 0 and math.isfinite(s.effect)][:TORNADO_INPUTS]
    figure, (ax,) = _figure()
    fmt = formatter_for(sensitivity.metric, sensitivity.currency)
    base = sensitivity.base
    rows = list(reversed(swings))  # barh draws bottom up
    for y, swing in enumerate(rows):
        for side, color, label in ((swing.low, "#c0392b", "input down"), (swing.high, "#1f5fa8", "input up")):
            if side.metric is None or not math.isfinite(side.metric) or not side.moved:
                continue
            ax.barh(y, side.metric - base, left=base, color=color, height=0.7, label=label if y == 0 else None)
    ax.axvline(base, color=INK, linewidth=1.2)
    ax.set_yticks(range(len(rows)), [_swing_label(swing, sensitivity.currency) for swing in rows], fontsize=9)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.grid(axis="y", visible=False)
    axis_fmt = (
        (lambda value: format_money(value, sensitivity.currency)) if metric_kind(sensitivity.metric) == "money" else fmt
    )  # an axis's ticks without trailing zeros ($10M beside $12M, not $12.0M)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: axis_fmt(value)))
    title = f"What moves {metric_label(sensitivity.metric)} ({sensitivity.statistic}) most"
    _title(figure, title)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=9)
    moved = f"{sensitivity.swing:.0%}"
    if not rows:  # nothing to draw: say so rather than show an empty frame
        ax.text(
            0.5, 0.5, f"No input moved {metric_label(sensitivity.metric)} when swung {moved} down or up: it stays "
            f"{fmt(base)}.", transform=ax.transAxes, ha="center", va="center", wrap=True,
        )  # fmt: skip
    return Chart(
        "tornado",
        "Tornado",
        figure,
        f"Each input moved {moved} down (red) and up (blue) on its own, the same futures for every run; the line is "
        f"the base, {fmt(base)}.",
    )


def _swing_label(swing: Swing, currency: str) -> str:
    """``segments.Shops.cac ($2.40k – $3.60k)``: the input and the values it was swung to, as the terminal's tornado."""
    from saas_sim.render.tornado import format_field_value

    low, high = (format_field_value(swing.field, side.value, currency) for side in (swing.low, swing.high))
    return f"{swing.field} ({low} – {high})"


def all_charts(runs: Sequence[ReportRun]) -> list[Chart]:
    """Every chart of the report, in its order."""
    charts = [*fan_charts(runs), movements_chart(runs), cohort_chart(runs)]
    for metric, title in (("arr_end", "Where ARR ends"), ("cash_end", "Where cash ends")):
        chart = histogram_chart(runs, metric, title)
        if chart is not None:
            charts.append(chart)
    if runs[0].sensitivity is not None:
        charts.append(tornado_chart(runs[0].sensitivity))
    return charts
