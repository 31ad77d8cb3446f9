"""Hostile cases for ``calibrate``/``backtest``/``metrics`` on messy billing exports (bugs found by hand)."""

from __future__ import annotations

import datetime as dt
import re

import pytest


def _percentages(text: str) -> list[float]:
    return [float(value) for value in re.findall(r"(\d+(?:\.\d+)?) ?%", text)]


def test_constant_churn_interval_never_exceeds_100_percent(invoke, tmp_path):
    # Two months, one of two accounts churned: churn 50 %; its 95 % interval was printed as "12.5 % .. 200 %".
    ledger = tmp_path / "two.csv"
    ledger.write_text("customer_id,month,mrr\na,2024-01,100\nb,2024-01,50\na,2024-02,100\nc,2024-02,70\n")
    result = invoke("calibrate", ledger)
    assert result.exit_code == 0, result.stderr
    churn_lines = [line for line in result.stdout.splitlines() if "churn" in line and "95 %" in line]
    assert churn_lines
    for line in churn_lines:
        assert all(value <= 100 for value in _percentages(line)), line  # a churn probability is at most 100 %


def test_a_future_end_date_is_not_history(invoke, tmp_path):
    # A contracts export: one subscription is scheduled to end in 2099.  The ledger ran to 2098-12 and calibrate
    # reported "73 months of history (2024-01..2030-01)" and calibrated "as of" a month that has not happened yet (backtest likewise
    # scored forecasts against invented future "actuals").
    table = tmp_path / "subs.csv"
    table.write_text("customer_id,start,end,mrr\na,2024-01-05,,100\nb,2024-02-05,,100\nc,2024-03-05,2030-01-01,50\n")
    result = invoke("calibrate", table)
    as_of = re.search(r"as of (\d{4}-\d{2})", result.stdout)
    if result.exit_code == 0:
        assert as_of is not None, result.stdout
        assert as_of.group(1) <= dt.date.today().strftime("%Y-%m"), result.stdout.splitlines()[0]
    else:
        assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_a_blank_segment_value_is_renamed_not_refused(invoke, tmp_path):
    # docs/calibrate.md, Edge cases: "a value that is no valid segment name (a '.', blank, a repeat) is renamed,
    # said in a note".  A blank Plan cell made calibrate refuse the whole file (exit 2, one line per row).
    ledger = tmp_path / "plans.csv"
    rows = ["customer_id,month,mrr,plan"]
    for month in ("2024-01", "2024-02", "2024-03"):
        rows += [f"a,{month},100,Pro", f"b,{month},50,", f"c,{month},70,Starter"]
    ledger.write_text("\n".join(rows) + "\n")
    result = invoke("calibrate", ledger, "--segment-by", "plan")
    assert result.exit_code == 0, result.stderr


def _typo_year_ledger(tmp_path):
    # A customer whose first row carries a mistyped year (1970 for 2024): the ledger (up to 1200 months) is read,
    # but its tenure in 2024-06 is 653 months, past the scenario's 600.
    ledger = tmp_path / "typo.csv"
    ledger.write_text(
        "customer_id,month,mrr\na,1970-01,100\na,2024-05,100\na,2024-06,100\nb,2024-05,50\nb,2024-06,50\n"
    )
    return ledger


BIG_MRR = "customer_id,month,mrr\n" + "".join(
    f"c{i},2024-0{m},900000000000000\n" for i in range(3) for m in (1, 2, 3)
)  # each row within the reader's limit; metrics shows MRR 2.70e15


@pytest.mark.parametrize("case", ["typo_year", "big_mrr"])
def test_calibrate_never_writes_a_scenario_its_own_validation_refuses(invoke, tmp_path, case):
    # Was: exit 2 with "calibrated scenario:29 segments[0].starting_cohorts[1].tenure_months: must be a whole
    # number between 0 and 600, got 653" (typo_year) or "calibrated scenario:27 segments[0].starting_cohorts[0].mrr:
    # must be a number between 0 and 1e15, got 2700000000000000" (big_mrr) -- a line of a file the user never saw.
    if case == "typo_year":
        ledger = _typo_year_ledger(tmp_path)
    else:
        ledger = tmp_path / "big.csv"
        ledger.write_text(BIG_MRR)
    out = tmp_path / "plan.yaml"
    result = invoke("calibrate", ledger, "--out", out)
    assert "calibrated scenario" not in result.stderr, result.stderr
    if result.exit_code == 0:
        run = invoke("run", out, "--paths", "200", "--no-save", "--quiet")
        assert run.exit_code == 0, run.stderr
    else:
        assert result.exit_code == 2 and result.stderr.startswith(str(ledger)), result.stderr


def test_backtest_never_calibrates_a_scenario_its_own_validation_refuses(invoke, tmp_path):
    ledger = _typo_year_ledger(tmp_path)
    result = invoke("backtest", ledger, "--at", "2024-05", "--paths", "50")
    assert "calibrated scenario" not in result.stderr, result.stderr
    assert result.exit_code == 0 or (result.exit_code == 2 and result.stderr.startswith(str(ledger))), result.stderr


GAP = "customer_id,month,mrr\na,2024-01,100\na,2024-03,100\n"  # no new account after the first month


@pytest.mark.parametrize(
    "option",
    [
        ("--cash", "1e16"),  # was: "calibrated scenario:13 company.starting_cash: must be a number between ..."
        ("--fixed-costs", "1e16"),  # was: "calibrated scenario:14 company.fixed_costs_monthly: ..."
        ("--spend-monthly", "1e16"),  # was: "calibrated scenario:16 acquisition.spend_monthly: ..."
        ("--spend-monthly", "900000000000000"),  # accepted amount, but no new account: cac = 6 x spend > 1e15
    ],
)
def test_out_of_range_money_options_are_refused_by_the_option_not_the_hidden_scenario(invoke, tmp_path, option):
    ledger = tmp_path / "gap.csv"
    ledger.write_text(GAP)
    out = tmp_path / "plan.yaml"
    result = invoke("calibrate", ledger, *option, "--out", out)
    assert "calibrated scenario" not in result.stderr, result.stderr
    if result.exit_code == 0:
        run = invoke("run", out, "--paths", "200", "--no-save", "--quiet")
        assert run.exit_code == 0, run.stderr
    else:
        # the option named, or (a spend with no new account: a CAC past 1e15) the file and the field
        said = option[0] in result.stderr or result.stderr.startswith(f"{ledger}: cannot be calibrated")
        assert result.exit_code == 2 and said and len(result.stderr.splitlines()) == 1, result.stderr
