"""``saas-sim map`` as a hurried user types it: what they paste by mistake is a one-line error (exit 2), never a
map of something else, never a file of theirs overwritten, and every number on screen tells its cell apart."""

from __future__ import annotations

import json
import re
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

CHURN = "segments.Shops.churn.monthly=1%..8%"
FAST = ("--steps", "2", "--paths", "5", "--workers", "1")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def one_line_error(result) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_same_input_twice_is_blamed_on_y_not_steps(invoke, small):
    line = one_line_error(invoke("map", small, "--x", CHURN, "--y", "segments.Shops.churn.monthly =1%..5%", *FAST))
    assert line.startswith("saas-sim --y:") and "same input" in line


def test_three_dots_is_refused_not_read_as_a_range_to_half_a_million(invoke, small):
    # '1M...5M' once mapped 1M..500k (the high end read as '.5M')
    line = one_line_error(invoke("map", small, "--x", CHURN, "--y", "company.starting_cash=1M...5M", *FAST))
    assert line.startswith("saas-sim --y:") and "1M...5M" in line


@pytest.mark.parametrize(
    "axis",
    ["segments.Shops.arpa_monthly=1e300..1e308", "segments.Shops.cac=500..2e15", "company.starting_cash=-1e16..1M"],
)
def test_an_amount_beyond_what_a_scenario_file_takes_is_refused(invoke, small, axis):
    # arpa 1e308 once ran: its ARR overflowed and the cells said "undefined on every path"
    line = one_line_error(invoke("map", small, "--x", CHURN, "--y", axis, *FAST))
    assert line.startswith("saas-sim --y:") and "1e15" in line


def test_json_and_out_on_one_file_is_refused(invoke, small, tmp_path):
    target = tmp_path / "map.html"
    line = one_line_error(
        invoke(
            "map", small, "--x", CHURN, "--y", "segments.Shops.cac=500..5000", *FAST, "--json", target, "--out", target
        )
    )
    assert line.startswith("saas-sim --out:") and "--json" in line
    assert not target.exists()


def test_json_onto_the_scenario_file_is_refused_and_the_file_kept(invoke, small):
    line = one_line_error(
        invoke("map", small, "--x", CHURN, "--y", "segments.Shops.cac=500..5000", *FAST, "--json", small)
    )
    assert line.startswith("saas-sim --json:")
    assert small.read_text(encoding="utf-8") == SMALL


def test_out_naming_a_directory_says_so(invoke, small, tmp_path):
    line = one_line_error(
        invoke("map", small, "--x", CHURN, "--y", "segments.Shops.cac=500..5000", *FAST, "--out", tmp_path)
    )
    assert line == f"saas-sim --out: must name a file, got the directory {tmp_path}"


def _axis_labels(stdout: str, label: str) -> list[str]:
    """The figures of the x axis's line: the line just above the x axis's name."""
    lines = stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(label))
    return lines[at - 1].split()


def test_a_tiny_range_shows_labels_that_tell_its_values_apart(invoke, small):
    result = invoke(
        "map",
        small,
        "--x",
        "segments.Shops.churn.monthly=1%..1.0001%",
        "--y",
        "company.starting_cash=1e-6..3e-6",
        "--steps",
        "3",
        "--paths",
        "5",
        "--workers",
        "1",
    )
    assert result.exit_code == 0, result.stderr
    x_labels = _axis_labels(result.stdout, "Shops.churn.monthly")
    assert len(x_labels) == len(set(x_labels)) >= 2, result.stdout
    rows = [line for line in result.stdout.splitlines() if re.match(r"^\s*\$", line)]
    y_labels = [row.split()[0] for row in rows]
    assert len(y_labels) == 3 and len(set(y_labels)) == 3, result.stdout


def test_two_columns_keep_the_first_label_too(invoke, small):
    result = invoke(
        "map", small, "--x", "segments.Shops.cac=500..600", "--y", "segments.Shops.arpa_monthly=100..200", *FAST
    )
    assert result.exit_code == 0, result.stderr
    assert _axis_labels(result.stdout, "Shops.cac") == ["$500", "$600"], result.stdout


def test_one_path_is_one_path(invoke, small):
    result = invoke(
        "map",
        small,
        "--x",
        CHURN,
        "--y",
        "segments.Shops.cac=500..5000",
        "--steps",
        "2",
        "--paths",
        "1",
        "--workers",
        "1",
    )
    assert result.exit_code == 0, result.stderr
    assert "· 1 path ·" in result.stdout and "1 paths" not in result.stdout
    data = json.loads(
        invoke(
            "map",
            small,
            "--x",
            CHURN,
            "--y",
            "segments.Shops.cac=500..5000",
            "--steps",
            "2",
            "--paths",
            "1",
            "--workers",
            "1",
            "--json",
            "-",
        ).stdout
    )
    assert data["paths"] == 1


def test_a_long_title_wraps_at_a_word_and_is_never_cut(invoke, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "program.yaml"
    program = "programs:\n  - name: Save-at-risk\n    cost_monthly: 5k\n    churn_change: -50%\n"
    path.write_text(SMALL + program, encoding="utf-8")
    result = invoke("map", path, "--x", "programs.Save-at-risk.cost_monthly=1k..10k", "--y", CHURN, *FAST,
                    "--metric", "churn_change_pp")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "…" not in " ".join(lines[:3]) and "(mean over paths)" in " ".join(lines[:3]), result.stdout
    assert max(len(line) for line in lines) <= 80


@pytest.mark.parametrize(
    "axis", ["segments.Shops.starting_customers=0.5..0.7", "segments.Shops.starting_customers=0.1..0.3"]
)
def test_a_whole_number_field_refuses_ends_that_are_not_whole(invoke, small, axis):
    # 0.5..0.7 once mapped 0 and 1 customers (neither asked for), 0.1..0.3 a map of one column
    line = one_line_error(invoke("map", small, "--x", axis, "--y", "segments.Shops.cac=500..600", *FAST))
    assert line.startswith("saas-sim --x:") and "whole" in line


def test_a_rate_written_as_percent_without_its_sign_gets_the_hint_a_scenario_file_gives(invoke, small):
    line = one_line_error(
        invoke("map", small, "--x", "segments.Shops.churn.monthly=1..8", "--y", "segments.Shops.cac=500..600", *FAST)
    )
    assert line.startswith("saas-sim --x:") and line.endswith("write 1%..8%"), line
