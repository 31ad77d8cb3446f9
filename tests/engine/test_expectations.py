"""Monte-Carlo means against exact expectations, and the literature's worked examples."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.special import betaln

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    Event,
    Funnel,
    Scenario,
    Segment,
    Simulation,
    StartingCohort,
)
from tests.engine.exact import expected_series


def make(
    segments,
    *,
    horizon=24,
    paths=4000,
    seed=11,
    spend=0.0,
    growth=0.0,
    reinvest=0.0,
    events=(),
    cash=1_000_000.0,
    fixed=20_000.0,
) -> Scenario:
    return Scenario(
        name="test",
        horizon_months=horizon,
        company=Company(starting_cash=cash, fixed_costs_monthly=fixed),
        acquisition=Acquisition(spend_monthly=spend, spend_growth_monthly=growth, reinvest_gross_profit=reinvest),
        segments=tuple(segments),
        events=tuple(events),
        simulation=Simulation(paths=paths, seed=seed),
    )


def assert_mean_matches(samples: np.ndarray, exact: list[float], label: str, sigmas: float = 5.0) -> None:
    """Each month's Monte-Carlo mean within ``sigmas`` standard errors of the exact mean."""
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / math.sqrt(samples.shape[0])
    exact = np.asarray(exact)
    tolerance = sigmas * se + 1e-9 * (1 + np.abs(exact))
    bad = np.flatnonzero(np.abs(mean - exact) > tolerance)
    assert bad.size == 0, (
        f"{label}: month {bad[0] + 1} mean {mean[bad[0]]:.6g} vs exact {exact[bad[0]]:.6g} (se {se[bad[0]]:.3g})"
    )


def test_leaky_bucket_keeps_54_of_100_after_a_year():
    """100 customers at 5 % monthly churn keep 100 * 0.95^12 = 54.04; annual churn is 46 %."""
    seg = Segment(
        name="SMB", arpa_monthly=100.0, churn=Churn(monthly=0.05), gross_margin=0.8, cac=1000.0, starting_customers=100
    )
    company, _ = simulate_per_path(make([seg], horizon=12, paths=40_000))
    customers = company["series"]["customers"][:, -1]
    assert pytest.approx(54.036, abs=1e-3) == 100 * 0.95**12
    se = customers.std(ddof=1) / math.sqrt(customers.size)
    assert abs(customers.mean() - 100 * 0.95**12) < 5 * se
    annual = company["series"]["annualized_logo_churn"][:, -1]
    assert np.nanmean(annual) == pytest.approx(1 - 0.95**12, abs=0.01)


def test_cac_is_spend_over_new_customers():
    """100,000 spent for 50 customers is a CAC of 2,000."""
    seg = Segment(name="SMB", arpa_monthly=100.0, churn=Churn(monthly=0.02), gross_margin=0.8, cac=2000.0)
    company, _ = simulate_per_path(make([seg], horizon=12, paths=5000, spend=100_000.0))
    new = company["series"]["new_customers"]
    assert new.mean() == pytest.approx(50, rel=0.01)
    assert np.median(company["summary"]["cac"]) == pytest.approx(2000, rel=0.01)
    blended = company["series"]["acquisition_spend"].sum() / new.sum()
    assert blended == pytest.approx(2000, rel=0.005)


@pytest.mark.parametrize("contract_months", [1, 3, 12])
def test_ltv_simple_is_arpa_margin_over_churn(contract_months):
    seg = Segment(
        name="A",
        arpa_monthly=500.0,
        churn=Churn(monthly=0.04),
        gross_margin=0.75,
        cac=3000.0,
        contract_months=contract_months,
    )
    company, _ = simulate_per_path(make([seg], horizon=3, paths=10, spend=10_000.0))
    summary = company["summary"]
    assert summary["ltv_simple"] == pytest.approx(np.full(10, 500 * 0.75 / 0.04))
    assert summary["payback_months"] == pytest.approx(np.full(10, 3000 / (500 * 0.75)))


def test_ltv_with_a_long_horizon_approaches_arpa_over_churn():
    seg = Segment(name="A", arpa_monthly=500.0, churn=Churn(monthly=0.04), gross_margin=0.75, cac=3000.0)
    sc = make([seg], horizon=3, paths=10)
    sc = sc.__class__(**{**sc.__dict__, "company": Company(1e6, 0.0, ltv_horizon_months=600.0)})
    company, _ = simulate_per_path(sc)
    expected = 500 * 0.75 * (1 - 0.96**600) / 0.04
    assert company["summary"]["ltv"] == pytest.approx(np.full(10, expected))
    # payback with churn: smallest k >= 1 whose first k months of margin, sum_{j<k} 375 * 0.96^j, reach CAC
    k = next(k for k in range(1, 601) if 375 * (1 - 0.96**k) / 0.04 >= 3000)
    assert company["summary"]["payback_months_with_churn"][0] == k
    assert k > 3000 / 375  # churn makes it longer than 8 months of full margin


