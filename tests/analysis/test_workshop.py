"""The workshop's seven steps: each scenario runs, and each statement is what the engine and the formulas say."""

from __future__ import annotations

import itertools
import math

import pytest

from saas_sim.analysis.workshop import (
    annualized_churn,
    apply_knobs,
    knob_problems,
    knob_text,
    knob_value,
    net_revenue_retention,
    run_step,
    step_scenario,
    steps,
)
from saas_sim.errors import InputError
from saas_sim.model.result import Result
from tests.results import typed

STEPS = steps()


@pytest.fixture(scope="module")
def runs():
    return {step.number: run_step(step) for step in STEPS}


def test_seven_steps_in_the_order_of_the_lesson():
    assert [s.number for s in STEPS] == [1, 2, 3, 4, 5, 6, 7]
    titles = [s.title for s in STEPS]
    assert titles[0] == "The leaky bucket" and titles[3] == "The vicious cycle" and titles[4] == "The virtuous cycle"
    assert titles[5] == "The map: where each plan stands" and titles[6] == "NRR above 100 %"


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.title)
def test_every_step_is_small_and_says_only_what_it_computes(step, runs):
    scenario = step_scenario(step)
    assert len(scenario.segments) == 1 and scenario.simulation.seed is not None
    assert scenario.simulation.paths <= 1000
    assert 2 <= len(step.knobs) <= 3 and 1 <= len(step.headline) <= 4
    run = runs[step.number]
    facts = run.facts()
    assert step.placeholders() <= set(facts), "every {placeholder} of the text is a fact"
    assert set(step.headline) <= set(facts)
    for name in step.placeholders() | set(step.headline):
        assert facts[name].value is not None or name == "arr_at_cash_out", name
    chart = run.chart()
    assert len(chart.months) == len(next(iter(chart.bands.values())))


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.title)
def test_a_text_types_no_figure_the_engine_computes(step):
    """Numbers in a text are placeholders; only the benchmarks of SPEC 3.4 are written out."""
    literal = "".join(part for index, part in enumerate(step.text.replace("}", "{").split("{")) if index % 2 == 0)
    literal = literal.replace("100 %", "")  # the NRR benchmark the step is named after
    assert not any(character.isdigit() for character in literal), literal


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.title)
def test_every_knob_names_a_field_of_its_scenario(step):
    for knob in step.knobs:
        assert knob_value(step.scenario_text, knob.field) is not None, knob.field
        typed = knob_text(step.scenario_text, knob.field)
        assert step_scenario(step, {knob.field: typed}) == step_scenario(step)


def test_step_1_five_percent_a_month_is_46_percent_a_year_and_54_of_100_left(runs):
    facts = runs[1].facts()
    assert facts["churn_monthly"].value == pytest.approx(0.05)
    assert facts["churn_annual"].value == pytest.approx(1 - 0.95**12) and round(100 * facts["churn_annual"].value) == 46
    assert facts["start"].value == 100 and facts["months"].value == 12
    assert facts["left_formula"].value == pytest.approx(100 * 0.95**12)  # 54.04
    summary = runs[1].result.summary
    expected = 100 * 0.95**12
    assert abs(summary["customers_end"].mean - expected) < 4 * summary["customers_end"].se
    assert facts["left"].value == pytest.approx(54, abs=1)
    churn = summary["annualized_logo_churn_end"]
    assert abs(churn.mean - annualized_churn(0.05)) < 4 * churn.se
    assert facts["churn_annual"].status == "bad"


def test_step_2_cac_is_spend_over_new_customers_and_payback_is_under_a_year(runs):
    facts = runs[2].facts()
    result = runs[2].result
    spend = sum(result.series["acquisition_spend"].mean)
    new = sum(result.series["new_customers"].mean)
    assert facts["cac"].value == pytest.approx(spend / new, rel=0.02)
    assert facts["payback"].value == pytest.approx(1000 / (125 * 0.8))
    assert facts["payback"].value < facts["payback_churn"].value <= 12 and facts["payback_churn"].status == "ok"
    assert abs(facts["low_point"].value - facts["payback_churn"].value) <= 2  # the cash curve turns at payback


def test_step_3_heterogeneous_churn_lifts_ltv_above_arpa_over_churn(runs):
    facts = runs[3].facts()
    classic = 100 * 0.8 / 0.04
    assert facts["ltv_simple"].value == pytest.approx(classic)
    assert facts["ltv_cac_simple"].value == pytest.approx(classic / 800) and facts["ltv_cac_simple"].value < 3
    assert facts["ltv"].value > 1.5 * classic  # the loyal stay: churn falls with tenure
    assert facts["ltv_cac"].value > 3 and facts["ltv_cac"].status == "ok"
    alike = run_step(STEPS[2], {"segments.Customers.churn.heterogeneity": "0"}, paths=100).facts()
    assert alike["ltv"].value < classic  # same churn for all, over 60 months: less than the endless formula
    chart = runs[3].chart()
    assert chart.bands["p50"][12] == pytest.approx(0.96**12)
    assert chart.other["p50"][12] > chart.bands["p50"][12]


