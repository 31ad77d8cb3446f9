"""One-at-a-time sensitivity: effects known in advance, bounds, rounding, distributions, parallel runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.console import Console

from saas_sim.analysis.fields import input_fields
from saas_sim.analysis.run import run_scenario
from saas_sim.analysis.sensitivity import UNMOVED_BOUND, UNMOVED_ZERO, sensitivity, swung
from saas_sim.engine.simulate import simulate_per_path, simulate_summary, with_overrides
from saas_sim.errors import InputError
from saas_sim.io.scenario import parse_scenario
from saas_sim.model.catalog.metrics import SUMMARY_METRICS
from saas_sim.render.tornado import Tornado
from tests.scenario_texts import FEW_OUT, NEVER_MIX, doomed

# Plain values; no reinvested gross profit, so margins and costs cannot reach the customers.
STEADY = """\
name: Steady
horizon_months: 24
simulation: {paths: 200, seed: 5}
company: {starting_cash: 1M, fixed_costs_monthly: 40k}
acquisition: {spend_monthly: 30k}
segments:
  - name: SMB
    cac: 1_500
    arpa_monthly: 150
    starting_customers: 7
    churn: {monthly: 0.95}
    gross_margin: 0.8
    retention_cost_monthly: 5
"""

# A leaky bucket: a big base losing 10 % a month, little acquisition.
LEAKY = """\
name: Leaky
horizon_months: 24
simulation: {paths: 200, seed: 9}
company: {starting_cash: 5M, fixed_costs_monthly: 50k}
acquisition: {spend_monthly: 5k}
segments:
  - name: SMB
    cac: 1_000
    arpa_monthly: 100
    starting_customers: 5000
    churn: {monthly: 0.10}
    expansion_monthly: 0.01
    gross_margin: 0.8
"""

TWO_SEGMENTS = """\
name: Two
horizon_months: 13
simulation: {paths: 200, seed: 2}
company: {starting_cash: 1M, fixed_costs_monthly: 40k}
acquisition: {spend_monthly: 30k}
segments:
  - name: SMB
    spend_share: 0.6
    cac: 1_500
    arpa_monthly: 150
    starting_customers: 100
    churn: {monthly: "2%..4%"}
    gross_margin: 1.0
  - name: Mid
    spend_share: 0.4
    cac: 8k
    arpa_monthly: 900
    churn: {annual: 0.2}
    gross_margin: 0.7
events:
  - {month: 6, cash_in: 500k}
