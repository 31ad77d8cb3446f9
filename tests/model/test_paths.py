"""A segment by its name or by its index: :func:`saas_sim.model.paths.by_index` and :func:`~saas_sim.model.paths.by_name`."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from saas_sim.io.scenario import parse_scenario, scenario_to_dict
from saas_sim.model import paths
from saas_sim.model.catalog.fields import field_named, rule_for
from saas_sim.model.scenario import Distribution, Scenario
from tests.strategies import scenarios

NAMES = ["SMB", "Mid-market"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_by_index_and_by_name_are_inverse_at_every_leaf(scenario: Scenario) -> None:
    names = [s.name for s in scenario.segments]
    document = scenario_to_dict(scenario)
    for path in paths.leaves(scenario):
        indexed = paths.by_index(path, names)
        assert paths.by_name(indexed, names) == path
        assert paths.by_index(paths.by_name(indexed, names), names) == indexed
        if path.startswith("segments."):
            assert indexed.startswith(f"segments[{names.index(path.split('.')[1])}].")
            node: object = document  # the indexed path reaches the same number in the plain document
            for part in paths.split(indexed):  # (which leaves out what it derives: heterogeneity beside alpha)
                node = node.get(part) if isinstance(node, dict) else node[part]  # type: ignore[index]
            value = paths.get(scenario, path)
            if node is not None and isinstance(value, (int, float)):
                assert node == value, path
        else:
            assert indexed == path


def test_other_paths_come_back_as_they_are() -> None:
    for path in ("company.starting_cash", "events[1].set.segments.SMB.churn.monthly", "simulation.paths"):
        assert paths.by_index(path, NAMES) == path
        assert paths.by_name(path, NAMES) == path


def test_a_segment_itself_and_its_fields() -> None:
    assert paths.by_index("segments.Mid-market.churn.monthly", NAMES) == "segments[1].churn.monthly"
    assert paths.by_name("segments[1].churn.monthly", NAMES) == "segments.Mid-market.churn.monthly"
    assert paths.by_index("segments.SMB", NAMES) == "segments[0]"
    assert paths.by_name("segments[0]", NAMES) == "segments.SMB"


def test_a_segment_that_is_not_there_is_a_key_error_never_the_first_segment() -> None:
    with pytest.raises(KeyError, match=r"segments\.Enterprise\.churn\.monthly"):
        paths.by_index("segments.Enterprise.churn.monthly", NAMES)
    with pytest.raises(KeyError, match=r"segments\[2\]\.churn\.monthly"):
        paths.by_name("segments[2].churn.monthly", NAMES)


# -- the blocks of SPEC 2.5, 2.7 and 2.8 --------------------------------------------------------

BASE = """\
name: Test
horizon_months: 24
company: {starting_cash: 100k, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 5k}
segments:
  - {name: SMB, spend_share: 0.5, cac: 1k, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.03}}
  - {name: Enterprise, spend_share: 0.5, cac: 30k, arpa_monthly: 4k, gross_margin: 0.8, churn: {annual: 0.1}}
events:
  - {month: 3, cash_in: 1M}
"""
BLOCKS = """\
programs:
  - {name: Save at-risk, segments: [Enterprise], from_month: 4, cost_monthly: 80k, churn_change: -15%}
  - {name: Upsell, cost_monthly: 20k..40k, expansion_change: 0.5%}
migrations:
  - {from: SMB, to: Enterprise, monthly: 0.5%, mrr_multiplier: 8}
  - {from: Enterprise, to: SMB, monthly: 1%..2%}
