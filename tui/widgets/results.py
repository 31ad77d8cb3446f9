"""The live results of a scenario: KPI cards, fan charts, MRR movements, cohorts and the diagnosis.

Everything here reads a typed result (:class:`~saas_sim.model.result.Result`, the SPEC 5
document) and formats it; nothing is computed that the engine did not report.  The main screen hands results down
with ``show_result``/``show_progress``/``show_invalid``; the company/segment
switch is local to the panel and re-renders from the stored result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, ProgressBar, Select, Static, TabbedContent, TabPane

from saas_sim.model.catalog.metrics import METRICS, statistic_name
from saas_sim.model.result import Result, Statistic, SummaryStatistic
from saas_sim.render.fan_chart import FanChart
from saas_sim.render.format import (
    MISSING,
    format_count,
    format_money,
    format_rate,
    formatter_for,
    metric_kind,
    metric_label,
)
from saas_sim.render.ledger import CohortHeatmap
from saas_sim.render.programs import programs_brief
from saas_sim.render.summary import currency_of, diagnosis_panel
from tui.widgets.map import MapPanel

COMPANY = ("company",)
"""The view-switch value of the company view; a segment's is ``("segment", name)``."""

STATUSES = ("ok", "warn", "bad", "n/a")
STATUS_CLASSES = tuple(f"-{status.replace('/', '')}" for status in STATUSES)  # -ok -warn -bad -na


@dataclass(frozen=True)
class Card:
    metric: str  # a summary metric of SPEC 3.2; it is also the name of the diagnosis check, when there is one

    @property
    def label(self) -> str:
        return METRICS[self.metric].card_label


# The cards, in the order they are shown.
CARDS: tuple[Card, ...] = tuple(
    Card(metric)
    for metric in (
        "arr_end",
        "nrr_12m_end",
        "grr_12m_end",
        "annualized_logo_churn_end",
        "ltv_cac",
        "payback_months_with_churn",
        "out_of_cash",
        "cash_out_month",
    )
)

MOVEMENTS: tuple[tuple[str, str, int], ...] = (
    # series, column label, sign shown (contraction and churn take MRR away)
    ("new_mrr", "New", 1),
    ("expansion_mrr", "Expansion", 1),
    ("contraction_mrr", "Contraction", -1),
    ("churned_mrr", "Churned", -1),
    ("net_new_mrr", "Net new", 1),
    ("mrr", "MRR", 1),
)
MOVEMENT_STAT = "mean"  # means add up month by month (mrr_t = mrr_{t-1} + net_new_mrr_t); medians do not

CHART_LEGEND_LINES = 3  # FanChart draws a title/legend line and two axis lines around its plot


def _range(low: str, high: str) -> str:
    """``12.0 mo``, ``20.3 mo`` -> ``12.0–20.3 mo``: a unit both ends share is written once."""
    if low == MISSING and high == MISSING:
        return ""
    if low == high:
        return low
    for unit in (" mo", "%", "×"):
        if low.endswith(unit) and high.endswith(unit):
            return f"{low[: -len(unit)]}–{high}"
    return f"{low}–{high}"


def _whole(value: float | None) -> str:
    return MISSING if value is None else f"{value:.0f}"


def is_too_few(stats: SummaryStatistic, paths: int | None) -> bool:
    """Whether a conditional statistic rests on too few of the run's paths to read as a forecast
    (``n`` under 50 of a run of 50 or more; see docs/metrics.md)."""
    from saas_sim.engine.aggregate import rests_on_too_few

    return rests_on_too_few(stats, paths)


def _undefined_reads_never(metric: str) -> bool:
    """Whether an undefined p50 of ``metric`` means "it never happens" (SPEC 3.2), not "unknown"."""
    found = METRICS.get(metric)
    return found is not None and found.undefined_p50_reads_never


