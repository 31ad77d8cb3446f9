"""The programs' tables (run, TUI, compare) and the cash policies' notes, against the result document's numbers."""

from __future__ import annotations

import io
from functools import cache

import pytest
from rich.console import Console

from saas_sim.engine.simulate import PROGRAM_EFFECTS
from saas_sim.io.scenario import parse_scenario
from saas_sim.model.result import Result
from saas_sim.render.format import format_count, format_money, format_multiple
from saas_sim.render.programs import (
    EFFECTS,
    format_change_points,
    programs_brief,
    programs_comparison,
    programs_view,
)
from saas_sim.render.summary import company_notes, run_report

PROGRAMS = """\
name: With programs
horizon_months: 24
currency: EUR
simulation: {paths: 300, seed: 5}
company:
  starting_cash: 2M
  fixed_costs_monthly: 60k
acquisition: {spend_monthly: 30k}
segments:
  - name: SMB
    spend_share: 0.7
    cac: 1500
    arpa_monthly: 300
    starting_customers: 200
    churn: {monthly: 3%}
    gross_margin: 80%
  - name: Key
    spend_share: 0.3
    cac: 15000
    arpa_monthly: 2500
    starting_customers: 30
    contract_months: 12
    churn: {annual: 20%}
    gross_margin: 75%
programs:
  - name: Key-account rescue
    segments: [Key]
    from_month: 3
    cost_monthly: 15k
    churn_change: -40%
  - name: Free nudges
    segments: [SMB]
    cost_monthly: 0
    expansion_change: 1%
"""

CLOSING = """\
name: Closing
horizon_months: 30
simulation: {paths: 200, seed: 3}
company:
  starting_cash: 500k
  fixed_costs_monthly: 100k
  when_out_of_cash: shut_down
acquisition: {spend_monthly: 50k}
segments:
  - name: Shops
    cac: 3000
    arpa_monthly: 300
    starting_customers: 100
    churn: {monthly: 7%}
    gross_margin: 80%
"""

FUNDED = CLOSING.replace(
    "  when_out_of_cash: shut_down\n",
    "  when_out_of_cash: shut_down\n"
    "  funding: {below_cash: 300k, amount: 1M, probability: 60%, months_to_close: 2, max_rounds: 1}\n",
)


@cache
def _run(text: str) -> Result:
    from saas_sim.analysis.run import run_scenario

    return run_scenario(parse_scenario(text), workers=1)


def _text(renderable, width: int = 120) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text(styles=False)


