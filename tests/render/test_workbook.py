"""The workbook of ``report --xlsx``: reopened with openpyxl, its cells are numbers with number formats."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from saas_sim.analysis.inputs import input_rows
from saas_sim.analysis.plan import plan_of
from saas_sim.analysis.run import run_scenario
from saas_sim.io.scenario import parse_scenario
from saas_sim.model.result import STATS
from saas_sim.render.plan import CSV_COLUMNS, plan_csv
from saas_sim.render.workbook import write_workbook
from tests.cli.conftest import TWO_SEGMENTS

# Uncertain values in three forms (a range, a normal, a triangular), an event setting a field, a
# correlation, a horizon that ends in a partial year, and a currency without a symbol.
SCENARIO = TWO_SEGMENTS.replace("currency: EUR", "currency: CHF").replace("paths: 5000", "paths: 60") + (
    "  - month: 9\n    set: {segments.Enterprise.expansion_monthly: 1%}\n"
)
SCENARIO = SCENARIO.replace("    arpa_monthly: 2_500\n", "    arpa_monthly: {dist: normal, mean: 2500, sd: 200}\n")
SCENARIO = SCENARIO.replace("    cac: 20k\n", "    cac: {dist: triangular, low: 15k, mode: 20k, high: 30k}\n")


@pytest.fixture(scope="module")
def result():
    return run_scenario(parse_scenario(SCENARIO))


@pytest.fixture(scope="module")
def book(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "plan.xlsx"
    write_workbook(path, result, plan_of(result))
    return load_workbook(path)


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_sheets_and_frozen_headers(book):
    assert book.sheetnames == ["Plan", "Series", "Summary", "Inputs"]
    for sheet in book:
        assert sheet.freeze_panes in ("B2", "C2")
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
        assert all(sheet.column_dimensions[letter].width >= 6 for letter in ("A", "B", "C"))


def test_the_plan_sheet_is_the_csv_in_numbers_with_the_currencys_format(book, result):
    sheet = book["Plan"]
    assert [c.value for c in sheet[1]] == list(CSV_COLUMNS)
    csv_lines = plan_csv(plan_of(result)).splitlines()
    assert sheet.max_row == len(csv_lines) == 1 + 14 + 2
    for line, row in zip(csv_lines[1:], sheet.iter_rows(min_row=2)):
        written = line.split(",")
        assert row[0].value == written[0] and row[1].value == written[1]
        for cell, text in zip(row[2:], written[2:]):
            if text == "":
                assert cell.value is None
            else:
                assert is_number(cell.value) and cell.value == pytest.approx(float(text))
    customers, arr = sheet["C2"], sheet["G2"]
    assert customers.number_format == "#,##0.0"
    assert arr.number_format == '#,##0" CHF"'
    assert sheet.cell(row=sheet.max_row, column=1).value == "year 2 (months 13-14)"


def test_the_series_sheet_has_every_company_series_and_statistic_as_numbers(book, result):
    sheet = book["Series"]
    header = [c.value for c in sheet[1]]
    assert header == ["month", *(f"{name} {stat}" for name in result.series for stat in STATS)]
    assert sheet.max_row == 1 + result.horizon_months
    column = {name: index for index, name in enumerate(header)}
    row = sheet[14]  # month 13: the 12-month metrics are defined
    assert row[0].value == 13
    assert row[column["arr p50"]].value == pytest.approx(result.series["arr"].p50[12])
    assert row[column["arr p50"]].number_format == '#,##0" CHF"'
    assert row[column["nrr_12m p50"]].number_format == "0.0%"
    assert row[column["logo_churn_rate mean"]].number_format == "0.0%"
    assert row[column["customers p90"]].number_format == "#,##0.0"
    assert all(cell.value is None or is_number(cell.value) for r in sheet.iter_rows(min_row=2) for cell in r)


def test_the_summary_sheet_has_every_metric_with_p10_p50_p90_and_mean(book, result):
    sheet = book["Summary"]
    assert [c.value for c in sheet[1]][:6] == ["metric", "label", "p10", "p50", "p90", "mean"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert list(rows) == list(result.summary)
    arr_end = rows["arr_end"]
    assert [c.value for c in arr_end[2:6]] == pytest.approx(
        [result.summary["arr_end"].stat(s) for s in ("p10", "p50", "p90", "mean")]
    )
    assert arr_end[3].number_format == '#,##0" CHF"'
    assert rows["out_of_cash"][5].number_format == "0.0%"
    assert rows["ltv_cac"][3].number_format == '0.0"×"'
    never = rows["payback_months_with_churn"][6]
    assert is_number(never.value) and never.number_format == "0.0%"


def test_the_inputs_sheet_covers_every_value_of_the_scenario(book, result):
    sheet = book["Inputs"]
    assert [c.value for c in sheet[1]] == ["field", "value", "distribution", "low", "high", "note"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert list(rows) == [row.field for row in input_rows(result.scenario)]

    def scalars(value, path=""):
        if isinstance(value, dict) and "dist" not in value:
            for key, inner in value.items():
                yield from scalars(inner, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                yield from scalars(inner, f"{path}[{index}]")
        else:
            yield path, value

    for path, value in scalars(result.scenario):
        assert path in rows, path
        if is_number(value):
            assert rows[path][1].value == pytest.approx(value)
    assert rows["horizon_months"][1].value == 14
    assert rows["segments[0].churn.monthly"][2].value == "lognormal"
    assert [c.value for c in rows["segments[0].churn.monthly"][3:5]] == pytest.approx([0.02, 0.04])
    assert rows["segments[0].churn.monthly"][3].number_format == "0.0%"
    assert rows["segments[0].churn.monthly"][1].value is None  # "2%..4%" is written as a range, not a figure
    assert rows["segments[1].arpa_monthly"][1].value == 2500  # a normal's mean is written
    assert rows["segments[1].arpa_monthly"][2].value == "normal (mean 2500, sd 200)"
    assert rows["segments[1].cac"][2].value == "triangular (mode 20000)"
    assert [c.value for c in rows["segments[1].cac"][3:5]] == [15_000, 30_000]
    assert rows["segments[1].cac"][1].value is None  # a triangular has no simple median: its range says it
    assert rows["company.starting_cash"][1].number_format == '#,##0" CHF"'
    assert rows["events[1].set.segments.Enterprise.expansion_monthly"][1].number_format == "0.0%"