"""
COMPANY = (
    "company:\n  starting_cash: 100k\n  fixed_costs_monthly: 10k\n  when_out_of_cash: shut_down\n"
    "  funding: {below_cash: 0, amount: 2M..3M, probability: 70%, months_to_close: 2, max_rounds: 2}\n"
    "  customer_success: {arr_per_csm: 2M, cost_per_csm_monthly: 12k}\n"
)


def with_blocks_text() -> str:
    return BASE.replace("company: {starting_cash: 100k, fixed_costs_monthly: 10k}\n", COMPANY) + BLOCKS


def with_blocks() -> Scenario:
    return parse_scenario(with_blocks_text())


def test_numbers_name_the_new_blocks_where_the_engine_reads_them():
    old = paths.leaves(parse_scenario(BASE))
    new = paths.leaves(with_blocks())
    company_end = old.index("company.ltv_horizon_months") + 1
    funding = [
        f"company.funding.{key}" for key in ("below_cash", "amount", "probability", "months_to_close", "max_rounds")
    ]
    success = ["company.customer_success.arr_per_csm", "company.customer_success.cost_per_csm_monthly"]
    program_keys = ("from_month", "to_month", "cost_monthly", "churn_change", "expansion_change")
    programs = [f"programs.{name}.{key}" for name in ("Save at-risk", "Upsell") for key in program_keys]
    migrations = [f"migrations[{i}].{key}" for i in (0, 1) for key in ("monthly", "mrr_multiplier")]
    assert new == [*old[:company_end], *funding, *success, *old[company_end:], *programs, *migrations]
    assert old[-1] == "events[0].cash_in"


def test_the_draws_of_a_scenario_without_the_blocks_keep_their_order():
    # The engine draws the uncertain numbers in the order of numbers(): the blocks add theirs and
    # move none of the others.
    def uncertain(scenario: Scenario) -> list[str]:
        return [path for path, value, _ in paths.numbers(scenario) if isinstance(value, Distribution)]

    def uncertain_cac(text: str) -> str:
        return text.replace("cac: 30k", "cac: 20k..40k").replace("cash_in: 1M", "cash_in: 1M..2M")

    old = uncertain(parse_scenario(uncertain_cac(BASE)))
    assert old == ["segments.Enterprise.cac", "events[0].cash_in"]
    new = uncertain(parse_scenario(uncertain_cac(with_blocks_text())))
    assert new == [
        "company.funding.amount",
        "segments.Enterprise.cac",
        "events[0].cash_in",
        "programs.Upsell.cost_monthly",
        "migrations[1].monthly",
    ]


def test_get_and_set_reach_the_new_paths():
    scenario = with_blocks()
    assert paths.get(scenario, "company.funding.probability") == 0.7
    assert paths.get(scenario, "company.customer_success.arr_per_csm") == 2_000_000
    assert paths.get(scenario, "programs.Save at-risk.churn_change") == -0.15
    assert paths.get(scenario, "programs.Save at-risk.to_month") == 24
    assert paths.get(scenario, "programs.Save at-risk.segments") == ("Enterprise",)
    assert paths.get(scenario, "migrations[0].mrr_multiplier") == 8
    assert paths.get(scenario, "migrations[1].from") == "Enterprise"
    changed = paths.set(scenario, "programs.Upsell.cost_monthly", 30_000.0)
    assert changed.programs[1].cost_monthly == 30_000 and changed.programs[0] == scenario.programs[0]
    assert paths.set(scenario, "migrations[1].monthly", 0.02).migrations[1].monthly == 0.02
    assert paths.set(scenario, "migrations[0].to", "SMB").migrations[0].target == "SMB"
    assert paths.set(scenario, "company.funding.amount", 1.0).company.funding.amount == 1.0  # type: ignore[union-attr]
    for missing in (
        "programs.Nope.cost_monthly",
        "programs.Upsell.nope",
        "programs.Upsell",
        "migrations[2].monthly",
        "migrations[0].nope",
        "company.funding.nope",
    ):
        with pytest.raises(KeyError):
            paths.get(scenario, missing)
        with pytest.raises(KeyError):
            paths.set(scenario, missing, 1.0)
    plain = parse_scenario(BASE)  # no funding, no programs, no migrations
    for absent in ("company.funding.amount", "company.customer_success.arr_per_csm", "migrations[0].monthly"):
        with pytest.raises(KeyError):
            paths.get(plain, absent)
        with pytest.raises(KeyError):
            paths.set(plain, absent, 1.0)


def test_set_of_get_gives_the_scenario_back_at_every_new_leaf():
    scenario = with_blocks()
    for path in paths.leaves(scenario):
        assert paths.set(scenario, path, paths.get(scenario, path)) == scenario, path


def test_rules_and_fields_of_the_new_paths():
    for path in ("company.funding.amount", "programs.Save at-risk.cost_monthly", "migrations[3].monthly"):
        field = field_named(path)
        assert field is not None and rule_for(path) is field.rule and not field.rule.settable, path  # type: ignore[union-attr]
    assert rule_for("programs.Save.name") is None and rule_for("migrations[0].from") is None
    assert paths.suggest("programs.Upsel.cost_monthly", paths.leaves(with_blocks())) == "programs.Upsell.cost_monthly"
