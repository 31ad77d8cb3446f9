"""Hypothesis properties of the engine over generated scenarios."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    Distribution,
    Event,
    Funnel,
    Scenario,
    Segment,
    Simulation,
)


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Normal-sized floats only: subnormals underflow when money is scaled, which is not the model's doing."""
    return st.floats(low, high, allow_subnormal=False)


fraction = floats(0.0, 0.3)
money = floats(1.0, 1_000.0)


def amounts(high: float, low: float = 0.0) -> st.SearchStrategy[float]:
    """Zero or a normal-sized amount (no subnormals: scaling them underflows)."""
    return st.one_of(st.just(0.0), floats(max(low, 1.0), high))


@st.composite
def churns(draw):
    kind = draw(st.sampled_from(["monthly", "annual", "sbg"]))
    if kind == "sbg":
        return Churn(alpha=draw(floats(0.1, 5.0)), beta=draw(floats(0.5, 20.0)))
    het = draw(st.sampled_from([0.0, 0.0, 0.2, 0.6]))
    rate = draw(floats(0.0, 0.5))
    return Churn(monthly=rate, heterogeneity=het) if kind == "monthly" else Churn(annual=rate, heterogeneity=het)


@st.composite
def segments(draw, name: str, share: float):
    uncertain_arpa = draw(st.booleans())
    arpa = draw(money)
    use_funnel = draw(st.booleans())
    starting = draw(st.integers(0, 60))
    return Segment(
        name=name,
        spend_share=share,
        cac=None if use_funnel else draw(floats(1_000.0, 20_000.0)),
        funnel=Funnel(draw(floats(1_000.0, 2_000.0)), draw(floats(0.05, 1.0)), draw(floats(0.05, 1.0)))
        if use_funnel
        else None,
        cac_elasticity=draw(st.sampled_from([0.0, 0.0, 0.5])),
        arpa_monthly=Distribution("lognormal", (("p5", arpa), ("p95", 2 * arpa))) if uncertain_arpa else arpa,
        starting_customers=starting,
        starting_tenure_months=draw(st.integers(0, 30)),
        contract_months=draw(st.sampled_from([1, 1, 3, 12])),
        billing=draw(st.sampled_from(["monthly", "upfront"])),
        churn=draw(churns()),
        expansion_monthly=draw(
            st.one_of(floats(0.0, 0.05), st.just(Distribution("uniform", (("low", 0.0), ("high", 0.04)))))
        ),
        contraction_monthly=draw(
            st.one_of(floats(0.0, 0.05), st.just(Distribution("normal", (("mean", 0.01), ("sd", 0.005)))))
        ),
        gross_margin=draw(floats(0.0, 1.0)),
        retention_cost_monthly=draw(amounts(50.0)),
        referrals_monthly=draw(st.sampled_from([0.0, 0.0, 0.02])),
    )


@st.composite
def engine_scenarios(draw):
    n = draw(st.integers(1, 3))
    shares = [0.5, 0.25, 0.25][:n] if n > 1 else [1.0]
    if n == 2:
        shares = [0.5, 0.5]
    segs = tuple(draw(segments(f"S{i}", shares[i])) for i in range(n))
    horizon = draw(st.integers(1, 30))
    events = []
    if draw(st.booleans()) and horizon > 1:
        month = draw(st.integers(1, horizon))
        events.append(
            Event(
                month=month,
                set=(
                    (
                        f"segments.S0.churn.{'monthly' if segs[0].churn.monthly is not None else 'annual' if segs[0].churn.annual is not None else 'alpha'}",
                        draw(floats(0.01, 0.4)),
                    ),
                    ("acquisition.spend_monthly", draw(amounts(100_000.0))),
                ),
            )
        )
        events.append(Event(month=draw(st.integers(1, horizon)), cash_in=draw(amounts(1e6))))
    return Scenario(
        name="generated",
        horizon_months=horizon,
        company=Company(
            starting_cash=draw(st.one_of(amounts(2e6), floats(-1e5, -1.0))), fixed_costs_monthly=draw(amounts(1e5))
        ),
        acquisition=Acquisition(
            spend_monthly=draw(amounts(100_000.0)),
            spend_growth_monthly=draw(floats(-0.05, 0.1)),
            reinvest_gross_profit=draw(fraction),
        ),
        segments=segs,
        events=tuple(sorted(events, key=lambda e: e.month)),
        simulation=Simulation(paths=draw(st.integers(1, 40)), seed=draw(st.integers(0, 2**32))),
    )


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def accounts_at_month_start(s):
    """customers_{t-1}, month 0 recovered from month 1's movements (independently of the engine)."""
    month0 = s["customers"][:, :1] - s["new_customers"][:, :1] + s["churned_customers"][:, :1]
    return np.concatenate([month0, s["customers"][:, :-1]], axis=1)


