"""``saas-sim goal``: the value of one input that reaches a target on a metric."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.boundary import option_problem
from saas_sim.cli.run import STDOUT, check_options, check_output_paths
from saas_sim.cli.sensitivity import FileArgument, JsonOption, LateProgress, PathsOption, SeedOption, option_errors
from saas_sim.errors import InputError

if TYPE_CHECKING:
    from saas_sim.analysis.goal import Goal
    from saas_sim.model.scenario import Distribution


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
            "On the metric's p50 (out_of_cash: its mean).",
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
    from saas_sim.analysis.goal import GoalSeek, check_prob, parse_target
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.result import write_json
    from saas_sim.io.scenario import load_scenario

    check_options(paths=paths, seed=seed, horizon=None)
    check_output_paths(json_path=json_path, csv_path=None)
    with option_errors("--target"):
        goal_target = parse_target(target)
    probability = parse_prob(prob)
    with option_errors("--prob"):
        check_prob(probability)
    scenario = with_overrides(load_scenario(file), paths=paths, seed=seed)
    with option_errors("--vary"):
        seek = GoalSeek(scenario, vary, goal_target, prob=probability)
    with LateProgress("Searching", "simulations") as bar:
        for done, value in seek.progress():
            bar.update(done, description=f"Trying {vary} = {_value(vary, value, scenario.currency)}")
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


def _value(field: str, value: float | None, currency: str) -> str:
    from saas_sim.render.tornado import format_field_value

    return format_field_value(field, value, currency)


def describe_distribution(dist: Distribution, field: str, currency: str) -> str:
    """``2%..4%`` for a 90 % interval, ``normal(mean 3%, sd 1%)`` and so on, in the field's units."""
    params = dict(dist.params)
    show = lambda name: _value(field, params[name], currency)  # noqa: E731
    if dist.dist == "lognormal":
        return f"{show('p5')}..{show('p95')}"
    if dist.dist == "beta":
        return f"beta(alpha {params['alpha']:g}, beta {params['beta']:g})"
    return f"{dist.dist}({', '.join(f'{name} {show(name)}' for name in params)})"


def explain(goal: Goal) -> list[str]:
    """What the search found, in words: the answer (one line that stands alone), then the details."""
    from saas_sim.analysis.sensitivity import NEVER_ALTERNATIVES
    from saas_sim.render.format import format_rate, formatter_for, metric_label

    currency = goal.currency
    metric = goal.target.metric
    shown = formatter_for(metric, currency)
    metric_format = lambda x: "never" if x == math.inf else shown(x)  # noqa: E731  (a payback, SPEC 3.2)
    value = lambda x: _value(goal.field, x, currency)  # noqa: E731
    threshold = f"{goal.target.op} {metric_format(goal.target.value)}"
    if goal.prob is None:
        stat = f"{metric_label(metric)} ({'probability' if goal.statistic == 'mean' else goal.statistic})"
        reads = lambda x: f"{stat} {metric_format(x)}"  # noqa: E731
        target, wanted = f"target {threshold}", f"{stat} {threshold}"
    else:
        reads = lambda x: f"{metric} {threshold} on {format_rate(x)} of paths"  # noqa: E731
        target = f"target: on at least {format_rate(goal.prob)}"
        wanted = f"{metric} {threshold} on at least {format_rate(goal.prob)} of paths"
    if goal.met_at_base:
        lines = [
            f"Already met at the base value: {goal.field} = {value(goal.value)} gives "
            f"{reads(goal.achieved)} ({target})."
        ]
        if goal.limit is not None:
            lines.append(
                f"It stays met as far as {value(goal.limit)} ({_change(goal.base_value, goal.limit)}: "
                f"{reads(goal.limit_achieved)}); beyond that the target is missed."
            )
        else:
            lines.append(
                f"It stays met at every value tried, from {value(min(goal.searched))} to {value(max(goal.searched))}."
            )
    elif goal.value is not None:
        lines = [
            f"{goal.field} = {value(goal.value)} gives {reads(goal.achieved)} ({target}).",
            f"That is {_change(goal.base_value, goal.value)} from its base value {value(goal.base_value)} "
            f"({reads(goal.base_achieved)}); no value closer to it meets the target.",
        ]
    elif goal.pinned_at is not None:  # a probability at 0 or 1 everywhere: no value is closer than another
        pinned = (
            f"{stat} is {metric_format(goal.pinned_at)}"
            if goal.prob is None
            else f"The share of paths with {metric} {threshold} is {format_rate(goal.pinned_at)}"
        )
        advice = f"; try a target on {' or '.join(goal.alternatives)}" if goal.alternatives else ""
        lines = [
            f"No value of {goal.field} from {value(min(goal.searched))} to {value(max(goal.searched))} "
            f"reaches {wanted}.",
            f"{pinned} at every value tried: it cannot move there{advice}.",
        ]
    elif goal.prob is None and goal.best_achieved == math.inf:  # never everywhere: no value is closer than another
        alternatives = NEVER_ALTERNATIVES.get(metric, ())
        advice = f"; try a target on {' or '.join(alternatives)}" if alternatives else ""
        lines = [
            f"No value of {goal.field} from {value(min(goal.searched))} to {value(max(goal.searched))} "
            f"reaches {wanted}.",
            f"{stat} is never at every value tried: most paths never pay back whatever {goal.field} is{advice}.",
        ]
    else:
        best = (
            f"the closest is {value(goal.best_value)}, giving {reads(goal.best_achieved)}"
            if goal.best_value is not None
            else "the metric is undefined at every value tried"
        )
        lines = [
            f"No value of {goal.field} from {value(min(goal.searched))} to {value(max(goal.searched))} "
            f"reaches {wanted}: {best}.",
            f"At its base value {value(goal.base_value)}: {reads(goal.base_achieved)}.",
        ]
    if goal.replaced is not None:
        lines.append(
            f"{goal.field} is uncertain in the scenario "
            f"({describe_distribution(goal.replaced, goal.field, currency)}, median {value(goal.base_value)}; "
            f"as given: {reads(goal.as_given_achieved)}): the search replaces it by plain values."
        )
    lines.append(
        f"{goal.paths:,} paths, seed {goal.seed}, the same random numbers in all {goal.evaluations} simulations."
    )
    return lines


def _change(base: float, value: float) -> str:
    if base == 0:
        return f"{value - base:+g}"
    return f"{100 * (value - base) / abs(base):+.1f} %"
