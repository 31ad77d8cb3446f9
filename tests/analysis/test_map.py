"""The vicious/virtuous map (SPEC 8): axes, cells that agree with runs, common random numbers, the JSON."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim.analysis.diagnosis import BOUNDARIES, CHECKS, diagnosis_of, grade
from saas_sim.analysis.fields import statistic
from saas_sim.analysis.maps import (
    MAP_PATHS,
    MapAnalysis,
    at_value,
    cell_scenario,
    make_axis,
    map_scenario,
    parse_axis,
    run_cell,
)
from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import simulate_summary, with_overrides
from saas_sim.errors import InputError
from saas_sim.io.scenario import load_scenario, parse_scenario
from saas_sim.model.result import SummaryStatistic
from saas_sim.model.scenario import Distribution

SMALL = """\
name: Small
horizon_months: 24
simulation: {paths: 300, seed: 4}
company: {starting_cash: 600k, fixed_costs_monthly: 40k}
acquisition: {spend_monthly: 25k, spend_growth_monthly: 1%}
segments:
  - name: Shops
    cac: 2_000
    arpa_monthly: 150
    starting_customers: 200
    churn: {monthly: "2%..4%"}
    gross_margin: 0.8
"""


def small(**changes: object) -> object:
    return parse_scenario(SMALL, "small.yaml")


def test_parse_axis_reads_values_as_files_write_them() -> None:
    assert parse_axis("segments.Shops.churn.monthly=1%..8%") == ("segments.Shops.churn.monthly", 0.01, 0.08)
    assert parse_axis(" acquisition.spend_monthly = 10k .. 1.2M ") == ("acquisition.spend_monthly", 10_000, 1_200_000)
    assert parse_axis("segments.Shops.cac=$5,000..500") == ("segments.Shops.cac", 5000, 500)  # descending is allowed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("segments.Shops.cac", "must be FIELD=LOW..HIGH"),
        ("segments.Shops.cac=500", "must be FIELD=LOW..HIGH"),
        ("segments.Shops.cac=a..5", "low end"),
        ("segments.Shops.cac=5..nan", "high end"),
        ("segments.Shops.cac=5..5", "the same value"),
        ("=1..2", "must be FIELD=LOW..HIGH"),
    ],
)
def test_parse_axis_refuses_in_one_line(text: str, says: str) -> None:
    with pytest.raises(InputError) as error:
        parse_axis(text)
    (problem,) = error.value.problems
    assert says in str(problem) and "\n" not in str(problem)


def test_axis_values_even_log_and_whole() -> None:
    scenario = small()
    even = make_axis(scenario, "segments.Shops.cac", 500, 5000, 10, False)
    assert even.values[0] == 500 and even.values[-1] == 5000 and len(even.values) == 10
    assert np.allclose(np.diff(even.values), 500)
    log = make_axis(scenario, "segments.Shops.cac", 100, 10_000, 5, True)
    assert log.values[0] == 100 and log.values[-1] == 10_000
    assert np.allclose(np.array(log.values[1:]) / np.array(log.values[:-1]), 10**0.5)
    whole = make_axis(scenario, "segments.Shops.starting_customers", 1, 4, 15, False)
    assert whole.values == (1.0, 2.0, 3.0, 4.0)  # each whole value once
    assert make_axis(scenario, "segments.Shops.cac", 5000, 500, 3, False).values == (5000.0, 2750.0, 500.0)


def test_axis_base_is_the_scenarios_point() -> None:
    scenario = small()
    assert make_axis(scenario, "segments.Shops.cac", 500, 5000, 3, False).base == 2000
    churn = make_axis(scenario, "segments.Shops.churn.monthly", 0.01, 0.08, 3, False)
    assert churn.base == pytest.approx(math.sqrt(0.02 * 0.04), rel=1e-9)  # the median of 2%..4% (a lognormal)


@pytest.mark.parametrize(
    ("field", "low", "high", "log", "says"),
    [
        ("segments.Shops.churn.monthly", 0.01, 1.5, False, "got 1.5"),
        ("segments.Shops.cac", -5, 100, False, "got -5"),
        ("segments.Shop.cac", 1, 100, False, "did you mean 'segments.Shops.cac'"),
        ("company.fixed_costs_monthly", 0, 100, True, "--log needs LOW and HIGH above 0"),
        ("simulation.paths", 100, 200, False, "simulation.paths"),
    ],
)
def test_axis_refuses_values_a_field_cannot_take(field: str, low: float, high: float, log: bool, says: str) -> None:
    with pytest.raises(InputError) as error:
        make_axis(small(), field, low, high, 5, log)
    (problem,) = error.value.problems
    assert says in str(problem)


def test_analysis_refuses_same_field_and_bad_steps() -> None:
    axis = ("segments.Shops.cac", 500.0, 5000.0)
    with pytest.raises(InputError, match="same input"):
        MapAnalysis(small(), x=axis, y=axis)
    for steps in (1, 201):
        with pytest.raises(InputError, match="from 2 to 200"):
            MapAnalysis(small(), x=axis, y=("company.starting_cash", 1.0, 2.0), steps=steps)
    with pytest.raises(InputError, match="not a summary metric"):
        MapAnalysis(small(), x=axis, y=("company.starting_cash", 1.0, 2.0), metric="arr_ending")


def test_default_paths_are_the_scenarios_up_to_map_paths() -> None:
    axes = {"x": ("segments.Shops.cac", 500.0, 5000.0), "y": ("company.starting_cash", 1.0, 2.0)}
    assert MapAnalysis(small(), **axes).scenario.simulation.paths == 300
    big = with_overrides(small(), paths=5000)
    assert MapAnalysis(big, **axes).scenario.simulation.paths == MAP_PATHS
    assert MapAnalysis(big, paths=2500, seed=9, **axes).scenario.simulation.seed == 9


def test_every_cell_is_the_run_of_its_point() -> None:
    """A cell's value is what `saas-sim run` says of the scenario at that point, same seed and paths."""
    analysis = MapAnalysis(
        small(),
        x=("segments.Shops.churn.monthly", 0.01, 0.09),
        y=("segments.Shops.cac", 800.0, 4000.0),
        steps=3,
        workers=1,
        metric="out_of_cash",
    )
    for _ in analysis.progress():
        pass
    result = analysis.result
    assert result is not None
    for row in range(3):
        for col in range(3):
            whole = run_scenario(cell_scenario(analysis, row, col))
            assert result.values[row][col] == whole.summary["out_of_cash"].mean
    # and the map is not flat: it crosses the boundaries
    flat = [v for row in result.values for v in row]
    assert min(flat) < 0.1 and max(flat) > 0.5


