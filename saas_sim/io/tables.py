"""History tables as billing systems and spreadsheets export them (SPEC 6.1), for both history readers.

- The delimiter is sniffed from the header line: ``,``, ``;`` or a tab,
  whichever splits it into the columns wanted (a UTF-8 byte-order mark is
  dropped by :func:`~saas_sim.io.files.read_text`).
- Header names match without regard to case or surrounding spaces; other
  columns are ignored; :class:`ReadOptions` ``columns`` maps other names
  (``--columns customer=Customer ID,month=Period,mrr=MRR``).
- Every record must have exactly as many fields as the header: a row split
  by an unquoted ``1,234.50`` is refused, never truncated.
- Months: ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO 8601 timestamp, whose
  calendar month is taken as written (no time-zone conversion); with
  ``date_format``, exactly that ``strptime`` form instead.
- Amounts: a currency sign ($ € £ ¥) before or after, thousands separators
  (``,`` with the decimal point, ``.`` with ``--decimal ,``; also an
  apostrophe or a space), quotes.  A separator counts only before groups of
  exactly three digits: with the decimal point ``1,234.5`` is 1234.5 and
  ``1,23`` is refused as ambiguous, never guessed.  At most
  :data:`MAX_AMOUNT` a row, so that no sum of a file can overflow.
- Counts (cohort tables): whole numbers, thousands separators allowed, at
  most :data:`MAX_COUNT`.

The body is read a chunk at a time (:meth:`Table.chunks`: about
:data:`CHUNK_CHARACTERS` of a file without quotes, split by ``str.split``
after numpy counted the fields of every line on its bytes;
:data:`CHUNK_RECORDS` records of a quoted file, split by the ``csv``
module), so that no list of every row's fields exists at once.

Plain files take a fast path: when a column holds only digits, points,
signs and exponents, it is converted by ``float`` mapped in C; a column
whose every value is like ``$1,234.50`` is checked by one regular
expression and read the same way once its signs and separators are
deleted; only other columns are read value by value (each distinct value
once).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import numpy as np

from saas_sim.errors import InputError, Problem

DELIMITERS = (",", ";", "\t")
CURRENCY_SIGNS = "$€£¥"
MAX_AMOUNT = 1e15  # a row's MRR: far above any business, far below where sums of a file could overflow
MAX_COUNT = 10**12  # customers in a cohort
COLUMN_KEYS = {  # --columns keys -> the column each names
    "customer": "customer_id",
    "customer_id": "customer_id",
    "month": "month",
    "mrr": "mrr",
    "cohort": "cohort",
    "period": "period",
    "active": "active",
    "start": "start",
    "end": "end",
    "amount": "amount",
    "interval": "interval",
    "quantity": "quantity",
}
MONTH_FORMS = "a month (2024-01), a date (2024-01-31) or an ISO timestamp"
_SHOWN_CHARACTERS = 24


@dataclass(frozen=True)
class ReadOptions:
    """How to read a user's export: ``columns`` maps a column (``customer_id``) to its name in the file."""

    columns: Mapping[str, str] = field(default_factory=dict)
    decimal: str = "."
    date_format: str | None = None
    segment_by: str | None = None  # a column kept as each row's segment (calibrate --segment-by)

    def name_of(self, column: str) -> str:
        return self.columns.get(column, column)


def parse_columns_option(text: str) -> dict[str, str]:
    """``customer=Customer ID,month=Period`` -> ``{"customer_id": "Customer ID", "month": "Period"}``.

    Raises :class:`ValueError` with the message for the option.
    """
    columns: dict[str, str] = {}
    for item in text.split(","):
        key, equals, name = item.partition("=")
        key, name = key.strip().lower(), name.strip()
        if not equals or not key or not name:
            raise ValueError(
                f"must be COLUMN=NAME pairs separated by commas, like customer=Customer ID,mrr=MRR; "
                f"got {item.strip()!r}"
            )
        if key not in COLUMN_KEYS:
            raise ValueError(f"{key!r} is not a column: use {', '.join(sorted(set(COLUMN_KEYS) - {'customer_id'}))}")
        if COLUMN_KEYS[key] in columns:
            raise ValueError(f"{key} is mapped twice")
        columns[COLUMN_KEYS[key]] = name
    return columns


