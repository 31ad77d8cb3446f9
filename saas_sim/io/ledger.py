"""MRR ledgers (SPEC 6): ``customer_id,month,mrr`` CSV files -> a validated :class:`Ledger`.

The file is read as users export it (SPEC 6.1, :mod:`saas_sim.io.tables`:
sniffed delimiter, any column order and extra columns, ``--columns``,
ISO dates, ``"$1,234.50"``, ``--decimal ,``) and turned into arrays at
once: customer ids and months are encoded to integer codes through their
few distinct values, MRR through ``float`` mapped in C when the column is
plain, so a million rows take a couple of seconds.  Every problem is
reported with its line, all at once (at most :data:`MAX_REPORTED`), in one
:class:`~saas_sim.errors.InputError`; a row with more or fewer fields than
the header is refused, never truncated.

Beyond SPEC 6:

- a row with an MRR of 0 is accepted and means "not active that month"
  (exports often list paused or free accounts); it still counts for the
  range of months, which runs from the first to the last month in the file;
- blank lines (and rows of empty fields, as spreadsheets write them) are
  skipped;
- MRR is not negative, not NaN or infinite, and at most
  :data:`~saas_sim.io.tables.MAX_AMOUNT` a row.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from saas_sim.errors import InputError, Problem
from saas_sim.io.files import read_text
from saas_sim.io.tables import (
    MAX_AMOUNT,
    ReadOptions,
    Table,
    amount_range_problem,
    amounts,
    missing_columns,
    month_ordinal,
    month_problem,
    read_table,
)

COLUMNS = ("customer_id", "month", "mrr")
MAX_FILE_BYTES = 2_000_000_000
MAX_REPORTED = 20  # problems listed one by one; the rest are counted
MAX_MONTHS = 1200  # a century: beyond it the file holds a typo, and the cohort triangle would not fit
DEFAULT_OPTIONS = ReadOptions()


@dataclass(frozen=True, eq=False)
class Ledger:
    """A validated MRR ledger, one entry per row of the file.

    ``customer[i]``, ``month[i]`` and ``mrr[i]`` describe row ``i``:
    ``customer`` indexes ``customer_ids``, ``month`` indexes ``months``, the
    labels (``YYYY-MM``) of every month from the first to the last in the
    file.  Several rows of one customer in one month are kept apart here
    (the metrics sum them).
    """

    source: str
    customer_ids: tuple[str, ...]
    months: tuple[str, ...]
    customer: np.ndarray  # (rows,) int64
    month: np.ndarray  # (rows,) int64
    mrr: np.ndarray  # (rows,) float64, >= 0

    @property
    def rows(self) -> int:
        return len(self.mrr)


def read_ledger(path: str | os.PathLike[str], options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """Read and validate a ledger file; :class:`InputError` names the file (and lines)."""
    text = read_text(path, kind="ledger", max_bytes=MAX_FILE_BYTES)
    return parse_ledger(text, os.fsdecode(path), options)


def parse_ledger(text: str, source: str = "<ledger>", options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """Validate a ledger's text; raise :class:`InputError` with every problem, by line."""

    def describe(header: list[str] | None) -> str:
        if header is None:
            return f"is empty: expected the header {','.join(COLUMNS)}"
        return missing_columns(COLUMNS, options, header)

    _, table = read_table(text, source, [COLUMNS], options, describe)
    return ledger_from_table(table, options)


