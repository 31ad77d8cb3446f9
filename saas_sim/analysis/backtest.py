"""How well the calibrated model would have forecast a company's own past (SPEC 6.4).

For a cut-off month T the ledger is calibrated as of T
(:func:`~saas_sim.analysis.calibrate.calibrate_ledger`, which reads no month
after T), the calibrated scenario is simulated for M months (T+1 .. T+M), and
the actual ``customers``, ``mrr``, ``new_customers`` and ``churned_customers``
of those months (:mod:`saas_sim.analysis.ledger_metrics`, the definitions of
``saas-sim metrics``) are held against the paths.  Per series and month:

- inside the 80 % band: ``p10 <= actual <= p90``; the 90 % band: ``p5 .. p95``
  (percentiles over paths, numpy's linear interpolation, as the engine's);
- the absolute percentage error of the p50, ``|p50 − actual| / actual``,
  where ``actual > 0``;
- the PIT (probability integral transform): the share of paths below the
  actual plus half the share equal to it, in 0..1.  A calibrated forecast's
  PITs are spread evenly over 0..1; piled at 0 and 1 they say the bands are
  too narrow.

``coverage_80`` and ``coverage_90`` are the shares of (cut-off, month) pairs
inside the bands, ``mape_p50`` the median of the errors, each pooled over
every cut-off; ``--rolling`` takes every cut-off with at least
:data:`MIN_HISTORY_MONTHS` months of history up to it and M months after it.

New and churned customers: the model has no reactivations (an account that
leaves is gone), a ledger may have them.  The actual ``new_customers`` are the
ledger's new customers only (never active before: what calibrate measures the
pace of acquisition on), and ``churned_customers`` every customer active one
month and not the next, including those who later return; a returning
customer is in the actual ``customers`` and ``mrr`` but in no movement the
model forecasts, so a history with many reactivations shows as actual
customers above the forecast.

The verdict in words (:func:`verdict`): over the four series pooled, an 80 %
band that held under :data:`OVER_CONFIDENT_BELOW` of the actual months is
*over-confident*, over :data:`VAGUE_ABOVE` *vague*, otherwise *about right*.
Where the coverage collapses from some month on (a regime change), and the
forecast is over-confident overall, the collapse month is the split of the
target months (calendar months forecast) into before and after that best
separates inside from outside (least squares of a step, over every forecast
of every series).  It is named when the 80 % band held at least
:data:`OVER_CONFIDENT_BELOW` of the forecasts of months before it and under
:data:`COLLAPSED_BELOW` of those from it on: "the forecast was over-confident
after 2024-06", 2024-06 being the last month before the collapse.  This
describes what happened, not why: with rolling cut-offs the last target
months are forecast only from far back, so bands that widen too slowly with
the lead can show as a collapse at the end of the history too.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from saas_sim.analysis.ledger_metrics import active_months, movements
from saas_sim.errors import InputError, Problem
from saas_sim.io.ledger import Ledger

SERIES = ("customers", "mrr", "new_customers", "churned_customers")
PERCENTILES = {"p5": 5.0, "p10": 10.0, "p50": 50.0, "p90": 90.0, "p95": 95.0}
DEFAULT_MONTHS = 12
DEFAULT_PATHS = 2000  # the p5 and p95 of 2,000 paths are within about ±0.5 points of their share
DEFAULT_SEED = 42
MIN_HISTORY_MONTHS = 12  # --rolling: months of history up to a cut-off, the cut-off included
NOMINAL = {"coverage_80": 0.8, "coverage_90": 0.9}
OVER_CONFIDENT_BELOW = 0.65
VAGUE_ABOVE = 0.95
COLLAPSED_BELOW = 0.5
MIN_COLLAPSED_MONTHS = 2  # a collapse is named only when it lasts this many target months


@dataclass(frozen=True)
class BacktestOptions:
    """``--at`` (one cut-off, ``YYYY-MM``) or ``rolling``; ``months`` forecast (capped by the data after a
    cut-off with ``--at``), ``paths`` and ``seed`` of every simulation; the calibrate options passed on."""

    at: str | None = None
    rolling: bool = False
    months: int = DEFAULT_MONTHS
    paths: int = DEFAULT_PATHS
    seed: int = DEFAULT_SEED
    spend_monthly: float | None = None
    segment_by: str | None = None


@dataclass(frozen=True)
class Forecast:
    """The paths of one cut-off's forecast and what happened: ``paths[name]`` ``(paths, months)``,
    ``actual[name]`` ``(months,)``, for the months labelled ``months`` (T+1 ..)."""

    cutoff: str
    months: tuple[str, ...]
    paths: dict[str, np.ndarray]
    actual: dict[str, np.ndarray]


@dataclass(frozen=True)
class SeriesScore:
    """One series of one cut-off, month by month."""

    actual: list[float]
    bands: dict[str, list[float]]  # p5, p10, p50, p90, p95
    inside_80: list[bool]
    inside_90: list[bool]
    ape: list[float | None]  # |p50 − actual| / actual, None where actual is 0
    pit: list[float]

    def to_json(self) -> dict[str, Any]:
        return {"actual": self.actual, **self.bands, "pit": self.pit}


@dataclass(frozen=True)
class CutoffScore:
    cutoff: str
    months: tuple[str, ...]
    series: dict[str, SeriesScore]


def score(forecast: Forecast) -> CutoffScore:
    """Bands, coverage, errors and PITs of each series of ``forecast`` (definitions in the module's note)."""
    scores = {}
    for name in SERIES:
        paths = np.asarray(forecast.paths[name], dtype=float)
        actual = np.asarray(forecast.actual[name], dtype=float)
        levels = np.percentile(paths, list(PERCENTILES.values()), axis=0)
        bands = dict(zip(PERCENTILES, levels, strict=True))
        below = (paths < actual).mean(axis=0)
        equal = (paths == actual).mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ape = np.where(actual > 0, np.abs(bands["p50"] - actual) / np.where(actual > 0, actual, 1.0), np.nan)
        scores[name] = SeriesScore(
            actual=actual.tolist(),
            bands={stat: values.tolist() for stat, values in bands.items()},
            inside_80=((bands["p10"] <= actual) & (actual <= bands["p90"])).tolist(),
            inside_90=((bands["p5"] <= actual) & (actual <= bands["p95"])).tolist(),
            ape=[None if math.isnan(value) else value for value in ape.tolist()],
            pit=(below + 0.5 * equal).tolist(),
        )
    return CutoffScore(forecast.cutoff, forecast.months, scores)


@dataclass(frozen=True)
class Collapse:
    """Where the 80 % band stopped holding: the first month of the collapse and the coverage before and after."""

    first_month: str
    last_good_month: str
    coverage_before: float
    coverage_after: float


@dataclass(frozen=True)
class Verdict:
    word: str  # "over-confident", "about right" or "vague"
    coverage_80: float  # the four series pooled
    coverage_90: float
    collapse: Collapse | None
    sentence: str


def pooled(cutoffs: Sequence[CutoffScore], name: str) -> dict[str, Any]:
    """SPEC 6.4's figures of one series over every cut-off: coverage_80, coverage_90, mape_p50, pit."""
    scores = [c.series[name] for c in cutoffs]
    inside_80 = [flag for s in scores for flag in s.inside_80]
    inside_90 = [flag for s in scores for flag in s.inside_90]
    errors = [e for s in scores for e in s.ape if e is not None]
    return {
        "coverage_80": _share(inside_80),
        "coverage_90": _share(inside_90),
        "mape_p50": float(np.median(errors)) if errors else None,
        "pit": [p for s in scores for p in s.pit],
        "months": len(inside_80),
    }


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def collapse(cutoffs: Sequence[CutoffScore]) -> Collapse | None:
    """The month from which the 80 % band stopped holding, if it did (rule in the module's note)."""
    by_month: dict[str, list[bool]] = {}
    for cutoff in cutoffs:
        for score_ in cutoff.series.values():
            for month, held in zip(cutoff.months, score_.inside_80, strict=True):
                by_month.setdefault(month, []).append(held)
    months = sorted(by_month)
    if len(months) < MIN_COLLAPSED_MONTHS + 1:
        return None
    inside = [np.array(by_month[m], dtype=float) for m in months]
    best: tuple[float, int] | None = None
    for split in range(1, len(months) - MIN_COLLAPSED_MONTHS + 1):
        before, after = np.concatenate(inside[:split]), np.concatenate(inside[split:])
        sse = float(((before - before.mean()) ** 2).sum() + ((after - after.mean()) ** 2).sum())
        if best is None or sse < best[0] - 1e-12:
            best = (sse, split)
    assert best is not None
    split = best[1]
    before, after = np.concatenate(inside[:split]), np.concatenate(inside[split:])
    if before.mean() >= OVER_CONFIDENT_BELOW and after.mean() < COLLAPSED_BELOW:
        return Collapse(months[split], months[split - 1], float(before.mean()), float(after.mean()))
    return None


def verdict(cutoffs: Sequence[CutoffScore]) -> Verdict:
    """Over-confident, about right or vague, in one sentence (thresholds in the module's note)."""
    flags_80 = [f for c in cutoffs for s in c.series.values() for f in s.inside_80]
    flags_90 = [f for c in cutoffs for s in c.series.values() for f in s.inside_90]
    coverage_80, coverage_90 = _share(flags_80) or 0.0, _share(flags_90) or 0.0
    if coverage_80 < OVER_CONFIDENT_BELOW:
        word = "over-confident"
    elif coverage_80 > VAGUE_ABOVE:
        word = "vague"
    else:
        word = "about right"
    where = collapse(cutoffs) if word == "over-confident" else None
    sentence = (
        f"The 80 % band held {_percent(coverage_80)} of the actual months (nominal 80 %) and the 90 % band "
        f"{_percent(coverage_90)} (nominal 90 %): {_meaning(word)}."
    )
    if where is not None:
        sentence += (
            f" The forecast was over-confident after {where.last_good_month}: the 80 % band held "
            f"{_percent(where.coverage_before)} of the months up to {where.last_good_month} and "
            f"{_percent(where.coverage_after)} from {where.first_month} on."
        )
    return Verdict(word, coverage_80, coverage_90, where, sentence)


def _meaning(word: str) -> str:
    return {
        "over-confident": "the forecast was over-confident (its bands too narrow for what happened)",
        "vague": "the forecast was vague (its bands wider than they needed to be)",
        "about right": "the forecast's bands were about right",
    }[word]


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %"


# -- Cut-offs, calibration and simulation ------------------------------------------------------------


def plan(months: Sequence[str], options: BacktestOptions, source: str) -> tuple[list[int], int]:
    """The cut-offs (indices into ``months``) and the months forecast after each; :class:`InputError` when the
    history cannot give them."""
    count = len(months)
    if options.months < 1:
        raise InputError([Problem(source, None, "--months", f"must be at least 1, got {options.months}")])
    if options.at is not None:
        if options.at not in months:
            where = "before the first" if options.at < months[0] else "after the last"
            raise InputError(
                [
                    Problem(
                        source, None, "--at", f"{options.at} is {where} month of the file ({months[0]}..{months[-1]})"
                    )
                ]
            )
        index = months.index(options.at)
        if index == count - 1:
            raise InputError(
                [
                    Problem(
                        source, None, "--at", f"{options.at} is the file's last month: no months after it to forecast"
                    )
                ]
            )
        return [index], min(options.months, count - 1 - index)
    first = MIN_HISTORY_MONTHS - 1
    last = count - 1 - options.months
    if last < first:
        raise InputError(
            [
                Problem(
                    source,
                    None,
                    "--rolling",
                    f"needs at least {MIN_HISTORY_MONTHS} months of history and {options.months} after a cut-off "
                    f"({MIN_HISTORY_MONTHS + options.months} months), the file has {count} ({months[0]}..{months[-1]})",
                )
            ]
        )
    return list(range(first, last + 1)), options.months


def actual_series(ledger: Ledger) -> dict[str, np.ndarray]:
    """The ledger's four series month by month (SPEC 6's definitions, as ``saas-sim metrics``)."""
    moves = movements(active_months(ledger))
    return {name: moves[name] for name in SERIES}


def forecast_paths(ledger: Ledger, cutoff: str, months: int, options: BacktestOptions) -> dict[str, np.ndarray]:
    """Calibrate as of ``cutoff`` and simulate ``months`` months: each series' paths ``(paths, months)``."""
    from saas_sim.analysis.calibrate import CalibrateOptions, calibrate_ledger
    from saas_sim.engine.simulate import simulate_per_path

    calibration = calibrate_ledger(
        ledger,
        CalibrateOptions(
            spend_monthly=options.spend_monthly,
            segment_by=options.segment_by,
            as_of=cutoff,
            horizon=months,
            paths=options.paths,
            seed=options.seed,
        ),
    )
    scenario = calibration.scenario
    scenario = dataclasses.replace(
        scenario,
        horizon_months=months,
        simulation=dataclasses.replace(scenario.simulation, paths=options.paths, seed=options.seed),
    )
    company, _ = simulate_per_path(scenario)
    return {name: np.asarray(company["series"][name], dtype=float) for name in SERIES}


@dataclass(frozen=True)
class Backtest:
    """The scores of every cut-off, and what they say."""

    source: str
    options: BacktestOptions
    months: int  # forecast after each cut-off
    cutoffs: tuple[CutoffScore, ...]

    @property
    def verdict(self) -> Verdict:
        return verdict(self.cutoffs)

    def to_json(self, detail: bool = True) -> dict[str, Any]:
        """SPEC 6.4's document ``{"cutoffs", "series": {name: {coverage_80, coverage_90, mape_p50, pit}}}`` and
        beside it the run's settings, the verdict and (``detail``) every cut-off's bands and actuals."""
        said = self.verdict
        document: dict[str, Any] = {
            "cutoffs": [c.cutoff for c in self.cutoffs],
            "series": {name: pooled(self.cutoffs, name) for name in SERIES},
            "months": self.months,
            "paths": self.options.paths,
            "seed": self.options.seed,
            "verdict": {
                "word": said.word,
                "coverage_80": said.coverage_80,
                "coverage_90": said.coverage_90,
                "over_confident_after": None if said.collapse is None else said.collapse.last_good_month,
                "sentence": said.sentence,
            },
        }
        if detail:
            document["by_cutoff"] = [
                {
                    "cutoff": c.cutoff,
                    "months": list(c.months),
                    "series": {name: s.to_json() for name, s in c.series.items()},
                }
                for c in self.cutoffs
            ]
        return document


Forecaster = Callable[[Ledger, str, int, BacktestOptions], dict[str, np.ndarray]]


class BacktestRun:
    """A backtest as a generator of progress: iterate :meth:`progress` (``(cut-offs done, total)``), then read
    :attr:`result`.

    ``forecaster(ledger, cutoff, months, options)`` gives each cut-off's paths: :func:`forecast_paths` (calibrate,
    then simulate), or another model's, to hold it against the same actuals the same way.
    """

    def __init__(self, ledger: Ledger, options: BacktestOptions, forecaster: Forecaster | None = None):
        if (options.at is None) == (not options.rolling):
            raise ValueError("exactly one of at and rolling")
        self.ledger = ledger
        self.options = options
        self.forecaster = forecaster or forecast_paths
        self.indices, self.months = plan(ledger.months, options, ledger.source)
        self.result: Backtest | None = None

    def progress(self) -> Iterator[tuple[int, int]]:
        actual = actual_series(self.ledger)
        labels = self.ledger.months
        scores = []
        total = len(self.indices)
        yield 0, total
        for done, index in enumerate(self.indices, start=1):
            target = slice(index + 1, index + 1 + self.months)
            paths = self.forecaster(self.ledger, labels[index], self.months, self.options)
            forecast = Forecast(labels[index], labels[target], paths, {n: actual[n][target] for n in SERIES})
            scores.append(score(forecast))
            yield done, total
        self.result = Backtest(self.ledger.source, self.options, self.months, tuple(scores))


def backtest(ledger: Ledger, options: BacktestOptions, forecaster: Forecaster | None = None) -> Backtest:
    """:class:`BacktestRun` to the end."""
    run = BacktestRun(ledger, options, forecaster)
    for _ in run.progress():
        pass
    assert run.result is not None
    return run.result
