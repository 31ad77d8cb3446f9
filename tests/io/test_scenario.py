"""Scenario files: value forms, defaults, every validation rule with its
message and line, the normalized form and its round trip."""

from __future__ import annotations

import json
import math
import re
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim.errors import InputError
from saas_sim.io.scenario import (
    MAX_FILE_BYTES,
    TOP_KEYS,
    dump_scenario_yaml,
    load_scenario,
    parse_scenario,
    scenario_to_dict,
)
from saas_sim.io.values import Z_95, parse_number_text
from saas_sim.model.scenario import Correlation, Distribution, Event
from tests.strategies import scenario_documents, scenario_texts, scenarios

MINIMAL = """\
name: Test
horizon_months: 12
company:
  starting_cash: 100_000
  fixed_costs_monthly: 10_000
acquisition:
  spend_monthly: 5_000
segments:
  - name: SMB
    cac: 1_000
    arpa_monthly: 100
    gross_margin: 0.8
    churn: {monthly: 0.03}
"""
SEGMENT_LINE = 14  # where segment() puts its extra line

TWO_SEGMENTS = """\
name: Test
horizon_months: 12
company: {starting_cash: 100_000, fixed_costs_monthly: 10_000}
acquisition: {spend_monthly: 5_000}
segments:
  - name: SMB
    spend_share: 0.5
    cac: 1_000
    arpa_monthly: 100
    gross_margin: 0.8
    churn: {monthly: 0.03}
  - name: Enterprise
    spend_share: 0.5
    funnel: {cost_per_lead: 50, lead_to_trial: 0.25, trial_to_paid: 0.15}
    arpa_monthly: 4_000
    gross_margin: 0.75
    churn: {annual: 0.1}
"""

SPEC_EXAMPLE = """\
name: Virtuous cycle                 # required, 1..80 chars
description: Low churn, reinvest gross profit into acquisition.
horizon_months: 36                   # 1..240
currency: USD                        # display only
simulation:
  paths: 5000
  seed: 42
company:
  starting_cash: 2_000_000
  fixed_costs_monthly: 150_000
  discount_rate_annual: 0.0
  ltv_horizon_months: 60
acquisition:
  spend_monthly: 60_000
  spend_growth_monthly: 0.0
  reinvest_gross_profit: 0.0
segments:
  - name: SMB
    spend_share: 0.7
    cac: 2_000
    cac_elasticity: 0.0
    arpa_monthly: 500
    starting_customers: 100
    starting_mrr: 50_000
    starting_tenure_months: 0
    contract_months: 1
    billing: monthly
    churn:
      monthly: 0.03
      heterogeneity: 0.0
    expansion_monthly: 0.02
    contraction_monthly: 0.005
    gross_margin: 0.8
    retention_cost_monthly: 20
    referrals_monthly: 0.0
  - name: Enterprise
    spend_share: 0.3
    cac: 30_000
    arpa_monthly: 4_000
    contract_months: 12
    billing: upfront
    churn: {annual: 0.10, heterogeneity: 0.3}
    gross_margin: 0.75
events:
  - month: 13
    note: Onboarding program ships
    set: {segments.SMB.churn.monthly: 0.02, acquisition.spend_monthly: 90_000}
  - month: 7
    cash_in: 3_000_000
"""


def parse(text: str):
    return parse_scenario(text, "x.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as raised:
        parse(text)
    return [str(problem) for problem in raised.value.problems]


def replace(old: str, new: str, text: str = MINIMAL) -> str:
    assert old in text
    return text.replace(old, new, 1)


def segment(line: str, text: str = MINIMAL) -> str:
    """MINIMAL with one more line in its segment (line SEGMENT_LINE)."""
    return text + f"    {line}\n"


def cost(value: str) -> object:
    """company.fixed_costs_monthly as parsed from ``value`` written in the file."""
    return parse(replace("fixed_costs_monthly: 10_000", f"fixed_costs_monthly: {value}")).company.fixed_costs_monthly


def churn(value: str) -> object:
    return parse(replace("churn: {monthly: 0.03}", f"churn: {{monthly: {value}}}")).segments[0].churn.monthly


def churn_problems(value: str) -> list[str]:
    return problems(replace("churn: {monthly: 0.03}", f"churn:\n      monthly: {value}"))


def normal(mean: float, sd: float) -> Distribution:
    return Distribution("normal", (("mean", mean), ("sd", sd)))


def lognormal(p5: float, p95: float) -> Distribution:
    return Distribution("lognormal", (("p5", p5), ("p95", p95)))


# -- value forms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("10_000", 10_000.0),
        ("2.5", 2.5),
        ("0", 0.0),
        ("5%", 0.05),
        ("'5%'", 0.05),
        ("'7%'", 0.07),
        ("1.1%", 0.011),
        ("2k", 2_000.0),
        ("2K", 2_000.0),
        ("1.5M", 1_500_000.0),
        ("1.5m", 1_500_000.0),
        ("2B", 2_000_000_000.0),
        ("2b", 2_000_000_000.0),
        ("'2.5k'", 2_500.0),
        ("' 2 k '", 2_000.0),
        ("'1_000k'", 1_000_000.0),
        ("'+5k'", 5_000.0),
        ("1e5", 100_000.0),
        ("1.5e3", 1_500.0),
        ("1.5e+3", 1_500.0),
        ("'10_000'", 10_000.0),
        (".5", 0.5),
    ],
)
def test_number_forms(written, value):
    parsed = cost(written)
    assert parsed == value
    assert type(parsed) is float


@pytest.mark.parametrize(
    ("written", "value"), [("'-5%'", -0.05), ("' - 5 % '", -0.05), ("-0.05", -0.05), ("-5%", -0.05)]
)
def test_signed_number_forms(written, value):
    text = replace("spend_monthly: 5_000", f"spend_monthly: 5_000\n  spend_growth_monthly: {written}")
    assert parse(text).acquisition.spend_growth_monthly == value


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("true", "true"),
        ("no", "no"),
        ("abc", "'abc'"),
        ("5%%", "'5%%'"),
        ("2kk", "'2kk'"),
        ("'2 000'", "'2 000'"),
        ("", "nothing"),
        ("null", "null"),
        ("[1, 2]", "[1, 2]"),
        (".inf", ".inf"),
        (".nan", ".nan"),
        ("1e999", "'1e999'"),
        ("-5", "-5"),
        ("2024-01-01", "2024-01-01"),
    ],
)
def test_not_numbers_are_refused(written, shown):
    text = replace("fixed_costs_monthly: 10_000", f"fixed_costs_monthly: {written}")
    assert problems(text) == [f"x.yaml:5 company.fixed_costs_monthly: must be a number between 0 and 1e15, got {shown}"]


@given(st.integers(-(10**6), 10**6), st.sampled_from(["", "%", "k", "K", "m", "M", "b", "B"]))
def test_number_text_suffixes(n, suffix):
    factor = {"": 1, "%": None, "k": 1e3, "m": 1e6, "b": 1e9}[suffix.lower()]
    expected = n / 100 if factor is None else n * factor
    assert parse_number_text(f"{n}{suffix}") == expected
    assert parse_number_text(f"{n:_}{suffix}") == expected


@pytest.mark.parametrize("text", ["", "k", "%", "1.2.3", "1 2", "--1", "1%k", "_1", "0x10", "nan", "inf"])
def test_number_text_refuses(text):
    assert parse_number_text(text) is None


# -- uncertainty -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "dist"),
    [
        ("3%..6%", lognormal(0.03, 0.06)),
        ("'3% .. 6%'", lognormal(0.03, 0.06)),
        ("{low: 0.03, high: 0.06}", lognormal(0.03, 0.06)),
        ("{low: 3%, high: '6%'}", lognormal(0.03, 0.06)),
        ("{low: 0, high: 0.1}", normal(0.05, 0.1 / (2 * Z_95))),
        ("0..10%", normal(0.05, 0.1 / (2 * Z_95))),
        ("{dist: normal, mean: 0.05, sd: 0.01}", normal(0.05, 0.01)),
        ("{dist: normal, p5: 0.02, p95: 0.08}", normal(0.05, 0.06 / (2 * Z_95))),
        ("{dist: lognormal, p5: 2%, p95: 8%}", lognormal(0.02, 0.08)),
        ("{dist: uniform, low: 0.01, high: 0.05}", Distribution("uniform", (("low", 0.01), ("high", 0.05)))),
        (
            "{dist: triangular, high: 0.05, mode: 0.02, low: 0.01}",
            Distribution("triangular", (("low", 0.01), ("mode", 0.02), ("high", 0.05))),
        ),
        ("{dist: beta, beta: 30, alpha: 1}", Distribution("beta", (("alpha", 1.0), ("beta", 30.0)))),
    ],
)
def test_uncertain_forms(written, dist):
    assert churn(written) == dist


def test_negative_range_is_normal():
    text = replace("spend_monthly: 5_000", "spend_monthly: 5_000\n  spend_growth_monthly: -2%..2%")
    assert parse(text).acquisition.spend_growth_monthly == normal(0.0, 0.04 / (2 * Z_95))


