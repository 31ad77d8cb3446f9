"""Historical SaaS metrics from an MRR ledger (SPEC 6), month by month, vectorized.

The ledger's rows are summed into one entry per customer and active month
(MRR > 0), sorted by customer then month.  Each entry is then compared with
the same customer's previous and next entries, never with a dense
customers × months matrix, so memory grows with the rows, not with
customers × months.  Following ChartMogul's movement definitions
(help.chartmogul.com, "MRR movements"), for month t:

- new: active at t, never active before (its MRR at t);
- reactivation: active at t, not at t − 1, active some month before;
- churned: active at t − 1, not at t (its MRR at t − 1);
- expansion / contraction: active at t − 1 and t, the MRR increase / decrease.

so that ``mrr_t = mrr_{t−1} + new + expansion + reactivation − contraction − churned``
exactly; ``net_new_mrr`` is that sum, keeping SPEC 3.1's identity with
reactivation included.  Rates (SPEC 3.1 and 6):

.. math::

    logo\\_churn\\_rate_t = churned\\_customers_t / customers_{t-1}

    nrr\\_monthly_t = (mrr_{t-1} + expansion_t - contraction_t - churned_t) / mrr_{t-1}

    grr\\_monthly_t = (mrr_{t-1} - contraction_t - churned_t) / mrr_{t-1}

    quick\\_ratio_t = (new_t + expansion_t + reactivation_t) / (churned_t + contraction_t)

each ``None`` in the first month and where its denominator is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saas_sim.io.ledger import Ledger

COUNT_SERIES = ("customers", "new_customers", "reactivated_customers", "churned_customers")
MONEY_SERIES = ("mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivation_mrr", "net_new_mrr")
RATE_SERIES = ("logo_churn_rate", "nrr_monthly", "grr_monthly", "quick_ratio")
SERIES = (
    "customers",
    "mrr",
    "new_customers",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_customers",
    "churned_mrr",
    "reactivated_customers",
    "reactivation_mrr",
    "net_new_mrr",
    "logo_churn_rate",
    "nrr_monthly",
    "grr_monthly",
    "quick_ratio",
)
MONEY_DECIMALS = 6  # drops the float noise of summing (300.00000000000006), far below a cent


@dataclass(frozen=True)
class ActiveMonths:
    """One entry per customer and active month, sorted by customer then month.

    ``customer``, ``month`` (index into the ledger's months) and ``mrr``
    (the month's rows summed, > 0) are arrays of one shape.
    """

    customer: np.ndarray
    month: np.ndarray
    mrr: np.ndarray
    month_count: int


def active_months(ledger: Ledger) -> ActiveMonths:
    """Sum the rows of each customer and month; keep the months with MRR > 0."""
    month_count = len(ledger.months)
    key = ledger.customer.astype(np.int64) * month_count + ledger.month
    keys, position = np.unique(key, return_inverse=True)  # sorted: by customer, then month
    mrr = np.bincount(position.ravel(), weights=ledger.mrr, minlength=len(keys))
    active = mrr > 0
    keys, mrr = keys[active], mrr[active]
    return ActiveMonths(keys // month_count, keys % month_count, mrr, month_count)


def _per_month(
    month: np.ndarray, selected: np.ndarray | slice, month_count: int, weights: np.ndarray | None = None, shift: int = 0
) -> np.ndarray:
    """The count (or the sum of ``weights``) of the ``selected`` entries in each month, ``shift`` months later."""
    chosen = month[selected] + shift
    return np.bincount(chosen, weights=None if weights is None else weights[selected], minlength=month_count)[
        :month_count
    ].astype(np.float64)


def _after_first(values: np.ndarray, first: bool | float, count: int) -> np.ndarray:
    """``count`` entries: ``first``, then ``values`` (one per entry but the first)."""
    shifted = np.full(count, first, dtype=values.dtype)
    shifted[1:] = values
    return shifted


def movements(active: ActiveMonths) -> dict[str, np.ndarray]:
    """Every count and money series of SPEC 6 as float arrays of shape ``(months,)``."""
    customer, month, mrr, count = active.customer, active.month, active.mrr, active.month_count
    entries = len(customer)
    same_as_previous = _after_first(customer[1:] == customer[:-1], False, entries)
    step_from_previous = _after_first(np.diff(month), 0, entries)
    previous_mrr = _after_first(mrr[:-1], 0.0, entries)
    same_as_next = np.append(same_as_previous[1:], False)[:entries]
    step_to_next = np.append(step_from_previous[1:], 0)[:entries]

    is_new = ~same_as_previous
    continuing = same_as_previous & (step_from_previous == 1)
    reactivated = same_as_previous & (step_from_previous > 1)
    # Churned the month after its last active month of a run, if that month is in the ledger.
    churns = (~same_as_next | (step_to_next > 1)) & (month + 1 < count)
    change = mrr - previous_mrr

    series = {
        "customers": _per_month(month, slice(None), count),
        "mrr": _per_month(month, slice(None), count, mrr),
        "new_customers": _per_month(month, is_new, count),
        "new_mrr": _per_month(month, is_new, count, mrr),
        "expansion_mrr": _per_month(month, continuing & (change > 0), count, change),
        "contraction_mrr": _per_month(month, continuing & (change < 0), count, -change),
        "churned_customers": _per_month(month, churns, count, shift=1),
        "churned_mrr": _per_month(month, churns, count, mrr, shift=1),
        "reactivated_customers": _per_month(month, reactivated, count),
        "reactivation_mrr": _per_month(month, reactivated, count, mrr),
    }
    series["net_new_mrr"] = (
        series["new_mrr"]
        + series["expansion_mrr"]
        + series["reactivation_mrr"]
        - series["contraction_mrr"]
        - series["churned_mrr"]
    )
    return series


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, NaN where the denominator is 0 and in the first month."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
    rate[:1] = np.nan
    return rate


def rates(series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rates of SPEC 6 (formulas in the module docstring); NaN where undefined."""
    last_customers = np.r_[0.0, series["customers"][:-1]]
    last_mrr = np.r_[0.0, series["mrr"][:-1]]
    lost = series["churned_mrr"] + series["contraction_mrr"]
    gained = series["new_mrr"] + series["expansion_mrr"] + series["reactivation_mrr"]
    return {
        "logo_churn_rate": _ratio(series["churned_customers"], last_customers),
        "nrr_monthly": _ratio(last_mrr + series["expansion_mrr"] - lost, last_mrr),
        "grr_monthly": _ratio(last_mrr - lost, last_mrr),
        "quick_ratio": _ratio(gained, lost),
    }


def cohorts(active: ActiveMonths) -> dict[str, list[list[float | None]]]:
    """Retention triangles by first active month: ``[k][a]`` for ``a = 0 .. months − 1 − k``.

    ``logo_retention[k][a]``: share of the customers first active in month k
    that are active a months later; ``revenue_retention[k][a]``: their MRR
    then over their MRR in month k (above 1 when expansion outweighs churn).
    A month in which nobody started has a row of ``None``.
    """
    count = active.month_count
    is_new = _after_first(active.customer[1:] != active.customer[:-1], True, len(active.customer))
    first_month = active.month[is_new][np.cumsum(is_new) - 1]
    cell = first_month * count + (active.month - first_month)
    logos = np.bincount(cell, minlength=count * count).reshape(count, count).astype(np.float64)
    revenue = np.bincount(cell, weights=active.mrr, minlength=count * count).reshape(count, count)
    with np.errstate(divide="ignore", invalid="ignore"):
        logo_share = logos / logos[:, :1]
        revenue_share = revenue / revenue[:, :1]
    return {
        "logo_retention": [_json_list(logo_share[k, : count - k]) for k in range(count)],
        "revenue_retention": [_json_list(revenue_share[k, : count - k]) for k in range(count)],
    }


def _json_list(values: np.ndarray, decimals: int | None = None) -> list[float | None]:
    """Floats for JSON: NaN and infinities become ``None``."""
    if decimals is not None:
        values = np.round(values, decimals)
    return [float(value) if np.isfinite(value) else None for value in values.tolist()]


def ledger_metrics(ledger: Ledger) -> dict:
    """The document of ``saas-sim metrics --json`` (SPEC 6).

    ``{"months": [...], "series": {name: [...]}, "cohorts": {"logo_retention":
    [[...]], "revenue_retention": [[...]]}}``: counts as integers, money and
    rates as floats, ``None`` where undefined, never NaN.
    """
    active = active_months(ledger)
    series = movements(active)
    series.update(rates(series))
    document_series: dict[str, list] = {}
    for name in SERIES:
        if name in COUNT_SERIES:
            document_series[name] = [int(value) for value in series[name].tolist()]
        elif name in MONEY_SERIES:
            document_series[name] = _json_list(series[name], MONEY_DECIMALS)
        else:
            document_series[name] = _json_list(series[name])
    return {"months": list(ledger.months), "series": document_series, "cohorts": cohorts(active)}
