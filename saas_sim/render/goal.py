"""The goal seek's answer in words, shared by ``saas-sim goal`` and the TUI's goal dialog."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saas_sim.analysis.goal import Goal
    from saas_sim.model.scenario import Distribution


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
    from saas_sim.analysis.fields import MEAN_METRICS
    from saas_sim.analysis.sensitivity import NEVER_ALTERNATIVES
    from saas_sim.render.format import format_rate, formatter_for, metric_label

    currency = goal.currency
    metric = goal.target.metric
    shown = formatter_for(metric, currency)

    def metric_format(x: float | None) -> str:
        """The statistic as its metric reads; a miss that rounds to the threshold is just under (over) it."""
        if x == math.inf:
            return "never"  # a payback (SPEC 3.2)
        text, wanted = shown(x), goal.target.value
        if x is not None and x != wanted and not goal.target.holds(x) and text == shown(wanted):
            return f"just {'under' if x < wanted else 'over'} {text}"  # 1.98x missing >= 2: not "2.0x"
        return text

    value = lambda x: _value(goal.field, x, currency)  # noqa: E731
    threshold = f"{goal.target.op} {metric_format(goal.target.value)}"
    if goal.prob is None:
        stat = f"{metric_label(metric)} ({'probability' if metric in MEAN_METRICS else goal.statistic})"
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
        f"{goal.paths:,} paths, seed {goal.seed}, the same random numbers in all {goal.evaluations} evaluations."
    )
    return lines


def _change(base: float, value: float) -> str:
    if base == 0:
        return f"{value - base:+g}"
    return f"{100 * (value - base) / abs(base):+.1f} %"