"""


def by_field(result):
    return {s.field: s for s in result.inputs}


@pytest.fixture(scope="module")
def steady_customers():
    return sensitivity(parse_scenario(STEADY), metric="customers_end")


@pytest.fixture(scope="module")
def two_segments_arr():
    return sensitivity(parse_scenario(TWO_SEGMENTS), metric="arr_end", workers=2, parallel=False)


@pytest.fixture(scope="module")
def leaky_arr():
    return sensitivity(parse_scenario(LEAKY), metric="arr_end")


def test_an_input_the_metric_cannot_see_has_exactly_zero_effect(steady_customers):
    result = steady_customers
    margin = by_field(result)["segments.SMB.gross_margin"]
    assert margin.low.moved and margin.high.moved  # swung and run, not skipped
    assert margin.low.metric == margin.high.metric == result.base
    assert margin.effect == 0
    for name in ("company.starting_cash", "company.fixed_costs_monthly", "segments.SMB.retention_cost_monthly"):
        assert by_field(result)[name].effect == 0


def test_churn_ranks_first_for_a_leaky_business(leaky_arr):
    result = leaky_arr
    assert result.inputs[0].field == "segments.SMB.churn.monthly"
    churn = result.inputs[0]
    assert churn.low.metric > result.base > churn.high.metric  # less churn, more ARR
    effects = [s.effect for s in result.inputs]
    assert effects == sorted(effects, reverse=True)


def test_the_base_is_the_run_of_the_scenario_itself(leaky_arr):
    result = leaky_arr
    assert result.base == run_scenario(parse_scenario(LEAKY)).summary["arr_end"].p50
    assert (result.paths, result.seed) == (200, 9)


def test_a_rate_near_its_bound_is_swung_within_it(steady_customers):
    churn = by_field(steady_customers)["segments.SMB.churn.monthly"]
    assert churn.low.value == pytest.approx(0.76)
    assert churn.high.value == 1.0  # 0.95 + 20 % clipped to the bound
    assert churn.high.moved and "clipped" in churn.high.note


def test_a_side_that_clips_to_its_own_value_is_not_run_and_says_so():
    [rate] = [
        f
        for f in input_fields(parse_scenario(STEADY.replace("0.95", "1.0")))
        if f.path.endswith("monthly") and "churn" in f.path
    ]
    _value, shown, moved, note = swung(rate, 0.2, +1)
    assert (shown, moved, note) == (1.0, False, UNMOVED_BOUND)
    result = sensitivity(parse_scenario(STEADY.replace("0.95", "1.0")), metric="cash_end")
    high = by_field(result)["segments.SMB.churn.monthly"].high
    assert high.metric == result.base and not high.moved


def test_zeros_cannot_move_and_counts_are_rounded(steady_customers):
    fields = by_field(steady_customers)
    expansion = fields["segments.SMB.expansion_monthly"]
    assert (expansion.low.moved, expansion.high.moved, expansion.low.note) == (False, False, UNMOVED_ZERO)
    customers = fields["segments.SMB.starting_customers"]
    assert (customers.low.value, customers.high.value) == (6.0, 8.0)  # 7 × 0.8 = 5.6, 7 × 1.2 = 8.4


def test_an_uncertain_input_is_scaled_as_a_whole(two_segments_arr):
    result = two_segments_arr
    churn = by_field(result)["segments.SMB.churn.monthly"]
    assert churn.uncertain
    assert churn.base_value == pytest.approx(math.sqrt(0.02 * 0.04))  # the lognormal's median
    assert churn.low.value == pytest.approx(0.8 * math.sqrt(0.02 * 0.04))
    assert churn.high.value == pytest.approx(1.2 * math.sqrt(0.02 * 0.04))
    assert churn.low.metric > churn.high.metric


def test_shares_are_not_swung_but_events_are():
    result = sensitivity(parse_scenario(TWO_SEGMENTS), metric="cash_end")
    fields = by_field(result)
    assert "segments.SMB.spend_share" not in fields
    assert [f for f, _ in result.not_swung] == ["segments.SMB.spend_share", "segments.Mid.spend_share"]
    cash_in = fields["events[0].cash_in"]
    assert (cash_in.low.value, cash_in.high.value) == (400_000, 600_000)
    assert cash_in.high.metric - cash_in.low.metric == pytest.approx(200_000)  # cash moves one for one


def test_json_has_exactly_the_spec_keys_in_each_input():
    data = sensitivity(parse_scenario(LEAKY), metric="out_of_cash").to_json()
    assert {"metric", "base", "inputs"} <= set(data)
    assert data["metric"] == "out_of_cash" and data["statistic"] == "mean"
    for item in data["inputs"]:
        assert set(item) == {"field", "low", "high", "metric_low", "metric_high"}


def test_swings_run_two_at_a_time_give_the_same_numbers(two_segments_arr):
    assert sensitivity(parse_scenario(TWO_SEGMENTS), metric="arr_end", workers=2, parallel=True) == two_segments_arr


def test_an_unknown_metric_is_refused_with_a_guess():
    with pytest.raises(InputError, match="did you mean 'arr_end'"):
        sensitivity(parse_scenario(STEADY), metric="arr_ned")


def test_a_metric_undefined_everywhere_is_refused():
    with pytest.raises(InputError, match="undefined on every path"):
        sensitivity(
            parse_scenario(TWO_SEGMENTS.replace("horizon_months: 13", "horizon_months: 6")), metric="nrr_12m_end"
        )


@pytest.mark.parametrize("width", [80, 120])
def test_the_tornado_fits_the_console(width, two_segments_arr):
    result = two_segments_arr
    console = Console(width=width, record=True, color_system=None)
    console.print(Tornado(result))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    lines = text.splitlines()
    moving = [s.field for s in result.inputs if s.effect > 0]
    rows = [line for line in lines if "│" in line]
    assert len(rows) == len(moving)
    assert rows[0].startswith(moving[0].replace("segments.", "")) or rows[0].startswith(moving[0])
    assert "No effect on ARR end" in text and "Not swung" in text


# Runs out of cash by month 12 on every path; +20 % cash or -20 % costs saves it.
DOOMED = doomed("1M")


def _tornado_text(result, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(Tornado(result))
    return " ".join(console.export_text().split())


@pytest.mark.parametrize(
    ("cash", "pinned", "alternatives"),
    [
        ("100k", 1.0, ["cash_out_month", "cash_min"]),  # out of cash on every path, whatever the swing
        ("100M", 0.0, ["cash_min"]),  # never out of cash
    ],
)
def test_a_probability_pinned_at_0_or_100_percent_says_it_cannot_move(cash, pinned, alternatives):
    """Issue 13, 5: not "no effect on out_of_cash" when out_of_cash is 100 % (or 0 %) in every swing."""
    result = sensitivity(
        parse_scenario(DOOMED.replace("starting_cash: 1M", f"starting_cash: {cash}")), metric="out_of_cash"
    )
    assert all(s.effect == 0 for s in result.inputs)
    assert result.saturated == pinned
    document = result.to_json()
    assert {"metric", "base", "inputs"} <= set(document)  # SPEC's keys stay
    assert document["saturated"] == {"at": pinned, "try": alternatives}
    text = _tornado_text(result)
    assert "No effect" not in text
    percent = f"{100 * pinned:.0f}%"
    assert (
        f"out_of_cash is {percent} in every swing: it cannot move; try --metric {' or '.join(alternatives)}"
    ) in text
    assert "company.starting_cash" in text  # still listed, as swung without moving it


def test_inputs_that_leave_a_probability_at_100_percent_are_not_said_to_have_no_effect():
    result = sensitivity(parse_scenario(DOOMED), metric="out_of_cash")
    assert result.base == 1.0 and result.saturated is None  # cash and costs move it
    assert [s.field for s in result.inputs if s.effect > 0] == ["company.starting_cash", "company.fixed_costs_monthly"]
    text = _tornado_text(result)
    assert "No effect" not in text
    heading = "Still 100% on both sides (out_of_cash is pinned there; try --metric cash_out_month or cash_min): "
    assert heading in text
    assert "acquisition.spend_monthly" in text.split(heading)[1].split("At 0")[0]


def test_an_unsaturated_metric_keeps_no_effect(steady_customers):
    assert steady_customers.saturated is None and steady_customers.to_json()["saturated"] is None
    assert "No effect on Customers end" in _tornado_text(steady_customers)


NEVER_AT_BASE = """\
name: Never at base
horizon_months: 12
simulation: {paths: 200, seed: 3}
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 20k}
segments:
  - name: SMB
    cac: 1_000
    arpa_monthly: 100
    churn: {monthly: {dist: uniform, low: 0.03, high: 0.15}, heterogeneity: 0}
    gross_margin: 0.8
