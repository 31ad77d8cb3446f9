"""Subscriptions tables (SPEC 6.2), read as an MRR ledger; and the one reader of "a ledger or a subscriptions table".

A subscriptions table lists one subscription a row, as billing systems
export them, with the header

- ``customer_id,start,end,mrr``, or
- ``customer_id,start,end,amount,interval`` and optionally ``quantity``

(any order, any case, other columns ignored, ``--columns`` for other names:
``--columns customer=Customer,start=Created,end=Canceled At``).  When a file
has both ``mrr`` and ``amount,interval``, ``mrr`` is read.

- ``start``, ``end``: a month, a date or an ISO timestamp (``--date-format``
  for other forms, SPEC 6.1); only the calendar month counts.  ``end`` is
  empty while the subscription is active.
- MRR = amount × quantity (1 without a ``quantity`` column) normalised to a
  month by its ``interval``: ``month`` × 1, ``year`` ÷ 12, ``week`` × 52 ÷ 12,
  ``day`` × 365 ÷ 12 (names in any case).
- A subscription contributes its MRR to every calendar month from the month
  of ``start`` to the month before the month of ``end``; one that starts and
  ends in the same month counts in that month.  Subscriptions of one
  customer add up (the ledger's rows of one customer and month are summed).
- The ledger runs from the earliest ``start`` to the month of the latest
  ``start`` or ``end`` date in the file: a subscription still active is
  active to that month.  Dates after the current month (by this machine's
  clock) are scheduled, not history: the ledger then ends in the current
  month (or at the earliest start, when every subscription starts later),
  an end booked after it leaves its subscription active to then, and a
  start after it counts in no month.  The file does not say when it was exported, so a
  month after the last date written in it (the export's own month, if
  nothing happened in it) is not in the ledger.

Refused, each with its line: ``end`` before ``start`` (the dates, to the
second when they carry a time), an ``interval`` other
than the four, a ``quantity`` that is not a number > 0, an amount that
cannot be read exactly or is negative, an MRR beyond
:data:`~saas_sim.io.tables.MAX_AMOUNT`; and every problem of SPEC 6.1.
With ``ReadOptions.segment_by``, every month of a subscription carries its
row's value of that column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from saas_sim.errors import InputError, Problem
from saas_sim.io.ledger import (
    COLUMNS as LEDGER_COLUMNS,
)
from saas_sim.io.ledger import (
    DEFAULT_OPTIONS,
    MAX_MONTHS,
    Ledger,
    RowProblems,
    drop_unused,
    ledger_from_table,
    month_label,
    read_columns,
    span_problem,
)
from saas_sim.io.tables import (
    MAX_AMOUNT,
    ReadOptions,
    Table,
    keep_segment_column,
    missing_columns,
    optional_position,
    read_table,
    shown,
)

MRR_COLUMNS = ("customer_id", "start", "end", "mrr")
AMOUNT_COLUMNS = ("customer_id", "start", "end", "amount", "interval")
MONTHS_PER_YEAR = 12
INTERVAL_TO_MONTHLY = {  # an amount billed every interval, as MRR
    "month": 1.0,
    "year": 1 / MONTHS_PER_YEAR,
    "week": 52 / MONTHS_PER_YEAR,
    "day": 365 / MONTHS_PER_YEAR,
}
LAYOUTS = (LEDGER_COLUMNS, MRR_COLUMNS, AMOUNT_COLUMNS)
KINDS = ("ledger", "subscriptions table", "subscriptions table")


def describe_ledger_like(options: ReadOptions, header: list[str] | None) -> str:
    """The message for a header that is neither a ledger's nor a subscriptions table's."""
    if header is None:
        return (
            f"is empty: expected the header {','.join(LEDGER_COLUMNS)} (a ledger) or {','.join(MRR_COLUMNS)} "
            f"or {','.join(AMOUNT_COLUMNS)}[,quantity] (a subscriptions table)"
        )
    names = {cell.strip().lower() for cell in header}
    if {options.name_of("start").strip().lower(), options.name_of("end").strip().lower()} & names:
        layout = AMOUNT_COLUMNS if options.name_of("amount").strip().lower() in names else MRR_COLUMNS
        missing = missing_columns(layout, options, header).removeprefix("missing ")
        return f"is a subscriptions table (it has start or end) without the {missing}"
    return (
        missing_columns(LEDGER_COLUMNS, options, header)
        + f"; or a subscriptions table: {','.join(MRR_COLUMNS)} or {','.join(AMOUNT_COLUMNS)}[,quantity]"
    )


def parse_ledger_like(text: str, source: str = "<history>", options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """A ledger (``customer_id,month,mrr``) or a subscriptions table, told apart by the header, as a ledger."""
    layout, table = read_table(
        text, source, LAYOUTS, options, lambda header: describe_ledger_like(options, header), kinds=KINDS
    )
    return ledger_of_layout(layout, table, options)


def ledger_of_layout(layout: int, table: Table, options: ReadOptions) -> Ledger:
    """The ledger of a table whose columns are those of ``LAYOUTS[layout]``."""
    if layout == 0:
        return ledger_from_table(table, options)
    return subscriptions_ledger(table, options)


def subscriptions_ledger(table: Table, options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """Expand a subscriptions table (columns found by :func:`~saas_sim.io.tables.read_table`) into a ledger."""
    keep_segment_column(table, options)
    by_amount = "amount" in table.positions
    kinds = {"customer_id": "id", "start": "month", "end": "optional_month"}
    if by_amount:
        kinds |= {"amount": "amount", "interval": "code"}
        quantity_at = optional_position(table, options.name_of("quantity"))
        if quantity_at is not None:
            table.positions["quantity"] = quantity_at
            kinds["quantity"] = "quantity"
    else:
        kinds["mrr"] = "amount"
    if options.segment_by is not None:
        kinds["segment"] = "segment"
    problems = RowProblems(table)
    read = read_columns(table, options, kinds, problems, moments=("start", "end"))
    kept = ~read.ignored
    start, end = read.values["start"], read.values["end"]
    dated = kept & (start >= 0) & (end != -1)
    start_moment, end_moment = read.moments["start"], read.moments["end"]
    backwards = np.flatnonzero(dated & (end >= 0) & (end_moment < start_moment))
    labels = {"start": _texts(table, "start"), "end": _texts(table, "end")}
    problems.report(
        backwards,
        "end",
        lambda row: f"is before start: {labels['end'](row)} < {labels['start'](row)}",
    )
    mrr = _monthly(read.values, read.labels["interval"], kept, problems) if by_amount else read.values["mrr"]
    last = int(max(start[dated].max(initial=-1), end[dated].max(initial=-1)))
    today = date.today()
    this_month = today.year * 12 + today.month - 1
    if last > this_month:  # dates after this month are scheduled (an end booked ahead), not history
        last = max(this_month, int(start[dated].min(initial=this_month)))
    first = int(start[dated].min(initial=last))
    if dated.any() and not problems.count and last - first + 1 > MAX_MONTHS:
        rows = np.flatnonzero(dated & (start == first))[:1]
        problems.report(rows, "start", lambda row: span_problem(first, last))
    problems.raise_any()

    customer, customer_ids = read.values["customer_id"], read.labels["customer_id"]
    segment = read.values.get("segment")
    if not kept.all():
        start, end, mrr, customer = start[kept], end[kept], mrr[kept], customer[kept]
        segment = None if segment is None else segment[kept]
        customer, customer_ids = drop_unused(customer, customer_ids)
    if not len(start):
        raise InputError(
            [Problem(table.source, None, "", "has no rows: a subscriptions table needs at least one subscription")]
        )
    # Months start .. stop - 1: to the month before the end's, at least the start's, to the last if still active.
    stop = np.minimum(np.where(end < 0, last + 1, np.maximum(end, start + 1)), last + 1)
    length = np.maximum(stop - start, 0)  # a start booked after the history's end counts in no month
    subscription = np.repeat(np.arange(len(start)), length)
    offset_in_subscription = np.arange(len(subscription)) - np.repeat(np.cumsum(length) - length, length)
    month = start[subscription] + offset_in_subscription - first
    return Ledger(
        table.source,
        tuple(customer_ids),
        tuple(month_label(ordinal) for ordinal in range(first, last + 1)),
        customer[subscription],
        month,
        mrr[subscription],
        None if segment is None else segment[subscription],
        tuple(read.labels.get("segment", ())),
        kind="subscriptions",
    )


def _texts(table: Table, column: str) -> Callable[[int], str]:
    """A row's value of ``column`` as written (for a message; read only when one is reported)."""
    position = table.positions[column]
    rows: list[list[str]] = []

    def text(row: int) -> str:
        if not rows:
            rows.extend(table.rows())
        return rows[row][position].strip()

    return text


def _monthly(
    values: dict[str, np.ndarray], intervals: list[str], kept: np.ndarray, problems: RowProblems
) -> np.ndarray:
    """amount × quantity normalised to a month by the interval; bad intervals and quantities reported."""
    factors = np.array([INTERVAL_TO_MONTHLY.get(label.lower(), np.nan) for label in intervals])
    factor = factors[values["interval"]] if len(values["interval"]) else np.zeros(0)
    unknown = np.flatnonzero(kept & np.isnan(factor))
    problems.report(
        unknown,
        "interval",
        lambda row: f"must be month, year, week or day, got {shown(intervals[int(values['interval'][row])])}",
    )
    quantity = values.get("quantity")
    if quantity is None:
        quantity = np.ones(len(factor))
    with np.errstate(invalid="ignore", over="ignore"):
        mrr = values["amount"] * quantity * factor
        too_large = np.flatnonzero(kept & (mrr > MAX_AMOUNT))
    problems.report(
        too_large,
        "amount",
        lambda row: f"amount × quantity is {mrr[row]:,.0f} a month, more than 1,000,000,000,000,000 (1e15)",
    )
    return np.asarray(mrr, dtype=np.float64)