def test_step_4_runs_out_of_cash_and_step_5_does_not(runs):
    vicious, virtuous = runs[4].facts(), runs[5].facts()
    assert vicious["out_of_cash"].value >= 0.9 and vicious["out_of_cash"].status == "bad"
    assert 12 < vicious["cash_out_month"].value < 48
    assert virtuous["out_of_cash"].value <= 0.1 and virtuous["cash_out_month"].value == math.inf
    assert virtuous["arr_end"].value > virtuous["arr_end_vicious"].value
    assert virtuous["out_of_cash_vicious"].value == vicious["out_of_cash"].value  # the same vicious cycle
    assert runs[5].baseline is not None and runs[5].chart().other is not None


def test_step_7_expansion_outgrows_churn_nrr_above_100_percent(runs):
    facts = runs[7].facts()
    assert facts["nrr"].value > 1.0 and facts["nrr"].status == "ok"
    assert facts["nrr_formula"].value == pytest.approx(net_revenue_retention(0.015, 0.03, 0.005))
    assert facts["nrr"].value == pytest.approx(facts["nrr_formula"].value, abs=0.03)
    assert facts["grr"].value < 1.0
    assert facts["customers_end"].value < facts["start"].value and facts["arr_end"].value > facts["arr_start"].value


def test_a_knob_changes_the_figures():
    step = STEPS[0]
    run = run_step(step, {"segments.Customers.churn.monthly": "10%"}, paths=200)
    assert run.facts()["churn_annual"].value == pytest.approx(1 - 0.9**12)
    assert "monthly: 10%" in apply_knobs(step.scenario_text, {"segments.Customers.churn.monthly": "10%"})


def test_a_knob_naming_no_segment_is_an_error_not_the_first_segment():
    step = STEPS[0]  # one segment, "Customers": a misnamed knob used to set its churn silently
    with pytest.raises(KeyError, match=r"segments\.Nobody\.churn\.monthly"):
        apply_knobs(step.scenario_text, {"segments.Nobody.churn.monthly": "10%"})
    with pytest.raises(KeyError):
        knob_text(step.scenario_text, "segments.Nobody.churn.monthly")


def test_an_invalid_knob_value_is_reported_at_its_knob():
    step = STEPS[0]
    with pytest.raises(InputError) as caught:
        step_scenario(step, {"segments.Customers.churn.monthly": "150%"})
    problems = knob_problems(step, caught.value)
    assert list(problems) == ["segments.Customers.churn.monthly"]
    assert "between 0 and 1" in problems["segments.Customers.churn.monthly"][0]


def _summary_result(metric: str, stats: dict, paths: int = 1000) -> Result:
    """A result of one summary metric, its statistics left out undefined."""
    stats = {**dict.fromkeys(("mean", "p5", "p10", "p50", "p90", "p95", "se")), **stats}
    return typed({"paths": paths, "summary": {metric: stats}})


def test_a_payback_fact_reads_the_never_statistic_not_a_workaround():
    """Issue 13, item 3: never comes from the statistic's share, not from an undefined p50 or the diagnosis."""
    from saas_sim.analysis.workshop import _simulated

    never = {"mean": 30.0, "p10": 20.0, "p50": None, "p90": None, "never": 0.6}
    fact = _simulated(
        "With churn", _summary_result("payback_months_with_churn", never), "payback_months_with_churn", "months"
    )
    assert (fact.value, fact.low, fact.high, fact.status) == (math.inf, 20.0, math.inf, "bad")
    some = {**never, "p50": 14.0, "never": 0.2}
    fact = _simulated(
        "With churn", _summary_result("payback_months_with_churn", some), "payback_months_with_churn", "months"
    )
    assert (fact.value, fact.high, fact.status) == (14.0, math.inf, "warn")
    undefined = dict.fromkeys(("mean", "p10", "p50", "p90", "never"))  # no path defines it: unknown, not never
    fact = _simulated(
        "With churn", _summary_result("payback_months_with_churn", undefined), "payback_months_with_churn", "months"
    )
    assert fact.value is None and fact.status is None