def test_lognormal_from_mean_and_sd():
    dist = churn("{dist: lognormal, mean: 0.05, sd: 0.02}")
    sigma = math.sqrt(math.log(1 + 0.02**2 / 0.05**2))
    mu = math.log(0.05) - sigma**2 / 2
    assert dist == lognormal(math.exp(mu - Z_95 * sigma), math.exp(mu + Z_95 * sigma))
    # The percentiles give back the mean: exp(mu + sigma^2 / 2).
    p5, p95 = dist.param("p5"), dist.param("p95")
    mu_back = (math.log(p5) + math.log(p95)) / 2
    sigma_back = (math.log(p95) - math.log(p5)) / (2 * Z_95)
    assert math.exp(mu_back + sigma_back**2 / 2) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("6%..3%", "segments[0].churn.monthly: must be a range low..high with low < high, got '6%..3%'"),
        ("3%..x", "segments[0].churn.monthly: must be a range of two numbers like '3%..6%', got '3%..x'"),
        ("1..2..3", "segments[0].churn.monthly: must be a range of two numbers like '3%..6%', got '1..2..3'"),
        ("{low: 0.06, high: 0.03}", "segments[0].churn.monthly.high: must be greater than low (0.06), got 0.03"),
        (
            "{dist: gauss, mean: 1}",
            "segments[0].churn.monthly.dist: must be one of normal, lognormal, uniform, triangular, beta, got 'gauss'",
        ),
        ("{dist: normal, mean: 0.03, sd: 0}", "segments[0].churn.monthly.sd: must be a number > 0 and <= 1e15, got 0"),
        (
            "{dist: normal, mean: 0.03, sd: -1}",
            "segments[0].churn.monthly.sd: must be a number > 0 and <= 1e15, got -1",
        ),
        (
            "{dist: normal, p5: 0.05, p95: 0.05}",
            "segments[0].churn.monthly.p95: must be greater than p5 (0.05), got 0.05",
        ),
        (
            "{dist: normal, mean: 0.03, p95: 0.05}",
            "segments[0].churn.monthly: a normal distribution must have mean and sd, or p5 and p95, got mean and p95",
        ),
        ("{dist: lognormal, p5: 0, p95: 0.1}", "segments[0].churn.monthly.p5: must be a number > 0 and <= 1e15, got 0"),
        (
            "{dist: lognormal, p5: 0.1, p95: 0.1}",
            "segments[0].churn.monthly.p95: must be greater than p5 (0.1), got 0.1",
        ),
        (
            "{dist: lognormal, mean: 0, sd: 0.1}",
            "segments[0].churn.monthly.mean: must be a number > 0 and <= 1e15, got 0",
        ),
        (
            "{dist: uniform, low: 0.2, high: 0.1}",
            "segments[0].churn.monthly.high: must be greater than low (0.2), got 0.1",
        ),
        (
            "{dist: triangular, low: 0.1, mode: 0.5, high: 0.3}",
            "segments[0].churn.monthly.mode: must be between low and high (0.1 and 0.3), got 0.5",
        ),
        ("{dist: beta, alpha: 0, beta: 2}", "segments[0].churn.monthly.alpha: must be a number > 0 and <= 1e15, got 0"),
        (
            "{dist: uniform, low: '1%..2%', high: 0.5}",
            "segments[0].churn.monthly.low: must be a fixed number, got '1%..2%'",
        ),
        (
            "{dist: normal, mean: true, sd: 1}",
            "segments[0].churn.monthly.mean: must be a number between -1e15 and 1e15, got true",
        ),
        (
            "{dist: uniform, low: 1.5, high: 2}",
            "segments[0].churn.monthly: must be a number between 0 and 1, got {dist: uniform, low: 1.5, high: 2}",
        ),
        ("150%..200%", "segments[0].churn.monthly: must be a number between 0 and 1, got '150%..200%'"),
        (
            "{dist: normal, mean: -5, sd: 1}",
            "segments[0].churn.monthly: must be a number between 0 and 1, got {dist: normal, mean: -5, sd: 1}",
        ),
        ("{low: -2, high: -1}", "segments[0].churn.monthly: must be a number between 0 and 1, got {low: -2, high: -1}"),
        ("[0.1, 0.2]", "segments[0].churn.monthly: must be a number between 0 and 1, got [0.1, 0.2]"),
    ],
)
def test_uncertain_value_problems(written, message):
    assert churn_problems(written) == [f"x.yaml:14 {message}"]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{low: 0.03}", "x.yaml:14 segments[0].churn.monthly.high: is required"),
        ("{dist: triangular, low: 0.1, high: 0.3}", "x.yaml:14 segments[0].churn.monthly.mode: is required"),
        (
            "{low: 0.01, high: 0.02, mean: 1}",
            "x.yaml:14 segments[0].churn.monthly: unknown key 'mean', a range takes low and high (or give dist: ...)",
        ),
        ("{dist: normal, mean: 0.03, sd: 0.01, sigma: 1}", "x.yaml:14 segments[0].churn.monthly: unknown key 'sigma'"),
        (
            "{dist: beta, alpha: 1, betta: 2}",
            "x.yaml:14 segments[0].churn.monthly: unknown key 'betta', did you mean 'beta'?",
        ),
    ],
)
def test_distribution_keys(written, message):
    assert message in churn_problems(written)


def test_partial_overlap_with_the_valid_range_is_fine():
    # A rate's stated bounds must lie within its bounds (see test_a_rate_range_past_its_bounds_is_refused).
    text = segment("cac_elasticity: {dist: uniform, low: 0.5, high: 7}")
    assert parse(text).segments[0].cac_elasticity == Distribution("uniform", (("low", 0.5), ("high", 7.0)))
    assert churn("{dist: normal, mean: 0, sd: 0.01}") == normal(0.0, 0.01)


def test_fields_that_cannot_be_uncertain():
    text = replace("churn: {monthly: 0.03}", "churn: {monthly: 0.03}\n    spend_share: 10%..20%")
    assert problems(text) == ["x.yaml:14 segments[0].spend_share: must be a fixed number, got '10%..20%'"]
    text = replace("churn: {monthly: 0.03}", "churn: {monthly: 0.03}\n    starting_tenure_months: {low: 1, high: 5}")
    assert problems(text) == [
        "x.yaml:14 segments[0].starting_tenure_months: must be a fixed number, got {low: 1, high: 5}"
    ]


# -- integer and whole fields ------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("'36'", "must be a whole number, got '36'; write 36"),
        ("36.0", "must be a whole number, got 36.0; write 36"),
        ("2k", "must be a whole number, got '2k'"),  # 2000 is no horizon: no hint
        ("true", "must be a whole number, got true"),
        ("3%..6%", "must be a whole number, got '3%..6%'"),
        ("{low: 1, high: 2}", "must be a whole number, got {low: 1, high: 2}"),
        ("0", "must be a whole number between 1 and 240, got 0"),
        ("241", "must be a whole number between 1 and 240, got 241"),
        ("99999999999999999999999", "must be a whole number between 1 and 240, got 99999999999999999999999"),
    ],
)
def test_horizon_takes_plain_integers_only(written, message):
    assert problems(replace("horizon_months: 12", f"horizon_months: {written}")) == [
        f"x.yaml:2 horizon_months: {message}"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("contract_months: 37", "segments[0].contract_months: must be a whole number between 1 and 36, got 37"),
        ("contract_months: '12'", "segments[0].contract_months: must be a whole number, got '12'; write 12"),
        ("starting_customers: 1.5", "segments[0].starting_customers: must be a whole number, got 1.5"),
        (
            "starting_customers: -1",
            "segments[0].starting_customers: must be a whole number between 0 and 1000000000, got -1",
        ),
        (
            "starting_tenure_months: 1.5",
            "segments[0].starting_tenure_months: must be a whole number between 0 and 600, got 1.5",
        ),
        (
            "starting_tenure_months: 1k",
            "segments[0].starting_tenure_months: must be a whole number between 0 and 600, got '1k'",
        ),
    ],
)
def test_integer_and_whole_segment_fields(line, message):
    assert problems(segment(line)) == [f"x.yaml:{SEGMENT_LINE} {message}"]


def test_whole_fields_take_any_form():
    scenario = parse(segment("starting_tenure_months: '12'"))
    assert scenario.segments[0].starting_tenure_months == 12
    assert type(scenario.segments[0].starting_tenure_months) is int
    text = replace("fixed_costs_monthly: 10_000", "fixed_costs_monthly: 10_000\n  ltv_horizon_months: '0.06k'")
    assert parse(text).company.ltv_horizon_months == 60.0
    text = replace("fixed_costs_monthly: 10_000", "fixed_costs_monthly: 10_000\n  ltv_horizon_months: 60.5")
    assert problems(text) == ["x.yaml:6 company.ltv_horizon_months: must be a whole number between 1 and 600, got 60.5"]
    text = replace("fixed_costs_monthly: 10_000", "fixed_costs_monthly: 10_000\n  ltv_horizon_months: 24..48")
    assert parse(text).company.ltv_horizon_months == lognormal(24.0, 48.0)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("simulation: {paths: 0}", "x.yaml:14 simulation.paths: must be a whole number between 1 and 1000000, got 0"),
        (
            "simulation: {paths: 1_000_001}",
            "x.yaml:14 simulation.paths: must be a whole number between 1 and 1000000, got 1_000_001",
        ),
        ("simulation: {paths: 5k}", "x.yaml:14 simulation.paths: must be a whole number, got '5k'; write 5000"),
        (
            "simulation: {seed: -1}",
            "x.yaml:14 simulation.seed: must be a whole number between 0 and 9223372036854775807, got -1",
        ),
        ("simulation: {seed: 1.5}", "x.yaml:14 simulation.seed: must be a whole number, got 1.5"),
        ("simulation: {path: 10}", "x.yaml:14 simulation: unknown key 'path', did you mean 'paths'?"),
        ("simulation: 5", "x.yaml:14 simulation: must be a mapping of keys to values, got 5"),
    ],
)
def test_simulation_problems(section, message):
    assert problems(MINIMAL + section + "\n") == [message]


def test_simulation_values():
    scenario = parse(MINIMAL + "simulation: {paths: 1_000_000, seed: 0}\n")
    assert (scenario.simulation.paths, scenario.simulation.seed) == (1_000_000, 0)
    assert parse(MINIMAL + "simulation: {seed: null}\n").simulation.seed is None
    assert parse(MINIMAL + "simulation:\n").simulation.paths == 5000


# -- defaults and the normalized form ------------------------------------------------


def test_every_default_is_filled_in():
    assert scenario_to_dict(parse(MINIMAL)) == {
        "name": "Test",
        "description": "",
        "horizon_months": 12,
        "currency": "USD",
        "simulation": {"paths": 5000, "seed": None, "correlations": []},
        "company": {
            "starting_cash": 100_000.0,
            "fixed_costs_monthly": 10_000.0,
            "discount_rate_annual": 0.0,
            "ltv_horizon_months": 60.0,
            "when_out_of_cash": "continue",
            "funding": None,
            "customer_success": None,
        },
        "acquisition": {"spend_monthly": 5_000.0, "spend_growth_monthly": 0.0, "reinvest_gross_profit": 0.0},
        "segments": [
            {
                "name": "SMB",
                "spend_share": 1.0,
                "cac": 1_000.0,
                "cac_elasticity": 0.0,
                "arpa_monthly": 100.0,
                "starting_customers": 0,
                "starting_mrr": 0.0,
                "starting_tenure_months": 0,
                "contract_months": 1,
                "billing": "monthly",
                "churn": {"monthly": 0.03, "heterogeneity": 0.0},
                "expansion_monthly": 0.0,
                "contraction_monthly": 0.0,
                "gross_margin": 0.8,
                "retention_cost_monthly": 0.0,
                "referrals_monthly": 0.0,
            }
        ],
        "events": [],
        "programs": [],
        "migrations": [],
    }


def test_normalized_form_of_funnel_churn_and_events():
    data = scenario_to_dict(parse(TWO_SEGMENTS + "events:\n  - {month: 3, cash_in: -1.5M}\n"))
    enterprise = data["segments"][1]
    assert "cac" not in enterprise
    assert enterprise["funnel"] == {"cost_per_lead": 50.0, "lead_to_trial": 0.25, "trial_to_paid": 0.15}
    assert enterprise["churn"] == {"annual": 0.1, "heterogeneity": 0.0}
    assert "funnel" not in data["segments"][0]
    assert data["events"] == [{"month": 3, "note": None, "set": {}, "cash_in": -1_500_000.0}]
    text = replace("churn: {monthly: 0.03}", "churn: {alpha: 1, beta: '3%..6%'}")
    assert scenario_to_dict(parse(text))["segments"][0]["churn"] == {
        "alpha": 1.0,
        "beta": {"dist": "lognormal", "p5": 0.03, "p95": 0.06},
    }