def test_heterogeneous_cohort_follows_sbg_survival():
    """Survivors of a cohort at renewal n are S(n) = B(a, b + n) / B(a, b) in expectation."""
    alpha, beta = 0.7, 4.0
    seg = Segment(
        name="A",
        arpa_monthly=100.0,
        churn=Churn(alpha=alpha, beta=beta),
        gross_margin=0.8,
        cac=100.0,
        starting_customers=1000,
    )
    company, _ = simulate_per_path(make([seg], horizon=24, paths=3000))
    n = np.arange(1, 25)
    survival = np.exp(betaln(alpha, beta + n) - betaln(alpha, beta))
    assert_mean_matches(company["series"]["customers"], list(1000 * survival), "customers")


def test_annual_renewals_spread_over_the_year():
    """An annual base of 120 renews 10 a month; nothing churns between renewals."""
    seg = Segment(
        name="E",
        arpa_monthly=1000.0,
        churn=Churn(annual=0.2),
        gross_margin=0.8,
        cac=10_000.0,
        starting_customers=120,
        contract_months=12,
    )
    company, _ = simulate_per_path(make([seg], horizon=24, paths=200))
    due = company["series"]["renewals_due"]
    assert (due[:, :12] == 10).all()
    churned = company["series"]["churned_customers"]
    assert (churned <= due).all()


def installed_base() -> list[Segment]:
    """A calibrated company's installed base (SPEC 2.1 ``starting_cohorts``): sBG monthly plans of mixed
    tenure, whose hazard falls with tenure, and annual contracts renewing in their own months."""
    monthly = Segment(
        name="Monthly",
        spend_share=0.7,
        cac=900.0,
        arpa_monthly=120.0,
        churn=Churn(alpha=0.8, beta=9.0),
        gross_margin=0.8,
        expansion_monthly=0.01,
        contraction_monthly=0.004,
        starting_customers=360,
        starting_mrr=52_500.0,
        starting_cohorts=(
            StartingCohort(0, 40, 4_800.0),
            StartingCohort(1, 60, 7_500.0),
            StartingCohort(7, 100, 14_000.0),
            StartingCohort(30, 150, 25_000.0),
            StartingCohort(7, 10, 1_200.0),  # a tenure given twice adds up
        ),
    )
    annual = Segment(
        name="Annual",
        spend_share=0.3,
        cac=6_000.0,
        arpa_monthly=900.0,
        churn=Churn(annual=0.2, heterogeneity=0.4),
        gross_margin=0.75,
        contract_months=12,
        billing="upfront",
        starting_customers=95,
        starting_mrr=84_000.0,
        starting_cohorts=(
            StartingCohort(11, 50, 40_000.0),  # renews in month 1
            StartingCohort(14, 30, 30_000.0),  # second renewal in month 10
            StartingCohort(35, 15, 14_000.0),  # third renewal in month 1
        ),
    )
    return [monthly, annual]


def test_starting_cohorts_renew_in_their_own_months_and_means_agree_with_exact_recursion():
    sc = make(installed_base(), horizon=26, paths=6000, spend=20_000.0)
    company, segments = simulate_per_path(sc)
    exact = expected_series(sc)
    annual = segments["Annual"]["series"]
    due = annual["renewals_due"]
    assert (due[:, 0] == 65).all() and (due[:, 9] == 30).all()  # tenure 11 and 35 in month 1, 14 in month 10
    assert (due[:, 1:9] == 0).all()  # no annual cohort of month 1..8 renews before month 13
    # upfront: a month collects only from accounts that renew or join in it
    collects = annual["collections"] > 0
    assert not (collects & (due == 0) & (annual["new_customers"] == 0)).any()
    assert collects[:, 0].all()
    for name, key in [
        ("customers", "customers"),
        ("mrr", "mrr"),
        ("churned_customers", "churned"),
        ("renewals_due", "renewals_due"),
        ("collections", "collections"),
        ("cash", "cash"),
    ]:
        assert_mean_matches(company["series"][name], exact[key], name)
    for seg in ("Monthly", "Annual"):
        for name, key in [("customers", "customers"), ("churned_customers", "churned"), ("mrr", "mrr")]:
            assert_mean_matches(segments[seg]["series"][name], exact[f"{seg}.{key}"], f"{seg}.{name}")


