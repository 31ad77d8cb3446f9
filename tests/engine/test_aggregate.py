"""Statistics over paths agree with numpy's own and leave undefined values out."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from saas_sim.engine.aggregate import PERCENTILES, describe, describe_summary, median_counting_infinite

values = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
                    elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf)))


@settings(max_examples=200, deadline=None)
@given(values)
def test_describe_matches_nanpercentile_and_nanmean(array):
    out = describe(array)
    clean = np.where(np.isfinite(array), array, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(clean, PERCENTILES, axis=0)
        mean = np.nanmean(clean, axis=0)
    for name, row in zip(("p5", "p10", "p50", "p90", "p95"), expected):
        got = np.array([np.nan if v is None else v for v in out[name]])
        np.testing.assert_allclose(got, row, rtol=1e-12, atol=1e-9, equal_nan=True)
    got_mean = np.array([np.nan if v is None else v for v in out["mean"]])
    np.testing.assert_allclose(got_mean, mean, rtol=1e-9, atol=1e-6, equal_nan=True)


def test_undefined_everywhere_is_null_and_se_needs_two_values():
    assert describe(np.full((4, 2), np.nan))["p50"] == [None, None]
    summary = describe_summary(np.array([np.nan, 3.0, np.inf]))
    assert summary["mean"] == 3.0 and summary["se"] is None
    assert describe_summary(np.array([1.0, 3.0]))["se"] == pytest.approx(1.0)


def test_median_counting_infinite():
    assert median_counting_infinite(np.array([1.0, np.inf, np.inf])) == float("inf")
    assert median_counting_infinite(np.array([1.0, 2.0, np.inf])) == 2.0
    assert median_counting_infinite(np.array([np.nan])) is None


def test_standard_error_of_huge_values_is_finite():
    """Squaring 1e200 overflows; the standard error is still the right finite number."""
    summary = describe_summary(np.array([1e200, 3e200]))
    assert summary["se"] == pytest.approx(1e200)
    assert describe_summary(np.array([5.0, 5.0]))["se"] == 0.0


def test_standard_error_is_numpys_own_to_the_bit():
    rng = np.random.default_rng(5)
    for values in (rng.normal(3.0, 2.0, 1000), rng.lognormal(0.0, 4.0, 999), rng.normal(0.0, 1e-9, 50)):
        assert describe_summary(values)["se"] == float(values.std(ddof=1) / np.sqrt(values.size))
    # where numpy's own squares underflow to 0, the scaled ones do not
    assert describe_summary(np.array([1e-300, 3e-300]))["se"] == pytest.approx(1e-300)
