"""MRR ledgers (SPEC 6): ``customer_id,month,mrr`` CSV files -> a validated :class:`Ledger`.

The file is parsed by the ``csv`` module and turned into arrays at once:
customer ids and months are encoded to integer codes through their few
distinct values, MRR through ``float`` mapped in C, so a million rows take
a couple of seconds.  Every problem is reported with its line,
all at once (at most :data:`MAX_REPORTED`), in one
:class:`~saas_sim.errors.InputError`.

Beyond SPEC 6:

- the header's three columns may come in any order, and other columns are
  ignored (exports often carry a plan or a currency); names are matched
  without regard to case or surrounding spaces;
- a row with an MRR of 0 is accepted and means "not active that month"
  (exports often list paused or free accounts); it still counts for the
  range of months, which runs from the first to the last month in the file;
- blank lines are skipped; a UTF-8 byte-order mark is tolerated;
- MRR is a plain number (``1200``, ``99.5``, ``1e3``): not negative, not
  NaN or infinite, without currency signs or thousands separators.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from saas_sim.errors import InputError, Problem
from saas_sim.io.files import read_text

COLUMNS = ("customer_id", "month", "mrr")
MAX_FILE_BYTES = 2_000_000_000
MAX_REPORTED = 20  # problems listed one by one; the rest are counted
MAX_MONTHS = 1200  # a century: beyond it the file holds a typo, and the cohort triangle would not fit

_MONTH = re.compile(r"(\d{4})-(\d{2})")


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


def read_ledger(path: str | os.PathLike[str]) -> Ledger:
    """Read and validate a ledger file; :class:`InputError` names the file (and lines)."""
    text = read_text(path, kind="ledger", max_bytes=MAX_FILE_BYTES)
    return parse_ledger(text, os.fsdecode(path))


def parse_ledger(text: str, source: str = "<ledger>") -> Ledger:
    """Validate a ledger's text; raise :class:`InputError` with every problem, by line."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = [row for row in reader if row]  # blank lines are skipped
    except csv.Error as error:
        raise InputError([Problem(source, reader.line_num, "", f"is not valid CSV: {error}")]) from None
    if not records:
        raise InputError([Problem(source, 1, "", f"is empty: expected the header {','.join(COLUMNS)}")])
    positions = _header_positions(records[0], source, lambda: _record_lines(text)[0])
    body = records[1:]
    return _Rows(body, positions, source, text).ledger()


def _header_positions(header: list[str], source: str, line_of_header) -> tuple[int, int, int]:
    """Where each of :data:`COLUMNS` sits in the header."""
    names = [name.strip().lower() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    doubled = sorted({column for column in COLUMNS if names.count(column) > 1})
    problems = []
    if missing:
        got = ",".join(name.strip() for name in header)
        problems.append(Problem(source, line_of_header(), "", f"missing column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)}: the header must be {','.join(COLUMNS)}, got {got!r}"))
    if doubled:
        problems.append(Problem(source, line_of_header(), "", f"column {', '.join(doubled)} appears more than once"))
    if problems:
        raise InputError(problems)
    return names.index(COLUMNS[0]), names.index(COLUMNS[1]), names.index(COLUMNS[2])


def _record_lines(text: str) -> list[int]:
    """The line where each non-blank record starts (a quoted field may span lines).

    Only read when there is a problem to report, so the parse itself stays a
    single pass of the ``csv`` module.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    lines = []
    end = 0
    for row in reader:
        start, end = end + 1, reader.line_num
        if row:
            lines.append(start)
    return lines


def _encode(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Integer codes of ``values`` and the distinct values (stripped of spaces), in order of appearance."""
    codes_of: dict[str, int] = dict.fromkeys(values)  # type: ignore[arg-type]  # codes set next
    for code, value in enumerate(codes_of):
        codes_of[value] = code
    raw_codes = np.fromiter(map(codes_of.__getitem__, values), dtype=np.int64, count=len(values))
    # Strip the distinct values only, then merge those that become equal (" a" and "a").
    stripped: dict[str, int] = {}
    merge = np.array([stripped.setdefault(value.strip(), len(stripped)) for value in codes_of], dtype=np.int64)
    return merge[raw_codes] if len(values) else raw_codes, list(stripped)


def _month_ordinal(label: str) -> int | None:
    """``"2024-03"`` -> 2024 * 12 + 2; ``None`` unless the label is a real ``YYYY-MM``."""
    match = _MONTH.fullmatch(label)
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]) * 12 + int(match[2]) - 1


