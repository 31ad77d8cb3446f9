"""What the store's tests share: a small two-segment scenario, its result, a store in tmp_path."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest

from saas_sim.analysis.run import run_scenario
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store

REPOSITORY = Path(__file__).resolve().parents[2]
SCENARIOS = REPOSITORY / "scenarios"

# Two segments (changed_fields matches them by name) and an event (matched by position).
ACME = """\
# Acme: the store's test scenario.
name: Acme
horizon_months: 12
currency: EUR
simulation:
  paths: 20
  seed: 3
company:
  starting_cash: 500k
  fixed_costs_monthly: 40k
acquisition:
  spend_monthly: 10k
segments:
  - name: SMB
    spend_share: 0.7
    cac: 1_000
    arpa_monthly: 100
    starting_customers: 50
    churn: {monthly: 3%}
    gross_margin: 80%
  - name: Enterprise
    spend_share: 0.3
    cac: 20k
    arpa_monthly: 2_000
    starting_customers: 5
    churn: {annual: 10%}
    gross_margin: 75%
events:
  - month: 6
    cash_in: 100k
"""


def renamed(text: str, name: str) -> str:
    """``text`` (a scenario file whose name is Acme) saved under another name."""
    assert "\nname: Acme\n" in text
    return text.replace("\nname: Acme\n", f"\nname: {json.dumps(name)}\n")


@pytest.fixture(scope="session")
def acme_result() -> dict:
    """ACME's result document (20 paths, 12 months); tests get a deep copy."""
    return run_scenario(parse_scenario(ACME))


@pytest.fixture
def result(acme_result: dict) -> dict:
    return copy.deepcopy(acme_result)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.db")


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of the database at ``path``, by a connection of its own."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
