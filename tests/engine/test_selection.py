"""The compiled selection finds exactly the order statistics a full sort would, whatever the data's order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from saas_sim.engine.aggregate import PERCENTILES
from saas_sim.engine.selection import COUNTED_RANGE, SMALL, column_statistics

QUANTILES = np.array(PERCENTILES)


def by_sorting(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same statistics the straightforward way: sort each column's finite values."""
    counts, means, quantiles = [], [], []
    for column in values.T:
        finite = np.sort(column[np.isfinite(column)])
        n = finite.size
        counts.append(n)
        means.append(finite.mean() if n else np.nan)
        row = []
        for q in QUANTILES:
            if n == 0:
                row.append(np.nan)
                continue
            position = q / 100.0 * (n - 1)
            below = int(np.floor(position))
            low, high = finite[below], finite[min(below + 1, n - 1)]
            row.append(low + (high - low) * (position - below))
        quantiles.append(row)
    return np.array(counts), np.array(means), np.array(quantiles).T


def check(values: np.ndarray) -> None:
    counts, means, quantiles = column_statistics(np.ascontiguousarray(values, dtype=float), QUANTILES)
    expected_counts, expected_means, expected_quantiles = by_sorting(values)
    np.testing.assert_array_equal(counts, expected_counts)
    np.testing.assert_array_equal(quantiles, expected_quantiles)  # exact: the same order statistics
    # Sums in another order round apart by up to about n ε Σ|x|: a mean that cancels to 0 in sorted
    # order (-1, 2e-22, 1) is 7e-23 in the paths' order (1, -1, 2e-22).
    scale = np.array([np.abs(c[np.isfinite(c)]).mean() if np.isfinite(c).any() else 0.0 for c in values.T])
    for got, want, size in zip(means, expected_means, scale):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * size, equal_nan=True)


# Columns long enough to go through the sampled buckets, drawn from few values (ties) or many.
elements = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0, np.nan, np.inf]),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4 * SMALL), st.integers(1, 3)), elements=elements))
def test_percentiles_are_those_of_a_full_sort(values):
    check(values)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(SMALL, 20_000), st.sampled_from(["floats", "few", "counts"]))
def test_long_columns_of_every_kind(seed, paths, kind):
    rng = np.random.default_rng(seed)
    if kind == "floats":
        values = rng.lognormal(0.0, 2.0, (paths, 2))
    elif kind == "few":
        values = rng.integers(0, 3, (paths, 2)).astype(float)
    else:
        values = rng.poisson(4.0, (paths, 2)).astype(float)
    values[rng.random((paths, 2)) < 0.05] = np.nan
    check(values)


@pytest.mark.parametrize("order", ["ascending", "descending", "organ pipe", "equal", "two values", "spikes"])
def test_orders_that_defeat_a_sample(order):
    """Data in an order the evenly spaced sample misjudges: still exact (only slower)."""
    n = 20_000
    ramp = np.arange(n, dtype=float)
    values = {
        "ascending": ramp,
        "descending": ramp[::-1],
        "organ pipe": np.concatenate([ramp[: n // 2], ramp[: n // 2][::-1]]),
        "equal": np.full(n, 7.0),
        "two values": (ramp % 97 == 0).astype(float),
        "spikes": np.where(ramp % 2 == 0, 1e12, ramp),
    }[order]
    check(values[:, None])


def test_columns_without_finite_values():
    values = np.array([[np.nan, np.inf, 1.0], [-np.inf, np.nan, 2.0]])
    counts, means, quantiles = column_statistics(values, QUANTILES)
    assert counts.tolist() == [0, 0, 2]
    assert np.isnan(means[:2]).all() and means[2] == 1.5
    assert np.isnan(quantiles[:, :2]).all()
    assert quantiles[:, 2].tolist() == [1.05, 1.1, 1.5, 1.9, 1.95]


@pytest.mark.parametrize("order", ["random", "sawtooth", "descending"])
def test_many_percentiles_at_once(order):
    """Scratch space and the stack are sized from the number of ranks: 99 percentiles work too."""
    n = 30_000
    values = {
        "random": np.random.default_rng(3).lognormal(0.0, 1.0, n),
        "sawtooth": np.arange(n, dtype=float) % 1_000,
        "descending": np.arange(n, dtype=float)[::-1],
    }[order][:, None]
    percentiles = np.arange(1.0, 100.0)
    _, _, quantiles = column_statistics(values, percentiles)
    np.testing.assert_array_equal(quantiles[:, 0], np.percentile(values[:, 0], percentiles, method="linear"))


@pytest.mark.parametrize("low,span", [(0.0, COUNTED_RANGE - 1), (-3.0, COUNTED_RANGE), (2.0**60, 256 * 10), (7.0, 1)])
def test_whole_numbers_are_tallied_exactly(low, span):
    """Counts of accounts are whole numbers in a narrow range: tallied, with the same answer as a sort."""
    rng = np.random.default_rng(11)
    step = 256.0 if low >= 2.0**60 else 1.0
    values = low + step * rng.integers(0, int(span / step) + 1, (5_000, 3)).astype(float)
    values[::17, 1] = np.nan
    check(values)


def test_a_histogram_bin_holding_almost_every_value_is_looked_into_exactly():
    """Most values in one bin of the histogram (a spike next to far outliers): the ranks inside it are
    selected among its values; a span no double holds (-1e308 to 1e308) goes straight to selection."""
    rng = np.random.default_rng(4)
    spike = 1.0 + rng.random(5_000) * 1e-9
    outliers = np.array([-1e12, 1e12, 5e11, -3e11])
    check(np.concatenate([spike, outliers])[rng.permutation(5_004)][:, None])
    wide = np.concatenate([rng.normal(size=3_000), [-1e308, 1e308]])[:, None]
    np.testing.assert_array_equal(column_statistics(wide, QUANTILES)[2], by_sorting(wide)[2])
    # a column of few distinct values that are not whole numbers: bins hold long runs of ties
    check(rng.choice([0.5, 1.5, 2.25, 1e6 + 0.5], size=(4_000, 3)))
