"""Scenario texts several test modules share."""

from __future__ import annotations


def doomed(starting_cash: str = "100k") -> str:
    """A plan that runs out of cash on every path within 12 months (by month 2 with the default cash)."""
    return f"""\
name: Doomed
horizon_months: 12
simulation: {{paths: 100, seed: 3}}
company: {{starting_cash: {starting_cash}, fixed_costs_monthly: 90k}}
acquisition: {{spend_monthly: 10k}}
segments:
  - name: SMB
    cac: 1_000
    arpa_monthly: 100
    starting_customers: 10
    churn: {{monthly: 0.05}}
    gross_margin: 0.8
"""
