"""The sBG fit of ``saas-sim fit``: the likelihood against direct computation, censoring, recovery, the LRT."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from saas_sim.analysis.fit import (
    fit_sbg,
    homogeneous_fit,
    likelihood_ratio_p_value,
    log_likelihood,
    pool,
    sbg_survival,
)
from saas_sim.errors import InputError
from saas_sim.model.churn import survival


def churn_probabilities(alpha: float, beta: float, periods: int) -> list[float]:
    """P(T = t), t = 1..periods, by Fader & Hardie's recursion (2007, eq. 6)."""
    probabilities = [alpha / (alpha + beta)]
    for t in range(2, periods + 1):
        probabilities.append(probabilities[-1] * (beta + t - 2) / (alpha + beta + t - 1))
    return probabilities


def direct_log_likelihood(alpha: float, beta: float, cohorts: list[list[int]]) -> float:
    """Each cohort by itself: churners at t times log P(T = t), survivors at the end times log S(last)."""
    total = 0.0
    for active in cohorts:
        last = len(active) - 1
        probabilities = churn_probabilities(alpha, beta, max(last, 1))
        for t in range(1, last + 1):
            total += (active[t - 1] - active[t]) * math.log(probabilities[t - 1])
        total += active[last] * math.log(1.0 - sum(probabilities[:last]))
    return total


def synthetic_cohorts(alpha: float, beta: float, *, cohorts: int, size: int, seed: int) -> list[np.ndarray]:
    """Cohort k observed at periods 0..cohorts - k (the first the longest), theta ~ Beta(alpha, beta)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(cohorts):
        lifetimes = rng.geometric(rng.beta(alpha, beta, size))
        out.append(np.array([(lifetimes > t).sum() for t in range(cohorts - k + 1)]))
    return out


def geometric_cohorts(p: float, *, cohorts: int, size: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(cohorts):
        lifetimes = rng.geometric(p, size)
        out.append(np.array([(lifetimes > t).sum() for t in range(cohorts - k + 1)]))
    return out


# Fader & Hardie's (2007) "regular" customers: 1000 acquired, then active at years 1..7.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def test_the_likelihood_equals_a_direct_computation_on_a_hand_example():
    cohorts = [[100, 80, 70, 65], [50, 41], [30]]
    for alpha, beta in ((0.5, 2.0), (1.3, 7.5), (4.0, 0.8)):
        assert log_likelihood(alpha, beta, pool(cohorts)) == pytest.approx(
            direct_log_likelihood(alpha, beta, cohorts), rel=1e-12
        )


def test_fader_hardie_regular_customers():
    """Their paper's estimates for the regular segment's first 7 years: alpha 0.704, beta 1.182, LL -1680.27."""
    result = fit_sbg([REGULAR])
    assert result.alpha.value == pytest.approx(0.704, abs=2e-3)
    assert result.beta.value == pytest.approx(1.182, abs=2e-3)
    assert result.log_likelihood == pytest.approx(-1680.27, abs=0.01)


def test_survival_matches_the_engine_and_stays_finite_for_long_horizons():
    alpha, beta = 0.7, 4.5
    engine = survival(alpha / (alpha + beta), alpha + beta, 40)
    assert sbg_survival(alpha, beta, 40) == pytest.approx(engine, rel=1e-12)
    far = sbg_survival(alpha, beta, 100_000)
    assert np.all(np.isfinite(far)) and np.all(np.diff(far) <= 0) and far[-1] > 0


def test_censoring_cohorts_of_different_lengths_fit_the_pooled_likelihood():
    """The fit maximizes the sum of each cohort's own censored likelihood."""
    cohorts = [list(c) for c in synthetic_cohorts(0.8, 3.0, cohorts=6, size=400, seed=3)]
    result = fit_sbg(cohorts)
    best = direct_log_likelihood(result.alpha.value, result.beta.value, cohorts)
    assert result.log_likelihood == pytest.approx(best, rel=1e-10)
    for da, db in ((1.02, 1.0), (0.98, 1.0), (1.0, 1.02), (1.0, 0.98)):
        assert direct_log_likelihood(result.alpha.value * da, result.beta.value * db, cohorts) < best
    # The same cohort censored earlier: its later periods are out of the likelihood, its survivors count at 2.
    shorter = [cohorts[0][:3], *cohorts[1:]]
    refit = fit_sbg(shorter)
    assert refit.log_likelihood == pytest.approx(
        direct_log_likelihood(refit.alpha.value, refit.beta.value, shorter), rel=1e-10
    )
    assert refit.at_risk[3] == result.at_risk[3] - cohorts[0][2]


