"""The inputs as rows (the workbook's "Inputs" sheet, the report's inputs): paths, units and uncertain values."""

from __future__ import annotations

import pytest

from saas_sim.analysis.inputs import input_rows
from saas_sim.io.scenario import parse_scenario, scenario_to_dict

SCENARIO = """\
name: Rows
horizon_months: 12
company: {starting_cash: 1M, fixed_costs_monthly: 50k}
acquisition: {spend_monthly: 20k}
segments:
  - name: "SMB [1]"
    cac: 1_500
    arpa_monthly: {dist: uniform, low: 90, high: 110}
    starting_cohorts: [{tenure_months: 14, customers: 120, mrr: 30_000}]
    churn: {alpha: 2, beta: {dist: beta, alpha: 20, beta: 5}}
    gross_margin: 0.8
events:
  - month: 6
    set: {"segments.SMB [1].expansion_monthly": 1%}
"""


@pytest.fixture(scope="module")
def rows():
    return {row.field: row for row in input_rows(scenario_to_dict(parse_scenario(SCENARIO)))}


def test_paths_are_the_ones_errors_and_events_write(rows):
    assert "segments[0].starting_cohorts[0].mrr" in rows
    assert rows["segments[0].starting_cohorts[0].customers"].value == 120
    event = rows["events[0].set.segments.SMB [1].expansion_monthly"]
    assert event.value == pytest.approx(0.01) and event.percent and event.unit == "rate"


def test_an_uncertain_value_has_its_distribution_and_range_and_no_made_up_figure(rows):
    arpa = rows["segments[0].arpa_monthly"]
    assert (arpa.value, arpa.distribution, arpa.low, arpa.high) == (None, "uniform", 90, 110)
    assert arpa.unit == "money" and "whole range" in arpa.note
    beta = rows["segments[0].churn.beta"]
    assert beta.distribution == "beta (alpha 20, beta 5)" and (beta.low, beta.high) == (0, 1)


def test_a_plain_value_carries_its_unit_label(rows):
    assert rows["company.fixed_costs_monthly"].note == "money / month"
    assert rows["segments[0].gross_margin"].percent
    assert rows["name"].value == "Rows" and rows["name"].note == ""
