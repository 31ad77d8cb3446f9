"""``saas-sim init``: a starter scenario that runs, never written over by accident."""

from __future__ import annotations

import json
from importlib import resources


def _template() -> str:
    return resources.files("saas_sim").joinpath("templates/starter.yaml").read_text(encoding="utf-8")


def test_init_writes_the_starter_and_names_the_next_command(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "scenario.yaml").read_text(encoding="utf-8") == _template()
    assert result.stdout.splitlines() == ["Wrote scenario.yaml. Next: saas-sim run scenario.yaml"]


def test_the_starter_runs(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init").exit_code == 0
    result = invoke("run", "scenario.yaml", "--paths", "200", "--json", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["paths"] == 200


def test_init_to_a_given_file(invoke, tmp_path):
    target = tmp_path / "my plan.yaml"
    result = invoke("init", target)
    assert result.exit_code == 0, result.stderr
    assert target.exists()
    assert result.stdout.strip().endswith(f"saas-sim run '{target}'")  # quoted: the name has a space


def test_init_refuses_to_overwrite(invoke, tmp_path):
    target = tmp_path / "scenario.yaml"
    target.write_text("mine\n")
    result = invoke("init", target)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"saas-sim: {target} already exists; pass --force to overwrite it"]
    assert target.read_text() == "mine\n"


def test_init_force_overwrites(invoke, tmp_path):
    target = tmp_path / "scenario.yaml"
    target.write_text("mine\n")
    result = invoke("init", target, "--force")
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == _template()


def test_init_into_a_missing_directory_is_two(invoke, tmp_path):
    result = invoke("init", tmp_path / "no" / "scenario.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("saas-sim: no such file or directory:")


def test_init_dash_prints_the_template(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "-")
    assert result.exit_code == 0
    assert result.stdout == _template()
    assert not (tmp_path / "-").exists()
