"""The example scenarios shipped with saas-sim (``scenarios/`` in the repository).

They are package data, so that an installed saas-sim can start a new
scenario from one of them (the TUI's "new").
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from saas_sim.io.scenario import parse_scenario


@dataclass(frozen=True)
class Example:
    file_name: str  # "starter.yaml"
    name: str  # the scenario's name
    description: str  # the scenario's description (may be empty)
    text: str  # the file as written


def examples() -> list[Example]:
    """Every example scenario, the starter first, then by file name."""
    folder = resources.files("saas_sim").joinpath("examples")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: (e.name != "starter.yaml", e.name)):
        if entry.name.endswith(".yaml"):
            text = entry.read_text(encoding="utf-8")
            scenario = parse_scenario(text, entry.name)
            found.append(Example(entry.name, scenario.name, scenario.description or "", text))
    return found
