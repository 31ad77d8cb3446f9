"""--horizon and programs (issue 18): a shorter horizon cuts programs as it drops events; a longer one extends a
program that ran to the end (found by the format's tests)."""

from __future__ import annotations

import yaml

from saas_sim.engine.simulate import with_overrides
from saas_sim.io.scenario import dump_scenario_yaml, parse_scenario

TEXT = """
name: Horizon
horizon_months: 24
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 10k}
segments:
  - {name: A, cac: 1k, arpa_monthly: 100, churn: {monthly: 3%}, gross_margin: 80%}
programs:
  - {name: Whole, cost_monthly: 1k, churn_change: -10%}
  - {name: Early, cost_monthly: 1k, churn_change: -10%, from_month: 2, to_month: 6}
  - {name: Late, cost_monthly: 1k, churn_change: -10%, from_month: 15, to_month: 20}
"""


def test_a_shorter_horizon_cuts_programs_and_the_scenario_still_reads_back():
    scenario = with_overrides(parse_scenario(TEXT), seed=1, horizon=12)
    assert [(p.name, p.from_month, p.to_month) for p in scenario.programs] == [("Whole", 1, 12), ("Early", 2, 6)]
    assert parse_scenario(dump_scenario_yaml(scenario)) == scenario


def test_a_longer_horizon_extends_a_program_that_ran_to_the_end():
    scenario = with_overrides(parse_scenario(TEXT), seed=1, horizon=36)
    assert [(p.name, p.from_month, p.to_month) for p in scenario.programs] == [
        ("Whole", 1, 36),
        ("Early", 2, 6),
        ("Late", 15, 20),
    ]
    assert yaml.safe_load(dump_scenario_yaml(scenario))["programs"][0]["to_month"] == 36
