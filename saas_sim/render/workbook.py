"""The plan, the series, the summary and the inputs of a run as an Excel workbook (``report --xlsx``).

Four sheets, every figure a number with a number format (never text), headers frozen:

* **Plan** — the columns of ``run --plan --csv``, rounded alike (money to whole units, customers
  to 0.1), money in the scenario's currency (``"$"#,##0``);
* **Series** — every company series of the result, one row per month, a column per ``{series}
  {stat}`` for the six statistics; rates as percentages;
* **Summary** — every summary metric at p10, p50, p90 and its mean (and the share of paths that
  never pay back, for a metric that can be never);
* **Inputs** — the normalized scenario, one row per value (:func:`saas_sim.analysis.inputs.input_rows`).

openpyxl is imported inside :func:`write_workbook`: nothing else of the program pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from saas_sim.analysis.inputs import input_rows
from saas_sim.analysis.plan import Plan
from saas_sim.model.catalog.metrics import METRICS, label_of
from saas_sim.model.result import STATS, Result
from saas_sim.render.format import CURRENCY_SYMBOLS
from saas_sim.render.plan import COUNT_COLUMNS, COUNT_DECIMALS, CSV_COLUMNS, MONEY_DECIMALS

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

COUNT = "#,##0.0"  # a median over paths may fall between two whole accounts
PERCENT = "0.0%"
NUMBER = "#,##0.00"
GENERAL = "General"

# How each company series of SPEC 3.1 reads; the catalog's kind says "number" for most of them
# today, so the workbook says it here (a series not listed is a plain number).
SERIES_RATES = frozenset(
    {
        "logo_churn_rate",
        "annualized_logo_churn",
        "renewal_rate",
        "gross_mrr_churn_rate",
        "nrr_monthly",
        "grr_monthly",
        "nrr_12m",
        "grr_12m",
        "closed",  # 0 or 1 per path: its mean is the share of paths closed
    }
)
SERIES_COUNTS = frozenset(
    {
        "customers",
        "new_customers",
        "paid_new",
        "referral_new",
        "churned_customers",
        "renewals_due",
        "csm_headcount",
        "migrated_in_customers",
        "migrated_out_customers",
    }
)
SERIES_MONEY = frozenset(
    {
        "mrr",
        "arr",
        "new_mrr",
        "expansion_mrr",
        "contraction_mrr",
        "churned_mrr",
        "net_new_mrr",
        "acquisition_spend",
        "cac",
        "paid_cac",
        "revenue",
        "gross_profit",
        "cs_cost",
        "fixed_costs",
        "collections",
        "cash",
        "net_burn",
        "funding_in",
        "migrated_in_mrr",
        "migrated_out_mrr",
    }
)
SERIES_MULTIPLES = frozenset({"quick_ratio"})


def money_format(currency: str, *, cents: bool = False) -> str:
    """``"$"#,##0`` for a currency with a symbol, ``#,##0" CHF"`` for one without (as the screen writes it);
    ``cents``: with two decimals (an input such as an ARPA of 29.50)."""
    digits = "#,##0.00" if cents else "#,##0"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    if symbol is None:
        return f'{digits}" {currency}"'
    return f'"{symbol}"{digits};-"{symbol}"{digits}'


def series_format(name: str, currency: str) -> str:
    """The number format of a company series' cells."""
    if name in SERIES_RATES:
        return PERCENT
    if name in SERIES_COUNTS:
        return COUNT
    if name in SERIES_MONEY:
        return money_format(currency)
    if name in SERIES_MULTIPLES:
        return '0.00"×"'
    return NUMBER


def summary_format(name: str, currency: str) -> str:
    """The number format of a summary metric's cells, from the catalog's kind."""
    metric = METRICS.get(name)
    kind = metric.kind if metric is not None else "number"
    return {
        "money": money_format(currency),
        "count": COUNT,
        "rate": PERCENT,
        "month": "0",
        "months": "0.0",
        "multiple": '0.0"×"',
        "points": "0.0",
    }.get(kind, NUMBER)


