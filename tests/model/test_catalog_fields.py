"""The field catalog against SPEC 1, the scenario types and the loader; one way to address a field by path.

SPEC.md is read from ``../shared/SPEC.md`` beside the repository when it is
there, else from its verbatim copy ``tests/data/SPEC.md`` (the metric
catalog's tests hold that the two are equal).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import MISSING
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim.engine import compiled
from saas_sim.errors import InputError
from saas_sim.io import scenario as loader
from saas_sim.io.scenario import dump_scenario_yaml, parse_scenario, scenario_to_dict
from saas_sim.model import paths
from saas_sim.model.catalog.fields import (
    COMPANY_PARAMS,
    FIELD,
    FIELDS,
    REQUIRED,
    SEGMENT,
    SEGMENT_PARAMS,
    TOP_LEVEL,
    help_for,
    keys_of,
    rule_for,
)
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    Correlation,
    CustomerSuccess,
    Event,
    Funding,
    Funnel,
    Migration,
    Program,
    Scenario,
    Segment,
    Simulation,
    StartingCohort,
)
from tests.strategies import scenarios

ROOT = Path(__file__).resolve().parents[2]
SPEC_SHARED = ROOT.parent / "shared" / "SPEC.md"
SPEC_TEXT = (SPEC_SHARED if SPEC_SHARED.exists() else ROOT / "tests" / "data" / "SPEC.md").read_text(encoding="utf-8")

# The dataclass each block of the file becomes.
BLOCK_TYPES = {
    "": Scenario,
    "simulation": Simulation,
    "simulation.correlations": Correlation,
    "company": Company,
    "acquisition": Acquisition,
    "segments": Segment,
    "segments.funnel": Funnel,
    "segments.churn": Churn,
    "segments.starting_cohorts": StartingCohort,
    "events": Event,
    "company.funding": Funding,
    "company.customer_success": CustomerSuccess,
    "programs": Program,
    "migrations": Migration,
}
# A key of the file that its dataclass names otherwise (``from`` is a Python keyword).
ATTRIBUTE_OF = {"migrations.from": "source", "migrations.to": "target"}


def spec_example() -> dict[str, Any]:
    """The first YAML block of SPEC section 1: the example scenario."""
    section = SPEC_TEXT.split("## 1.", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, flags=re.S)
    assert block, "SPEC 1 has no yaml example"
    return yaml.safe_load(block[1])


def key_paths(value: object, prefix: str = "") -> list[str]:
    """Every key path of a document, generic (list items share their list's path); an event's
    ``set`` is one key (its keys are field paths, not keys of the format)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.append(path)
            if path != "events.set":
                found.extend(key_paths(item, path))
    elif isinstance(value, list):
        for item in value:
            found.extend(key_paths(item, prefix))
    return list(dict.fromkeys(found))


def test_every_key_of_the_spec_example_has_exactly_one_field() -> None:
    spec_paths = key_paths(spec_example())
    assert spec_paths, "the SPEC example names no key"
    for path in spec_paths:
        assert [f.path for f in FIELDS].count(path) == 1, path
    assert len(FIELD) == len(FIELDS)  # no path declared twice


def test_every_field_is_named_in_spec_sections_1_and_2() -> None:
    section = SPEC_TEXT.split("## 1.", 1)[1].split("\n## 3.", 1)[0]  # correlations are in 2.6
    for field in FIELDS:
        assert re.search(rf"\b{re.escape(field.key)}\b", section), field.path


def test_the_whole_spec_example_is_read_into_its_scenario() -> None:
    scenario = parse_scenario(yaml.safe_dump(spec_example()))
    company = scenario.company
    assert company.when_out_of_cash == "continue"
    assert company.funding == Funding(below_cash=500_000, amount=3_000_000, probability=0.7)
    assert (company.funding.months_to_close, company.funding.max_rounds) == (3, 1)
    assert company.customer_success == CustomerSuccess(arr_per_csm=2_000_000, cost_per_csm_monthly=12_000)
    assert scenario.programs == (
        Program(
            name="Save at-risk accounts",
            cost_monthly=80_000,
            segments=("Enterprise",),
            from_month=4,
            to_month=36,
            churn_change=-0.15,
            expansion_change=0.003,
        ),
    )
    assert scenario.migrations == (Migration(source="SMB", target="Enterprise", monthly=0.005, mrr_multiplier=8),)


def test_the_loaders_keys_are_the_catalogs_and_the_scenario_types_hold_each_once() -> None:
    assert (
        loader.TOP_KEYS
        == keys_of("")
        == (
            "name",
            "description",
            "horizon_months",
            "currency",
            "simulation",
            "company",
            "acquisition",
            "segments",
            "events",
            "programs",
            "migrations",
        )
    )
    assert keys_of("segments") == loader.SEGMENT_KEYS
    assert loader.CHURN_KEYS == ("monthly", "annual", "heterogeneity", "alpha", "beta")
    assert paths.FIXED_SEGMENT_KEYS == ("name", "billing")
    for block, cls in BLOCK_TYPES.items():
        declared = {f.name: f for f in dataclasses.fields(cls)}
        named = {key: ATTRIBUTE_OF.get(f"{block}.{key}", key) for key in keys_of(block)}
        assert set(named.values()) == set(declared), block
        for key, attribute_name in named.items():
            attribute = declared[attribute_name]
            field = FIELD[f"{block}.{key}" if block else key]
            given = attribute.default is not MISSING or attribute.default_factory is not MISSING
            assert field.required is not given, field.path
            if attribute.default is not MISSING and not field.block:
                assert field.default == attribute.default, field.path


def test_the_kernel_reads_the_catalogs_kernel_fields_in_catalog_order() -> None:
    segment = [f.key for f in FIELDS if f.kernel and f.path.startswith("segments.")]
    assert (*segment, "p", "spread") == SEGMENT_PARAMS
    assert COMPANY_PARAMS == ("fixed_costs_monthly", "spend_monthly", "spend_growth_monthly", "reinvest_gross_profit")
    assert SEGMENT_PARAMS[compiled.CAC] == "cac" and SEGMENT_PARAMS[compiled.SPREAD] == "spread"
    assert COMPANY_PARAMS[compiled.REINVEST] == "reinvest_gross_profit"
    for field in FIELDS:
        if field.kernel:
            assert field.rule is not None and field.rule.settable, field.path


def test_help_units_and_rules_come_from_one_declaration() -> None:
    assert help_for("segments[2].churn.monthly") == ("rate / month", FIELD["segments.churn.monthly"].help)
    assert help_for("events[0].cash_in") == ("money", FIELD["events.cash_in"].help)
    assert help_for("segments[0].churn") is None  # a block has no help of its own
    assert rule_for("segments.SMB.churn.monthly") is SEGMENT["churn.monthly"] is FIELD["segments.churn.monthly"].rule
    assert rule_for("company.starting_cash") is TOP_LEVEL["company.starting_cash"]
    assert rule_for("events.cash_in") is None and rule_for("segments.SMB.billing") is None
    for field in FIELDS:
        assert field.unit != "money" or field.rule is not None, field.path
        assert not field.percent or (field.rule is not None and field.rule.high <= 1.0), field.path
        assert field.required is (field.default is REQUIRED)


# -- paths ----------------------------------------------------------------------------------


def test_get_and_set_reach_every_kind_of_path() -> None:
    scenario = parse_scenario(dump_scenario_yaml(parse_scenario(yaml.safe_dump(spec_example()))))
    assert paths.get(scenario, "segments.SMB.churn.monthly") == 0.03
    assert paths.get(scenario, "company.fixed_costs_monthly") == 150_000
    assert paths.get(scenario, "events[1].set.segments.SMB.churn.monthly") == 0.02  # month 13 sorts second
    assert paths.get(scenario, "events[0].cash_in") == 3_000_000
    changed = paths.set(scenario, "segments.Enterprise.churn.annual", 0.2)
    assert changed.segments[1].churn.annual == 0.2 and changed.segments[0] == scenario.segments[0]
    assert paths.set(scenario, "events[0].cash_in", 1.0).events[0].cash_in == 1.0
    for missing in ("segments.Nope.cac", "segments.SMB.funnel.cost_per_lead", "events[5].cash_in", "company.x"):
        with pytest.raises(KeyError):
            paths.get(scenario, missing)
        with pytest.raises(KeyError):
            paths.set(scenario, missing, 1.0)
    listed: dict[str, Any] = {"a": [{"b": 1}]}
    paths.set_in(listed, "a[0].b", 2)
    assert listed == {"a": [{"b": 2}]}
    with pytest.raises(KeyError):
        paths.set_in(listed, "c.d", 1)
    document: dict[str, Any] = {}
    paths.set_in(document, "company.starting_cash", 5, create=True)
    assert document == {"company": {"starting_cash": 5}}


def test_suggest_is_the_one_guesser() -> None:
    known = ["churn.monthly", "churn.annual", "gross_margin"]
    assert paths.suggest("churn.montly", known) == "churn.monthly"
    assert paths.suggest("zzz", known) is None
    assert paths.suggest("ent", ["SMB", "Enterprise"], case="prefix") == "Enterprise"
    assert paths.suggest("ent", ["SMB", "Enterprise"], cutoff=0.5, case="same") is None
    assert paths.suggest("smb", ["SMB", "Enterprise"], cutoff=0.5, case="same") == "SMB"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_set_of_get_gives_the_scenario_back_at_every_leaf(scenario: Scenario, data: st.DataObject) -> None:
    leaves = paths.leaves(scenario)
    assert len(leaves) == len(set(leaves))
    for path in leaves:
        assert paths.set(scenario, path, paths.get(scenario, path)) == scenario, path
    path = data.draw(st.sampled_from(leaves))
    old = paths.get(scenario, path)
    value = (7 if old != 7 else 8) if isinstance(old, int) else (0.125 if old != 0.125 else 0.25)
    changed = paths.set(scenario, path, value)
    assert paths.get(changed, path) == value
    assert [p for p in paths.leaves(changed) if paths.get(changed, p) != paths.get(scenario, p)] == [path]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_the_event_paths_are_those_the_loader_accepts(scenario: Scenario) -> None:
    document = scenario_to_dict(scenario)
    document["events"] = []
    candidates = list(TOP_LEVEL) + [f"segments.{s.name}.{key}" for s in scenario.segments for key in SEGMENT]
    accepted = []
    for path in candidates:
        value = paths.get(scenario, path) if path.endswith(".spend_share") else 0.5
        trial = copy.deepcopy(document)
        trial["events"] = [{"month": 1, "set": {path: value}}]
        try:
            parse_scenario(yaml.safe_dump(trial))
        except InputError as error:
            if any(p.field == f"events[0].set.{path}" for p in error.problems):
                continue
            raise
        accepted.append(path)
    assert accepted == paths.event_paths(scenario)
    # And in words: every settable number, a funnel's only on a segment with a funnel, the churn
    # keys of the form the segment gives churn in.
    churn_keys = {
        "monthly": {"churn.monthly", "churn.heterogeneity"},
        "annual": {"churn.annual", "churn.heterogeneity"},
        "alpha and beta": {"churn.alpha", "churn.beta"},
    }
    expected = [key for key, rule in TOP_LEVEL.items() if rule.settable]
    for segment in scenario.segments:
        churn = segment.churn
        form = "alpha and beta" if churn.alpha is not None else "monthly" if churn.monthly is not None else "annual"
        for key, rule in SEGMENT.items():
            funnel_ok = segment.funnel is not None or not key.startswith("funnel.")
            churn_ok = not key.startswith("churn.") or key in churn_keys[form]
            if rule.settable and funnel_ok and churn_ok:
                expected.append(f"segments.{segment.name}.{key}")
    assert accepted == expected
    # Every number the scenario gives that events may change is an event path, but for the
    # heterogeneity an sBG segment holds at its default (0): it goes with monthly or annual churn.
    forms = {s.name: paths.segment_form(s) for s in scenario.segments}
    for path in paths.leaves(scenario):
        rule = rule_for(path)
        if path.startswith("events[") or rule is None or not rule.settable:
            continue
        sbg = path.startswith("segments.") and forms[path.split(".")[1]].churn_form == "alpha and beta"
        assert path in accepted or (sbg and path.endswith(".churn.heterogeneity")), path