def month_label(ordinal: int) -> str:
    """The inverse of the month ordinal: ``2024 * 12 + 2`` -> ``"2024-03"``."""
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def _parse_mrr(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """MRR as floats (NaN where unreadable) and the mask of unreadable values."""
    try:
        parsed = np.fromiter(map(float, values), dtype=np.float64, count=len(values))
        return parsed, np.zeros(len(values), dtype=bool)
    except ValueError:  # some value is not a number: find which, one by one (only on this path)
        parsed = np.full(len(values), np.nan)
        unreadable = np.zeros(len(values), dtype=bool)
        for index, value in enumerate(values):
            try:
                parsed[index] = float(value)
            except ValueError:
                unreadable[index] = True
        return parsed, unreadable


class _Rows:
    """The data rows of one file, validated column by column; problems collected by row."""

    def __init__(self, body: list[list[str]], positions: tuple[int, int, int], source: str, text: str):
        self.body = body
        self.positions = positions
        self.source = source
        self.text = text
        self.problems: list[tuple[int, str, str]] = []  # (row index, field, message)
        self.problem_count = 0

    def report(self, rows: np.ndarray, field: str, message) -> None:
        """``message(row)`` for each row index in ``rows``; only the first few are formatted."""
        self.problem_count += len(rows)
        for row in rows[:MAX_REPORTED]:
            self.problems.append((int(row), field, message(int(row))))

    def ledger(self) -> Ledger:
        body, width = self.body, max(self.positions) + 1
        count = len(body)
        lengths = np.fromiter(map(len, body), dtype=np.int64, count=count)
        short = np.flatnonzero(lengths < width)
        if len(short):
            self.report(short, "", lambda row: f"has {lengths[row]} field{'s' if lengths[row] != 1 else ''}, "
                        f"expected {width} ({','.join(COLUMNS)})")
            body = [row if len(row) >= width else [""] * width for row in body]  # checked no further
        ignored = np.zeros(count, dtype=bool)
        ignored[short] = True

        customer_of, month_of, mrr_of = (itemgetter(position) for position in self.positions)
        customer, customer_ids = _encode(list(map(customer_of, body)))
        month_code, month_labels = _encode(list(map(month_of, body)))
        mrr_text = list(map(mrr_of, body))
        mrr, unreadable = _parse_mrr(mrr_text)

        empty_ids = [code for code, label in enumerate(customer_ids) if not label]
        bad = np.flatnonzero(np.isin(customer, empty_ids) & ~ignored)
        self.report(bad, "customer_id", lambda row: "is empty")

        ordinals = np.array([_month_ordinal(label) or -1 for label in month_labels], dtype=np.int64)
        month_ordinal = ordinals[month_code] if count else np.zeros(0, dtype=np.int64)
        bad = np.flatnonzero((month_ordinal < 0) & ~ignored)
        self.report(bad, "month", lambda row: f"must be a month as YYYY-MM (like 2024-01), got {body[row][self.positions[1]]!r}")

        bad = np.flatnonzero(unreadable & ~ignored)
        self.report(bad, "mrr", lambda row: f"must be a number, got {mrr_text[row]!r}")
        readable = ~unreadable & ~ignored
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(readable & ~np.isfinite(mrr))
            self.report(bad, "mrr", lambda row: f"must be a finite number, got {mrr_text[row].strip()!r}")
            bad = np.flatnonzero(readable & np.isfinite(mrr) & (mrr < 0))
            self.report(bad, "mrr", lambda row: f"must be >= 0, got {mrr_text[row].strip()}")

        valid_months = month_ordinal[month_ordinal >= 0]
        if len(valid_months) and not self.problem_count:
            first, last = int(valid_months.min()), int(valid_months.max())
            if last - first + 1 > MAX_MONTHS:
                rows = np.flatnonzero(month_ordinal == first)[:1]
                self.report(rows, "month", lambda row: f"{month_label(first)} is {last - first + 1} months before "
                            f"the last month {month_label(last)}; a ledger spans at most {MAX_MONTHS} months")
        if self.problem_count:
            raise InputError(self._problems())
        if not count:
            raise InputError([Problem(self.source, None, "", "has no rows: a ledger needs at least one customer month")])
        first = int(month_ordinal.min())
        months = tuple(month_label(ordinal) for ordinal in range(first, int(month_ordinal.max()) + 1))
        return Ledger(self.source, tuple(customer_ids), months, customer, month_ordinal - first, mrr)

    def _problems(self) -> list[Problem]:
        lines = _record_lines(self.text)
        ordered = sorted(self.problems, key=lambda problem: problem[0])[:MAX_REPORTED]
        problems = [Problem(self.source, lines[row + 1], field, message) for row, field, message in ordered]
        if self.problem_count > len(problems):
            more = self.problem_count - len(problems)
            problems.append(Problem(self.source, None, "", f"and {more} more problem{'s' if more > 1 else ''}"))
        return problems


def metrics_csv_rows(document: dict) -> list[list[object]]:
    """The metrics document (``saas-sim metrics``) as CSV rows: the header ``month`` and every series,
    then one row per month; undefined values are empty cells."""
    names = list(document["series"])
    rows: list[list[object]] = [["month", *names]]
    columns = [document["series"][name] for name in names]
    for index, month in enumerate(document["months"]):
        rows.append([month, *("" if column[index] is None else column[index] for column in columns)])
    return rows


def write_metrics_csv(document: dict, path: str | os.PathLike[str]) -> None:
    """Write the metrics' series, one row per month, to ``path`` (``-``: standard output)."""
    from saas_sim.io.result import _open_for_writing

    with _open_for_writing(path) as out:
        csv.writer(out, lineterminator="\n").writerows(metrics_csv_rows(document))