def write_workbook(path: Path, result: Result, plan: Plan) -> None:
    """Write the workbook of ``result`` (and its ``plan``) to ``path`` (see the module's docstring)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Plan"
    _plan_sheet(sheet, plan)
    _series_sheet(book.create_sheet("Series"), result)
    _summary_sheet(book.create_sheet("Summary"), result)
    _inputs_sheet(book.create_sheet("Inputs"), result)
    book.save(path)


def _header(sheet: Worksheet, names: list[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str = GENERAL) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format
    elif isinstance(value, str):
        cell.data_type = "s"  # text as typed: a name such as "=1+2" is never a formula for the spreadsheet to run


def _fit_columns(sheet: Worksheet, *, widest: int = 60) -> None:
    """Each column as wide as its longest header or shown figure (figures counted by their digits), capped."""
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.iter_cols(), start=1):
        width = 6
        for cell in column:
            if cell.value is None:
                continue
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                text = f"{cell.value:,.0f}" if abs(cell.value) >= 1 else "0.00%"
                width = max(width, len(text) + 3)
            else:
                width = max(width, max(len(line) for line in str(cell.value).splitlines() or [""]) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = min(width, widest)


def _plan_sheet(sheet: Worksheet, plan: Plan) -> None:
    _header(sheet, list(CSV_COLUMNS))
    money = money_format(plan.currency)
    for row_index, row in enumerate([*plan.months, *plan.years], start=2):
        _put(sheet, row_index, 1, row.label)
        _put(sheet, row_index, 2, row.kind)
        for column_index, column in enumerate(CSV_COLUMNS[2:], start=3):
            value = getattr(row, column)
            count = column in COUNT_COLUMNS
            if value is not None:
                value = round(value, COUNT_DECIMALS if count else MONEY_DECIMALS) + 0.0
            _put(sheet, row_index, column_index, value, COUNT if count else money)
    sheet.freeze_panes = "C2"
    _fit_columns(sheet)


def _series_sheet(sheet: Worksheet, result: Result) -> None:
    names = list(result.series)
    _header(sheet, ["month", *(f"{name} {stat}" for name in names for stat in STATS)])
    formats = {name: series_format(name, result.currency) for name in names}
    for index, month in enumerate(result.months):
        row = index + 2
        _put(sheet, row, 1, month, "0")
        column = 2
        for name in names:
            statistic = result.series[name]
            for stat in STATS:
                _put(sheet, row, column, statistic.stat(stat)[index], formats[name])
                column += 1
    sheet.freeze_panes = "B2"
    _fit_columns(sheet)


def _summary_sheet(sheet: Worksheet, result: Result) -> None:
    _header(sheet, ["metric", "label", "p10", "p50", "p90", "mean", "never (share of paths)"])
    for row, (name, statistic) in enumerate(result.summary.items(), start=2):
        number_format = summary_format(name, result.currency)
        metric = METRICS.get(name)
        _put(sheet, row, 1, name)
        _put(sheet, row, 2, metric.label if metric is not None else label_of(name))
        for column, stat in enumerate(("p10", "p50", "p90", "mean"), start=3):
            _put(sheet, row, column, statistic.stat(stat), number_format)
        if statistic.counts_never:
            _put(sheet, row, 7, statistic.never, PERCENT)
    sheet.freeze_panes = "B2"
    _fit_columns(sheet)


def _inputs_sheet(sheet: Worksheet, result: Result) -> None:
    _header(sheet, ["field", "value", "distribution", "low", "high", "note"])
    for row, item in enumerate(input_rows(result.scenario), start=2):
        number_format = GENERAL
        if item.percent:
            number_format = PERCENT
        elif item.unit == "money":
            whole = all(v is None or float(v).is_integer() for v in (item.value, item.low, item.high))
            number_format = money_format(result.currency, cents=not whole)
        _put(sheet, row, 1, item.field)
        _put(sheet, row, 2, item.value, number_format)
        _put(sheet, row, 3, item.distribution)
        _put(sheet, row, 4, item.low, number_format)
        _put(sheet, row, 5, item.high, number_format)
        _put(sheet, row, 6, item.note)
    sheet.freeze_panes = "B2"
    _fit_columns(sheet)
