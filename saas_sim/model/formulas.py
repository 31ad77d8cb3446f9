"""The formulas of SPEC section 3 as small pure functions of arrays, each with its equation.

Inputs and outputs are arrays shaped ``(paths, months)`` (series) or
``(paths,)`` (summaries).  A value that is undefined on a path (a division
by zero, a window longer than the horizon) is ``nan``; aggregation leaves it
out.  Column ``t - 1`` holds month ``t``.

The metric catalog (:mod:`saas_sim.model.catalog.metrics`) composes them:
each derived metric's ``derive`` (a series) or ``summarize`` (a summary)
calls these with the arrays it reads through :class:`Views`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

# The summaries that need a whole year of history.
YEAR = 12


class Views:
    """What a metric's ``derive`` or ``summarize`` reads of one view (the company or a segment).

    ``views[name]`` is a monthly series by its SPEC name (a derived one is
    computed afresh each time it is read, and not kept), or else a raw array
    of the kernel that no series shows (``customers0``, ``mrr0``, ``cash_in``,
    ``starting_cash``, ``nrr_12m_numerator`` ...).  A summary reads the other
    summaries by :meth:`summary`.
    """

    def __init__(
        self,
        raw: Mapping[str, np.ndarray],
        series: Mapping[str, np.ndarray],
        summary: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.raw = raw
        self._series = series
        self._summary = summary

    def __getitem__(self, name: str) -> np.ndarray:
        return self._series[name] if name in self._series else self.raw[name]

    def previous(self, name: str, start: str) -> np.ndarray:
        """Series ``name`` one month back (see :func:`previous`); month 0 is the raw array ``start``."""
        return previous(self[name], self.raw[start])

    def lagged(self, name: str, start: str, lag: int) -> np.ndarray:
        """Series ``name`` ``lag`` months back (see :func:`lagged`); month 0 is the raw array ``start``."""
        return lagged(self[name], self.raw[start], lag)

    def end(self, name: str) -> np.ndarray:
        """Series ``name`` at the end of the horizon, copied: a view would keep the whole series alive."""
        return self[name][:, -1].copy()

    def summary(self, name: str) -> np.ndarray:
        """Another summary metric of the view (computed once per view)."""
        if self._summary is None:
            raise KeyError(f"a monthly series cannot read the summary {name!r}")
        return self._summary(name)


def retention_base(v: Views) -> np.ndarray:
    """The denominator of 12-month retention: mrr(t−12), less, in a segment with migrations (SPEC 2.8), the
    MRR then of its accounts of then that moved out since (the kernel's ``moved_out_base``).

    A segment's retention is taken over the accounts of t−12 that have not moved out by t; the
    company's follows every account, wherever it moved.
    """
    base = v.lagged("mrr", start="mrr0", lag=YEAR)
    return base - v.raw["moved_out_base"] if "moved_out_base" in v.raw else base


def last_open(series: np.ndarray, closed: np.ndarray | None) -> np.ndarray:
    """A series at t = H, or, on a path that shut down for want of cash (SPEC 2.5), at its last month open.

    ``closed`` is 1 from the month after the shut-down: a retention "at the end" of a company that no
    longer exists would read its closing (every account lost) or nothing at all; what it kept while it
    ran is what a founder asks.  ``closed`` None: no path shuts down.
    """
    end = series[:, -1].copy()
    if closed is None:
        return end
    shut = closed[:, -1] > 0
    if shut.any():
        last = np.argmax(closed[shut] > 0, axis=1) - 1  # the column of the month it closed
        end[shut] = np.where(last >= 0, series[shut, np.maximum(last, 0)], np.nan)
    return end


def raw_or_zero(v: Views, name: str) -> np.ndarray:
    """The kernel's series ``name`` of a segment, or zeros where the scenario has no migrations to record."""
    return v.raw[name] if name in v.raw else np.zeros_like(v.raw["customers"])


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, ``nan`` where the denominator is zero."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, float), np.asarray(denominator, float))
    out = np.full(numerator.shape, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def previous(series: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The series shifted by one month: column ``t - 1`` holds month ``t - 1``, month 0 is ``start``."""
    return np.concatenate([np.asarray(start, float)[:, None], series[:, :-1]], axis=1)


def lagged(series: np.ndarray, start: np.ndarray, lag: int) -> np.ndarray:
    """Month ``t - lag`` at column ``t - 1`` (month 0 is ``start``), ``nan`` before month 0."""
    with_start = np.concatenate([np.asarray(start, float)[:, None], series], axis=1)  # months 0..H
    out = np.full(series.shape, np.nan)
    if lag <= series.shape[1]:
        out[:, lag - 1 :] = with_start[:, : series.shape[1] - lag + 1]
    return out


def from_month(series: np.ndarray, first_month: int) -> np.ndarray:
    """The series with the months before ``first_month`` undefined (``nan``), copied."""
    out = series.copy()
    out[:, : first_month - 1] = np.nan
    return out


def net_revenue_retention(
    mrr_before: np.ndarray, expansion: np.ndarray, contraction: np.ndarray, churned: np.ndarray
) -> np.ndarray:
    """Net revenue retention over one month.

    .. math:: \\frac{mrr_{t-1} + expansion_t - contraction_t - churned_t}{mrr_{t-1}}
    """
    return ratio(mrr_before + expansion - contraction - churned, mrr_before)


def gross_revenue_retention(mrr_before: np.ndarray, contraction: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """Gross revenue retention over one month: expansion left out.

    .. math:: \\frac{mrr_{t-1} - contraction_t - churned_t}{mrr_{t-1}}
    """
    return ratio(mrr_before - contraction - churned, mrr_before)


def annualized_logo_churn(logo_churn_rate: np.ndarray) -> np.ndarray:
    """Churn over the last twelve months, compounded.

    .. math:: 1 - \\prod_{i=t-11}^{t} (1 - churn_i), \\quad t \\ge 12
    """
    paths, months = logo_churn_rate.shape
    out = np.full((paths, months), np.nan)
    if months >= YEAR:
        keep = 1.0 - logo_churn_rate
        product = np.ones((paths, months - YEAR + 1))
        for shift in range(YEAR):
            product = product * keep[:, shift : months - YEAR + 1 + shift]
        out[:, YEAR - 1 :] = 1.0 - product
    return out


def net_burn(cash: np.ndarray, starting_cash: np.ndarray, cash_in: np.ndarray) -> np.ndarray:
    """Cash burned in the month, funding left out; 0 in a month that made money.

    .. math:: \\max(0,\\; cash_{t-1} - cash_t + cash\\_in_t), \\quad cash_0 = starting\\_cash
    """
    out: np.ndarray = np.maximum(0.0, previous(cash, starting_cash) - cash + cash_in)
    return out


def cash_out_month(cash: np.ndarray) -> np.ndarray:
    """The first month whose cash is below zero; undefined (``nan``) on a path where it never is.

    .. math:: \\min \\{ t : cash_t < 0 \\}
    """
    below = cash < 0
    out: np.ndarray = np.where(below.any(axis=1), np.argmax(below, axis=1) + 1.0, np.nan)
    return out


def yoy_growth(arr: np.ndarray) -> np.ndarray:
    """ARR growth over the last year: ``arr_H / arr_{H-12} - 1`` (H >= 13)."""
    H = arr.shape[1]
    if H < YEAR + 1:
        return np.full(arr.shape[0], np.nan)
    return ratio(arr[:, -1], arr[:, -1 - YEAR]) - 1.0


def burn_multiple(net_burn: np.ndarray, arr: np.ndarray) -> np.ndarray:
    """David Sacks' burn multiple over the last twelve months.

    .. math:: \\frac{\\sum_{t=H-11}^{H} net\\_burn_t}{arr_H - arr_{H-12}}

    Undefined unless ARR grew (and H >= 13).
    """
    H = arr.shape[1]
    if H < YEAR + 1:
        return np.full(arr.shape[0], np.nan)
    growth = arr[:, -1] - arr[:, -1 - YEAR]
    burn = net_burn[:, -YEAR:].sum(axis=1)
    out: np.ndarray = np.where(growth > 0, ratio(burn, growth), np.nan)
    return out


def rule_of_40(
    yoy_growth: np.ndarray,
    *,
    gross_profit: np.ndarray,
    acquisition_spend: np.ndarray,
    cs_cost: np.ndarray,
    fixed_costs: np.ndarray,
    revenue: np.ndarray,
) -> np.ndarray:
    """Growth plus operating margin, in points, over the last twelve months.

    .. math:: 100\\,g_{yoy} + 100 \\frac{\\sum (gross\\_profit - spend - cs - fixed)}{\\sum revenue}
    """
    window = slice(-YEAR, None)
    operating = (
        gross_profit[:, window] - acquisition_spend[:, window] - cs_cost[:, window] - fixed_costs[:, window]
    ).sum(axis=1)
    margin = ratio(operating, revenue[:, window].sum(axis=1))
    return 100.0 * yoy_growth + 100.0 * margin
