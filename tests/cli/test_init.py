"""``saas-sim init``: a starter scenario that runs, never written over by accident."""

from __future__ import annotations

import json
from importlib import resources

import pytest


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


def _arr_end(invoke, path) -> float:
    result = invoke("run", path, "--paths", "200", "--json", "-", "--no-save")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["summary"]["arr_end"]["p50"]


def test_the_starter_changes_no_number_behind_the_users_back(invoke, tmp_path):
    """The template carries no active event or cash-in: the price a founder types is the price simulated."""
    from saas_sim.io.scenario import parse_scenario

    scenario = parse_scenario(_template(), "starter.yaml")
    assert scenario.events == ()
    base, doubled = tmp_path / "base.yaml", tmp_path / "doubled.yaml"
    base.write_text(_template(), encoding="utf-8")
    assert "    arpa_monthly: 300 " in _template()
    doubled.write_text(_template().replace("    arpa_monthly: 300 ", "    arpa_monthly: 600 "), encoding="utf-8")
    assert _arr_end(invoke, doubled) == pytest.approx(2 * _arr_end(invoke, base), rel=1e-9)


def test_the_starters_commented_events_are_a_working_example(invoke, tmp_path):
    """Uncommenting the example events (strip '# ' from the events block) gives a valid scenario
    with a change of a field and a cash-in."""
    from saas_sim.io.scenario import parse_scenario

    text = _template()
    head, block = text[: text.index("# events:")], text[text.index("# events:") :]
    uncommented = head + "".join(
        line[2:] + "\n" if line.startswith("# ") else line + "\n" for line in block.splitlines()
    )
    scenario = parse_scenario(uncommented, "starter.yaml")
    assert len(scenario.events) >= 2
    assert any(event.set for event in scenario.events)
    assert any(event.cash_in for event in scenario.events)
    path = tmp_path / "with-events.yaml"
    path.write_text(uncommented, encoding="utf-8")
    assert _arr_end(invoke, path) > 0
