"""Churn parameters from history (SPEC 6, ``saas-sim fit``): the shifted-beta-geometric model by maximum likelihood.

Each customer has a churn probability θ per period, constant over its life;
across customers θ ~ Beta(α, β).  The period T in which a customer churns is
then shifted-beta-geometric (Fader & Hardie 2007, "How to Project Customer
Retention", eq. 5 and 7):

.. math::

    P(T = t) = \\frac{B(\\alpha + 1, \\beta + t - 1)}{B(\\alpha, \\beta)},\\qquad
    S(t) = P(T > t) = \\frac{B(\\alpha, \\beta + t)}{B(\\alpha, \\beta)}

Several cohorts share one α, β and each is right-censored at its last
observed period (Fader & Hardie 2007, "Fitting the sBG Model to Multi-Cohort
Data", eq. 1): a cohort with ``n_t`` customers active at the start of period
``t = 0..L`` contributes

.. math::

    \\ell = \\sum_{t=1}^{L} (n_{t-1} - n_t) \\log P(T = t) + n_L \\log S(L)

The cohorts' terms are pooled into counts per period (churners at ``t``,
customers censored at ``t``), so the cost of the likelihood grows with the
number of periods, not of customers.  Everything is computed with
``scipy.special.betaln``, stable for periods in the thousands.

Beside it: the homogeneous (geometric) model, one churn probability p for
everyone, the limit α + β → ∞ of the sBG at fixed α / (α + β), with the
closed-form estimate p = churners / exposure; and the likelihood-ratio test
of the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from saas_sim.errors import InputError

PROJECTION_PERIODS = 12
CONFIDENCE = 0.95
Z_95 = 1.959963984540054
LOG_BOUNDS = (-12.0, 16.0)  # log α, log β: α + β up to ~9e6, a heterogeneity down to ~1e-7
STARTS = ((0.0, 1.0), (-1.0, 2.0), (1.0, 3.0), (-2.0, 0.0), (2.0, 6.0))  # log α, log β
GOF_WARN_P = 0.01  # the Pearson test's p-value under which the model is said not to describe the data
GOF_WARN_GAP = 0.05  # ... or the largest gap between observed and fitted survival (5 points)
GOF_MIN_EXPECTED = 5.0  # a period enters the Pearson test when it expects this many churners and survivors
LRT_LEVEL = 0.05


@dataclass(frozen=True)
class PooledCounts:
    """The sufficient statistics of the multi-cohort likelihood, per period ``t = 0..last``.

    ``churned[t]``: customers of all cohorts that churned in period t (``churned[0] = 0``);
    ``censored[t]``: customers still active at ``t`` in cohorts whose last period is t;
    ``at_risk[t]``: customers active at the start of period t - 1 in cohorts observed
    through t, i.e. those that could churn in period t (``at_risk[0]`` = acquired).
    """

    churned: np.ndarray
    censored: np.ndarray
    at_risk: np.ndarray
    acquired: int
    cohorts: int

    @property
    def last_period(self) -> int:
        return len(self.churned) - 1

    @property
    def exposure(self) -> int:
        """Customer-periods at risk: the number of (customer, period) pairs where a churn could be seen."""
        return int(self.at_risk[1:].sum())


def pool(cohorts: Sequence[Sequence[int] | np.ndarray]) -> PooledCounts:
    """Pool cohorts (each the active counts at periods 0..L, non-increasing) into :class:`PooledCounts`."""
    arrays = [np.asarray(c, dtype=np.int64) for c in cohorts]
    if not arrays or any(a.ndim != 1 or len(a) == 0 for a in arrays):
        raise InputError(["no cohorts to fit"])
    last = max(len(a) for a in arrays) - 1
    churned = np.zeros(last + 1, dtype=np.int64)
    censored = np.zeros(last + 1, dtype=np.int64)
    at_risk = np.zeros(last + 1, dtype=np.int64)
    for active in arrays:
        periods = len(active)
        churned[1:periods] += active[:-1] - active[1:]
        censored[periods - 1] += active[-1]
        at_risk[0] += active[0]
        at_risk[1:periods] += active[:-1]
    return PooledCounts(churned, censored, at_risk, int(at_risk[0]), len(arrays))


def log_churn_probability(alpha: float, beta: float, periods: np.ndarray) -> np.ndarray:
    """log P(T = t) of the sBG (Fader & Hardie 2007, "How to Project Customer Retention", eq. 7).

    .. math:: \\log P(T = t) = \\log B(\\alpha + 1, \\beta + t - 1) - \\log B(\\alpha, \\beta),\\quad t \\ge 1
    """
    from scipy.special import betaln

    t = np.asarray(periods, dtype=float)
    return betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta)


def log_survival(alpha: float, beta: float, periods: np.ndarray | int) -> np.ndarray:
    """log S(t) of the sBG (Fader & Hardie 2007, "How to Project Customer Retention", eq. 5).

    .. math:: \\log S(t) = \\log B(\\alpha, \\beta + t) - \\log B(\\alpha, \\beta),\\quad S(0) = 1
    """
    from scipy.special import betaln

    t = np.asarray(periods, dtype=float)
    return betaln(alpha, beta + t) - betaln(alpha, beta)


def sbg_survival(alpha: float, beta: float, last_period: int) -> np.ndarray:
    """S(n) for n = 0..last_period, shape ``(last_period + 1,)``; the same as
    :func:`saas_sim.model.churn.survival` with p = α/(α+β), spread = α+β, computed in log space."""
    return np.exp(log_survival(alpha, beta, np.arange(last_period + 1)))


def log_likelihood(alpha: float, beta: float, counts: PooledCounts) -> float:
    """The multi-cohort sBG log-likelihood (Fader & Hardie, "Fitting the sBG Model to Multi-Cohort Data", eq. 1).

    .. math:: \\ell(\\alpha, \\beta) = \\sum_t d_t \\log P(T = t) + \\sum_t c_t \\log S(t)

    with d_t the churners in period t and c_t the customers censored at t, over all cohorts.
    """
    t = np.arange(counts.last_period + 1)
    churn_terms = counts.churned[1:] * log_churn_probability(alpha, beta, t[1:])
    survival_terms = counts.censored * log_survival(alpha, beta, t)
    return float(churn_terms.sum() + survival_terms.sum())


def _gradient_and_hessian(alpha: float, beta: float, counts: PooledCounts) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of ℓ in (log α, log β), from the digamma and trigamma functions.

    With :math:`\\partial_a \\log B(a, b) = \\psi(a) - \\psi(a + b)` and
    :math:`\\partial^2_{ab} \\log B(a, b) = -\\psi_1(a + b)`, and
    :math:`\\partial_{\\log a} = a\\,\\partial_a`.
    """
    from scipy.special import polygamma, psi

    t = np.arange(counts.last_period + 1, dtype=float)
    d, c = counts.churned.astype(float), counts.censored.astype(float)
    d[0] = 0.0  # no churn in period 0; keeps t - 1 = -1 out of the digamma
    b_churn = beta + np.maximum(t - 1.0, 0.0)  # B(α + 1, β + t - 1)
    b_surv = beta + t  # B(α, β + t)
    n_churn, n_surv = d.sum(), c.sum()
    n = n_churn + n_surv

    # First derivatives in α and β.
    ga = (
        (d * (psi(alpha + 1) - psi(alpha + 1 + b_churn))).sum()
        + (c * (psi(alpha) - psi(alpha + b_surv))).sum()
        - n * (psi(alpha) - psi(alpha + beta))
    )
    gb = (
        (d * (psi(b_churn) - psi(alpha + 1 + b_churn))).sum()
        + (c * (psi(b_surv) - psi(alpha + b_surv))).sum()
        - n * (psi(beta) - psi(alpha + beta))
    )

    def tri(x: float | np.ndarray) -> Any:
        return polygamma(1, x)

    haa = (
        (d * (tri(alpha + 1) - tri(alpha + 1 + b_churn))).sum()
        + (c * (tri(alpha) - tri(alpha + b_surv))).sum()
        - n * (tri(alpha) - tri(alpha + beta))
    )
    hbb = (
        (d * (tri(b_churn) - tri(alpha + 1 + b_churn))).sum()
        + (c * (tri(b_surv) - tri(alpha + b_surv))).sum()
        - n * (tri(beta) - tri(alpha + beta))
    )
    hab = -(d * tri(alpha + 1 + b_churn)).sum() - (c * tri(alpha + b_surv)).sum() + n * tri(alpha + beta)

    gradient = np.array([alpha * ga, beta * gb])
    hessian = np.array(
        [[alpha * alpha * haa + alpha * ga, alpha * beta * hab], [alpha * beta * hab, beta * beta * hbb + beta * gb]]
    )
    return gradient, hessian


