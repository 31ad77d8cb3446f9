"""History files for ``saas-sim fit`` (SPEC 6): a cohort survival table, or an MRR ledger turned into cohorts.

Cohort survival table, header ``cohort,period,active``::

    cohort,period,active
    2024-01,0,1200      # period 0: the number acquired
    2024-01,1,1010      # active at the start of period 1
    2024-02,0,950
    ...

``cohort`` is any label; each cohort has the consecutive periods 0..L (its
rows in any order), ``active`` is a whole number, more than 0 at period 0
and never rising from one period to the next.  A cohort ends at its last
row: its customers still active then are right-censored there.

MRR ledger, columns ``customer_id,month,mrr`` (``month`` a month, date or timestamp, MRR a
number >= 0, several rows of one customer in one month summed): each
customer belongs to the cohort of its first month with MRR > 0, a period is
one month, and every cohort runs to the ledger's last month.  A customer is
active at period p when it has MRR in month signup + p.  A customer who
leaves and comes back counts as active again in the months it has MRR; as
the survival model has no return, a cohort's count that rises through such
reactivations is held at its previous level (:attr:`CohortTable.held`
reports how many customer-months that removes).

Both are read as users export them (SPEC 6.1, :mod:`saas_sim.io.tables`):
sniffed delimiter, header names in any case and order, extra columns
ignored, ``--columns`` for other names; counts may carry thousands
separators (``"1,200"``) and are at most
:data:`~saas_sim.io.tables.MAX_COUNT`.  Every problem of a file is
reported with its line (``file:line field: message``), the first
:data:`MAX_PROBLEMS` of them and a count of the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from saas_sim.errors import InputError, Problem
from saas_sim.io.files import read_text
from saas_sim.io.ledger import DEFAULT_OPTIONS
from saas_sim.io.ledger import Ledger as LedgerRows
from saas_sim.io.tables import ReadOptions, Table, parse_count, read_table, shown

COHORT_HEADER = ("cohort", "period", "active")
LEDGER_HEADER = ("customer_id", "month", "mrr")
MAX_PROBLEMS = 20
RECENT_SIGNUP_MONTHS = 6  # arpa_monthly: the first MRR of the customers who joined in these last months
RECENT_MONTHS = 3  # arpa_all_monthly: MRR per active customer over these last months


@dataclass(frozen=True)
class LedgerRates:
    """What a ledger says about a scenario segment's other inputs (SPEC 1).

    ``arpa_monthly``: mean MRR of new customers in their first month, over the
    last :data:`RECENT_SIGNUP_MONTHS` months with signups (SPEC 2.4: new
    accounts join at ``arpa_monthly``); ``arpa_all_monthly``: MRR per active
    customer over the last :data:`RECENT_MONTHS` months;
    ``expansion_monthly`` / ``contraction_monthly``: over all customers active
    two months in a row, the MRR increase / decrease as a share of their
    previous month's MRR (all months pooled).
    """

    arpa_monthly: float
    arpa_all_monthly: float
    expansion_monthly: float
    contraction_monthly: float
    first_month: str
    last_month: str
    customers: int
    reactivations: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CohortTable:
    """Cohorts read from a history file: ``active[i][t]`` customers of cohort ``labels[i]`` active at period t."""

    source: str
    kind: str  # "cohorts" or "ledger"
    labels: tuple[str, ...]
    active: tuple[np.ndarray, ...]
    ledger: LedgerRates | None = None
    held: int = 0  # ledger only: customer-months of reactivated customers not counted (see the module's note)


class _Problems:
    """Problems of one file, at most :data:`MAX_PROBLEMS` kept and the rest counted."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []
        self.more = 0

    def add(self, line: int | None, field: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(self.source, line, field, message))
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.items:
            extra = [Problem(self.source, None, "", f"and {self.more} more problems")] if self.more else []
            raise InputError([*self.items, *extra])


def read_history(path: str | os.PathLike[str], options: ReadOptions = DEFAULT_OPTIONS) -> CohortTable:
    """A cohort table, a ledger or a subscriptions table (SPEC 6.2), told apart by the header."""
    from saas_sim.io.ledger import MAX_FILE_BYTES

    return parse_history(read_text(path, kind="history file", max_bytes=MAX_FILE_BYTES), os.fsdecode(path), options)


def parse_history(text: str, source: str = "<history>", options: ReadOptions = DEFAULT_OPTIONS) -> CohortTable:
    """:func:`read_history` on text already read."""

    from saas_sim.io.subscriptions import AMOUNT_COLUMNS, KINDS, LAYOUTS, MRR_COLUMNS, ledger_of_layout

    def describe(header: list[str] | None) -> str:
        got = shown(",".join(header)) if header is not None else "an empty file"
        return (
            f"must have the columns {','.join(COHORT_HEADER)} (a cohort table), "
            f"{','.join(LEDGER_HEADER)} (an MRR ledger), or {','.join(MRR_COLUMNS)} or "
            f"{','.join(AMOUNT_COLUMNS)}[,quantity] (a subscriptions table), got {got}; for other names, --columns"
        )

    layout, table = read_table(
        text, source, [COHORT_HEADER, *LAYOUTS], options, describe, "header", kinds=("cohort table", *KINDS)
    )
    if layout == 0:
        return _read_cohort_rows(table, options)
    return ledger_cohorts(source, dense_ledger(ledger_of_layout(layout - 1, table, options)))