"""


def test_a_payback_that_never_comes_ranks_an_input_that_makes_it_pay_back_first():
    """Issue 13, item 3: 58 % of paths never pay back, so the base p50 is never (SPEC 3.2); an input
    whose swing makes it pay back has an unbounded effect, one that leaves it never has none."""
    import json

    result = sensitivity(parse_scenario(NEVER_AT_BASE), metric="payback_months_with_churn")
    assert result.base == math.inf
    cac = by_field(result)["segments.SMB.cac"]
    assert cac.low.metric < math.inf and cac.high.metric == math.inf
    # never at base: ranked by the share of paths that never pay back (hostile nev.yaml), not by an unbounded effect
    assert result.ranked_by_never and cac.effect == pytest.approx(cac.high.never - cac.low.never)
    assert result.inputs[0].effect >= cac.effect > 0
    still = by_field(result)["company.fixed_costs_monthly"]  # cash cannot move payback: still never
    assert still.effect == 0 and still.low.metric == still.high.metric == math.inf
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert data["base"] is None and "base" in data["never"]
    text = _tornado_text(result)
    assert "never at base" in text and f"$800 ({cac.low.metric:.1f} mo)" in text  # where the swing lands
    assert "Standard error" not in text  # of a p50 that is never: none
    # 7 % churn: at most 80 / 7 % = 1,143 of margin, enough for CAC 1,000 (29 months) but not for 1,200
    result = sensitivity(
        parse_scenario(NEVER_AT_BASE.replace("{dist: uniform, low: 0.03, high: 0.15}", "0.07")),
        metric="payback_months_with_churn",
    )
    assert result.base == 29.0
    cac = by_field(result)["segments.SMB.cac"]
    assert cac.high.metric == math.inf and cac.effect == math.inf and result.inputs[0].effect == math.inf
    assert "$1.2k (never)" in _tornado_text(result)
    index = [s.field for s in result.inputs].index(cac.field)
    assert f"inputs[{index}].metric_high" in result.to_json()["never"]


def test_the_axis_of_a_probability_stays_within_0_and_100_percent():
    result = sensitivity(parse_scenario(DOOMED), metric="out_of_cash")  # base 100 %, swings down to 0 %
    text = _tornado_text(result)
    assert "200.0%" not in text and "0.0%" in text


def test_a_p50_pinned_at_never_ranks_by_the_share_that_never_pays_back():
    """Issue 13 (hostile, nev.yaml): the p50 is never at base and on every side, so every input had "no effect",
    ARPA among them; ranked by the share of paths that never pay back, ARPA, CAC and margin move it."""
    import json

    result = sensitivity(parse_scenario(NEVER_MIX), metric="payback_months_with_churn")
    assert result.base == math.inf and result.base_never == pytest.approx(0.6255, abs=0.001)
    fields = by_field(result)
    arpa = fields["segments.SMB.arpa_monthly"]
    assert arpa.low.metric == arpa.high.metric == math.inf  # the p50 stays never either way
    assert arpa.high.never < result.base_never < arpa.low.never
    assert arpa.effect == pytest.approx(
        max(arpa.low.never, arpa.high.never, result.base_never)
        - min(arpa.low.never, arpa.high.never, result.base_never)
    )
    assert fields["company.starting_cash"].effect == 0  # cash cannot move payback
    moving = {s.field for s in result.inputs if s.effect > 0}
    assert {"segments.SMB.arpa_monthly", "segments.SMB.cac", "segments.SMB.gross_margin"} <= moving
    assert result.inputs[0].field in moving
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert {"metric", "base", "inputs"} <= set(data) and data["base"] is None
    assert data["ranked_by"] == "never" and data["base_never"] == pytest.approx(result.base_never)
    item = next(i for i in data["inputs"] if i["field"] == "segments.SMB.arpa_monthly")
    assert {"field", "low", "high", "metric_low", "metric_high"} <= set(item)
    assert (item["never_low"], item["never_high"]) == (arpa.low.never, arpa.high.never)
    text = _tornado_text(result)
    assert "No effect on Payback months with churn" not in text
    assert (
        "The p50 is never at base (63% of paths never pay back): the inputs are ranked by that share instead; "
        "try --metric ltv_cac."
    ) in text
    unmoved = text.split("No effect on the share that never pays back: ")[1].split("At 0")[0]
    assert "starting_cash" in unmoved and "arpa_monthly" not in unmoved and "SMB.cac" not in unmoved


def test_a_statistic_of_too_few_paths_is_marked_as_such():
    """Issue 13, 6 (hostile, few.yaml): 10 paths of 2,000 run out of cash; their median month ranked 9 inputs
    with no mark.  The tornado says how few paths it rests on, as `run` does, and the JSON carries ``n``."""
    scenario = parse_scenario(FEW_OUT)
    company, _ = simulate_per_path(with_overrides(scenario))
    out = int(np.isfinite(company["summary"]["cash_out_month"]).sum())  # 12 of 2,000 with engine 0.3.0's stream
    assert 0 < out < 50
    result = sensitivity(scenario, metric="cash_out_month")
    assert result.base_n == out and result.too_few
    data = result.to_json()
    assert data["base_n"] == out
    item = data["inputs"][0]
    side = result.inputs[0]
    assert (item["n_low"], item["n_high"]) == (side.low.n, side.high.n)
    text = _tornado_text(result)
    assert f" at base ({out} paths)" in text
    assert "too few paths" in text and "try --metric out_of_cash or cash_min" in text
    plenty = sensitivity(parse_scenario(DOOMED), metric="cash_out_month")  # every path runs out
    assert plenty.base_n is None and not plenty.too_few and "too few" not in _tornado_text(plenty)


# -- What each run computes: the one summary it reports, or a closed form without months ----------

UNCERTAIN_ONE_SEGMENT = """\
name: Uncertain
horizon_months: 15
simulation: {paths: 1300, seed: 8}
company: {starting_cash: 600k, fixed_costs_monthly: 45k, discount_rate_annual: 8%}
acquisition: {spend_monthly: 25k, reinvest_gross_profit: 0.2}
segments:
  - name: SMB
    cac: "1k..1.8k"
    arpa_monthly: 120
    starting_customers: 150
    churn: {monthly: "2%..5%", heterogeneity: 0.4}
    expansion_monthly: 0.4%
    gross_margin: 0.8
    retention_cost_monthly: 4
