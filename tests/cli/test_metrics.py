"""``saas-sim metrics LEDGER.csv``: the JSON document, the CSV, the report and bad files (exit 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from saas_sim.analysis.ledger_metrics import SERIES

LEDGER = """\
customer_id,month,mrr
a,2024-01,100
b,2024-01,50
a,2024-02,120
a,2024-04,120
c,2024-04,30
c,2024-04,10
"""


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER, encoding="utf-8")
    return path


def _refuse_constant(name: str):
    raise AssertionError(f"{name} in the JSON output")


def test_json_to_stdout_is_the_document_and_nothing_else(invoke, ledger_file):
    result = invoke("metrics", ledger_file, "--json", "-")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout, parse_constant=_refuse_constant)
    assert list(document) == ["months", "series", "cohorts"]
    assert document["months"] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert tuple(document["series"]) == SERIES
    series = document["series"]
    assert series["customers"] == [2, 1, 0, 2]
    assert series["mrr"] == [150.0, 120.0, 0.0, 160.0]
    assert series["churned_customers"] == [0, 1, 1, 0]
    assert series["reactivated_customers"] == [0, 0, 0, 1]
    assert series["new_customers"] == [2, 0, 0, 1]
    assert series["expansion_mrr"] == [0.0, 20.0, 0.0, 0.0]
    assert series["nrr_monthly"] == [None, 0.8, 0.0, None]
    assert set(document["cohorts"]) == {"logo_retention", "revenue_retention"}
    assert document["cohorts"]["logo_retention"] == [[1.0, 0.5, 0.0, 0.5], [None, None, None], [None, None], [1.0]]
    assert document["cohorts"]["revenue_retention"][0] == [1.0, 0.8, 0.0, 0.8]


def test_csv_has_month_and_every_series(invoke, ledger_file, tmp_path):
    out = tmp_path / "metrics.csv"
    result = invoke("metrics", ledger_file, "--csv", out)
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {out}" in result.stdout
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["month", *SERIES]
    assert [row[0] for row in rows[1:]] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    first = dict(zip(rows[0], rows[1]))
    assert first["customers"] == "2" and first["mrr"] == "150.0" and first["nrr_monthly"] == ""


def test_csv_to_stdout_prints_only_the_csv(invoke, ledger_file):
    result = invoke("metrics", ledger_file, "--csv", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("month,customers,mrr,")
    assert len(result.stdout.splitlines()) == 5


def test_the_report_shows_the_months(invoke, ledger_file):
    result = invoke("metrics", ledger_file)
    assert result.exit_code == 0, result.stderr
    for text in ("2024-01", "2024-03", "2024-04", "MRR", "Churned", "NRR"):
        assert text in result.stdout


def test_the_report_renders_charts_and_heatmaps_on_a_terminal():
    from rich.console import Console

    from saas_sim.analysis.ledger_metrics import ledger_metrics
    from saas_sim.io.ledger import parse_ledger
    from saas_sim.render.ledger import ledger_report

    document = ledger_metrics(parse_ledger(LEDGER))
    console = Console(width=120, record=True, force_terminal=True, color_system="truecolor")
    console.print(ledger_report(document, source="ledger.csv", charts=True))
    text = console.export_text()
    assert "Logo retention" in text and "Revenue retention" in text and "Customers" in text
    assert max(len(line) for line in text.splitlines()) <= 120


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "customer_id,month,mrr\na,2024-13,10\n",
            "ledger.csv:2 month: must be a month (2024-01), a date (2024-01-31) or an ISO timestamp, got '2024-13'",
        ),
        ("customer_id,month,mrr\na,2024-01,10\nb,2024-01,-3\n", "ledger.csv:3 mrr: must be >= 0, got -3"),
        ("customer_id,month,mrr\na,2024-01,ten\n", "ledger.csv:2 mrr: must be a number, got 'ten'"),
        ("customer_id,month\na,2024-01\n", "ledger.csv:1: missing column mrr"),
        ("customer_id,month,mrr\na,2024-01\n", "ledger.csv:2: has 2 fields, expected 3"),
    ],
)
def test_bad_files_are_refused_with_file_line_field_and_exit_2(invoke, tmp_path, content, expected):
    path = tmp_path / "ledger.csv"
    path.write_text(content, encoding="utf-8")
    result = invoke("metrics", path, "--json", "-")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(str(tmp_path / expected))


def test_every_problem_is_reported_at_once(invoke, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("customer_id,month,mrr\na,2024-13,10\nb,2024-01,x\n,2024-01,1\n", encoding="utf-8")
    result = invoke("metrics", path)
    assert result.exit_code == 2
    assert [line.split(" ", 1)[0].rsplit(":", 1)[1] for line in result.stderr.splitlines()] == ["2", "3", "4"]


def test_a_missing_file_and_a_bad_output_path_exit_2(invoke, ledger_file, tmp_path):
    result = invoke("metrics", tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    result = invoke("metrics", ledger_file, "--json", tmp_path / "missing" / "out.json")
    assert result.exit_code == 2
    assert "--json" in result.stderr


def test_a_row_split_by_an_unquoted_thousands_separator_exits_2_with_its_line(invoke, tmp_path):
    """Issue 13 item 2: ``A,2024-01,1,234.50`` gave MRR 1.0 without a word."""
    path = tmp_path / "ledger.csv"
    path.write_text("customer_id,month,mrr\nA,2024-01,1,234.50\nB,2024-02,5\n", encoding="utf-8")
    result = invoke("metrics", path, "--json", "-")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{path}:2: has 4 fields, expected 3")


@pytest.mark.parametrize("amount", ["1e308", pytest.param("9" * 5000, id="5000-digits")])
def test_an_amount_that_would_overflow_exits_2_with_its_line_and_no_warning(tmp_path, amount):
    """Run as a process, so that a numpy RuntimeWarning would show on the real stderr."""
    import subprocess
    import sys

    path = tmp_path / "ledger.csv"
    path.write_text(f"customer_id,month,mrr\na,2024-01,{amount}\nb,2024-01,{amount}\na,2024-02,1\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "saas_sim", "metrics", str(path), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith(f"{path}:2 mrr: must be at most") and lines[1].startswith(f"{path}:3 mrr:")


def test_the_report_says_its_churn_nrr_and_grr_are_monthly():
    """Issue 13 item 22: a monthly NRR of 80 % must not be read as an annual one."""
    from rich.console import Console

    from saas_sim.analysis.ledger_metrics import ledger_metrics
    from saas_sim.io.ledger import parse_ledger
    from saas_sim.render.ledger import MovementsTable

    document = ledger_metrics(parse_ledger(LEDGER))
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(MovementsTable(document))
    text = console.export_text()
    names, units = (line.split() for line in text.splitlines()[:2])
    assert names[-3:] == ["churn", "NRR", "GRR"] and units[-4:-1] == ["/month"] * 3
    assert "churn, NRR and GRR are monthly rates, not annual" in " ".join(text.split())


def test_an_export_with_other_names_a_decimal_comma_and_dates_reads_as_the_clean_ledger(invoke, ledger_file, tmp_path):
    """SPEC 6.1 through the command line: --columns, --decimal, --date-format."""
    export = tmp_path / "export.csv"
    rows = [line.split(",") for line in LEDGER.splitlines()[1:]]
    export.write_text(
        "\ufeffKunde;Abrechnungsmonat;Betrag;Tarif\n"
        + "".join(
            f"{customer};01.{month[5:]}.{month[:4]};{float(mrr):,.2f} €;pro\n".replace(",", "X")
            .replace(".", ",")
            .replace("X", ".")
            .replace(",", ".", 2)
            for customer, month, mrr in rows
        ),
        encoding="utf-8",
    )
    assert "a;01.01.2024;100,00 €;pro" in export.read_text(encoding="utf-8")
    clean = invoke("metrics", ledger_file, "--json", "-")
    read = invoke(
        "metrics",
        export,
        "--json",
        "-",
        "--columns",
        "customer=Kunde,month=Abrechnungsmonat,mrr=Betrag",
        "--decimal",
        ",",
        "--date-format",
        "%d.%m.%Y",
    )
    assert read.exit_code == 0, read.stderr
    assert json.loads(read.stdout) == json.loads(clean.stdout)


def test_bad_reading_options_exit_2_naming_the_option(invoke, ledger_file):
    result = invoke("metrics", ledger_file, "--decimal", ";", "--columns", "plan=Plan", "--date-format", "%d")
    assert result.exit_code == 2 and result.stdout == ""
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == [
        "saas-sim --columns",
        "saas-sim --decimal",
        "saas-sim --date-format",
    ]


# ---------------------------------------------------------------- the shipped example exports (SPEC 6.1, 6.2)

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"
SUBSCRIPTIONS_COLUMNS = "customer=Customer ID,start=Start Date (UTC),end=Ended At (UTC)"


def _ordinal(year: int, month: int) -> int:
    return year * 12 + month - 1


def _label(ordinal: int) -> str:
    return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"


def clean_ledger_of_subscriptions(path: Path) -> str:
    """The Stripe-style example as a plain customer_id,month,mrr ledger, month by month (SPEC 6.2's rule)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    per_interval = {"month": 1.0, "year": 1 / 12}

    def month_of(text: str) -> int:
        return _ordinal(int(text[:4]), int(text[5:7]))

    last = max(month_of(row[name]) for row in rows for name in ("Start Date (UTC)", "Ended At (UTC)") if row[name])
    lines = ["customer_id,month,mrr"]
    for row in rows:
        amount = float(row["Amount"].removeprefix("$").replace(",", ""))
        mrr = amount * int(row["Quantity"]) * per_interval[row["Interval"]]
        start = month_of(row["Start Date (UTC)"])
        stop = last + 1 if not row["Ended At (UTC)"] else max(month_of(row["Ended At (UTC)"]), start + 1)
        lines += [f"{row['Customer ID']},{_label(month)},{mrr!r}" for month in range(start, stop)]
    return "\n".join(lines) + "\n"


def clean_ledger_of_european_export(path: Path) -> str:
    """The European example (``;``, ``31.01.2024``, ``1.234,50 €``) as a plain ledger."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    lines = ["customer_id,month,mrr"]
    for row in rows:
        _, month, year = row["Datum"].split(".")
        amount = row["MRR"].removesuffix(" €").replace(".", "").replace(",", ".")
        lines.append(f"{row['Kundennummer']},{year}-{month},{amount}")
    return "\n".join(lines) + "\n"


def to_the_cent(document: dict) -> dict:
    """The metrics document with money to the cent and rates to 1e-9 (sums of other row orders differ in the
    last bits of a float, nothing more)."""
    from saas_sim.analysis.ledger_metrics import MONEY_SERIES, RATE_SERIES

    def rounded(values: list, digits: int) -> list:
        return [None if value is None else round(value, digits) for value in values]

    series = {
        name: rounded(values, 2) if name in MONEY_SERIES else rounded(values, 9) if name in RATE_SERIES else values
        for name, values in document["series"].items()
    }
    cohorts = {name: [rounded(row, 9) for row in rows] for name, rows in document["cohorts"].items()}
    return {"months": document["months"], "series": series, "cohorts": cohorts}


@pytest.mark.parametrize(
    ("name", "options", "clean_of"),
    [
        ("subscriptions.csv", ["--columns", SUBSCRIPTIONS_COLUMNS], clean_ledger_of_subscriptions),
        (
            "ledger-eu.csv",
            ["--columns", "customer=Kundennummer,month=Datum,mrr=MRR", "--decimal", ",", "--date-format", "%d.%m.%Y"],
            clean_ledger_of_european_export,
        ),
    ],
)
def test_each_example_export_gives_the_metrics_of_its_clean_ledger_to_the_cent(
    invoke, tmp_path, name, options, clean_of
):
    clean = tmp_path / "clean.csv"
    clean.write_text(clean_of(DATA / name), encoding="utf-8")
    from_clean = invoke("metrics", clean, "--json", "-")
    from_export = invoke("metrics", DATA / name, "--json", "-", *options)
    assert from_export.exit_code == 0, from_export.stderr
    exported, plain = json.loads(from_export.stdout), json.loads(from_clean.stdout)
    assert to_the_cent(exported) == to_the_cent(plain)
    assert len(exported["months"]) >= 24 and max(exported["series"]["customers"]) >= 100


def test_the_example_exports_need_their_options(invoke):
    without_columns = invoke("metrics", DATA / "subscriptions.csv", "--json", "-")
    assert without_columns.exit_code == 2 and "--columns" in without_columns.stderr
    without_decimal = invoke(
        "metrics", DATA / "ledger-eu.csv", "--json", "-", "--columns", "customer=Kundennummer,month=Datum,mrr=MRR"
    )
    assert without_decimal.exit_code == 2 and "--date-format" in without_decimal.stderr


def test_metrics_of_a_subscriptions_table_with_annual_plans(invoke, tmp_path):
    table = tmp_path / "subscriptions.csv"
    table.write_text(
        "customer_id,start,end,amount,interval\na,2024-01-10,,1200,year\nb,2024-01-20,2024-03-20,50,month\n",
        encoding="utf-8",
    )
    document = json.loads(invoke("metrics", table, "--json", "-").stdout)
    assert document["months"] == ["2024-01", "2024-02", "2024-03"]
    assert document["series"]["mrr"] == [150.0, 150.0, 100.0]
    assert document["series"]["churned_customers"] == [0, 0, 1]