def check_decimal_option(text: str) -> str:
    """The decimal mark: ``.`` or ``,``; :class:`ValueError` otherwise."""
    if text not in (".", ","):
        raise ValueError(f"must be . or , (the decimal mark of the amounts), got {text!r}")
    return text


def check_date_format_option(text: str) -> str:
    """A ``strptime`` format that names a year and a month; :class:`ValueError` otherwise."""
    if not re.search(r"%[Yy]", text) or not re.search(r"%[mbB]", text):
        raise ValueError(f"must name a year (%Y) and a month (%m, %b or %B), like %d/%m/%Y; got {text!r}")
    try:
        datetime.strptime("", text)
    except ValueError as error:
        if "bad directive" in str(error) or "stray %" in str(error):
            raise ValueError(f"is not a strptime format: {error}") from None
    return text


def shown(text: str) -> str:
    """A value quoted for a message; a very long one cut, with its length."""
    if len(text) <= 2 * _SHOWN_CHARACTERS:
        return repr(text)
    return f"{text[:_SHOWN_CHARACTERS] + '…'!r} ({len(text):,} characters)"


# ---------------------------------------------------------------- the table itself

CHUNK_CHARACTERS = 4_000_000  # a plain file is split into lines this much text at a time
CHUNK_RECORDS = 100_000  # a quoted file is parsed this many records at a time


@dataclass
class Chunk:
    """Consecutive body records of a :class:`Table`: ``start`` is the index of the first among the body's.

    ``lengths`` holds each record's number of fields; ``columns`` the values
    of the columns asked for, one per record, "" in a record of another
    width than the header (refused, or a blank line, by the caller).
    """

    start: int
    lengths: np.ndarray
    columns: list[list[str]]
    _piece: str | None  # a plain file's lines, empty ones included
    _records: list[list[str]] | None
    _delimiter: str
    _lines: list[str] | None = None

    def __len__(self) -> int:
        return len(self.lengths)

    def row(self, index: int) -> list[str]:
        """Record ``index`` of the chunk (0-based within it), split into its fields."""
        if self._records is not None:
            return self._records[index]
        if self._lines is None:
            self._lines = _non_empty_lines(self._piece or "")
        return self._lines[index].split(self._delimiter)

    def blank(self, rows: np.ndarray) -> np.ndarray:
        """Whether each record of ``rows`` (indices within the chunk) has nothing but spaces in every field."""
        return np.array([not any(cell.strip() for cell in self.row(int(row))) for row in rows], dtype=np.bool_)


def _non_empty_lines(piece: str) -> list[str]:
    return [line for line in piece.split("\n") if line]


def _field_counts(piece: str, delimiter: str) -> tuple[np.ndarray, bool]:
    """The number of fields of each non-empty line of ``piece``, and whether it has empty lines, counted on its
    UTF-8 bytes with numpy (a delimiter and a line break are one byte, never part of another character)."""
    data = np.frombuffer(piece.encode("utf-8"), dtype=np.uint8)
    newlines = np.flatnonzero(data == ord("\n"))
    line_ends = np.append(newlines, len(data))
    line_starts = np.append(0, newlines + 1)
    non_empty = line_ends > line_starts
    line_of_delimiter = np.searchsorted(newlines, np.flatnonzero(data == ord(delimiter)))
    counts = np.bincount(line_of_delimiter, minlength=len(line_ends)) + 1
    return counts[non_empty], not non_empty.all()


