"""The plan's table read as a person reads it: whole figures at 80 and 120 columns, negative ranges, undefined values."""

from __future__ import annotations

import csv
import io

import pytest
from rich.console import Console

from saas_sim.analysis.plan import Plan, PlanRow
from saas_sim.render.plan import plan_csv, plan_view


def row(label: str, kind: str, cash: float | None, *, arr: float | None = 14_727_054.4) -> PlanRow:
    return PlanRow(
        label=label,
        kind=kind,
        customers=2_549.5,
        new=1_194.0,
        churned=161.0,
        mrr=None if arr is None else arr / 12,
        arr=arr,
        spend=3_591_775.0,
        burn=0.0,
        cash=cash,
        arr_p10=None if arr is None else arr * 0.9,
        arr_p90=None if arr is None else arr * 1.1,
        cash_p10=None if cash is None else cash - 270_000,
        cash_p90=None if cash is None else cash + 240_000,
    )


# A burning company: cash far below zero, so both ends of its range are negative; an undefined ARR.
PLAN = Plan(
    currency="USD",
    months=[row(f"month {m}", "month", -3_390_000.0 - 1000 * m) for m in range(1, 43)],
    years=[row("year 3", "year", -1_466_000.0, arr=None), row("year 4 (months 37-42)", "year", -3_432_000.0)],
)


def render(width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(plan_view(PLAN))
    return console.export_text()


@pytest.mark.parametrize("width", [80, 120])
def test_every_figure_whole_at_80_and_120_columns(width):
    text = render(width)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    assert "-$3.39M" in text and "$14.7M" in text and "2,550" in text


def test_a_range_of_two_negative_ends_keeps_its_dash_apart_from_the_minus():
    text = render(120)
    assert "-$3.66M – -$3.15M" in text
    assert "–-" not in text


def test_a_partial_year_is_starred_and_said_under_the_table():
    text = render(120)
    assert "year 4*" in text and "*year 4: months 37-42 only." in text


def test_undefined_reads_a_dash_on_screen_and_an_empty_cell_in_the_csv():
    text = render(120)
    year_three = next(line for line in text.splitlines() if line.startswith("year 3"))
    assert year_three.count("—") == 3  # MRR, ARR and its range
    rows = list(csv.DictReader(io.StringIO(plan_csv(PLAN))))
    assert rows[-2]["arr"] == "" and rows[-2]["mrr"] == "" and rows[-2]["arr_p90"] == ""
    assert rows[-2]["cash"] == "-1466000" and rows[-1]["customers"] == "2549.5"
