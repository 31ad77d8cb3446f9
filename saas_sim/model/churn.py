"""Churn formulas: per-period probabilities and the shifted-beta-geometric model.

The engine describes a segment's churn by two numbers per path:

* ``p``: the mean churn probability at the first renewal, per contract
  period of ``C`` months (SPEC 2.2);
* ``spread``: ``alpha + beta = 1/phi - 1`` of the sBG model, ``inf`` for
  homogeneous churn (``phi = 0``).

Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention",
Journal of Interactive Marketing 21(1), eq. (1)-(3).
"""

from __future__ import annotations

import numpy as np

Array = float | np.ndarray


def period_churn_from_monthly(monthly: Array, contract_months: int) -> Array:
    """Churn per contract period from a monthly rate.

    .. math:: p = 1 - (1 - m)^C
    """
    return 1.0 - (1.0 - np.asarray(monthly, dtype=float)) ** contract_months


def period_churn_from_annual(annual: Array, contract_months: int) -> Array:
    """Churn per contract period from an annual rate.

    .. math:: p = 1 - (1 - a)^{C/12}
    """
    return 1.0 - (1.0 - np.asarray(annual, dtype=float)) ** (contract_months / 12.0)


def spread_from_heterogeneity(heterogeneity: Array) -> Array:
    """``alpha + beta`` of the sBG model from the polarization index.

    .. math:: \\varphi = 1 / (\\alpha + \\beta + 1) \\Rightarrow \\alpha + \\beta = 1/\\varphi - 1

    ``inf`` where ``phi = 0`` (homogeneous churn), and where ``phi`` is so
    small (subnormal) that ``1/phi`` passes the largest float.
    """
    phi = np.asarray(heterogeneity, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(phi > 0, 1.0 / np.where(phi > 0, phi, 1.0) - 1.0, np.inf)


def sbg_parameters(p: Array, spread: Array) -> tuple[Array, Array]:
    """alpha and beta of the sBG model (SPEC 2.2).

    .. math:: \\alpha = p(1/\\varphi - 1),\\quad \\beta = (1 - p)(1/\\varphi - 1)
    """
    return np.asarray(p) * spread, (1.0 - np.asarray(p)) * spread


def hazard(p: Array, spread: Array, renewal_number: Array) -> np.ndarray:
    """Churn probability at renewal ``n`` (Fader & Hardie 2007, eq. 2).

    .. math:: h(n) = \\frac{\\alpha}{\\alpha + \\beta + n - 1}
              = \\frac{p\\,s}{s + n - 1},\\quad s = \\alpha + \\beta

    With ``s = inf`` (homogeneous churn) ``h(n) = p`` for every renewal.
    """
    p = np.asarray(p, dtype=float)
    spread = np.asarray(spread, dtype=float)
    n = np.asarray(renewal_number, dtype=float)
    finite = np.isfinite(spread)
    safe_spread = np.where(finite, spread, 1.0)
    sbg = p * safe_spread / (safe_spread + n - 1.0)
    rate: np.ndarray = np.where(finite, sbg, p * np.ones_like(n))
    return rate


def survival(p: Array, spread: Array, renewals: int) -> np.ndarray:
    """Survival to renewal ``n = 0..renewals`` (Fader & Hardie 2007, eq. 3).

    .. math:: S(n) = \\prod_{j=1}^{n} (1 - h(j)) = \\frac{B(\\alpha, \\beta + n)}{B(\\alpha, \\beta)}

    Returns shape ``(..., renewals + 1)`` with ``S(0) = 1``.
    """
    n = np.arange(1, renewals + 1, dtype=float)
    p = np.asarray(p, dtype=float)[..., None]
    spread = np.asarray(spread, dtype=float)[..., None]
    keep = 1.0 - hazard(p, spread, n)
    ones = np.ones((*keep.shape[:-1], 1))
    return np.concatenate([ones, np.cumprod(keep, axis=-1)], axis=-1)
