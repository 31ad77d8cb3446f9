"""Goal seek (SPEC 4, ``saas-sim goal``): the value of one input that reaches a target.

The target is ``METRIC OP VALUE`` on a summary metric (SPEC 3.2) or a
program's effect (SPEC 2.7: ``programs.Save.roi_arr >= 2``; with one program
``roi_arr >= 2`` names its effect), OP one of ``>=``, ``<=``, ``>``, ``<``.
It is met on the metric's p50 (the mean for ``out_of_cash``, a probability,
and for a program's effect, its expected effect); with ``prob`` P, when the
share of paths on which ``METRIC OP VALUE`` holds is at least P.

The search answers "what is the smallest change that meets the target":

1. Every evaluation simulates the scenario with the field set to a plain
   value and the same seed and paths (common random numbers), so that the
   statistic moves only because the field moved.  An uncertain field (a
   distribution) is replaced by plain values; the search starts at its
   median.
2. If the base value meets the target, it is the answer; the search then
   goes on the same way towards the nearest value that misses it, to say
   how far the field can move (:attr:`Goal.limit`: e.g. the largest spend
   that keeps the probability of running out of cash under 10 %).
3. Otherwise, steps go outwards from the base value, doubling: 5 % of the
   value first (1/1024 of the room to the bound for a zero), up to the
   field's valid range (:func:`~saas_sim.analysis.fields.bounds`); a side
   without a bound stops at 10⁴ times the base value (10¹² from zero).  The
   side whose first step improves the statistic is searched first; the
   other only when the first has no value meeting the target (a metric
   need not be monotone), and both in order of distance when the first
   steps do not tell.
4. Between the last step that misses and the first that meets, bisection
   narrows the bracket to 10⁻⁴ of the value (of the range when the value is
   0; whole numbers to 1), or stops early once the statistic is within
   10⁻⁴ of the threshold (but not on it, and never for shares of paths:
   such a statistic may sit on the threshold over a whole interval).  The answer is the end of the bracket
   that meets the target: the value closest to the base that does, to
   that tolerance.  Bisection needs no smoothness: the p50 of a count, or
   a share of paths, moves in steps.

When no value in range meets the target the answer is ``None``, with the
best value tried and its statistic.  A probability (or share of paths) at
0 or 1 at every value tried is pinned there (:attr:`Goal.pinned_at`): the
field cannot move it, and no value is closer than another.

How an evaluation is computed (the search above does not depend on it):

* A unit-economics target (``ltv``, ``ltv_simple``, ``ltv_cac``,
  ``payback_months``, ``payback_months_with_churn``) of a one-segment
  scenario is a closed form of each path's month-1 parameters (SPEC 3.2):
  no month is simulated.  Each block of paths draws its parameters from the
  same seed and generator as a run's block, the events of month 1 apply,
  and the kernel's own formulas give each path's value
  (:func:`~saas_sim.engine.simulate.unit_economics_per_path`): the same
  per-path values as a full run, to the bit, so the same statistic, the
  same steps and the same answer, in milliseconds instead of a run each.
  It differs from a run in one case only: where the months would diverge
  (over a billion new accounts in a month) a run has no value and this one
  has the formula's.  With several segments the company's unit economics
  are the segments' weighted by each path's new accounts, which only the
  months tell: such a target is simulated as below.
* A program's effect runs the scenario twice per evaluation, with the program
  and without it (:func:`~saas_sim.engine.simulate.program_effect_per_path`),
  both with the one seed.
* Any other target is simulated: every evaluation runs the scenario with the
  one seed (common random numbers: each path's draws and uniforms are the
  same in every run, so the statistic moves only because the field did),
  and only the target's one summary metric is formed from the run
  (:func:`~saas_sim.engine.simulate.simulate_summary`), not every series
  and statistic of a result.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from saas_sim.analysis.fields import (
    MEAN_METRICS,
    SUMMARY_METRICS,
    bounds,
    check_metric,
    find_field,
    point_value,
    program_metric,
    set_field,
    statistic,
    statistic_name,
)
from saas_sim.engine.simulate import (
    closed_form_applies,
    default_workers,
    program_effect_per_path,
    simulate_summary,
    unit_economics_per_path,
    with_overrides,
)
from saas_sim.errors import InputError, SimulationDiverged
from saas_sim.io.values import parse_number_text
from saas_sim.model.scenario import Distribution, Scenario

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_TARGET = re.compile(  # a program's name may hold anything but a dot
    r"\s*(?P<metric>programs\.[^.]+\.[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*)"
    r"\s*(?P<op>>=|<=|=>|=<|==|=|>|<)\s*(?P<value>.*?)\s*"
)

FIRST_STEP = 0.05  # of the base value
FIRST_STEP_FROM_ZERO = 1 / 1024  # of the room to the bound
UNBOUNDED_REACH = 1e4  # times the base value
UNBOUNDED_REACH_FROM_ZERO = 1e12
TOLERANCE = 1e-4
MAX_BISECTIONS = 60


@dataclass(frozen=True)
class Target:
    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"

    def holds(self, x: float | np.ndarray) -> Any:
        """Whether ``x`` meets the target: a bool, or per element for an array."""
        return OPERATORS[self.op](x, self.value)

    @property
    def upward(self) -> bool:
        """Whether a larger metric is better."""
        return self.op in (">=", ">")


def parse_target(text: str) -> Target:
    """``"ltv_cac >= 3"``, ``"out_of_cash <= 10%"``, ``"arr_end > 1.5M"``, ``"programs.Save.roi_arr >= 2"``;
    :class:`InputError` otherwise.  A program's name is checked against a scenario by :func:`resolve_target`."""
    usage = "must be 'METRIC OP VALUE' with OP one of >=, <=, >, < (e.g. 'ltv_cac >= 3')"
    match = _TARGET.fullmatch(text)
    if match is None:
        raise InputError([f"{usage}, got '{text}'"])
    op = {"=>": ">=", "=<": "<="}.get(match["op"], match["op"])
    if op not in OPERATORS:
        raise InputError(
            [
                f"{usage}; '{match['op']}' asks for equality, which a simulated statistic "
                f"rarely hits exactly: use >= or <=, got '{text}'"
            ]
        )
    metric = match["metric"]
    if metric not in SUMMARY_METRICS:
        check_metric(metric)
    value = parse_number_text(match["value"])
    if value is None or not math.isfinite(value):
        raise InputError([f"{usage}; VALUE must be a number such as 3, 10% or 1.5M, got '{match['value']}'"])
    return Target(metric, op, value)


