"""``saas-sim workshop --print``: every step, simulated, for a handout or a script."""

from __future__ import annotations

from saas_sim.analysis.workshop import steps

TITLES = [step.title for step in steps()]


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_print_walks_through_all_six_steps_within_100_columns(invoke):
    result = invoke("workshop", "--print", "--width", "100")
    assert result.exit_code == 0, result.stderr
    for number, title in enumerate(TITLES, start=1):
        assert f"Step {number} of 6 · {title}" in result.stdout
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
    assert "Step 1 of 6 · The leaky bucket" in result.stdout and "Step 2 of 6" not in result.stdout
    assert "5.0%" in result.stdout and "46.0%" in result.stdout and "54 are still there" in result.stdout
    assert "Rule of thumb" in result.stdout and "segments.Customers.churn.monthly" in result.stdout


def test_a_step_out_of_range_is_refused(invoke):
    result = invoke("workshop", "--print", "--step", "7")
    assert result.exit_code == 2
    assert "--step: must be a whole number between 1 and 6, got 7" in result.stderr


def test_workshop_help(invoke):
    result = invoke("workshop", "--help")
    assert result.exit_code == 0 and "--print" in result.stdout and "--step" in result.stdout
