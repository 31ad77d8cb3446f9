"""``saas-sim backtest HISTORY.csv (--at YYYY-MM | --rolling)``: the JSON, the report, the fan with the actuals,
and bad input (exit 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from saas_sim.analysis.backtest import SERIES
from saas_sim.render.backtest import BacktestReport
from tests.histories import History, generate


@pytest.fixture(scope="module")
def history_file(tmp_path_factory) -> Path:
    """16 months of a company of the model's own kind, 2022-01..2023-04."""
    path = tmp_path_factory.mktemp("backtest") / "history.csv"
    path.write_text(generate(History(months=16), 4).csv(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def at_document(history_file) -> dict:
    from typer.testing import CliRunner

    from saas_sim.cli import app

    result = CliRunner().invoke(
        app, ["backtest", str(history_file), "--at", "2022-10", "--months", "4", "--paths", "200", "--json", "-"]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_to_stdout_is_the_spec_document(at_document):
    assert at_document["cutoffs"] == ["2022-10"]
    assert list(at_document["series"]) == list(SERIES)
    for figures in at_document["series"].values():
        assert 0 <= figures["coverage_80"] <= figures["coverage_90"] <= 1
        assert len(figures["pit"]) == 4 and all(0 <= p <= 1 for p in figures["pit"])
        assert figures["mape_p50"] is None or figures["mape_p50"] >= 0
    assert at_document["months"] == 4 and at_document["paths"] == 200
    assert at_document["by_cutoff"][0]["months"] == ["2022-11", "2022-12", "2023-01", "2023-02"]


def test_months_are_capped_by_the_data_after_the_cutoff(invoke, history_file):
    result = invoke("backtest", history_file, "--at", "2023-02", "--paths", "100", "--json", "-")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["months"] == 2
    assert document["by_cutoff"][0]["months"] == ["2023-03", "2023-04"]


def test_rolling_pools_every_cutoff_with_a_year_of_history(invoke, history_file):
    result = invoke("backtest", history_file, "--rolling", "--months", "3", "--paths", "100", "--json", "-")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["cutoffs"] == ["2022-12", "2023-01"]  # 12 months up to the first, 3 after the last
    assert all(len(figures["pit"]) == 6 for figures in document["series"].values())


def test_the_report_without_a_terminal_is_the_table_and_the_verdict(invoke, history_file):
    result = invoke("backtest", history_file, "--at", "2022-10", "--months", "4", "--paths", "100")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Backtest of" in out and "calibrated as of 2022-10" in out
    assert "Churned customers" in out and "p10–p90" in out
    assert "The 80% band held" in out
    assert "● actual" not in out  # charts only on a terminal


def test_on_a_terminal_the_fan_has_the_actuals_over_it(at_document):
    console = Console(force_terminal=True, width=100, color_system=None, record=True)
    console.print(BacktestReport(at_document, source="history.csv", charts=True))
    text = console.export_text()
    assert text.count("● actual") == 4  # one fan per series, each with its legend
    assert "Customers, months after 2022-10" in text
    assert text.count("●") >= 4 * 4  # every actual month drawn (and the legends)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "saas-sim --at: give exactly one of --at YYYY-MM and --rolling"),
        (("--at", "2022-10", "--rolling"), "saas-sim --at: give exactly one of --at YYYY-MM and --rolling"),
        (("--at", "October"), "saas-sim --at: must be a month as YYYY-MM, got 'October'"),
        (("--at", "2021-01"), "{file} --at: 2021-01 is before the first month of the file (2022-01..2023-04)"),
        (("--at", "2023-04"), "{file} --at: 2023-04 is the file's last month: no months after it to forecast"),
        (("--rolling", "--months", "12"), "{file} --rolling: needs at least 12 months of history and 12 after"),
        (("--at", "2022-10", "--months", "0"), "saas-sim --months: must be at least 1, got 0"),
        (("--at", "2022-10", "--paths", "0"), "saas-sim --paths: must be between 1 and 1,000,000, got 0"),
        (("--at", "2022-10", "--spend-monthly", "lots"), "saas-sim --spend-monthly: must be an amount >= 0"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(invoke, history_file, args, message):
    result = invoke("backtest", history_file, *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message.format(file=history_file)), lines[0]
    assert "Traceback" not in result.stderr


def test_an_unreadable_file_is_refused_with_its_line(invoke, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,month,mrr\na,2024-01,100\nb,2024-13,50\n", encoding="utf-8")
    result = invoke("backtest", path, "--at", "2024-01")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"{path}:3 month:")