def ledger_from_table(table: Table, options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """The ledger of a table whose ledger columns were found (:func:`~saas_sim.io.tables.read_table`)."""
    return _Rows(table, options).ledger()


def _encode(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Integer codes of ``values`` and the distinct values (stripped of spaces), in order of appearance."""
    codes_of = {value: code for code, value in enumerate(dict.fromkeys(values))}
    raw_codes = np.fromiter(map(codes_of.__getitem__, values), dtype=np.int64, count=len(values))
    # Strip the distinct values only, then merge those that become equal (" a" and "a").
    stripped: dict[str, int] = {}
    merge = np.array([stripped.setdefault(value.strip(), len(stripped)) for value in codes_of], dtype=np.int64)
    return merge[raw_codes] if len(values) else raw_codes, list(stripped)


def month_label(ordinal: int) -> str:
    """The inverse of the month ordinal: ``2024 * 12 + 2`` -> ``"2024-03"``."""
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def _blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


class _Rows:
    """The data rows of one file, validated column by column; problems collected by row."""

    def __init__(self, table: Table, options: ReadOptions):
        self.table = table
        self.options = options
        self.problems: list[tuple[int, str, str]] = []  # (row index, field, message)
        self.problem_count = 0

    def report(self, rows: np.ndarray, field: str, message: Callable[[int], str]) -> None:
        """``message(row)`` for each row index in ``rows``; only the first few are formatted."""
        self.problem_count += len(rows)
        for row in rows[:MAX_REPORTED]:
            self.problems.append((int(row), field, message(int(row))))

    def ledger(self) -> Ledger:
        table = self.table
        width, count = len(table.header), len(table)
        lengths = table.lengths()
        ignored = lengths != width  # checked no further: refused, or a blank line
        if ignored.any():
            wrong = np.flatnonzero(ignored)
            blank = np.array([_blank(table.row(int(row))) for row in wrong], dtype=np.bool_)
            self.report(wrong[~blank], "", lambda row: table.width_problem(int(lengths[row])))
        customer_text, month_text, mrr_text = table.columns([table.positions[column] for column in COLUMNS], ignored)
        customer, customer_ids = _encode(customer_text)
        del customer_text

        empty_ids = [code for code, label in enumerate(customer_ids) if not label]
        if empty_ids:
            empty = np.flatnonzero(np.isin(customer, empty_ids) & ~ignored)
            blank = np.array([_blank(table.row(int(row))) for row in empty], dtype=np.bool_)
            ignored[empty[blank]] = True  # ",," as spreadsheets write empty rows
            self.report(empty[~blank], "customer_id", lambda row: "is empty")

        month_code, month_labels = _encode(month_text)
        del month_text
        for row in np.flatnonzero(ignored):
            mrr_text[row] = "0"  # keeps the fast path for the others
        mrr, unreadable = amounts(mrr_text, self.options.decimal)

        date_format = self.options.date_format
        ordinals = np.array(
            [-1 if (ordinal := month_ordinal(label, date_format)) is None else ordinal for label in month_labels],
            dtype=np.int64,
        )
        month_ordinals = ordinals[month_code] if count else np.zeros(0, dtype=np.int64)
        bad = np.flatnonzero((month_ordinals < 0) & ~ignored)
        self.report(bad, "month", lambda row: month_problem(month_labels[month_code[row]], date_format))

        unreadable_rows = np.array(sorted(unreadable), dtype=np.int64)
        unreadable_rows = unreadable_rows[~ignored[unreadable_rows]]
        self.report(unreadable_rows, "mrr", lambda row: unreadable[row])
        with np.errstate(invalid="ignore"):
            out_of_range = ~ignored & ~np.isnan(mrr) & ((mrr < 0) | (mrr > MAX_AMOUNT))
        self.report(
            np.flatnonzero(out_of_range), "mrr", lambda row: amount_range_problem(float(mrr[row]), mrr_text[row]) or ""
        )

        kept = ~ignored
        valid_months = month_ordinals[kept & (month_ordinals >= 0)]
        if len(valid_months) and not self.problem_count:
            first, last = int(valid_months.min()), int(valid_months.max())
            if last - first + 1 > MAX_MONTHS:
                rows = np.flatnonzero(kept & (month_ordinals == first))[:1]
                self.report(
                    rows,
                    "month",
                    lambda row: (
                        f"{month_label(first)} is {last - first + 1} months before "
                        f"the last month {month_label(last)}; a ledger spans at most {MAX_MONTHS} months"
                    ),
                )
        if self.problem_count:
            raise InputError(self._problems())
        if not kept.all():
            customer, month_ordinals, mrr = customer[kept], month_ordinals[kept], mrr[kept]
            used = np.unique(customer)  # ids of blank rows only ("") drop out
            customer = np.searchsorted(used, customer)
            customer_ids = [customer_ids[code] for code in used]
        if not len(mrr):
            raise InputError(
                [Problem(table.source, None, "", "has no rows: a ledger needs at least one customer month")]
            )
        first = int(month_ordinals.min())
        months = tuple(month_label(ordinal) for ordinal in range(first, int(month_ordinals.max()) + 1))
        return Ledger(table.source, tuple(customer_ids), months, customer, month_ordinals - first, mrr)

    def _problems(self) -> list[Problem]:
        ordered = sorted(self.problems, key=lambda problem: problem[0])[:MAX_REPORTED]
        problems = [Problem(self.table.source, self.table.line(row), field, message) for row, field, message in ordered]
        if self.problem_count > len(problems):
            more = self.problem_count - len(problems)
            problems.append(Problem(self.table.source, None, "", f"and {more} more problem{'s' if more > 1 else ''}"))
        return problems


def metrics_csv_rows(document: dict[str, Any]) -> list[list[object]]:
    """The metrics document (``saas-sim metrics``) as CSV rows: the header ``month`` and every series,
    then one row per month; undefined values are empty cells."""
    names = list(document["series"])
    rows: list[list[object]] = [["month", *names]]
    columns = [document["series"][name] for name in names]
    for index, month in enumerate(document["months"]):
        rows.append([month, *("" if column[index] is None else column[index] for column in columns)])
    return rows


def write_metrics_csv(document: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the metrics' series, one row per month, to ``path`` (``-``: standard output)."""
    from saas_sim.io.result import _open_for_writing

    with _open_for_writing(path) as out:
        csv.writer(out, lineterminator="\n").writerows(metrics_csv_rows(document))