@dataclass
class Table:
    """A CSV file with the sniffed delimiter, its header found, its body read chunk by chunk.

    ``header`` holds the names as written; ``positions`` the index of each
    wanted column.  The body (every record after the header, empty lines
    dropped) is never held as one list of records: :meth:`chunks` splits a
    few megabytes at a time, with ``str.split`` for a file without a quote
    (the fast path of a plain export), with the ``csv`` module otherwise, so
    that reading a file costs about its own size in memory plus a chunk.
    """

    source: str
    text: str
    delimiter: str
    header: list[str]
    positions: dict[str, int]
    first_body_record: int  # index of the body's first record among the file's non-empty records
    plain: bool  # no quotes, NULs or lone carriage returns: records are lines split at the delimiter
    body_offset: int  # plain files: where the line after the header starts in ``text``
    _record_starts: list[int] | None = None

    def most_records(self) -> int:
        """At least the number of body records (each holds one line break at least, but the last)."""
        return self.text.count("\n", self.body_offset) + 1

    def chunks(self, positions: Sequence[int]) -> Iterator[Chunk]:
        """The body in chunks, with the values of the columns at ``positions``."""
        width = len(self.header)
        delimiter = self.delimiter
        start = 0
        for piece, records in self._pieces():
            if records is not None:
                lengths = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
                body = records
                wrong = np.flatnonzero(lengths != width)
                if len(wrong):
                    body = list(records)
                    for row in wrong:
                        body[row] = [""] * width
                columns = [list(map(itemgetter(position), body)) for position in positions]
            else:
                assert piece is not None
                lengths, has_empty_lines = _field_counts(piece, delimiter)
                if not len(lengths):
                    continue
                wrong = np.flatnonzero(lengths != width)
                if has_empty_lines or len(wrong):
                    lines = _non_empty_lines(piece)
                    for row in wrong:
                        lines[row] = delimiter * (width - 1)
                    fields = delimiter.join(lines).split(delimiter)
                    del lines
                else:  # every line has the header's width: split at once
                    fields = piece.replace("\n", delimiter).split(delimiter)
                columns = [fields[position::width] for position in positions]
                del fields
            yield Chunk(start, lengths, columns, piece, records, delimiter)
            start += len(lengths)

    def _pieces(self) -> Iterator[tuple[str | None, list[list[str]] | None]]:
        """(lines, None) of a plain file (line breaks normalised to ``\\n``) or (None, records) of a quoted one,
        a chunk at a time."""
        text = self.text
        if self.plain:
            position = self.body_offset
            while position < len(text):
                end = text.find("\n", position + CHUNK_CHARACTERS)
                end = len(text) if end < 0 else end
                piece = text[position:end]
                position = end + 1
                if "\r" in piece:
                    piece = piece.replace("\r\n", "\n").removesuffix("\r")
                yield piece, None
            return
        reader = csv.reader(io.StringIO(text, newline=""), **_dialect(self.delimiter))
        records = (row for row in reader if row)
        try:
            for _ in range(self.first_body_record):
                next(records)
            while chunk := list(itertools.islice(records, CHUNK_RECORDS)):
                yield None, chunk
        except csv.Error as error:
            raise InputError([Problem(self.source, reader.line_num, "", f"is not valid CSV: {error}")]) from None

    def rows(self) -> Iterator[list[str]]:
        """Every body record, split into its fields."""
        for piece, records in self._pieces():
            if records is not None:
                yield from records
            else:
                yield from (line.split(self.delimiter) for line in _non_empty_lines(piece or ""))

    def line(self, row: int) -> int:
        """The line where body record ``row`` starts (computed once, only when a problem is reported)."""
        if self._record_starts is None:
            self._record_starts = record_lines(self.text, self.delimiter)
        return self._record_starts[self.first_body_record + row]

    @property
    def header_line(self) -> int:
        return self.line(-1)

    def width_problem(self, fields: int) -> str:
        width = len(self.header)
        names = f" ({','.join(name.strip() for name in self.header)})" if width <= 8 else ""
        message = f"has {fields} field{'s' if fields != 1 else ''}, expected {width}{names}"
        if fields > width and self.delimiter == ",":
            message += '; a number with a thousands separator must be quoted ("1,234.50") or the delimiter be ;'
        return message


def _dialect(delimiter: str) -> dict[str, Any]:
    return {"delimiter": delimiter, "quotechar": '"', "skipinitialspace": True}


