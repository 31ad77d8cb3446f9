"""Migrations between segments (SPEC 2.8): Monte-Carlo means against the exact recursion of
tests/engine/exact.py, company and segments, and the moves' own bookkeeping per path."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from saas_sim.engine.simulate import simulate, simulate_per_path
from saas_sim.model.scenario import Churn, Migration, Segment, Simulation
from tests.engine.exact import expected_cohorts, expected_series
from tests.engine.test_expectations import assert_mean_matches, make

COMPANY = [
    ("customers", "customers"),
    ("mrr", "mrr"),
    ("new_customers", "new"),
    ("churned_customers", "churned"),
    ("renewals_due", "renewals_due"),
    ("churned_mrr", "churned_mrr"),
    ("expansion_mrr", "expansion_mrr"),
    ("contraction_mrr", "contraction_mrr"),
    ("net_new_mrr", "net_new_mrr"),
    ("collections", "collections"),
    ("gross_profit", "gross_profit"),
    ("cs_cost", "cs_cost"),
    ("cash", "cash"),
]
SEGMENT = [
    ("customers", "customers"),
    ("mrr", "mrr"),
    ("new_customers", "new"),
    ("churned_customers", "churned"),
    ("renewals_due", "renewals_due"),
    ("expansion_mrr", "expansion_mrr"),
    ("collections", "collections"),
    ("gross_profit", "gross_profit"),
    ("cs_cost", "cs_cost"),
    ("migrated_in_customers", "migrated_in_customers"),
    ("migrated_out_customers", "migrated_out_customers"),
    ("migrated_in_mrr", "migrated_in_mrr"),
    ("migrated_out_mrr", "migrated_out_mrr"),
]


def smb(**changes) -> Segment:
    return dataclasses.replace(
        Segment(
            name="SMB",
            spend_share=0.7,
            cac=1_200.0,
            arpa_monthly=150.0,
            starting_customers=400,
            churn=Churn(monthly=0.04),
            expansion_monthly=0.01,
            contraction_monthly=0.004,
            gross_margin=0.8,
            retention_cost_monthly=5.0,
            referrals_monthly=0.01,
        ),
        **changes,
    )


def key_accounts(**changes) -> Segment:
    return dataclasses.replace(
        Segment(
            name="Key",
            spend_share=0.3,
            cac=20_000.0,
            arpa_monthly=2_000.0,
            starting_customers=25,
            starting_tenure_months=3,
            contract_months=12,
            billing="upfront",
            churn=Churn(annual=0.12, heterogeneity=0.3),
            expansion_monthly=0.005,
            gross_margin=0.7,
            retention_cost_monthly=150.0,
        ),
        **changes,
    )


def check_against_exact(scenario, *, sigmas: float = 5.0):
    """Every company and segment series of COMPANY and SEGMENT within ``sigmas`` standard errors of
    the exact mean; returns the paths ``(company, segments)``."""
    company, segments = simulate_per_path(scenario)
    exact = expected_series(scenario)
    for name, key in COMPANY:
        assert_mean_matches(company["series"][name], exact[key], name, sigmas)
    for seg in scenario.segments:
        for name, key in SEGMENT:
            assert_mean_matches(segments[seg.name]["series"][name], exact[f"{seg.name}.{key}"], f"{seg.name}.{name}")
    return company, segments


def test_upgrades_to_upfront_annual_key_accounts_agree_with_exact_recursion():
    """SMB accounts upgrade at 1 % a month to annual key-account contracts billed upfront, MRR x 8:
    the key-account segment collects a year at every move, the company counts the MRR change as
    expansion and neither a new account nor a churn."""
    sc = make(
        [smb(), key_accounts()],
        horizon=26,
        paths=3000,
        spend=40_000.0,
        growth=0.01,
    )
    sc = dataclasses.replace(sc, migrations=(Migration("SMB", "Key", 0.01, 8.0),))
    check_against_exact(sc)
    exact = expected_series(sc)
    # the upgrades carry a large expansion: 7 x the movers' MRR on top of the segments' own
    own = np.add(exact["SMB.expansion_mrr"], exact["Key.expansion_mrr"])
    moved = 7 * np.asarray(exact["SMB.migrated_out_mrr"])
    assert np.allclose(exact["expansion_mrr"], own + moved)


def test_two_rules_out_of_one_segment_apply_in_order_to_the_accounts_still_there():
    """SMB loses 5 % to Key and then 20 % of the rest to a cheaper Lite tier (MRR x 0.5: contraction)."""
    lite = smb(name="Lite", spend_share=0.0, starting_customers=0, arpa_monthly=60.0, referrals_monthly=0.0)
    sc = make([smb(spend_share=0.7), key_accounts(), lite], horizon=18, paths=3000, spend=30_000.0)
    sc = dataclasses.replace(sc, migrations=(Migration("SMB", "Key", 0.05, 5.0), Migration("SMB", "Lite", 0.2, 0.5)))
    exact = expected_series(sc)
    # the second rule sees what the first left: month 1's movers 400 (1 - h) x 0.05 and x 0.95 x 0.2
    survivors = 400 * 0.96
    assert exact["Key.migrated_in_customers"][0] == pytest.approx(survivors * 0.05)
    assert exact["Lite.migrated_in_customers"][0] == pytest.approx(survivors * 0.95 * 0.2)
    check_against_exact(sc)


def test_a_chain_moves_an_account_one_step_a_month():
    """A -> B -> C with the B -> C rule listed first: this month's arrivals in B do not move on until
    next month, so C receives nothing in month 1 however the rules are ordered."""
    a = smb(name="A", spend_share=1.0)
    b = smb(name="B", spend_share=0.0, starting_customers=0, churn=Churn(monthly=0.02), arpa_monthly=300.0)
    c = key_accounts(name="C", spend_share=0.0, starting_customers=0)
    sc = make([a, b, c], horizon=20, paths=3000, spend=20_000.0)
    sc = dataclasses.replace(sc, migrations=(Migration("B", "C", 0.1, 3.0), Migration("A", "B", 0.08, 1.5)))
    _, segments = check_against_exact(sc)
    assert (segments["C"]["series"]["migrated_in_customers"][:, 0] == 0).all()
    assert segments["B"]["series"]["migrated_in_customers"][:, 0].sum() > 0


def test_health_tiers_both_ways_agree_with_exact_recursion():
    """Healthy <-> at risk: 4 % of healthy accounts turn at risk (MRR x 0.9), 15 % of the at-risk
    recover (MRR x 1.1); the at-risk tier has a heterogeneous (sBG) churn from its own renewal 1."""
    healthy = smb(name="Healthy", spend_share=1.0, churn=Churn(monthly=0.01), starting_customers=500)
    at_risk = smb(
        name="At risk",
        spend_share=0.0,
        starting_customers=60,
        churn=Churn(monthly=0.12, heterogeneity=0.4),
        expansion_monthly=0.0,
        contraction_monthly=0.02,
        referrals_monthly=0.0,
    )
    sc = make([healthy, at_risk], horizon=24, paths=3000, spend=15_000.0)
    sc = dataclasses.replace(
        sc, migrations=(Migration("Healthy", "At risk", 0.04, 0.9), Migration("At risk", "Healthy", 0.15, 1.1))
    )
    check_against_exact(sc)


def test_moves_are_neither_new_nor_churn_and_every_bridge_holds_per_path():
    sc = make([smb(), key_accounts()], horizon=14, paths=300, spend=30_000.0)
    sc = dataclasses.replace(sc, migrations=(Migration("SMB", "Key", 0.05, 4.0), Migration("Key", "SMB", 0.02, 0.5)))
    company, segments = simulate_per_path(sc, workers=1)
    s = company["series"]
    seg = [segments[name]["series"] for name in ("SMB", "Key")]
    for name in ("customers", "new_customers", "churned_customers", "mrr", "new_mrr", "churned_mrr"):
        np.testing.assert_allclose(s[name], seg[0][name] + seg[1][name], rtol=1e-12, atol=1e-6, err_msg=name)
    moved_in = seg[0]["migrated_in_mrr"] + seg[1]["migrated_in_mrr"]
    moved_out = seg[0]["migrated_out_mrr"] + seg[1]["migrated_out_mrr"]
    np.testing.assert_array_equal(
        seg[0]["migrated_in_customers"] + seg[1]["migrated_in_customers"],
        seg[0]["migrated_out_customers"] + seg[1]["migrated_out_customers"],
    )
    own = (seg[0]["expansion_mrr"] + seg[1]["expansion_mrr"]) - (seg[0]["contraction_mrr"] + seg[1]["contraction_mrr"])
    np.testing.assert_allclose(
        s["expansion_mrr"] - s["contraction_mrr"], own + moved_in - moved_out, rtol=1e-9, atol=1e-6
    )
    for view in seg:
        np.testing.assert_allclose(
            view["net_new_mrr"],
            view["new_mrr"]
            + view["expansion_mrr"]
            - view["contraction_mrr"]
            - view["churned_mrr"]
            + view["migrated_in_mrr"]
            - view["migrated_out_mrr"],
            rtol=1e-12,
            atol=1e-6,
        )
    for view in seg:
        for name in ("migrated_in_customers", "migrated_out_customers", "migrated_in_mrr", "migrated_out_mrr"):
            assert (view[name] >= 0).all(), name


def cohort_tables_agree(scenario, which: str, runs: int = 16, sigmas: float = 6.0) -> None:
    """The run's cohort table ``which`` (3.3: a ratio of sums over paths) against the exact recursion's;
    its standard error from ``runs`` independent runs of the scenario's paths (batch means: with 15
    degrees of freedom a cell is off by 6 standard errors with probability 2e-5, about 0.2 % over a
    12-month table)."""
    logos, revenue = expected_cohorts(scenario)
    exact = {"logo_retention": logos, "revenue_retention": revenue}[which]
    paths = scenario.simulation.paths
    tables = [
        getattr(simulate(dataclasses.replace(scenario, simulation=Simulation(paths=paths, seed=seed))).cohorts, which)
        for seed in range(runs)
    ]
    for k in range(scenario.horizon_months):
        values = np.array([[np.nan if v is None else v for v in table[k]] for table in tables])  # (runs, tenures)
        mean = values.mean(axis=0)
        se = values.std(axis=0, ddof=1) / math.sqrt(runs)
        off = np.abs(mean - np.asarray(exact[k])) > sigmas * se + 1e-9
        assert not off.any(), f"{which} cohort {k + 1} tenure {np.flatnonzero(off)[0]}: {mean} vs {exact[k]}"


def test_movers_stay_in_their_signup_cohort():
    """3.3 with moves both ways (up x 3, back x 0.5): cohort k's logo retention at tenure a counts its
    accounts wherever they are, as the exact recursion that keeps every mover's cohort does."""
    up = key_accounts(contract_months=1, billing="monthly", churn=Churn(monthly=0.01))
    sc = dataclasses.replace(
        make([smb(), up], horizon=12, paths=500, spend=60_000.0),
        migrations=(Migration("SMB", "Key", 0.06, 3.0), Migration("Key", "SMB", 0.1, 0.5)),
    )
    cohort_tables_agree(sc, "logo_retention")


def test_revenue_retention_of_cohorts_with_moves_of_one_multiplier_and_one_mrr():
    """Moves one way at x 1 and one MRR per account in the source: cohort k's revenue retention too."""
    flat = {"expansion_monthly": 0.0, "contraction_monthly": 0.0}
    up = key_accounts(contract_months=1, billing="monthly", churn=Churn(monthly=0.01), **flat)
    sc = dataclasses.replace(
        make([smb(**flat), up], horizon=12, paths=500, spend=60_000.0),
        migrations=(Migration("SMB", "Key", 0.06, 1.0),),
    )
    cohort_tables_agree(sc, "revenue_retention")