def test_the_installed_base_by_tenure_churns_as_its_tenure_says():
    """sBG churn falls with tenure: 100 accounts of tenure 30 lose fewer in month 1 than 100 of tenure 0.

    The same segment given as ``starting_customers`` would treat them all as tenure 0."""
    young = dataclasses.replace(
        installed_base()[0], spend_share=1.0, starting_cohorts=(StartingCohort(0, 1000, 100_000.0),),
        starting_customers=1000, starting_mrr=100_000.0,
    )  # fmt: skip
    old = dataclasses.replace(young, starting_cohorts=(StartingCohort(30, 1000, 100_000.0),))
    churned = {}
    for label, segment in (("young", young), ("old", old)):
        sc = make([segment], horizon=3, paths=2000)
        company, _ = simulate_per_path(sc)
        churned[label] = company["series"]["churned_customers"][:, 0].mean()
        assert churned[label] == pytest.approx(expected_series(sc)["churned"][0], rel=0.03)
    # h(1) = alpha / (alpha + beta) = 8.2 %; h(31) = alpha / (alpha + beta + 30) = 2.0 %
    assert churned["young"] == pytest.approx(1000 * 0.8 / 9.8, rel=0.03)
    assert churned["old"] == pytest.approx(1000 * 0.8 / 39.8, rel=0.05)


BASE_SEGMENTS = [
    Segment(
        name="SMB",
        spend_share=0.6,
        cac=1500.0,
        cac_elasticity=0.0,
        arpa_monthly=300.0,
        starting_customers=250,
        churn=Churn(monthly=0.04, heterogeneity=0.3),
        expansion_monthly=0.02,
        contraction_monthly=0.005,
        gross_margin=0.8,
        retention_cost_monthly=15.0,
        referrals_monthly=0.01,
    ),
    Segment(
        name="Enterprise",
        spend_share=0.4,
        funnel=Funnel(cost_per_lead=400.0, lead_to_trial=0.2, trial_to_paid=0.25),
        arpa_monthly=4000.0,
        starting_customers=30,
        starting_mrr=100_000.0,
        starting_tenure_months=5,
        contract_months=12,
        billing="upfront",
        churn=Churn(annual=0.15),
        gross_margin=0.7,
        retention_cost_monthly=200.0,
    ),
]


@pytest.mark.parametrize("reinvest,elasticity", [(0.0, 0.3), (0.25, 0.0)])
def test_means_agree_with_exact_recursion(reinvest, elasticity):
    smb = BASE_SEGMENTS[0].__class__(**{**BASE_SEGMENTS[0].__dict__, "cac_elasticity": elasticity})
    events = [
        Event(month=7, set=(("segments.SMB.churn.monthly", 0.025), ("acquisition.spend_monthly", 90_000.0))),
        Event(month=10, cash_in=500_000.0),
        Event(month=13, set=(("segments.Enterprise.churn.annual", 0.1), ("segments.SMB.arpa_monthly", 350.0))),
    ]
    sc = make(
        [smb, BASE_SEGMENTS[1]], horizon=30, paths=6000, spend=60_000.0, growth=0.02, reinvest=reinvest, events=events
    )
    company, segments = simulate_per_path(sc)
    exact = expected_series(sc)
    series = company["series"]
    for name, key in [
        ("customers", "customers"),
        ("mrr", "mrr"),
        ("churned_customers", "churned"),
        ("renewals_due", "renewals_due"),
        ("new_customers", "new"),
        ("collections", "collections"),
        ("gross_profit", "gross_profit"),
        ("cs_cost", "cs_cost"),
        ("cash", "cash"),
        ("acquisition_spend", "spend"),
        ("expansion_mrr", "expansion_mrr"),
        ("churned_mrr", "churned_mrr"),
    ]:
        assert_mean_matches(series[name], exact[key], name)
    for seg in ("SMB", "Enterprise"):
        for name, key in [("customers", "customers"), ("mrr", "mrr"), ("collections", "collections")]:
            assert_mean_matches(segments[seg]["series"][name], exact[f"{seg}.{key}"], f"{seg}.{name}")


def test_a_fixed_cac_replaces_the_funnel_until_a_funnel_field_changes():
    seg = Segment(
        name="A",
        funnel=Funnel(cost_per_lead=50.0, lead_to_trial=0.25, trial_to_paid=0.2),
        arpa_monthly=100.0,
        churn=Churn(monthly=0.02),
        gross_margin=0.8,
    )
    events = [
        Event(month=3, set=(("segments.A.cac", 400.0),)),
        Event(month=5, set=(("segments.A.funnel.trial_to_paid", 0.1),)),
    ]
    sc = make([seg], horizon=8, paths=4000, spend=40_000.0, events=events)
    company, _ = simulate_per_path(sc)
    exact = expected_series(sc)
    assert exact["new"][:4] == pytest.approx([40, 40, 100, 100]) and exact["new"][4] == pytest.approx(20)
    assert_mean_matches(company["series"]["new_customers"], exact["new"], "new_customers")
