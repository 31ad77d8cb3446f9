"""The editor's ``starting_cohorts`` field (SPEC 1): one field holding the list, written as YAML."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim.model.paths import set_in
from tui.screens.main import checked_document, scenario_document
from tui.widgets.editor import _defaults_left_out, field_paths, problem_row, read_written, written

TEXT = """\
name: Calibrated
horizon_months: 12
company: {starting_cash: 1M, fixed_costs_monthly: 50k}
acquisition: {spend_monthly: 20k}
segments:
  - name: SMB
    cac: 2k
    arpa_monthly: 500
    starting_cohorts:
      - {tenure_months: 14, customers: 120, mrr: 30_000.25}
      - {tenure_months: 2, customers: 40, mrr: 18k}
    churn: {alpha: 0.8, beta: 9}
    gross_margin: 80%
"""
PATH = "segments[0].starting_cohorts"


def document() -> dict:
    _, shown = scenario_document(TEXT, "calibrated.yaml")
    return _defaults_left_out(copy.deepcopy(shown))


def test_the_list_is_one_field_that_reads_back_as_written():
    shown = document()
    assert PATH in field_paths(shown)
    assert not [path for path in field_paths(shown) if path.startswith("segments[0].starting_c") and path != PATH]
    text = written(PATH, shown["segments"][0]["starting_cohorts"])
    assert (
        text == "[{tenure_months: 14, customers: 120, mrr: 30000.25}, {tenure_months: 2, customers: 40, mrr: 18000.0}]"
    )
    retyped = copy.deepcopy(shown)
    set_in(retyped, PATH, read_written(PATH, text))
    (_, before, _), (scenario, after, problems) = checked_document(shown, "c"), checked_document(retyped, "c")
    assert not problems and after == before and scenario is not None
    assert scenario.segments[0].starting_customers == 160


def test_a_cohorts_problem_is_shown_under_the_list_field():
    paths = field_paths(document())
    assert problem_row("segments[0].starting_cohorts[1].mrr", paths) == PATH
    assert problem_row("segments[0].starting_cohorts[1]", paths) == PATH
    assert problem_row("segments[0].starting_cohorts", paths) == PATH
    assert problem_row("segments[0].cac", paths) == "segments[0].cac"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=60)
    | st.sampled_from(["[{tenure_months: 1}]", "[1, 2]", "{a: [", "[{tenure_months: -3, customers: 1, mrr: 1}]"])
)
def test_any_text_in_the_cohorts_field_is_a_scenario_or_problems_under_it(text):
    shown = document()
    set_in(shown, PATH, read_written(PATH, text))
    scenario, checked, problems = checked_document(shown, "c")
    assert (scenario is None) == bool(problems) and checked is not None
    paths = field_paths(shown)
    for problem in problems:
        assert problem_row(problem.field, paths) is not None, problem