def record_lines(text: str, delimiter: str) -> list[int]:
    """The line where each non-empty record starts (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), **_dialect(delimiter))
    lines = []
    end = 0
    for row in reader:
        start, end = end + 1, reader.line_num
        if row:
            lines.append(start)
    return lines


def _first_line(text: str) -> str:
    """The first line with anything but spaces and delimiters (the header, to sniff)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if line.strip(" \t\r,;"):
            return line
        start = end + 1
    return ""


def _names(line: str, delimiter: str) -> list[str]:
    try:
        cells = next(csv.reader([line], **_dialect(delimiter)), [])
    except csv.Error:
        return []
    return [cell.strip().lower() for cell in cells]


def _is_plain(text: str) -> bool:
    """Whether ``text`` has no quotes, NULs or lone carriage returns: then the ``csv`` module's records are
    its non-empty lines split at the delimiter."""
    if '"' in text or "\0" in text:
        return False
    return "\r" not in text or text.count("\r") == text.count("\r\n")


def _split(text: str, source: str, delimiter: str) -> Table | None:
    """The table with its header found (the first record not all blank); ``None`` for an empty file."""
    if _is_plain(text):
        position = index = 0
        while position < len(text):
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            line = text[position:end].removesuffix("\r")
            if line:
                if line.strip(" \t" + delimiter):
                    return Table(source, text, delimiter, line.split(delimiter), {}, index + 1, True, end + 1)
                index += 1
            position = end + 1
        return None
    reader = csv.reader(io.StringIO(text, newline=""), **_dialect(delimiter))
    try:
        for index, row in enumerate(row for row in reader if row):
            if any(cell.strip() for cell in row):
                return Table(source, text, delimiter, row, {}, index + 1, False, 0)
    except csv.Error as error:
        raise InputError([Problem(source, reader.line_num, "", f"is not valid CSV: {error}")]) from None
    return None


def read_table(
    text: str,
    source: str,
    layouts: Sequence[tuple[str, ...]],
    options: ReadOptions,
    describe: Callable[[list[str] | None], str],
    header_field: str = "",
    kinds: Sequence[str] = (),
) -> tuple[int, Table]:
    """Split ``text`` into records and find the columns of one of ``layouts``; (which layout, the table).

    ``describe(header)`` is the message when no layout's columns are all in
    the header (``None``: the file is empty).  ``kinds`` names what each
    layout is ("ledger", "subscriptions table"): a header with the columns of
    two kinds is refused; of two layouts of one kind, the first listed wins.
    """
    kinds = tuple(kinds) or tuple(str(index) for index in range(len(layouts)))
    text = text.removeprefix("\ufeff")
    line = _first_line(text)
    matches = []  # (fields, delimiter, layout)
    for delimiter in DELIMITERS:
        names = _names(line, delimiter)
        for index, layout in enumerate(layouts):
            if all(options.name_of(column).strip().lower() in names for column in layout):
                matches.append((len(names), delimiter, index))
    ambiguous_kinds: list[str] = []
    if matches:
        _fields, delimiter, layout_index = max(matches, key=lambda match: match[0])
        ambiguous_kinds = list(dict.fromkeys(kinds[match[2]] for match in matches if match[1] == delimiter))
    else:
        delimiter = max(DELIMITERS, key=lambda d: len(_names(line, d)))
        layout_index = -1

    table = _split(text, source, delimiter)
    if table is None:
        raise InputError([Problem(source, 1, header_field, describe(None))])
    header = table.header
    if len(ambiguous_kinds) > 1:
        raise InputError(
            [
                Problem(
                    source,
                    table.header_line,
                    header_field,
                    f"has the columns of both a {ambiguous_kinds[0]} and a {ambiguous_kinds[1]}: keep one set",
                )
            ]
        )
    if layout_index < 0:
        raise InputError(
            [Problem(source, table.header_line, header_field, describe([cell.strip() for cell in header]))]
        )
    names = [cell.strip().lower() for cell in header]
    doubled = [column for column in layouts[layout_index] if names.count(options.name_of(column).strip().lower()) > 1]
    if doubled:
        raise InputError(
            [Problem(source, table.header_line, header_field, f"column {', '.join(doubled)} appears more than once")]
        )
    table.positions = {column: names.index(options.name_of(column).strip().lower()) for column in layouts[layout_index]}
    return layout_index, table


