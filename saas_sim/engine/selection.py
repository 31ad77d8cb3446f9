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
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SMALL = 96  # a bucket this small is answered by counting, for every value, the values below it
SAMPLE = 255  # the most values sampled
COUNTED_RANGE = 4096  # whole numbers spanning fewer values than this are tallied, not selected
MAX_DEPTH = 12  # a bucket this deep is sorted (reached only by data in an order that defeats sampling)


@njit(cache=True, nogil=True)
def slack(ranks: int) -> int:
    """Scratch needed beyond the values: each level gathers at most ``2 ranks + 1`` buckets,
    writing one slot past each, and levels go at most ``MAX_DEPTH + 1`` deep."""
    return (2 * ranks + 1) * (MAX_DEPTH + 2)


@njit(cache=True, nogil=True)
def _by_counting(
    src: np.ndarray, lo: int, hi: int, base: int, ranks: np.ndarray, rlo: int, rhi: int, found: np.ndarray
) -> None:
    """Ranks of a few values, without a branch to mispredict: value ``x`` holds the ranks from
    ``base + #(values < x)`` up to ``base + #(values <= x) - 1``."""
    for i in range(lo, hi):
        x = src[i]
        less = 0
        equal = 0
        for j in range(lo, hi):
            less += src[j] < x
            equal += src[j] == x
        first = base + less
        for r in range(rlo, rhi):
            if first <= ranks[r] < first + equal:
                found[r] = x


