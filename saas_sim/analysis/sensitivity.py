"""One-at-a-time sensitivity (SPEC 4, ``saas-sim sensitivity``): which input moves a metric most.

Every numeric input of the scenario is swung down and up by ``swing`` (a
fraction: 0.2 = ±20 %), one at a time, the others at their base values, and
the scenario simulated again with the same seed and paths (only the
metric's summary is formed from each run; a unit-economics metric of a
one-segment scenario is not simulated at all but computed from each path's
drawn month-1 parameters, to the bit the values a run gives, except that
nothing diverges: :func:`~saas_sim.engine.simulate.unit_economics_per_path`).  Common random
numbers make the runs differ only by the swing: an input a metric cannot see
has exactly zero effect, and small effects are not buried in Monte-Carlo
noise.  Inputs are ranked by the effect on the metric's p50 (the mean for
``out_of_cash``, a probability): the span of the base and both swung values.
The metric may be a program's effect (SPEC 2.7, ``programs.Save.roi_arr``),
read through its mean, the expected effect: each run is then the scenario
with the program and without it
(:func:`~saas_sim.engine.simulate.program_effect_per_path`).

How an input is swung:

* a plain value ``x`` becomes ``x − swing·|x|`` and ``x + swing·|x|``
  (a negative value as any other: a program's ``churn_change`` of −15 %
  swung by 20 % is −18 % on the low side, −12 % on the high side), clipped into the field's valid range (:mod:`saas_sim.model.catalog.fields`) and
  rounded for whole-number fields.  A side that clips or rounds back to
  ``x`` (a rate already at 1, a zero, 2 customers ± 20 %) is not run and is
  reported as unmoved;
* an uncertain value (a distribution) is scaled as a whole: its location and
  spread parameters are multiplied by ``1 − swing`` and ``1 + swing``
  (:func:`~saas_sim.analysis.fields.scale_distribution`), so every quantile
  moves by ±swing and the relative uncertainty stays; the values reported
  are the medians of the swung distributions.  The draws stay in the same
  positions of the random stream, so common random numbers hold here too;
* ``segments.<name>.starting_customers`` is swung (a count, rounded), keeping
  the starting MRR per account; ``arpa_monthly`` carries a defaulted
  ``starting_mrr`` along (:func:`~saas_sim.analysis.fields.set_field`).

The optional blocks are swung like any other numbers: ``company.funding``'s
amounts and probability, ``company.customer_success``, each program's cost
and changes (``programs.<name>.cost_monthly``) and each migration's share
and multiplier (``migrations[i].monthly``).

Not swung: ``spend_share`` (shares must sum to 1; moving one alone is no
valid scenario), ``contract_months``, ``billing``, ``horizon_months``, the
simulation settings and every whole count of months or rounds (a program's
months, a round's ``months_to_close`` and ``max_rounds``).  They are listed in :attr:`Sensitivity.not_swung`.

A probability at 0 or 1 at base (``out_of_cash`` on every path, or on
none) cannot pass that bound: an input that leaves it there is not shown to
have no effect, only not to move it off the bound
(:attr:`Sensitivity.pinned_at`); when no input moves it the analysis says
so and names metrics that still move (:attr:`Sensitivity.saturated`).

A payback whose p50 is never at base (most paths never pay back, SPEC 3.2)
may stay never on both sides of every swing though an input plainly matters:
the inputs are then ranked by the share of paths that never pay back
(:attr:`Sensitivity.ranked_by_never`), which each side carries.  A
conditional metric (``cash_out_month``, over the paths that run out) carries
how many paths it rests on (:attr:`Sensitivity.base_n`): fewer than 50 is no
forecast (:attr:`Sensitivity.too_few`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from saas_sim.analysis.fields import (
    MEAN_METRICS,
    InputField,
    bounds,
    check_metric,
    input_fields,
    metric_per_path,
    point_value,
    scale_distribution,
    set_field,
    statistic_name,
    why_not_varied,
)
from saas_sim.engine.aggregate import describe_summary, too_few
from saas_sim.engine.simulate import (
    MEMORY_SHARE,
    default_workers,
    memory_needed,
    with_overrides,
)
from saas_sim.errors import InputError, SimulationDiverged
from saas_sim.model.catalog.metrics import NEVER_SUMMARY
from saas_sim.model.scenario import Distribution, Number, Scenario

DEFAULT_METRIC = "arr_end"
DEFAULT_SWING = 0.2
# Measured on 2 cores (starter, vicious-cycle, enterprise-annual; 25 to 59 runs): two runs at
# once, one thread each, beat one run at a time on two threads by 13 to 36 % from 1,000 paths
# up (a run's statistics and any single block use one thread only), but lost by 0 to 40 % at
# 200 paths and by up to 12 % at 500, where the threads mostly wait on each other.
PARALLEL_FROM_PATHS = 1000

Z_975 = 1.959963984540054

UNMOVED_ZERO = "zero: a relative swing leaves it at 0"
UNMOVED_BOUND = "at its bound"
UNMOVED_ROUNDING = "rounds back to its value"
CLIPPED = "clipped to its bound"

# A probability at 0 or 1 cannot pass it: a swing that would push it further leaves it there, so an input
# may seem to have no effect.  These metrics still move there (out of cash on every path: when, how deep).
PINNED_ALTERNATIVES: dict[str, dict[float, tuple[str, ...]]] = {
    "out_of_cash": {1.0: ("cash_out_month", "cash_min"), 0.0: ("cash_min",)},
}
# Metrics that say the same without a p50 pinned at never, or resting on too few paths.
NEVER_ALTERNATIVES: dict[str, tuple[str, ...]] = {"payback_months_with_churn": ("ltv_cac",)}
TOO_FEW_ALTERNATIVES: dict[str, tuple[str, ...]] = {"cash_out_month": ("out_of_cash", "cash_min")}


@dataclass(frozen=True)
class Reading:
    """A metric read over one run's paths: its statistic, the share that never pays back, the paths defining it."""

    value: float | None  # inf: a payback's p50 that never comes
    never: float | None = None  # payback only (SPEC 3.2)
    n: int | None = None  # when fewer paths than the run's define it (a conditional statistic)