def optional_position(table: Table, name: str) -> int | None:
    """Where the column ``name`` is in the table's header (case and surrounding spaces ignored), or ``None``;
    a name written twice is refused."""
    names = [cell.strip().lower() for cell in table.header]
    wanted = name.strip().lower()
    if names.count(wanted) > 1:
        raise InputError([Problem(table.source, table.header_line, "", f"column {name} appears more than once")])
    return names.index(wanted) if wanted in names else None


def keep_segment_column(table: Table, options: ReadOptions) -> None:
    """With ``options.segment_by``, find that column (``table.positions["segment"]``); refuse a header without
    it in one line that names the file and shows the header."""
    if options.segment_by is None:
        return
    position = optional_position(table, options.segment_by)
    if position is None:
        header = ",".join(cell.strip() for cell in table.header)
        said = repr(header) if len(header) <= 400 else shown(header)
        raise InputError(
            [
                Problem(
                    table.source,
                    table.header_line,
                    "",
                    f"has no column {options.segment_by!r} to segment by (--segment-by): the header is {said}",
                )
            ]
        )
    table.positions["segment"] = position


def missing_columns(layout: tuple[str, ...], options: ReadOptions, header: list[str]) -> str:
    """Which of ``layout``'s columns ``header`` lacks, said with the names the user gave, and what it has."""
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in layout if options.name_of(column).strip().lower() not in names]
    said = [
        f"{column} (--columns {options.name_of(column)!r})" if column in options.columns else column
        for column in missing
    ]
    return (
        f"missing column{'s' if len(missing) > 1 else ''} {', '.join(said)}: the header must name "
        f"{','.join(layout)} (any order, other columns ignored), got {shown(','.join(header))}; "
        "for other names, --columns"
    )


# ---------------------------------------------------------------- values


def _number_pattern(decimal: str, *, money: bool) -> re.Pattern[str]:
    group = re.escape("," if decimal == "." else ".")
    mark = re.escape(decimal)
    grouped = rf"\d{{1,3}}(?P<sep>[{group}' \u00a0\u202f])\d{{3}}(?:(?P=sep)\d{{3}})*"
    number = rf"(?P<int>{grouped}|\d+)(?:{mark}(?P<frac>\d*))?|{mark}(?P<frac_only>\d+)"
    if not money:
        return re.compile(rf"\+?(?:{number})", re.ASCII)
    sign, currency = r"[-+]?", f"[{CURRENCY_SIGNS}]?"
    space = r"[\s\u00a0\u202f]*"
    return re.compile(
        rf"(?P<sign1>{sign})(?P<cur1>{currency}){space}(?P<sign2>{sign})(?:{number})"
        rf"(?P<exp>[eE][-+]?\d+)?{space}(?P<cur2>{currency})",
        re.ASCII,
    )


_PATTERNS = {(decimal, money): _number_pattern(decimal, money=money) for decimal in ".," for money in (True, False)}
_NOT_PLAIN = {".": re.compile(r"[^0-9.eE+\- \n]"), ",": re.compile(r"[^0-9eE+\- \n]")}
_OTHER = {".": ",", ",": "."}


def _formatted_column(decimal: str) -> re.Pattern[str]:
    """A line with an amount with currency signs and the convention's thousands separator only
    (``$1,234.50``): a whole column is checked by deleting every such line (nothing may be left), then read
    by deleting the signs and separators."""
    group, mark = re.escape(_OTHER[decimal]), re.escape(decimal)
    number = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{mark}\d*)?|{mark}\d+"
    sign = f"[{CURRENCY_SIGNS}]"
    value = rf" *(?:[-+]?{sign}? *[-+]?(?:{number})|[-+]?(?:{number}) *{sign}) *"
    return re.compile(rf"^{value}$\n?", re.ASCII | re.MULTILINE)


_FORMATTED = {decimal: _formatted_column(decimal) for decimal in ".,"}


