"""``saas-sim fit``: the JSON of SPEC 6, the snippet pasted into a scenario, the report, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COHORTS = ROOT / "scenarios" / "data" / "cohorts.csv"
LEDGER = ROOT / "scenarios" / "data" / "ledger.csv"
SPEC_KEYS = {"alpha", "beta", "mean_churn", "heterogeneity", "log_likelihood", "periods", "cohorts", "survival"}


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_has_the_spec_keys(invoke):
    data = _json(invoke("fit", COHORTS, "--json", "-"))
    assert set(data) >= SPEC_KEYS
    assert data["cohorts"] == 24 and data["periods"] == 24 and len(data["survival"]) == 24 + 13
    assert data["survival"][0] == 1.0 and np.all(np.diff(data["survival"]) < 0)
    assert data["mean_churn"] == pytest.approx(data["alpha"] / (data["alpha"] + data["beta"]))
    assert data["heterogeneity"] == pytest.approx(1 / (data["alpha"] + data["beta"] + 1))
    assert data["kind"] == "cohorts" and "ledger" not in data


def test_the_sample_files_give_back_their_generating_parameters(invoke):
    """scripts/make_sample_data.py draws both files with alpha 0.6, beta 8.4 (mean churn 6.67 %)."""
    for path in (COHORTS, LEDGER):
        data = _json(invoke("fit", path, "--json", "-"))
        assert data["alpha"] == pytest.approx(0.6, rel=0.1) and data["beta"] == pytest.approx(8.4, rel=0.1)
        interval = data["intervals"]["mean_churn"]
        assert interval["low"] < 0.6 / 9.0 < interval["high"]


def test_the_ledger_snippet_pasted_into_the_starter_scenario_runs(invoke, tmp_path):
    from saas_sim.analysis.run import run_scenario
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.forms import with_churn_form
    from saas_sim.io.scenario import parse_scenario

    out = tmp_path / "snippet.yaml"
    data = _json(invoke("fit", LEDGER, "--out", out, "--json", "-"))
    text = out.read_text()
    assert text.startswith("# Fitted by saas-sim fit from ")
    snippet = yaml.safe_load(text)
    assert set(snippet) == {"churn", "arpa_monthly", "expansion_monthly", "contraction_monthly"}
    # The monthly form is the fitted alpha, beta (SPEC 2.2, contract_months 1).
    as_monthly = with_churn_form({"churn": {"alpha": data["alpha"], "beta": data["beta"]}}, "monthly")["churn"]
    assert snippet["churn"]["monthly"] == pytest.approx(as_monthly["monthly"], rel=1e-3)
    assert snippet["churn"]["heterogeneity"] == pytest.approx(as_monthly["heterogeneity"], rel=1e-3)

    starter = yaml.safe_load((ROOT / "scenarios" / "starter.yaml").read_text())
    starter["segments"][0].update(snippet)
    scenario = parse_scenario(yaml.safe_dump(starter), "pasted.yaml")
    result = run_scenario(with_overrides(scenario, paths=20, seed=1))
    assert result.summary["customers_end"].p50 > 0


def test_the_cohort_snippet_has_only_churn_and_the_alpha_beta_line_parses_too(invoke, tmp_path):
    from saas_sim.io.scenario import parse_scenario

    out = tmp_path / "snippet.yaml"
    assert invoke("fit", COHORTS, "--out", out).exit_code == 0
    text = out.read_text()
    assert set(yaml.safe_load(text)) == {"churn"}
    alpha_beta = next(line for line in text.splitlines() if "churn: {alpha:" in line).split("use instead:")[1]
    starter = yaml.safe_load((ROOT / "scenarios" / "starter.yaml").read_text())
    starter["segments"][0].update(yaml.safe_load(alpha_beta))
    parse_scenario(yaml.safe_dump(starter), "pasted.yaml")


def test_an_existing_out_file_is_kept_without_force(invoke, tmp_path):
    out = tmp_path / "snippet.yaml"
    out.write_text("mine\n")
    result = invoke("fit", COHORTS, "--out", out)
    assert result.exit_code == 2 and "exists; add --force" in result.stderr and out.read_text() == "mine\n"
    assert invoke("fit", COHORTS, "--out", out, "--force").exit_code == 0
    assert out.read_text().startswith("# Fitted")


def test_the_report_shows_parameters_verdicts_and_survival(invoke):
    result = invoke("fit", LEDGER)
    assert result.exit_code == 0, result.stderr
    for text in (
        "alpha",
        "95 % interval",
        "Heterogeneity matters",
        "The model describes the data",
        "observed",
        "+12: 41",
        "From the ledger",
        "reactivations",
    ):
        assert text in result.stdout


def test_bad_files_exit_2_with_the_line(invoke, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("cohort,period,active\nA,0,100\nA,1,120\n")
    result = invoke("fit", bad)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{bad}:3 active: cohort 'A' rises from 100 to 120 at period 1: active customers cannot increase"
    )
    missing = invoke("fit", tmp_path / "none.csv")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    only_zero = tmp_path / "zero.csv"
    only_zero.write_text("cohort,period,active\nA,0,100\n")
    result = invoke("fit", only_zero)
    assert result.exit_code == 2 and result.stderr.startswith(f"{only_zero}: every cohort has only period 0")


def test_a_row_split_by_an_unquoted_thousands_separator_is_refused_and_no_snippet_written(invoke, tmp_path):
    """Issue 13 item 2: ``fit --out`` wrote ``arpa_monthly: 1.0`` from ``A,2024-01,1,234.50``."""
    bad = tmp_path / "ledger.csv"
    bad.write_text("customer_id,month,mrr\nA,2024-01,1,234.50\nB,2024-02,5\nA,2024-02,5\n")
    out = tmp_path / "snippet.yaml"
    result = invoke("fit", bad, "--out", out)
    assert result.exit_code == 2 and result.stderr.startswith(f"{bad}:2: has 4 fields, expected 3")
    assert not out.exists()


def test_fit_accepts_a_ledger_with_an_extra_plan_column_as_metrics_does(invoke, tmp_path):
    lines = LEDGER.read_text().splitlines()
    with_plan = tmp_path / "ledger-plan.csv"
    with_plan.write_text("\n".join([lines[0] + ",plan", *(line + ",pro" for line in lines[1:])]) + "\n")
    assert invoke("metrics", with_plan, "--json", "-").exit_code == 0
    plain, extra = _json(invoke("fit", LEDGER, "--json", "-")), _json(invoke("fit", with_plan, "--json", "-"))
    for key in ("alpha", "beta", "survival", "ledger"):
        assert extra[key] == plain[key]


@pytest.mark.parametrize("count", ["99999999999999999999", pytest.param("9" * 5000, id="5000-digits")])
def test_a_huge_count_exits_2_with_its_line_not_an_internal_error(invoke, tmp_path, count):
    bad = tmp_path / "cohorts.csv"
    bad.write_text(f"cohort,period,active\nA,0,{count}\nA,1,5\n")
    result = invoke("fit", bad, "--json", "-")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{bad}:2 active: must be a whole number") and len(result.stderr) < 300


def test_a_huge_mrr_exits_2_with_its_line_and_no_warning(invoke, tmp_path):
    bad = tmp_path / "ledger.csv"
    bad.write_text("customer_id,month,mrr\na,2024-01,1e308\nb,2024-01,1e308\na,2024-02,1e308\n")
    result = invoke("fit", bad, "--json", "-")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{bad}:2 mrr: must be at most") and "Warning" not in result.stderr


def test_fit_takes_the_reading_options_of_metrics(invoke, tmp_path):
    """SPEC 6.1: the sample ledger exported with other names, semicolons, a decimal comma and dates."""
    lines = LEDGER.read_text().splitlines()
    export = tmp_path / "export.csv"
    rows = (line.split(",") for line in lines[1:])
    export.write_text(
        "Customer ID;Period;MRR\n"
        + "".join(f"{customer};{month}-28;{mrr.replace('.', ',')}\n" for customer, month, mrr in rows)
    )
    plain = _json(invoke("fit", LEDGER, "--json", "-"))
    read = _json(
        invoke("fit", export, "--json", "-", "--columns", "customer=customer id,month=period", "--decimal", ",")
    )
    for key in ("alpha", "beta", "survival", "ledger"):
        assert read[key] == plain[key]
    result = invoke("fit", export, "--json", "-", "--columns", "customer=customer id,month=period")
    # A decimal comma without --decimal ,: refused, never guessed.
    assert result.exit_code == 2 and "add --decimal ," in result.stderr


def test_a_ledger_with_constant_mrr_writes_a_plain_zero(invoke, tmp_path):
    """No '-0.0' in the snippet."""
    ledger = tmp_path / "flat.csv"
    rows = [(c, m) for c, last in (("a", 2), ("b", 3), ("c", 4), ("d", 4), ("e", 1)) for m in range(1, last + 1)]
    ledger.write_text("customer_id,month,mrr\n" + "".join(f"{c},2024-{m:02d},100\n" for c, m in rows))
    out = tmp_path / "snippet.yaml"
    assert invoke("fit", ledger, "--out", out).exit_code == 0
    text = out.read_text()
    assert "-0.0" not in text
    snippet = yaml.safe_load(text)
    assert snippet["contraction_monthly"] == 0.0 and snippet["expansion_monthly"] == 0.0
    assert "contraction_monthly: 0.0 " in text


def test_a_fit_next_to_the_boundary_keeps_its_digits_and_says_so(invoke, tmp_path):
    """/tmp/hostile/c11.csv: 10^12 customers, one left after a period.  The snippet wrote 'monthly: 1.0' and
    'alpha: 146000.0'; it keeps the digits that tell 1 - 1e-12 from 1 and says the fit is degenerate."""
    cohorts = tmp_path / "c11.csv"
    cohorts.write_text("cohort,period,active\n1,0,1000000000000\n1,1,1\n")
    out = tmp_path / "snippet.yaml"
    assert invoke("fit", cohorts, "--out", out).exit_code == 0
    text = out.read_text()
    snippet = yaml.safe_load(text)
    assert snippet["churn"]["monthly"] < 1
    assert 1 - snippet["churn"]["monthly"] == pytest.approx(1e-12, rel=0.01)
    alpha_beta = yaml.safe_load(
        next(line for line in text.splitlines() if "churn: {alpha:" in line).split("use instead:")[1]
    )["churn"]
    assert alpha_beta["beta"] / (alpha_beta["alpha"] + alpha_beta["beta"]) == pytest.approx(1e-12, rel=0.01)
    assert "heterogeneity" not in snippet["churn"]  # one period cannot tell it
    assert "# Warning: the fit is at the edge of the parameter space" in text
    assert "# Warning: one period of history" in text


def test_a_share_is_written_with_the_digits_that_tell_it_from_its_bound():
    from saas_sim.cli.fit import snippet_number

    assert snippet_number(0.999999999999) == 0.999999999999
    assert snippet_number(0.99999986) == 0.99999986
    assert snippet_number(0.034567) == 0.03457
    assert snippet_number(1.2e-9) == 1.2e-9
    assert snippet_number(-0.0) == 0.0 and str(snippet_number(-0.0)) == "0.0"
    assert snippet_number(146044.37679308798, 6) == 146044.0


def test_fit_reads_a_tabbed_export_with_a_bom_timestamps_quoted_dollars_and_a_date_format(invoke, tmp_path):
    """SPEC 6.1 end to end: every form gives the fit of the plain sample ledger."""
    lines = LEDGER.read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    tabbed = tmp_path / "tabbed.csv"
    tabbed.write_text(
        "\ufeffMRR\tNotes\tMONTH\tCustomer_Id\n"
        + "".join(f'"${float(mrr):,.2f}"\tx\t{month}-03T10:00:00Z\t{customer}\n' for customer, month, mrr in rows),
        encoding="utf-8",
    )
    slashed = tmp_path / "slashed.csv"
    slashed.write_text(
        "customer_id,month,mrr\n"
        + "".join(f'{customer},{month[5:]}/{month[:4]},"{float(mrr):,.2f} €"\n' for customer, month, mrr in rows),
        encoding="utf-8",
    )
    plain = _json(invoke("fit", LEDGER, "--json", "-"))
    for read in (
        _json(invoke("fit", tabbed, "--json", "-")),
        _json(invoke("fit", slashed, "--json", "-", "--date-format", "%m/%Y")),
    ):
        for key in ("alpha", "beta", "survival", "ledger"):
            assert read[key] == plain[key]


def test_fit_of_the_subscriptions_example_is_the_fit_of_its_ledger(invoke, tmp_path):
    from tests.cli.test_metrics import DATA, SUBSCRIPTIONS_COLUMNS, clean_ledger_of_subscriptions

    clean = tmp_path / "clean.csv"
    clean.write_text(clean_ledger_of_subscriptions(DATA / "subscriptions.csv"), encoding="utf-8")
    plain = _json(invoke("fit", clean, "--json", "-"))
    read = _json(invoke("fit", DATA / "subscriptions.csv", "--json", "-", "--columns", SUBSCRIPTIONS_COLUMNS))
    for key in ("alpha", "beta", "survival", "cohort_labels", "kind"):
        assert read[key] == plain[key]
    assert read["ledger"]["customers"] == plain["ledger"]["customers"] > 150
    out = tmp_path / "snippet.yaml"
    result = invoke("fit", DATA / "subscriptions.csv", "--out", out, "--columns", SUBSCRIPTIONS_COLUMNS)
    assert result.exit_code == 0, result.stderr
    assert "arpa_monthly:" in out.read_text(encoding="utf-8")
