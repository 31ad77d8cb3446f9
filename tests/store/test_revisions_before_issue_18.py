"""Revisions stored before the blocks of SPEC 2.5, 2.7 and 2.8 existed: their normalized scenario
lacks ``when_out_of_cash``, ``funding``, ``customer_success``, ``programs`` and ``migrations``."""

from __future__ import annotations

import copy

from saas_sim.io.scenario import parse_scenario, scenario_to_dict
from saas_sim.store import Store
from saas_sim.store.repository import changed_fields
from tests.store.conftest import ACME


def stored_before(normalized: dict) -> dict:
    """``normalized`` as the store kept it before issue 18."""
    old = copy.deepcopy(normalized)
    for key in ("when_out_of_cash", "funding", "customer_success"):
        del old["company"][key]
    del old["programs"], old["migrations"]
    return old


def test_an_old_revision_compared_with_a_new_one_lists_only_what_the_file_changed():
    old = stored_before(scenario_to_dict(parse_scenario(ACME)))
    new = scenario_to_dict(parse_scenario(ACME.replace("fixed_costs_monthly: 40k", "fixed_costs_monthly: 45k")))
    assert changed_fields(old, new) == ["company.fixed_costs_monthly"]
    assert changed_fields(new, old) == ["company.fixed_costs_monthly"]


def test_a_new_block_given_against_an_old_revision_is_a_change():
    old = stored_before(scenario_to_dict(parse_scenario(ACME)))
    text = ACME + "programs:\n  - {name: Save, cost_monthly: 1k, churn_change: -10%}\n"
    new = scenario_to_dict(
        parse_scenario(
            text.replace("  fixed_costs_monthly: 40k", "  fixed_costs_monthly: 40k\n  when_out_of_cash: shut_down")
        )
    )
    assert changed_fields(old, new) == ["company.when_out_of_cash", "programs"]


def test_the_same_file_saved_again_is_the_same_revision(store: Store):
    first = store.save_revision(ACME, parse_scenario(ACME))
    again = store.save_revision(ACME, parse_scenario(ACME))
    assert not again.created and again.revision.number == first.revision.number