def test_an_uncertain_input_keeps_its_uncertainty_around_the_cells_value() -> None:
    scenario = small()
    field = "segments.Shops.churn.monthly"
    moved = at_value(scenario, field, 0.06)
    churn = moved.segments[0].churn.monthly
    assert isinstance(churn, Distribution)
    low, high = churn.params[0][1], churn.params[1][1]  # a lognormal given by p5 and p95, both scaled
    assert math.sqrt(low * high) == pytest.approx(0.06) and high / low == pytest.approx(2.0)
    # at its own median, the scenario is itself: the cell of the base point is the scenario's run
    same = at_value(scenario, field, make_axis(scenario, field, 0.01, 0.08, 2, False).base)
    assert (
        simulate_summary(with_overrides(same), "arr_end").tolist()
        == simulate_summary(with_overrides(scenario), "arr_end").tolist()
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costs=st.lists(st.floats(0, 120_000), min_size=2, max_size=4, unique=True))
def test_common_random_numbers_make_cash_monotone_in_costs(costs: list[float]) -> None:
    """Fixed costs change no draw: with the same random numbers on every cell, more costs can only run out of
    cash more often, cell by cell; independent draws per cell would break this by noise."""
    scenario = with_overrides(small(), paths=60)
    costs = sorted(costs)
    values = [
        run_cell(scenario, "out_of_cash", "company.fixed_costs_monthly", c, "segments.Shops.cac", 2000).value
        for c in costs
    ]
    assert all(a is not None and b is not None and a <= b for a, b in itertools.pairwise(values))
    cash = [
        run_cell(scenario, "cash_min", "company.fixed_costs_monthly", c, "segments.Shops.cac", 2000).value
        for c in costs
    ]
    assert all(a is not None and b is not None and a >= b for a, b in itertools.pairwise(cash))


def test_one_process_and_two_give_the_same_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """However the cells run: here, on a pool of the caller's, on processes the map starts after timing its first
    cell here (PROCESS_START_S 0: always worth it), or here after all (inf: never worth it)."""
    from saas_sim.analysis import maps
    from saas_sim.analysis.processes import process_pool

    options = {
        "x": ("segments.Shops.churn.monthly", 0.01, 0.09),
        "y": ("segments.Shops.cac", 800.0, 4000.0),
        "steps": 3,
        "paths": 120,
    }
    here = json.dumps(map_scenario(small(), workers=1, **options).to_json())
    pool = process_pool(2)
    try:
        assert json.dumps(map_scenario(small(), pool=pool, **options).to_json()) == here
        assert json.dumps(map_scenario(small(), pool=pool, **options).to_json()) == here  # the pool is reused
    finally:
        pool.shutdown()
    for start in (0.0, math.inf):
        monkeypatch.setattr(maps, "PROCESS_START_S", start)
        assert json.dumps(map_scenario(small(), workers=2, **options).to_json()) == here