def test_normalized_form_is_json_and_in_spec_order():
    scenario = parse(SPEC_EXAMPLE)
    data = scenario_to_dict(scenario)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert tuple(data) == TOP_KEYS
    dumped = yaml.safe_load(dump_scenario_yaml(scenario))
    assert list(dumped) == list(TOP_KEYS)
    assert list(dumped["segments"][0]) == [
        "name",
        "spend_share",
        "cac",
        "cac_elasticity",
        "arpa_monthly",
        "starting_customers",
        "starting_mrr",
        "starting_tenure_months",
        "contract_months",
        "billing",
        "churn",
        "expansion_monthly",
        "contraction_monthly",
        "gross_margin",
        "retention_cost_monthly",
        "referrals_monthly",
    ]
    assert dumped == data


def test_spec_example():
    scenario = parse(SPEC_EXAMPLE)
    smb, enterprise = scenario.segments
    assert (smb.spend_share, enterprise.spend_share) == (0.7, 0.3)
    assert smb.starting_mrr == 50_000.0
    assert enterprise.billing == "upfront" and enterprise.contract_months == 12
    assert enterprise.churn.annual == 0.1 and enterprise.churn.heterogeneity == 0.3
    assert scenario.events == (
        Event(month=7, cash_in=3_000_000.0),
        Event(
            month=13,
            note="Onboarding program ships",
            set=(("acquisition.spend_monthly", 90_000.0), ("segments.SMB.churn.monthly", 0.02)),
        ),
    )


# -- required keys, unknown and duplicate keys ---------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("name: Test\n", "", "x.yaml:1 name: is required"),
        ("horizon_months: 12\n", "", "x.yaml:1 horizon_months: is required"),
        ("company:\n  starting_cash: 100_000\n  fixed_costs_monthly: 10_000\n", "", "x.yaml:1 company: is required"),
        ("  starting_cash: 100_000\n", "", "x.yaml:3 company.starting_cash: is required"),
        ("  fixed_costs_monthly: 10_000\n", "", "x.yaml:3 company.fixed_costs_monthly: is required"),
        ("  spend_monthly: 5_000\n", "  spend_growth_monthly: 0\n", "x.yaml:6 acquisition.spend_monthly: is required"),
        ("acquisition:\n  spend_monthly: 5_000\n", "", "x.yaml:1 acquisition: is required"),
        ("    arpa_monthly: 100\n", "", "x.yaml:9 segments[0].arpa_monthly: is required"),
        ("    gross_margin: 0.8\n", "", "x.yaml:9 segments[0].gross_margin: is required"),
        ("    churn: {monthly: 0.03}\n", "", "x.yaml:9 segments[0].churn: is required"),
        ("  - name: SMB\n    cac", "  - cac", "x.yaml:9 segments[0].name: is required"),
    ],
)
def test_required_keys(old, new, message):
    assert problems(replace(old, new)) == [message]


def test_segments_required():
    text = MINIMAL[: MINIMAL.index("segments:")]
    assert problems(text) == ["x.yaml:1 segments: is required"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("horizon_months: 12", "horizon: 12", "x.yaml:2: unknown key 'horizon', did you mean 'horizon_months'?"),
        (
            "    cac: 1_000",
            "    cac: 1_000\n    churn_rate: 0.1",
            "x.yaml:11 segments[0]: unknown key 'churn_rate', did you mean 'churn'?",
        ),
        (
            "{monthly: 0.03}",
            "{montly: 0.03}",
            "x.yaml:13 segments[0].churn: unknown key 'montly', did you mean 'monthly'?",
        ),
        ("  spend_monthly: 5_000", "  spend_monthly: 5_000\n  foo: 1", "x.yaml:8 acquisition: unknown key 'foo'"),
    ],
)
def test_unknown_keys(old, new, message):
    assert message in problems(replace(old, new))


def test_duplicate_keys():
    text = replace("  fixed_costs_monthly: 10_000\n", "  fixed_costs_monthly: 10_000\n  fixed_costs_monthly: 20_000\n")
    assert problems(text) == ["x.yaml:6 company.fixed_costs_monthly: is given twice, first at line 5"]


def test_merge_keys():
    text = """\
name: Merged
horizon_months: 12
company: {starting_cash: 0, fixed_costs_monthly: 0}
acquisition: {spend_monthly: 1k}
segments:
  - &base
    name: SMB
    spend_share: 0.5
    cac: 1_000
    arpa_monthly: 100
    gross_margin: 0.8
    churn: {monthly: 0.03}
  - <<: *base
    name: Mid
    arpa_monthly: 300
"""
    smb, mid = parse(text).segments
    assert (mid.name, mid.arpa_monthly, mid.cac, mid.spend_share) == ("Mid", 300.0, 1_000.0, 0.5)
    assert smb.arpa_monthly == 100.0


# -- the file as a whole -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "x.yaml:1: is empty, a scenario needs name, horizon_months, company, acquisition and segments"),
        (
            "# only a comment\n",
            "x.yaml:1: is empty, a scenario needs name, horizon_months, company, acquisition and segments",
        ),
        ("[1, 2]\n", "x.yaml:1: must be a mapping of keys to values, got [1, 2]"),
        ("hello\n", "x.yaml:1: must be a mapping of keys to values, got 'hello'"),
    ],
)
def test_not_a_scenario(text, message):
    assert problems(text) == [message]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: x\nhorizon_months: 12\n  bad: 1\n", 3),
        ("name: x\nsegments: [1, 2\n", 3),
        ("name: [x\n", 2),
        ("name: *nothing\n", 1),
        ("name: x\n---\nname: y\n", 2),
        ("name: x\ntab:\t\x07\n", 2),
    ],
)
def test_yaml_syntax_errors(text, line):
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith(f"x.yaml:{line}: is not valid YAML: ")


def test_several_problems_at_once_in_line_order():
    text = """\
name: ''
horizon_months: 12
company:
  starting_cash: 1M
  fixed_costs_monthly: -5
acquisition:
  spend_monthly: 5_000
segments:
  - name: SMB
    cac: 1_000
    arpa_monthly: 100
    gross_margin: 120%
    churn: {monthly: 0.03, annual: 0.3}
    billing: yearly
"""
    assert problems(text) == [
        "x.yaml:1 name: must be text of 1 to 80 characters, got ''",
        "x.yaml:5 company.fixed_costs_monthly: must be a number between 0 and 1e15, got -5",
        "x.yaml:12 segments[0].gross_margin: must be a number between 0 and 1, got '120%'",
        "x.yaml:13 segments[0].churn: must have exactly one of monthly, annual, or alpha and beta, got monthly and annual",
        "x.yaml:14 segments[0].billing: must be monthly or upfront, got 'yearly'",
    ]


def test_problem_fields():
    with pytest.raises(InputError) as raised:
        parse_scenario(replace("gross_margin: 0.8", "gross_margin: 1.2"), "scenarios/x.yaml")
    (problem,) = raised.value.problems
    assert (problem.source, problem.line, problem.field) == ("scenarios/x.yaml", 12, "segments[0].gross_margin")
    assert problem.message == "must be a number between 0 and 1, got 1.2"
    assert (
        str(raised.value) == "scenarios/x.yaml:12 segments[0].gross_margin: must be a number between 0 and 1, got 1.2"
    )


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (BILLION_LAUGHS, 6),  # f: 9 copies of e, each 9**5 values: the second passes 100,000
        (BILLION_LAUGHS + "segments: [*i, *i, *i]\n", 6),
        # merge keys nest the same way
        (
            "a: &a {x0: 1, x1: 1, x2: 1, x3: 1, x4: 1, x5: 1, x6: 1, x7: 1, x8: 1, x9: 1}\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(6))
            + "company: {<<: [*g]}\n",
            5,
        ),
        ("a: &a [*a]\n", 1),
        # a long chain of aliases, each doubling the one before
        ("a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 3000)), 16),
    ],
)
def test_alias_bombs_are_refused_quickly_at_their_line(text, line):
    started = time.perf_counter()
    assert problems(text) == [
        f"x.yaml:{line}: expands to more than 100000 values through YAML aliases, refusing to read it"
    ]
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: " + "[" * 100_000 + "]" * 100_000, 1),
        ("- " * 300_000 + "x", 1),
        ("".join(f"{' ' * depth}k{depth}:\n" for depth in range(60)) + " " * 60 + "x: 1\n", 51),
    ],
)
def test_deep_nesting_is_refused_at_its_line(text, line):
    assert problems(text) == [f"x.yaml:{line}: is nested more than 50 levels deep, too deep for a scenario"]


def test_a_file_of_too_many_plain_values_says_so_at_its_line():
    """34,000 events and no alias at all: the file is too big, and aliases are not to blame."""
    text = MINIMAL + "events:\n" + "  - month: 2\n    cash_in: 1\n" * 34_000
    started = time.perf_counter()
    (message,) = problems(text)
    assert time.perf_counter() - started < 30.0  # about 3 s on an idle machine: refused, not stuck
    # MINIMAL and the events list hold 32 values, each event 5 (mapping, month and cash_in keys and
    # values): the 100,001st is the cash_in key of event 19,993, written on line 15 + 2 * 19,993 + 1.
    assert divmod(100_001 - 32 - 1, 5) == (19_993, 3)
    assert message == "x.yaml:40002: has more than 100000 values, too many for a scenario"


def test_aliases_are_fine_in_moderation():
    text = replace("churn: {monthly: 0.03}", "churn: {monthly: &rate 3%}\n    expansion_monthly: *rate")
    assert parse(text).segments[0].expansion_monthly == 0.03


# -- top-level fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("''", "x.yaml:1 name: must be text of 1 to 80 characters, got ''"),
        ("'   '", "x.yaml:1 name: must be text of 1 to 80 characters, got '   '"),
        ("x" * 81, f"x.yaml:1 name: must be text of 1 to 80 characters, got '{'x' * 57}...'"),
        ("2024", 'x.yaml:1 name: must be text of 1 to 80 characters, got 2024; put it in quotes: name: "2024"'),
    ],
)
def test_name(written, message):
    assert problems(replace("name: Test", f"name: {written}")) == [message]


def test_name_of_80_characters_and_text_fields():
    scenario = parse(replace("name: Test", f"name: {'x' * 80}\ndescription: Hello\ncurrency: EUR"))
    assert (len(scenario.name), scenario.description, scenario.currency) == (80, "Hello", "EUR")
    assert problems(replace("name: Test", "name: Test\ncurrency: 5")) == ["x.yaml:2 currency: must be text, got 5"]
    assert problems(replace("name: Test", "name: Test\ndescription: [a]")) == [
        "x.yaml:2 description: must be text, got [a]"
    ]


# -- segments ----------------------------------------------------------------------


def segments_text(count: int) -> str:
    head = MINIMAL[: MINIMAL.index("  - name")]
    item = "  - {name: S%d, spend_share: %r, cac: 1k, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.03}}\n"
    return head + "".join(item % (i, 1 / count) for i in range(count))


