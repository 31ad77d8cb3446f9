"""Exit codes and error messages of SPEC 4: 0 success, 2 invalid input, 1 anything else."""

from __future__ import annotations

import pytest

from saas_sim import __version__
from saas_sim.engine import simulate as engine

FAST = ("--paths", "200")


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"saas-sim {__version__}\n"


@pytest.mark.parametrize("command", [[], ["run"], ["init"]])
def test_every_command_has_help(invoke, command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: saas-sim" in result.stdout


def test_success_is_zero(invoke, scenario_file):
    result = invoke("run", scenario_file, *FAST, "--quiet")
    assert result.exit_code == 0, result.stderr


def test_missing_file_is_two_with_one_line(invoke, tmp_path):
    result = invoke("run", tmp_path / "nope.yaml", *FAST)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("saas-sim: no such scenario file:")
    assert "nope.yaml" in lines[0]
    assert result.stdout == ""


def test_directory_is_two(invoke, tmp_path):
    result = invoke("run", tmp_path, *FAST)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_bad_yaml_is_two_naming_the_file_and_line(invoke, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon_months: 12\nsegments: [\n", encoding="utf-8")
    result = invoke("run", bad, *FAST)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:")
    assert "Traceback" not in result.stderr


def test_invalid_values_are_two_one_line_each(invoke, scenario_file):
    text = scenario_file.read_text().replace('churn: {monthly: "2%..4%"}', "churn: {monthly: 1.2}")
    text = text.replace("horizon_months: 14", "horizon_months: 500")
    scenario_file.write_text(text)
    result = invoke("run", scenario_file, *FAST)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert any(line.startswith(f"{scenario_file}:2 horizon_months:") for line in lines)
    assert any("segments[0].churn.monthly" in line and "1.2" in line for line in lines)


def test_unknown_option_is_two(invoke, scenario_file):
    result = invoke("run", scenario_file, "--bogus")
    assert result.exit_code == 2
    assert "--bogus" in result.stderr


def test_unknown_command_is_two(invoke):
    assert invoke("frobnicate").exit_code == 2


@pytest.mark.parametrize(("option", "value"), [
    ("--paths", "0"), ("--paths", "1000001"), ("--horizon", "0"), ("--horizon", "241"), ("--seed", "-1"),
])
def test_out_of_range_overrides_are_two(invoke, scenario_file, option, value):
    result = invoke("run", scenario_file, option, value)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"saas-sim {option}: must be a whole number")
    assert result.stderr.rstrip().endswith(f"got {value}")


def test_every_bad_override_is_reported_at_once(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "0", "--horizon", "999")
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["saas-sim --paths", "saas-sim --horizon"]


def test_non_number_paths_is_two(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "many")
    assert result.exit_code == 2
    assert "--paths" in result.stderr


def test_output_into_a_missing_directory_is_two_before_simulating(invoke, scenario_file, tmp_path, monkeypatch):
    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = invoke("run", scenario_file, "--json", tmp_path / "no" / "such" / "out.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("saas-sim --json: no such directory")


def test_json_and_csv_cannot_both_take_stdout(invoke, scenario_file):
    result = invoke("run", scenario_file, "--json", "-", "--csv", "-")
    assert result.exit_code == 2
    assert "stdout" in result.stderr


def _explode(self):
    raise RuntimeError("the engine broke")
    yield  # pragma: no cover - makes this a generator like the real one


def test_unexpected_failure_is_one_without_traceback(invoke, scenario_file, monkeypatch):
    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = invoke("run", scenario_file, *FAST)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "saas-sim: error: RuntimeError: the engine broke (run with --debug for the traceback)"]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_debug_shows_the_traceback(invoke, scenario_file, monkeypatch):
    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = invoke("--debug", "run", scenario_file, *FAST)
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: the engine broke" in result.stderr


def test_debug_from_the_environment(scenario_file, monkeypatch):
    from typer.testing import CliRunner

    from saas_sim.cli import app

    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = CliRunner().invoke(app, ["run", str(scenario_file)], env={"SAAS_SIM_DEBUG": "1"})
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr


def test_debug_keeps_the_input_exit_code(invoke, tmp_path):
    result = invoke("--debug", "run", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "saas-sim: no such scenario file" in result.stderr