def read_metric(values: np.ndarray, metric: str) -> Reading:
    """The :class:`Reading` of ``metric``'s per-path ``values`` (the statistic of :func:`statistic_name`)."""
    never = metric in NEVER_SUMMARY
    stats = describe_summary(np.asarray(values, dtype=float), never=never)
    value = stats[statistic_name(metric)]
    if value is None and stats.get("never"):
        value = math.inf
    n = stats.get("n")
    return Reading(value, stats.get("never") if never else None, None if n is None else int(n))


@dataclass(frozen=True)
class Side:
    """One side of a swing: the input's value there and the metric's statistic."""

    value: float  # a distribution's median once swung
    metric: float | None  # None: undefined on every path, or the run diverged
    moved: bool  # False: the swing leaves the input at its base value (not run)
    note: str = ""  # why it did not move, that it was clipped, or that the run diverged
    never: float | None = None  # a payback's share of paths that never pay back
    n: int | None = None  # the paths a conditional metric rests on, when fewer than the run's


@dataclass(frozen=True)
class Swing:
    """One input swung down (``low``) and up (``high``)."""

    field: str
    base_value: float  # a distribution's median
    uncertain: bool
    low: Side
    high: Side
    effect: float  # span of the base metric and both sides' metrics (of the never shares: ranked_by_never)

    def to_json(self) -> dict:
        """The item of ``inputs`` in SPEC 4: these keys, and for a payback ``never_low``/``never_high``
        (the share of paths that never pay back), for a conditional metric ``n_low``/``n_high``."""
        data = {
            "field": self.field,
            "low": self.low.value,
            "high": self.high.value,
            "metric_low": self.low.metric,
            "metric_high": self.high.metric,
        }
        if self.low.never is not None or self.high.never is not None:
            data.update(never_low=self.low.never, never_high=self.high.never)
        if self.low.n is not None or self.high.n is not None:
            data.update(n_low=self.low.n, n_high=self.high.n)
        return data


