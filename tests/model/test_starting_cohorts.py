"""``starting_cohorts`` (SPEC 1, 2.1): the installed base by tenure, read, refused and written back."""

from __future__ import annotations

import pytest

from saas_sim.errors import InputError
from saas_sim.io.scenario import dump_scenario_yaml, parse_scenario, scenario_to_dict
from saas_sim.model.scenario import StartingCohort

HEAD = """\
name: Installed base
horizon_months: 12
company: {starting_cash: 1M, fixed_costs_monthly: 50k}
acquisition: {spend_monthly: 20k}
segments:
  - name: SMB
    cac: 2k
    arpa_monthly: 500
    churn: {annual: 20%}
    gross_margin: 80%
    contract_months: 12
"""


def scenario_text(cohorts: str, extra: str = "") -> str:
    return HEAD + extra + "    starting_cohorts:\n" + cohorts


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as refused:
        parse_scenario(text, "x.yaml")
    return [str(problem) for problem in refused.value.problems]


def test_the_cohorts_are_read_in_any_value_form_and_give_the_segments_totals():
    text = scenario_text(
        '      - {tenure_months: 14, customers: 120, mrr: "$30,000"}\n'
        "      - {tenure_months: 2, customers: 40, mrr: 18.5k}\n"
        "      - {tenure_months: 14, customers: 1, mrr: 0}\n"
    )
    segment = parse_scenario(text).segments[0]
    assert segment.starting_cohorts == (
        StartingCohort(14, 120, 30_000.0),
        StartingCohort(2, 40, 18_500.0),
        StartingCohort(14, 1, 0.0),  # a tenure given twice is two groups; free accounts are accounts
    )
    assert (segment.starting_customers, segment.starting_mrr, segment.starting_tenure_months) == (161, 48_500.0, 0)


def test_the_normalized_scenario_writes_the_cohorts_instead_of_the_three_keys_and_reads_back():
    scenario = parse_scenario(scenario_text("      - {tenure_months: 14, customers: 120, mrr: 30k}\n"))
    segment = scenario_to_dict(scenario)["segments"][0]
    assert segment["starting_cohorts"] == [{"tenure_months": 14, "customers": 120, "mrr": 30_000.0}]
    assert not {"starting_customers", "starting_mrr", "starting_tenure_months"} & set(segment)
    text = dump_scenario_yaml(scenario)
    assert "  - {tenure_months: 14, customers: 120, mrr: 30000.0}\n" in text  # a group a line
    assert parse_scenario(text) == scenario
    plain = parse_scenario(HEAD + "    starting_customers: 10\n")
    assert "starting_cohorts" not in scenario_to_dict(plain)["segments"][0]


@pytest.mark.parametrize("empty", ["null", "[]"])
def test_no_cohorts_is_no_installed_base(empty):
    segment = parse_scenario(HEAD + f"    starting_cohorts: {empty}\n").segments[0]
    assert segment.starting_cohorts is None and segment.starting_customers == 0


def test_the_cohorts_replace_the_three_starting_keys():
    text = scenario_text("      - {tenure_months: 14, customers: 120, mrr: 30k}\n", "    starting_customers: 120\n")
    assert problems(text) == [
        "x.yaml:13 segments[0].starting_cohorts: must be left out with starting_customers: starting_cohorts "
        "gives the installed base by tenure instead of those keys"
    ]


@pytest.mark.parametrize(
    "entry, expected",
    [
        ("{tenure_months: -1, customers: 5, mrr: 10}", "segments[0].starting_cohorts[0].tenure_months: must be"),
        ("{tenure_months: 601, customers: 5, mrr: 10}", "segments[0].starting_cohorts[0].tenure_months: must be"),
        ("{tenure_months: 2.5, customers: 5, mrr: 10}", "segments[0].starting_cohorts[0].tenure_months: must be"),
        ("{tenure_months: 2, customers: 0, mrr: 10}", "segments[0].starting_cohorts[0].customers: must be"),
        ("{tenure_months: 2, customers: 1.5, mrr: 10}", "segments[0].starting_cohorts[0].customers: must be"),
        ("{tenure_months: 2, customers: 5, mrr: -10}", "segments[0].starting_cohorts[0].mrr: must be"),
        ('{tenure_months: 2, customers: 5, mrr: "1k..2k"}', "segments[0].starting_cohorts[0].mrr: must be"),
        ("{tenure_months: 2, customers: 5}", "segments[0].starting_cohorts[0].mrr: is required"),
        ("{tenure_months: 2, customers: 5, mrr: 1, arpa: 3}", "segments[0].starting_cohorts[0]: unknown key 'arpa'"),
        ("14", "segments[0].starting_cohorts[0]: must be a mapping"),
    ],
)
def test_a_wrong_cohort_is_one_line_naming_its_field(entry, expected):
    found = problems(scenario_text(f"      - {entry}\n"))
    assert len(found) == 1 and found[0].startswith("x.yaml:13 "), found
    assert expected in found[0], found


def test_a_cohort_key_written_in_the_segment_says_where_it_belongs():
    found = problems(HEAD + "    tenure_months: 14\n")
    assert len(found) == 1 and "starting_cohorts" in found[0], found


def test_not_a_list_and_too_many_are_refused():
    assert "must be a list" in problems(HEAD + "    starting_cohorts: 14\n")[0]
    many = "".join(f"      - {{tenure_months: {i % 600}, customers: 1, mrr: 1}}\n" for i in range(1201))
    assert problems(scenario_text(many)) == [
        "x.yaml:12 segments[0].starting_cohorts: must list at most 1200 cohorts, got 1201"
    ]


def test_the_cohorts_add_up_to_at_most_a_billion_customers():
    text = scenario_text(
        "      - {tenure_months: 1, customers: 600_000_000, mrr: 1}\n"
        "      - {tenure_months: 2, customers: 600_000_000, mrr: 1}\n"
    )
    assert problems(text) == [
        "x.yaml:12 segments[0].starting_cohorts: must add up to at most 1,000,000,000 customers, got 1,200,000,000"
    ]


def test_an_event_cannot_change_the_installed_base():
    text = (
        scenario_text("      - {tenure_months: 14, customers: 120, mrr: 30k}\n")
        + "events:\n  - month: 2\n    set: {segments.SMB.starting_cohorts: []}\n"
    )
    found = problems(text)
    assert len(found) == 1 and "segments.SMB.starting_cohorts" in found[0], found


def test_the_cohorts_totals_are_no_inputs_of_the_analyses(tmp_path):
    """Sensitivity and goal seek would change starting_customers or starting_mrr and the engine, which
    reads the cohorts, would ignore it: a silent no-op.  They are left out, and naming one says why."""
    from saas_sim.analysis.fields import find_field, input_fields
    from saas_sim.model import paths

    scenario = parse_scenario(scenario_text("      - {tenure_months: 14, customers: 120, mrr: 30k}\n"))
    names = [field.path for field in input_fields(scenario)]
    assert "segments.SMB.arpa_monthly" in names
    assert not [name for name in names if name.startswith("segments.") and ".starting_" in name]
    assert not [leaf for leaf in paths.leaves(scenario) if leaf.startswith("segments.") and ".starting_" in leaf]
    with pytest.raises(InputError, match="gives its installed base as starting_cohorts"):
        find_field(scenario, "segments.SMB.starting_customers")
    plain = parse_scenario(HEAD + "    starting_customers: 10\n")
    assert find_field(plain, "segments.SMB.starting_customers").value == 10