def test_the_fit_recovers_known_parameters_from_large_cohorts():
    alpha, beta = 0.7, 4.5
    result = fit_sbg(synthetic_cohorts(alpha, beta, cohorts=24, size=2000, seed=12))
    assert result.alpha.value == pytest.approx(alpha, rel=0.1)
    assert result.beta.value == pytest.approx(beta, rel=0.1)
    assert result.alpha.low < alpha < result.alpha.high
    assert result.beta.low < beta < result.beta.high
    assert result.mean_churn.low < alpha / (alpha + beta) < result.mean_churn.high
    assert result.heterogeneity.low < 1 / (alpha + beta + 1) < result.heterogeneity.high
    assert result.heterogeneity_matters and not result.fits_poorly and result.warnings == []
    assert len(result.survival) == result.periods + 13 == 24 + 13


def test_the_homogeneous_fit_is_churners_over_exposure():
    cohorts = [[100, 80, 70, 65], [50, 41], [30]]
    p, ll = homogeneous_fit(pool(cohorts))
    churners, exposure = (20 + 10 + 5) + 9, (100 + 80 + 70) + 50
    assert p == churners / exposure
    assert ll == pytest.approx(churners * math.log(p) + (exposure - churners) * math.log(1 - p))


def test_the_likelihood_ratio_sees_heterogeneity_only_where_there_is_some():
    heterogeneous = fit_sbg(synthetic_cohorts(0.7, 4.5, cohorts=12, size=1000, seed=5))
    assert heterogeneous.heterogeneity_matters and heterogeneous.lr_p_value < 1e-6
    geometric = fit_sbg(geometric_cohorts(0.1, cohorts=12, size=1000, seed=5))
    assert not geometric.heterogeneity_matters
    assert geometric.mean_churn.value == pytest.approx(0.1, rel=0.05)
    assert geometric.log_likelihood >= geometric.homogeneous_log_likelihood - 1e-6


def test_the_boundary_p_value_is_half_the_chi_square_one():
    from scipy.stats import chi2

    assert likelihood_ratio_p_value(3.84) == pytest.approx(chi2.sf(3.84, 1) / 2)
    assert likelihood_ratio_p_value(0.0) == 1.0


def test_a_poor_fit_is_flagged():
    """Two groups, one that never churns and one that churns fast after a grace period: no sBG looks like that."""
    active = [10_000, 9_990, 9_980, 9_970, 6_000, 3_000, 2_990, 2_980, 2_970, 2_960, 2_950]
    result = fit_sbg([active])
    assert result.fits_poorly
    assert any("does not describe" in w for w in result.warnings)


def test_nothing_to_fit_is_refused():
    with pytest.raises(InputError, match="only period 0"):
        fit_sbg([[100], [50]])
    with pytest.raises(InputError, match="no customer churned"):
        fit_sbg([[100, 100, 100]])


def test_to_json_has_the_spec_keys_and_only_finite_numbers():
    import json

    document = fit_sbg([REGULAR]).to_json()
    assert {"alpha", "beta", "mean_churn", "heterogeneity", "log_likelihood", "periods", "cohorts", "survival"} <= set(
        document
    )
    assert document["periods"] == 7 and document["cohorts"] == 1 and len(document["survival"]) == 7 + 13
    json.dumps(document, allow_nan=False)


def test_one_period_gives_the_observed_churn_even_next_to_the_boundary():
    """/tmp/hostile/c11.csv: 10^12 customers, one left after a period: mean churn 1 - 1e-12, not 1 - 1.4e-7."""
    for acquired, left in ((10**12, 1), (1000, 1), (1000, 999)):
        result = fit_sbg([[acquired, left]])
        assert 1 - result.mean_churn.value == pytest.approx(left / acquired, rel=1e-3)


@pytest.mark.parametrize("cohort", [[1000, 999, 998, 997], [10**9, 10**9 - 1, 10**9 - 2], [50, 49, 49, 49, 48]])
def test_a_fit_whose_interval_overflows_has_no_interval_instead_of_crashing(cohort):
    result = fit_sbg([cohort])
    for estimate in (result.alpha, result.beta, result.mean_churn, result.heterogeneity):
        assert (estimate.low is None) == (estimate.high is None)
        if estimate.low is not None:
            assert math.isfinite(estimate.low) and math.isfinite(estimate.high)
    json.dumps(result.to_json(), allow_nan=False)


def test_one_period_says_heterogeneity_is_not_estimated():
    assert any("heterogeneity needs two periods" in w for w in fit_sbg([[1000, 500]]).warnings)
    assert not any("heterogeneity needs two periods" in w for w in fit_sbg([[1000, 500, 300]]).warnings)


def test_a_period_with_nobody_at_risk_gives_no_warning():
    """Found by a fuzz run of calibrate: Pearson's statistic divided over every period before keeping the
    usable ones, so a period nobody was at risk in (a cohort that lost everyone) printed a RuntimeWarning."""
    import warnings

    cohorts = [np.array([1000, 900, 820, 760, 700, 650, 600, 0, 0]), np.array([1000, 880, 800, 740])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = fit_sbg(cohorts)
    assert result.alpha.value > 0
