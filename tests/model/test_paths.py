"""A segment by its name or by its index: :func:`saas_sim.model.paths.by_index` and :func:`~saas_sim.model.paths.by_name`."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from saas_sim.io.scenario import scenario_to_dict
from saas_sim.model import paths
from saas_sim.model.scenario import Scenario
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