def card_text(metric: str, stats: SummaryStatistic, currency: str, *, paths: int | None = None) -> tuple[str, str, str]:
    """A card's big value, small line and what the small line is, from a summary metric's statistics.

    A payback whose p50 never comes reads "never" with its share of paths; a
    statistic of too few paths (:func:`is_too_few`) says how many instead of a range.
    """
    if statistic_name(metric) == "mean":  # 0 or 1 per path: only its mean, the probability, says anything
        return format_rate(stats.mean), "of paths", ""
    median = stats.p50
    if median is None and _undefined_reads_never(metric):
        never = stats.never
        return "never", f"{format_rate(never).replace('.0%', '%')} of paths" if never else "", ""
    value = formatter_for(metric, currency)(median)
    if is_too_few(stats, paths):
        assert stats.n is not None
        return value, f"{stats.n:,} path{'s' if stats.n != 1 else ''}: too few", ""
    range_format = formatter_for(metric, currency)
    if metric == "arr_end":  # three digits without trailing zeros, so that the range fits a card
        range_format = lambda amount: format_money(amount, currency)  # noqa: E731
    elif metric_kind(metric) == "month":  # a month of the horizon: whole, without "month" twice
        range_format = _whole
    low, high = range_format(stats.p10), range_format(stats.p90)
    if _undefined_reads_never(metric) and high == MISSING:
        high = "never"
    return value, _range(low, high), "p10–p90"


# -- KPI cards --------------------------------------------------------------------------------------


