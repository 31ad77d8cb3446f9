"""Statistics over paths: mean, p5, p10, p50, p90, p95 (and the standard error).

Values that are undefined on a path (``nan``) are left out of that
statistic; where no path defines a value the statistic is ``None``.  An
infinite value is left out too, except in a statistic that counts *never*
(SPEC 3.2: a payback that never comes), where it is the largest value: a
percentile that lands on it is ``None``, ``mean`` and ``se`` are over the
finite values, and ``never`` is the share of the defined paths that are
infinite.

A statistic computed from fewer paths than the run has (a conditional one,
such as ``cash_out_month`` over the paths that run out) carries ``n``, the
number of paths it rests on; a series carries ``n`` by month when a month's
statistics rest on fewer than ``TOO_FEW_PATHS`` paths of a run that has at
least that many.  Outputs are plain Python floats and lists, ready for JSON.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from saas_sim.model.result import STATS, SummaryStatistic

PERCENTILES = (5.0, 10.0, 50.0, 90.0, 95.0)
TOO_FEW_PATHS = 50  # a statistic resting on fewer paths than this (of a run of more) is no forecast
_NEVER = np.finfo(float).max / 4  # stands for +inf among the order statistics


def _clean(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _scalar(value: np.ndarray) -> float | None:
    """A 0-d statistic as JSON: a float, or None for nan."""
    return None if np.isnan(value) else float(value)


def _to_json(values: np.ndarray) -> list[float | None] | float | None:
    if values.ndim == 0:
        return _scalar(values)
    listed: list[float | None] = values.tolist()
    if np.isnan(values).any():
        return [None if v != v else v for v in listed]
    return listed


def _quantiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and the PERCENTILES over axis 0, leaving out ``nan`` and ``inf``.

    numpy's default linear interpolation between order statistics, column by
    column: the numbers of ``np.nanpercentile``, at a fraction of its cost.
    The order statistics are selected, not sorted, by a compiled kernel
    (:mod:`saas_sim.engine.selection`), imported only when statistics are due.
    """
    from saas_sim.engine.selection import column_statistics

    values = np.asarray(values, dtype=float)
    columns = np.ascontiguousarray(values.reshape(values.shape[0], -1))
    counts, mean, quantiles = column_statistics(columns, np.array(PERCENTILES))
    shape = values.shape[1:]
    return counts.reshape(shape), mean.reshape(shape), quantiles.reshape((len(PERCENTILES), *shape))


def too_few(count: int, paths: int) -> bool:
    """Whether a statistic of ``count`` paths, out of a run of ``paths``, rests on too few to be a forecast."""
    return 0 < count < TOO_FEW_PATHS <= paths


def rests_on_too_few(stats: SummaryStatistic, paths: int | None) -> bool:
    """Whether a summary statistic (a conditional one carries ``n``) rests on too few paths."""
    return paths is not None and stats.n is not None and too_few(stats.n, paths)


def describe(values: np.ndarray) -> dict[str, list[float | None] | float | None]:
    """Statistics over axis 0 of ``(paths,)`` or ``(paths, months)``.

    A series (2-D) whose statistics rest, in some month, on too few paths
    (:func:`too_few`) carries ``n``: the count of paths of each month.
    """
    values = np.asarray(values)
    counts, mean, quantiles = _quantiles(values)
    out = {"mean": _to_json(mean)}
    for name, q in zip(STATS[1:], quantiles):
        out[name] = _to_json(q)
    if values.ndim == 2 and any(too_few(int(c), values.shape[0]) for c in counts):
        out["n"] = counts.tolist()
    return out


def describe_summary(values: np.ndarray, *, never: bool = False) -> dict[str, float | None]:
    """Statistics of a per-path summary, with ``se``, the Monte-Carlo standard error of the mean.

    ``never``: an infinite value is a path where the metric never happens
    (counted as the largest value, see the module); the statistic then
    carries ``never``, the share of such paths (``None`` when no path defines
    the metric).  ``n`` is present when fewer paths than the run's define it.
    """
    values = np.asarray(values, dtype=float)
    infinite = np.isposinf(values) if never else None
    if infinite is not None and infinite.any():
        out, defined = _describe_with_never(values, infinite)
    else:
        out = cast(dict[str, float | None], describe(values))  # of 1-D values: every statistic a number or None
        finite = _clean(values)
        finite = finite[~np.isnan(finite)]
        out["se"] = _standard_error(finite) if finite.size > 1 else None
        defined = finite.size
        if never:
            out["never"] = 0.0 if defined else None
    if defined < values.shape[0]:
        out["n"] = int(defined)
    return out


def _describe_with_never(values: np.ndarray, infinite: np.ndarray) -> tuple[dict[str, float | None], int]:
    """:func:`describe_summary` of values some of which are ``inf`` (never); returns it and the defined count."""
    defined = ~np.isnan(values)
    paying = values[defined & ~infinite]
    count = int(defined.sum())
    _, _, quantiles = _quantiles(np.where(infinite, _NEVER, values))
    mean = _quantiles(paying)[1] if paying.size else np.array(np.nan)
    largest = paying.max() if paying.size else -math.inf
    out: dict[str, float | None] = {"mean": _scalar(mean)}
    for name, q in zip(STATS[1:], quantiles):
        # interpolating towards never with any weight lands beyond every payback: never
        out[name] = float(q) if q <= largest else None
    out["se"] = _standard_error(paying) if paying.size > 1 else None
    out["never"] = int(infinite.sum()) / count
    return out, count


def _standard_error(values: np.ndarray) -> float:
    """``std(ddof=1) / sqrt(n)``, on values scaled by a power of two to at most 1, so that squares
    cannot overflow; the scaling is exact, so the result is numpy's own to the bit.

    Values all alike (a metric every path gives the same) have an error of exactly 0, not the
    floating-point noise of their mean (5e-18 on vicious-cycle's LTV/CAC of 1.5).
    """
    if values.min() == values.max():
        return 0.0
    largest = float(np.abs(values).max())
    scale = math.ldexp(1.0, min(math.frexp(largest)[1], 1023))  # 2**1024 is beyond a float: scaled to <= 2
    return float(scale * (values / scale).std(ddof=1) / np.sqrt(values.size))


TAIL_SHARE = 0.05  # p5 and p95 leave 5 % of the paths beyond them
TAIL_PATHS_MIN = 50  # fewer paths beyond a tail percentile than this, and it moves from seed to seed


def paths_beyond_tail(paths: int) -> int:
    """How many paths lie beyond p5 (and beyond p95): ``floor(0.05 × paths)``."""
    return int(paths * TAIL_SHARE)


def tails_unstable(paths: int) -> bool:
    """True when p5/p95 rest on fewer than ``TAIL_PATHS_MIN`` paths (under 1,000 paths)."""
    return paths_beyond_tail(paths) < TAIL_PATHS_MIN
