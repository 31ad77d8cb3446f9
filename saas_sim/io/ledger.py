"""MRR ledgers (SPEC 6): ``customer_id,month,mrr`` CSV files -> a validated :class:`Ledger`.

The file is read as users export it (SPEC 6.1, :mod:`saas_sim.io.tables`:
sniffed delimiter, any column order and extra columns, ``--columns``,
ISO dates, ``"$1,234.50"``, ``--decimal ,``) a few megabytes at a time
(:meth:`~saas_sim.io.tables.Table.chunks`) into preallocated arrays:
customer ids and months are encoded to integer codes through their
distinct values, MRR through ``float`` mapped in C when the column is
plain.  No list of the file's rows or fields is ever held whole, so
reading costs about the file's size in memory (its text) plus 25 bytes a
row (5 million rows, 127 MB: about 420 MB at the peak).  Every problem is
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
    keep_segment_column,
    missing_columns,
    moment_key,
    month_ordinal,
    month_problem,
    read_table,
    shown,
)

COLUMNS = ("customer_id", "month", "mrr")
MAX_FILE_BYTES = 2_000_000_000
MAX_REPORTED = 20  # problems listed one by one; the rest are counted
MAX_MONTHS = 1200  # a century: beyond it the file holds a typo, and the cohort triangle would not fit
DEFAULT_OPTIONS = ReadOptions()


@dataclass(frozen=True, eq=False)
class Ledger:
    """A validated MRR ledger, one entry per row of the file (per subscription month of a subscriptions table).

    ``customer[i]``, ``month[i]`` and ``mrr[i]`` describe row ``i``:
    ``customer`` indexes ``customer_ids``, ``month`` indexes ``months``, the
    labels (``YYYY-MM``) of every month from the first to the last in the
    file.  Several rows of one customer in one month are kept apart here
    (the metrics sum them).  With ``ReadOptions.segment_by``, ``segment[i]``
    indexes ``segment_labels`` (the column's values, in order of appearance);
    else ``segment`` is ``None``.
    """

    source: str
    customer_ids: tuple[str, ...]
    months: tuple[str, ...]
    customer: np.ndarray  # (rows,) int64
    month: np.ndarray  # (rows,) int64
    mrr: np.ndarray  # (rows,) float64, >= 0
    segment: np.ndarray | None = None  # (rows,) int64, or None without segment_by
    segment_labels: tuple[str, ...] = ()
    kind: str = "ledger"  # or "subscriptions": what the file was

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


def read_ledger_like(path: str | os.PathLike[str], options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """A ledger or a subscriptions table (SPEC 6.2, told apart by the header), read as a :class:`Ledger`."""
    from saas_sim.io.subscriptions import parse_ledger_like

    text = read_text(path, kind="ledger or subscriptions table", max_bytes=MAX_FILE_BYTES)
    return parse_ledger_like(text, os.fsdecode(path), options)


def ledger_from_table(table: Table, options: ReadOptions = DEFAULT_OPTIONS) -> Ledger:
    """The ledger of a table whose ledger columns were found (:func:`~saas_sim.io.tables.read_table`)."""
    keep_segment_column(table, options)
    kinds = {"customer_id": "id", "month": "month", "mrr": "amount"}
    if options.segment_by is not None:
        kinds["segment"] = "segment"
    problems = RowProblems(table)
    read = read_columns(table, options, kinds, problems)
    kept = ~read.ignored
    month_ordinals = read.values["month"]
    valid_months = month_ordinals[kept & (month_ordinals >= 0)]
    if len(valid_months) and not problems.count:
        first, last = int(valid_months.min()), int(valid_months.max())
        if last - first + 1 > MAX_MONTHS:
            rows = np.flatnonzero(kept & (month_ordinals == first))[:1]
            problems.report(rows, "month", lambda row: span_problem(first, last))
    problems.raise_any()
    customer, mrr = read.values["customer_id"], read.values["mrr"]
    segment = read.values.get("segment")
    customer_ids = read.labels["customer_id"]
    if not kept.all():
        customer, month_ordinals, mrr = customer[kept], month_ordinals[kept], mrr[kept]
        segment = None if segment is None else segment[kept]
        customer, customer_ids = drop_unused(customer, customer_ids)
    if not len(mrr):
        raise InputError([Problem(table.source, None, "", "has no rows: a ledger needs at least one customer month")])
    first = int(month_ordinals.min())
    months = tuple(month_label(ordinal) for ordinal in range(first, int(month_ordinals.max()) + 1))
    month_ordinals -= first
    return Ledger(
        table.source,
        tuple(customer_ids),
        months,
        customer,
        month_ordinals,
        mrr,
        segment,
        tuple(read.labels.get("segment", ())),
    )


def span_problem(first: int, last: int) -> str:
    return (
        f"{month_label(first)} is {last - first + 1} months before "
        f"the last month {month_label(last)}; a ledger spans at most {MAX_MONTHS} months"
    )


def drop_unused(codes: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """``codes`` renumbered over the labels they use (ids of skipped blank rows only, "", drop out)."""
    used = np.unique(codes)
    return np.searchsorted(used, codes), [labels[code] for code in used]


def month_label(ordinal: int) -> str:
    """The inverse of the month ordinal: ``2024 * 12 + 2`` -> ``"2024-03"``."""
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


class _Codes(dict[str, int]):
    """Distinct values numbered in order of appearance: ``codes[value]`` numbers a new value on first sight.

    ``blank`` lists the codes of values that are nothing but spaces.
    """

    def __init__(self) -> None:
        super().__init__()
        self.blank: list[int] = []

    def __missing__(self, value: str) -> int:
        code = self[value] = len(self)
        if not value.strip():
            self.blank.append(code)
        return code


def _merged(codes: _Codes) -> tuple[np.ndarray, list[str]]:
    """For each raw code, the code of its value stripped of spaces (" a" and "a" are one), and those values."""
    values = list(codes)
    stripped_values = list(map(str.strip, values))
    if stripped_values == values:  # the usual file: nothing to merge, checked in C
        return np.arange(len(values), dtype=np.int64), values
    stripped: dict[str, int] = {}
    merge = np.array([stripped.setdefault(value, len(stripped)) for value in stripped_values], dtype=np.int64)
    return merge, list(stripped)


_RANKS = {
    "": 0,
    "customer_id": 1,
    "month": 2,
    "start": 2,
    "end": 3,
    "mrr": 4,
    "amount": 4,
    "interval": 5,
    "quantity": 6,
}


class RowProblems:
    """Problems of a table's rows, reported by row index and listed in line order.

    Every problem is counted; of each field, only the first
    :data:`MAX_REPORTED` (by row) are formatted, which is all the list can show.
    """

    def __init__(self, table: Table):
        self.table = table
        self.items: list[tuple[int, int, str, str]] = []  # (row, rank, field, message)
        self.count = 0
        self._formatted: dict[str, int] = {}

    def take(self, rows: np.ndarray, field: str) -> list[int]:
        """Count a problem of ``field`` in each of ``rows`` (ascending); those whose message to :meth:`add`."""
        self.count += len(rows)
        room = max(MAX_REPORTED - self._formatted.get(field, 0), 0)
        self._formatted[field] = self._formatted.get(field, 0) + min(room, len(rows))
        return [int(row) for row in rows[:room]]

    def add(self, row: int, field: str, message: str) -> None:
        """The message of a problem counted by :meth:`take`."""
        self.items.append((row, _RANKS.get(field, 9), field, message))

    def report(self, rows: np.ndarray, field: str, message: Callable[[int], str]) -> None:
        """``message(row)`` for each body row index in ``rows`` (ascending)."""
        for row in self.take(rows, field):
            self.add(row, field, message(row))

    def raise_any(self) -> None:
        if not self.count:
            return
        ordered = sorted(self.items, key=lambda item: item[:2])[:MAX_REPORTED]
        table = self.table
        problems = [Problem(table.source, table.line(row), field, message) for row, _, field, message in ordered]
        if self.count > len(problems):
            more = self.count - len(problems)
            problems.append(Problem(table.source, None, "", f"and {more} more problem{'s' if more > 1 else ''}"))
        raise InputError(problems)


def _mapped_in_place(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]`` written over ``codes`` a million at a time: no second array of the column's size."""
    step = 1 << 20
    for start in range(0, len(codes), step):
        codes[start : start + step] = table[codes[start : start + step]]
    return codes


def _ordinal(label: str, kind: str, date_format: str | None) -> int:
    """A month column's value as a month ordinal; -2 for an empty optional month, -1 for one unreadable."""
    if kind == "optional_month" and not label:
        return -2
    ordinal = month_ordinal(label, date_format)
    return -1 if ordinal is None else ordinal


@dataclass
class ReadColumns:
    """Columns of a table read a chunk at a time, one entry per body record.

    ``values[column]``: for an ``id``, ``segment`` or ``code`` column the
    codes of its values stripped of spaces (``labels[column]``); for a
    ``month`` (or ``optional_month``) column the month ordinal, -1 where
    unreadable (reported), -2 where empty (``optional_month`` only); for an
    ``amount`` column the float (NaN where unreadable, reported).
    ``ignored``: records of another width than the header (reported unless
    blank) and blank ones, which no other check looks at.
    """

    values: dict[str, np.ndarray]
    labels: dict[str, list[str]]
    ignored: np.ndarray
    moments: dict[str, np.ndarray]  # columns asked for: each row's date as seconds (tables.moment_key), -1 if none


def read_columns(
    table: Table,
    options: ReadOptions,
    kinds: dict[str, str],
    problems: RowProblems,
    moments: tuple[str, ...] = (),
) -> ReadColumns:
    """Read the columns ``kinds`` names (column -> ``id``, ``segment``, ``code``, ``month``,
    ``optional_month`` or ``amount``), checking each value; problems go to ``problems``.

    The one ``id`` column comes first: a record whose id is empty is a
    problem, unless every field of it is blank (a spreadsheet's empty row).
    """
    width = len(table.header)
    names = list(kinds)
    codes = {name: _Codes() for name in names if kinds[name] not in ("amount", "quantity")}
    # Filled chunk by chunk, then cut to the records read: no list of parts to concatenate (twice the memory).
    capacity = table.most_records()
    filled = {
        name: np.empty(capacity, dtype=np.float64 if kinds[name] in ("amount", "quantity") else np.int64)
        for name in names
    }
    all_ignored = np.zeros(capacity, dtype=np.bool_)
    id_column = next(name for name in names if kinds[name] == "id")
    end = 0
    for chunk in table.chunks([table.positions[name] for name in names]):
        start = chunk.start
        ignored = chunk.lengths != width
        if ignored.any():
            wrong = np.flatnonzero(ignored)
            for row in problems.take(wrong[~chunk.blank(wrong)], ""):
                problems.add(start + row, "", table.width_problem(int(chunk.lengths[row])))
        columns = dict(zip(names, chunk.columns, strict=True))
        for name in names:
            if kinds[name] in ("amount", "quantity"):
                continue
            column_codes = codes[name]
            filled[name][start : start + len(chunk)] = np.fromiter(
                map(column_codes.__getitem__, columns[name]), dtype=np.int64, count=len(chunk)
            )
        blank_ids = codes[id_column].blank
        if blank_ids:
            empty = np.flatnonzero(np.isin(filled[id_column][start : start + len(chunk)], blank_ids) & ~ignored)
            blank = chunk.blank(empty)
            ignored[empty[blank]] = True  # ",," as spreadsheets write empty rows
            for row in problems.take(empty[~blank], id_column):
                problems.add(start + row, id_column, "is empty")
        for name in names:
            kind = kinds[name]
            if kind == "segment":
                continue  # an empty value is a segment too: calibrate names it "(blank)"
            if kind in ("amount", "quantity"):
                texts = columns[name]
                for ignored_row in np.flatnonzero(ignored).tolist():
                    texts[ignored_row] = "0"  # keeps the fast path for the others
                numbers, unreadable = amounts(texts, options.decimal)
                rows = np.array(sorted(unreadable), dtype=np.int64)
                for row in problems.take(rows[~ignored[rows]], name):
                    problems.add(start + row, name, unreadable[row])
                with np.errstate(invalid="ignore"):
                    if kind == "quantity":
                        out_of_range = ~ignored & ~np.isnan(numbers) & (numbers <= 0)
                    else:
                        out_of_range = ~ignored & ~np.isnan(numbers) & ((numbers < 0) | (numbers > MAX_AMOUNT))
                for row in problems.take(np.flatnonzero(out_of_range), name):
                    text = texts[row].strip()
                    if kind == "quantity":
                        message = f"must be a number > 0, got {shown(text)}"
                    else:
                        message = amount_range_problem(float(numbers[row]), text) or ""
                    problems.add(start + row, name, message)
                filled[name][start : start + len(chunk)] = numbers
        all_ignored[start : start + len(chunk)] = ignored
        end = start + len(chunk)
        del chunk, columns

    ignored = all_ignored[:end]
    read_moments: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    labels: dict[str, list[str]] = {}
    for name in names:
        kind = kinds[name]
        is_number = kind in ("amount", "quantity")
        raw = filled[name][:end]
        if kind in ("month", "optional_month"):
            raw_labels = [label.strip() for label in codes[name]]
            ordinals = np.array([_ordinal(label, kind, options.date_format) for label in raw_labels], dtype=np.int64)
            unreadable_code = ordinals == -1
            if unreadable_code.any():
                for row in problems.take(np.flatnonzero(unreadable_code[raw] & ~ignored), name):
                    problems.add(row, name, month_problem(raw_labels[raw[row]], options.date_format))
            if name in moments:  # the dates themselves, not only their months (a small table: a copy is fine)
                keys = np.array([moment_key(label, options.date_format) or -1 for label in raw_labels], np.int64)
                read_moments[name] = keys[raw]
            values[name] = _mapped_in_place(ordinals, raw)
        elif is_number:
            values[name] = raw
        else:
            merge, labels[name] = _merged(codes[name])
            values[name] = _mapped_in_place(merge, raw)
    return ReadColumns(values, labels, ignored, read_moments)


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