def test_segment_count():
    assert len(parse(segments_text(20)).segments) == 20
    assert problems(segments_text(21)) == ["x.yaml:8 segments: must be a list of 1 to 20 segments, got 21"]
    assert problems(MINIMAL[: MINIMAL.index("segments:")] + "segments: []\n") == [
        "x.yaml:8 segments: must be a list of 1 to 20 segments, got 0"
    ]
    assert problems(MINIMAL[: MINIMAL.index("segments:")] + "segments: 5\n") == [
        "x.yaml:8 segments: must be a list of segment mappings, got 5"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("name: SMB", "name: S.M.B", "x.yaml:6 segments[0].name: must be non-empty text without '.', got 'S.M.B'"),
        ("name: SMB", "name: ''", "x.yaml:6 segments[0].name: must be non-empty text without '.', got ''"),
        (
            "name: SMB",
            "name: 7",
            "x.yaml:6 segments[0].name: must be non-empty text without '.', got 7; put it in quotes: name: \"7\"",
        ),
        ("name: Enterprise", "name: SMB", "x.yaml:12 segments[1].name: must be unique, got 'SMB' a second time"),
    ],
)
def test_segment_names(old, new, message):
    assert problems(replace(old, new, TWO_SEGMENTS)) == [message]


def test_segment_must_be_a_mapping():
    assert problems(replace("segments:\n", "segments:\n  - 5\n")) == [
        "x.yaml:9 segments[0]: must be a mapping of keys to values, got 5",
        "x.yaml:10 segments[1].spend_share: is required when there are several segments",
    ]


def test_spend_share_defaults_to_one_with_a_single_segment():
    assert parse(MINIMAL).segments[0].spend_share == 1.0
    assert parse(segment("spend_share: 100%")).segments[0].spend_share == 1.0
    assert problems(segment("spend_share: 0.5")) == [
        "x.yaml:8 segments: spend_share of all segments must sum to 1, got 0.5"
    ]


def test_spend_shares_must_sum_to_one():
    assert [s.spend_share for s in parse(TWO_SEGMENTS).segments] == [0.5, 0.5]
    text = replace("spend_share: 0.5", "spend_share: 0.4", TWO_SEGMENTS)
    assert problems(text) == ["x.yaml:5 segments: spend_share of all segments must sum to 1, got 0.9"]
    text = replace("spend_share: 0.5", "spend_share: 0.500000002", TWO_SEGMENTS)
    assert problems(text) == ["x.yaml:5 segments: spend_share of all segments must sum to 1, got 1.000000002"]
    text = replace("spend_share: 0.5", "spend_share: 0.5000000009", TWO_SEGMENTS)
    assert parse(text).segments[0].spend_share == 0.5000000009
    text = replace("spend_share: 0.5", "spend_share: 0.5000000000001", TWO_SEGMENTS)
    assert parse(text).segments[0].spend_share == 0.5000000000001
    thirds = replace("spend_share: 0.5", "spend_share: 0.3333333333333333", TWO_SEGMENTS)
    thirds = thirds.replace("spend_share: 0.5", "spend_share: 0.6666666666666667")
    assert parse(thirds).segments[1].spend_share == 0.6666666666666667


def test_spend_share_required_with_several_segments():
    text = replace("    spend_share: 0.5\n    funnel", "    funnel", TWO_SEGMENTS)
    assert problems(text) == ["x.yaml:12 segments[1].spend_share: is required when there are several segments"]


def test_starting_mrr():
    assert parse(segment("starting_customers: 10")).segments[0].starting_mrr == 1_000.0
    assert parse(segment("starting_customers: 10\n    starting_mrr: 2k")).segments[0].starting_mrr == 2_000.0
    assert parse(segment("starting_customers: 10\n    starting_mrr: null")).segments[0].starting_mrr == 1_000.0
    uncertain_arpa = replace("arpa_monthly: 100", "arpa_monthly: 80..120", segment("starting_customers: 10"))
    assert parse(uncertain_arpa).segments[0].starting_mrr is None
    assert scenario_to_dict(parse(uncertain_arpa))["segments"][0]["starting_mrr"] is None
    assert problems(segment("starting_mrr: 5_000")) == [
        f"x.yaml:{SEGMENT_LINE} segments[0].starting_mrr: must be 0 when starting_customers is 0, got 5_000"
    ]
    assert problems(segment("starting_mrr: 1k..2k")) == [
        f"x.yaml:{SEGMENT_LINE} segments[0].starting_mrr: must be 0 when starting_customers is 0, got '1k..2k'"
    ]
    assert parse(segment("starting_mrr: 0")).segments[0].starting_mrr == 0.0


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("{monthly: 0.03}", {"monthly": 0.03, "heterogeneity": 0.0}),
        ("{annual: 30%, heterogeneity: 0.2}", {"annual": 0.3, "heterogeneity": 0.2}),
        ("{alpha: 1.2, beta: 8}", {"alpha": 1.2, "beta": 8.0}),
    ],
)
def test_churn_forms(written, expected):
    data = scenario_to_dict(parse(replace("churn: {monthly: 0.03}", f"churn: {written}")))
    assert data["segments"][0]["churn"] == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "{monthly: 0.03, annual: 0.3}",
            "segments[0].churn: must have exactly one of monthly, annual, or alpha and beta, got monthly and annual",
        ),
        (
            "{monthly: 0.03, alpha: 1, beta: 2}",
            "segments[0].churn: must have exactly one of monthly, annual, or alpha and beta, got monthly and alpha and beta",
        ),
        (
            "{heterogeneity: 0.2}",
            "segments[0].churn: must have exactly one of monthly, annual, or alpha and beta, got none",
        ),
        ("{alpha: 1}", "segments[0].churn.beta: is required with alpha"),
        ("{beta: 1}", "segments[0].churn.alpha: is required with beta"),
        (
            "{alpha: 1, beta: 2, heterogeneity: 0.3}",
            "segments[0].churn.heterogeneity: must be left out with alpha and beta (it goes with monthly or annual), got 0.3",
        ),
        ("{monthly: 0.03, heterogeneity: 1}", "segments[0].churn.heterogeneity: must be a number >= 0 and < 1, got 1"),
        ("{alpha: 0, beta: 2}", "segments[0].churn.alpha: must be a number > 0 and <= 1e15, got 0"),
        ("0.03", "segments[0].churn: must be a mapping of keys to values, got 0.03"),
    ],
)
def test_churn_problems(written, message):
    assert problems(replace("churn: {monthly: 0.03}", f"churn: {written}")) == [f"x.yaml:13 {message}"]


def test_cac_or_funnel():
    funnel = parse(TWO_SEGMENTS).segments[1].funnel
    assert (funnel.cost_per_lead, funnel.lead_to_trial, funnel.trial_to_paid) == (50.0, 0.25, 0.15)
    assert parse(TWO_SEGMENTS).segments[1].cac is None
    both = segment("funnel: {cost_per_lead: 50, lead_to_trial: 0.25, trial_to_paid: 0.15}")
    assert problems(both) == [f"x.yaml:{SEGMENT_LINE} segments[0]: must have exactly one of cac or funnel, got both"]
    assert problems(replace("    cac: 1_000\n", "")) == [
        "x.yaml:9 segments[0]: must have exactly one of cac or funnel, got neither"
    ]
    missing = replace("lead_to_trial: 0.25, ", "", TWO_SEGMENTS)
    assert problems(missing) == ["x.yaml:14 segments[1].funnel.lead_to_trial: is required"]
    zero = replace("trial_to_paid: 0.15", "trial_to_paid: 0", TWO_SEGMENTS)
    assert problems(zero) == ["x.yaml:14 segments[1].funnel.trial_to_paid: must be a number > 0 and <= 1, got 0"]
    assert problems(replace("cac: 1_000", "cac: 0")) == [
        "x.yaml:10 segments[0].cac: must be a number > 0 and <= 1e15, got 0"
    ]


def test_billing():
    assert parse(segment("billing: upfront")).segments[0].billing == "upfront"
    assert problems(segment("billing: yearly")) == [
        f"x.yaml:{SEGMENT_LINE} segments[0].billing: must be monthly or upfront, got 'yearly'"
    ]


# -- correlations ------------------------------------------------------------------

UNCERTAIN = (
    replace("churn: {monthly: 0.03}", "churn: {monthly: 2%..5%}")
    .replace("cac: 1_000", "cac: 800..1.2k")
    .replace("arpa_monthly: 100", "arpa_monthly: {dist: normal, mean: 100, sd: 10}")
)


def correlations(*items: str) -> str:
    return UNCERTAIN + "simulation:\n  correlations:\n" + "".join(f"    - {item}\n" for item in items)


def test_correlations():
    scenario = parse(correlations("{between: [segments.SMB.churn.monthly, segments.SMB.cac], rho: -0.6}"))
    assert scenario.simulation.correlations == (Correlation(("segments.SMB.churn.monthly", "segments.SMB.cac"), -0.6),)
    data = scenario_to_dict(scenario)["simulation"]["correlations"]
    assert data == [{"between": ["segments.SMB.churn.monthly", "segments.SMB.cac"], "rho": -0.6}]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "{between: [company.starting_cash, segments.SMB.cac], rho: 0.5}",
            "simulation.correlations[0].between[0]: must name a field that is uncertain in this scenario, got 'company.starting_cash'",
        ),
        (
            "{between: [segments.SMB.churn.montly, segments.SMB.cac], rho: 0.5}",
            "simulation.correlations[0].between[0]: names no field, did you mean 'segments.SMB.churn.monthly'? (got 'segments.SMB.churn.montly')",
        ),
        (
            "{between: [segments.Ent.cac, segments.SMB.cac], rho: 0.5}",
            "simulation.correlations[0].between[0]: names no segment 'Ent' (got 'segments.Ent.cac')",
        ),
        (
            "{between: [segments.SMB.cac, segments.SMB.cac], rho: 0.5}",
            "simulation.correlations[0].between: must name two different fields, got [segments.SMB.cac, segments.SMB.cac]",
        ),
        (
            "{between: [segments.SMB.cac], rho: 0.5}",
            "simulation.correlations[0].between: must be a list of two field paths, got [segments.SMB.cac]",
        ),
        (
            "{between: segments.SMB.cac, rho: 0.5}",
            "simulation.correlations[0].between: must be a list of two field paths, got 'segments.SMB.cac'",
        ),
        (
            "{between: [segments.SMB.cac, segments.SMB.arpa_monthly], rho: 1}",
            "simulation.correlations[0].rho: must be a number > -1 and < 1, got 1",
        ),
        (
            "{between: [segments.SMB.cac, segments.SMB.arpa_monthly], rho: -1}",
            "simulation.correlations[0].rho: must be a number > -1 and < 1, got -1",
        ),
        (
            "{between: [segments.SMB.cac, segments.SMB.arpa_monthly], rho: 0.1..0.2}",
            "simulation.correlations[0].rho: must be a fixed number, got '0.1..0.2'",
        ),
        ("{between: [segments.SMB.cac, segments.SMB.arpa_monthly]}", "simulation.correlations[0].rho: is required"),
        (
            "{between: [segments.SMB.cac, segments.SMB.arpa_monthly], rho: 0.1, r: 1}",
            "simulation.correlations[0]: unknown key 'r'",
        ),
    ],
)
def test_correlation_problems(item, message):
    assert problems(correlations(item)) == [f"x.yaml:16 {message}"]


