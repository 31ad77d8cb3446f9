"""Scenario files for the command-line tests: small, fast, and free of scipy-backed distributions."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from saas_sim.cli import app

# Two segments, an annual contract, an uncertain churn (lognormal: no scipy) and a
# funding event; 14 months so that the 12-month metrics are defined.
TWO_SEGMENTS = """\
name: Two segments
horizon_months: 14
currency: EUR
simulation:
  paths: 5000
  seed: 11
company:
  starting_cash: 400k
  fixed_costs_monthly: 60k
acquisition:
  spend_monthly: 30k
segments:
  - name: "SMB [pro]"
    spend_share: 0.6
    cac: 1_500
    arpa_monthly: 200
    starting_customers: 150
    churn: {monthly: "2%..4%"}
    expansion_monthly: 1%
    gross_margin: 0.8
  - name: Enterprise
    spend_share: 0.4
    cac: 20k
    arpa_monthly: 2_500
    starting_customers: 10
    contract_months: 12
    billing: upfront
    churn: {annual: 0.1, heterogeneity: 0.2}
    gross_margin: 0.75
events:
  - month: 6
    cash_in: 500k
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "two-segments.yaml"
    path.write_text(TWO_SEGMENTS, encoding="utf-8")
    return path


@pytest.fixture
def invoke():
    """Run the app in-process: ``invoke("run", "x.yaml", "--quiet")`` -> click Result."""
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(app, [str(a) for a in args])

    return run
