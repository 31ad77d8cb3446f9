"""``saas-sim goal``: the value of one input that reaches a target on a metric."""

from __future__ import annotations

from typing import Annotated

import typer

from saas_sim.cli.boundary import option_errors, option_problem
from saas_sim.cli.options import FileArgument, JsonOption, PathsOption, SeedOption
from saas_sim.cli.progress import LateProgress
from saas_sim.cli.run import STDOUT, check_options, check_output_paths
from saas_sim.errors import InputError
from saas_sim.model.catalog.metrics import MEAN_METRICS


def goal_command(
    *,
    file: FileArgument,
    vary: Annotated[
        str,
        typer.Option(
            metavar="FIELD",
            show_default=False,
            help="The input to change, a dotted path as in events: segments.SMB.churn.monthly, "
            "acquisition.spend_monthly, company.starting_cash, events[0].cash_in ...",
        ),
    ],
    target: Annotated[
        str,
        typer.Option(
            metavar="'METRIC OP VALUE'",
            show_default=False,
            help="What to reach, e.g. 'ltv_cac >= 3' or 'out_of_cash <= 10%'; OP one of >=, <=, >, <. "
            f"On the metric's p50 ({', '.join(MEAN_METRICS)}: its mean). A program's effect is read at its "
            "mean: 'programs.NAME.roi_arr >= 2' (with one program 'roi_arr >= 2').",
        ),
    ],
    prob: Annotated[
        str | None,
        typer.Option(
            metavar="P",
            help="Instead: the share of paths on which METRIC OP VALUE holds must be at least P (0.9 or 90%).",
        ),
    ] = None,
    json_path: JsonOption = None,
    paths: PathsOption = None,
    seed: SeedOption = None,
) -> None:
    """Find the value of one input, closest to its current value, at which a metric reaches a target."""
    from saas_sim.analysis.goal import GoalSeek, check_prob, parse_target, resolve_target
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.result import write_json
    from saas_sim.io.scenario import load_scenario
    from saas_sim.render.goal import explain
    from saas_sim.render.tornado import format_field_value

    check_options(paths=paths, seed=seed, horizon=None)
    check_output_paths(json_path=json_path, csv_path=None)
    with option_errors("--target"):
        goal_target = parse_target(target)
    probability = parse_prob(prob)
    with option_errors("--prob"):
        check_prob(probability)
    scenario = with_overrides(load_scenario(file), paths=paths, seed=seed)
    with option_errors("--target"):  # a program's effect names one of the scenario's programs
        goal_target = resolve_target(goal_target, scenario)
    with option_errors("--vary"):
        seek = GoalSeek(scenario, vary, goal_target, prob=probability)
    with LateProgress("Searching", "simulations") as bar:
        for done, value in seek.progress():
            bar.update(done, description=f"Trying {vary} = {format_field_value(vary, value, scenario.currency)}")
    result = seek.result
    assert result is not None
    lines = explain(result)
    if json_path is not None:
        write_json({**result.to_json(), "explanation": lines[0]}, json_path)
        if json_path == STDOUT:
            return
    from rich.console import Console

    console = Console(highlight=False)
    console.print(lines[0], style="bold", markup=False)
    for line in lines[1:]:
        console.print(line, markup=False)
    if json_path is not None:
        console.print(f"Wrote {json_path}", style="dim", markup=False)


def parse_prob(text: str | None) -> float | None:
    from saas_sim.io.values import parse_number_text

    if text is None:
        return None
    value = parse_number_text(text)
    if value is None:
        raise InputError([option_problem("--prob", f"must be a probability such as 0.9 or 90%, got '{text}'")])
    return value
