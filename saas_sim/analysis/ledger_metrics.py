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


DENSE_CELLS_PER_ROW = 4  # customers x months at most this many times the rows: summed in a dense array, not sorted
DENSE_CELLS_AT_LEAST = 1 << 16  # and always up to this many cells (half a megabyte)


def active_months(ledger: Ledger) -> ActiveMonths:
    """Sum the rows of each customer and month; keep the months with MRR > 0.

    When the customer-month grid is at most :data:`DENSE_CELLS_PER_ROW`
    times the rows (every real ledger: customers stay for months), the rows
    are summed into the grid by ``bincount`` and the active cells read back
    in order, which needs no sort; otherwise the keys are sorted.  Both sum
    each cell's rows in file order, so the sums are the same to the bit.
    """
    month_count = len(ledger.months)
    cells = len(ledger.customer_ids) * month_count
    key = np.multiply(ledger.customer, month_count, dtype=np.int64)
    key += ledger.month
    if cells <= max(DENSE_CELLS_PER_ROW * ledger.rows, DENSE_CELLS_AT_LEAST):
        grid = np.bincount(key, weights=ledger.mrr, minlength=cells)
        del key
        keys = np.flatnonzero(grid > 0)
        mrr = grid[keys]
        del grid
    else:
        keys, position = np.unique(key, return_inverse=True)  # sorted: by customer, then month
        del key
        mrr = np.bincount(position.ravel(), weights=ledger.mrr, minlength=len(keys))
        del position
        active = mrr > 0
        keys, mrr = keys[active], mrr[active]
    customer, month = np.divmod(keys, month_count)
    return ActiveMonths(customer, month, mrr, month_count)


def _per_month(
    month: np.ndarray, selected: np.ndarray | slice, month_count: int, weights: np.ndarray | None = None, shift: int = 0
) -> np.ndarray:
    """The count (or the sum of ``weights``) of the ``selected`` entries in each month, ``shift`` months later."""
    chosen = month[selected] + shift
    return np.bincount(chosen, weights=None if weights is None else weights[selected], minlength=month_count)[
        :month_count
    ].astype(np.float64)


def _runs(active: ActiveMonths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each entry: whether it is its customer's first (``new``), whether the same customer was active
    the month before (``continuing``), and whether it came back after a gap (``reactivated``)."""
    customer, month = active.customer, active.month
    entries = len(customer)
    same_customer = customer[1:] == customer[:-1]
    one_month_on = np.diff(month) == 1
    new = np.ones(entries, dtype=np.bool_)
    continuing = np.zeros(entries, dtype=np.bool_)
    reactivated = np.zeros(entries, dtype=np.bool_)
    if entries:
        np.logical_not(same_customer, out=new[1:])
        np.logical_and(same_customer, one_month_on, out=continuing[1:])
        np.logical_and(same_customer, ~one_month_on, out=reactivated[1:])
    return new, continuing, reactivated


def movements(active: ActiveMonths) -> dict[str, np.ndarray]:
    """Every count and money series of SPEC 6 as float arrays of shape ``(months,)``."""
    month, mrr, count = active.month, active.mrr, active.month_count
    is_new, continuing, reactivated = _runs(active)
    # Churned the month after its last active month of a run, if that month is in the ledger.
    churns = np.ones(len(month), dtype=np.bool_)
    if len(month):
        np.logical_not(continuing[1:], out=churns[:-1])
    churns &= month + 1 < count
    change = np.zeros(len(mrr))
    np.subtract(mrr[1:], mrr[:-1], out=change[1:])
    rising, falling = continuing & (change > 0), continuing & (change < 0)

    series = {
        "customers": _per_month(month, slice(None), count),
        "mrr": _per_month(month, slice(None), count, mrr),
        "new_customers": _per_month(month, is_new, count),
        "new_mrr": _per_month(month, is_new, count, mrr),
        "expansion_mrr": _per_month(month, rising, count, change),
        "churned_customers": _per_month(month, churns, count, shift=1),
        "churned_mrr": _per_month(month, churns, count, mrr, shift=1),
        "reactivated_customers": _per_month(month, reactivated, count),
        "reactivation_mrr": _per_month(month, reactivated, count, mrr),
    }
    np.negative(change, out=change)
    series["contraction_mrr"] = _per_month(month, falling, count, change)
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
    starts = np.flatnonzero(_runs(active)[0])
    run_lengths = np.diff(np.append(starts, len(active.month)))
    # cell = first_month * count + (month - first_month), computed in one array
    cell = np.repeat(active.month[starts], run_lengths)
    cell *= count - 1
    cell += active.month
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