def resolve_target(target: Target, scenario: Scenario) -> Target:
    """The target on the scenario's metric: a program it has, a bare effect named by its one program
    (``roi_arr >= 2`` -> ``programs.Save.roi_arr >= 2``); :class:`InputError` otherwise."""
    metric = check_metric(target.metric, scenario)
    return target if metric == target.metric else Target(metric, target.op, target.value)


def check_prob(prob: float | None) -> float | None:
    if prob is not None and not (math.isfinite(prob) and 0 < prob <= 1):
        raise InputError([f"must be a probability more than 0 and at most 1 (e.g. 0.9 or 90%), got {prob:g}"])
    return prob


@dataclass(frozen=True)
class Evaluation:
    value: float
    achieved: float | None  # the statistic the target is on; None where undefined or diverged
    meets: bool
    score: float  # larger is closer to meeting; -inf where undefined


@dataclass(frozen=True)
class Goal:
    field: str
    value: float | None  # None: no value in range meets the target
    target: Target
    prob: float | None
    statistic: str  # "p50", "mean" or "share" (of paths meeting the target, with prob)
    achieved: float | None  # the statistic at value
    base_value: float  # the field's value in the scenario (a distribution's median)
    base_achieved: float | None  # the statistic at the base value
    as_given_achieved: float | None  # the statistic of the scenario as given (differs for an uncertain field)
    met_at_base: bool
    replaced: Distribution | None  # the distribution a plain value replaced
    best_value: float | None  # without an answer: the value that came closest
    best_achieved: float | None
    limit: float | None  # met at base: the farthest value that still meets it, before the nearest that does not
    limit_achieved: float | None
    searched: tuple[float, float]  # the lowest and highest values tried
    low: float  # the field's valid range
    high: float
    evaluations: int
    paths: int
    seed: int
    currency: str
    pinned_at: float | None = None  # a probability (or share of paths) at 0 or 1 at every value tried

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Metrics to set a target on instead where this one is pinned (out of cash on every path: when, how deep)."""
        from saas_sim.analysis.sensitivity import PINNED_ALTERNATIVES

        if self.pinned_at is None or self.prob is not None:
            return ()
        return PINNED_ALTERNATIVES.get(self.target.metric, {}).get(self.pinned_at, ())

    def to_json(self) -> dict:
        """SPEC 4: ``{"field", "value", "metric", "target", "achieved"}`` and what explains them.

        A statistic that never comes (a payback p50 that lands on a path that never pays back) is
        ``null``, and ``never`` lists the keys that read never.
        """
        data = self._json()
        never = [key for key, value in data.items() if isinstance(value, float) and value == math.inf]
        for key in never:
            data[key] = None
        data["never"] = never
        return data

    def _json(self) -> dict:
        return {
            "field": self.field,
            "value": self.value,
            "metric": self.target.metric,
            "target": str(self.target),
            "achieved": self.achieved,
            "prob": self.prob,
            "statistic": self.statistic,
            "met_at_base": self.met_at_base,
            "base_value": self.base_value,
            "base_achieved": self.base_achieved,
            "as_given_achieved": self.as_given_achieved,
            "replaced_distribution": self.replaced.as_dict() if self.replaced is not None else None,
            "best_value": self.best_value,
            "best_achieved": self.best_achieved,
            "limit": self.limit,
            "limit_achieved": self.limit_achieved,
            "range": [_finite_or_none(self.low), _finite_or_none(self.high)],
            "searched": list(self.searched),
            "evaluations": self.evaluations,
            "paths": self.paths,
            "seed": self.seed,
            "saturated": (None if self.pinned_at is None else {"at": self.pinned_at, "try": list(self.alternatives)}),
        }


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


class GoalSeek:
    """One goal seek; iterate :meth:`progress` (evaluations so far, the value just tried), then read
    :attr:`result`."""

    def __init__(
        self,
        scenario: Scenario,
        field: str,
        target: Target | str,
        *,
        prob: float | None = None,
        workers: int | None = None,
    ):
        self.target = parse_target(target) if isinstance(target, str) else target
        self.prob = check_prob(prob)
        self.scenario = with_overrides(scenario)  # one seed for every evaluation: common random numbers
        self.target = resolve_target(self.target, self.scenario)
        self.field = find_field(self.scenario, field)
        self.workers = workers or default_workers()
        self.low, self.high = bounds(self.field.rule)
        # A closed form of the drawn parameters, or a run per evaluation (see the module's docstring).
        self.closed_form = closed_form_applies(self.scenario, self.target.metric)
        self.evaluated: dict[float, Evaluation] = {}
        self.evaluations = 0
        self.result: Goal | None = None

    @property
    def statistic_name(self) -> str:
        return "share" if self.prob is not None else statistic_name(self.target.metric)

    # -- evaluations -------------------------------------------------------------------

    def _measure(self, scenario: Scenario) -> float | None:
        """The statistic the target is on, for one scenario; None where undefined or the run diverged."""
        self.evaluations += 1
        metric = self.target.metric
        try:
            program = program_metric(metric)
            if program is not None:  # the scenario with the program and without it
                values = program_effect_per_path(scenario, *program, workers=self.workers)
            elif self.closed_form:
                values = unit_economics_per_path(scenario)[metric]
            else:
                values = simulate_summary(scenario, metric, workers=self.workers)
        except SimulationDiverged:
            return None
        if self.prob is None:
            return statistic(values, metric)
        with np.errstate(invalid="ignore"):  # an undefined value (nan) meets no target
            return float(np.mean(self.target.holds(np.asarray(values, dtype=float))))

    def _judge(self, value: float, achieved: float | None) -> Evaluation:
        if achieved is None:
            return Evaluation(value, None, False, -math.inf)
        if self.prob is not None:
            return Evaluation(value, achieved, achieved >= self.prob, achieved - self.prob)
        score = achieved - self.target.value if self.target.upward else self.target.value - achieved
        return Evaluation(value, achieved, bool(self.target.holds(achieved)), score)

    def _evaluate(self, value: float) -> Generator[tuple[int, float], None, Evaluation]:
        """The field at ``value`` (each value simulated once); yields progress, returns the :class:`Evaluation`."""
        if value not in self.evaluated:
            scenario = set_field(self.scenario, self.field.path, value)
            self.evaluated[value] = self._judge(value, self._measure(scenario))
            yield self.evaluations, value
        return self.evaluated[value]

    def _close_enough(self, evaluation: Evaluation) -> bool:
        """The statistic is within the tolerance of the threshold, but not on it.

        A statistic exactly on the threshold may sit there over a whole
        interval of values (the p50 of a count, the probability of running
        out of cash, a share of paths with ``prob``), of which the search
        wants the end nearest the base: bisection goes on there.  So it does
        for shares, which move in steps of 1/paths.
        """
        if evaluation.achieved is None or self.prob is not None or self.target.metric in MEAN_METRICS:
            return False
        gap = abs(evaluation.achieved - self.target.value)
        return 0 < gap <= TOLERANCE * max(abs(self.target.value), 1e-12)

    # -- the search ---------------------------------------------------------------------

    def _clip(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return float(round(value)) if self.field.whole else value

    def _steps(self, base: float, direction: int) -> Iterator[float]:
        """Values outwards from ``base``, the distance doubling, to the bound (or the reach without one)."""
        bound = self.high if direction > 0 else self.low
        room = abs(bound - base)
        if room == 0:
            return
        if math.isinf(room):
            reach = UNBOUNDED_REACH * abs(base) if base != 0 else UNBOUNDED_REACH_FROM_ZERO
            first = FIRST_STEP * abs(base) if base != 0 else 1.0
        else:
            reach = room
            first = FIRST_STEP * abs(base) if base != 0 else FIRST_STEP_FROM_ZERO * room
        first = min(first, reach)
        if self.field.whole:
            first = max(first, 1.0)
        distance, last = first, base
        while True:
            value = self._clip(base + direction * min(distance, reach))
            if value != last:
                yield value
                last = value
            if distance >= reach:
                return
            distance *= 2

    @staticmethod
    def _walk(first: float, steps: Iterator[float]) -> Iterator[tuple[float, float]]:
        """``(step before, step)`` pairs along one side, after its ``first`` step."""
        previous = first
        for value in steps:
            yield previous, value
            previous = value

    def _bisect(
        self, other: float, found: float, wanted: Callable[[Evaluation], bool]
    ) -> Generator[tuple[int, float], None, tuple[float, float]]:
        """Narrow the bracket from ``other`` (not wanted) to ``found`` (wanted), in either order;
        returns both ends ``(other, found)`` once within the tolerance."""
        span = self.high - self.low
        scale = max(abs(other), abs(found)) or (span if math.isfinite(span) else 1.0)
        tolerance = 1.0 if self.field.whole else TOLERANCE * scale
        for _ in range(MAX_BISECTIONS):
            meeting = self.evaluated[found] if self.evaluated[found].meets else self.evaluated[other]
            if abs(found - other) <= tolerance or self._close_enough(meeting):
                break
            middle = (other + found) / 2
            if self.field.whole:
                middle = float(math.floor(middle))
            evaluation = yield from self._evaluate(middle)
            if wanted(evaluation):
                found = middle
            else:
                other = middle
        return other, found

    def _search(
        self, base: float, wanted: Callable[[Evaluation], bool], better: Callable[[Evaluation], float]
    ) -> Generator[tuple[int, float], None, tuple[float, float] | None]:
        """Outwards from ``base`` (not wanted) to the nearest wanted value, then bisection.

        The side whose first step is ``better`` is walked first, the other only if the first has no
        wanted value; when the first steps tie, both in order of distance.  Returns the bracket
        ``(not wanted, wanted)`` or None.
        """
        steps = {d: self._steps(base, d) for d in (1, -1)}
        first: dict[int, Evaluation] = {}
        for d in (1, -1):
            value = next(steps[d], None)
            if value is not None:
                first[d] = yield from self._evaluate(value)
        hits = [d for d in first if wanted(first[d])]
        if hits:
            d = min(hits, key=lambda d: (abs(first[d].value - base), -better(first[d])))
            return (yield from self._bisect(base, first[d].value, wanted))
        walks = {d: self._walk(first[d].value, steps[d]) for d in first}
        pairs: Iterator[tuple[float, float]]
        if len(first) == 2 and better(first[1]) == better(first[-1]):
            pairs = (pair for pairs in itertools.zip_longest(walks[1], walks[-1]) for pair in pairs if pair)
        else:
            pairs = itertools.chain.from_iterable(walks[d] for d in sorted(first, key=lambda d: -better(first[d])))
        for previous, value in pairs:
            evaluation = yield from self._evaluate(value)
            if wanted(evaluation):
                return (yield from self._bisect(previous, value, wanted))
        return None

    def progress(self) -> Iterator[tuple[int, float]]:
        """Run the search; yield ``(evaluations so far, the value just tried)`` after each.

        Met at the base value, the search goes on the other way: to the
        nearest value where the target stops being met, so that the result
        also says how far the field can move (:attr:`Goal.limit`).
        """
        field = self.field
        base = self._clip(point_value(field.value, field.rule))
        if field.uncertain:  # the scenario as given, then the search on plain values from its median
            as_given = self._judge(base, self._measure(self.scenario))
            yield self.evaluations, base
            start = yield from self._evaluate(base)
        else:
            start = as_given = yield from self._evaluate(base)
        answer = limit = None
        if start.meets:
            answer = base
            bracket = yield from self._search(base, lambda e: not e.meets, lambda e: -e.score)
            limit = bracket[0] if bracket is not None else None
        else:
            bracket = yield from self._search(base, lambda e: e.meets, lambda e: e.score)
            answer = bracket[1] if bracket is not None else None
        self.result = self._result(base, as_given, start, answer, limit)

    def _result(
        self, base: float, as_given: Evaluation, start: Evaluation, answer: float | None, limit: float | None
    ) -> Goal:
        field = self.field
        sim = self.scenario.simulation
        assert sim.seed is not None  # with_overrides gave the scenario its seed
        tried = [e for e in self.evaluated.values() if e.achieved is not None]
        best = max(tried, key=lambda e: (e.score, -abs(e.value - base)), default=None)
        unanswered = best if answer is None else None  # the best value tried, shown when none meets the target
        reached = {e.achieved for e in tried}
        pinned = None  # a probability or share the same 0 or 1 at every value: the field cannot move it
        probability = self.prob is not None or self.target.metric in MEAN_METRICS
        if probability and len(tried) == len(self.evaluated) and reached in ({0.0}, {1.0}):
            pinned = reached.pop()
        return Goal(
            field=field.path,
            value=answer,
            target=self.target,
            prob=self.prob,
            statistic=self.statistic_name,
            achieved=self.evaluated[answer].achieved if answer is not None else None,
            base_value=base,
            base_achieved=start.achieved,
            as_given_achieved=as_given.achieved,
            met_at_base=start.meets,
            replaced=field.value if isinstance(field.value, Distribution) else None,  # field.uncertain
            best_value=unanswered.value if unanswered is not None else None,
            best_achieved=unanswered.achieved if unanswered is not None else None,
            limit=limit,
            limit_achieved=self.evaluated[limit].achieved if limit is not None else None,
            searched=(min(self.evaluated), max(self.evaluated)),
            low=self.low,
            high=self.high,
            evaluations=self.evaluations,
            paths=sim.paths,
            seed=sim.seed,
            currency=self.scenario.currency,
            pinned_at=pinned,
        )


def goal_seek(scenario: Scenario, field: str, target: Target | str, **options: Any) -> Goal:
    """Run a :class:`GoalSeek` to the end and return its result."""
    seek = GoalSeek(scenario, field, target, **options)
    for _ in seek.progress():
        pass
    assert seek.result is not None
    return seek.result
