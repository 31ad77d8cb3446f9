"""The result document (SPEC 5) as JSON and as a CSV of the company series.

``-`` as a path means standard output.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from saas_sim.engine.aggregate import STATS

STDOUT = "-"


@contextmanager
def _open_for_writing(path: str | Path) -> Iterator[IO[str]]:
    if str(path) == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            yield handle


def result_to_json(result: dict) -> str:
    """The document as JSON text; a NaN or infinity left in it is a bug, and raises ``ValueError``."""
    return json.dumps(result, indent=2, allow_nan=False, ensure_ascii=False)


def write_json(result: dict | list, path: str | Path) -> None:
    """Write a result document (or any JSON-ready value) to ``path`` (``-``: standard output)."""
    text = result_to_json(result)
    with _open_for_writing(path) as out:
        out.write(text + "\n")


def csv_columns(result: dict) -> list[str]:
    """``month`` then ``{series}_{stat}`` for every company series and statistic."""
    return ["month"] + [f"{series}_{stat}" for series in result["series"] for stat in STATS]


def result_to_csv_rows(result: dict) -> list[list[object]]:
    """The header row, then one row per month; undefined values are empty cells."""
    rows: list[list[object]] = [csv_columns(result)]
    for index, month in enumerate(result["months"]):
        row: list[object] = [month]
        for stats in result["series"].values():
            row.extend("" if stats[stat][index] is None else stats[stat][index] for stat in STATS)
        rows.append(row)
    return rows


def write_csv(result: dict, path: str | Path) -> None:
    """Write the company series, one row per month, to ``path`` (``-``: standard output)."""
    with _open_for_writing(path) as out:
        csv.writer(out, lineterminator="\n").writerows(result_to_csv_rows(result))