events:
  - {month: 1, set: {segments.SMB.arpa_monthly: 130}}
  - {month: 4, set: {segments.SMB.cac: 2k}, cash_in: 100k}
"""


@pytest.mark.parametrize("text", [UNCERTAIN_ONE_SEGMENT, TWO_SEGMENTS, LEAKY])
def test_one_summary_of_a_run_is_the_one_of_every_summary(text):
    scenario = with_overrides(parse_scenario(text))
    company, _ = simulate_per_path(scenario)
    for metric in SUMMARY_METRICS:
        np.testing.assert_array_equal(simulate_summary(scenario, metric), company["summary"][metric], err_msg=metric)


@pytest.mark.parametrize("metric", ["ltv_cac", "payback_months_with_churn", "ltv_simple"])
def test_a_unit_economics_metric_of_one_segment_ranks_as_its_simulated_runs(metric, monkeypatch):
    scenario = parse_scenario(UNCERTAIN_ONE_SEGMENT)
    closed = sensitivity(scenario, metric=metric)
    from saas_sim.analysis import fields

    monkeypatch.setattr(fields, "closed_form_applies", lambda scenario, metric: False)  # metric_per_path's
    simulated = sensitivity(scenario, metric=metric)
    assert closed.to_json() == simulated.to_json()
    assert closed.inputs[0].effect > 0