def _unformatted(joined: str, decimal: str) -> str:
    """``$1,234.50`` -> ``1234.50`` (``1.234,50 €`` with the decimal comma): ``str.replace`` is far faster
    than ``str.translate`` on text that is not ASCII."""
    for character in CURRENCY_SIGNS + " " + _OTHER[decimal]:
        if character in joined:
            joined = joined.replace(character, "")
    return joined.replace(",", ".") if decimal == "," else joined


def _read_number(text: str, decimal: str, *, money: bool) -> tuple[str, str] | None:
    """(digits with a point, exponent) of ``text`` in the ``decimal`` convention, or ``None``."""
    match = _PATTERNS[decimal, money].fullmatch(text)
    if match is None:
        return None
    if money and ((match["sign1"] and match["sign2"]) or (match["cur1"] and match["cur2"])):
        return None
    if match["frac_only"] is not None:
        whole, fraction = "0", match["frac_only"]
    else:
        whole, fraction = match["int"], match["frac"] or ""
        if match["sep"]:
            whole = whole.replace(match["sep"], "")
    sign = "-" if money and "-" in (match["sign1"] + match["sign2"]) else ""
    exponent = (match["exp"] or "") if money else ""
    if exponent and match["sep"]:
        return None  # 1,234e3 is nobody's export
    return f"{sign}{whole}.{fraction or '0'}", exponent


def _ambiguity(text: str, decimal: str) -> str:
    if decimal == ".":
        return (
            f"cannot be read exactly: {shown(text)} — a comma separates thousands only before groups of three "
            "digits (1,234.50); with a decimal comma (1.234,50), add --decimal ,"
        )
    return (
        f"cannot be read exactly with --decimal ,: {shown(text)} — a dot separates thousands only before groups "
        "of three digits (1.234,50); with a decimal point (1,234.50), leave out --decimal ,"
    )


def parse_amount(text: str, decimal: str = ".") -> float | str:
    """An amount of money as a float, or the message saying why it cannot be read (for ``field: message``)."""
    value = text.strip()
    number = _read_number(value, decimal, money=True)
    if number is None:
        try:
            special = float(value)
        except ValueError:
            special = 0.0
        if not math.isfinite(special):
            return f"must be a finite number, got {shown(value)}"
        if _read_number(value, _OTHER[decimal], money=True) is not None:
            return _ambiguity(value, decimal)
        return f"must be a number, got {shown(value)}"
    digits, exponent = number
    return float(digits + exponent)


def amounts(values: list[str], decimal: str = ".") -> tuple[np.ndarray, dict[int, str]]:
    """The amounts of a column as floats (NaN where unreadable) and the messages of the unreadable rows."""
    count = len(values)
    joined = "\n".join(values)
    # A quoted value may hold a line break: then the joined column no longer splits back into
    # one piece per row, and only the value-by-value reading below keeps the rows apart.
    one_line_each = joined.count("\n") == count - 1
    if one_line_each and _NOT_PLAIN[decimal].search(joined) is None:
        try:  # the fast path: plain numbers, converted in C
            return np.fromiter(map(float, values), dtype=np.float64, count=count), {}
        except ValueError:
            pass
    elif one_line_each and count and not _FORMATTED[decimal].sub("", joined):
        try:  # every value like $1,234.50: the same digits, read at once
            plain = _unformatted(joined, decimal).split("\n")
            return np.fromiter(map(float, plain), dtype=np.float64, count=count), {}
        except ValueError:  # "-$-5": read value by value, and refused
            pass
    distinct = {value: code for code, value in enumerate(dict.fromkeys(values))}
    numbers = np.empty(len(distinct))
    messages: dict[int, str] = {}
    for value, code in distinct.items():
        parsed = parse_amount(value, decimal)
        if isinstance(parsed, str):
            numbers[code] = np.nan
            messages[code] = parsed
        else:
            numbers[code] = parsed
    codes = np.fromiter(map(distinct.__getitem__, values), dtype=np.int64, count=count)
    unreadable = {}
    if messages:
        bad = np.flatnonzero(np.isin(codes, list(messages)))
        unreadable = {int(row): messages[int(codes[row])] for row in bad}
    return numbers[codes] if count else np.zeros(0), unreadable


