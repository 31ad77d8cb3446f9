"""The engine's p10/p50/p90 against a plain independent simulation, in probability space.

For each checked series and month, the engine's percentile q is a point on
the value axis; the share of the independent simulation's paths below q
(strictly below plus half the ties) must match the engine's own share below
q (which is the percentile's level, up to ties and 1/N).  Under a correct
engine the difference is binomial noise of both samples:
sd = sqrt(p (1 - p) (1/N_e + 1/N_i)).  A kernel that gets the means right
but the spread wrong (random numbers shared between groups or segments, a
variance lost in an aggregation) moves p10 and p90 by many such sds.

Seeds are fixed (the engine's and the independent simulation's own, unrelated),
so each test is deterministic; the tolerance is Bonferroni-corrected so that
a correct engine with a new random stream fails one test with probability
below 1e-3.  The last tests show the check has power: a churn 20 % too high,
a spread 20 % too narrow with the same means, or two segments drawing the
same random numbers, fails it.  The percentiles are numpy's linear ones over
the engine's paths, as the engine's own statistics define them.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import numpy as np
from scipy.special import ndtri

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    CustomerSuccess,
    Distribution,
    Funding,
    Migration,
    Program,
    Scenario,
    Segment,
    Simulation,
)
from tests.engine import test_expectations
from tests.engine.exact import expected_series
from tests.engine.independent import simulate_independent

ENGINE_PATHS = 8000  # N_e
INDEPENDENT_PATHS = 8000  # N_i
ENGINE_SEED = 20261202
INDEPENDENT_SEED = 918_273_645
LEVELS = (0.10, 0.50, 0.90)
FAMILY_ALPHA = 1e-3  # chance that a correct engine fails one test
MIN_SIGMAS = 4.5


def sbg_monthly() -> Scenario:
    """(a) monthly plans with sBG churn, expansion, reinvested gross profit and CAC elasticity."""
    segment = Segment(
        name="Self-serve",
        arpa_monthly=90.0,
        churn=Churn(monthly=0.045, heterogeneity=0.35),
        gross_margin=0.8,
        cac=900.0,
        cac_elasticity=0.3,
        starting_customers=400,
        expansion_monthly=0.015,
        contraction_monthly=0.004,
        retention_cost_monthly=4.0,
    )
    return Scenario(
        name="sBG monthly",
        horizon_months=36,
        company=Company(starting_cash=600_000.0, fixed_costs_monthly=30_000.0),
        acquisition=Acquisition(spend_monthly=12_000.0, spend_growth_monthly=0.01, reinvest_gross_profit=0.25),
        segments=(segment,),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


def annual_upfront() -> Scenario:
    """(b) annual contracts billed upfront, 150 starting customers in 12 groups (tenures 6..17) renewing over the year."""
    segment = Segment(
        name="Annual",
        arpa_monthly=1_500.0,
        churn=Churn(annual=0.22, heterogeneity=0.25),
        gross_margin=0.75,
        cac=12_000.0,
        starting_customers=150,
        starting_mrr=240_000.0,
        starting_tenure_months=6,
        contract_months=12,
        billing="upfront",
        expansion_monthly=0.008,
        retention_cost_monthly=60.0,
    )
    return Scenario(
        name="Annual upfront",
        horizon_months=36,
        company=Company(starting_cash=1_500_000.0, fixed_costs_monthly=180_000.0),
        acquisition=Acquisition(spend_monthly=45_000.0, spend_growth_monthly=0.015),
        segments=(segment,),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


def three_segments() -> Scenario:
    """(c) three segments: monthly with referrals and an uncertain churn, annual billed monthly, annual upfront."""
    smb = Segment(
        name="SMB",
        spend_share=0.55,
        arpa_monthly=80.0,
        churn=Churn(monthly=Distribution("lognormal", (("p5", 0.025), ("p95", 0.05)))),
        gross_margin=0.82,
        cac=700.0,
        starting_customers=500,
        expansion_monthly=0.005,
        retention_cost_monthly=2.0,
        referrals_monthly=0.01,
    )
    mid = Segment(
        name="Mid",
        spend_share=0.3,
        arpa_monthly=600.0,
        churn=Churn(annual=0.25, heterogeneity=0.3),
        gross_margin=0.78,
        cac=5_000.0,
        starting_customers=61,
        contract_months=12,
        expansion_monthly=0.01,
        contraction_monthly=0.003,
    )
    enterprise = Segment(
        name="Enterprise",
        spend_share=0.15,
        arpa_monthly=4_000.0,
        churn=Churn(annual=0.12),
        gross_margin=0.7,
        cac=30_000.0,
        starting_customers=20,
        starting_tenure_months=12,
        contract_months=12,
        billing="upfront",
        retention_cost_monthly=150.0,
    )
    return Scenario(
        name="Three segments",
        horizon_months=24,
        company=Company(starting_cash=2_000_000.0, fixed_costs_monthly=150_000.0),
        acquisition=Acquisition(spend_monthly=60_000.0, spend_growth_monthly=0.02),
        segments=(smb, mid, enterprise),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


def twins() -> Scenario:
    """(d) two identical segments with fixed inputs: their sum's spread doubles if they share random numbers."""
    twin = Segment(
        name="East",
        spend_share=0.5,
        arpa_monthly=200.0,
        churn=Churn(monthly=0.06, heterogeneity=0.2),
        gross_margin=0.8,
        cac=1_500.0,
        starting_customers=300,
        referrals_monthly=0.01,
    )
    return Scenario(
        name="Twins",
        horizon_months=24,
        company=Company(starting_cash=500_000.0, fixed_costs_monthly=40_000.0),
        acquisition=Acquisition(spend_monthly=30_000.0),
        segments=(twin, dataclasses.replace(twin, name="West")),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


def installed_base() -> Scenario:
    """(e) a calibrated company's installed base by tenure (``starting_cohorts``): monthly plans whose sBG
    hazard depends on each group's tenure, annual upfront contracts renewing in their own months."""
    monthly, annual = test_expectations.installed_base()
    monthly = dataclasses.replace(monthly, churn=Churn(monthly=0.06, heterogeneity=0.5))
    return Scenario(
        name="Installed base",
        horizon_months=24,
        company=Company(starting_cash=800_000.0, fixed_costs_monthly=60_000.0),
        acquisition=Acquisition(spend_monthly=25_000.0),
        segments=(monthly, annual),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


def shut_down_funded() -> Scenario:
    """(f) shut_down with funding rounds (SPEC 2.5): an uncertain churn spreads the paths' cash, about half
    of them close (their accounts, MRR and collections 0, cash frozen), a round of 400k closes with
    probability 0.5 two months after cash falls under 150k, at most twice."""
    segment = Segment(
        name="Self-serve",
        arpa_monthly=120.0,
        churn=Churn(monthly=Distribution("lognormal", (("p5", 0.03), ("p95", 0.08)))),
        gross_margin=0.8,
        cac=1_000.0,
        starting_customers=600,
        expansion_monthly=0.01,
        retention_cost_monthly=3.0,
        referrals_monthly=0.01,
    )
    return Scenario(
        name="Shut down, funded",
        horizon_months=30,
        company=Company(
            starting_cash=300_000.0,
            fixed_costs_monthly=62_000.0,
            when_out_of_cash="shut_down",
            funding=Funding(below_cash=150_000.0, amount=400_000.0, probability=0.5, months_to_close=2, max_rounds=2),
        ),
        acquisition=Acquisition(spend_monthly=30_000.0, spend_growth_monthly=0.02),
        segments=(segment,),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


def stop_acquisition_moves() -> Scenario:
    """(g) stop_acquisition with migrations, a program and customer-success managers (SPEC 2.5, 2.7, 2.8):
    SMB accounts upgrade to annual upfront key accounts (MRR x 8) and fall into an at-risk tier (x 0.9)
    that recovers at 20 % a month; a program on the key and at-risk accounts from month 4 to 15."""
    smb = Segment(
        name="SMB",
        spend_share=0.8,
        cac=1_200.0,
        arpa_monthly=150.0,
        starting_customers=400,
        churn=Churn(monthly=Distribution("lognormal", (("p5", 0.025), ("p95", 0.06)))),
        expansion_monthly=0.01,
        contraction_monthly=0.004,
        gross_margin=0.8,
        retention_cost_monthly=5.0,
        referrals_monthly=0.01,
    )
    key = Segment(
        name="Key",
        spend_share=0.2,
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
    )
    at_risk = Segment(
        name="At risk",
        spend_share=0.0,
        cac=1_000.0,
        arpa_monthly=150.0,
        starting_customers=40,
        churn=Churn(monthly=0.15, heterogeneity=0.4),
        contraction_monthly=0.02,
        gross_margin=0.8,
    )
    return Scenario(
        name="Stop acquisition, moves",
        horizon_months=18,
        company=Company(
            starting_cash=300_000.0,
            fixed_costs_monthly=95_000.0,
            when_out_of_cash="stop_acquisition",
            customer_success=CustomerSuccess(1_000_000.0, 9_000.0),
        ),
        acquisition=Acquisition(spend_monthly=40_000.0, spend_growth_monthly=0.01),
        segments=(smb, key, at_risk),
        programs=(
            Program(
                name="Save",
                cost_monthly=8_000.0,
                segments=("Key", "At risk"),
                from_month=4,
                to_month=15,
                churn_change=-0.4,
                expansion_change=0.004,
            ),
        ),
        migrations=(
            Migration("SMB", "Key", 0.01, 8.0),
            Migration("SMB", "At risk", 0.03, 0.9),
            Migration("At risk", "SMB", 0.2, 1.0),
        ),
        simulation=Simulation(paths=ENGINE_PATHS, seed=ENGINE_SEED),
    )


SCENARIOS = {
    "sbg_monthly": sbg_monthly,
    "annual_upfront": annual_upfront,
    "three_segments": three_segments,
    "twins": twins,
    "installed_base": installed_base,
    "shut_down_funded": shut_down_funded,
    "stop_acquisition_moves": stop_acquisition_moves,
}


@cache
def engine_series(name: str) -> dict[str, np.ndarray]:
    company, _ = simulate_per_path(SCENARIOS[name]())
    return {key: np.asarray(company["series"][key]) for key in ("customers", "mrr", "collections", "cash")}


@cache
def independent_series(name: str, churn_factor: float = 1.0, paths: int = INDEPENDENT_PATHS) -> dict[str, np.ndarray]:
    return simulate_independent(SCENARIOS[name](), paths, INDEPENDENT_SEED, churn_factor=churn_factor)


def checked_months(horizon: int) -> list[int]:
    return sorted({m for m in (1, 6, 12, 24, horizon) if m <= horizon})


def share_below(values: np.ndarray, point: float, tie: float) -> float:
    """Share of ``values`` below ``point``: strictly below plus half of those within ``tie`` of it."""
    below = np.count_nonzero(values < point - tie)
    ties = np.count_nonzero(np.abs(values - point) <= tie)
    return (below + 0.5 * ties) / values.size


def z_scores(engine: dict[str, np.ndarray], independent: dict[str, np.ndarray], series: list[str]) -> dict[str, float]:
    """``{"series month m p10": z}``: the independent share below the engine's percentile against the engine's own."""
    out: dict[str, float] = {}
    for name in series:
        e, i = engine[name], independent[name]
        for month in checked_months(e.shape[1]):
            e_col, i_col = e[:, month - 1], i[:, month - 1]
            # Values equal but for rounding (sums in another order) are ties, not one side.
            tie = 1e-9 * max(1.0, float(np.max(np.abs(e_col))))
            for level in LEVELS:
                point = float(np.percentile(e_col, 100 * level))
                engine_share = share_below(e_col, point, tie)
                independent_share = share_below(i_col, point, tie)
                pooled = (engine_share * e_col.size + independent_share * i_col.size) / (e_col.size + i_col.size)
                sd = math.sqrt(pooled * (1 - pooled) * (1 / e_col.size + 1 / i_col.size))
                diff = independent_share - engine_share
                z = diff / sd if sd > 0 else (0.0 if diff == 0 else math.inf)
                out[f"{name} month {month} p{round(100 * level)}"] = z
    return out


def tolerance(checks: int) -> float:
    """Two-sided Bonferroni bound over ``checks`` at ``FAMILY_ALPHA``, at least ``MIN_SIGMAS``."""
    return max(MIN_SIGMAS, float(ndtri(1 - FAMILY_ALPHA / (2 * checks))))


def failures(z: dict[str, float]) -> list[str]:
    limit = tolerance(len(z))
    return [f"{label}: z = {value:+.2f} (limit {limit:.2f})" for label, value in z.items() if abs(value) > limit]


def assert_agree(name: str, series: list[str]) -> None:
    z = z_scores(engine_series(name), independent_series(name), series)
    bad = failures(z)
    worst = max(z, key=lambda label: abs(z[label]))
    assert not bad, f"{name}: {len(bad)} of {len(z)} checks off; worst {worst} z = {z[worst]:+.2f}\n" + "\n".join(bad)


def test_sbg_monthly_plans_percentiles_match_an_independent_simulation():
    assert_agree("sbg_monthly", ["customers", "mrr", "cash"])


def test_annual_upfront_percentiles_match_an_independent_simulation():
    assert_agree("annual_upfront", ["customers", "mrr", "collections", "cash"])


def test_three_segments_with_an_uncertain_churn_match_an_independent_simulation():
    assert_agree("three_segments", ["customers", "mrr", "collections", "cash"])


def test_two_identical_segments_match_an_independent_simulation():
    assert_agree("twins", ["customers", "mrr", "cash"])


def test_an_installed_base_by_tenure_matches_an_independent_simulation():
    assert_agree("installed_base", ["customers", "mrr", "collections", "cash"])


def test_shut_down_with_funding_rounds_matches_an_independent_simulation():
    company, _ = simulate_per_path(shut_down_funded())
    closed = company["series"]["closed"][:, -1].mean()
    funded = (company["series"]["funding_in"] > 0).any(axis=1).mean()
    assert 0.3 < closed < 0.8 and 0.3 < funded < 0.9  # the scenario exercises both
    assert_agree("shut_down_funded", ["customers", "mrr", "collections", "cash"])


def test_stop_acquisition_with_moves_programs_and_managers_matches_an_independent_simulation():
    assert_agree("stop_acquisition_moves", ["customers", "mrr", "collections", "cash"])


def test_the_comparison_notices_a_company_that_goes_on_after_its_cash_ends():
    """The independent simulation under ``continue`` stands for an engine that ignores shut_down."""
    going_on = dataclasses.replace(
        shut_down_funded(), company=dataclasses.replace(shut_down_funded().company, when_out_of_cash="continue")
    )
    wrong = simulate_independent(going_on, INDEPENDENT_PATHS // 5, INDEPENDENT_SEED)
    assert len(failures(z_scores(engine_series("shut_down_funded"), wrong, ["customers", "mrr"]))) >= 5


def test_the_comparison_notices_moves_a_fifth_too_frequent():
    """Every migration's rate x 1.25: an engine that moves too many accounts between segments."""
    scenario = stop_acquisition_moves()
    faster = dataclasses.replace(
        scenario, migrations=tuple(dataclasses.replace(m, monthly=m.monthly * 1.25) for m in scenario.migrations)
    )
    wrong = simulate_independent(faster, INDEPENDENT_PATHS // 5, INDEPENDENT_SEED)
    assert len(failures(z_scores(engine_series("stop_acquisition_moves"), wrong, ["mrr", "collections"]))) >= 3


def test_the_independent_simulation_means_match_the_exact_expectations():
    """The referee checked by a third implementation (tests/engine/exact.py), so a failure above points at the engine.

    (a) without its CAC elasticity (exact.py's recursion needs CAC linear in spend), and (b) as it is.
    """
    linear = sbg_monthly()
    linear = dataclasses.replace(linear, segments=(dataclasses.replace(linear.segments[0], cac_elasticity=0.0),))
    for scenario, sample in (
        (linear, simulate_independent(linear, 3000, INDEPENDENT_SEED)),
        (annual_upfront(), independent_series("annual_upfront")),
    ):
        exact = expected_series(scenario)
        for name in ("customers", "mrr", "collections", "cash"):
            mean = sample[name].mean(axis=0)
            se = sample[name].std(axis=0, ddof=1) / math.sqrt(sample[name].shape[0])
            off = np.abs(mean - np.asarray(exact[name])) > 5 * se + 1e-9 * (1 + np.abs(mean))
            assert not off.any(), f"{scenario.name} {name} month {np.flatnonzero(off)[0] + 1}"


def test_the_comparison_notices_churn_20_percent_too_high():
    """The independent simulation with every renewal's churn × 1.2 stands for an engine that is wrong by that much.

    A fifth of the paths are enough to see it (the tolerance widens with them).
    """
    wrong = independent_series("sbg_monthly", 1.2, INDEPENDENT_PATHS // 5)
    z = z_scores(engine_series("sbg_monthly"), wrong, ["customers", "mrr", "cash"])
    assert len(failures(z)) >= 10


def test_the_comparison_notices_a_spread_20_percent_too_narrow_with_the_right_means():
    """Engine paths pulled 20 % towards their month's mean: every mean right, the fan too narrow.

    Money series only: pulling whole numbers of customers towards a mean makes fractions of them.
    """
    series = ["mrr", "collections", "cash"]
    engine = engine_series("annual_upfront")
    narrow = {name: engine[name].mean(axis=0) + 0.8 * (engine[name] - engine[name].mean(axis=0)) for name in series}
    bad = failures(z_scores(narrow, independent_series("annual_upfront"), series))
    assert sum(" p10" in line for line in bad) >= 5
    assert sum(" p90" in line for line in bad) >= 5


def test_the_comparison_notices_segments_that_share_random_numbers():
    """Every mean right, but the two segments' churn and acquisition move together: the company's fan too wide."""
    wrong = simulate_independent(twins(), INDEPENDENT_PATHS // 5, INDEPENDENT_SEED, segments_share_draws=True)
    bad = failures(z_scores(engine_series("twins"), wrong, ["customers", "mrr", "cash"]))
    assert sum(" p10" in line for line in bad) >= 3
    assert sum(" p90" in line for line in bad) >= 3
