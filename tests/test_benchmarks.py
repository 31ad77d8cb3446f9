"""The benchmark's reference simulates the same model as the engine (or its ratio means nothing)."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from cases import CASES
from reference import simulate_reference

from saas_sim.engine.simulate import simulate_per_path


def test_reference_and_engine_agree_on_mean_mrr():
    _, large = CASES["a"]
    small = dataclasses.replace(large, horizon_months=24, simulation=dataclasses.replace(large.simulation, paths=3000))
    engine, _ = simulate_per_path(small)
    reference = simulate_reference(small, seed=5)
    for month in (0, 11, 23):
        a, b = engine["series"]["mrr"][:, month], reference["mrr"][:, month]
        se = math.hypot(a.std(ddof=1) / math.sqrt(a.size), b.std(ddof=1) / math.sqrt(b.size))
        assert abs(a.mean() - b.mean()) < 5 * se, month
    assert np.isfinite(reference["cash"]).all()


# -- issue 15's table (benchmarks/table.py): its arithmetic, its layout, and one run at a few paths ----------

ROWS_OF_THE_ISSUE = (
    "warm_run",
    "tui_fan",
    "tui_key",
    "sensitivity",
    "goal_closed",
    "goal_mc",
    "tornado",
    "a_in_process",
    "a_cpu_ratio",
    "c_in_process",
    "c_peak_mb",
)


def test_a_row_is_the_median_of_its_samples_against_its_goal():
    from table import Row, goal_text, verdict

    slow = Row("warm_run", "a run", "s", [0.9, 3.0, 1.0], 0.5)
    assert slow.value == 1.0 and slow.met is False
    assert verdict(slow) == "missed by 0.50 s (2.0x)" and goal_text(slow) == "<= 0.50 s"
    fast = Row("warm_run", "a run", "s", [0.4, 0.2, 0.6], 0.5)
    assert fast.met is True and verdict(fast) == "met"
    ratio = Row("a_cpu_ratio", "CPU ratio", "x", [2.0, 1.0, 3.0], 5.0, higher_is_better=True)
    assert ratio.met is False and verdict(ratio) == "missed: 40% of the goal" and goal_text(ratio) == ">= 5.00x"
    assert verdict(Row("startup", "start-up", "s", [0.3])) == "" and goal_text(Row("s", "s", "s")) == "(reported)"
    assert verdict(Row("tui_fan", "fan", "s", [], 0.35)) == "not measured"
    assert Row("c_peak_mb", "peak", "MB", [1640.4], 2000.0).to_json()["met"] is True


def test_the_printed_table_fits_120_columns_and_reads_back_as_measured():
    from table import WIDTH, Row, format_table, read_table

    rows = [
        Row("warm_run", "`saas-sim run scenarios/starter.yaml` (warm, with saving)", "s", [1.234], 0.5, how="x " * 90),
        Row("c_peak_mb", "(c) 100,000 x 60 x 1, peak memory", "MB", [1640.4], 2000.0),
        Row("a_cpu_ratio", "(a) CPU time: reference / engine", "x", [1.05], 5.0, higher_is_better=True),
        Row("long", "a label longer than its column, " * 4, "s", [12.3], 0.3),
    ]
    text = format_table(rows, "heading")
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    read = read_table(text)
    assert [r["measured"] for r in read] == ["1.23 s", "1,640 MB", "1.05x", "12.30 s"]
    assert [r["goal"] for r in read] == ["<= 0.50 s", "<= 2,000 MB", ">= 5.00x", "<= 0.30 s"]
    assert [r["verdict"] for r in read] == [
        "missed by 0.73 s (2.5x)",
        "met",
        "missed: 21% of the goal",
        "missed by 12.00 s (41.0x)",
    ]
    assert read[0]["what"] == rows[0].what


def test_every_row_of_the_issue_is_built_from_the_samples():
    from table import Settings, rows_of

    def case(s: float, cpu_s: float) -> dict:
        return {"s": s, "cpu_s": cpu_s, "startup_s": 0.3, "peak_mb": 900.0, "process_s": s + 1}

    samples = {
        "startup": [{"s": 0.2, "cpu_s": 0.2}],
        "warm_run": [{"s": 1.0, "cpu_s": 1.1}, {"s": 3.0, "cpu_s": 1.2}, {"s": 2.0, "cpu_s": 1.3}],
        "sensitivity": [{"s": 4.4, "cpu_s": 4.0}],
        "goal_closed": [{"s": 4.1, "cpu_s": 4.0}],
        "goal_mc": [{"s": 6.0, "cpu_s": 5.0}],
        "tui": [{"fan_s": [0.5, 0.7, 0.6], "key_wait_s": [0.01, 0.2], "tornado_s": 5.0, "paths": 2000}],
        "a/engine": [case(4.0, 6.0), case(5.0, 7.0)],
        "a/reference": [case(8.0, 6.0), case(9.0, 7.7)],
        "c/engine": [case(5.9, 9.0)],
        "c/reference": [case(7.0, 7.0)],
    }
    fresh = {
        "venv_s": 3.0,
        "install_s": 60.0,
        "first_s": 20.0,
        "first_cpu_s": 19.0,
        "second_s": 1.2,
        "second_cpu_s": 1.1,
    }
    rows = {row.key: row for row in rows_of(samples, Settings(cases=("a", "c")), fresh)}
    assert set(ROWS_OF_THE_ISSUE) | {"install", "first_run", "second_run", "startup"} == set(rows)
    assert rows["warm_run"].value == 2.0 and "CPU 1.20 s" in rows["warm_run"].how
    assert rows["tui_fan"].value == 0.6 and rows["tui_key"].value == 0.2 and rows["tornado"].value == 5.0
    assert rows["a_in_process"].value == 4.5 and rows["a_in_process"].goal == 1.2
    assert rows["a_cpu_ratio"].samples == [1.0, 1.1] and rows["a_cpu_ratio"].higher_is_better
    assert "whole process 5.50 s" in rows["a_in_process"].how and "reference 8.50 s wall" in rows["a_in_process"].how
    assert rows["c_in_process"].goal == 3.0 and rows["c_peak_mb"].value == 900.0
    assert rows["install"].value == 63.0 and rows["first_run"].goal == 3.0


def test_the_fresh_install_copies_the_checkout_without_build_products(tmp_path):
    from table import checkout_files, copy_checkout

    files = checkout_files()
    assert {"pyproject.toml", "scenarios", "benchmarks/table.py"} <= set(files)  # scenarios: a link to the examples
    assert not [name for name in files if name.startswith((".venv/", ".git/")) or "__pycache__" in name]
    assert not [name for name in files if name.endswith((".so", ".egg-info"))]
    copy_checkout(tmp_path / "copy")
    assert (tmp_path / "copy" / "scenarios").is_symlink()
    assert (tmp_path / "copy" / "scenarios" / "starter.yaml").read_text().startswith("# A first scenario")


def test_the_tui_edit_is_typed_key_by_key():
    from tui_latency import keys_for

    assert keys_for("20k", "21k") == ["end", "backspace", "backspace", "backspace", "2", "1", "k"]


def test_run_py_refuses_an_unknown_case_or_table_options_with_cases():
    script = str(Path(__file__).resolve().parents[1] / "benchmarks" / "run.py")
    for arguments in (["d"], ["a", "--json", "-"]):
        done = subprocess.run([sys.executable, script, *arguments], capture_output=True, text=True)
        assert done.returncode == 2 and done.stdout == "", arguments
        assert done.stderr.strip().splitlines()[-1].startswith("run.py: error:")


def test_a_case_process_reports_its_times_and_memory():
    from run import measure

    for which in ("engine", "reference"):
        figures = measure("b", which, paths=50)
        assert set(figures) == {"s", "cpu_s", "startup_s", "peak_mb", "process_s"}
        assert 0 < figures["s"] < figures["process_s"] and figures["peak_mb"] > 0


def test_the_whole_table_runs_at_a_few_paths(tmp_path):
    """``run.py --tiny``: every row measured (its figures mean nothing), the table and the JSON agree."""
    from table import WIDTH, read_table

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    written = tmp_path / "table.json"
    done = subprocess.run(
        [sys.executable, str(script), "--tiny", "--quiet", "--json", str(written)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= WIDTH
    document = json.loads(written.read_text())
    assert document["settings"]["repeat"] == 1 and document["settings"]["tiny"]
    rows = {row["key"]: row for row in document["rows"]}
    assert set(ROWS_OF_THE_ISSUE) <= set(rows)
    for key in ROWS_OF_THE_ISSUE:
        assert len(rows[key]["samples"]) == 1 and rows[key]["value"] > 0, key
    printed = read_table(done.stdout)
    assert [row["what"] for row in printed] == [row["what"] for row in document["rows"]]
    assert [row["verdict"] for row in printed] == [row["verdict"] for row in document["rows"]]


def test_rows_whose_processes_all_failed_say_not_measured():
    from table import Settings, rows_of, verdict

    rows = rows_of({"a/engine": [], "a/reference": [], "tui": []}, Settings(cases=("a",)))
    assert {row.key for row in rows} >= {"warm_run", "tui_fan", "tornado"}
    assert all(verdict(row) in {"not measured", ""} for row in rows)