def _row(text: str, program: str) -> list[str]:
    """The row of ``program`` and the lines under it, up to the next program or the caption, as lines."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(program))
    rows = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 5) or not line.strip():
            break
        rows.append(line)
    return rows


def test_the_effects_are_the_documents():
    assert tuple(effect.name for effect in EFFECTS) == PROGRAM_EFFECTS


def test_each_program_row_shows_the_documents_means_with_their_p10_p90():
    result = _run(PROGRAMS)
    text = _text(programs_view(result), width=140)
    assert "Programs (EUR)" in text
    assert "Each program against the same plan without it, same seed and paths: the mean of 300 paths" in text
    rescue = result.programs["Key-account rescue"]
    first, second = _row(text, "Key-account rescue")[:2]
    money = lambda value: format_money(value, "EUR", keep_zeros=True)  # noqa: E731
    means = [
        money(rescue["cost"].mean),
        format_count(rescue["saved_customers"].mean),
        money(rescue["saved_arr"].mean),
        money(rescue["extra_gross_profit"].mean),
        format_multiple(rescue["roi"].mean),
        format_multiple(rescue["roi_arr"].mean),
        format_change_points(rescue["churn_change_pp"].mean),
    ]
    assert first.split()[2:] == [m for mean in means for m in mean.split()]  # after the name's two words
    assert money(rescue["cost"].mean) == "€330k"  # 15k for months 3..24: the same on every path
    low, high = money(rescue["saved_arr"].p10), money(rescue["saved_arr"].p90)
    assert f"{low}{' – ' if high.startswith('-') else '–'}{high}" in second
    assert "€1" in text and "ARR kept" in text and "per €1" in text


def test_a_program_that_costs_nothing_has_no_roi():
    result = _run(PROGRAMS)
    nudges = result.programs["Free nudges"]
    assert nudges["cost"].mean == 0 and nudges["roi"].mean is None and nudges["roi_arr"].mean is None
    row = _row(_text(programs_view(result), width=140), "Free nudges")[0].split()
    assert row[2] == "€0" and row[6:8] == ["—", "—"]  # cost, ..., ROI and ARR kept undefined


@pytest.mark.parametrize("width", [80, 100, 120])
def test_nothing_is_cut_at_any_width(width):
    result = _run(PROGRAMS)
    text = _text(programs_view(result), width=width)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    for name, effects in result.programs.items():
        for effect in EFFECTS:
            mean = effect.formatter("EUR")(effects[effect.name].mean)
            assert mean in text, (name, effect.name, mean)
    split = any(line.rstrip().endswith(" –") for line in text.splitlines())
    if width != 100:  # 80 columns: each range's ends on two lines under the mean; 120: a range on one line
        assert split == (width == 80)


def test_the_summary_shows_programs_only_when_the_scenario_has_them():
    with_programs = _text(run_report(_run(PROGRAMS), charts=False))
    without = _text(run_report(_run(CLOSING), charts=False))
    assert "Programs (EUR)" in with_programs
    assert with_programs.index("Programs (EUR)") < with_programs.index("Diagnosis")
    assert "Programs" not in without


def test_the_brief_table_holds_the_means():
    result = _run(PROGRAMS)
    text = _text(programs_brief(result), width=68)
    assert "mean of 300 paths" in text
    rescue = result.programs["Key-account rescue"]
    line = next(line for line in text.splitlines() if line.startswith("Key-account"))
    assert format_multiple(rescue["roi"].mean) in line
    assert format_change_points(rescue["churn_change_pp"].mean) in line
    assert "…" not in text


def test_the_comparison_puts_both_means_side_by_side():
    with_programs, without = _run(PROGRAMS), _run(PROGRAMS.split("programs:")[0])
    assert programs_comparison(without, without) is None
    table = programs_comparison(with_programs, without)
    assert table is not None
    text = _text(table, width=80)
    saved = with_programs.programs["Key-account rescue"]["saved_arr"].mean
    line = next(line for line in text.splitlines() if line.strip().startswith("saved ARR"))
    assert line.split()[2:] == [format_money(saved, "EUR", keep_zeros=True), "—", "—"]  # B lacks it: no Δ
    both = _text(programs_comparison(with_programs, with_programs), width=80)
    line = next(line for line in both.splitlines() if line.strip().startswith("ROI"))
    assert line.split()[-1] == "0.0×"  # the same run: no difference


@pytest.mark.parametrize(
    ("value", "text"), [(-0.755, "-0.8 pts"), (0.31, "+0.3 pts"), (0.0, "0.0 pts"), (-0.01, "0.0 pts"), (None, "—")]
)
def test_a_change_of_churn_reads_in_signed_points(value, text):
    assert format_change_points(value) == text


def test_closure_is_told_from_the_closed_series():
    result = _run(CLOSING)
    closed = result.series["closed"].mean[-1]
    assert closed is not None and closed > 0.5
    half = next(month for month, share in zip(result.months, result.series["closed"].mean) if share >= 0.5)
    assert company_notes(result) == [
        f"Closed for want of cash by month 30 on {closed:.1%} of paths (50% by month {half})."
    ]
    assert company_notes(_run(PROGRAMS)) == []  # when_out_of_cash: continue says nothing


def test_funding_is_told_as_its_mean_raised():
    result = _run(FUNDED)
    raised = sum(result.series["funding_in"].mean)
    assert raised > 0
    notes = company_notes(result)
    assert notes[-1] == (
        f"Funding raised: {format_money(raised)} a path on average over 30 months (rounds of $1M, 60.0% odds each,"
        " tried when cash falls below $300k)."
    )


def test_a_long_name_without_spaces_folds_rather_than_is_cut():
    result = _run(PROGRAMS.replace("Key-account rescue", "Save-key-accounts-first"))
    text = _text(programs_view(result), width=80)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    column = [line.split()[0] for line in text.splitlines()[4:7]]  # the name's column, its first lines
    assert "".join(column).startswith("Save-key-accounts-first")
