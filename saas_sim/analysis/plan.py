"""The p50 plan of SPEC 4 (``run --plan``): one row per month and one per year, from a result document.

A month's row is the company series' medians (p50) at that month, with the p10 and p90 of ARR
and cash beside them.  A year's row sums the monthly medians of the flows (new and churned
customers, acquisition spend, net burn) and takes the stocks (customers, MRR, ARR, cash and
the p10/p90 of ARR and cash) at the year's last month:

.. math:: \\text{new}_{\\text{year } y} = \\sum_{t=12(y-1)+1}^{\\min(12y, H)} \\operatorname{p50}(\\text{new\\_customers}_t),
          \\qquad \\text{arr}_{\\text{year } y} = \\operatorname{p50}(\\text{arr}_{\\min(12y, H)})

(a sum of medians, not the median of the paths' sums: the plan a founder writes adds up).  A
horizon that is not a whole number of years ends with a partial year, labelled with its months
(``year 4 (months 37-42)``).  ``burn`` is SPEC 3.1's ``net_burn``: the cash the month cost
beyond what came in, funding not counted, never negative (0 in a month cash grew).  A value no
path defines stays ``None``, and so does a year's sum when any of its months is ``None``.
Pure: no rich, no typer.
"""

from __future__ import annotations

from dataclasses import dataclass

from saas_sim.model.result import Result, Value

MONTHS_A_YEAR = 12

# The plan's columns and the company series (SPEC 3.1) they are the p50 of.
FLOWS = {"new": "new_customers", "churned": "churned_customers", "spend": "acquisition_spend", "burn": "net_burn"}
STOCKS = {"customers": "customers", "mrr": "mrr", "arr": "arr", "cash": "cash"}
RANGES = ("arr", "cash")  # the stocks shown with their p10 and p90


@dataclass(frozen=True)
class PlanRow:
    """One month or one year of the plan (``None``: no path defines it)."""

    label: str  # "month 1", "year 1", "year 4 (months 37-42)"
    kind: str  # "month" | "year"
    customers: float | None
    new: float | None
    churned: float | None
    mrr: float | None
    arr: float | None
    spend: float | None
    burn: float | None
    cash: float | None
    arr_p10: float | None
    arr_p90: float | None
    cash_p10: float | None
    cash_p90: float | None


@dataclass(frozen=True)
class Plan:
    """The plan of a run in the scenario's currency: every month, then every (possibly partial) year."""

    currency: str
    months: list[PlanRow]
    years: list[PlanRow]


def year_label(year: int, first_month: int, last_month: int) -> str:
    """``year 2``, or for a year shorter than twelve months its months: ``year 4 (months 37-42)``."""
    if last_month - first_month + 1 == MONTHS_A_YEAR:
        return f"year {year}"
    if first_month == last_month:
        return f"year {year} (month {first_month})"
    return f"year {year} (months {first_month}-{last_month})"


def _sum(values: list[Value]) -> float | None:
    """The sum of the monthly medians; ``None`` when any month is undefined (never counted as 0)."""
    if any(value is None for value in values):
        return None
    return float(sum(value for value in values if value is not None))


def plan_of(result: Result) -> Plan:
    """The p50 plan of a result: a row per month and a row per year (see the module's docstring)."""
    series = result.series

    def p50(name: str) -> list[Value]:
        return series[name].p50

    def at(name: str, stat: str, index: int) -> float | None:
        value = series[name].stat(stat)[index]
        return None if value is None else float(value)

    def row(label: str, kind: str, first: int, last: int) -> PlanRow:
        """The row of the months at indices ``first..last`` (one month: ``first == last``)."""
        flows = {column: _sum(p50(name)[first : last + 1]) for column, name in FLOWS.items()}
        stocks = {column: at(name, "p50", last) for column, name in STOCKS.items()}
        ranges = {f"{column}_{stat}": at(STOCKS[column], stat, last) for column in RANGES for stat in ("p10", "p90")}
        return PlanRow(label=label, kind=kind, **flows, **stocks, **ranges)

    months = [row(f"month {month}", "month", index, index) for index, month in enumerate(result.months)]
    years = []
    for start in range(0, len(result.months), MONTHS_A_YEAR):
        end = min(start + MONTHS_A_YEAR, len(result.months)) - 1
        label = year_label(start // MONTHS_A_YEAR + 1, result.months[start], result.months[end])
        years.append(row(label, "year", start, end))
    return Plan(currency=result.currency, months=months, years=years)
