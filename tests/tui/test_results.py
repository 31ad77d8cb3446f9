"""The results panel, driven through a tiny host app with a real result document."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import DataTable, ProgressBar, Select, Static, TabbedContent

from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
from saas_sim.io.scenario import load_scenario
from saas_sim.model.result import Result, SummaryStatistic
from saas_sim.render.format import MISSING, format_money, format_rate
from tests.results import statistic
from tui.widgets import results
from tui.widgets.results import CARDS, FanChartView, KpiCard, ResultsPanel, RetentionHeatmap


# The tests write a statistic as a dict of the values they look at; the cards read it typed.
def card_text(metric: str, stats: dict, currency: str, **kwargs) -> tuple[str, str, str]:
    return results.card_text(metric, statistic(stats), currency, **kwargs)


def is_too_few(stats: dict, paths: int | None) -> bool:
    return results.is_too_few(statistic(stats), paths)


@pytest.fixture(scope="module")
def result() -> Result:
    return run_scenario(with_overrides(load_scenario("scenarios/enterprise-annual.yaml"), paths=100, seed=1))


class Host(App):
    def compose(self) -> ComposeResult:
        yield ResultsPanel()


def card(app: App, metric: str) -> KpiCard:
    return app.query_one(f"#card-{metric}", KpiCard)


def text_of(renderable, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


async def test_arr_card_shows_the_median_arr_at_the_horizon(result):
    async with Host().run_test(size=(120, 40)) as pilot:
        pilot.app.query_one(ResultsPanel).show_result(result)
        await pilot.pause()
        arr = card(pilot.app, "arr_end")
        expected = format_money(result.summary["arr_end"].p50, "USD", keep_zeros=True)
        assert arr.value == expected
        assert expected in arr.render().plain
        assert arr.border_title == "ARR"


async def test_card_colours_follow_the_diagnosis(result):
    statuses = {check.metric: check.status for check in result.diagnosis.checks}
    async with Host().run_test(size=(120, 40)) as pilot:
        pilot.app.query_one(ResultsPanel).show_result(result)
        await pilot.pause()
        graded = 0
        for spec in CARDS:
            widget = card(pilot.app, spec.metric)
            classes = {name for name in ("-ok", "-warn", "-bad", "-na") if widget.has_class(name)}
            if spec.metric in statuses:
                graded += 1
                assert classes == {"-" + statuses[spec.metric].replace("/", "")}, spec.metric
            else:
                assert classes == set(), spec.metric
        assert graded >= 5  # churn, NRR, LTV/CAC, payback, out of cash all have a card


async def test_switching_to_a_segment_shows_its_values(result):
    name = next(iter(result.segments))
    segment = result.segments[name].summary
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(result)
        await pilot.pause()
        select = pilot.app.query_one("#results-view", Select)
        for other in result.segments:  # every segment is an option (an unknown value would raise)
            select.value = ("segment", other)
        select.value = ("segment", name)
        await pilot.pause()
        assert panel.view == name
        assert card(pilot.app, "arr_end").value == format_money(segment["arr_end"].p50, "USD", keep_zeros=True)
        assert card(pilot.app, "out_of_cash").value == MISSING  # cash is company-level only
        assert not card(pilot.app, "ltv_cac").has_class("-ok", "-warn", "-bad")  # the diagnosis grades the company
        select.value = ("company",)
        await pilot.pause()
        assert panel.view is None
        assert card(pilot.app, "out_of_cash").value == format_rate(result.summary["out_of_cash"].mean)


async def test_a_new_result_keeps_the_segment_in_view(result):
    name = next(iter(result.segments))
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(result)
        await pilot.pause()
        pilot.app.query_one("#results-view", Select).value = ("segment", name)
        await pilot.pause()
        panel.show_result(result)
        await pilot.pause()
        assert panel.view == name
        assert pilot.app.query_one("#results-view", Select).value == ("segment", name)


async def test_movements_table_has_one_row_per_month(result):
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(result)
        pilot.app.query_one(TabbedContent).active = "tab-movements"
        await pilot.pause()
        table = pilot.app.query_one("#movements", DataTable)
        assert table.row_count == result.horizon_months == len(result.months)
        assert "mean" in str(pilot.app.query_one("#movements-caption", Static).content)
        first = table.get_row("1")
        assert first[1].plain == format_money(result.series["new_mrr"].mean[0], "USD", keep_zeros=True)
        panel.show_result(result)  # a second result replaces the rows
        await pilot.pause()
        assert table.row_count == result.horizon_months


async def test_cohort_heatmap_renders(result):
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(result)
        pilot.app.query_one(TabbedContent).active = "tab-cohorts"
        await pilot.pause()
        heatmap = pilot.app.query_one("#cohorts", Static)
        assert isinstance(heatmap.content, RetentionHeatmap)
        assert heatmap.region.height >= len(result.cohorts.logo_retention)
        text = text_of(heatmap.content, width=heatmap.size.width)
        assert "100" in text
        header = text.splitlines()[1].split()
        assert header[0] == "0" and len(header) <= 24


def test_heatmap_shows_at_most_24_columns_and_handles_gaps():
    matrix = [[1.0, None] + [0.5] * 58] + [[1.0] * (60 - k) for k in range(1, 60)]
    heatmap = RetentionHeatmap(matrix)
    assert len(heatmap.ages_shown(500)) <= 24
    assert heatmap.ages_shown(500)[0] == 0
    assert len(heatmap.ages_shown(40)) <= 9
    text = text_of(heatmap, width=120)
    assert "·" in text  # an undefined share reads as a dot, not a number


async def test_fan_chart_uses_the_widget_height(result):
    async with Host().run_test(size=(120, 40)) as pilot:
        pilot.app.query_one(ResultsPanel).show_result(result)
        await pilot.pause()
        chart = pilot.app.query_one("#chart-arr", FanChartView)
        drawn = chart.render()
        assert drawn.height == chart.content_size.height - 3
        assert len(text_of(drawn, width=chart.size.width).splitlines()) == chart.content_size.height


async def test_show_invalid_marks_the_results_stale(result):
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(result)
        await pilot.pause()
        value = card(pilot.app, "arr_end").value
        panel.show_invalid("segments[0].arpa_monthly: must be > 0 [line 12]")
        await pilot.pause()
        assert panel.has_class("-stale")
        banner = pilot.app.query_one("#results-invalid", Static)
        assert banner.region.height > 0
        assert "arpa_monthly: must be > 0 [line 12]" in str(banner.content)  # plain text, not markup
        assert card(pilot.app, "arr_end").value == value  # the last results stay
        panel.show_result(result)
        await pilot.pause()
        assert not panel.has_class("-stale")
        assert banner.region.height == 0


async def test_progress_shows_while_running_and_goes_with_the_result(result):
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        bar = pilot.app.query_one("#results-progress", ProgressBar)
        panel.show_progress(3, 10)
        await pilot.pause()
        assert bar.region.width > 0
        assert bar.percentage == pytest.approx(0.3)
        panel.show_result(result)
        await pilot.pause()
        assert bar.region.width == 0
        assert "paths" in str(pilot.app.query_one("#results-status", Static).content)


async def test_usable_at_80_by_24(result):
    async with Host().run_test(size=(80, 24)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(result)
        await pilot.pause()
        assert panel.has_class("-short")
        for spec in CARDS:
            region = card(pilot.app, spec.metric).region
            assert region.width > 0 and region.height > 0, spec.metric
            assert region.bottom <= 24
        for tab in ("tab-arr", "tab-customers", "tab-cash", "tab-movements", "tab-cohorts", "tab-diagnosis"):
            pilot.app.query_one(TabbedContent).active = tab
            await pilot.pause()
        chart = pilot.app.query_one("#chart-cash", FanChartView)
        pilot.app.query_one(TabbedContent).active = "tab-cash"
        await pilot.pause()
        assert chart.region.height >= 6
        panel.show_invalid("bad")
        await pilot.pause()


def test_card_text_reads_undefined_payback_and_cash_out_as_never():
    undefined = dict.fromkeys(("mean", "p5", "p10", "p50", "p90", "p95", "se"))
    assert card_text("payback_months_with_churn", undefined, "USD")[0] == "never"
    assert card_text("cash_out_month", undefined, "USD")[0] == "never"
    assert card_text("ltv_cac", undefined, "USD")[:2] == (MISSING, "")
    value, detail, hint = card_text("cash_out_month", {"p10": 30.0, "p50": 34.5, "p90": 41.0}, "USD")
    assert (value, detail, hint) == ("month 34", "30–41", "p10–p90")


def test_payback_card_says_never_with_its_share_of_paths():
    """Issue 13, item 3: a p50 that lands on a path that never pays back reads "never", with how often."""
    stats = {"mean": 9.0, "p5": 8.0, "p10": 8.5, "p50": None, "p90": None, "p95": None, "se": 0.1, "never": 0.63}
    assert card_text("payback_months_with_churn", stats, "USD", paths=2000) == ("never", "63% of paths", "")
    stats = {**stats, "p50": 11.0, "never": 0.2}
    assert card_text("payback_months_with_churn", stats, "USD", paths=2000)[:2] == ("11.0 mo", "8.5 mo–never")


def test_a_cash_out_month_of_two_paths_is_no_forecast():
    """Issue 13, item 6: "Cash out at month 37" when 2 paths in 2,000 run out."""
    stats = {"mean": 37.5, "p5": 37.0, "p10": 37.1, "p50": 37.5, "p90": 37.9, "p95": 38.0, "se": 0.5, "n": 2}
    assert card_text("cash_out_month", stats, "USD", paths=2000) == ("month 38", "2 paths: too few", "")
    assert is_too_few(stats, 2000)
    many = {**stats, "n": 1500}
    assert card_text("cash_out_month", many, "USD", paths=2000)[2] == "p10–p90" and not is_too_few(many, 2000)
    assert not is_too_few(stats, 20)  # a run of 20 paths: the whole run is small, said elsewhere


async def test_the_card_of_too_few_paths_is_dimmed(result):
    cash_out = SummaryStatistic(37.0, 37.0, 37.0, 37.0, 37.0, 37.0, 0.0, n=2)
    few = replace(result, summary={**result.summary, "cash_out_month": cash_out}, paths=2000)
    async with Host().run_test(size=(120, 40)) as pilot:
        pilot.app.query_one(ResultsPanel).show_result(few)
        await pilot.pause()
        shown = card(pilot.app, "cash_out_month")
        assert shown.value == "month 37" and "too few" in shown.detail
        assert shown.has_class("-few") and not shown.has_class("-na")
        pilot.app.query_one(ResultsPanel).show_result(replace(few, paths=20))
        await pilot.pause()
        assert not shown.has_class("-few")
