"""Retention "at the end" of a company that shut down for want of cash reads its last month open (issue 18)."""

from __future__ import annotations

import dataclasses

import numpy as np

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model.scenario import Acquisition, Churn, Company, Scenario, Segment, Simulation


def closing_scenario(policy: str) -> Scenario:
    """A company that runs out of cash around month 20 on every path: churn 4 % a month, no acquisition."""
    return Scenario(
        name="closing",
        horizon_months=36,
        company=Company(starting_cash=900_000.0, fixed_costs_monthly=80_000.0, when_out_of_cash=policy),  # type: ignore[arg-type]
        acquisition=Acquisition(0.0),
        segments=(
            Segment(
                "A",
                arpa_monthly=100.0,
                cac=1000.0,
                churn=Churn(monthly=0.04),
                gross_margin=0.8,
                starting_customers=500,
                expansion_monthly=0.01,
            ),
        ),
        simulation=Simulation(paths=60, seed=3),
    )


def test_retention_at_the_end_of_a_closed_company_is_its_last_month_open():
    company, segments = simulate_per_path(closing_scenario("shut_down"))
    series, summary = company["series"], company["summary"]
    cash = series["cash"]
    first_negative = np.argmax(cash < 0, axis=1)  # the column of the month it closes
    assert (cash < 0).any(axis=1).all() and (first_negative >= 12).all() and (first_negative < 34).all()
    rows = np.arange(cash.shape[0])
    for name in ("annualized_logo_churn", "nrr_12m", "grr_12m"):
        at_close = series[name][rows, first_negative]
        np.testing.assert_array_equal(summary[f"{name}_end"], at_close, err_msg=name)
        np.testing.assert_array_equal(segments["A"]["summary"][f"{name}_end"], at_close, err_msg=name)
        # at H the company is long gone: the series says nothing there
        assert np.isnan(series[name][:, -1]).all(), name
    # what it kept while it ran: 4 % a month is 1 - 0.96^12 a year
    np.testing.assert_allclose(np.median(summary["annualized_logo_churn_end"]), 1 - 0.96**12, atol=0.03)


def test_a_company_that_goes_on_reads_retention_at_the_horizon():
    scenario = closing_scenario("continue")
    company, _ = simulate_per_path(dataclasses.replace(scenario))
    for name in ("annualized_logo_churn", "nrr_12m", "grr_12m"):
        np.testing.assert_array_equal(company["summary"][f"{name}_end"], company["series"][name][:, -1])
