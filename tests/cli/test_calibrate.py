"""``saas-sim calibrate``: the scenario on stdout or in --out, its summary, the options, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from saas_sim.io.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "scenarios" / "data" / "ledger.csv"


def test_without_out_the_scenario_is_printed_and_parses(invoke):
    result = invoke("calibrate", LEDGER)
    assert result.exit_code == 0, result.stderr
    scenario = parse_scenario(result.stdout)
    assert scenario.name == "Calibrated from ledger.csv" and scenario.horizon_months == 24
    assert scenario.segments[0].starting_customers == 2387
    assert result.stdout.startswith("# Calibrated by saas-sim calibrate from ")


def test_out_writes_the_file_says_what_it_found_and_the_file_runs(invoke, tmp_path):
    out = tmp_path / "me.yaml"
    result = invoke("calibrate", LEDGER, "--as-of", "2024-12", "--horizon", "6", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "as of 2024-12" in result.stdout and "customers, MRR" in result.stdout
    assert f"Wrote {out}. Next: saas-sim run" in result.stdout
    assert parse_scenario(out.read_text()).horizon_months == 6
    run = invoke("run", out, "--paths", "100", "--no-save", "--quiet")
    assert run.exit_code == 0, run.stderr


def test_an_existing_out_is_kept_without_force(invoke, tmp_path):
    out = tmp_path / "me.yaml"
    out.write_text("mine")
    result = invoke("calibrate", LEDGER, "--out", out)
    assert result.exit_code == 2 and "already exists; pass --force" in result.stderr and out.read_text() == "mine"
    assert invoke("calibrate", LEDGER, "--out", out, "--force").exit_code == 0
    assert out.read_text().startswith("# Calibrated")


def test_money_options_take_founders_forms(invoke):
    result = invoke(
        "calibrate", LEDGER, "--spend-monthly", "$40k", "--cash", "€1.2M", "--fixed-costs", "150,000", "--horizon", "3"
    )
    assert result.exit_code == 0, result.stderr
    scenario = parse_scenario(result.stdout)
    assert scenario.acquisition.spend_monthly == 40_000
    assert scenario.company.starting_cash == 1_200_000 and scenario.company.fixed_costs_monthly == 150_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2022-01"), "as-of 2022-01 is before the first month 2023-01 of"),
        (("--as-of", "2026-01"), "as-of 2026-01 is after the last month 2025-06 of"),
        (("--as-of", "soon"), "--as-of: must be a month as YYYY-MM, got 'soon'"),
        (
            ("--spend-monthly", "lots"),
            "--spend-monthly: must be an amount >= 0 up to 1e15 such as 60000 or $60k, got 'lots'",
        ),
        (("--fixed-costs", "-5"), "--fixed-costs: must be an amount >= 0"),
        (("--horizon", "0"), "--horizon: must be between 1 and 240, got 0"),
        (("--segment-by", "plan"), "has no column 'plan'"),
        (("--decimal", ";"), "--decimal"),
    ],
)
def test_bad_options_exit_2_with_one_line(invoke, args, message):
    result = invoke("calibrate", LEDGER, *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_missing_file_exits_2(invoke, tmp_path):
    result = invoke("calibrate", tmp_path / "nope.csv")
    assert result.exit_code == 2 and "nope.csv" in result.stderr


def test_segment_by_gives_a_segment_per_value(invoke, tmp_path):
    history = tmp_path / "plans.csv"
    lines = ["customer_id,month,mrr,plan"]
    for i in range(40):
        plan = "pro" if i % 4 == 0 else "basic"
        lines.extend(f"c{i},2024-{month:02d},{100 if plan == 'pro' else 20},{plan}" for month in range(1 + i % 7, 9))
    history.write_text("\n".join(lines) + "\n")
    result = invoke("calibrate", history, "--segment-by", "plan")
    assert result.exit_code == 0, result.stderr
    segments = {s.name: s for s in parse_scenario(result.stdout).segments}
    assert set(segments) == {"basic", "pro"}
    assert segments["pro"].starting_customers == 10 and segments["pro"].starting_mrr == 1000
    assert segments["basic"].starting_mrr == 600


def test_help_says_the_defaults(invoke):
    result = invoke("calibrate", "--help")
    assert result.exit_code == 0
    assert "[default: 24]" in result.stdout and "--spend-monthly" in result.stdout
