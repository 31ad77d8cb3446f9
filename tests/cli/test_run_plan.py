"""``saas-sim run --plan``: the plan's table, its CSV (to a file or alone on stdout) and the refused combinations."""

from __future__ import annotations

import csv
import io
import json

import pytest

from saas_sim.render.plan import CSV_COLUMNS

MONEY = ("mrr", "arr", "spend", "burn", "cash", "arr_p10", "arr_p90", "cash_p10", "cash_p90")


@pytest.mark.parametrize("width", [80, 120])
def test_the_table_shows_every_month_then_the_years_whole(invoke, scenario_file, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = invoke("run", scenario_file, "--plan", "--paths", "200", "--no-save")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "The plan (p50, EUR)" in out
    assert "month 14" in out and "year 1" in out and "year 2*" in out and "*year 2: months 13-14 only." in out
    assert out.index("month 14") < out.index("year 1")  # the years last: what stays on screen
    assert "Key metrics" not in out  # in place of the summary
    assert "€" in out and "Net burn" in out
    assert "…" not in out  # no figure cut
    assert max(len(line) for line in out.splitlines()) <= width
    assert ("MRR" in out.splitlines()[1]) == (width == 120)  # narrow: ARR alone, its range under it


def test_csv_to_a_file_is_the_plan_with_plain_numbers(invoke, scenario_file, tmp_path):
    target = tmp_path / "plan.csv"
    result = invoke("run", scenario_file, "--plan", "--paths", "200", "--no-save", "--csv", target)
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {target}" in result.stdout and "year 1" in result.stdout
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["period"] for r in rows[-2:]] == ["year 1", "year 2 (months 13-14)"]
    assert [r["kind"] for r in rows].count("month") == 14
    for row in rows:
        for column in MONEY:
            value = row[column]
            assert value == "" or float(value) == int(value)  # whole currency units
        for column in ("customers", "new", "churned"):
            assert len(row[column].partition(".")[2]) == 1  # to 0.1 customer
            float(row[column])
    year_one = rows[14]
    assert float(year_one["new"]) == pytest.approx(sum(float(r["new"]) for r in rows[:12]), abs=0.6)
    assert year_one["cash"] == rows[11]["cash"]


def test_csv_to_stdout_is_the_csv_and_nothing_else(invoke, scenario_file):
    result = invoke("run", scenario_file, "--plan", "--paths", "200", "--csv", "-")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert len(lines) == 1 + 14 + 2
    assert all(len(row) == len(CSV_COLUMNS) for row in csv.reader(lines))


def test_without_plan_csv_is_still_the_series(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "50", "--no-save", "--csv", "-")
    assert result.stdout.splitlines()[0].startswith("month,customers_mean,")


def test_plan_with_json_to_a_file_writes_the_document_and_shows_the_plan(invoke, scenario_file, tmp_path):
    target = tmp_path / "run.json"
    result = invoke("run", scenario_file, "--plan", "--paths", "50", "--no-save", "--json", target)
    assert result.exit_code == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["paths"] == 50
    assert "year 1" in result.stdout


@pytest.mark.parametrize(
    "options",
    [["--json", "-"], ["--json", "-", "--csv", "-"], ["--csv", "-", "--json", "-", "--quiet"]],
)
def test_plan_with_json_on_stdout_is_refused_in_one_line(invoke, scenario_file, options):
    result = invoke("run", scenario_file, "--plan", "--paths", "50", "--no-save", *options)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("saas-sim --")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_quiet_plan_prints_nothing(invoke, scenario_file, tmp_path):
    target = tmp_path / "plan.csv"
    result = invoke("run", scenario_file, "--plan", "--quiet", "--paths", "50", "--no-save", "--csv", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("period,kind,")