def test_the_same_pair_twice():
    text = correlations(
        "{between: [segments.SMB.cac, segments.SMB.arpa_monthly], rho: 0.1}",
        "{between: [segments.SMB.arpa_monthly, segments.SMB.cac], rho: 0.2}",
    )
    assert problems(text) == [
        "x.yaml:17 simulation.correlations[1].between: must not correlate the same two fields again (see line 16), "
        "got [segments.SMB.arpa_monthly, segments.SMB.cac]"
    ]


PATHS = ("segments.SMB.churn.monthly", "segments.SMB.cac", "segments.SMB.arpa_monthly")


def three_way(rhos: tuple[float, float, float]) -> str:
    pairs = [(PATHS[0], PATHS[1]), (PATHS[0], PATHS[2]), (PATHS[1], PATHS[2])]
    return correlations(*(f"{{between: [{a}, {b}], rho: {rho}}}" for (a, b), rho in zip(pairs, rhos)))


def test_correlation_matrix_must_be_positive_definite():
    assert len(parse(three_way((0.5, 0.5, 0.5))).simulation.correlations) == 3
    assert problems(three_way((-0.9, -0.9, -0.9))) == [
        "x.yaml:15 simulation.correlations: must form a positive definite correlation matrix, got one that is not"
    ]
    assert problems(three_way((0.9, 0.9, -0.9))) == [
        "x.yaml:15 simulation.correlations: must form a positive definite correlation matrix, got one that is not"
    ]


@settings(max_examples=60, deadline=None)
@given(st.tuples(*[st.integers(-19, 19).map(lambda k: k / 20)] * 3))
def test_positive_definite_check_agrees_with_eigenvalues(rhos):
    a, b, c = rhos
    matrix = np.array([[1, a, b], [a, 1, c], [b, c, 1]])
    eigenvalues = np.linalg.eigvalsh(matrix)
    if abs(eigenvalues.min()) < 1e-9:
        return  # singular within rounding: either answer is right
    if eigenvalues.min() > 0:
        assert len(parse(three_way(rhos)).simulation.correlations) == 3
    else:
        assert problems(three_way(rhos)) == [
            "x.yaml:15 simulation.correlations: must form a positive definite correlation matrix, got one that is not"
        ]


# -- events ------------------------------------------------------------------------


def events(*items: str, text: str = TWO_SEGMENTS) -> str:
    return text + "events:\n" + "".join(f"  - {item}\n" for item in items)


EVENTS_LINE = 19  # line of the first event in events(...)


def test_events_sorted_by_month_stably():
    scenario = parse(
        events(
            "{month: 9, cash_in: 1M, note: Series A}",
            "{month: 3, set: {segments.SMB.churn.monthly: 2%, company.fixed_costs_monthly: 20k}}",
            "{month: 9, set: {acquisition.spend_monthly: 9k}}",
            "{month: 1, cash_in: -50k..-10k}",
        )
    )
    assert [e.month for e in scenario.events] == [1, 3, 9, 9]
    assert scenario.events[0].cash_in == normal(-30_000.0, 40_000.0 / (2 * Z_95))
    assert scenario.events[1].set == (("company.fixed_costs_monthly", 20_000.0), ("segments.SMB.churn.monthly", 0.02))
    assert scenario.events[2] == Event(month=9, note="Series A", cash_in=1_000_000.0)
    assert scenario.events[3].set == (("acquisition.spend_monthly", 9_000.0),)


def test_no_events():
    assert parse(TWO_SEGMENTS + "events:\n").events == ()
    assert parse(TWO_SEGMENTS + "events: []\n").events == ()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("{month: 13, cash_in: 1}", "events[0].month: must be a whole number between 1 and 12, got 13"),
        ("{month: 0, cash_in: 1}", "events[0].month: must be a whole number between 1 and 12, got 0"),
        ("{month: '3', cash_in: 1}", "events[0].month: must be a whole number, got '3'; write 3"),
        ("{cash_in: 1}", "events[0].month: is required"),
        ("{month: 3}", "events[0]: must have set or cash_in, got neither"),
        ("{month: 3, set: {}}", "events[0]: must have set or cash_in, got neither"),
        ("{month: 3, note: 5, cash_in: 1}", "events[0].note: must be text, got 5"),
        ("{month: 3, cash_in: true}", "events[0].cash_in: must be a number between -1e15 and 1e15, got true"),
        ("{month: 3, cash_in: 1, when: 2}", "events[0]: unknown key 'when'"),
        (
            "{month: 3, set: {segments.SMB.churn_rate: 0.1}}",
            "events[0].set.segments.SMB.churn_rate: names no field, did you mean 'segments.SMB.churn.beta'?",
        ),
        (
            "{month: 3, set: {segments.Ent.cac: 10}}",
            "events[0].set.segments.Ent.cac: names no segment 'Ent', did you mean 'segments.Enterprise.cac'?",
        ),
        (
            "{month: 3, set: {acquisition.budget: 10}}",
            "events[0].set.acquisition.budget: names no field; acquisition has spend_monthly, spend_growth_monthly, reinvest_gross_profit",
        ),
        ("{month: 3, set: {churn: 10}}", "events[0].set.churn: names no field"),
        (
            "{month: 3, set: {company.starting_cash: 10}}",
            "events[0].set.company.starting_cash: cannot be changed by an event",
        ),
        ("{month: 3, set: {horizon_months: 10}}", "events[0].set.horizon_months: cannot be changed by an event"),
        (
            "{month: 3, set: {segments.SMB.contract_months: 12}}",
            "events[0].set.segments.SMB.contract_months: cannot be changed by an event",
        ),
        (
            "{month: 3, set: {segments.SMB.funnel.cost_per_lead: 10}}",
            "events[0].set.segments.SMB.funnel.cost_per_lead: can be set only on a segment with a funnel, 'SMB' has a fixed cac",
        ),
        (
            "{month: 3, set: {segments.SMB.churn.annual: 0.2}}",
            "events[0].set.segments.SMB.churn.annual: can be set only on a segment whose churn is given as annual, 'SMB' gives monthly",
        ),
        (
            "{month: 3, set: {segments.SMB.churn.alpha: 2}}",
            "events[0].set.segments.SMB.churn.alpha: can be set only on a segment whose churn is given as alpha and beta, 'SMB' gives monthly",
        ),
        (
            "{month: 3, set: {segments.SMB.churn.monthly: 1.5}}",
            "events[0].set.segments.SMB.churn.monthly: must be a number between 0 and 1, got 1.5",
        ),
        (
            "{month: 3, set: {segments.SMB.spend_share: 40%..60%}}",
            "events[0].set.segments.SMB.spend_share: must be a fixed number, got '40%..60%'",
        ),
        ("{month: 3, set: 5}", "events[0].set: must be a mapping of keys to values, got 5"),
        ("5", "events[0]: must be a mapping of keys to values, got 5"),
    ],
)
def test_event_problems(item, message):
    assert problems(events(item)) == [f"x.yaml:{EVENTS_LINE} {message}"]


def test_events_must_be_a_list():
    assert problems(TWO_SEGMENTS + "events: {month: 3}\n") == [
        "x.yaml:18 events: must be a list of event mappings, got {month: 3}"
    ]


def test_event_values():
    scenario = parse(
        events(
            "{month: 2, set: {segments.Enterprise.cac: 20k}}",
            "{month: 3, set: {segments.Enterprise.funnel.trial_to_paid: 10%..20%}}",
            "{month: 4, set: {segments.Enterprise.churn.heterogeneity: 0.5, segments.SMB.churn.monthly: 1%}}",
            "{month: 5, set: {acquisition.spend_growth_monthly: '-1%', company.fixed_costs_monthly: 2k}}",
        )
    )
    first, funnel, second, third = scenario.events
    assert first.set == (("segments.Enterprise.cac", 20_000.0),)
    assert funnel.set == (("segments.Enterprise.funnel.trial_to_paid", lognormal(0.1, 0.2)),)
    assert second.set == (("segments.Enterprise.churn.heterogeneity", 0.5), ("segments.SMB.churn.monthly", 0.01))
    assert third.set == (("acquisition.spend_growth_monthly", -0.01), ("company.fixed_costs_monthly", 2_000.0))


def test_event_churn_keys_follow_the_segment_form():
    text = replace("churn: {annual: 0.1}", "churn: {alpha: 1, beta: 9}", TWO_SEGMENTS)
    scenario = parse(
        events("{month: 2, set: {segments.Enterprise.churn.alpha: 2, segments.Enterprise.churn.beta: 8}}", text=text)
    )
    assert scenario.events[0].set == (("segments.Enterprise.churn.alpha", 2.0), ("segments.Enterprise.churn.beta", 8.0))
    assert problems(events("{month: 2, set: {segments.Enterprise.churn.heterogeneity: 0.2}}", text=text)) == [
        f"x.yaml:{EVENTS_LINE} events[0].set.segments.Enterprise.churn.heterogeneity: can be set only on a segment "
        "whose churn is given as monthly or annual, 'Enterprise' gives alpha and beta"
    ]


def test_spend_shares_after_events():
    fine = events(
        "{month: 5, set: {segments.SMB.spend_share: 0.6}}",
        "{month: 5, set: {segments.Enterprise.spend_share: 40%}}",
    )
    assert len(parse(fine).events) == 2
    assert problems(events("{month: 5, set: {segments.SMB.spend_share: 0.6}}")) == [
        f"x.yaml:{EVENTS_LINE} events[0].set: spend_share of all segments must sum to 1 after the events of month 5, got 1.1"
    ]
    split = events(
        "{month: 6, set: {segments.Enterprise.spend_share: 0.4}}",
        "{month: 5, set: {segments.SMB.spend_share: 0.6}}",
    )
    assert problems(split) == [
        f"x.yaml:{EVENTS_LINE + 1} events[1].set: spend_share of all segments must sum to 1 after the events of month 5, got 1.1"
    ]


def test_a_field_set_twice_in_one_month():
    text = events(
        "{month: 5, set: {acquisition.spend_monthly: 1k}}",
        "{month: 6, set: {acquisition.spend_monthly: 2k}}",
        "{month: 5, cash_in: 1, set: {acquisition.spend_monthly: 3k}}",
    )
    assert problems(text) == [
        f"x.yaml:{EVENTS_LINE + 2} events[2].set.acquisition.spend_monthly: "
        f"must be set at most once per month, also set in month 5 at line {EVENTS_LINE}"
    ]
    twice_in_one = events("{month: 5, set: {acquisition.spend_monthly: 1k, acquisition.spend_monthly: 2k}}")
    assert problems(twice_in_one) == [
        f"x.yaml:{EVENTS_LINE} events[0].set.acquisition.spend_monthly: is given twice, first at line {EVENTS_LINE}"
    ]


def test_month_limit_follows_the_horizon():
    text = replace("horizon_months: 12", "horizon_months: 240", TWO_SEGMENTS)
    assert parse(events("{month: 240, cash_in: 1}", text=text)).events[0].month == 240


