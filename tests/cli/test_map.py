"""``saas-sim map`` on the command line: the JSON of SPEC 8, and every bad option a one-line error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SMALL = """\
name: Small
horizon_months: 18
simulation: {paths: 100, seed: 4}
company: {starting_cash: 500k, fixed_costs_monthly: 40k}
acquisition: {spend_monthly: 25k}
segments:
  - name: Shops
    cac: 2_000
    arpa_monthly: 150
    starting_customers: 200
    churn: {monthly: 3%}
    gross_margin: 0.8
"""

AXES = ("--x", "segments.Shops.churn.monthly=1%..8%", "--y", "segments.Shops.cac=500..5000")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_json_to_stdout_is_the_map_and_nothing_else(invoke, small):
    result = invoke("map", small, *AXES, "--steps", "3", "--workers", "1", "--json", "-")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["x"]["values"] == [0.01, 0.045, 0.08] and data["y"]["values"] == [500.0, 2750.0, 5000.0]
    assert data["metric"] == "out_of_cash" and data["statistic"] == "mean" and len(data["values"]) == 3
    assert data["base"] == {"x": 0.03, "y": 2000.0} and data["paths"] == 100 and data["seed"] == 4
    assert result.stderr == ""


def test_paths_seed_metric_and_log(invoke, small):
    result = invoke(
        "map", small, *AXES, "--steps", "2", "--log", "--paths", "50", "--seed", "9", "--metric", "arr_end",
        "--workers", "1", "--json", "-",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["paths"], data["seed"], data["metric"], data["statistic"]) == (50, 9, "arr_end", "p50")
    assert data["x"]["log"] is True and data["grades"] is None and data["thresholds"] == []


def test_json_to_a_file_and_the_heatmap_on_screen(invoke, small, tmp_path):
    target = tmp_path / "map.json"
    result = invoke("map", small, *AXES, "--steps", "2", "--workers", "1", "--json", target)
    assert result.exit_code == 0, result.stderr
    assert json.loads(target.read_text())["metric"] == "out_of_cash"
    assert f"Wrote {target}" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--x", "segments.Shops.cac", "--y", "segments.Shops.churn.monthly=1%..2%"), "--x: must be FIELD=LOW..HIGH"),
        (("--x", "segments.Shops.cac=1..2", "--y", "segments.Shops.cac=3..4"), "same input"),
        (
            ("--x", "segments.Shop.cac=1..2", "--y", "company.starting_cash=1..2"),
            "--x: 'segments.Shop.cac' names no segment",
        ),
        (
            ("--x", "segments.Shops.cac=1..2", "--y", "segments.Shops.churn.monthly=1%..150%"),
            "--y: segments.Shops.churn.monthly",
        ),
        ((*AXES, "--steps", "1"), "--steps: must be a whole number from 2 to 200, got 1"),
        ((*AXES, "--metric", "arr_ending"), "did you mean 'arr_end'"),
        ((*AXES, "--workers", "0"), "--workers: must be 1 or more"),
        ((*AXES, "--workers", "2", "--scheduler", "tcp://localhost:8786"), "--scheduler"),
        ((*AXES, "--scheduler", "localhost"), "--scheduler: must be a scheduler's address"),
        ((*AXES, "--paths", "0"), "--paths"),
        ((*AXES, "--out", "map.pdf"), "--out: must end in .html or .png"),
        ((*AXES, "--json", "/no/such/dir/map.json"), "--json: no such directory"),
        (("--x", "simulation.seed=1..5", "--y", "segments.Shops.cac=1..2"), "--x"),
    ],
)
def test_bad_input_exits_2_with_one_line(invoke, small, args, message):
    result = invoke("map", small, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_missing_file_and_a_missing_axis(invoke, tmp_path):
    result = invoke("map", tmp_path / "none.yaml", *AXES)
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    result = invoke("map", tmp_path / "none.yaml", "--x", "segments.Shops.cac=1..2")
    assert result.exit_code == 2 and "--y" in result.stderr
