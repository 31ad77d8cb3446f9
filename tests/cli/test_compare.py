"""``saas-sim compare A B``: the same seed and paths for both, every summary metric, B − A."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from tests.scenario_texts import FEW_OUT

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_json_holds_both_results_with_one_seed_and_path_count(invoke):
    result = invoke(
        "compare", SCENARIOS / "vicious-cycle.yaml", SCENARIOS / "virtuous-cycle.yaml", "--paths", "300", "--json", "-"
    )
    assert result.exit_code == 0, result.stderr
    both = json.loads(result.stdout)
    assert set(both) == {"a", "b"}
    assert both["a"]["seed"] == both["b"]["seed"] and both["a"]["paths"] == both["b"]["paths"] == 300
    assert both["a"]["scenario"]["name"] == "Vicious cycle" and both["b"]["scenario"]["name"] == "Virtuous cycle"
    assert both["a"]["summary"]["out_of_cash"]["mean"] > both["b"]["summary"]["out_of_cash"]["mean"]


def test_b_takes_a_seed_when_it_has_none(invoke, tmp_path):
    text = (SCENARIOS / "starter.yaml").read_text()
    unseeded = tmp_path / "unseeded.yaml"
    unseeded.write_text(text.replace("seed: 7", "seed: null"))
    result = invoke("compare", SCENARIOS / "starter.yaml", unseeded, "--paths", "200", "--json", "-")
    both = json.loads(result.stdout)
    assert both["a"]["seed"] == both["b"]["seed"] == 7
    assert both["a"]["summary"] == both["b"]["summary"]  # the same scenario, the same futures


def test_the_table_lists_every_summary_metric_and_the_focus(invoke):
    result = invoke("compare", SCENARIOS / "vicious-cycle.yaml", SCENARIOS / "virtuous-cycle.yaml", "--paths", "300")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "A: Vicious cycle   B: Virtuous cycle" in text
    for label in ("ARR end", "NRR 12m end", "LTV/CAC", "Out of cash", "Rule of 40", "Focus"):
        assert label in text
    assert "retention" in text and "scale" in text


def test_a_stored_scenario_by_name(invoke, tmp_path):
    db = tmp_path / "s.db"
    invoke("scenarios", "import", SCENARIOS / "starter.yaml", "--db", db)
    result = invoke("compare", "Starter - monthly SaaS", SCENARIOS / "starter.yaml", "--paths", "200", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert "A: Starter - monthly SaaS@1" in result.stdout


def test_a_missing_scenario_is_one_line_and_exit_two(invoke, tmp_path):
    result = invoke("compare", SCENARIOS / "starter.yaml", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "nope.yaml" in result.stderr


def test_a_piped_comparison_keeps_its_header_whole_and_marks_few_paths(invoke, monkeypatch, tmp_path):
    """Issue 13, 6 and 22: `compare few.yaml vicious-cycle.yaml | cat` (80 columns) split ``B⏎− A`` and showed
    A's cash-out month of 10 paths as a plain ``month 32``."""
    monkeypatch.delenv("COLUMNS", raising=False)
    few = tmp_path / "few.yaml"
    few.write_text(FEW_OUT, encoding="utf-8")
    result = invoke("compare", few, SCENARIOS / "vicious-cycle.yaml", "--paths", "2000")
    assert result.exit_code == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert not any(first.endswith("B") and second.startswith("−") for first, second in itertools.pairwise(lines))
    assert "B − A" in result.stdout
    index = next(i for i, line in enumerate(lines) if line.startswith("Cash out month"))
    row, under = lines[index], lines[index + 1]
    # A's month rests on a few paths, and says how few; B's, over every path, is a forecast
    _, b_month = re.findall(r"month \d+", row)[:2]
    few_paths = re.match(r"\((\d+) paths\)", under)
    assert few_paths and 0 < int(few_paths.group(1)) < 50, (row, under)
    assert "too few" in row and b_month == "month 26", (row, under)
