"""``saas-sim goal`` and ``saas-sim sensitivity`` on a program's effect (issue 18): the issue's example,
the JSON shapes of SPEC 4, the terminal output and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from saas_sim.engine.simulate import program_effect_per_path
from saas_sim.io.scenario import parse_scenario
from tests.analysis.test_sensitivity_programs import SAVING

MONTHS = 24


@pytest.fixture
def saving(tmp_path: Path) -> Path:
    path = tmp_path / "saving.yaml"
    path.write_text(SAVING, encoding="utf-8")
    return path


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_issue_example_finds_the_program_cost_at_which_roi_on_arr_stays_2(invoke, saving):
    data = _json(
        invoke(
            "goal",
            saving,
            "--vary",
            "programs.Save.cost_monthly",
            "--target",
            "programs.Save.roi_arr >= 2",
            "--json",
            "-",
        )
    )
    assert {"field", "value", "metric", "target", "achieved"} <= set(data)
    assert (data["field"], data["metric"], data["target"]) == (
        "programs.Save.cost_monthly",
        "programs.Save.roi_arr",
        "programs.Save.roi_arr >= 2",
    )
    saved_arr = float(np.mean(program_effect_per_path(parse_scenario(SAVING), "Save", "saved_arr")))
    assert data["value"] == pytest.approx(saved_arr / (2 * MONTHS), rel=1e-3)
    assert data["achieved"] >= 2 and data["statistic"] == "mean" and data["saturated"] is None
    assert data["explanation"].startswith("programs.Save.cost_monthly = $")


def test_goal_says_the_answer_in_money_and_the_mean_effect(invoke, saving):
    result = invoke("goal", saving, "--vary", "programs.Save.cost_monthly", "--target", "roi_arr >= 2")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert text.startswith("programs.Save.cost_monthly = $")
    assert "gives Save: ARR kept per unit spent (mean) 2.0× (target >= 2.0×)" in text
    assert "from its base value $40k" in text


def test_sensitivity_ranks_inputs_by_a_program_effect(invoke, saving):
    data = _json(invoke("sensitivity", saving, "--metric", "programs.Save.roi_arr", "--json", "-"))
    assert data["metric"] == "programs.Save.roi_arr" and data["statistic"] == "mean"
    assert all(set(item) == {"field", "low", "high", "metric_low", "metric_high"} for item in data["inputs"])
    top = {item["field"]: item for item in data["inputs"][:2]}
    assert set(top) == {"programs.Save.cost_monthly", "programs.Save.churn_change"}
    cost = top["programs.Save.cost_monthly"]
    assert (cost["low"], cost["high"]) == (32_000, 48_000)
    assert cost["metric_low"] == pytest.approx(data["base"] / 0.8) and cost["metric_high"] == pytest.approx(
        data["base"] / 1.2
    )
    churn = top["programs.Save.churn_change"]
    assert (churn["low"], churn["high"]) == pytest.approx((-0.36, -0.24))  # -30 % ± 20 % of its size
    swung = [item["field"] for item in data["inputs"]]
    assert "migrations[0].monthly" in swung and "company.customer_success.arr_per_csm" in swung


def test_the_tornado_of_a_program_effect_fits_80_columns(invoke, saving):
    result = invoke("sensitivity", saving, "--metric", "roi_arr", "--paths", "200")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Save: ARR kept per unit spent (mean): ") and "× at base" in lines[0]
    assert max(len(line) for line in lines) <= 80
    cost = next(line for line in lines if line.startswith("programs.Save.cost_monthly"))
    assert "$32k" in cost and "$48k" in cost
    assert any(line.startswith("programs.Save.churn_change") and "-36%" in line for line in lines)
    assert "probability" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("sensitivity", "{file}", "--metric", "programs.Sav.roi_arr"),
            "saas-sim --metric: 'programs.Sav.roi_arr' names no program 'Sav', did you mean 'programs.Save.roi_arr'?",
        ),
        (
            ("sensitivity", "{file}", "--metric", "programs.Save.roi_ar"),
            "saas-sim --metric: 'programs.Save.roi_ar' names no program effect 'roi_ar', "
            "did you mean 'programs.Save.roi_arr'?",
        ),
        (
            ("sensitivity", "scenarios/starter.yaml", "--metric", "roi_arr"),
            "saas-sim --metric: 'roi_arr' is an effect of a program (SPEC 2.7), and this scenario has none",
        ),
        (
            ("goal", "{file}", "--vary", "programs.Save.cost_monthly", "--target", "programs.Sve.roi_arr >= 2"),
            "saas-sim --target: 'programs.Sve.roi_arr' names no program 'Sve', did you mean 'programs.Save.roi_arr'?",
        ),
        (
            ("goal", "{file}", "--vary", "programs.Save.cost_monthly", "--target", "programs.Save.roi >> 2"),
            "saas-sim --target: must be 'METRIC OP VALUE'",
        ),
        (
            ("goal", "{file}", "--vary", "programs.Sav.cost_monthly", "--target", "roi_arr >= 2"),
            "saas-sim --vary: 'programs.Sav.cost_monthly' names no program 'Sav', "
            "did you mean 'programs.Save.cost_monthly'?",
        ),
        (
            ("goal", "{file}", "--vary", "programs.Save.from_month", "--target", "roi_arr >= 2"),
            "saas-sim --vary: 'programs.Save.from_month' cannot be varied: it is a whole number of months or rounds",
        ),
    ],
)
def test_a_bad_program_metric_or_field_exits_2_with_one_line(invoke, saving, args, message):
    result = invoke(*(str(saving) if a == "{file}" else a for a in args))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


def test_the_issue_example_on_the_shipped_customer_success_scenario(invoke):
    """`goal scenarios/customer-success.yaml --vary programs.Save-at-risk.cost_monthly --target
    "programs.Save-at-risk.roi_arr >= 2"`: a cost whose mean ARR kept per unit spent reaches 2."""
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "customer-success.yaml"
    data = _json(
        invoke(
            "goal", scenario, "--vary", "programs.Save-at-risk.cost_monthly",
            "--target", "programs.Save-at-risk.roi_arr >= 2", "--paths", "500", "--json", "-",
        )
    )  # fmt: skip
    assert data["field"] == "programs.Save-at-risk.cost_monthly" and data["metric"] == "programs.Save-at-risk.roi_arr"
    assert data["value"] is not None and 0 < data["value"] < 90_000
    assert data["achieved"] >= 2.0