@dataclass(frozen=True)
class Sensitivity:
    metric: str
    statistic: str  # "p50", or "mean" for out_of_cash (a probability) and a program's effect
    base: float
    swing: float
    paths: int
    seed: int
    currency: str
    base_se: float | None  # Monte-Carlo standard error of the base statistic
    inputs: tuple[Swing, ...]  # largest effect first; zero effects last, in file order
    not_swung: tuple[tuple[str, str], ...]  # (field, why)
    base_never: float | None = None  # a payback's share of paths that never pay back, at base
    base_n: int | None = None  # the paths a conditional metric rests on at base, when fewer than the run's

    @property
    def ranked_by_never(self) -> bool:
        """Whether the p50 is never at base, so that the inputs are ranked by the share that never pays back."""
        return self.base == math.inf and self.base_never is not None

    @property
    def too_few(self) -> bool:
        """Whether the base statistic rests on too few paths to be a forecast (docs/metrics.md)."""
        return self.base_n is not None and too_few(self.base_n, self.paths)

    @property
    def instead(self) -> tuple[str, ...]:
        """Metrics to rank by where this one is never at base or rests on too few paths."""
        if self.ranked_by_never:
            return NEVER_ALTERNATIVES.get(self.metric, ())
        return TOO_FEW_ALTERNATIVES.get(self.metric, ()) if self.too_few else ()

    @property
    def pinned_at(self) -> float | None:
        """0 or 1 when the statistic is a probability at that bound at base (out of cash on every path),
        which a swing cannot push further: an input that leaves it there may still matter."""
        if self.metric in MEAN_METRICS and self.base in (0.0, 1.0):
            return self.base
        return None

    @property
    def saturated(self) -> float | None:
        """:attr:`pinned_at` when no swing moves the metric off it: the analysis cannot rank by it."""
        pinned = self.pinned_at
        return pinned if pinned is not None and self.inputs and all(s.effect == 0 for s in self.inputs) else None

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Metrics to rank by instead where this one is pinned (:data:`PINNED_ALTERNATIVES`)."""
        pinned = self.pinned_at
        return () if pinned is None else PINNED_ALTERNATIVES.get(self.metric, {}).get(pinned, ())

    def to_json(self) -> dict:
        """SPEC 4: ``{"metric", "base", "inputs": [...]}`` plus the settings and what was left out.

        ``saturated``: ``{"at": 1.0, "try": [metrics]}`` when the metric is pinned at 0 or 1 in every
        swing (:attr:`saturated`), else null.  A payback that never comes (``inf``, SPEC 3.2) is
        null, and ``never`` lists where: ``"base"``, ``"inputs[0].metric_high"``.  ``ranked_by``:
        the statistic, or ``"never"`` when the p50 is never at base and the inputs are ranked by the
        share of paths that never pay back (``base_never``, and ``never_low``/``never_high`` in each
        input).  ``base_n``: the paths a conditional metric rests on at base (``n_low``/``n_high`` in
        each input), null when every path defines it; ``too_few`` when that is no forecast.
        """
        data = self._json()
        never = ["base"] if data["base"] == math.inf else []
        for index, item in enumerate(data["inputs"]):
            for key in ("metric_low", "metric_high"):
                if item[key] == math.inf:
                    item[key] = None
                    never.append(f"inputs[{index}].{key}")
        if never[:1] == ["base"]:
            data["base"] = None
        data["never"] = never
        return data

    def _json(self) -> dict:
        saturated = self.saturated
        return {
            "metric": self.metric,
            "base": self.base,
            "inputs": [swing.to_json() for swing in self.inputs],
            "saturated": None if saturated is None else {"at": saturated, "try": list(self.alternatives)},
            "statistic": self.statistic,
            "ranked_by": "never" if self.ranked_by_never else self.statistic,
            "base_never": self.base_never,
            "base_n": self.base_n,
            "too_few": self.too_few,
            "base_se": self.base_se,
            "swing": self.swing,
            "paths": self.paths,
            "seed": self.seed,
            "base_inputs": {swing.field: swing.base_value for swing in self.inputs},
            "uncertain_inputs": [swing.field for swing in self.inputs if swing.uncertain],
            "not_swung": [{"field": field, "reason": why} for field, why in self.not_swung],
        }


def check_swing(swing: float) -> float:
    if not (math.isfinite(swing) and 0 < swing <= 1):
        raise InputError([f"the swing must be more than 0 and at most 100 % (e.g. 20% or 0.2), got {swing:g}"])
    return swing


def swung(field: InputField, swing: float, direction: int) -> tuple[Number, float, bool, str]:
    """``(value to set, its plain value, moved, note)`` of one side (``direction`` −1 or +1)."""
    base = point_value(field.value, field.rule)
    low, high = bounds(field.rule)
    if isinstance(field.value, Distribution):
        if base == 0:
            return field.value, base, False, UNMOVED_ZERO
        # The low side is the one with the lower values, whatever the sign.
        factor = 1 + direction * swing * (1 if base > 0 else -1)
        dist = scale_distribution(field.value, factor)
        shown = point_value(dist, field.rule)
        return dist, shown, True, CLIPPED if not low <= base * factor <= high else ""
    value = base + direction * swing * abs(base)
    clipped = min(max(value, low), high)
    if field.whole:
        clipped = float(round(clipped))
    if clipped == base:
        why = UNMOVED_ZERO if base == 0 else (UNMOVED_ROUNDING if low < value < high else UNMOVED_BOUND)
        return base, base, False, why
    return clipped, clipped, True, CLIPPED if not low <= value <= high else ""


class SensitivityAnalysis:
    """One sensitivity analysis; iterate :meth:`progress` (runs done, runs in all), then read :attr:`result`.

    ``parallel`` (default: from :data:`PARALLEL_FROM_PATHS` paths, as measured)
    runs as many swings at once as there are workers, one thread each;
    otherwise runs go one at a time, each on ``workers`` threads.  Either way
    every run is bit-identical to a run on its own.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        metric: str = DEFAULT_METRIC,
        swing: float = DEFAULT_SWING,
        workers: int | None = None,
        parallel: bool | None = None,
    ):
        self.swing = check_swing(swing)
        self.scenario = with_overrides(scenario)  # one seed for every run: common random numbers
        self.metric = check_metric(metric, self.scenario)
        self.workers = workers or default_workers()
        self.parallel = (
            parallel
            if parallel is not None
            else (
                self.workers > 1
                and self.scenario.simulation.paths >= PARALLEL_FROM_PATHS
                and _fits_in_memory(self.scenario, self.workers)
            )
        )
        self.result: Sensitivity | None = None

    def plan(self) -> tuple[list[tuple[InputField, list[tuple[Number, float, bool, str]]]], list[tuple[str, str]]]:
        """The inputs with their two sides, and the inputs left out with why."""
        planned, not_swung = [], []
        for field in input_fields(self.scenario):
            why = why_not_varied(field.path)
            if why is not None:
                if len(self.scenario.segments) > 1:  # one segment's share is 1, nothing to say
                    not_swung.append((field.path, why))
            else:
                planned.append((field, [swung(field, self.swing, -1), swung(field, self.swing, +1)]))
        return planned, not_swung

    def progress(self) -> Iterator[tuple[int, int]]:
        planned, not_swung = self.plan()
        runs: list[Scenario] = [self.scenario]
        where: dict[tuple[int, int], int] = {}  # (input, side) -> run
        for i, (field, sides) in enumerate(planned):
            for side, (value, _, moved, _) in enumerate(sides):
                if moved:
                    where[i, side] = len(runs)
                    runs.append(set_field(self.scenario, field.path, value))
        total = len(runs)
        yield 0, total
        base, base_se = self._base()
        base_value = base.value
        assert base_value is not None  # _base refuses a metric undefined at base
        yield 1, total
        outcomes: list[Reading | str] = [base, *([Reading(None)] * (total - 1))]
        for done in self._run_all(runs, outcomes):
            yield done, total
        swings = []
        for i, (field, sides) in enumerate(planned):
            made = []
            for side, (_, shown, moved, note) in enumerate(sides):
                outcome = outcomes[where[i, side]] if moved else base
                if isinstance(outcome, str):  # the run diverged
                    made.append(Side(shown, None, moved, outcome))
                else:
                    made.append(Side(shown, outcome.value, moved, note, outcome.never, outcome.n))
            if base.value == math.inf and base.never is not None:  # never at base: ranked by the never share
                defined = [base.never, *(s.never for s in made if s.metric is not None and s.never is not None)]
            else:
                defined = [base_value, *(s.metric for s in made if s.metric is not None)]
            # a payback that never comes is +inf (SPEC 3.2): never on every side is no effect, never on
            # some side (of a finite base) an unbounded one
            effect = 0.0 if max(defined) == min(defined) else max(defined) - min(defined)
            swings.append(
                Swing(field.path, point_value(field.value, field.rule), field.uncertain, made[0], made[1], effect)
            )
        swings.sort(key=lambda s: -s.effect)  # stable: equal effects keep file order
        sim = self.scenario.simulation
        assert sim.seed is not None  # with_overrides gave the scenario its seed
        self.result = Sensitivity(
            self.metric,
            statistic_name(self.metric),
            base_value,
            self.swing,
            sim.paths,
            sim.seed,
            self.scenario.currency,
            base_se,
            tuple(swings),
            tuple(not_swung),
            base.never,
            base.n,
        )

    def _base(self) -> tuple[Reading, float | None]:
        """The metric read at base and its statistic's Monte-Carlo standard error; refuses an undefined metric."""
        values = self._values(self.scenario, self.workers)
        base = read_metric(values, self.metric)
        if base.value is None:
            raise InputError(
                [
                    f"{self.metric} is undefined on every path of this scenario, "
                    "so no input can be ranked by it; choose another --metric"
                ]
            )
        # never: no error
        return base, standard_error(values, self.metric) if math.isfinite(base.value) else None

    def _statistic(self, scenario: Scenario, workers: int) -> Reading | str:
        """The metric read over one run; a string says why the run diverged."""
        try:
            values = self._values(scenario, workers)
        except SimulationDiverged as error:
            return f"diverged: {error.problems[0]}"
        return read_metric(values, self.metric)

    def _values(self, scenario: Scenario, workers: int) -> np.ndarray:
        """The metric's per-path values in one run (:func:`~saas_sim.analysis.fields.metric_per_path`)."""
        return metric_per_path(scenario, self.metric, workers=workers)

    def _run_all(self, runs: list[Scenario], outcomes: list) -> Iterator[int]:
        """Run the swung scenarios ``runs[1:]`` (``runs[0]`` is the base), filling ``outcomes``;
        yield the count of runs done, the base included."""
        if not self.parallel:
            for i in range(1, len(runs)):
                outcomes[i] = self._statistic(runs[i], self.workers)
                yield i + 1
            return
        done = 1
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            pending: dict[Future, int] = {pool.submit(self._statistic, runs[i], 1): i for i in range(1, len(runs))}
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        outcomes[pending.pop(future)] = future.result()
                        done += 1
                    yield done
            finally:
                for future in pending:
                    future.cancel()


