"""The metrics of SPEC section 3, per path, from the engine's raw series.

Inputs and outputs are arrays shaped ``(paths, months)`` (series) or
``(paths,)`` (summaries).  A value that is undefined on a path (a division
by zero, a window longer than the horizon) is ``nan``; aggregation leaves it
out.  Column ``t - 1`` holds month ``t``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np

from saas_sim.model.catalog.metrics import UNIT_ECONOMICS

# The summaries that need a whole year of history.
YEAR = 12


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


def series_recipes(raw: dict[str, np.ndarray], *, company: bool) -> dict[str, Callable[[], np.ndarray]]:
    """How to compute every monthly series of SPEC 3.1 from the raw per-path series, one at a time.

    ``raw`` holds the kernel's counts and MRR movements plus ``customers0``
    and ``mrr0`` (month 0).  With ``company=True`` it also holds ``cash``,
    ``cash_in``, ``fixed_costs`` and ``starting_cash``.  Each recipe makes its
    series afresh (a raw series is returned as it is), so that a caller can
    compute, use and drop one series at a time; names that share one recipe
    (``revenue`` and ``mrr``) share one array.
    """

    def kept(name: str) -> Callable[[], np.ndarray]:
        return lambda: raw[name]

    def customers_prev() -> np.ndarray:
        return previous(raw["customers"], raw["customers0"])

    def mrr_prev() -> np.ndarray:
        return previous(raw["mrr"], raw["mrr0"])

    def new_customers() -> np.ndarray:
        return raw["paid_new"] + raw["referral_new"]

    def logo_churn_rate() -> np.ndarray:
        return ratio(raw["churned_customers"], customers_prev())

    def nrr_monthly() -> np.ndarray:
        before = mrr_prev()
        return ratio(before + raw["expansion_mrr"] - raw["contraction_mrr"] - raw["churned_mrr"], before)

    def grr_monthly() -> np.ndarray:
        before = mrr_prev()
        return ratio(before - raw["contraction_mrr"] - raw["churned_mrr"], before)

    def over_year_ago(numerator: str) -> Callable[[], np.ndarray]:
        return lambda: _from_month(ratio(raw[numerator], lagged(raw["mrr"], raw["mrr0"], YEAR)), YEAR)

    def net_burn() -> np.ndarray:
        cash = raw["cash"]
        return np.maximum(0.0, previous(cash, raw["starting_cash"]) - cash + raw["cash_in"])

    mrr = kept("mrr")
    recipes = {
        "customers": kept("customers"),
        "new_customers": new_customers,
        "paid_new": kept("paid_new"),
        "referral_new": kept("referral_new"),
        "churned_customers": kept("churned_customers"),
        "renewals_due": kept("renewals_due"),
        "mrr": mrr,
        "arr": lambda: 12.0 * raw["mrr"],
        "new_mrr": kept("new_mrr"),
        "expansion_mrr": kept("expansion_mrr"),
        "contraction_mrr": kept("contraction_mrr"),
        "churned_mrr": kept("churned_mrr"),
        "net_new_mrr": kept("net_new_mrr"),
        "logo_churn_rate": logo_churn_rate,
        "annualized_logo_churn": lambda: annualized_logo_churn(logo_churn_rate()),
        "renewal_rate": lambda: 1.0 - ratio(raw["churned_customers"], raw["renewals_due"]),
        "gross_mrr_churn_rate": lambda: ratio(raw["churned_mrr"] + raw["contraction_mrr"], mrr_prev()),
        "nrr_monthly": nrr_monthly,
        "grr_monthly": grr_monthly,
        "nrr_12m": over_year_ago("nrr_12m_numerator"),
        "grr_12m": over_year_ago("grr_12m_numerator"),
        "quick_ratio": lambda: ratio(
            raw["new_mrr"] + raw["expansion_mrr"], raw["churned_mrr"] + raw["contraction_mrr"]
        ),
        "acquisition_spend": kept("acquisition_spend"),
        "cac": lambda: ratio(raw["acquisition_spend"], new_customers()),
        "paid_cac": lambda: ratio(raw["acquisition_spend"], raw["paid_new"]),
        "revenue": mrr,
        "gross_profit": kept("gross_profit"),
        "cs_cost": kept("cs_cost"),
        "collections": kept("collections"),
    }
    if company:
        recipes["fixed_costs"] = kept("fixed_costs")
        recipes["cash"] = kept("cash")
        recipes["net_burn"] = net_burn
    return recipes


def segment_series(raw: dict[str, np.ndarray], *, company: bool) -> dict[str, np.ndarray]:
    """Every monthly series of SPEC 3.1 from the raw per-path series (see :func:`series_recipes`)."""
    return {name: recipe() for name, recipe in series_recipes(raw, company=company).items()}


class LazySeries(Mapping):
    """The monthly series of one view, each computed when it is read and not kept.

    For reading every series once while holding one at a time in memory;
    :meth:`recipe` tells which names share an array.
    """

    def __init__(self, raw: dict[str, np.ndarray], *, company: bool):
        self._recipes = series_recipes(raw, company=company)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._recipes[name]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._recipes)

    def __len__(self) -> int:
        return len(self._recipes)

    def recipe(self, name: str) -> Callable[[], np.ndarray]:
        return self._recipes[name]


def _from_month(series: np.ndarray, first_month: int) -> np.ndarray:
    out = series.copy()
    out[:, : first_month - 1] = np.nan
    return out


def summary(series: dict[str, np.ndarray], raw: dict[str, np.ndarray], *, company: bool) -> dict[str, np.ndarray]:
    """The per-path summary metrics of SPEC 3.2 (unit economics come from the kernel)."""
    arr = series["arr"]
    H = arr.shape[1]
    last = H - 1
    # Last columns are copied: a view would keep a whole derived series alive.
    out = {
        "arr_end": arr[:, last].copy(),
        "mrr_end": series["mrr"][:, last].copy(),
        "customers_end": series["customers"][:, last].copy(),
        "arr_growth_yoy_end": _yoy_growth(arr),
        "annualized_logo_churn_end": series["annualized_logo_churn"][:, last].copy(),
        "nrr_12m_end": series["nrr_12m"][:, last].copy(),
        "grr_12m_end": series["grr_12m"][:, last].copy(),
        "cac": ratio(series["acquisition_spend"].sum(axis=1), series["new_customers"].sum(axis=1)),
    }
    for name in UNIT_ECONOMICS:
        out[name] = raw[name]
    if company:
        cash = series["cash"]
        below = cash < 0
        out["cash_end"] = cash[:, last]
        out["cash_min"] = cash.min(axis=1)
        out["out_of_cash"] = below.any(axis=1).astype(float)
        out["cash_out_month"] = np.where(below.any(axis=1), np.argmax(below, axis=1) + 1.0, np.nan)
        out["burn_multiple"] = burn_multiple(series["net_burn"], arr)
        out["rule_of_40"] = rule_of_40(series, out["arr_growth_yoy_end"])
    return out


def _yoy_growth(arr: np.ndarray) -> np.ndarray:
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
    return np.where(growth > 0, ratio(burn, growth), np.nan)


def rule_of_40(series: dict[str, np.ndarray], yoy_growth: np.ndarray) -> np.ndarray:
    """Growth plus operating margin, in points, over the last twelve months.

    .. math:: 100\\,g_{yoy} + 100 \\frac{\\sum (gross\\_profit - spend - cs - fixed)}{\\sum revenue}
    """
    window = slice(-YEAR, None)
    operating = (
        series["gross_profit"][:, window]
        - series["acquisition_spend"][:, window]
        - series["cs_cost"][:, window]
        - series["fixed_costs"][:, window]
    ).sum(axis=1)
    margin = ratio(operating, series["revenue"][:, window].sum(axis=1))
    return 100.0 * yoy_growth + 100.0 * margin


def weighted_unit_economics(segments: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Company LTV, LTV/CAC and payback: the segments' values weighted by each
    segment's share of new accounts on that path (SPEC 3.2).

    A segment without new accounts on a path has no weight there; on a path
    without any new account every segment weighs the same.  An undefined
    (``nan``) or never (``inf``) value of a weighted segment carries over.
    """
    new = np.stack([(s["paid_new"] + s["referral_new"]).sum(axis=1) for s in segments])  # (segments, paths)
    total = new.sum(axis=0)
    weights = np.where(total > 0, ratio(new, total[None, :]), 1.0 / len(segments))
    out = {}
    for name in UNIT_ECONOMICS:
        values = np.stack([np.broadcast_to(s[name], total.shape) for s in segments])
        weighted = weights > 0
        with np.errstate(invalid="ignore"):
            combined = np.where(weighted, weights * values, 0.0).sum(axis=0)
        undefined = (weighted & np.isnan(values)).any(axis=0)
        never = (weighted & np.isposinf(values)).any(axis=0)
        out[name] = np.where(undefined, np.nan, np.where(never, np.inf, combined))
    return out
