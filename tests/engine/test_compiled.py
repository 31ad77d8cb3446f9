"""The compiled kernel's samplers and its independence from chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from saas_sim.engine import compiled, kernel
from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model import unit_economics
from saas_sim.model.catalog.fields import COMPANY_PARAMS, SEGMENT_PARAMS
from saas_sim.model.churn import hazard, period_churn_from_monthly, spread_from_heterogeneity, survival
from saas_sim.model.scenario import Churn, Event, Scenario, Segment
from tests.engine.test_expectations import make
from tests.engine.test_properties import engine_scenarios

GRID = 20_000  # stratified uniforms: each k should be hit pmf(k) * GRID times, give or take one


def _counts(draw, support: int) -> np.ndarray:
    u = (np.arange(GRID) + 0.5) / GRID
    values = np.array([draw(x) for x in u])
    return np.bincount(values, minlength=support + 1)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), h=st.floats(1e-4, 0.999), u=st.floats(0.0, 1.0, exclude_max=True))
def test_binomial_below_the_small_mean_is_the_quantile_function(n, h, u):
    if n * h >= compiled.SMALL_MEAN:
        h = (compiled.SMALL_MEAN - 1) / n
    k = compiled.binomial(n, h, math.log1p(-h), u)
    cdf = stats.binom.cdf([k - 1, k], n, h)
    # the smallest k whose cdf reaches u (allowing the rounding of a sum of probabilities)
    assert cdf[0] < u + 1e-12 and u <= cdf[1] + 1e-12


@settings(max_examples=60, deadline=None)
@given(lam=st.floats(1e-6, compiled.SMALL_MEAN - 1e-6), u=st.floats(0.0, 1.0, exclude_max=True))
def test_poisson_below_the_small_mean_is_the_quantile_function(lam, u):
    k = compiled.poisson(lam, u)
    cdf = stats.poisson.cdf([k - 1, k], lam)
    assert cdf[0] < u + 1e-12 and u <= cdf[1] + 1e-12


@pytest.mark.parametrize("n,h", [(200, 0.3), (5_000, 0.03), (100_000, 0.5), (60, 0.9)])
def test_binomial_from_the_mode_has_the_exact_distribution(n, h):
    counts = _counts(lambda x: compiled.binomial(n, h, math.log1p(-h), x), n)
    expected = stats.binom.pmf(np.arange(n + 1), n, h) * GRID
    assert np.abs(counts - expected).max() <= 2.0


@pytest.mark.parametrize("lam", [30.0, 412.5, 1e6])
def test_poisson_from_the_mode_has_the_exact_distribution(lam):
    support = int(lam + 20 * math.sqrt(lam) + 20)
    counts = _counts(lambda x: compiled.poisson(lam, x), support)
    expected = stats.poisson.pmf(np.arange(support + 1), lam) * GRID
    assert np.abs(counts - expected).max() <= 2.0


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("h", [0.01, 0.5, 0.97])
def test_binomial_of_a_few_accounts_has_the_exact_distribution(n, h):
    """The first four probabilities are summed without a branch: right even where n < 4."""
    counts = _counts(lambda x: compiled.binomial(n, h, math.log1p(-h), x), n)
    expected = stats.binom.pmf(np.arange(n + 1), n, h) * GRID
    assert np.abs(counts - expected).max() <= 2.0
    assert compiled.binomial(n, h, math.log1p(-h), np.nextafter(1.0, 0.0)) <= n


def test_edge_probabilities():
    assert compiled.binomial(10, 0.0, 0.0, 0.99) == 0
    assert compiled.binomial(10, 1.0, -math.inf, 0.01) == 10
    assert compiled.binomial(0, 0.5, math.log(0.5), 0.7) == 0
    assert compiled.poisson(0.0, 0.99) == 0


def test_uniform_regions_count_every_draw():
    # acquisition: two a segment and month; a segment's losses: (C + H) first losses, at most one more per
    # renewal (one starting group and floor((t-1)/C) cohorts renew at month t), (C + H) again per churn change
    assert compiled.uniform_regions(3, [(1, [0])]).tolist() == [0, 6, 6 + (1 + 3) + (3 + 0 + 1 + 2), 16, 16]
    annual = (12, list(range(12)))
    regions = compiled.uniform_regions(24, [annual], churn_changes=2)
    assert regions[2] - regions[1] == (12 + 24) * 3 + (24 + 12) and regions[1] == 2 * 24
    # starting cohorts: each group renews (tau + H) // C - tau // C times; tenure 11 and 23 renew at month 1
    regions = compiled.uniform_regions(13, [(12, [11, 23, 5])])
    assert regions[2] - regions[1] == (3 + 13) + (2 + 2 + 1 + 1)
    # two segments: each its own region after both segments' acquisition; migrations and funding last
    regions = compiled.uniform_regions(3, [(1, [0]), (1, [0])], migrations=2, funding_rounds=3)
    own = (1 + 3) + (3 + 0 + 1 + 2) + 3 + (0 + 1 + 2)  # with migrations: a group of movers a month
    assert regions.tolist() == [0, 12, 12 + own, 12 + 2 * own, 12 + 2 * own + 2 * 3 * 2 * 7, 12 + 2 * own + 84 + 3]


@pytest.mark.parametrize("contract", [1, 3, 12])
def test_a_path_that_loses_accounts_at_every_renewal_stays_within_its_uniforms(contract):
    """Churn near 1 loses accounts at every renewal, and events change churn often: the most draws a
    path can make.  The kernel says when it would read past its run (a RuntimeError); it must not."""
    events = [Event(month=m, set=(("segments.S.churn.monthly", 0.9 if m % 2 else 0.5),)) for m in range(2, 24, 3)]
    segment = Segment(
        name="S", cac=100.0, arpa_monthly=50.0, starting_customers=40, contract_months=contract,
        churn=Churn(monthly=0.95, heterogeneity=0.2), referrals_monthly=0.05, gross_margin=0.8,
    )  # fmt: skip
    scenario = make([segment], paths=200, seed=3, spend=5e4, events=events, fixed=1e4)
    per_path, _ = simulate_per_path(scenario, workers=1)
    churned = per_path["series"]["churned_customers"]
    assert churned.sum() > 0 and (churned >= 0).all()


@settings(max_examples=10, deadline=None)
@given(scenario=engine_scenarios())
def test_results_do_not_depend_on_how_a_block_is_chunked(scenario):
    whole, _ = simulate_per_path(scenario, workers=1)
    original = kernel.CHUNK_UNIFORMS
    try:
        kernel.CHUNK_UNIFORMS = 1  # one path per kernel call, each with freshly drawn uniforms
        chunked, _ = simulate_per_path(scenario, workers=1)
    finally:
        kernel.CHUNK_UNIFORMS = original
    for name, values in whole["series"].items():
        np.testing.assert_array_equal(values, chunked["series"][name], err_msg=name)


def test_the_extension_writes_the_series_in_the_order_python_reads_them():
    assert compiled._kernels.RAW_SERIES_NAMES == compiled.SEGMENT_RAW
    assert compiled._kernels.MIGRATION_RAW_NAMES == compiled.MIGRATION_RAW
    assert compiled._kernels.COMPANY_RAW_NAMES == compiled.COMPANY_RAW
    assert len(compiled.SEGMENT_RAW) == compiled._kernels.RAW_SERIES
    assert len(compiled.SEGMENT_RAW) + len(compiled.MIGRATION_RAW) == compiled._kernels.RAW_SERIES_WITH_MIGRATIONS
    assert len(compiled.COMPANY_RAW) == compiled._kernels.COMPANY_ROWS


def test_the_kernel_reads_parameters_where_the_catalog_puts_them_now():
    """The layout reaches the extension on every call (nothing is frozen into a cache): it is the catalog's,
    then what programs make of it (SPEC 2.7)."""
    assert (*SEGMENT_PARAMS, "churn_factor") == compiled.SEGMENT_PARAMS_ALL
    assert (*COMPANY_PARAMS, "program_cost") == compiled.COMPANY_PARAMS_ALL
    assert compiled.LAYOUT[:2] == (len(SEGMENT_PARAMS) + 1, len(COMPANY_PARAMS) + 1)
    assert [compiled.SEGMENT_PARAMS_ALL[i] for i in compiled.LAYOUT[2:13]] == [
        "spend_share", "cac", "cac_elasticity", "arpa_monthly", "expansion_monthly", "contraction_monthly",
        "gross_margin", "retention_cost_monthly", "referrals_monthly", "p", "spread",
    ]  # fmt: skip
    assert [compiled.COMPANY_PARAMS_ALL[i] for i in compiled.LAYOUT[13:17]] == [
        "fixed_costs_monthly", "spend_monthly", "spend_growth_monthly", "reinvest_gross_profit",
    ]  # fmt: skip
    assert compiled.SEGMENT_PARAMS_ALL[compiled.LAYOUT[17]] == "churn_factor"
    assert compiled.COMPANY_PARAMS_ALL[compiled.LAYOUT[18]] == "program_cost"


def test_a_layout_the_extension_does_not_know_is_refused():
    ints, floats = (lambda d: np.zeros((1,) * d, dtype=np.int64)), (lambda d: np.zeros((1,) * d))
    groups = (ints(1), ints(2), ints(2), floats(2))  # how many, count, tenure, MRR per account
    arrays = (ints(1), ints(1), ints(1), *groups, floats(2), ints(1), floats(4), floats(3), floats(2), floats(1))
    outputs = (floats(4), floats(3), floats(2), floats(2), floats(2))
    company = (0, floats(2), 1, 0, floats(2), 0, ints(1), ints(1), floats(2), floats(2))  # policy .. migrations
    with pytest.raises(ValueError, match="layout"):
        compiled._kernels.simulate_paths(
            0, 0, 0, 1, *arrays, floats(1), 0, 1.0, *outputs, *company, ints(1), ints(2), ints(1)
        )


def test_an_extension_built_from_another_source_is_refused(tmp_path):
    """An edited _kernels.pyx in a checkout not rebuilt: the package says so instead of running old code."""
    from saas_sim.engine import _build

    source = tmp_path / "_kernels.pyx"
    source.write_bytes(_build.SOURCE.read_bytes())
    assert not _build.source_changed(source)
    source.write_bytes(_build.SOURCE.read_bytes() + b"# an edit\n")
    assert _build.source_changed(source)
    assert not _build.source_changed(tmp_path / "absent.pyx")  # an installed wheel carries no source


@settings(max_examples=200, deadline=None)
@given(
    arpa=st.floats(1.0, 1e5),
    margin=st.floats(0.05, 1.0),
    expansion=st.floats(0.0, 0.03),
    contraction=st.floats(0.0, 0.03),
    p=st.floats(1e-4, 0.9),
    heterogeneity=st.sampled_from([0.0, 0.05, 0.3, 0.8]),
    contract=st.sampled_from([1, 3, 12]),
    discount=st.floats(0.0, 0.5),
    horizon=st.sampled_from([12.0, 60.0, 599.5, 600.0, 1000.0]),
    cac=st.floats(1.0, 1e7),
)
def test_per_path_unit_economics_are_the_formula(
    arpa, margin, expansion, contraction, p, heterogeneity, contract, discount, horizon, cac
):
    """The extension's month-by-month LTV and payback are numpy's formula (model.unit_economics)."""
    spread = spread_from_heterogeneity(heterogeneity)
    arguments = {
        "arpa": arpa, "gross_margin": margin, "expansion": expansion, "contraction": contraction, "p": p, "spread": spread,
        "contract_months": contract, "discount_rate_annual": discount, "ltv_horizon_months": horizon, "cac": cac,
    }  # fmt: skip
    ltv, payback = compiled.ltv_and_payback(**arguments)
    expected_ltv, expected_payback = unit_economics.ltv_and_payback(**arguments)
    assert ltv == pytest.approx(float(expected_ltv), rel=1e-12)
    if payback != expected_payback:  # only where the sums' rounding decides: within the tolerance of the CAC
        k = int(min(payback, expected_payback))
        paid = sum(
            margin
            * float(survival(p, spread, k // contract)[..., j // contract])
            * arpa
            * (1 + expansion - contraction) ** j
            for j in range(k)
        )
        assert paid == pytest.approx(cac, rel=1e-11)


def test_per_path_unit_economics_keep_the_shape_of_their_inputs():
    ltv, payback = compiled.ltv_and_payback(
        arpa=np.array([100.0, 200.0, 300.0]), gross_margin=0.8, expansion=0.0, contraction=0.0, p=0.05,
        spread=np.inf, contract_months=1, discount_rate_annual=0.1, ltv_horizon_months=60.0, cac=1000.0,
    )  # fmt: skip
    assert ltv.shape == payback.shape == (3,)
    # k months repay 0.8 ARPA (1 - 0.95^k) / 0.05 under 5 % monthly churn: 20, 8 and 5 months reach 1000
    assert list(payback) == [20.0, 8.0, 5.0]


def _only_churn(n: int, contract: int, heterogeneity: float, events: tuple = ()) -> Scenario:
    segment = Segment(
        name="S", cac=100.0, arpa_monthly=50.0, starting_customers=n, contract_months=contract,
        churn=Churn(monthly=0.05, heterogeneity=heterogeneity), gross_margin=0.8,
    )  # fmt: skip
    return make([segment], paths=20_000, seed=5, events=events, fixed=0.0)


@pytest.mark.parametrize(
    "n,contract,heterogeneity,change",
    [
        (5, 1, 0.0, False),
        (5, 1, 0.3, True),
        (60, 1, 0.3, True),
        (1, 1, 0.5, False),
        (24, 12, 0.0, False),
        (3, 3, 0.3, True),
    ],
)
@pytest.mark.parametrize("plain_mean", [0.0, 1.0, 1e9])  # every group drawn renewal by renewal, the mix, none
def test_accounts_that_only_churn_remain_in_the_exact_binomial_numbers(n, contract, heterogeneity, change, plain_mean):
    """Renewal by renewal, each account stays with probability 1 - h(n): a group of ``size`` keeps
    Binomial(size, S) accounts, S the product over its renewals (whichever way the kernel draws: group by
    group, or the next loss of a small group at once; an event changing churn in month 8 included)."""
    events = (Event(month=8, set=(("segments.S.churn.monthly", 0.1),)),) if change else ()
    default = compiled._kernels.plain_mean()
    compiled._kernels.plain_mean(plain_mean)
    try:
        customers = simulate_per_path(_only_churn(n, contract, heterogeneity, events), workers=2)[0]["series"][
            "customers"
        ]
    finally:
        compiled._kernels.plain_mean(default)
    spread = spread_from_heterogeneity(heterogeneity)
    groups = [n // contract + (1 if j < n % contract else 0) for j in range(contract)]
    worst = 1.0
    for t in (1, 6, 12, 24):
        pmf = np.array([1.0])
        for j, size in enumerate(groups):  # group j has tenure j + t in month t
            kept = 1.0
            for renewal in range(1, (j + t) // contract + 1):
                month = renewal * contract - j
                monthly = 0.1 if change and month >= 8 else 0.05
                kept *= 1 - float(hazard(period_churn_from_monthly(monthly, contract), spread, renewal))
            pmf = np.convolve(pmf, stats.binom.pmf(np.arange(size + 1), size, kept))
        seen = np.bincount(customers[:, t - 1].astype(int), minlength=pmf.size)
        expected = pmf * customers.shape[0]
        enough = expected > 5
        chi2 = (((seen - expected) ** 2 / np.maximum(expected, 1e-300))[enough]).sum()
        worst = min(worst, stats.chi2.sf(chi2, max(int(enough.sum()) - 1, 1)))
    assert worst > 1e-4  # four months, fixed seed: a wrong sampler fails by orders of magnitude
