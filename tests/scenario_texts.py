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


# 1 % to 30 % churn: 63 % of paths never pay back CAC 2,000 (the p50 is never); ARPA 188 brings it to 24 months.
NEVER_MIX = """\
name: Never mix
horizon_months: 24
simulation: {paths: 2000, seed: 1}
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 10k}
segments:
  - name: SMB
    cac: 2000
    arpa_monthly: 100
    starting_customers: 50
    churn: {monthly: "1%..30%"}
    gross_margin: 0.8
"""

# Only 10 of 2,000 paths run out of cash: their cash-out month is no forecast.
FEW_OUT = """\
name: Few out
horizon_months: 36
simulation: {paths: 2000, seed: 3}
company: {starting_cash: 500k, fixed_costs_monthly: "10k..20k"}
acquisition: {spend_monthly: 5k}
segments:
  - name: SMB
    cac: 500
    arpa_monthly: 100
    starting_customers: 100
    churn: {monthly: 3%}
    gross_margin: 0.8
"""