def amount_range_problem(value: float, text: str) -> str | None:
    """Why a read amount cannot be an MRR: negative, or beyond :data:`MAX_AMOUNT`."""
    if value < 0:
        return f"must be >= 0, got {text.strip() if len(text) < 48 else shown(text.strip())}"
    if value > MAX_AMOUNT:
        return f"must be at most 1,000,000,000,000,000 (1e15) a month, got {shown(text.strip())}"
    return None


def parse_count(text: str, decimal: str = ".") -> int | str:
    """A whole number from 0 to :data:`MAX_COUNT`, or the message saying why not."""
    value = text.strip()
    number = _read_number(value, decimal, money=False)
    whole_message = f"must be a whole number >= 0, got {shown(value)}"
    if number is None:
        return whole_message
    whole = _whole(number[0])
    if whole is None:
        return whole_message
    # "1.000": one written with a fraction of zeros, or a thousand with a decimal comma? Not guessed.
    other = _read_number(value, _OTHER[decimal], money=False) if decimal in value else None
    other_whole = _whole(other[0]) if other is not None else None
    if other_whole is not None and other_whole != whole:
        return (
            f"cannot be read exactly: {shown(value)} is {int(whole):,} with a decimal "
            f"{'point' if decimal == '.' else 'comma'} and {int(other_whole):,} with a decimal "
            f"{'comma' if decimal == '.' else 'point'}; write {int(other_whole)} or {int(whole)}"
            f"{', or add --decimal ,' if decimal == '.' else ''}"
        )
    if len(whole) > len(str(MAX_COUNT)) or int(whole) > MAX_COUNT:
        return f"must be a whole number at most {MAX_COUNT:,}, got {shown(value)}"
    return int(whole)


def _whole(digits: str) -> str | None:
    """The whole number ``digits`` ('1000', '3.0') writes without leading zeros, or None if it has a fraction."""
    whole, _, fraction = digits.partition(".")
    return None if fraction.strip("0") else whole.lstrip("0") or "0"


_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", re.ASCII)


def month_ordinal(label: str, date_format: str | None = None) -> int | None:
    """``"2024-03"`` (or ``2024-03-31``, ``2024-03-31T23:59:00Z``) -> 2024 * 12 + 2; ``None`` if not a month."""
    if date_format is not None:
        try:
            moment = datetime.strptime(label, date_format)
        except ValueError:
            return None
        return moment.year * 12 + moment.month - 1
    match = _MONTH.fullmatch(label)
    if match is not None:
        month = int(match[2])
        return int(match[1]) * 12 + month - 1 if 1 <= month <= 12 else None
    match = _DAY.fullmatch(label)
    try:
        if match is not None:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        elif _TIMESTAMP.fullmatch(label):
            day = datetime.fromisoformat(label).date()
        else:
            return None
    except ValueError:
        return None
    return day.year * 12 + day.month - 1


def moment_key(label: str, date_format: str | None = None) -> int | None:
    """The date (and time) ``label`` writes, as whole seconds from year 1, for ordering two dates of one row;
    a month alone is its first day; a time zone is ignored as the calendar month ignores it.  ``None`` if the
    label is not one of :func:`month_ordinal`'s forms."""
    if month_ordinal(label, date_format) is None:
        return None
    if date_format is not None:
        moment = datetime.strptime(label, date_format)
    elif _MONTH.fullmatch(label):
        moment = datetime(int(label[:4]), int(label[5:7]), 1)
    elif _DAY.fullmatch(label):
        moment = datetime(int(label[:4]), int(label[5:7]), int(label[8:10]))
    else:
        moment = datetime.fromisoformat(label)
    return moment.toordinal() * 86_400 + moment.hour * 3_600 + moment.minute * 60 + moment.second


def month_problem(label: str, date_format: str | None) -> str:
    if date_format is not None:
        return f"must be a date as {date_format} (--date-format), got {shown(label)}"
    return f"must be {MONTH_FORMS}, got {shown(label)}; for other forms, --date-format"
