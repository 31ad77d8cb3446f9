"""``saas-sim run``: the result document, the CSV, the summary and --quiet."""

from __future__ import annotations

import csv
import itertools
import json

import pytest

from saas_sim.engine.aggregate import STATS
from tests.scenario_texts import NEVER_MIX

# SPEC 3.1 (company level) and 3.2.
SERIES = (
    "customers",
    "new_customers",
    "paid_new",
    "referral_new",
    "churned_customers",
    "renewals_due",
    "mrr",
    "arr",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "net_new_mrr",
    "logo_churn_rate",
    "annualized_logo_churn",
    "renewal_rate",
    "gross_mrr_churn_rate",
    "nrr_monthly",
    "grr_monthly",
    "nrr_12m",
    "grr_12m",
    "quick_ratio",
    "acquisition_spend",
    "cac",
    "paid_cac",
    "revenue",
    "gross_profit",
    "cs_cost",
    "fixed_costs",
    "collections",
    "cash",
    "net_burn",
)
SUMMARY = (
    "arr_end",
    "mrr_end",
    "customers_end",
    "cash_end",
    "cash_min",
    "out_of_cash",
    "cash_out_month",
    "arr_growth_yoy_end",
    "annualized_logo_churn_end",
    "nrr_12m_end",
    "grr_12m_end",
    "cac",
    "ltv_simple",
    "ltv",
    "ltv_cac",
    "payback_months",
    "payback_months_with_churn",
    "burn_multiple",
    "rule_of_40",
)


def _refuse_constant(name: str):
    raise AssertionError(f"{name} in the JSON output")


def _only_numbers_or_null(value) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _only_numbers_or_null(item)
    elif isinstance(value, list):
        for item in value:
            _only_numbers_or_null(item)
    else:
        assert value is None or isinstance(value, (int, float, str, bool))


@pytest.fixture
def document(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "200", "--seed", "5", "--json", "-")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout, parse_constant=_refuse_constant)


def test_json_to_stdout_is_the_document_and_nothing_else(document):
    # json.loads of the whole stdout succeeding is the "nothing else" part.
    assert document["schema"] == "saas-sim.result/1"
    assert document["paths"] == 200
    assert document["seed"] == 5
    assert document["horizon_months"] == 14
    assert document["months"] == list(range(1, 15))


def test_json_has_every_spec_series_and_summary(document):
    assert set(SERIES) <= set(document["series"])
    assert set(SUMMARY) <= set(document["summary"])
    for name in SERIES:
        assert set(document["series"][name]) == set(STATS)
        assert all(len(document["series"][name][stat]) == 14 for stat in STATS)
    for name in SUMMARY:
        stats = document["summary"][name]
        # SPEC 5's keys, and what SPEC 3.2 adds: "never" on payback, "n" where fewer paths define it
        assert set(STATS) | {"se"} <= set(stats) <= set(STATS) | {"se", "never", "n"}
        assert ("never" in stats) == (name == "payback_months_with_churn")
    assert set(document["segments"]) == {"SMB [pro]", "Enterprise"}
    _only_numbers_or_null(document)


def test_overrides_reach_the_engine(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "150", "--seed", "3", "--horizon", "4", "--json", "-")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["paths"], document["seed"], document["horizon_months"]) == (150, 3, 4)
    assert len(document["series"]["arr"]["p50"]) == 4
    assert document["scenario"]["events"] == []  # the month-6 event falls after the new horizon


def test_same_seed_same_document(invoke, scenario_file):
    runs = [json.loads(invoke("run", scenario_file, "--paths", "200", "--json", "-").stdout) for _ in range(2)]
    assert runs[0]["seed"] == 11  # the scenario's own seed
    assert runs[0]["series"] == runs[1]["series"]


def test_json_to_a_file_also_prints_the_summary(invoke, scenario_file, tmp_path):
    target = tmp_path / "result.json"
    result = invoke("run", scenario_file, "--paths", "200", "--json", target)
    assert result.exit_code == 0, result.stderr
    assert json.loads(target.read_text(), parse_constant=_refuse_constant)["paths"] == 200
    assert "Key metrics" in result.stdout
    assert f"Wrote {target}" in result.stdout


def test_csv_has_a_row_per_month_and_every_series_stat(invoke, scenario_file, tmp_path):
    target = tmp_path / "series.csv"
    result = invoke("run", scenario_file, "--paths", "200", "--csv", target, "--quiet")
    assert result.exit_code == 0, result.stderr
    with target.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[0] == "month"
    expected = {f"{series}_{stat}" for series in SERIES for stat in STATS}
    assert expected <= set(header[1:])
    assert len(header) == len(set(header))
    assert [row[0] for row in rows[1:]] == [str(m) for m in range(1, 15)]
    arr_p50 = header.index("arr_p50")
    assert all(float(row[arr_p50]) > 0 for row in rows[1:])
    nrr_12m = header.index("nrr_12m_mean")
    assert rows[1][nrr_12m] == ""  # undefined before month 12: an empty cell, not "nan"
    assert float(rows[12][nrr_12m]) > 0


def test_csv_to_stdout(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "200", "--horizon", "3", "--csv", "-")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("month,customers_mean,")
    assert len(lines) == 4


def test_quiet_prints_nothing_but_writes_files(invoke, scenario_file, tmp_path):
    target = tmp_path / "out.json"
    result = invoke("run", scenario_file, "--paths", "200", "--quiet", "--json", target)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert json.loads(target.read_text())["paths"] == 200


