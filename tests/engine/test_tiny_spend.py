"""A month-1 spend near the smallest float, then a normal one: CAC without elasticity is the CAC (found by the tests of issue 18)."""

from __future__ import annotations

import numpy as np

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model.scenario import Acquisition, Churn, Company, Event, Scenario, Segment, Simulation


def test_a_tiny_month_one_spend_then_a_normal_one_does_not_diverge_without_elasticity():
    """Month-1 spend 2.2e-308 (the smallest normal float), then an event sets spend to 4 in month 2.
    With cac_elasticity 0, CAC_2 = cac = 500 (SPEC 2.4): 4 / 500 = 0.008 paid accounts expected.
    The kernel writes the rate as (spend_1 / cac) * (spend_t / spend_1) ** (1 - elasticity): spend_1 / cac
    is subnormal and spend_t / spend_1 overflows, and the run stops with SimulationDiverged
    ("would win over 1e+09 accounts in month 2")."""
    segment = Segment(name="S0", arpa_monthly=10.0, churn=Churn(monthly=0.0), gross_margin=0.5, cac=500.0)
    scenario = Scenario(
        name="tiny spend",
        horizon_months=2,
        company=Company(starting_cash=0.0, fixed_costs_monthly=0.0),
        acquisition=Acquisition(spend_monthly=2.2250738585072014e-308),
        segments=(segment,),
        events=(Event(month=2, set=(("acquisition.spend_monthly", 4.0),)),),
        simulation=Simulation(paths=1000, seed=0),
    )
    company, _ = simulate_per_path(scenario, workers=1)
    assert company["series"]["paid_new"][:, 1].mean() < 0.1
    assert np.isfinite(company["series"]["cash"]).all()


def test_a_tiny_month_one_spend_then_a_normal_one_with_elasticity_stays_finite():
    """With elasticity 0.5 the expected paid accounts are (spend_1 / cac) * (spend_2 / spend_1)^0.5: about
    1e-156 here, computed in logarithms; the ratio spend_2 / spend_1 alone would overflow."""
    segment = Segment(
        name="S0", arpa_monthly=10.0, churn=Churn(monthly=0.0), gross_margin=0.5, cac=500.0, cac_elasticity=0.5
    )
    scenario = Scenario(
        name="tiny spend",
        horizon_months=2,
        company=Company(starting_cash=0.0, fixed_costs_monthly=0.0),
        acquisition=Acquisition(spend_monthly=2.2250738585072014e-308),
        segments=(segment,),
        events=(Event(month=2, set=(("acquisition.spend_monthly", 4.0),)),),
        simulation=Simulation(paths=200, seed=0),
    )
    company, _ = simulate_per_path(scenario, workers=1)
    assert (company["series"]["paid_new"] == 0).all()
    assert np.isfinite(company["series"]["cash"]).all()