def test_json_is_spec_8() -> None:
    result = map_scenario(
        small(),
        x=("segments.Shops.churn.monthly", 0.01, 0.09),
        y=("segments.Shops.cac", 800.0, 4000.0),
        steps=2,
        paths=50,
        workers=1,
    )
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert {"x", "y", "metric", "statistic", "values", "base"} <= set(data)
    assert data["x"]["field"] == "segments.Shops.churn.monthly" and data["x"]["values"] == [0.01, 0.09]
    assert data["y"]["values"] == [800.0, 4000.0]
    assert len(data["values"]) == 2 and all(len(row) == 2 for row in data["values"])  # one row per y value
    assert data["metric"] == "out_of_cash" and data["statistic"] == "mean"
    assert data["base"] == {"x": pytest.approx(math.sqrt(0.02 * 0.04)), "y": 2000.0}
    assert data["thresholds"] == [0.1, 0.5] and data["seed"] == 4 and data["paths"] == 50


def test_a_payback_that_never_comes_is_null_and_listed() -> None:
    result = map_scenario(
        small(),
        x=("segments.Shops.arpa_monthly", 5.0, 300.0),
        y=("segments.Shops.cac", 800.0, 4000.0),
        steps=2,
        paths=50,
        workers=1,
        metric="payback_months_with_churn",
    )
    data = result.to_json()
    assert data["statistic"] == "p50"
    assert [0, 0] in data["never"] and data["values"][0][0] is None  # 5 a month never pays back 800
    assert data["values"][0][1] is not None and data["grades"][0][0] == "bad"


def test_a_metric_without_boundaries_has_no_grades() -> None:
    result = map_scenario(
        small(),
        x=("segments.Shops.churn.monthly", 0.01, 0.09),
        y=("segments.Shops.cac", 800.0, 4000.0),
        steps=2,
        paths=40,
        workers=1,
        metric="arr_end",
    )
    assert result.boundaries == () and result.grades() is None and result.better == "higher"
    assert result.values[0][0] > result.values[1][1]  # less churn and cheaper customers: more ARR


@pytest.mark.parametrize("metric", sorted(BOUNDARIES))
def test_grade_matches_the_diagnosis_at_and_around_each_boundary(metric: str) -> None:
    """The map's grades are the diagnosis's, on both sides of every threshold."""

    def at(value: float) -> SummaryStatistic:
        return SummaryStatistic.from_json(dict.fromkeys(("mean", "p5", "p10", "p50", "p90", "p95", "se"), value))

    base = {check.metric: at(0.0) for check in CHECKS}
    for threshold in BOUNDARIES[metric]:
        for value in (threshold * 0.999, threshold, threshold * 1.001):
            summary = {**base, metric: at(value)}
            (check,) = [c for c in diagnosis_of(summary).checks if c.metric == metric]
            assert grade(metric, value) == check.status
    grades = {grade(metric, t * f) for t in BOUNDARIES[metric] for f in (0.9, 1.1)}
    assert {"ok", "warn", "bad"} <= grades  # each boundary separates two grades
    assert grade("arr_end", 1.0) is None and grade(metric, None) == "n/a"


def test_cell_statistic_is_the_metrics_statistic() -> None:
    scenario = with_overrides(small(), paths=80)
    cell = run_cell(scenario, "arr_end", "segments.Shops.cac", 1000, "company.starting_cash", 500_000)
    point = at_value(at_value(scenario, "segments.Shops.cac", 1000), "company.starting_cash", 500_000)
    assert cell.value == statistic(simulate_summary(point, "arr_end"), "arr_end")
    assert cell.diverged is None and math.isfinite(cell.value)


def test_the_workshop_map_of_the_issue() -> None:
    """issue 19's example: the virtuous cycle survives at its own point, dies at high churn and CAC."""
    scenario = load_scenario("scenarios/virtuous-cycle.yaml")
    result = map_scenario(
        scenario,
        x=parse_axis("segments.Shops.churn.monthly=1%..8%"),
        y=parse_axis("segments.Shops.cac=500..5000"),
        steps=3,
        paths=200,
        workers=1,
    )
    assert result.values[0][0] == 0.0  # 1 % churn, CAC 500: never out of cash
    assert result.values[-1][-1] > 0.5  # 8 % churn, CAC 5,000: most paths run out
    assert (result.x.base, result.y.base) == (0.015, 3000.0)