# -- files -------------------------------------------------------------------------


def test_load_scenario(tmp_path: Path):
    path = tmp_path / "good.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_scenario(path) == parse(MINIMAL)
    assert load_scenario(str(path)) == parse(MINIMAL)
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_scenario(path).name == "Test"


def test_load_scenario_names_the_file(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(replace("gross_margin: 0.8", "gross_margin: 1.5"), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_scenario(path)
    assert str(raised.value) == f"{path}:12 segments[0].gross_margin: must be a number between 0 and 1, got 1.5"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, ": no such file"),
        (lambda p: p.mkdir(), ": is a directory, not a scenario file"),
        (lambda p: p.write_bytes(b"#" * (MAX_FILE_BYTES + 1)), ": is larger than 1 MB, too large for a scenario file"),
        (lambda p: p.write_bytes(b"#\nname: \xff\xfe\n"), ":2: is not UTF-8 text (byte 8)"),  # with its line
    ],
)
def test_unreadable_files(tmp_path: Path, make, message):
    path = tmp_path / "s.yaml"
    make(path)
    with pytest.raises(InputError) as raised:
        load_scenario(path)
    assert str(raised.value) == f"{path}{message}"


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_bytes(MINIMAL.encode() + b"#" * (MAX_FILE_BYTES - len(MINIMAL)))
    assert load_scenario(path).name == "Test"


def test_starter_template():
    template = resources.files("saas_sim") / "templates" / "starter.yaml"
    text = template.read_text(encoding="utf-8")
    scenario = parse(text)
    (smb,) = scenario.segments
    assert scenario.horizon_months == 36
    assert (smb.name, smb.contract_months, smb.billing, smb.churn.monthly) == ("SMB", 1, "monthly", 0.03)
    assert scenario.events == ()  # examples of events are commented out: none changes a typed number
    assert '# monthly: "3%..6%"' in text
    # Every value of the scenario proper comes with a comment explaining it.
    scenario_part = text[: text.index("\n# events:")]
    valued = [line for line in scenario_part.splitlines() if re.match(r"\s*(- )?\w+: \S", line)]
    assert len(valued) > 25
    assert [line for line in valued if " # " not in line] == []
    # The commented-out range is valid too.
    uncommented = text.replace('# monthly: "3%..6%"', 'monthly: "3%..6%"').replace("monthly: 3%  ", "# monthly: 3%")
    assert parse(uncommented).segments[0].churn.monthly == lognormal(0.03, 0.06)


# -- round trip --------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_round_trip_through_the_normalized_dict(scenario):
    data = scenario_to_dict(scenario)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert parse_scenario(yaml.safe_dump(data)) == scenario
    assert parse_scenario(yaml.safe_dump(data, sort_keys=False)) == scenario
    assert parse_scenario(dump_scenario_yaml(scenario)) == scenario
    assert scenario_to_dict(parse_scenario(json.dumps(data))) == data


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents(max_segments=1, uncertainty=False, events=False))
def test_strategy_options(doc):
    scenario = parse_scenario(yaml.safe_dump(doc))
    assert len(scenario.segments) == 1 and scenario.events == ()
    (segment,) = scenario.segments
    fixed = [scenario.company, scenario.acquisition, segment, segment.churn, segment.funnel]
    assert not any(isinstance(v, Distribution) for obj in fixed if obj for v in vars(obj).values())
    assert 1 <= scenario.horizon_months <= 30 and 1 <= scenario.simulation.paths <= 50


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_texts())
def test_normalizing_is_idempotent(text):
    once = dump_scenario_yaml(parse_scenario(text))
    assert dump_scenario_yaml(parse_scenario(once)) == once


def test_an_event_cannot_change_billing_or_name_and_far_names_get_no_guess():
    text = """
name: x
horizon_months: 12
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 10k}
segments:
  - {name: SMB, cac: 1000, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.02}}
events:
  - month: 3
    set: {segments.SMB.billing: upfront, segments.SMB.name: Big, segments.SMB.nope: 1}
"""
    with pytest.raises(InputError) as caught:
        parse_scenario(text, "e.yaml")
    lines = [str(p) for p in caught.value.problems]
    assert "e.yaml:10 events[0].set.segments.SMB.billing: cannot be changed by an event" in lines
    assert "e.yaml:10 events[0].set.segments.SMB.name: cannot be changed by an event" in lines
    assert "e.yaml:10 events[0].set.segments.SMB.nope: names no field" in lines


def test_whole_company_numbers_stay_whole_in_the_normalized_form():
    scenario = parse_scenario("""
name: x
horizon_months: 12
company: {starting_cash: 1M, fixed_costs_monthly: 10k, ltv_horizon_months: 36}
acquisition: {spend_monthly: 10k}
segments:
  - {name: SMB, cac: 1000, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.02}}
""")
    data = scenario_to_dict(scenario)
    assert data["company"]["ltv_horizon_months"] == 36 and isinstance(data["company"]["ltv_horizon_months"], int)
    assert parse_scenario(dump_scenario_yaml(scenario)) == scenario


def test_cac_and_a_funnel_field_cannot_change_in_the_same_month():
    assert problems(
        events("{month: 2, set: {segments.Enterprise.cac: 20k, segments.Enterprise.funnel.trial_to_paid: 10%}}")
    ) == [
        f"x.yaml:{EVENTS_LINE} events[0].set.segments.Enterprise.funnel.trial_to_paid: cannot be set in the same "
        f"month as the segment's cac (line {EVENTS_LINE}): one CAC at a time"
    ]


def test_shares_are_summed_even_when_a_segment_name_is_wrong():
    text = """name: x
horizon_months: 12
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 10k}
segments:
  - {name: A, spend_share: 0.6, cac: 100, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.02}}
  - {name: A, spend_share: 0.3, cac: 100, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.02}}
"""
    with pytest.raises(InputError) as caught:
        parse_scenario(text, "s.yaml")
    lines = [str(p) for p in caught.value.problems]
    assert "s.yaml:5 segments: spend_share of all segments must sum to 1, got 0.9" in lines
    assert any("segments[1].name" in line for line in lines)


def test_renaming_a_scenario_text_keeps_its_comments():
    from saas_sim.io.scenario import parse_scenario, renamed_scenario_text

    text = (
        "# my plan\nname: Old  # the name\n"
        + "\n".join(line for line in MINIMAL.splitlines() if not line.startswith("name:"))
        + "\n"
    )
    renamed, scenario = renamed_scenario_text(text, "New: plan")
    assert scenario.name == "New: plan" and parse_scenario(renamed).name == "New: plan"
    assert "# my plan" in renamed and "# the name" in renamed


# -- founder-style numbers (SPEC 1) -------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("'$6,000'", 6_000.0),
        ("6,000", 6_000.0),  # YAML reads an unquoted 6,000 as the text '6,000'
        ("'6,000'", 6_000.0),
        ("$6,000", 6_000.0),
        ("'$400k'", 400_000.0),
        ("'€1.2M'", 1_200_000.0),
        ("£2,500", 2_500.0),
        ("¥1,000,000", 1_000_000.0),
        ("'$ 6,000'", 6_000.0),
        ("'$1,234.50'", 1_234.5),
        ("'1,234,567.5'", 1_234_567.5),
        ("'$1,000k'", 1_000_000.0),
    ],
)
def test_founder_money_forms(written, value):
    parsed = cost(written)
    assert parsed == value
    assert type(parsed) is float


@pytest.mark.parametrize(("written", "value"), [("'-$5k'", -5_000.0), ("'-€1,500'", -1_500.0)])
def test_signed_money_forms(written, value):
    text = replace("fixed_costs_monthly: 10_000", f"fixed_costs_monthly: 10_000\n  starting_cash: {written}")
    text = text.replace("  starting_cash: 100_000\n", "", 1)
    assert parse(text).company.starting_cash == value


@pytest.mark.parametrize(
    "written",
    ["'6,00'", "'6,0000'", "'1,5'", "',000'", "'6,000,00'", "'1,000.5,0'", "'6000,000'", "'6,,000'", "'6,000,'"],
)
def test_a_comma_separates_groups_of_three_digits_only(written):
    (message,) = problems(replace("fixed_costs_monthly: 10_000", f"fixed_costs_monthly: {written}"))
    assert message.startswith(
        f"x.yaml:5 company.fixed_costs_monthly: must be a number between 0 and 1e15, got {written}"
    )
    assert "a comma only separates thousands" in message


@pytest.mark.parametrize("text", ["$", "$$5", "5$", "$5%", "US$5", "€", "$,000", "1,00", "1,0000", "1,000,00"])
def test_money_text_refuses(text):
    assert parse_number_text(text) is None


@given(st.integers(0, 10**12), st.sampled_from(["", "$", "€", "£", "¥"]), st.sampled_from(["", "k", "M"]))
def test_thousands_separators_read_as_the_number(n, sign, suffix):
    factor = {"": 1, "k": 1e3, "M": 1e6}[suffix]
    assert parse_number_text(f"{sign}{n:,}{suffix}") == n * factor


def test_money_ranges():
    text = replace("arpa_monthly: 100", "arpa_monthly: $400k..$600k")
    assert parse(text).segments[0].arpa_monthly == lognormal(400_000.0, 600_000.0)
    text = replace("arpa_monthly: 100", "arpa_monthly: {low: '$4,000', high: '€6,000'}")
    assert parse(text).segments[0].arpa_monthly == lognormal(4_000.0, 6_000.0)


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("3", "write 3% or 0.03"),
        ("2.5", "write 2.5% or 0.025"),
        ("'45'", "write 45% or 0.45"),
        ("100", "write 100% or 1"),
    ],
)
def test_a_rate_above_one_is_refused_with_a_hint(written, hint):
    assert churn_problems(written) == [
        f"x.yaml:14 segments[0].churn.monthly: must be a number between 0 and 1, got {written}; {hint}"
    ]


def test_a_rate_hint_only_where_the_percent_would_be_valid():
    assert churn_problems("150") == ["x.yaml:14 segments[0].churn.monthly: must be a number between 0 and 1, got 150"]
    assert churn_problems("'3..6'") == [
        "x.yaml:14 segments[0].churn.monthly: must be a number between 0 and 1, got '3..6'; write 3%..6%"
    ]
    # Not a rate: no hint.
    assert problems(segment("cac_elasticity: 7")) == [
        f"x.yaml:{SEGMENT_LINE} segments[0].cac_elasticity: must be a number between -1 and 5, got 7"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("starting_customers: 6,000", "must be a whole number, got '6,000'; write 6000"),
        ("starting_customers: '$6,000'", "must be a whole number, got '$6,000'; write 6000"),
        ("contract_months: '12'", "must be a whole number, got '12'; write 12"),
        ("starting_customers: 2.5k", "must be a whole number, got '2.5k'; write 2500"),
        ("starting_customers: 2.5", "must be a whole number, got 2.5"),
    ],
)
def test_integer_only_fields_take_plain_integers_only(line, message):
    field = line.split(":")[0]
    assert problems(segment(line)) == [f"x.yaml:{SEGMENT_LINE} segments[0].{field}: {message}"]