def test_store_options_are_accepted_and_do_nothing_yet(invoke, scenario_file, tmp_path):
    db = tmp_path / "runs.db"
    result = invoke("run", scenario_file, "--paths", "200", "--quiet", "--no-save", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert not db.exists()


def test_summary_without_a_terminal_is_plain_text(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "200", "--seed", "9")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out  # no colour codes
    assert "Two segments" in out and "200 paths" in out and "seed 9" in out and "14 months" in out
    for label in (
        "ARR end",
        "Cash min",
        "Out of cash (probability)",
        "NRR 12m end",
        "LTV/CAC",
        "Payback months with churn",
        "Burn multiple",
        "Rule of 40",
    ):
        assert label in out
    assert "€" in out  # the scenario's currency
    assert "Segments (p50)" in out and "SMB [pro]" in out and "Enterprise" in out
    assert "Diagnosis" in out and "Focus:" in out
    assert "p5–p95" not in out  # charts only on a terminal


def test_one_segment_has_no_segment_table(invoke, scenario_file):
    text = scenario_file.read_text()
    one = text[: text.index("  - name: Enterprise")].replace("spend_share: 0.6", "spend_share: 1")
    scenario_file.write_text(one + "events:\n  - month: 6\n    cash_in: 500k\n")
    result = invoke("run", scenario_file, "--paths", "200")
    assert result.exit_code == 0, result.stderr
    assert "Key metrics" in result.stdout
    assert "Segments (p50)" not in result.stdout


def test_piped_summary_keeps_every_figure_with_its_unit(invoke, monkeypatch):
    """`saas-sim run X | cat` (80 columns): no `41.8% ± 0.035⏎pp`, no noise as a figure (issue 13, 4 and 22)."""
    from tests.figures import broken_figures

    monkeypatch.delenv("COLUMNS", raising=False)
    for scenario in (
        "scenarios/vicious-cycle.yaml",
        "scenarios/virtuous-cycle.yaml",
        "scenarios/starter.yaml",
        "scenarios/enterprise-annual.yaml",
    ):
        result = invoke("run", scenario, "--paths", "300", "--no-save")
        assert result.exit_code == 0, result.stderr
        assert broken_figures(result.stdout) == [], scenario
        assert "0.0000" not in result.stdout, scenario
        if scenario == "scenarios/vicious-cycle.yaml":  # LTV/CAC is 1.5× on every path: its error is 0
            row = next(line for line in result.stdout.splitlines() if line.strip().startswith("LTV/CAC"))
            assert row.split()[-3:] == ["1.5×", "±", "0×"], row


def test_a_narrow_terminal_drops_the_errors_rather_than_cut_a_figure(invoke, monkeypatch):
    """60 columns: no room for "mean ± se" beside p10/p50/p90; they stay whole and it is left out."""
    from tests.figures import broken_figures

    monkeypatch.setenv("COLUMNS", "60")
    for scenario in ("scenarios/vicious-cycle.yaml", "scenarios/enterprise-annual.yaml"):
        result = invoke("run", scenario, "--paths", "300", "--no-save")
        assert result.exit_code == 0, result.stderr
        table = result.stdout.split("Key metrics", 1)[1].split("Segments", 1)[0].split("Diagnosis", 1)[0]
        assert "…" not in table and "mean ± se" not in table, table
        assert broken_figures(result.stdout) == []


EXPANSION = """\
name: Expansion
horizon_months: 240
simulation: {paths: 300, seed: 1}
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 5k}
segments:
  - name: SMB
    cac: 500
    arpa_monthly: 100
    starting_customers: 100
    churn: {monthly: 3%}
    expansion_monthly: 50%
    gross_margin: 0.8
"""


@pytest.mark.parametrize("columns", [None, "120"])
def test_huge_figures_are_never_cut(invoke, monkeypatch, tmp_path, columns):
    """Issue 13, 22: 50 % expansion a month for 240 months makes ARR 1e37 and LTV/CAC 2e9; piped (80
    columns) or at 120 they read ``$1.16e37`` and ``2.08e9×``, not ``$…`` or ``$24004537586042022133760B``."""
    import re

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    path = tmp_path / "expansion.yaml"
    path.write_text(EXPANSION, encoding="utf-8")
    result = invoke("run", path, "--no-save")
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    assert not re.search(r"\d{9}", result.stdout.replace(",", "")), result.stdout
    rows = {line.split("  ")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("   ")}
    assert re.search(r"\$\d\.\d\de\d\d", rows["ARR end"]), rows["ARR end"]
    assert "e9×" in rows["LTV/CAC"]


def test_a_piped_never_share_stays_with_its_figure(invoke, monkeypatch, tmp_path):
    """Issue 13, 22: `run nev.yaml | cat` ended a line with ``± 0.69 mo; 63%`` and began the next with ``never``."""
    monkeypatch.delenv("COLUMNS", raising=False)
    path = tmp_path / "never.yaml"
    path.write_text(NEVER_MIX, encoding="utf-8")
    result = invoke("run", path, "--no-save")
    assert result.exit_code == 0, result.stderr
    lines = [line.strip(" │") for line in result.stdout.splitlines()]
    assert "63% never" in result.stdout
    assert not any(first.endswith("%") and second.startswith("never") for first, second in itertools.pairwise(lines))
