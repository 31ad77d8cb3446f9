"""Goal seek on a program's effect (SPEC 2.7): "the program cost at which ROI on ARR stays >= 2".

Without funding or a cash policy a program's cost moves cash only: the saved ARR is the same
at every cost, so the mean ARR kept per unit spent is mean(saved ARR) / (cost_monthly × months),
and the cost that reaches 2 is known exactly from one run with and without the program.
"""

from __future__ import annotations

import numpy as np
import pytest

from saas_sim.analysis.fields import set_field
from saas_sim.analysis.goal import GoalSeek, Target, goal_seek, parse_target, resolve_target
from saas_sim.engine.simulate import program_effect_per_path
from saas_sim.errors import InputError
from saas_sim.io.scenario import parse_scenario
from saas_sim.render.goal import explain
from tests.analysis.test_sensitivity_programs import SAVING

MONTHS = 24  # the program runs the whole horizon, the company never closes


@pytest.fixture(scope="module")
def saving():
    return parse_scenario(SAVING)


@pytest.fixture(scope="module")
def saved_arr(saving) -> float:
    """The mean ARR the program keeps, the same at every cost."""
    return float(np.mean(program_effect_per_path(saving, "Save", "saved_arr")))


def test_the_program_cost_at_which_roi_on_arr_stays_2(saving, saved_arr):
    goal = goal_seek(saving, "programs.Save.cost_monthly", "programs.Save.roi_arr >= 2")
    exact = saved_arr / (2 * MONTHS)
    assert exact < 40_000  # the base cost misses the target: the search lowers it
    assert not goal.met_at_base and goal.base_value == 40_000
    assert goal.value == pytest.approx(exact, rel=1e-3) and goal.value <= exact
    assert goal.statistic == "mean" and goal.achieved >= 2
    values = program_effect_per_path(set_field(saving, "programs.Save.cost_monthly", goal.value), "Save", "roi_arr")
    assert goal.achieved == pytest.approx(float(np.nanmean(values)), rel=1e-12)  # the mean of the per-path effect
    data = goal.to_json()
    assert {key: data[key] for key in ("field", "metric", "target")} == {
        "field": "programs.Save.cost_monthly",
        "metric": "programs.Save.roi_arr",
        "target": "programs.Save.roi_arr >= 2",
    }


def test_met_at_base_the_limit_is_the_most_the_program_may_cost(saving, saved_arr):
    goal = goal_seek(saving, "programs.Save.cost_monthly", "roi_arr >= 0.25")  # one program: the bare effect
    assert goal.target == Target("programs.Save.roi_arr", ">=", 0.25)
    assert goal.met_at_base and goal.value == 40_000
    exact = saved_arr / (0.25 * MONTHS)
    assert exact > 40_000 and goal.limit == pytest.approx(exact, rel=1e-3) and goal.limit <= exact
    lines = explain(goal)
    assert lines[0].startswith(
        "Already met at the base value: programs.Save.cost_monthly = $40k gives Save: ARR kept per unit spent (mean) "
    )
    assert "probability" not in " ".join(lines)
    assert lines[1].startswith(f"It stays met as far as ${goal.limit / 1000:.3g}k (+")


def test_with_prob_the_share_of_paths_whose_effect_meets_it(saving):
    goal = goal_seek(saving, "programs.Save.cost_monthly", "programs.Save.roi_arr >= 1", prob=0.5)
    assert goal.statistic == "share" and goal.value is not None and goal.achieved >= 0.5
    values = program_effect_per_path(set_field(saving, "programs.Save.cost_monthly", goal.value), "Save", "roi_arr")
    assert goal.achieved == float(np.mean(values >= 1))


def test_a_cheaper_program_at_the_same_roi_means_a_stronger_churn_cut(saving):
    goal = goal_seek(saving, "programs.Save.churn_change", "programs.Save.roi_arr >= 1")
    assert goal.value is not None and -1 <= goal.value < -0.3  # more than the base -30 %
    lines = explain(goal)
    assert lines[0].startswith(f"programs.Save.churn_change = {100 * goal.value:.3g}% gives Save: ARR kept per unit ")


def test_an_effect_that_cannot_move_is_not_called_a_probability(saving):
    """A program that changes nothing saves 0 customers at every value: no value is closer, and it is no
    probability pinned at 0 (that would advise other metrics to try)."""
    idle = set_field(saving, "programs.Save.churn_change", 0.0)
    goal = goal_seek(idle, "programs.Save.cost_monthly", "programs.Save.saved_customers >= 1")
    assert goal.value is None and goal.pinned_at is None and goal.best_achieved == 0.0
    assert "probability" not in " ".join(explain(goal))


def test_targets_name_programs_and_their_effects():
    assert parse_target("programs.Save at-risk accounts.roi_arr >= 2") == Target(
        "programs.Save at-risk accounts.roi_arr", ">=", 2.0
    )
    assert parse_target("  programs.Save.churn_change_pp<=-0.5 ") == Target("programs.Save.churn_change_pp", "<=", -0.5)
    assert parse_target("programs.Save.saved_arr > 1.5M") == Target("programs.Save.saved_arr", ">", 1.5e6)
    with pytest.raises(InputError) as error:
        parse_target("programs.Save.roi_ar >= 2")
    assert error.value.problems == [
        "'programs.Save.roi_ar' names no program effect 'roi_ar', did you mean 'programs.Save.roi_arr'?"
    ]


def test_a_target_on_a_program_the_scenario_lacks_is_refused_with_a_guess(saving):
    with pytest.raises(InputError) as error:
        resolve_target(parse_target("programs.Sve.roi_arr >= 2"), saving)
    assert error.value.problems == [
        "'programs.Sve.roi_arr' names no program 'Sve', did you mean 'programs.Save.roi_arr'?"
    ]
    with pytest.raises(InputError, match="names no program 'Sve'"):
        GoalSeek(saving, "programs.Save.cost_monthly", "programs.Sve.roi_arr >= 2")


def test_a_base_that_misses_by_less_than_the_rounding_reads_just_under(saving):
    """ARR kept per unit spent reads to a tenth: a base a hair under the threshold would read as the threshold
    itself, missed ("0.5× ... target >= 0.5×"); it reads "just under" it."""
    base = float(np.nanmean(program_effect_per_path(saving, "Save", "roi_arr")))
    goal = goal_seek(saving, "programs.Save.cost_monthly", f"roi_arr >= {base * 1.001}")
    assert not goal.met_at_base and goal.value is not None
    lines = explain(goal)
    assert f"(Save: ARR kept per unit spent (mean) just under {base:.1f}×);" in lines[1]
    assert f"gives Save: ARR kept per unit spent (mean) {base:.1f}× (target >= {base:.1f}×)" in lines[0]