# -- magnitudes: every value a field can hold is a number the engine and JSON can carry ---------


HUGE = "1" * 4301  # past Python's limit on converting digits to an int


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "arpa_monthly: 100",
            "arpa_monthly: 1e306",
            "x.yaml:11 segments[0].arpa_monthly: must be a number between 0 and 1e15, got '1e306'",
        ),
        (
            "starting_cash: 100_000",
            "starting_cash: 1e308",
            "x.yaml:4 company.starting_cash: must be a number between -1e15 and 1e15, got '1e308'",
        ),
        (
            "starting_cash: 100_000",
            f"starting_cash: {HUGE}",
            f"x.yaml:4 company.starting_cash: must be a number between -1e15 and 1e15, got {HUGE[:57]}...",
        ),
        (
            "horizon_months: 12",
            f"horizon_months: {HUGE}",
            f"x.yaml:2 horizon_months: must be a whole number between 1 and 240, got {HUGE[:57]}...",
        ),
        (
            "horizon_months: 12",
            f"horizon_months: -{HUGE}",
            f"x.yaml:2 horizon_months: must be a whole number between 1 and 240, got -{HUGE[:56]}...",
        ),
        (
            "cac: 1_000",
            "cac: '$2,000,000,000,000,000'",
            "x.yaml:10 segments[0].cac: must be a number > 0 and <= 1e15, got '$2,000,000,000,000,000'",
        ),
        (
            "spend_monthly: 5_000",
            "spend_monthly: 1e300..1e301",
            "x.yaml:7 acquisition.spend_monthly: must be a number between 0 and 1e15, got '1e300..1e301'",
        ),
        (
            "arpa_monthly: 100",
            "arpa_monthly: {dist: normal, mean: 100, sd: 1e300}",
            "x.yaml:11 segments[0].arpa_monthly.sd: must be a number between -1e15 and 1e15, got '1e300'",
        ),
        (
            "arpa_monthly: 100",
            f"arpa_monthly: {{dist: uniform, low: 0, high: {HUGE}}}",
            f"x.yaml:11 segments[0].arpa_monthly.high: must be a number between -1e15 and 1e15, got {HUGE[:57]}...",
        ),
    ],
)
def test_absurd_magnitudes_are_field_errors(old, new, message):
    assert problems(replace(old, new)) == [message]


def test_the_largest_amounts_are_accepted():
    text = replace("arpa_monthly: 100", "arpa_monthly: 1e15")
    text = replace("starting_cash: 100_000", "starting_cash: -1e15", text)
    scenario = parse(text + "events:\n  - {month: 2, cash_in: 1e15}\n  - {month: 3, cash_in: -1e15}\n")
    assert scenario.segments[0].arpa_monthly == 1e15
    assert scenario.company.starting_cash == -1e15
    assert [event.cash_in for event in scenario.events] == [1e15, -1e15]
    assert problems(MINIMAL + "events:\n  - {month: 2, cash_in: 1.1e15}\n") == [
        "x.yaml:15 events[0].cash_in: must be a number between -1e15 and 1e15, got '1.1e15'"
    ]


@pytest.mark.parametrize(
    "written",
    [
        "{dist: normal, mean: 1e15, sd: 1e15}",
        "{dist: lognormal, p5: 1e-300, p95: 1e15}",
        "{dist: lognormal, p5: 5e-324, p95: 1e15}",  # exp overflows beyond z = 4.5
        "{dist: uniform, low: -1e15, high: 1e15}",
        "{dist: triangular, low: -1e15, mode: 1e15, high: 1e15}",
        "1e-300..1e15",
    ],
)
def test_wild_draws_are_clipped_into_the_fields_range_without_warnings(written):
    import warnings

    from saas_sim.engine.params import draw_values

    scenario = parse(replace("arpa_monthly: 100", f"arpa_monthly: {written}"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = draw_values(scenario, np.random.default_rng(1), 1_000_000)["segments.SMB.arpa_monthly"]
    assert np.all(np.isfinite(drawn))
    assert drawn.min() >= 0 and drawn.max() <= 1e15


# -- words: misplaced keys, tabs and indentation ----------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    churn: {monthly: 0.03}",
            "    churn: {monthly: 0.03}\n    heterogeneity: 0.2",
            "x.yaml:14 segments[0]: unknown key 'heterogeneity', did you mean churn.heterogeneity? "
            "(it belongs under churn:)",
        ),
        (
            "    cac: 1_000",
            "    cac: 1_000\n    lead_to_trial: 0.2",
            "x.yaml:11 segments[0]: unknown key 'lead_to_trial', did you mean funnel.lead_to_trial? "
            "(it belongs under funnel:)",
        ),
        (
            "    churn: {monthly: 0.03}",
            "    churn:\n      monthly: 0.03\n      gross_margin: 0.8",
            "x.yaml:15 segments[0].churn: unknown key 'gross_margin', it belongs to the segment: "
            "indent it as far as churn:",
        ),
        (
            "horizon_months: 12",
            "horizon_months: 12\nseed: 4",
            "x.yaml:3: unknown key 'seed', did you mean simulation.seed? (it belongs under simulation:)",
        ),
        (
            "  spend_monthly: 5_000",
            "  spend_monthly: 5_000\n  starting_cash: 1M",
            "x.yaml:8 acquisition: unknown key 'starting_cash', did you mean company.starting_cash? "
            "(it belongs under company:)",
        ),
    ],
)
def test_a_key_out_of_its_block_says_where_it_belongs(old, new, message):
    assert message in problems(replace(old, new))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "company:\n\tstarting_cash: 1\n",
            "x.yaml:2: is not valid YAML: this line is indented with a tab; indent with spaces",
        ),
        (
            "company:\n  a: 1\n\tb: 2\n",
            "x.yaml:3: is not valid YAML: this line is indented with a tab; indent with spaces",
        ),
        (
            "segments:\n\t- name: x\n",
            "x.yaml:2: is not valid YAML: this line is indented with a tab; indent with spaces",
        ),
        (
            "company:\n  a: 1\n b: 2\n",
            "x.yaml:1: is not valid YAML: lines 1, 2, 3 are not indented alike and it is not clear which one is off: "
            "indent line 1 by 1 space, or indent line 2 by 1 space, or indent line 3 by 0 spaces (start it at the left "
            "edge), or indent line 3 by 2 spaces",
        ),
        (
            "segments:\n  - name: x\n    cac: 1\n   arpa: 2\n",
            "x.yaml:4: is not valid YAML: this line is indented by 3 spaces, which does not fit the lines around it: "
            "indent line 4 by 4 spaces",
        ),
        (
            "company:\n  a: 1\n   b: 2\n",
            "x.yaml:2: is not valid YAML: lines 2, 3 are not indented alike and it is not clear which one is off: "
            "indent line 2 by 3 spaces, or indent line 3 by 2 spaces",
        ),
        ("name: a: b\n", "x.yaml:1: is not valid YAML: a value holds ': ', put the value in quotes"),
    ],
)
def test_tabs_and_bad_indents_are_said_in_words(text, message):
    assert problems(text) == [message]


def test_an_event_that_sets_a_block_names_its_fields():
    text = events("{month: 3, set: {segments.SMB.churn: 0.02}}")
    assert problems(text) == [
        f"x.yaml:{EVENTS_LINE} events[0].set.segments.SMB.churn: names a group of fields, not one, "
        "did you mean 'segments.SMB.churn.monthly' or 'segments.SMB.churn.heterogeneity'?"
    ]


def test_thousands_in_a_flow_mapping_need_quotes():
    text = replace(
        "churn: {monthly: 0.03}",
        "churn: {monthly: 0.03}\n    funnel: {cost_per_lead: 1,500, lead_to_trial: 0.2, trial_to_paid: 0.1}",
    )
    text = text.replace("    cac: 1_000\n", "")
    assert problems(text) == [
        "x.yaml:13 segments[0].funnel: unknown key '500': inside { } a comma ends a value, "
        "so write a number with commas in quotes ('6,000')"
    ]
    assert parse(text.replace("1,500", "'1,500'")).segments[0].funnel.cost_per_lead == 1_500.0


def test_a_whole_number_hint_only_for_a_value_the_field_takes():
    assert problems(replace("horizon_months: 12", "horizon_months: '99999999999999999999'")) == [
        "x.yaml:2 horizon_months: must be a whole number, got '99999999999999999999'"
    ]


# -- a rate's range or distribution stays within the rate's bounds (issue 13 item 20) ----------


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("'0.5%..150%'", "segments[0].churn.monthly: must be a number between 0 and 1 at both ends, got '0.5%..150%'"),
        ("'-1%..3%'", "segments[0].churn.monthly: must be a number between 0 and 1 at both ends, got '-1%..3%'"),
        (
            "'0.5..1.5'",
            "segments[0].churn.monthly: must be a number between 0 and 1 at both ends, got '0.5..1.5'; "
            "write 0.5%..1.5%",
        ),
        (
            "{dist: uniform, low: 0, high: 2}",
            "segments[0].churn.monthly.high: must be a number between 0 and 1, got 2; write 2% or 0.02",
        ),
        ("{low: 0.5%, high: 150%}", "segments[0].churn.monthly.high: must be a number between 0 and 1, got '150%'"),
        (
            "{dist: lognormal, p5: 1%, p95: 1.2}",
            "segments[0].churn.monthly.p95: must be a number between 0 and 1, got 1.2",
        ),
        (
            "{dist: normal, p5: 1%, p95: 120%}",
            "segments[0].churn.monthly.p95: must be a number between 0 and 1, got '120%'",
        ),
        (
            "{dist: normal, mean: 1.2, sd: 0.5}",
            "segments[0].churn.monthly.mean: must be a number between 0 and 1, got 1.2",
        ),
        (
            "{dist: lognormal, mean: 1.2, sd: 1}",
            "segments[0].churn.monthly.mean: must be a number between 0 and 1, got 1.2",
        ),
    ],
)
def test_a_rate_range_past_its_bounds_is_refused(written, message):
    assert churn_problems(written) == [f"x.yaml:14 {message}"]


def test_a_triangular_rate_names_each_parameter_past_its_bounds():
    assert churn_problems("{dist: triangular, low: 0, mode: 1.2, high: 3}") == [
        "x.yaml:14 segments[0].churn.monthly.mode: must be a number between 0 and 1, got 1.2",
        "x.yaml:14 segments[0].churn.monthly.high: must be a number between 0 and 1, got 3; write 3% or 0.03",
    ]


def test_an_event_cannot_set_a_rate_range_past_its_bounds():
    text = events("{month: 3, set: {segments.SMB.churn.monthly: '1%..120%'}}")
    assert problems(text) == [
        f"x.yaml:{EVENTS_LINE} events[0].set.segments.SMB.churn.monthly: must be a number between 0 and 1 "
        "at both ends, got '1%..120%'"
    ]


