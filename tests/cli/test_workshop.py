"""``saas-sim workshop --print``: every step, simulated, for a handout or a script."""

from __future__ import annotations

from saas_sim.analysis.workshop import steps

TITLES = [step.title for step in steps()]


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_print_walks_through_all_seven_steps_within_100_columns(invoke):
    result = invoke("workshop", "--print", "--width", "100")
    assert result.exit_code == 0, result.stderr
    for number, title in enumerate(TITLES, start=1):
        assert f"Step {number} of 7 · {title}" in result.stdout
    assert widest(result.stdout) <= 100
    assert "\x1b[" not in result.stdout  # no colour codes when piped


def test_piped_print_fits_80_columns(invoke):
    result = invoke("workshop", "--print")
    assert result.exit_code == 0, result.stderr
    assert widest(result.stdout) <= 80
    assert all(title in result.stdout for title in TITLES)


def test_one_step_shows_its_figures_from_the_engine(invoke):
    result = invoke("workshop", "--print", "--step", "1", "--width", "100")
    assert result.exit_code == 0, result.stderr
    assert "Step 1 of 7 · The leaky bucket" in result.stdout and "Step 2 of 7" not in result.stdout
    assert "5.0%" in result.stdout and "46.0%" in result.stdout and "54 are still there" in result.stdout
    assert "Rule of thumb" in result.stdout and "segments.Customers.churn.monthly" in result.stdout


def test_a_step_out_of_range_is_refused(invoke):
    result = invoke("workshop", "--print", "--step", "8")
    assert result.exit_code == 2
    assert "--step: must be a whole number between 1 and 7, got 8" in result.stderr


def test_workshop_help(invoke):
    result = invoke("workshop", "--help")
    assert result.exit_code == 0 and "--print" in result.stdout and "--step" in result.stdout


def test_the_handout_shows_where_each_plan_stands_on_its_own_map(invoke):
    for width in ("80", "100"):
        result = invoke("workshop", "--print", "--step", "6", "--width", width)
        assert result.exit_code == 0, result.stderr
        out = result.stdout
        assert "Step 6 of 7 · The map: where each plan stands" in out and widest(out) <= int(width)
        assert "Vicious cycle · 200 paths · seed 7 · 48 months" in out
        assert "Virtuous cycle · 200 paths · seed 7 · 48 months" in out
        assert out.count("◆ your plan") == 2  # each plan's point, on its own map
        assert "Shops.churn.monthly 7%" in out and "Shops.churn.monthly 1.5%" in out
        assert "rows (--json" not in out  # a handout has every row
        words = " ".join(out.split())
        assert "Each map keeps its own plan's other inputs" in words and "Each plan keeps its own spending" in words
        assert "survives 2.5% churn at most" in words and "The vicious plan: spend grows from the bank" in words