def all_views(company, segments):
    yield "company", company
    yield from segments.items()


@SETTINGS
@given(engine_scenarios())
def test_mrr_bridge_holds_exactly_on_every_path(scenario):
    company, segments = simulate_per_path(scenario, workers=1)
    for label, view in all_views(company, segments):
        s = view["series"]
        mrr, net_new = s["mrr"], s["net_new_mrr"]
        start = mrr[:, 0] - net_new[:, 0]
        assert np.array_equal(mrr[:, 1:], mrr[:, :-1] + net_new[:, 1:]), label
        assert np.array_equal(net_new, s["new_mrr"] + s["expansion_mrr"] - s["contraction_mrr"] - s["churned_mrr"]), (
            label
        )
        assert np.all(np.isfinite(start))


@SETTINGS
@given(engine_scenarios())
def test_counts_never_negative_and_churn_bounded_by_accounts_at_risk(scenario):
    company, segments = simulate_per_path(scenario, workers=1)
    for label, view in all_views(company, segments):
        s = view["series"]
        for name in ("customers", "new_customers", "paid_new", "referral_new", "churned_customers", "renewals_due"):
            assert (s[name] >= 0).all(), (label, name)
            assert np.array_equal(s[name], np.round(s[name])), (label, name)
        assert (s["churned_customers"] <= s["renewals_due"]).all(), label
        customers_before = accounts_at_month_start(s)
        assert (s["renewals_due"] <= customers_before).all(), label
        assert np.array_equal(s["new_customers"], s["paid_new"] + s["referral_new"])
        scale = 1 + np.abs(s["mrr"]).max()
        assert (s["mrr"] >= -1e-9 * scale).all(), label


@SETTINGS
@given(engine_scenarios())
def test_renewals_only_at_contract_boundaries(scenario):
    _, segments = simulate_per_path(scenario, workers=1)
    H = scenario.horizon_months
    for seg in scenario.segments:
        s = segments[seg.name]["series"]
        C = seg.contract_months
        n0 = seg.starting_customers
        sizes = [n0 // C + (1 if j < n0 % C else 0) for j in range(C)]
        for t in range(1, H + 1):
            possible = sum(size for j, size in enumerate(sizes) if (seg.starting_tenure_months + j + t) % C == 0)
            possible = possible + sum(s["new_customers"][:, k - 1] for k in range(1, t) if (t - k) % C == 0)
            assert (s["renewals_due"][:, t - 1] <= possible).all(), (seg.name, t)


@SETTINGS
@given(engine_scenarios())
def test_same_seed_reproduces_whatever_the_threads(scenario):
    scenario = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths=2500))
    one, _ = simulate_per_path(scenario, workers=1)
    two, _ = simulate_per_path(scenario, workers=2)
    for name in one["series"]:
        assert np.array_equal(one["series"][name], two["series"][name], equal_nan=True), name
    for name in one["summary"]:
        assert np.array_equal(one["summary"][name], two["summary"][name], equal_nan=True), name


