"""``saas-sim run`` and ``compare`` with programs (SPEC 2.7) and cash policies (2.5): the programs' table
after the summary, the closure and funding lines, the programs side by side; figures from the document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saas_sim.render.format import format_money, format_multiple
from saas_sim.render.programs import format_change_points

SCENARIO = """\
name: Rescue
horizon_months: 24
currency: EUR
simulation: {paths: 300, seed: 5}
company:
  starting_cash: 600k
  fixed_costs_monthly: 70k
  when_out_of_cash: shut_down
  funding: {below_cash: 200k, amount: 1M, probability: 50%, months_to_close: 2, max_rounds: 1}
acquisition: {spend_monthly: 30k}
segments:
  - name: SMB
    spend_share: 0.7
    cac: 1500
    arpa_monthly: 300
    starting_customers: 150
    churn: {monthly: 4%}
    gross_margin: 80%
  - name: Key
    spend_share: 0.3
    cac: 15000
    arpa_monthly: 2500
    starting_customers: 20
    contract_months: 12
    churn: {annual: 20%}
    gross_margin: 75%
programs:
  - name: Key-account rescue
    segments: [Key]
    from_month: 3
    cost_monthly: 10k
    churn_change: -40%
"""


@pytest.fixture
def with_programs(tmp_path: Path) -> Path:
    path = tmp_path / "rescue.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def without_programs(tmp_path: Path) -> Path:
    path = tmp_path / "plain.yaml"
    path.write_text(SCENARIO.split("programs:")[0].replace("name: Rescue", "name: Plain"), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [80, 120])
def test_run_prints_the_programs_table_after_the_summary(invoke, with_programs, tmp_path, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    document = tmp_path / "result.json"
    result = invoke("run", with_programs, "--no-save", "--json", document)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("Key metrics") < out.index("Programs (EUR)") < out.index("Diagnosis")
    words = " ".join(out.split())  # the caption wraps where the width says
    assert "Each program against the same plan without it, same seed and paths: the mean of 300 paths" in words
    assert "…" not in out  # nothing cut
    # every line fits but the note that names the written file: a path is never broken (it is copied whole),
    # and its length is the temporary folder's (xdist's workers make it longer than 80)
    assert max(len(line.rstrip()) for line in out.splitlines() if str(document) not in line) <= width
    effects = json.loads(document.read_text(encoding="utf-8"))["programs"]["Key-account rescue"]
    row = next(line for line in out.splitlines() if line.lstrip().startswith("Key-account"))
    assert format_money(effects["cost"]["mean"], "EUR", keep_zeros=True) in row
    assert format_money(effects["saved_arr"]["mean"], "EUR", keep_zeros=True) in row
    assert format_multiple(effects["roi"]["mean"]) in row
    assert format_change_points(effects["churn_change_pp"]["mean"]) in row


def test_run_tells_the_closures_and_the_funding(invoke, with_programs, tmp_path):
    document = tmp_path / "result.json"
    result = invoke("run", with_programs, "--no-save", "--json", document)
    assert result.exit_code == 0, result.stderr
    series = json.loads(document.read_text(encoding="utf-8"))["series"]
    closed = series["closed"]["mean"][-1]
    lines = result.stdout.splitlines()
    told = [line for line in lines if "for want of cash" in line]
    assert len(told) == 1
    if closed:
        assert told[0].startswith(f"Closed for want of cash by month 24 on {closed:.1%} of paths")
    else:
        assert told[0].startswith("No path closed for want of cash by month 24")
    assert any(line.startswith("Funding raised: ") for line in lines)
    raised = sum(series["funding_in"]["mean"])
    assert (format_money(raised, "EUR") if raised else "none on any path") in result.stdout
    assert lines.index(told[0]) > next(i for i, line in enumerate(lines) if "Diagnosis" in line)


def test_a_run_without_programs_or_policies_says_nothing_new(invoke, scenario_file):
    out = invoke("run", scenario_file, "--paths", "200", "--no-save").stdout
    assert "Programs" not in out and "want of cash" not in out and "Funding raised" not in out


def test_quiet_and_json_stdout_print_no_table(invoke, with_programs):
    assert invoke("run", with_programs, "--no-save", "--quiet").stdout == ""
    printed = invoke("run", with_programs, "--no-save", "--json", "-")
    assert printed.exit_code == 0, printed.stderr
    assert set(json.loads(printed.stdout)["programs"]) == {"Key-account rescue"}


def test_compare_puts_the_programs_side_by_side(invoke, with_programs, without_programs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("compare", with_programs, without_programs, "--paths", "200")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("Differences") < out.index("Programs  means of 200 paths")
    assert "…" not in out and max(len(line.rstrip()) for line in out.splitlines()) <= 80
    roi = next(line for line in out.splitlines() if line.strip().startswith("ROI"))
    assert roi.split()[-2:] == ["—", "—"]  # B has no such program: no figure, no difference
    plain = invoke("compare", without_programs, without_programs, "--paths", "200").stdout
    assert "Programs" not in plain


def test_uncertain_funding_is_told_as_its_likely_range(invoke, tmp_path):
    """A range or a distribution in funding (found by the hostile tester: the run printed its table, then
    failed with 'must be real number, not dict')."""
    path = tmp_path / "ranges.yaml"
    path.write_text(
        SCENARIO.replace(
            "funding: {below_cash: 200k, amount: 1M, probability: 50%, months_to_close: 2, max_rounds: 1}",
            "funding: {below_cash: 150k..250k, amount: '800k..1.2M', probability: {dist: beta, alpha: 5, beta: 5}}",
        ),
        encoding="utf-8",
    )
    result = invoke("run", path, "--no-save")
    assert result.exit_code == 0, result.output
    told = " ".join(result.stdout.split("Funding raised: ", 1)[1].split())
    assert "rounds of €800k–€1.2M" in told and "when cash falls below €150k–€250k" in told, told
