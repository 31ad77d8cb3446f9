"""``saas-sim sensitivity`` and ``saas-sim goal``: JSON shapes of SPEC 4, the terminal output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from saas_sim.engine.simulate import simulate_per_path, with_overrides
from saas_sim.io.scenario import parse_scenario
from tests.scenario_texts import FEW_OUT, NEVER_MIX, doomed

SCENARIO = """\
name: Small
horizon_months: 14
simulation: {paths: 2000, seed: 4}
company: {starting_cash: 600k, fixed_costs_monthly: 30k}
acquisition: {spend_monthly: 15k}
segments:
  - name: SMB
    cac: 1_000
    arpa_monthly: 100
    starting_customers: 80
    churn: {monthly: "3%..5%"}
    gross_margin: 0.8
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _effect(item: dict, base: float) -> float:
    values = [base, *(v for v in (item["metric_low"], item["metric_high"]) if v is not None)]
    return max(values) - min(values)


def test_sensitivity_json_is_the_spec_shape_largest_effect_first(invoke, small):
    data = _json(
        invoke("sensitivity", small, "--paths", "200", "--metric", "customers_end", "--swing", "0.1", "--json", "-")
    )
    assert data["metric"] == "customers_end" and isinstance(data["base"], float)
    assert (data["paths"], data["seed"], data["swing"]) == (200, 4, 0.1)
    assert all(set(item) == {"field", "low", "high", "metric_low", "metric_high"} for item in data["inputs"])
    effects = [_effect(item, data["base"]) for item in data["inputs"]]
    assert effects == sorted(effects, reverse=True) and effects[0] > 0
    margin = next(i for i in data["inputs"] if i["field"] == "segments.SMB.gross_margin")
    assert margin["metric_low"] == margin["metric_high"] == data["base"]
    spend = next(i for i in data["inputs"] if i["field"] == "acquisition.spend_monthly")
    assert (spend["low"], spend["high"]) == pytest.approx((13_500, 16_500))


def test_sensitivity_prints_a_tornado_within_80_columns(invoke, small):
    result = invoke("sensitivity", small, "--paths", "200")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ARR end (p50): ")
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("acquisition.spend_monthly") and "│" in line for line in lines)
    assert any(line.startswith("No effect on ARR end") for line in lines)


def test_sensitivity_on_a_probability_out_of_cash_on_every_path_says_it_cannot_move(invoke, monkeypatch):
    """Issue 13, 5: vicious-cycle runs out of cash on every path; starting cash has no "no effect" on it."""
    from tests.figures import broken_figures

    monkeypatch.delenv("COLUMNS", raising=False)
    result = invoke("sensitivity", "scenarios/vicious-cycle.yaml", "--metric", "out_of_cash", "--paths", "100")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "No effect" not in text
    assert "out_of_cash is 100% in every swing: it cannot move; try --metric cash_out_month or cash_min." in text
    assert "company.starting_cash" in text.split("Swung, still 100%: ")[1]
    assert broken_figures(result.stdout) == []
    data = _json(
        invoke(
            "sensitivity", "scenarios/vicious-cycle.yaml", "--metric", "out_of_cash", "--paths", "100", "--json", "-"
        )
    )
    assert data["saturated"] == {"at": 1.0, "try": ["cash_out_month", "cash_min"]}
    assert {"metric", "base", "inputs"} <= set(data)


def test_goal_json_is_the_spec_shape(invoke, small):
    data = _json(
        invoke(
            "goal",
            small,
            "--vary",
            "segments.SMB.churn.monthly",
            "--target",
            "ltv_cac >= 3",
            "--paths",
            "200",
            "--json",
            "-",
        )
    )
    assert {"field", "value", "metric", "target", "achieved"} <= set(data)
    assert (data["field"], data["metric"], data["target"]) == ("segments.SMB.churn.monthly", "ltv_cac", "ltv_cac >= 3")
    assert data["achieved"] >= 3 and 0 < data["value"] < 0.04
    assert data["replaced_distribution"] == {"dist": "lognormal", "p5": 0.03, "p95": 0.05}


def test_goal_without_an_answer_prints_null_and_exits_0(invoke, small):
    data = _json(
        invoke(
            "goal",
            small,
            "--vary",
            "segments.SMB.churn.monthly",
            "--target",
            "ltv_cac >= 1000",
            "--paths",
            "200",
            "--json",
            "-",
        )
    )
    assert data["value"] is None and data["achieved"] is None
    assert data["best_value"] == 0.0
    assert data["explanation"].startswith("No value of segments.SMB.churn.monthly from 0% to 100% reaches")