@dataclass(frozen=True)
class Estimate:
    """A fitted quantity with its standard error and 95 % interval (``None`` when the information matrix is
    singular, as at the homogeneous boundary)."""

    value: float
    se: float | None
    low: float | None
    high: float | None

    def to_json(self) -> dict:
        return {"value": self.value, "se": self.se, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class FitResult:
    """The sBG fit of a set of cohorts, with the homogeneous fit, the likelihood-ratio test and the goodness of fit.

    ``periods`` is the last period observed in any cohort; ``survival`` the fitted
    S(n) for n = 0..periods + 12; ``observed_survival`` the pooled (Kaplan-Meier)
    survival of the data for n = 0..periods; ``projected_active[k]`` the customers
    of all cohorts expected still active k = 0..12 periods after each cohort's
    last observed period.
    """

    alpha: Estimate
    beta: Estimate
    mean_churn: Estimate
    heterogeneity: Estimate
    log_likelihood: float
    periods: int
    cohorts: int
    acquired: int
    churned: int
    survival: list[float]
    observed_survival: list[float]
    at_risk: list[int]
    churned_per_period: list[int]
    expected_churned_per_period: list[float]
    homogeneous_churn: float
    homogeneous_log_likelihood: float
    homogeneous_survival: list[float]
    lr_statistic: float
    lr_p_value: float
    chi_square: float | None
    chi_square_df: int
    chi_square_p_value: float | None
    max_survival_gap: float
    projected_active: list[float]
    converged: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def heterogeneity_matters(self) -> bool:
        """The likelihood-ratio test rejects constant churn at the 5 % level."""
        return self.lr_p_value < LRT_LEVEL

    @property
    def fits_poorly(self) -> bool:
        poor_test = self.chi_square_p_value is not None and self.chi_square_p_value < GOF_WARN_P
        return poor_test or self.max_survival_gap > GOF_WARN_GAP

    def to_json(self) -> dict:
        """SPEC 6's keys (``alpha``, ``beta``, ``mean_churn``, ``heterogeneity``, ``log_likelihood``,
        ``periods``, ``cohorts``, ``survival``) and the details beside them."""
        return {
            "alpha": self.alpha.value,
            "beta": self.beta.value,
            "mean_churn": self.mean_churn.value,
            "heterogeneity": self.heterogeneity.value,
            "log_likelihood": self.log_likelihood,
            "periods": self.periods,
            "cohorts": self.cohorts,
            "survival": self.survival,
            "intervals": {
                name: getattr(self, name).to_json() for name in ("alpha", "beta", "mean_churn", "heterogeneity")
            },
            "confidence": CONFIDENCE,
            "customers": self.acquired,
            "churned_customers": self.churned,
            "observed_survival": self.observed_survival,
            "at_risk": self.at_risk,
            "churned_per_period": self.churned_per_period,
            "expected_churned_per_period": self.expected_churned_per_period,
            "projected_active": self.projected_active,
            "homogeneous": {
                "churn": self.homogeneous_churn,
                "log_likelihood": self.homogeneous_log_likelihood,
                "survival": self.homogeneous_survival,
            },
            "likelihood_ratio": {
                "statistic": self.lr_statistic,
                "p_value": self.lr_p_value,
                "heterogeneity_matters": self.heterogeneity_matters,
            },
            "goodness_of_fit": {
                "chi_square": self.chi_square,
                "df": self.chi_square_df,
                "p_value": self.chi_square_p_value,
                "max_survival_gap": self.max_survival_gap,
                "fits_poorly": self.fits_poorly,
            },
            "converged": self.converged,
            "warnings": self.warnings,
        }


def homogeneous_fit(counts: PooledCounts) -> tuple[float, float]:
    """The geometric (constant churn) fit: p and its log-likelihood.

    .. math:: \\hat p = \\frac{D}{E},\\quad \\ell = D \\log \\hat p + (E - D) \\log(1 - \\hat p)

    with D the churners and E the exposure (customer-periods at risk): each churner in
    period t contributes p(1 - p)^{t-1}, each customer censored at L contributes (1 - p)^L.
    """
    churned, exposure = int(counts.churned.sum()), counts.exposure
    p = churned / exposure
    ll = (churned * math.log(p) if churned else 0.0) + (
        (exposure - churned) * math.log1p(-p) if exposure > churned else 0.0
    )
    return p, ll


def likelihood_ratio_p_value(statistic: float) -> float:
    """p-value of 2(ℓ_sBG − ℓ_geometric) against the homogeneous model.

    The homogeneous model lies on the boundary of the sBG's parameter space
    (α + β → ∞, i.e. heterogeneity φ = 0), so the usual χ²(1) p-value is
    conservative; the asymptotic null distribution is the 50:50 mixture of
    χ²₀ and χ²₁ (Self & Liang 1987), whose p-value is half the χ²(1) one.
    """
    from scipy.special import chdtrc  # the chi-square survival function, without scipy.stats' import time

    return 0.5 * float(chdtrc(1, statistic)) if statistic > 0 else 1.0


def _maximize(counts: PooledCounts) -> tuple[float, float, bool]:
    """α, β maximizing the likelihood: L-BFGS-B on (log α, log β) from several starts, best kept."""
    from scipy.optimize import minimize

    scale = max(counts.acquired, 1)

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, beta = math.exp(x[0]), math.exp(x[1])
        gradient, _ = _gradient_and_hessian(alpha, beta, counts)
        return -log_likelihood(alpha, beta, counts) / scale, -gradient / scale

    observed, _ = homogeneous_fit(counts)
    p = min(max(observed, 1e-6), 1 - 1e-6)
    starts = [*STARTS, (math.log(p * 2.0), math.log((1 - p) * 2.0)), (math.log(p * 50.0), math.log((1 - p) * 50.0))]
    if 0 < observed < 1:
        # Next to the homogeneous boundary at the observed churn, as far out as the bounds allow: where the
        # likelihood is flattest (one period, or churn of 1 - 1e-12), a start near 0.5 stops short of it.
        logs = (math.log(observed), math.log1p(-observed))
        spread = max(min(LOG_BOUNDS[1] - max(logs), 9.0), LOG_BOUNDS[0] - min(logs))
        start = (logs[0] + spread, logs[1] + spread)
        if all(LOG_BOUNDS[0] <= x <= LOG_BOUNDS[1] for x in start):
            starts.append(start)
    best = None
    for start in starts:
        done = minimize(objective, np.array(start), jac=True, method="L-BFGS-B", bounds=[LOG_BOUNDS, LOG_BOUNDS])
        if np.isfinite(done.fun) and (best is None or done.fun < best.fun):
            best = done
    assert best is not None
    return math.exp(best.x[0]), math.exp(best.x[1]), bool(best.success)


# A transformed scale at a value: (the value on it, the derivative there, the way back).
Scale = tuple[float, float, Callable[[float], float]]


def _interval(value: float, se_log: float | None, transform: Callable[[float], Scale]) -> Estimate:
    """An estimate whose interval is symmetric on a transformed scale (log or logit): the delta method."""
    if se_log is None:
        return Estimate(value, None, None, None)
    centre, derivative, back = transform(value)
    try:
        low, high = float(back(centre - Z_95 * se_log)), float(back(centre + Z_95 * se_log))
    except OverflowError:  # an interval past every float: the data cannot bound the parameter
        return Estimate(value, float(se_log / abs(derivative)), None, None)
    if not (math.isfinite(low) and math.isfinite(high)):
        return Estimate(value, float(se_log / abs(derivative)), None, None)
    return Estimate(value, float(se_log / abs(derivative)), low, high)


def _log_scale(value: float) -> Scale:
    return math.log(value), 1.0 / value, math.exp


def _logit_scale(value: float) -> Scale:
    def back(x: float) -> float:
        return 1.0 / (1.0 + math.exp(-x))

    return math.log(value / (1.0 - value)), 1.0 / (value * (1.0 - value)), back


def _estimates(alpha: float, beta: float, counts: PooledCounts) -> tuple[Estimate, Estimate, Estimate, Estimate]:
    """α, β, mean churn α/(α+β) and heterogeneity 1/(α+β+1), with 95 % intervals from the inverse observed
    information in (log α, log β), carried over by the delta method (intervals on the log scale for α and β,
    on the logit scale for the two shares)."""
    _, hessian = _gradient_and_hessian(alpha, beta, counts)
    information = -hessian
    covariance = None
    at_bound = any(math.log(v) >= LOG_BOUNDS[1] - 1e-3 or math.log(v) <= LOG_BOUNDS[0] + 1e-3 for v in (alpha, beta))
    if np.all(np.isfinite(information)) and not at_bound:
        try:
            covariance = np.linalg.inv(information)
        except np.linalg.LinAlgError:
            covariance = None
        if covariance is not None and (np.linalg.eigvalsh(information).min() <= 0 or np.any(np.diag(covariance) <= 0)):
            covariance = None

    def se_of(gradient: tuple[float, float]) -> float | None:
        if covariance is None:
            return None
        g = np.array(gradient)
        return float(math.sqrt(g @ covariance @ g))

    total = alpha + beta
    mean_churn, heterogeneity = alpha / total, 1.0 / (total + 1.0)
    # logit(mean churn) = log α − log β; logit(heterogeneity) = −log(α + β).
    return (
        _interval(alpha, se_of((1.0, 0.0)), _log_scale),
        _interval(beta, se_of((0.0, 1.0)), _log_scale),
        _interval(mean_churn, se_of((1.0, -1.0)), _logit_scale),
        _interval(heterogeneity, se_of((alpha / total, beta / total)), _logit_scale),
    )


def _goodness_of_fit(
    alpha: float, beta: float, counts: PooledCounts
) -> tuple[np.ndarray, float | None, int, float | None, np.ndarray]:
    """Observed vs expected churners per period, given the customers at risk.

    Expected churners in period t: :math:`e_t = r_t\\,h(t)`, with r_t the customers
    at risk and h(t) = α / (α + β + t − 1) the fitted hazard.  Pearson's statistic
    :math:`\\sum_t (d_t - e_t)^2 / (r_t h_t (1 - h_t))` over the periods expecting at
    least 5 churners and 5 survivors is χ² with (periods − 2) degrees of freedom.
    Also the pooled observed survival (Kaplan-Meier, the product of 1 − d_t / r_t).
    """
    from scipy.special import chdtrc

    t = np.arange(1, counts.last_period + 1, dtype=float)
    h = alpha / (alpha + beta + t - 1.0)
    r = counts.at_risk[1:].astype(float)
    d = counts.churned[1:].astype(float)
    expected = r * h
    usable = (expected >= GOF_MIN_EXPECTED) & (r - expected >= GOF_MIN_EXPECTED)
    df = int(usable.sum()) - 2
    if df >= 1:
        on = usable  # only periods with customers at risk: elsewhere the ratio is 0 / 0
        statistic = float((((d[on] - expected[on]) ** 2) / (r[on] * h[on] * (1.0 - h[on]))).sum())
        p_value = float(chdtrc(df, statistic))
    else:
        statistic, p_value, df = None, None, 0
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.where(r > 0, 1.0 - d / np.where(r > 0, r, 1.0), 1.0)
    observed = np.concatenate([[1.0], np.cumprod(keep)])
    return expected, statistic, df, p_value, observed


def fit_sbg(cohorts: Sequence[Sequence[int] | np.ndarray]) -> FitResult:
    """Fit the sBG to cohorts given as active counts at periods 0..L (each non-increasing, L may differ)."""
    counts = pool(cohorts)
    churned = int(counts.churned.sum())
    if counts.exposure == 0:
        raise InputError(["every cohort has only period 0: there is no period in which a customer could churn"])
    if churned == 0:
        raise InputError(
            [
                "no customer churned in any cohort: churn cannot be estimated (it is below "
                f"1 in {counts.exposure} customer-periods)"
            ]
        )
    alpha, beta, converged = _maximize(counts)
    ll = log_likelihood(alpha, beta, counts)
    p_geo, ll_geo = homogeneous_fit(counts)
    statistic = max(0.0, 2.0 * (ll - ll_geo))
    last = counts.last_period
    survival = sbg_survival(alpha, beta, last + PROJECTION_PERIODS)
    expected, chi_square, df, chi_p, observed = _goodness_of_fit(alpha, beta, counts)
    # Gaps where the observed survival rests on at least 30 customers at risk.
    solid = np.concatenate([[True], counts.at_risk[1:] >= 30])
    gap = float(np.abs(observed - survival[: last + 1])[solid].max())
    estimates = _estimates(alpha, beta, counts)
    result = FitResult(
        *estimates,
        log_likelihood=ll,
        periods=last,
        cohorts=counts.cohorts,
        acquired=counts.acquired,
        churned=churned,
        survival=[float(s) for s in survival],
        observed_survival=[float(s) for s in observed],
        at_risk=[int(r) for r in counts.at_risk],
        churned_per_period=[int(d) for d in counts.churned],
        expected_churned_per_period=[0.0, *(float(e) for e in expected)],
        homogeneous_churn=p_geo,
        homogeneous_log_likelihood=ll_geo,
        homogeneous_survival=[float((1.0 - p_geo) ** n) for n in range(last + PROJECTION_PERIODS + 1)],
        lr_statistic=statistic,
        lr_p_value=likelihood_ratio_p_value(statistic),
        chi_square=chi_square,
        chi_square_df=df,
        chi_square_p_value=chi_p,
        max_survival_gap=gap,
        projected_active=_projection(alpha, beta, cohorts),
        converged=converged,
    )
    result.warnings.extend(_warnings(result))
    return result


def _projection(alpha: float, beta: float, cohorts: Sequence[Sequence[int] | np.ndarray]) -> list[float]:
    """Customers of all cohorts expected active k = 0..12 periods after each cohort's last observed period L:
    :math:`n_L\\,S(L + k) / S(L)`."""
    total = np.zeros(PROJECTION_PERIODS + 1)
    k = np.arange(PROJECTION_PERIODS + 1)
    for active in cohorts:
        last = len(active) - 1
        total += active[-1] * np.exp(log_survival(alpha, beta, last + k) - log_survival(alpha, beta, last))
    return [float(v) for v in total]


def _warnings(result: FitResult) -> list[str]:
    notes = []
    if result.chi_square_p_value is not None and result.chi_square_p_value < GOF_WARN_P:
        notes.append(
            f"the sBG model does not describe these data well: observed and expected churners per period "
            f"differ more than chance allows (Pearson chi-square {result.chi_square:.1f} on "
            f"{result.chi_square_df} df, p = {result.chi_square_p_value:.2g})"
        )
    if result.max_survival_gap > GOF_WARN_GAP:
        notes.append(f"fitted and observed survival differ by up to {100 * result.max_survival_gap:.1f} points")
    if result.alpha.se is None:
        notes.append(
            "no standard errors: the fit is at the edge of the parameter space "
            "(churn looks homogeneous, or the data are too few)"
        )
    if result.periods == 1:
        notes.append(
            "one period of history: only the mean churn is estimated; heterogeneity needs two periods "
            "or more (any value fits one period as well)"
        )
    if not result.converged:
        notes.append("the optimizer did not report convergence; the estimates may be imprecise")
    if result.chi_square is None:
        notes.append("too few customers per period for a goodness-of-fit test")
    return notes