@pytest.mark.parametrize(
    "written",
    [
        "'0%..100%'",
        "{dist: uniform, low: 0, high: 1}",
        "{dist: normal, mean: 0.97, sd: 0.05}",
        "{dist: triangular, low: 0, mode: 1, high: 1}",
        "{dist: beta, alpha: 2, beta: 30}",
        "{dist: lognormal, mean: 0.5, sd: 0.25}",
        "{dist: normal, mean: 0.5, sd: 0.5}",
    ],
)
def test_a_rate_distribution_within_its_bounds_is_kept_even_near_the_edge(written):
    scenario = parse(replace("churn: {monthly: 0.03}", f"churn: {{monthly: {written}}}"))
    assert scenario.segments[0].churn.monthly
    assert parse(dump_scenario_yaml(scenario)) == scenario  # its normalized form reads back


def test_a_rate_lognormal_given_by_mean_and_sd_is_checked_as_it_is_stored_by_its_percentiles():
    """Stored (and written back) as p5 and p95: a lognormal of mean 50 % and sd 50 % has p95 = 139 %."""
    assert churn_problems("{dist: lognormal, mean: 0.5, sd: 0.5}") == [
        "x.yaml:14 segments[0].churn.monthly: must be a number between 0 and 1 at its 5th and 95th percentiles, "
        "got {dist: lognormal, mean: 0.5, sd: 0.5} (0.08989 to 1.391)"
    ]


def test_a_range_past_the_bounds_of_a_field_that_is_no_rate_is_clipped_as_before():
    assert parse(segment("cac_elasticity: '0..7'")).segments[0].cac_elasticity


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "starting_cash: 1M",
            "unknown key 'starting_cash', did you mean company.starting_cash? (it belongs under company:)",
        ),
        ("horizon_months: 12", "unknown key 'horizon_months', it belongs at the top of the file (not indented)"),
        (
            "spend_growth_monthly: 2%",
            "unknown key 'spend_growth_monthly', did you mean acquisition.spend_growth_monthly? (it belongs under acquisition:)",
        ),
        ("seed: 4", "unknown key 'seed', did you mean simulation.seed? (it belongs under simulation:)"),
        ("month: 3", "unknown key 'month', it belongs to an event (under events:)"),
        ("rho: 0.5", "unknown key 'rho', it belongs to a correlation (under simulation.correlations:)"),
    ],
)
def test_a_key_of_another_block_in_a_segment_says_where_it_belongs(key, message):
    assert problems(segment(key)) == [f"x.yaml:{SEGMENT_LINE} segments[0]: {message}"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  fixed_costs_monthly: 10_000",
            "  fixed_costs_monthly: 10_000\n  arpa_monthly: 100",
            "x.yaml:6 company: unknown key 'arpa_monthly', it belongs to a segment (under segments:)",
        ),
        (
            "  spend_monthly: 5_000",
            "  spend_monthly: 5_000\n  cac: 500",
            "x.yaml:8 acquisition: unknown key 'cac', it belongs to a segment (under segments:)",
        ),
        (
            "  spend_monthly: 5_000",
            "  spend_monthly: 5_000\n  churn: {monthly: 0.03}",
            "x.yaml:8 acquisition: unknown key 'churn', it belongs to a segment (under segments:)",
        ),
        (
            "  spend_monthly: 5_000",
            "  spend_monthly: 5_000\n  monthly: 0.03",
            "x.yaml:8 acquisition: unknown key 'monthly', did you mean churn.monthly? (it belongs under churn:)",
        ),
        (
            "horizon_months: 12",
            "horizon_months: 12\ncash_in: 1M",
            "x.yaml:3: unknown key 'cash_in', it belongs to an event (under events:)",
        ),
        (
            "horizon_months: 12",
            "horizon_months: 12\ngross_margin: 0.8",
            "x.yaml:3: unknown key 'gross_margin', it belongs to a segment (under segments:)",
        ),
        (
            "  fixed_costs_monthly: 10_000",
            "  fixed_costs_monthly: 10_000\n  name: Acme",
            "x.yaml:6 company: unknown key 'name', it belongs at the top of the file (not indented) "
            "or to a segment (under segments:)",
        ),
        (
            "    churn: {monthly: 0.03}",
            "    churn:\n      monthly: 0.03\n      horizon_months: 12",
            "x.yaml:15 segments[0].churn: unknown key 'horizon_months', it belongs at the top of the file (not indented)",
        ),
    ],
)
def test_any_known_key_out_of_its_block_says_where_it_belongs(old, new, message):
    assert problems(replace(old, new)) == [message]


def test_a_key_of_the_segment_in_an_event_says_where_it_belongs():
    assert problems(events("{month: 3, cash_in: 1M, arpa_monthly: 5}")) == [
        f"x.yaml:{EVENTS_LINE} events[0]: unknown key 'arpa_monthly', it belongs to a segment (under segments:)"
    ]


def test_a_misspelt_key_still_gets_a_close_spelling():
    assert problems(segment("arpa_montly: 100")) == [
        f"x.yaml:{SEGMENT_LINE} segments[0]: unknown key 'arpa_montly', did you mean 'arpa_monthly'?"
    ]


# -- indentation: the line that is off, and advice that fixes it (issue 13 item 19) -----------------

INDENT_HEAD = """\
name: Ind
horizon_months: 24
simulation: {paths: 100, seed: 1}
company:
  starting_cash: 1M
  fixed_costs_monthly: 10k
acquisition:
  spend_monthly: 5k
segments:
  - name: SMB
    cac: 500
    arpa_monthly: 100
    churn:
      monthly: 3%
    gross_margin: 0.8
"""
_ADVICE = re.compile(r"indent line (\d+) by (\d+) spaces?")


def shifted(text: str, line: int, indent: int) -> str:
    lines = text.split("\n")
    lines[line - 1] = " " * indent + lines[line - 1].lstrip(" ")
    return "\n".join(lines)


def advice_of(message: str) -> list[tuple[int, int]]:
    return [(int(line), int(indent)) for line, indent in _ADVICE.findall(message)]


@pytest.mark.parametrize(
    ("line", "indent", "fixes"),
    [
        (10, 0, [(10, 2)]),  # k9: '- name: SMB' at column 0 under keys at column 4
        (5, 0, [(5, 2)]),  # k14: starting_cash dedented out of company
        (11, 5, [(11, 4)]),  # k6
        (11, 3, [(11, 4)]),  # k8
        (15, 2, [(15, 4)]),  # k10
    ],
)
def test_a_line_indented_wrong_is_named_with_advice_that_fixes_it(line, indent, fixes):
    text = shifted(INDENT_HEAD, line, indent)
    messages = problems(text)
    assert len(messages) == 1 and messages[0].startswith(f"x.yaml:{line}: is not valid YAML: ")
    assert advice_of(messages[0]) == fixes
    for fix_line, fix_indent in fixes:
        assert parse(shifted(text, fix_line, fix_indent)) == parse(INDENT_HEAD)


def test_two_lines_that_disagree_are_both_named_with_a_fix_each():
    text = shifted(INDENT_HEAD, 5, 4)  # starting_cash at 4, fixed_costs_monthly at 2: either can be the odd one
    [message] = problems(text)
    assert advice_of(message) == [(5, 2), (6, 4)]
    for fix_line, fix_indent in advice_of(message):
        assert parse(shifted(text, fix_line, fix_indent)) == parse(INDENT_HEAD)


def test_a_key_swallowed_by_the_text_above_it_is_named():
    text = INDENT_HEAD.replace("name: Ind\n", "name: Ind\ndescription: >\n  A plan\n  of ours.\n").replace(
        "horizon_months: 24", "   horizon_months: 24"
    )
    assert problems(text) == [
        "x.yaml:1 horizon_months: is required; line 5 writes 'horizon_months:' but its indent makes it part of "
        "the value above it: indent line 5 by 0 spaces (start it at the left edge)"
    ]
    assert parse(shifted(text, 5, 0)) == parse(text.replace("   horizon_months", "horizon_months"))


def test_a_swallowed_key_in_a_large_file_is_named_without_a_search(monkeypatch):
    """A review found the re-indent search run on any size here (8.7 s on 850 kB): past the limit, no search."""
    from saas_sim.io import scenario as loader

    filler = "".join(f"  {' ' * (k % 40)}line {k} of a long text\n" for k in range(4000))
    text = INDENT_HEAD.replace("name: Ind\n", "name: Ind\ndescription: |\n" + filler).replace(
        "horizon_months: 24", "   horizon_months: 24"
    )
    assert len(text) > loader._INDENT_SEARCH_BYTES

    def no_search(*args, **kwargs):
        raise AssertionError("the re-indent search ran on a file past its limit")

    monkeypatch.setattr(loader, "_indent_fixes", no_search)
    found = problems(text)
    assert len(found) == 1 and "writes 'horizon_months:' but its indent makes it part of the value above it" in found[0]


def _example(name: str) -> str:
    return (resources.files("saas_sim") / "examples" / name).read_text()


def _example_lines(*names: str) -> list[tuple[str, int]]:
    return [
        (name, k + 1)
        for name in names
        for k, line in enumerate(_example(name).split("\n"))
        if line.strip() and not line.lstrip().startswith("#")
    ]


@pytest.mark.parametrize(("example", "line"), _example_lines("starter.yaml", "enterprise-annual.yaml"))
def test_shifting_any_line_of_the_starter_is_named_and_never_wrongly_advised(example, line):
    """Every line of the starter (and of a file with a folded description) shifted 1 to 4 spaces either way:
    the file still reads (as what it said, or not at all), the problems name that line (or the lines that
    disagree with it), and every 'indent line N by M spaces' gives back the file as it was."""
    example_text = _example(example)
    original = example_text.split("\n")[line - 1]
    column = len(original) - len(original.lstrip(" "))
    for indent in {column + d for d in (-4, -3, -2, -1, 1, 2, 3, 4) if column + d >= 0}:
        text = shifted(example_text, line, indent)
        try:
            parse(text)
            continue
        except InputError as error:
            messages = [str(p) for p in error.problems]
        named = [m for m in messages if m.startswith(f"x.yaml:{line}") or f"line {line} " in m or f"line {line}:" in m]
        assert named, (line, indent, messages)
        for fix_line, fix_indent in {fix for m in messages for fix in advice_of(m)}:
            assert parse(shifted(text, fix_line, fix_indent)) == parse(example_text), (line, indent, messages)


def test_the_indent_search_never_reads_a_candidate_too_deep_or_too_big():
    """Re-indenting a line near a YAML error must not compose what the checks before composing refuse."""
    deep = "name: x\n  horizon_months: 12\na: " + "[" * 5000 + "]" * 5000 + "\n"
    assert problems(deep) == ["x.yaml:2: is not valid YAML: a value holds ': ', put the value in quotes"]
    laughs = "name: x\n horizon: 1\na: &a [1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")
    )
    assert problems(laughs) == ["x.yaml:2: is not valid YAML: a value holds ': ', put the value in quotes"]


def test_a_segment_name_yaml_reads_as_no_text_is_told_to_be_quoted():
    assert problems(replace("  - name: SMB", "  - name: 2025")) == [
        "x.yaml:9 segments[0].name: must be non-empty text without '.', got 2025; put it in quotes: name: \"2025\""
    ]
