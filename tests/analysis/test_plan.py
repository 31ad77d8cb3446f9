"""The p50 plan of SPEC 4 (``run --plan``): months, years, partial years, undefined values, and the run it comes from."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, reject, settings

from saas_sim.analysis.plan import plan_of, year_label
from saas_sim.analysis.run import run_scenario
from saas_sim.errors import SimulationDiverged
from saas_sim.model.result import STATS
from tests.results import typed
from tests.strategies import scenarios

SERIES = ("customers", "new_customers", "churned_customers", "mrr", "arr", "acquisition_spend", "net_burn", "cash")


def hand_made(months: int, *, undefined: dict[str, set[int]] | None = None):
    """A result whose series are simple functions of the month (``undefined``: months where a series' p50 is null)."""
    undefined = undefined or {}
    series = {}
    for offset, name in enumerate(SERIES):
        stats = {}
        for stat_index, stat in enumerate(STATS):
            values = [1000.0 * offset + 10.0 * month + stat_index for month in range(1, months + 1)]
            stats[stat] = [
                None if stat == "p50" and month in undefined.get(name, ()) else v
                for month, v in zip(range(1, months + 1), values)
            ]
        series[name] = stats
    return typed({"months": list(range(1, months + 1)), "series": series, "scenario": {"currency": "EUR"}})


def test_a_month_row_is_the_p50_of_that_month_with_the_p10_and_p90_of_arr_and_cash():
    result = hand_made(3)
    row = plan_of(result).months[1]
    assert row.label == "month 2" and row.kind == "month"
    assert row.customers == result.series["customers"].p50[1]
    assert row.new == result.series["new_customers"].p50[1]
    assert row.burn == result.series["net_burn"].p50[1]
    assert (row.arr_p10, row.arr, row.arr_p90) == tuple(result.series["arr"].stat(s)[1] for s in ("p10", "p50", "p90"))
    assert (row.cash_p10, row.cash_p90) == (result.series["cash"].p10[1], result.series["cash"].p90[1])


def test_a_year_sums_the_monthly_p50s_of_the_flows_and_takes_the_stocks_at_its_last_month():
    result = hand_made(24)
    plan = plan_of(result)
    assert [y.label for y in plan.years] == ["year 1", "year 2"]
    second = plan.years[1]
    for column, name in (
        ("new", "new_customers"),
        ("churned", "churned_customers"),
        ("spend", "acquisition_spend"),
        ("burn", "net_burn"),
    ):
        assert getattr(second, column) == pytest.approx(sum(result.series[name].p50[12:24]))
    for column, name in (("customers", "customers"), ("mrr", "mrr"), ("arr", "arr"), ("cash", "cash")):
        assert getattr(second, column) == result.series[name].p50[23]
    assert second.arr_p90 == result.series["arr"].p90[23]
    assert second.cash_p10 == result.series["cash"].p10[23]
    assert plan.currency == "EUR"


def test_a_last_partial_year_is_a_year_row_that_says_its_months():
    plan = plan_of(hand_made(42))
    assert [y.label for y in plan.years] == ["year 1", "year 2", "year 3", "year 4 (months 37-42)"]
    last = plan.years[-1]
    assert last.kind == "year"
    assert last.customers == plan.months[41].customers
    assert last.new == pytest.approx(sum(m.new for m in plan.months[36:42]))
    assert len(plan.months) == 42
    assert year_label(2, 13, 13) == "year 2 (month 13)"
    assert [y.label for y in plan_of(hand_made(5)).years] == ["year 1 (months 1-5)"]


def test_undefined_stays_undefined_and_makes_its_year_sum_undefined_never_zero():
    plan = plan_of(hand_made(24, undefined={"net_burn": {3}, "cash": {24}}))
    assert plan.months[2].burn is None
    assert plan.years[0].burn is None  # not the sum of the eleven defined months
    assert plan.years[1].burn is not None
    assert plan.months[23].cash is None and plan.years[1].cash is None
    assert plan.years[1].cash_p10 is not None  # only the p50 was undefined


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(max_segments=2, max_horizon=26, max_paths=12))
def test_every_row_is_the_runs_p50_at_its_month_between_its_p10_and_p90(scenario):
    try:
        result = run_scenario(scenario)
    except SimulationDiverged:  # the engine refuses a scenario that grows without bound: no plan to check
        reject()
    plan = plan_of(result)
    arr, cash = result.series["arr"], result.series["cash"]
    assert len(plan.months) == result.horizon_months
    assert len(plan.years) == math.ceil(result.horizon_months / 12)
    for index, row in enumerate(plan.months):
        assert row.arr == arr.p50[index] and row.cash == cash.p50[index]
        assert row.arr_p10 <= row.arr <= row.arr_p90
        assert row.cash_p10 <= row.cash <= row.cash_p90
    for number, year in enumerate(plan.years):
        last = min(12 * (number + 1), result.horizon_months) - 1
        assert year.arr == arr.p50[last] and year.cash_p90 == cash.p90[last]
        new = result.series["new_customers"].p50[12 * number : last + 1]
        assert year.new == pytest.approx(sum(new))
