import io
from dataclasses import replace

from rich.console import Console

from saas_sim.model.result import Result, SummaryStatistic
from saas_sim.model.scenario import Acquisition, Churn, Company, Scenario, Segment, Simulation
from saas_sim.render.summary import diagnosis_panel, run_report, segment_table, summary_table
from tests.results import typed


def _result() -> Result:
    from saas_sim.analysis.run import run_scenario

    scenario = Scenario(
        name="Hand made",
        horizon_months=13,
        currency="GBP",
        company=Company(starting_cash=100_000.0, fixed_costs_monthly=40_000.0),
        acquisition=Acquisition(spend_monthly=20_000.0),
        segments=(
            Segment(
                name="Small",
                arpa_monthly=100.0,
                churn=Churn(monthly=0.05),
                gross_margin=0.8,
                spend_share=0.5,
                cac=1_000.0,
                starting_customers=100,
            ),
            Segment(
                name="Large",
                arpa_monthly=1_000.0,
                churn=Churn(annual=0.2),
                gross_margin=0.7,
                spend_share=0.5,
                cac=10_000.0,
                contract_months=12,
                starting_customers=10,
            ),
        ),
        simulation=Simulation(paths=200, seed=1),
    )
    return run_scenario(scenario, workers=1)


def _text(renderable, width=120, color=False) -> str:
    console = Console(
        width=width,
        record=True,
        force_terminal=color,
        color_system="truecolor" if color else None,
        file=io.StringIO(),
    )
    console.print(renderable)
    return console.export_text(styles=False)


def test_report_pieces():
    result = _result()
    table = _text(summary_table(result))
    for label in (
        "ARR end",
        "Cash end",
        "Cash min",
        "Out of cash (probability)",
        "Cash out month (when out)",
        "NRR 12m end",
        "GRR 12m end",
        "Annualized logo churn end",
        "CAC",
        "LTV",
        "LTV simple",
        "LTV/CAC",
        "Payback months",
        "Payback months with churn",
        "Burn multiple",
        "Rule of 40",
    ):
        assert label in table
    assert "£" in table
    segments = _text(segment_table(result))
    assert "Small" in segments and "Large" in segments
    diagnosis = _text(diagnosis_panel(result))
    assert f"Focus: {result.diagnosis.focus.upper()}" in diagnosis
    for check in result.diagnosis.checks:
        assert check.status in diagnosis


def test_whole_report_with_and_without_charts():
    result = _result()
    with_charts = _text(run_report(result, charts=True), color=True)
    assert "ARR (GBP)" in with_charts and "Cash (GBP)" in with_charts
    without = _text(run_report(result, charts=False))
    assert "ARR (GBP)" not in without
    assert "Hand made" in without and "200 paths · seed 1 · 13 months" in without


def test_status_colours():
    result = _result()
    statuses = ["ok", "warn", "bad", "n/a", "ok", "ok"]
    checks = [replace(check, status=status) for check, status in zip(result.diagnosis.checks, statuses)]
    result = replace(result, diagnosis=replace(result.diagnosis, checks=checks))
    console = Console(width=120, force_terminal=True, color_system="truecolor", file=io.StringIO())
    colours = {}
    for segment in console.render(diagnosis_panel(result)):
        if segment.text.strip() in ("ok", "warn", "bad", "n/a") and segment.style is not None:
            colours[segment.text.strip()] = (
                segment.style.color.name if segment.style.color else None,
                segment.style.dim,
            )
    assert colours == {"ok": ("green", None), "warn": ("yellow", None), "bad": ("red", None), "n/a": (None, True)}


def test_too_few_paths_for_the_tails_is_said_and_enough_is_not():
    from saas_sim.engine.aggregate import tails_unstable
    from saas_sim.render.summary import tail_warning

    assert tails_unstable(999) and not tails_unstable(1000)
    warning = tail_warning(typed({"paths": 300}))
    assert warning is not None and "Only 15 of 300 paths" in warning.plain
    assert tail_warning(typed({"paths": 1000})) is None


def _row(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def _never_result() -> Result:
    """A plan where most accounts leave before they repay CAC: payback never comes on most paths."""
    from saas_sim.analysis.run import run_scenario
    from saas_sim.model.scenario import Distribution

    scenario = Scenario(
        name="Leaky",
        horizon_months=13,
        company=Company(starting_cash=1e6, fixed_costs_monthly=0.0),
        acquisition=Acquisition(spend_monthly=20_000.0),
        segments=(
            Segment(
                name="Only",
                arpa_monthly=100.0,
                gross_margin=0.8,
                cac=2_500.0,
                churn=Churn(monthly=Distribution("uniform", (("low", 0.01), ("high", 0.08)))),
            ),
        ),
        simulation=Simulation(paths=200, seed=1),
    )
    return run_scenario(scenario, workers=1)


def test_a_payback_that_never_comes_reads_never_with_its_share():
    """Issue 13, item 3: never is not left out; a percentile on it reads "never"."""
    result = _never_result()
    stats = result.summary["payback_months_with_churn"]
    assert 0.5 < stats.never < 1 and stats.p50 is None and stats.p10 is not None
    row = _row(_text(summary_table(result)), "Payback months with churn")
    assert row.split()[4:8] == [f"{stats.p10:.1f}", "mo", "never", "never"]  # p10, p50 and p90
    assert f"{100 * stats.never:.0f}% never" in row
    check = next(c for c in result.diagnosis.checks if c.metric == "payback_months_with_churn")
    assert check.status == "bad"
    panel = _text(diagnosis_panel(result))
    assert "never" in next(line for line in panel.splitlines() if "Payback months with churn" in line)


def test_a_segment_that_never_pays_back_reads_never():
    result = _result()
    large = result.segments["Large"]
    payback = replace(large.summary["payback_months_with_churn"], p50=None, never=0.7, counts_never=True)
    large = replace(large, summary={**large.summary, "payback_months_with_churn": payback})
    result = replace(result, segments={**result.segments, "Large": large})
    assert "never" in _row(_text(segment_table(result)), "Large")


def test_a_cash_out_month_of_two_paths_in_2000_is_no_forecast():
    """Issue 13, item 6: "Cash out at month 37" when 2 paths in 2,000 run out."""
    result = replace(_result(), paths=2000)
    cash_out = SummaryStatistic(37.5, 37.05, 37.1, 37.5, 37.9, 37.95, 0.5, n=2)
    result = replace(result, summary={**result.summary, "cash_out_month": cash_out})
    row = _row(_text(summary_table(result)), "Cash out month")
    assert "month 38 (2 paths)" in row and "too few paths" in row
    assert "37.1" not in row and "37.9" not in row  # no range, no mean that reads as a forecast
    result = replace(result, summary={**result.summary, "cash_out_month": replace(cash_out, n=1500)})
    row = _row(_text(summary_table(result)), "Cash out month")
    assert "too few" not in row and "month 37" in row and "month 38" in row