def test_a_cash_out_month_of_too_few_paths_says_so():
    """Issue 13, item 6: the month cash runs out, from 2 paths in 1,000, is no forecast."""
    from saas_sim.analysis.workshop import _simulated
    from saas_sim.render.workshop import fact_note

    stats = {"mean": 37.0, "p10": 36.0, "p50": 37.0, "p90": 38.0, "n": 2}
    fact = _simulated(
        "Cash runs out", _summary_result("cash_out_month", stats), "cash_out_month", "month", graded=False, never=True
    )
    assert fact.value == 37.0 and "2 paths" in fact_note(fact, {}) and "too few" in fact_note(fact, {})
    none = _simulated(
        "Cash runs out",
        _summary_result("cash_out_month", {"p50": None, "n": 0}),
        "cash_out_month",
        "month",
        graded=False,
        never=True,
    )
    assert none.value == math.inf  # no path runs out: never


def test_step_6_maps_each_plan_over_churn_and_cac_with_its_own_point(runs):
    run = runs[6]
    assert [plan.key for plan in run.step.maps] == ["vicious", "virtuous"]
    vicious, virtuous = run.maps
    for drawn in run.maps:
        assert drawn.metric == "out_of_cash" and drawn.paths == 200 and drawn.seed == 7
        assert (drawn.x.field, drawn.x.values[0], drawn.x.values[-1]) == ("segments.Shops.churn.monthly", 0.01, 0.1)
        assert (drawn.y.field, drawn.y.values[0], drawn.y.values[-1]) == ("segments.Shops.cac", 1500, 4500)
        assert len(drawn.x.values) == len(drawn.y.values) == 7
    # each plan at its own churn and CAC, on the map of its own plan (its other inputs as it gives them)
    assert (vicious.scenario_name, vicious.x.base, vicious.y.base) == ("Vicious cycle", 0.07, 3000)
    assert (virtuous.scenario_name, virtuous.x.base, virtuous.y.base) == ("Virtuous cycle", 0.015, 3000)
    row = vicious.y.values.index(3000)
    assert vicious.values[row][vicious.x.values.index(pytest.approx(0.07))] >= 0.9  # the vicious plan in the red
    assert virtuous.values[row][0] <= 0.1 and virtuous.values[row][1] <= 0.1  # the virtuous one in the green
    # the same futures in every cell: out of cash never falls as churn rises at a CAC (smooth, not noise)
    for drawn in run.maps:
        for values in drawn.values:
            assert all(b >= a - 0.02 for a, b in itertools.pairwise(values))
    facts = run.facts()
    assert facts["afford_vicious"].value < 0.07 < facts["afford_virtuous"].value
    assert facts["afford_vicious"].status == "bad" and facts["afford_virtuous"].status == "ok"
    survived = [x for x, v in zip(vicious.x.values, vicious.values[row]) if v < 0.1]
    assert facts["afford_vicious"].value == max(survived)
    assert facts["out_of_cash_vicious"].value == runs[4].facts()["out_of_cash"].value  # the vicious cycle of step 4


def test_a_knob_of_step_6_maps_the_vicious_plan_anew_and_leaves_the_virtuous_one():
    from saas_sim.analysis.workshop import step_maps

    step = STEPS[5]
    before = step_maps(step)
    after = step_maps(step, {"acquisition.spend_growth_monthly": "1%"})
    assert after[1].values == before[1].values
    assert after[0].values != before[0].values
    assert sum(map(sum, after[0].values)) < sum(map(sum, before[0].values))  # less spend from the bank: less red


def _map(values, xs=(0.01, 0.02, 0.03), ys=(1000.0, 2000.0), base=(0.02, 1900.0)):
    from saas_sim.analysis.maps import Axis, MapResult

    return MapResult(
        "m",
        "USD",
        "out_of_cash",
        "mean",
        Axis("segments.S.churn.monthly", xs, False, base[0]),
        Axis("segments.S.cac", ys, False, base[1]),
        tuple(tuple(row) for row in values),
        (),
        100,
        1,
        12,
    )


def test_affordable_churn_reads_the_row_of_the_plans_cac():
    from saas_sim.analysis.workshop import affordable_churn

    assert affordable_churn(_map([[0, 0, 0], [0, 0.05, 0.5]])) == 0.02  # the row nearest CAC 1,900
    assert affordable_churn(_map([[0, 0, 0], [0, 0, 0.09]])) == 0.03  # the whole map survives
    assert affordable_churn(_map([[0, 0, 0], [0.2, 0, 0]])) is None  # not even the least churn
    assert affordable_churn(_map([[0, 0, 0], [0, None, 0]])) == 0.01  # an undefined cell ends the run
    assert affordable_churn(_map([[0, 0, 0.5], [1, 1, 1]], base=(0.02, 1400.0))) == 0.02  # nearer 1,000