def _read_cohort_rows(table: Table, options: ReadOptions) -> CohortTable:
    source = table.source
    problems = _Problems(source)
    rows: dict[str, dict[int, tuple[int, int]]] = {}  # cohort -> period -> (active, line)
    first_line: dict[str, int] = {}
    refused: set[str] = set()  # cohorts with a refused row: not checked as a whole
    width = len(table.header)
    cohort_at, period_at, active_at = (table.positions[column] for column in COHORT_HEADER)
    for index, cells in enumerate(table.rows()):
        if not any(cell.strip() for cell in cells):
            continue
        line = table.line(index)
        if len(cells) != width:
            problems.add(line, "", table.width_problem(len(cells)))
            continue
        cohort = cells[cohort_at].strip()
        period, active = parse_count(cells[period_at], options.decimal), parse_count(cells[active_at], options.decimal)
        if not cohort:
            problems.add(line, "cohort", "must not be empty")
        if isinstance(period, str):
            problems.add(line, "period", period)
        if isinstance(active, str):
            problems.add(line, "active", active)
        if not cohort or isinstance(period, str) or isinstance(active, str):
            refused.add(cohort)
            continue
        periods = rows.setdefault(cohort, {})
        first_line.setdefault(cohort, line)
        if period in periods:
            problems.add(line, "period", f"cohort '{cohort}' already has period {period} (line {periods[period][1]})")
            continue
        periods[period] = (active, line)
    for cohort, periods in rows.items():
        if cohort in refused:
            continue
        if 0 not in periods:
            problems.add(first_line[cohort], "period", f"cohort '{cohort}' has no period 0 (the number acquired)")
            continue
        if periods[0][0] == 0:
            problems.add(periods[0][1], "active", f"cohort '{cohort}' must acquire more than 0 customers at period 0")
        previous = None
        for period in sorted(periods):
            active, line = periods[period]
            if previous is not None and period != previous + 1:
                problems.add(
                    line,
                    "period",
                    f"cohort '{cohort}' jumps from period {previous} to {period}: periods must be consecutive",
                )
            elif previous is not None and active > periods[previous][0]:
                problems.add(
                    line,
                    "active",
                    f"cohort '{cohort}' rises from {periods[previous][0]} to {active} at "
                    f"period {period}: active customers cannot increase",
                )
            previous = period
    if not rows and not problems.items:
        problems.add(table.header_line, "", "has no rows after the header")
    problems.raise_any()
    labels = tuple(rows)
    active_counts = tuple(np.array([rows[c][p][0] for p in range(len(rows[c]))], dtype=np.int64) for c in labels)
    return CohortTable(source, "cohorts", labels, active_counts)


@dataclass(frozen=True)
class Ledger:
    """An MRR ledger as a dense matrix: ``mrr[customer, month]``, months consecutive from ``first_month``."""

    months: tuple[str, ...]
    mrr: np.ndarray  # shape (customers, months)


def dense_ledger(rows: LedgerRows) -> Ledger:
    """The validated ledger of ``saas-sim metrics`` as a matrix, several rows of a customer-month summed."""
    shape = (len(rows.customer_ids), len(rows.months))
    cell = np.multiply(rows.customer, shape[1], dtype=np.int64)
    cell += rows.month
    # bincount sums each cell's rows in file order, as np.add.at did, about ten times faster
    matrix = np.bincount(cell, weights=rows.mrr, minlength=shape[0] * shape[1]).reshape(shape)
    return Ledger(rows.months, matrix)


def ledger_cohorts(source: str, ledger: Ledger) -> CohortTable:
    """The ledger's cohorts by signup month (see the module's note) and its :class:`LedgerRates`."""
    active = ledger.mrr > 0
    ever = active.any(axis=1)
    if not ever.any():
        raise InputError([Problem(source, None, "mrr", "no customer has MRR > 0: there are no cohorts")])
    mrr, active = ledger.mrr[ever], active[ever]
    months = len(ledger.months)
    signup = active.argmax(axis=1)
    labels, cohorts, held = [], [], 0
    for start in np.unique(signup):
        members = active[signup == start, start:]
        counts = members.sum(axis=0).astype(np.int64)
        kept = np.minimum.accumulate(counts)
        held += int((counts - kept).sum())
        labels.append(ledger.months[start])
        cohorts.append(kept)
    rates = _ledger_rates(ledger, mrr, active, signup, months)
    return CohortTable(source, "ledger", tuple(labels), tuple(cohorts), rates, held)


def _ledger_rates(ledger: Ledger, mrr: np.ndarray, active: np.ndarray, signup: np.ndarray, months: int) -> LedgerRates:
    rows = np.arange(len(signup))
    first_mrr = mrr[rows, signup]
    signup_months = np.unique(signup)[-RECENT_SIGNUP_MONTHS:]
    recent = np.isin(signup, signup_months)
    arpa_new = float(first_mrr[recent].mean())
    last = slice(max(0, months - RECENT_MONTHS), months)
    arpa_all = float(mrr[:, last].sum() / max(int(active[:, last].sum()), 1))
    both = active[:, 1:] & active[:, :-1]
    change = np.where(both, mrr[:, 1:] - mrr[:, :-1], 0.0)
    base = float(np.where(both, mrr[:, :-1], 0.0).sum())
    expansion = float(np.clip(change, 0, None).sum() / base) if base > 0 else 0.0
    contraction = float(-np.clip(change, None, 0).sum() / base) if base > 0 else 0.0
    seen_before = np.maximum.accumulate(active, axis=1)
    reactivations = int((active[:, 1:] & ~active[:, :-1] & seen_before[:, :-1]).sum())
    return LedgerRates(
        arpa_monthly=arpa_new,
        arpa_all_monthly=arpa_all,
        expansion_monthly=expansion,
        contraction_monthly=contraction,
        first_month=ledger.months[0],
        last_month=ledger.months[-1],
        customers=len(signup),
        reactivations=reactivations,
    )
