"""Sensitivity over the blocks of issue 18 (SPEC 2.5, 2.7, 2.8), and a program's effect as its metric.

The funding round, the customer-success managers, each program's cost and changes and each
migration's share and multiplier are swung like any other number; their whole counts of months
and rounds are not.  A program's effect (``programs.<name>.<effect>``) is read through its mean,
from the scenario run with the program and without it.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from saas_sim.analysis.fields import (
    WHOLE_MONTHS,
    check_metric,
    field_of,
    find_field,
    input_fields,
    set_field,
    statistic_name,
    why_not_varied,
)
from saas_sim.analysis.sensitivity import sensitivity, swung
from saas_sim.engine.simulate import PROGRAM_EFFECTS, program_effect_per_path, with_overrides
from saas_sim.errors import InputError
from saas_sim.io.scenario import parse_scenario
from saas_sim.model import paths
from saas_sim.render.format import PROGRAM_EFFECT_KINDS, PROGRAM_EFFECT_LABELS, metric_kind, metric_label

# Funding triggers on most paths (cash starts near below_cash), managers and a program cost money,
# accounts upgrade from SMB to Key.
FUNDED = """\
name: Funded
horizon_months: 24
simulation: {paths: 200, seed: 5}
company:
  starting_cash: 700k
  fixed_costs_monthly: 120k
  funding: {below_cash: 600k, amount: 2M, probability: 60%, months_to_close: 2, max_rounds: 2}
  customer_success: {arr_per_csm: 1M, cost_per_csm_monthly: 10k}
acquisition: {spend_monthly: 40k}
segments:
  - {name: SMB, spend_share: 0.6, cac: 2k, arpa_monthly: 500, starting_customers: 200, gross_margin: 0.8,
     churn: {monthly: 0.03}}
  - {name: Key, spend_share: 0.4, cac: 30k, arpa_monthly: 4k, starting_customers: 30, gross_margin: 0.8,
     churn: {annual: 0.2}}
programs:
  - {name: Save, segments: [Key], from_month: 3, cost_monthly: 20k, churn_change: -15%, expansion_change: 0.2%}
migrations:
  - {from: SMB, to: Key, monthly: 1%, mrr_multiplier: 3}
"""
# No funding and no cash policy: a program's cost moves cash only, so its saved ARR is the same at
# every cost and ARR kept per unit spent is exactly inversely proportional to the cost.
SAVING = """\
name: Saving
horizon_months: 24
simulation: {paths: 300, seed: 7}
company:
  starting_cash: 3M
  fixed_costs_monthly: 100k
  customer_success: {arr_per_csm: 2M, cost_per_csm_monthly: 12k}
acquisition: {spend_monthly: 60k}
segments:
  - {name: SMB, spend_share: 0.6, cac: 2k, arpa_monthly: 500, starting_customers: 200, gross_margin: 0.8,
     churn: {monthly: 0.03}}
  - {name: Key, spend_share: 0.4, cac: 30k, arpa_monthly: 8k, starting_customers: 40, gross_margin: 0.8,
     churn: {annual: 0.2}}
programs:
  - {name: Save, segments: [Key], cost_monthly: 40k, churn_change: -30%}
migrations:
  - {from: SMB, to: Key, monthly: 0.5%, mrr_multiplier: 4}
