"""What a report (SPEC 7) shows of one run, beyond its result document: the histograms of where ARR and
cash end, from the run's every path.

A result document holds statistics only (SPEC 5); a histogram needs the paths themselves, which a run
keeps for :data:`~saas_sim.engine.simulate.ENDS` (:attr:`~saas_sim.engine.simulate.Numbers.ends`).  A
stored run kept no paths: :func:`rerun_ends` simulates its scenario again with its seed and paths and
keeps the histograms only when the run it gives is the stored one, statistic for statistic (the same
engine gives the same numbers); otherwise the report says the histograms could not be redrawn.

Bins: :data:`BINS` equal bins between the 0.5th and 99.5th percentiles of the defined values, the paths
beyond them counted in the first and last bins (a few extreme paths would otherwise squeeze the rest
into one bar); a histogram says how many it clipped so.  Paths where a metric is undefined are counted
apart (``undefined``), never binned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from saas_sim.analysis.run import ScenarioRun
from saas_sim.engine.simulate import ENDS
from saas_sim.model.result import Result
from saas_sim.model.scenario import Scenario

if TYPE_CHECKING:
    from saas_sim.analysis.sensitivity import Sensitivity

BINS = 40
TAIL = 0.005  # the share of paths beyond each end folded into the end bins


@dataclass(frozen=True)
class Histogram:
    """Counts of a metric's per-path values in equal bins (``edges`` has one more item than ``counts``)."""

    edges: list[float]
    counts: list[int]
    undefined: int  # paths where the metric has no value
    clipped_low: int  # paths below edges[0], counted in the first bin
    clipped_high: int  # paths above edges[-1], counted in the last bin

    @property
    def total(self) -> int:
        return sum(self.counts)


def histogram_of(values: np.ndarray, bins: int = BINS) -> Histogram:
    """The histogram of ``values`` (the module's note on bins)."""
    finite = values[np.isfinite(values)]
    undefined = int(values.size - finite.size)
    if not finite.size:
        return Histogram([], [], undefined, 0, 0)
    low, high = (float(v) for v in np.quantile(finite, [TAIL, 1 - TAIL]))
    if _same(low, high):  # nearly every path at one value: the bins span them all
        low, high = float(finite.min()), float(finite.max())
        if _same(low, high):  # all at one value (to a billionth): one bar around it
            middle = (low + high) / 2
            pad = max(abs(middle) * 0.01, 1.0)
            low, high = middle - pad, middle + pad
            bins = 1
    clipped_low, clipped_high = int((finite < low).sum()), int((finite > high).sum())
    counts, edges = np.histogram(np.clip(finite, low, high), bins=bins, range=(low, high))
    return Histogram([float(e) for e in edges], [int(c) for c in counts], undefined, clipped_low, clipped_high)


def _same(low: float, high: float) -> bool:
    """Too close to tell apart in equal bins (a billionth of their size, or of one unit)."""
    return high - low <= 1e-9 * max(abs(low), abs(high), 1.0)


@dataclass(frozen=True)
class ReportRun:
    """One run as a report shows it: its result document, the histograms of its ends (``None``: could not
    be drawn, ``note`` says why), and where it came from (``label``, ``source``: the file, the stored
    scenario or the stored run)."""

    result: Result
    label: str
    source: str
    histograms: dict[str, Histogram] | None
    note: str | None = None
    run_id: int | None = None
    sensitivity: Sensitivity | None = None  # a tornado to show (report --tornado METRIC)


def histograms_of(ends: dict[str, np.ndarray]) -> dict[str, Histogram]:
    return {name: histogram_of(ends[name]) for name in ENDS if name in ends}


def ends_of(run: ScenarioRun) -> dict[str, np.ndarray]:
    """The per-path ends a finished run kept."""
    numbers = run.run.numbers
    assert numbers is not None, "the run has not finished"
    return numbers.ends


def rerun_ends(scenario: Scenario, stored: Result) -> dict[str, Histogram] | None:
    """The histograms of a stored run, from its scenario run again with its seed, paths and horizon, when
    that gives the stored numbers; ``None`` when it does not (another engine made the run)."""
    run = ScenarioRun(scenario)
    for _ in run.progress():
        pass
    assert run.result is not None
    if run.result.summary != stored.summary or run.result.series != stored.series:
        return None
    return histograms_of(ends_of(run))