def _fits_in_memory(scenario: Scenario, runs: int) -> bool:
    """Whether ``runs`` runs of the scenario at once fit where the engine lets one run go."""
    try:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return True
    return runs * memory_needed(scenario) <= MEMORY_SHARE * available


def standard_error(values: np.ndarray, metric: str) -> float | None:
    """The Monte-Carlo standard error of the metric's statistic in one run.

    For a mean, ``sd / sqrt(n)``; for the p50, from the order statistics that
    bound its 95 % confidence interval, ``n/2 ± 1.96 sqrt(n)/2``, divided by
    2 × 1.96.  Inputs that change no random draw (costs, margins, cash) move
    the metric exactly under common random numbers; the others (churn, CAC,
    spend, counts) shift the random stream, and their effects carry about
    this much noise.
    """
    values = np.asarray(values, dtype=float)
    values = np.sort(values[np.isfinite(values)])
    n = values.size
    if n < 2:
        return None
    if statistic_name(metric) == "mean":
        return float(values.std(ddof=1) / math.sqrt(n))
    half_width = Z_975 * math.sqrt(n) / 2
    low, high = max(0, math.floor(n / 2 - half_width)), min(n - 1, math.ceil(n / 2 + half_width))
    return float((values[high] - values[low]) / (2 * Z_975))


def sensitivity(scenario: Scenario, **options: Any) -> Sensitivity:
    """Run a :class:`SensitivityAnalysis` to the end and return its result."""
    analysis = SensitivityAnalysis(scenario, **options)
    for _ in analysis.progress():
        pass
    assert analysis.result is not None
    return analysis.result
