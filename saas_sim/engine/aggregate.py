"""Statistics over paths: mean, p5, p10, p50, p90, p95 (and the standard error).

Values that are undefined on a path (``nan``, or ``inf`` such as a payback
that never happens) are left out of that statistic; where no path defines a
value the statistic is ``None``.  Outputs are plain Python floats and lists,
ready for JSON.
"""

from __future__ import annotations

import math

import numpy as np

STATS = ("mean", "p5", "p10", "p50", "p90", "p95")
PERCENTILES = (5.0, 10.0, 50.0, 90.0, 95.0)


def _clean(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _to_json(values: np.ndarray) -> list[float | None] | float | None:
    if values.ndim == 0:
        return None if np.isnan(values) else float(values)
    listed = values.tolist()
    if np.isnan(values).any():
        return [None if v != v else v for v in listed]
    return listed


def _quantiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the PERCENTILES over axis 0, leaving out ``nan`` and ``inf``.

    numpy's default linear interpolation between order statistics, column by
    column: the numbers of ``np.nanpercentile``, at a fraction of its cost.
    The order statistics are selected, not sorted, by a compiled kernel
    (:mod:`saas_sim.engine.selection`), imported only when statistics are due.
    """
    from saas_sim.engine.selection import column_statistics

    values = np.asarray(values, dtype=float)
    columns = np.ascontiguousarray(values.reshape(values.shape[0], -1))
    _, mean, quantiles = column_statistics(columns, np.array(PERCENTILES))
    return mean.reshape(values.shape[1:]), quantiles.reshape((len(PERCENTILES),) + values.shape[1:])


def describe(values: np.ndarray) -> dict[str, list[float | None] | float | None]:
    """Statistics over axis 0 of ``(paths,)`` or ``(paths, months)``."""
    mean, quantiles = _quantiles(np.asarray(values))
    out = {"mean": _to_json(mean)}
    for name, q in zip(STATS[1:], quantiles):
        out[name] = _to_json(q)
    return out


def describe_summary(values: np.ndarray) -> dict[str, float | None]:
    """Statistics of a per-path summary, with ``se``, the Monte-Carlo standard error of the mean."""
    out = describe(values)
    defined = _clean(values)
    defined = defined[~np.isnan(defined)]
    out["se"] = _standard_error(defined) if defined.size > 1 else None
    return out


def _standard_error(values: np.ndarray) -> float:
    """``std(ddof=1) / sqrt(n)``, on values scaled by a power of two to at most 1, so that squares
    cannot overflow; the scaling is exact, so the result is numpy's own to the bit."""
    largest = float(np.abs(values).max())
    if largest == 0.0:
        return 0.0
    scale = math.ldexp(1.0, math.frexp(largest)[1])
    return float(scale * (values / scale).std(ddof=1) / np.sqrt(values.size))


def median_counting_infinite(values: np.ndarray) -> float | None:
    """p50 where ``inf`` counts as a value (a payback that never happens), ``nan`` does not."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    big = np.finfo(float).max / 4
    median = float(np.percentile(np.where(np.isposinf(values), big, values), 50.0))
    return float("inf") if median >= big / 2 else median


TAIL_SHARE = 0.05  # p5 and p95 leave 5 % of the paths beyond them
TAIL_PATHS_MIN = 50  # fewer paths beyond a tail percentile than this, and it moves from seed to seed


def paths_beyond_tail(paths: int) -> int:
    """How many paths lie beyond p5 (and beyond p95): ``floor(0.05 × paths)``."""
    return int(paths * TAIL_SHARE)


def tails_unstable(paths: int) -> bool:
    """True when p5/p95 rest on fewer than ``TAIL_PATHS_MIN`` paths (under 1,000 paths)."""
    return paths_beyond_tail(paths) < TAIL_PATHS_MIN