def test_goal_says_what_it_found_in_words(invoke, small):
    result = invoke(
        "goal",
        small,
        "--vary",
        "acquisition.spend_monthly",
        "--target",
        "out_of_cash <= 50%",
        "--prob",
        "0.5",
        "--paths",
        "200",
    )
    assert result.exit_code == 0, result.stderr
    assert "acquisition.spend_monthly" in result.stdout.splitlines()[0]
    assert "200 paths, seed 4" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("sensitivity", "{file}", "--metric", "arr_ned"),
            "saas-sim --metric: 'arr_ned' is not a summary metric, did you mean 'arr_end'?",
        ),
        (("sensitivity", "{file}", "--swing", "150%"), "saas-sim --swing: must be a share more than 0"),
        (("sensitivity", "{file}", "--paths", "0"), "saas-sim --paths: must be"),
        (("sensitivity", "missing.yaml"), "missing.yaml: no such file"),
        (
            ("goal", "{file}", "--vary", "segments.SMB.churn.montly", "--target", "ltv_cac >= 3"),
            "saas-sim --vary: 'segments.SMB.churn.montly' names no field, did you mean 'segments.SMB.churn.monthly'?",
        ),
        (
            ("goal", "{file}", "--vary", "segments.SMB.spend_share", "--target", "ltv_cac >= 3"),
            "saas-sim --vary: 'segments.SMB.spend_share' cannot be varied",
        ),
        (
            ("goal", "{file}", "--vary", "acquisition.spend_monthly", "--target", "ltv_cac about 3"),
            "saas-sim --target: must be 'METRIC OP VALUE'",
        ),
        (
            ("goal", "{file}", "--vary", "acquisition.spend_monthly", "--target", "ltv_cak >= 3"),
            "saas-sim --target: 'ltv_cak' is not a summary metric, did you mean 'ltv_cac'?",
        ),
        (
            ("goal", "{file}", "--vary", "acquisition.spend_monthly", "--target", "ltv_cac >= 3", "--prob", "1.5"),
            "saas-sim --prob: must be a probability",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(invoke, small, args, message):
    result = invoke(*(str(small) if a == "{file}" else a for a in args))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_missing_target_is_a_usage_error(invoke, small):
    result = invoke("goal", small, "--vary", "acquisition.spend_monthly")
    assert result.exit_code == 2
    assert "--target" in result.stderr


DOOMED = doomed()


def test_goal_on_a_probability_pinned_at_100_percent_says_it_cannot_move(invoke, tmp_path):
    """Issue 13, 5: out of cash on every path at every value tried is no "closest value"; say it cannot move."""
    path = tmp_path / "doomed.yaml"
    path.write_text(DOOMED, encoding="utf-8")
    args = ("goal", path, "--vary", "segments.SMB.gross_margin", "--target", "out_of_cash <= 10%")
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "the closest is" not in text
    assert (
        "Out of cash (probability) is 100.0% at every value tried: it cannot move there; "
        "try a target on cash_out_month or cash_min."
    ) in text
    data = _json(invoke(*args, "--json", "-"))
    assert data["value"] is None and data["saturated"] == {"at": 1.0, "try": ["cash_out_month", "cash_min"]}


def test_goal_on_a_metric_that_moves_has_no_saturation(invoke, small):
    data = _json(
        invoke(
            "goal",
            small,
            "--vary",
            "acquisition.spend_monthly",
            "--target",
            "customers_end >= 100",
            "--paths",
            "200",
            "--json",
            "-",
        )
    )
    assert data["saturated"] is None


def test_sensitivity_of_a_payback_that_is_never_at_base_ranks_by_its_never_share(invoke, tmp_path, monkeypatch):
    """Hostile nev.yaml: "No effect on Payback months with churn" listed ARPA and CAC, `"base": null` said no more."""
    monkeypatch.delenv("COLUMNS", raising=False)
    path = tmp_path / "never.yaml"
    path.write_text(NEVER_MIX, encoding="utf-8")
    args = ("sensitivity", path, "--metric", "payback_months_with_churn")
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "No effect on Payback months with churn" not in text
    assert "63% of paths never pay back" in text and "try --metric ltv_cac" in text
    bars = [line.split()[0] for line in result.stdout.splitlines() if "│" in line]
    assert "segments.SMB.arpa_monthly" in bars and "segments.SMB.cac" in bars
    data = _json(invoke(*args, "--json", "-"))
    assert data["base"] is None and data["ranked_by"] == "never" and data["base_never"] == pytest.approx(0.6255)
    arpa = next(i for i in data["inputs"] if i["field"] == "segments.SMB.arpa_monthly")
    assert arpa["never_high"] < data["base_never"] < arpa["never_low"]


def test_goal_on_a_payback_that_is_never_at_base_reads_sensibly(invoke, tmp_path):
    path = tmp_path / "never.yaml"
    path.write_text(NEVER_MIX, encoding="utf-8")
    result = invoke("goal", path, "--vary", "segments.SMB.arpa_monthly", "--target", "payback_months_with_churn <= 24")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "segments.SMB.arpa_monthly = $188 gives Payback months with churn (p50) 24.0 mo" in text
    assert "from its base value $100 (Payback months with churn (p50) never)" in text
    result = invoke("goal", path, "--vary", "company.starting_cash", "--target", "payback_months_with_churn <= 24")
    text = " ".join(result.stdout.split())
    assert "the closest is" not in text  # every value gives never: none is closer than another
    assert (
        "Payback months with churn (p50) is never at every value tried: most paths never pay back whatever "
        "company.starting_cash is; try a target on ltv_cac."
    ) in text


def test_sensitivity_on_a_statistic_of_too_few_paths_says_so(invoke, tmp_path):
    """Hostile few.yaml: 9 inputs ranked on the median cash-out month of 10 paths, with no mark (issue 13, 6)."""
    path = tmp_path / "few.yaml"
    path.write_text(FEW_OUT, encoding="utf-8")
    company, _ = simulate_per_path(with_overrides(parse_scenario(FEW_OUT)))
    out = int(np.isfinite(company["summary"]["cash_out_month"]).sum())  # 12 of 2,000 with engine 0.3.0's stream
    assert 0 < out < 50
    result = invoke("sensitivity", path, "--metric", "cash_out_month")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert f" at base ({out} paths)" in text and "too few paths" in text
    data = _json(invoke("sensitivity", path, "--metric", "cash_out_month", "--json", "-"))
    assert data["base_n"] == out and data["too_few"] is True
