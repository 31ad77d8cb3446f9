"""Compiled statistics over paths: the mean and order statistics of each month's column.

Sorting a month's column of paths to read five percentiles off it costs
``n log n`` comparisons, and on random data half of them are mispredicted
branches.  Here each column is *selected*, not sorted:

1. A sample of the column, evenly spaced, is sorted, and around the place
   where each wanted rank should fall an interval ``[low, high]`` of sample
   values is taken (intervals that overlap merge).
2. One pass puts every value in its bucket, without a branch: below the
   first interval, inside it, between it and the next, ... Buckets keep the
   order of values, so the rank ``r`` lies in the bucket whose positions hold
   ``r``.
3. Only the buckets holding wanted ranks are looked into again, the same way.
   A bucket of equal values answers at once; a small one is answered by
   counting, for each value, the values below it; one that did not shrink
   (data in an order that defeats the sample) is sorted.

A column of whole numbers in a narrow range (counts of accounts) is simply
tallied.

The result is exact: the same order statistics as a full sort, whatever the
sample, which only decides how fast the answer comes.

The selection runs in the engine's compiled extension (``_kernels.pyx``,
without the GIL); this module is its Python face.
"""

from __future__ import annotations

import numpy as np

from saas_sim.engine._build import kernels as _kernels

SMALL: int = _kernels.SMALL  # a bucket this small is answered by counting, for every value, the values below it
SAMPLE: int = _kernels.SAMPLE  # the most values sampled
COUNTED_RANGE: int = _kernels.COUNTED_RANGE  # whole numbers spanning fewer values than this are tallied
MAX_DEPTH: int = _kernels.MAX_DEPTH  # a bucket this deep is sorted (only data in an order that defeats sampling)


def slack(ranks: int) -> int:
    """Scratch needed beyond the values: each level gathers at most ``2 ranks + 1`` buckets,
    writing one slot past each, and levels go at most ``MAX_DEPTH + 1`` deep."""
    return int(_kernels.slack(ranks))


def column_statistics(values: np.ndarray, percentiles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``values (paths, months)``: the count and mean of the finite values and their percentiles.

    Percentiles interpolate linearly between order statistics, as numpy's
    default method: position ``q / 100 * (count - 1)``.  Columns without a
    finite value get ``nan``.  Returns ``(count (months,), mean (months,),
    quantiles (len(percentiles), months))``.
    """
    values = np.asarray(values, dtype=np.float64)
    percentiles = np.ascontiguousarray(percentiles, dtype=np.float64)
    counts, means, quantiles = _kernels.column_statistics(values, percentiles)
    return counts, means, quantiles
