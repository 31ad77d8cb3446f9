"""The result document (SPEC 5) as JSON and as a CSV of the company series.

``-`` as a path means standard output.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from saas_sim.model.result import STATS, Result

STDOUT = "-"


@contextmanager
def _open_for_writing(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    if str(path) == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            yield handle


def result_to_json(result: Result | dict[str, Any] | list[Any]) -> str:
    """The document as JSON text; a NaN or infinity left in it is a bug, and raises ``ValueError``."""
    document = result.to_json() if isinstance(result, Result) else result
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)


def write_json(result: Result | dict[str, Any] | list[Any], path: str | Path) -> None:
    """Write a result (or any JSON-ready value) to ``path`` (``-``: standard output)."""
    text = result_to_json(result)
    with _open_for_writing(path) as out:
        out.write(text + "\n")


def csv_columns(result: Result) -> list[str]:
    """``month`` then ``{series}_{stat}`` for every company series and statistic."""
    return ["month"] + [f"{series}_{stat}" for series in result.series for stat in STATS]


def result_to_csv_rows(result: Result) -> list[list[object]]:
    """The header row, then one row per month; undefined values are empty cells."""
    rows: list[list[object]] = [[*csv_columns(result)]]
    columns = [stats.stat(stat) for stats in result.series.values() for stat in STATS]
    for index, month in enumerate(result.months):
        row: list[object] = [month]
        row.extend("" if values[index] is None else values[index] for values in columns)
        rows.append(row)
    return rows


def write_csv(result: Result, path: str | Path) -> None:
    """Write the company series, one row per month, to ``path`` (``-``: standard output)."""
    with _open_for_writing(path) as out:
        csv.writer(out, lineterminator="\n").writerows(result_to_csv_rows(result))