class KpiCard(Widget):
    """A small bordered card: the label in the border, a big value and a small line under it.

    Colour it with one of the classes ``-ok``, ``-warn``, ``-bad``, ``-na``;
    without one it stays neutral; ``-few`` dims the value of a statistic of
    too few paths.  ``hint`` says what the small line is
    (``p10–p90``) and is shown when the width allows; when only one line
    fits, a small line with a hint (a range) is left out, one without (a
    remark such as "company only") follows the value if it fits.
    """

    DEFAULT_CSS = """
    KpiCard {
        height: 4;
        padding: 0 1;
        border: round $foreground 30%;
        border-title-color: $foreground-muted;
        &.-ok { border: round $success; border-title-color: $success; }
        &.-warn { border: round $warning; border-title-color: $warning; }
        &.-bad { border: round $error; border-title-color: $error; }
        &.-na { border: round $foreground 20%; }
        & > .kpi-card--value { text-style: bold; color: $foreground; }
        &.-ok > .kpi-card--value { color: $text-success; }
        &.-warn > .kpi-card--value { color: $text-warning; }
        &.-bad > .kpi-card--value { color: $text-error; }
        &.-na > .kpi-card--value { color: $foreground-muted; }
        &.-few > .kpi-card--value { color: $foreground-muted; text-style: not bold; }
        & > .kpi-card--detail { color: $foreground-muted; }
    }
    """
    COMPONENT_CLASSES = {"kpi-card--value", "kpi-card--detail"}

    def __init__(self, label: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = label
        self.value = MISSING
        self.detail = ""
        self.hint = ""

    def show(self, value: str, detail: str = "", hint: str = "") -> None:
        self.value, self.detail, self.hint = value, detail, hint
        self.refresh()

    def render(self) -> Text:
        width = self.content_size.width
        value_style = self.get_component_rich_style("kpi-card--value")
        detail_style = self.get_component_rich_style("kpi-card--detail")
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.has_class("-flat"):  # no border to carry the label: the label leads the line
            label = str(self.border_title)
            if self.value == "never":  # "Cash out at" + "never" would not read: "Cash out never"
                label = label.removesuffix(" at")
            text.append(f"{label} ", style=detail_style)
        text.append(self.value, style=value_style)
        detail = self.detail
        if detail and self.hint and len(self.hint) + 1 + len(detail) <= width:
            detail = f"{self.hint} {detail}"
        if self.content_size.height >= 2:
            text.append("\n")
            text.append(detail, style=detail_style)
        elif (
            self.detail
            and not self.hint
            and not self.has_class("-flat")
            and len(self.value) + 2 + len(self.detail) <= width
        ):
            text.append("  " + self.detail, style=detail_style)
        return text


# -- charts and tables ------------------------------------------------------------------------------


class FanChartView(Static):
    """A ``FanChart`` that fills the widget: its plot gets the widget's height less the legend and axis lines."""

    DEFAULT_CSS = """
    FanChartView {
        height: 1fr;
        min-height: 6;
        color: $foreground-muted;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._chart: dict | None = None
        self._message = "No result yet."

    def plot(
        self,
        months: Sequence[int],
        bands: dict,
        *,
        title: str,
        value_format: Callable[[float | None], str],
        zero_line: bool,
    ) -> None:
        self._chart = {
            "months": months,
            "bands": bands,
            "title": title,
            "value_format": value_format,
            "zero_line": zero_line,
        }
        self.refresh()

    def show_message(self, message: str) -> None:
        self._chart, self._message = None, message
        self.refresh()

    def render(self) -> FanChart | Text:
        if self._chart is None:
            return Text(self._message, style="italic")
        return FanChart(height=max(self.content_size.height - CHART_LEGEND_LINES, 3), **self._chart)


class RetentionHeatmap(CohortHeatmap):
    """The simulated cohorts' logo retention: rows numbered by signup month, at most ``max_columns`` ages
    (every 2nd, 3rd, 6th or 12th month when the width is short, so that yearly renewals stay in view)."""

    def __init__(self, matrix: Sequence[Sequence[float | None]], *, max_columns: int = 24):
        super().__init__(
            "",
            [str(k + 1) for k in range(len(matrix))],
            matrix,
            max_rows=None,
            max_columns=max_columns,
            rows="signup month",
            columns="months since signup",
        )


# -- the panel --------------------------------------------------------------------------------------


class ResultsPanel(Widget):
    """The results of the last run of a scenario, for the company or one segment.

    Public API: ``show_result(result)``, ``show_progress(done, total)``,
    ``show_invalid(message)``; ``result`` and ``view`` read what is shown.
    The panel carries ``-stale`` while the scenario is invalid and sizes
    itself with ``-short`` (little height), ``-narrow`` and ``-wide``.
    """

    DEFAULT_CSS = """
    ResultsPanel {
        width: 1fr;
        height: 1fr;
        layout: vertical;

        #results-toolbar { height: auto; }  /* the status wraps rather than be cut (80x24: two lines) */
        #results-view { width: 22; margin-right: 1; }
        #results-status { width: 1fr; color: $foreground-muted; }
        #results-progress { width: auto; display: none; }
        &.-running #results-progress { display: block; }
        &.-running #results-status { width: auto; margin-right: 1; }

        #results-invalid {
            display: none;
            max-height: 3;
            color: $text-error;
            background: $error-muted;
            padding: 0 1;
        }
        &.-stale #results-invalid { display: block; }
        &.-stale #results-cards, &.-stale #results-programs, &.-stale #results-tabs { opacity: 0.6; }

        /* No gutter: at 120 columns the pane is 68 wide, four cards of 17, so that "Out of cash" and a range
           such as "$13.9M–$15.6M" fit whole (a border title keeps 6 cells for corners and blanks). */
        #results-cards {
            layout: grid;
            grid-size: 4;
            grid-gutter: 0 0;
            grid-rows: 4;
            height: auto;
        }
        &.-narrow #results-cards { grid-size: 2; }
        &.-wide #results-cards { grid-size: 8; }
        &.-short #results-cards { grid-rows: 3; }
        &.-short KpiCard { height: 3; }
        /* A small terminal (80x24 with the editor beside): one line a card, the status colour in the text. */
        &.-short.-narrow #results-cards { grid-rows: 1; grid-gutter: 0 2; }
        &.-short.-narrow KpiCard { height: 1; border: none; padding: 0; }

        /* Under the cards, only after a run of a scenario with programs (SPEC 2.7): their means. */
        #results-programs { display: none; height: auto; max-height: 8; padding: 0 1; }
        &.-programs #results-programs { display: block; }
        &.-short #results-programs { max-height: 5; }
        /* The map tab of a short terminal takes the cards' rows: they are of the run, not of the map. */
        &.-short.-map #results-cards, &.-short.-map #results-programs { display: none; }
        &.-short.-narrow.-map #results-toolbar { display: none; }

        #results-tabs { height: 1fr; }
        #results-tabs > ContentSwitcher { height: 1fr; }
        #results-tabs TabPane { height: 1fr; padding: 0; }
        .results-caption { color: $foreground-muted; height: auto; }
        #movements { height: 1fr; }
        #cohorts-scroll, #diagnosis-scroll { height: 1fr; }
    }
    """

    SHORT_BELOW = 30  # rows: under this the cards drop their small line
    NARROW_BELOW = 60  # columns: under this two cards a row
    WIDE_FROM = 150  # columns: from this all the cards on one row

    # The tabs drawn only while they are shown (a table, a heatmap, a panel: each costs the event loop
    # more than a fan chart's data does); a result arriving while another tab is shown leaves them
    # to be drawn when their tab is opened.
    DRAWN_WHEN_SHOWN = ("tab-movements", "tab-cohorts", "tab-diagnosis")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._result: Result | None = None
        self._note = ""
        self._segments: tuple[str, ...] = ()
        self._view: str | None = None
        self._undrawn: set[str] = set()  # the tabs of DRAWN_WHEN_SHOWN that do not show the result yet

    # -- public API ------------------------------------------------------------------------------

    @property
    def result(self) -> Result | None:
        """The last result shown (kept while the scenario is invalid)."""
        return self._result

    @property
    def view(self) -> str | None:
        """The segment shown, or ``None`` for the company."""
        return self._view

    def show_result(self, result: Result, note: str = "") -> None:
        """Display a result; it replaces the last one and ends any progress or staleness.

        ``note`` follows the paths, seed and months in the status line ("preview of 10,000 paths").
        """
        self._result = result
        self._note = note
        self.remove_class("-running", "-stale")
        self._update_view_options(tuple(result.segments))
        self._render_result()

    def show_progress(self, done: int, total: int) -> None:
        """A run is under way: ``done`` of ``total`` (paths, chunks: the bar only needs the ratio)."""
        self.add_class("-running")
        self.query_one("#results-progress", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#results-status", Static).update("Simulating" if self._result is None else "Updating")

    def show_invalid(self, message: str) -> None:
        """The scenario is invalid: say why; the last results stay, dimmed, marked stale."""
        self.remove_class("-running")
        self.add_class("-stale")
        banner = Text("Scenario invalid", style="bold")
        banner.append(": results below are from the last valid run" if self._result is not None else "")
        banner.append("\n")
        banner.append(message)  # the message is plain text, never markup
        self.query_one("#results-invalid", Static).update(banner)

    # -- composition -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="results-toolbar"):
            yield Select(
                [("Company", COMPANY)],
                value=COMPANY,
                allow_blank=False,
                compact=True,
                id="results-view",
                tooltip="Show the company or one segment",
            )
            yield Static("No result yet", id="results-status", markup=False)
            yield ProgressBar(show_eta=False, id="results-progress")
        yield Static(id="results-invalid")
        with Widget(id="results-cards"):
            for card in CARDS:
                widget = KpiCard(card.label, id=f"card-{card.metric}")
                reading = (
                    "The share of paths that run out of cash."
                    if statistic_name(card.metric) == "mean"
                    else "Big: the median (p50) over paths; small: the p10–p90 range."
                )
                widget.tooltip = f"{metric_label(card.metric)}: {METRICS[card.metric].meaning}\n{reading}"
                yield widget
        programs = Static(id="results-programs")
        programs.tooltip = (
            "Each program against the same plan without it, same seed and paths: the mean over paths (the "
            "expected effect). ROI = (extra gross profit − cost) / cost; ARR/cost = ARR kept per unit spent; "
            "churn: the change of annualized logo churn at the end, in points. saas-sim run shows p10–p90 too."
        )
        yield programs
        with TabbedContent(id="results-tabs"):
            with TabPane("ARR", id="tab-arr"):
                yield FanChartView(id="chart-arr")
            with TabPane("Customers", id="tab-customers"):
                yield FanChartView(id="chart-customers")
            with TabPane("Cash", id="tab-cash"):
                yield FanChartView(id="chart-cash")
            with TabPane("Movements", id="tab-movements"):
                yield Static(id="movements-caption", classes="results-caption")
                yield DataTable(id="movements", cursor_type="row", zebra_stripes=True)
            with TabPane("Cohorts", id="tab-cohorts"), VerticalScroll(id="cohorts-scroll"):
                yield Static(id="cohorts-caption", classes="results-caption")
                yield Static(id="cohorts")
            with TabPane("Diagnosis", id="tab-diagnosis"), VerticalScroll(id="diagnosis-scroll"):
                yield Static(id="diagnosis-caption", classes="results-caption")
                yield Static(id="diagnosis")
            with TabPane("Map", id="tab-map"):
                yield MapPanel(id="map")

    def on_mount(self) -> None:
        table = self.query_one("#movements", DataTable)
        table.add_column("Month", key="month")
        for series, label, _ in MOVEMENTS:
            table.add_column(Text(label, justify="right"), key=series)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.set_class(height < self.SHORT_BELOW, "-short")
        self.set_class(width < self.NARROW_BELOW, "-narrow")
        self.set_class(width >= self.WIDE_FROM, "-wide")
        for card in self.query(KpiCard):
            card.set_class(height < self.SHORT_BELOW and width < self.NARROW_BELOW, "-flat")

    # -- the view switch -------------------------------------------------------------------------

    def _update_view_options(self, segments: tuple[str, ...]) -> None:
        if segments == self._segments:
            return
        self._segments = segments
        if self._view not in segments:
            self._view = None
        select = self.query_one("#results-view", Select)
        with select.prevent(Select.Changed):
            select.set_options([("Company", COMPANY)] + [(Text(name), ("segment", name)) for name in segments])
            select.value = COMPANY if self._view is None else ("segment", self._view)

    @on(Select.Changed, "#results-view")
    def _view_changed(self, event: Select.Changed) -> None:
        event.stop()
        view = None if event.value == COMPANY or event.value == Select.BLANK else cast(tuple[str, str], event.value)[1]
        if view != self._view:
            self._view = view
            if self._result is not None:
                self._render_result()

    # -- rendering -------------------------------------------------------------------------------

    def _scope(self) -> tuple[dict, dict]:
        """The series and summary of the current view."""
        assert self._result is not None
        if self._view is None:
            return self._result.series, self._result.summary
        segment = self._result.segments[self._view]
        return segment.series, segment.summary

    def _render_result(self) -> None:
        result = self._result
        assert result is not None
        series, summary = self._scope()
        currency = currency_of(result)
        paths = result.paths
        note = f" ({self._note})" if self._note else ""
        status = f"{paths:,} paths{note} · seed {result.seed} · {result.horizon_months} months"
        self.query_one("#results-status", Static).update(status)
        self._render_cards(summary, currency)
        self._render_programs()
        self._render_charts(series, currency)
        self._undrawn = set(self.DRAWN_WHEN_SHOWN)
        self._draw_tab(self.query_one(TabbedContent).active)

    @on(TabbedContent.TabActivated, "#results-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        self.set_class(event.pane.id == "tab-map", "-map")
        if event.pane.id == "tab-map":
            self.query_one(MapPanel).tab_shown()
        elif event.pane.id is not None:
            self._draw_tab(event.pane.id)

    def _draw_tab(self, tab: str) -> None:
        """Draw the result on ``tab`` if it is one drawn only when shown and does not show it yet."""
        if self._result is None or tab not in self._undrawn:
            return
        self._undrawn.discard(tab)
        if tab == "tab-movements":
            series, _ = self._scope()
            self._render_movements(series, currency_of(self._result))
        elif tab == "tab-cohorts":
            self._render_cohorts()
        else:
            self._render_diagnosis()

    def _render_cards(self, summary: dict[str, SummaryStatistic], currency: str) -> None:
        assert self._result is not None
        statuses = {}
        if self._view is None:  # the diagnosis grades the company only
            statuses = {check.metric: check.status for check in self._result.diagnosis.checks}
        for card in CARDS:
            widget = self.query_one(f"#card-{card.metric}", KpiCard)
            status = "-" + statuses[card.metric].replace("/", "") if card.metric in statuses else None
            widget.update_classes({name: name == status for name in STATUS_CLASSES})  # restyled only if changed
            stats = summary.get(card.metric)
            if stats is None:
                widget.show(MISSING, "company only" if self._view is not None else "")
            else:
                paths = self._result.paths
                widget.set_class(is_too_few(stats, paths), "-few")  # dimmed: no forecast
                widget.show(*card_text(card.metric, stats, currency, paths=paths))

    def _render_programs(self) -> None:
        """The programs' means under the cards, or nothing when the scenario has none (the company's, in any view)."""
        assert self._result is not None
        programs = bool(self._result.programs)
        self.set_class(programs, "-programs")
        self.query_one("#results-programs", Static).update(programs_brief(self._result) if programs else "")

    def _render_charts(self, series: dict[str, Statistic], currency: str) -> None:
        assert self._result is not None
        months = self._result.months
        where = "" if self._view is None else f" · {self._view}"
        money = lambda value: format_money(value, currency)  # noqa: E731
        for name, title, value_format, zero_line in (
            ("arr", f"ARR ({currency})", money, False),
            ("customers", "Customers", format_count, False),
            ("cash", f"Cash ({currency})", money, True),
        ):
            chart = self.query_one(f"#chart-{name}", FanChartView)
            if name in series:
                chart.plot(
                    months, series[name].to_json(), title=title + where, value_format=value_format, zero_line=zero_line
                )
            else:
                chart.show_message(f"{title} is tracked for the company only.")

    def _render_movements(self, series: dict[str, Statistic], currency: str) -> None:
        assert self._result is not None
        paths = self._result.paths
        caption = Text(f"MRR movements by month · mean of {paths:,} paths", style="bold")
        caption.append(" (means add up; medians don't)", style="not bold")
        self.query_one("#movements-caption", Static).update(caption)
        table = self.query_one("#movements", DataTable)
        table.clear()
        columns = [series[name].stat(MOVEMENT_STAT) if name in series else None for name, _, _ in MOVEMENTS]
        for index, month in enumerate(self._result.months):
            cells: list[Text | str] = [str(month)]
            for (name, _, sign), values in zip(MOVEMENTS, columns):
                value = values[index] if values is not None else None
                shown = sign * value if value is not None else None
                text = Text(format_money(shown, currency, keep_zeros=True), justify="right")
                if name == "net_new_mrr" and value is not None:
                    text.stylize("green" if value > 0 else "red" if value < 0 else "")
                elif sign < 0 and value:
                    text.stylize("red")
                cells.append(text)
            table.add_row(*cells, key=str(month))

    def _render_cohorts(self) -> None:
        assert self._result is not None
        matrix = self._result.cohorts.logo_retention
        caption = Text("Logo retention" + (" of the company" if self._view is not None else ""), style="bold")
        caption.append(
            ": % of the accounts that signed up in a month still active later, pooled over paths", style="not bold"
        )
        self.query_one("#cohorts-caption", Static).update(caption)
        self.query_one("#cohorts", Static).update(RetentionHeatmap(matrix) if matrix else Text("No cohorts."))

    def _render_diagnosis(self) -> None:
        assert self._result is not None
        caption = self.query_one("#diagnosis-caption", Static)
        caption.update("The diagnosis grades the company as a whole.")
        caption.display = self._view is not None
        self.query_one("#diagnosis", Static).update(diagnosis_panel(self._result))