@njit(cache=True, nogil=True)
def _bucket(
    src: np.ndarray,
    dst: np.ndarray,
    lo: int,
    hi: int,
    base: int,
    ranks: np.ndarray,
    rlo: int,
    rhi: int,
    found: np.ndarray,
    depth: int,
    stack: np.ndarray,
    top: int,
    floats: np.ndarray,
    ints: np.ndarray,
) -> int:
    """Look into ``src[lo:hi]``, which holds exactly the values of ranks ``base..base + hi - lo - 1``.

    Answers the wanted ``ranks[rlo:rhi]`` (ascending, among those) into
    ``found``, or gathers the buckets that hold them into ``dst`` from ``lo``
    on (writing up to one slot past each) and pushes them onto ``stack``.
    Returns the new top of the stack.  ``floats`` and ``ints`` are scratch
    space, sized in :func:`_order_statistics`.
    """
    n = hi - lo
    if n <= SMALL:
        _by_counting(src, lo, hi, base, ranks, rlo, rhi, found)
        return top
    if depth >= MAX_DEPTH:
        ordered = np.sort(src[lo:hi])
        for i in range(rlo, rhi):
            found[i] = ordered[ranks[i] - base]
        return top
    k = min(SAMPLE, int(2.0 * math.sqrt(n)))
    sample = floats[:k]
    for i in range(k):
        sample[i] = src[lo + (2 * i + 1) * n // (2 * k)]
    sample.sort()

    # One interval per wanted rank, a standard deviation of its place in the sample either side.
    count = rhi - rlo
    low = floats[SAMPLE : SAMPLE + count]
    high = floats[SAMPLE + count : SAMPLE + 2 * count]
    m = 0
    for i in range(rlo, rhi):
        q = (ranks[i] - base + 0.5) / n
        centre = q * k
        spread = math.sqrt(k * q * (1.0 - q)) + 1.5
        first = int(math.floor(centre - spread))
        last = int(math.floor(centre + spread)) + 1
        below = -math.inf if first < 0 else sample[first]
        above = math.inf if last >= k else sample[last]
        if m > 0 and below <= high[m - 1]:
            high[m - 1] = max(high[m - 1], above)
        else:
            low[m] = below
            high[m] = above
            m += 1

    # Buckets in value order: below interval 0 (0), inside interval j (2j + 1), after it (2j + 2).
    # Their sizes, from counts that vectorize.
    at_least = ints[:m]
    beyond = ints[m : 2 * m]
    for j in range(m):
        ge = 0
        gt = 0
        lower = low[j]
        upper = high[j]
        for i in range(lo, hi):
            ge += src[i] >= lower
            gt += src[i] > upper
        at_least[j] = ge
        beyond[j] = gt
    buckets = 2 * m + 1
    sizes = ints[2 * m : 2 * m + buckets]
    sizes[0] = n - at_least[0]
    for j in range(m):
        sizes[2 * j + 1] = at_least[j] - beyond[j]
        sizes[2 * j + 2] = beyond[j] - (at_least[j + 1] if j + 1 < m else 0)

    # The buckets that hold wanted ranks, each as an inclusive range of values.
    at = 2 * m + buckets
    chosen = ints[at : at + buckets]
    bucket_base = ints[at + buckets : at + 2 * buckets]
    bucket_rlo = ints[at + 2 * buckets : at + 3 * buckets]
    bucket_rhi = ints[at + 3 * buckets : at + 4 * buckets]
    at = SAMPLE + 2 * count
    floor_value = floats[at : at + buckets]
    ceiling_value = floats[at + buckets : at + 2 * buckets]
    w = 0
    r = rlo
    first_rank = base
    for j in range(buckets):
        end_rank = first_rank + sizes[j]
        if r < rhi and ranks[r] < end_rank:
            chosen[w] = j
            bucket_base[w] = first_rank
            bucket_rlo[w] = r
            while r < rhi and ranks[r] < end_rank:
                r += 1
            bucket_rhi[w] = r
            if j % 2 == 1:
                floor_value[w] = low[j // 2]
                ceiling_value[w] = high[j // 2]
            else:
                floor_value[w] = -math.inf if j == 0 else np.nextafter(high[j // 2 - 1], math.inf)
                ceiling_value[w] = math.inf if j == buckets - 1 else np.nextafter(low[j // 2], -math.inf)
            if floor_value[w] == ceiling_value[w]:  # all equal: answered
                for i in range(bucket_rlo[w], r):
                    found[i] = floor_value[w]
            else:
                w += 1
        first_rank = end_rank

    # Gather them, packed one after another from lo, without a branch: every value is written to
    # the bucket's next slot, and the slot is kept only when the value belongs there.
    start = lo
    for v in range(w):
        cursor = start
        lower = floor_value[v]
        upper = ceiling_value[v]
        for i in range(lo, hi):
            x = src[i]
            dst[cursor] = x
            cursor += (x >= lower) & (x <= upper)
        start += sizes[chosen[v]] + 1

    # Pushed in value order, so they are popped from the highest: a bucket's own gathering spills
    # only onto higher slots, of buckets already done.
    start = lo
    for v in range(w):
        size = sizes[chosen[v]]
        stack[top, 0] = start
        stack[top, 1] = start + size
        stack[top, 2] = bucket_base[v]
        stack[top, 3] = bucket_rlo[v]
        stack[top, 4] = bucket_rhi[v]
        # A bucket that did not shrink is sorted next: MAX_DEPTH or one more, keeping the parity
        # of depth + 1, which tells where its values are (odd depths read b, even depths a).
        stack[top, 5] = depth + 1 if size < n else MAX_DEPTH + (depth + 1 - MAX_DEPTH) % 2
        top += 1
        start += size + 1
    return top


@njit(cache=True, nogil=True)
def _order_statistics(a: np.ndarray, b: np.ndarray, n: int, ranks: np.ndarray, found: np.ndarray) -> None:
    """``found[i]`` = the value of rank ``ranks[i]`` (ascending) among ``a[:n]``.

    ``a`` and ``b`` hold at least ``n + slack(len(ranks))`` values; both are overwritten.
    """
    # Each look pushes at most 2 ranks + 1 buckets and pops one, MAX_DEPTH + 1 levels deep.
    stack = np.empty(((2 * ranks.shape[0] + 1) * (MAX_DEPTH + 2), 6), np.int64)
    count = ranks.shape[0]
    floats = np.empty(SAMPLE + 2 * count + 2 * (2 * count + 1))
    ints = np.empty(2 * count + 5 * (2 * count + 1), np.int64)
    top = _bucket(a, b, 0, n, 0, ranks, 0, count, found, 0, stack, 0, floats, ints)
    while top > 0:
        top -= 1
        lo, hi, base, rlo, rhi, depth = stack[top]
        if depth % 2 == 1:  # odd depths read b, even depths a
            top = _bucket(b, a, lo, hi, base, ranks, rlo, rhi, found, depth, stack, top, floats, ints)
        else:
            top = _bucket(a, b, lo, hi, base, ranks, rlo, rhi, found, depth, stack, top, floats, ints)


@njit(cache=True, nogil=True)
def _by_tally(
    a: np.ndarray, n: int, smallest: float, span: int, ranks: np.ndarray, found: np.ndarray, tally: np.ndarray
) -> None:
    """Order statistics of whole numbers within ``span`` of ``smallest`` (counts of accounts, say):
    how many times each occurs, then the ranks read off the running total."""
    tally[:span] = 0
    for i in range(n):
        tally[int(a[i] - smallest)] += 1
    r = 0
    seen = 0
    for value in range(span):
        seen += tally[value]
        while r < ranks.shape[0] and ranks[r] < seen:
            found[r] = smallest + value
            r += 1
        if r == ranks.shape[0]:
            return


@njit(cache=True, nogil=True)
def column_statistics(values: np.ndarray, percentiles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``values (paths, months)``: the count and mean of the finite values and their percentiles.

    Percentiles interpolate linearly between order statistics, as numpy's
    default method: position ``q / 100 * (count - 1)``.  Columns without a
    finite value get ``nan``.  Returns ``(count (months,), mean (months,),
    quantiles (len(percentiles), months))``.
    """
    paths, months = values.shape
    nq = percentiles.shape[0]
    counts = np.zeros(months, np.int64)
    means = np.full(months, np.nan)
    quantiles = np.full((nq, months), np.nan)
    a = np.empty(paths + slack(2 * nq))
    b = np.empty(paths + slack(2 * nq))
    wanted = np.empty(2 * nq, np.int64)
    tally = np.empty(COUNTED_RANGE, np.int64)
    for col in range(months):
        n = 0
        total = 0.0
        smallest = math.inf
        largest = -math.inf
        whole = True
        for p in range(paths):
            x = values[p, col]
            if math.isfinite(x):
                a[n] = x
                total += x
                n += 1
                smallest = min(smallest, x)
                largest = max(largest, x)
                whole &= x == math.floor(x)
        counts[col] = n
        if n == 0:
            continue
        means[col] = total / n
        last = n - 1
        for q in range(nq):
            below = int(math.floor(percentiles[q] / 100.0 * last))
            wanted[2 * q] = below
            wanted[2 * q + 1] = min(below + 1, last)
        ranks = np.unique(wanted)
        found = np.empty(ranks.shape[0])
        if whole and largest - smallest < COUNTED_RANGE and n > SMALL:
            _by_tally(a, n, smallest, int(largest - smallest) + 1, ranks, found, tally)
        else:
            _order_statistics(a, b, n, ranks, found)
        for q in range(nq):
            position = percentiles[q] / 100.0 * last
            below = int(math.floor(position))
            above = min(below + 1, last)
            low = found[np.searchsorted(ranks, below)]
            high = found[np.searchsorted(ranks, above)]
            quantiles[q, col] = low + (high - low) * (position - below)
    return counts, means, quantiles
