"""The histograms a report draws of where ARR and cash end (saas_sim.analysis.report)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from saas_sim.analysis.report import BINS, histogram_of

values = arrays(
    np.float64,
    st.integers(0, 400),
    elements=st.one_of(
        st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
        st.sampled_from([np.nan, np.inf, -np.inf, 0.0]),
    ),
)


@given(values)
def test_every_defined_path_is_counted_once_and_the_undefined_apart(sample):
    histogram = histogram_of(sample)
    finite = np.isfinite(sample)
    assert histogram.total == int(finite.sum())
    assert histogram.undefined == int((~finite).sum())
    assert all(count >= 0 for count in histogram.counts)
    if histogram.counts:
        assert len(histogram.edges) == len(histogram.counts) + 1
        assert all(b > a for a, b in zip(histogram.edges, histogram.edges[1:]))
        assert histogram.edges[0] <= np.median(sample[finite]) <= histogram.edges[-1]
        # what was folded into an end bar is no more than that bar holds
        assert histogram.clipped_low <= histogram.counts[0] and histogram.clipped_high <= histogram.counts[-1]


def test_a_few_extreme_paths_do_not_squeeze_the_rest_into_one_bar():
    rng = np.random.default_rng(3)
    sample = np.concatenate([rng.normal(1e6, 1e5, 5000), [1e12]])
    histogram = histogram_of(sample)
    assert histogram.clipped_high >= 1 and histogram.edges[-1] < 2e6
    assert sum(1 for count in histogram.counts if count > 0) > BINS // 2


def test_one_value_on_every_path_is_one_bar_around_it():
    histogram = histogram_of(np.full(100, 250_000.0))
    assert histogram.counts == [100] and histogram.edges[0] < 250_000 < histogram.edges[1]


def test_no_defined_value_draws_nothing():
    histogram = histogram_of(np.array([np.nan, np.inf]))
    assert histogram.counts == [] and histogram.undefined == 2
