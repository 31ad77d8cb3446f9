"""Lifetime value and payback of a new account (SPEC 3.2), from month-1 parameters.

All functions take numbers or arrays of shape ``(paths,)`` and return arrays
of the broadcast shape.  Undefined values (division by zero) are ``nan``; a
payback that never happens within 600 months is ``inf``.
"""

from __future__ import annotations

import numpy as np

from saas_sim.model.churn import survival
from saas_sim.model.formulas import ratio

Array = float | np.ndarray

PAYBACK_LIMIT_MONTHS = 600
SUM_TOLERANCE = 1e-12  # relative; a sum of 600 months rounds by about 600 × 2⁻⁵³ of itself


def equivalent_monthly_churn(p: Array, contract_months: int) -> np.ndarray:
    """The monthly churn rate equivalent to ``p`` per contract period.

    .. math:: m_{eq} = 1 - (1 - p)^{1/C}
    """
    return 1.0 - (1.0 - np.asarray(p, dtype=float)) ** (1.0 / contract_months)


def ltv_simple(arpa: Array, gross_margin: Array, p: Array, contract_months: int) -> np.ndarray:
    """The classic lifetime value, ARPA times margin divided by churn.

    .. math:: LTV_{simple} = \\frac{ARPA \\cdot GM}{m_{eq}}

    Undefined (``nan``) when churn is zero.
    """
    return ratio(np.asarray(arpa) * np.asarray(gross_margin), equivalent_monthly_churn(p, contract_months))


def payback_months(cac: Array, arpa: Array, gross_margin: Array) -> np.ndarray:
    """Months of gross profit that repay the CAC, ignoring churn.

    .. math:: payback = \\frac{CAC}{ARPA \\cdot GM}
    """
    return ratio(np.asarray(cac), np.asarray(arpa) * np.asarray(gross_margin))


def monthly_survival(p: Array, spread: Array, contract_months: int, months: int) -> np.ndarray:
    """``S_k`` for ``k = 0..months-1``: survival of a new account to month k.

    .. math:: S_k = S(\\lfloor k / C \\rfloor)

    Shape ``(..., months)``.
    """
    renewals = (months - 1) // contract_months
    by_renewal = survival(p, spread, renewals)
    return by_renewal[..., np.arange(months) // contract_months]


def ltv_and_payback(
    *,
    arpa: Array,
    gross_margin: Array,
    expansion: Array,
    contraction: Array,
    p: Array,
    spread: Array,
    contract_months: int,
    discount_rate_annual: Array,
    ltv_horizon_months: Array,
    cac: Array,
) -> tuple[np.ndarray, np.ndarray]:
    """Lifetime value and payback with churn (SPEC 3.2).

    .. math::
        LTV = GM \\sum_{k=0}^{L-1} S_k \\, ARPA \\, (1 + e - c)^k / (1 + d)^k,
        \\quad d = (1 + d_{annual})^{1/12} - 1

        payback_{churn} = \\min\\{k \\ge 1 : GM \\sum_{j=0}^{k-1} S_j \\, ARPA (1 + e - c)^j \\ge CAC\\}

    Payback counts the months of gross profit that repay CAC: without churn
    or expansion it is ``ceil(payback_months)``, and churn only lengthens it.
    Heterogeneous churn enters through ``S_k`` (Fader & Hardie 2010 discount
    the expected lifetime the same way).  Payback is ``inf`` (never) beyond
    ``PAYBACK_LIMIT_MONTHS``.
    """
    months = PAYBACK_LIMIT_MONTHS
    k = np.arange(months, dtype=float)
    shape = np.broadcast_shapes(
        *(
            np.shape(x)
            for x in (
                arpa,
                gross_margin,
                expansion,
                contraction,
                p,
                spread,
                discount_rate_annual,
                ltv_horizon_months,
                cac,
            )
        )
    )

    def col(x: Array) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), shape)[..., None]

    growth = 1.0 + col(expansion) - col(contraction)
    monthly_discount = (1.0 + col(discount_rate_annual)) ** (1.0 / 12.0) - 1.0
    s_k = monthly_survival(np.broadcast_to(p, shape), np.broadcast_to(spread, shape), contract_months, months)
    margin = col(gross_margin) * s_k * col(arpa) * growth**k
    ltv = np.sum(margin / (1.0 + monthly_discount) ** k * (k < col(ltv_horizon_months)), axis=-1)
    # Column k - 1 holds the first k months' gross profit; the tolerance forgives the sum's own
    # rounding, so that k months of exactly CAC / k repay it (payback = ceil(payback_months)).
    paid = np.cumsum(margin, axis=-1) >= col(cac) * (1.0 - SUM_TOLERANCE)
    payback = np.where(paid.any(axis=-1), np.argmax(paid, axis=-1) + 1.0, np.inf)
    return ltv, payback
