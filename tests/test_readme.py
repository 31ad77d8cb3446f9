"""The README says what is true: its Quick start and its scenario example."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.io.scenario import parse_scenario

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_quick_start_holds_exactly_two_commands():
    block = re.search(r"```(?:bash)?\n(.*?)```", section("Quick start"), re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "saas-sim run scenarios/" in commands[0]
    assert "pytest" in commands[1]


def test_the_scenario_example_is_valid_and_runs():
    block = re.search(r"```yaml\n(.*?)```", section("The scenario format by example"), re.S).group(1)
    scenario = parse_scenario(block, "README.md")
    assert len(scenario.segments) == 2 and scenario.events and scenario.simulation.correlations
    small = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths=50))
    company, _ = simulate_per_path(small)
    assert np.isfinite(company["series"]["mrr"]).all()


def test_a_bigger_run_extends_a_smaller_one_path_for_path():
    """As the README says: the first 1,000 paths of a 2,000-path run are the 1,000-path run."""
    block = re.search(r"```yaml\n(.*?)```", section("The scenario format by example"), re.S).group(1)
    scenario = parse_scenario(block, "README.md")
    runs = {}
    for paths in (1000, 2000):
        sized = dataclasses.replace(
            scenario, horizon_months=6, simulation=dataclasses.replace(scenario.simulation, paths=paths)
        )
        runs[paths], _ = simulate_per_path(sized)
    for name, values in runs[1000]["series"].items():
        np.testing.assert_array_equal(runs[2000]["series"][name][:1000], values, err_msg=name)