MONEY_SERIES = (
    "mrr",
    "arr",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "net_new_mrr",
    "acquisition_spend",
    "revenue",
    "gross_profit",
    "cs_cost",
    "collections",
    "cac",
    "paid_cac",
    "fixed_costs",
    "cash",
    "net_burn",
)
COUNT_OR_RATIO_SERIES = (
    "customers",
    "new_customers",
    "churned_customers",
    "renewals_due",
    "logo_churn_rate",
    "nrr_monthly",
    "grr_monthly",
    "nrr_12m",
    "grr_12m",
    "quick_ratio",
    "renewal_rate",
)


def scale_money(scenario: Scenario, k: float) -> Scenario:
    def seg(s: Segment) -> Segment:
        def mul(v):
            return (
                None
                if v is None
                else (
                    Distribution(v.dist, tuple((n, x * k) for n, x in v.params))
                    if isinstance(v, Distribution)
                    else v * k
                )
            )

        funnel = dataclasses.replace(s.funnel, cost_per_lead=s.funnel.cost_per_lead * k) if s.funnel else None
        return dataclasses.replace(
            s,
            cac=mul(s.cac),
            funnel=funnel,
            arpa_monthly=mul(s.arpa_monthly),
            starting_mrr=mul(s.starting_mrr),
            retention_cost_monthly=s.retention_cost_monthly * k,
        )

    def event(e: Event) -> Event:
        changes = tuple((p, v * k if p == "acquisition.spend_monthly" else v) for p, v in e.set)
        return dataclasses.replace(e, set=changes, cash_in=None if e.cash_in is None else e.cash_in * k)

    return dataclasses.replace(
        scenario,
        company=dataclasses.replace(
            scenario.company,
            starting_cash=scenario.company.starting_cash * k,
            fixed_costs_monthly=scenario.company.fixed_costs_monthly * k,
        ),
        acquisition=dataclasses.replace(scenario.acquisition, spend_monthly=scenario.acquisition.spend_monthly * k),
        segments=tuple(seg(s) for s in scenario.segments),
        events=tuple(event(e) for e in scenario.events),
    )


@SETTINGS
@given(engine_scenarios(), st.sampled_from([0.25, 4.0, 1024.0]))
def test_scaling_all_money_scales_money_outputs_and_keeps_ratios(scenario, k):
    base, _ = simulate_per_path(scenario, workers=1)
    scaled, _ = simulate_per_path(scale_money(scenario, k), workers=1)
    for name in MONEY_SERIES:
        np.testing.assert_allclose(
            scaled["series"][name], k * base["series"][name], rtol=1e-9, atol=1e-6 * k, err_msg=name
        )
    for name in COUNT_OR_RATIO_SERIES:
        np.testing.assert_allclose(scaled["series"][name], base["series"][name], rtol=1e-9, atol=1e-12, err_msg=name)
    for name in ("ltv_cac", "payback_months", "payback_months_with_churn", "customers_end"):
        np.testing.assert_allclose(scaled["summary"][name], base["summary"][name], rtol=1e-9, err_msg=name)
    # Running out of cash is "cash < 0": a path whose lowest cash is zero but for rounding (every flow
    # nets to nothing) is decided by the last bit, which a scaled uncertain value (a lognormal's
    # logarithm) may flip. Every other path keeps its verdict.
    cash = base["series"]["cash"]
    clear = np.abs(base["summary"]["cash_min"]) > 1e-9 * np.maximum(1.0, np.abs(cash).max(axis=1))
    np.testing.assert_array_equal(scaled["summary"]["out_of_cash"][clear], base["summary"]["out_of_cash"][clear])


@SETTINGS
@given(engine_scenarios())
def test_annualized_churn_compounds_the_monthly_rates(scenario):
    company, _ = simulate_per_path(scenario, workers=1)
    s = company["series"]
    H = scenario.horizon_months
    customers_before = accounts_at_month_start(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(customers_before > 0, s["churned_customers"] / customers_before, np.nan)
    for t in range(12, H + 1):
        expected = 1 - np.prod(1 - rate[:, t - 12 : t], axis=1)
        np.testing.assert_allclose(s["annualized_logo_churn"][:, t - 1], expected, rtol=1e-12, equal_nan=True)
    if H < 12:
        assert np.isnan(s["annualized_logo_churn"]).all()