"""
NEW_INPUTS = (
    "company.funding.below_cash",
    "company.funding.amount",
    "company.funding.probability",
    "company.customer_success.arr_per_csm",
    "company.customer_success.cost_per_csm_monthly",
    "programs.Save.cost_monthly",
    "programs.Save.churn_change",
    "programs.Save.expansion_change",
    "migrations[0].monthly",
    "migrations[0].mrr_multiplier",
)
WHOLE_COUNTS = (
    "company.funding.months_to_close",
    "company.funding.max_rounds",
    "programs.Save.from_month",
    "programs.Save.to_month",
)


@pytest.fixture(scope="module")
def funded():
    return parse_scenario(FUNDED)


@pytest.fixture(scope="module")
def saving():
    return parse_scenario(SAVING)


def test_the_new_blocks_numbers_are_inputs_and_their_whole_months_are_not(funded):
    listed = [f.path for f in input_fields(funded)]
    assert [path for path in listed if path in NEW_INPUTS] == list(NEW_INPUTS)  # in file order
    assert all(why_not_varied(path) is None for path in NEW_INPUTS)
    for path in WHOLE_COUNTS:
        assert path not in listed and path in paths.leaves(funded)
        assert why_not_varied(path) == WHOLE_MONTHS
        with pytest.raises(InputError, match=rf"'{re.escape(path)}' cannot be varied: it is a whole number"):
            find_field(funded, path)


def test_set_field_changes_each_new_input_and_nothing_else(funded):
    for path in NEW_INPUTS:
        before = paths.get(funded, path)
        after = set_field(funded, path, before * 1.5 if before else 0.01)
        assert paths.get(after, path) == pytest.approx(before * 1.5 if before else 0.01)
        changed = [p for p in paths.leaves(funded) if paths.get(after, p) != paths.get(funded, p)]
        assert changed == [path]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("programs.Sav.cost_monthly", "names no program 'Sav', did you mean 'programs.Save.cost_monthly'?"),
        (
            "migrations[3].monthly",
            "names no migration: the scenario has 1 migration, migrations[0] the first, "
            "did you mean 'migrations[0].monthly'?",
        ),
        ("programs.Save.name", "cannot be varied: it is a name, not a number"),
        ("programs.Save.segments", "cannot be varied: it names segments, not a number"),
        ("migrations[0].to", "cannot be varied: it is a name, not a number"),
    ],
)
def test_a_path_into_the_new_blocks_that_is_no_input_says_why(funded, path, message):
    with pytest.raises(InputError) as error:
        find_field(funded, path)
    assert error.value.problems == [f"'{path}' {message}"]


def test_a_negative_change_swings_by_its_size_low_side_the_lower_value(funded):
    """-15 % swung by 20 %: -18 % down (a stronger cut of churn), -12 % up, as any value moves by ±20 % of its size."""
    field = find_field(funded, "programs.Save.churn_change")
    low, high = swung(field, 0.2, -1), swung(field, 0.2, +1)
    assert low[1] == pytest.approx(-0.18) and high[1] == pytest.approx(-0.12)
    assert low[2] and high[2] and low[3] == high[3] == ""  # both moved, neither clipped
    # at the bound -100 % the low side clips there
    at_bound = find_field(set_field(funded, "programs.Save.churn_change", -0.9), "programs.Save.churn_change")
    assert swung(at_bound, 0.2, -1)[1:] == (-1.0, True, "clipped to its bound")


def test_every_new_input_moves_cash_and_the_round_moves_it_by_its_amount(funded):
    result = sensitivity(funded, metric="cash_end")
    by_field = {s.field: s for s in result.inputs}
    for path in NEW_INPUTS:
        assert by_field[path].effect > 0, path
    # The round's amount changes no draw and no other flow: the p50 path's cash moves by exactly what it raised.
    amount = by_field["company.funding.amount"]
    raised = {round(amount.high.metric - result.base), round(result.base - amount.low.metric)}
    assert raised <= {0, 400_000, 800_000} and raised != {0}
    assert not {s.field for s in result.inputs} & set(WHOLE_COUNTS)


def test_a_program_effect_is_read_at_its_mean():
    assert [statistic_name(f"programs.Save.{effect}") for effect in PROGRAM_EFFECTS] == ["mean"] * 7
    assert statistic_name("arr_end") == "p50" and statistic_name("out_of_cash") == "mean"


def test_a_program_metric_is_checked_against_the_scenario(saving, funded):
    assert check_metric("programs.Save.roi_arr", saving) == "programs.Save.roi_arr"
    assert check_metric("roi_arr", saving) == "programs.Save.roi_arr"  # one program: the bare effect names it
    assert check_metric("programs.Anything.roi_arr") == "programs.Anything.roi_arr"  # no scenario: the form only
    two = parse_scenario(
        SAVING.replace("migrations:", "  - {name: Upsell, cost_monthly: 5k, expansion_change: 0.5%}\nmigrations:")
    )
    none = parse_scenario(SAVING.split("programs:")[0])
    cases = [
        ("roi_arr", two, "'roi_arr' is an effect of a program: the scenario has 2, say which: "
         "'programs.Save.roi_arr' or 'programs.Upsell.roi_arr'"),
        ("roi_arr", none, "'roi_arr' is an effect of a program (SPEC 2.7), and this scenario has none"),
        ("programs.Sav.roi_arr", saving, "'programs.Sav.roi_arr' names no program 'Sav', did you mean "
         "'programs.Save.roi_arr'?"),
        ("programs.Zzz.roi_arr", two, "'programs.Zzz.roi_arr' names no program 'Zzz'; the programs are Save, Upsell"),
        ("programs.Save.roi_arr", none, "'programs.Save.roi_arr' names a program, and this scenario has none"),
        ("programs.Save.roi_ar", saving, "'programs.Save.roi_ar' names no program effect 'roi_ar', did you mean "
         "'programs.Save.roi_arr'?"),
        ("programs.Save.xyz", None, "'programs.Save.xyz' names no program effect 'xyz'; the effects are "
         + ", ".join(PROGRAM_EFFECTS)),
        ("saved_ar", saving, "'saved_ar' is not a summary metric, did you mean 'saved_arr'?"),
    ]  # fmt: skip
    for metric, scenario, message in cases:
        with pytest.raises(InputError) as error:
            check_metric(metric, scenario)
        assert error.value.problems == [message], metric


def test_sensitivity_on_a_program_effect_ranks_its_cost_exactly(saving):
    """ARR kept per unit spent = saved ARR / cost, and the saved ARR does not depend on the cost here: the
    cost swung ±20 % gives the base / 0.8 and / 1.2, to rounding; inputs of neither run have no effect."""
    result = sensitivity(saving, metric="roi_arr")
    assert (result.metric, result.statistic) == ("programs.Save.roi_arr", "mean")
    values = program_effect_per_path(saving, "Save", "roi_arr")
    assert result.base == pytest.approx(float(np.nanmean(values)), rel=1e-12)
    by_field = {s.field: s for s in result.inputs}
    cost = by_field["programs.Save.cost_monthly"]
    assert (cost.low.value, cost.high.value) == (32_000, 48_000)
    assert cost.low.metric == pytest.approx(result.base / 0.8, rel=1e-12)
    assert cost.high.metric == pytest.approx(result.base / 1.2, rel=1e-12)
    churn = by_field["programs.Save.churn_change"]
    assert churn.low.metric > result.base > churn.high.metric  # more churn cut, more ARR kept
    for path in (
        "company.starting_cash",
        "company.fixed_costs_monthly",
        "company.customer_success.cost_per_csm_monthly",
    ):
        assert by_field[path].effect == 0, path
    assert result.pinned_at is None and result.saturated is None  # a mean of an effect, not a probability
    assert result.base_se is not None and result.base_se > 0
    assert {s.field for s in result.inputs[:2]} == {"programs.Save.churn_change", "programs.Save.cost_monthly"}


def test_a_program_metric_with_mean_zero_or_one_is_not_a_pinned_probability(saving):
    """An effect whose mean is 0 (a program that changes nothing) is no probability at its bound."""
    idle = with_overrides(set_field(saving, "programs.Save.churn_change", 0.0), paths=100)
    result = sensitivity(idle, metric="programs.Save.saved_customers")
    assert result.base == 0.0 and result.pinned_at is None and result.saturated is None
    assert all(s.effect == 0 for s in result.inputs)  # it changes nothing, whatever is swung
    assert sensitivity(idle, metric="out_of_cash").saturated == 0.0  # beside it a probability that is pinned


def test_every_effect_has_a_kind_and_words_and_its_fields_their_formats():
    assert tuple(PROGRAM_EFFECT_KINDS) == tuple(PROGRAM_EFFECT_LABELS) == PROGRAM_EFFECTS
    assert metric_kind("programs.Save at-risk.cost") == "money"
    assert metric_kind("programs.Save.saved_customers") == "count"
    assert metric_kind("programs.Save.roi_arr") == "multiple"
    assert metric_kind("programs.Save.nothing") == "number"
    assert metric_label("programs.Save at-risk.roi_arr") == "Save at-risk: ARR kept per unit spent"
    assert metric_label("arr_end") == "ARR end"
    assert field_of("programs.Save.cost_monthly").money
    assert field_of("migrations[0].monthly").unit == "share"
    assert field_of("company.funding.amount").money
    assert math.isfinite(field_of("company.customer_success.arr_per_csm").rule.clip_bounds()[1])


def test_a_long_program_field_in_the_tornado_loses_its_prefix_before_its_middle():
    from saas_sim.render.tornado import short_field

    assert short_field("programs.Save-key-accounts.cost_monthly", 34) == "Save-key-accounts.cost_monthly"
    assert short_field("programs.Save.cost_monthly", 34) == "programs.Save.cost_monthly"  # it fits: as written
    assert short_field("segments.Key accounts.churn.annual", 34) == "Key accounts.churn.annual"
    assert (
        short_field("programs.Save the key accounts at risk.churn_change", 34) == "Save the key …at risk.churn_change"
    )
