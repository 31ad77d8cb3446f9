"""``saas-sim report`` as a careless or impatient user drives it: tiny horizons, odd names, clashing
outputs, stored runs made differently, options that cannot apply."""

from __future__ import annotations

import pytest

FAST = ("--paths", "40", "--seed", "5")


def test_the_page_and_the_workbook_in_one_file_are_refused(invoke, scenario_file, tmp_path):
    same = tmp_path / "report.out"
    done = invoke("report", scenario_file, *FAST, "--out", same, "--xlsx", same)
    assert done.exit_code == 2
    assert "--xlsx: the same file as --out" in done.output and len(done.output.strip().splitlines()) == 1
    assert not same.exists()


def test_png_into_a_fresh_nested_folder_makes_it(invoke, scenario_file, tmp_path):
    slides = tmp_path / "deck" / "q3" / "charts"
    done = invoke("report", scenario_file, *FAST, "--out", tmp_path / "r.html", "--png", slides, "--quiet")
    assert done.exit_code == 0, done.output
    assert (slides / "arr.png").is_file()


def test_png_under_a_file_is_refused(invoke, scenario_file, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    done = invoke("report", scenario_file, *FAST, "--out", tmp_path / "r.html", "--png", tmp_path / "notes.txt" / "c")
    assert done.exit_code == 2
    assert "--png:" in done.output and len(done.output.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("option", [("--paths", "5"), ("--seed", "3"), ("--horizon", "2")])
def test_a_run_option_for_stored_runs_only_is_refused_not_ignored(invoke, scenario_file, tmp_path, option):
    assert invoke("run", scenario_file, *FAST, "--quiet").exit_code == 0
    out = tmp_path / "r.html"
    done = invoke("report", "1", *option, "--out", out)
    assert done.exit_code == 2
    assert f"{option[0]}:" in done.output and len(done.output.strip().splitlines()) == 1
    assert not out.exists()
