"""Statistics over paths agree with numpy's own and leave undefined values out."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from saas_sim.engine.aggregate import PERCENTILES, describe, describe_summary

values = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
    elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf)),
)


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


def test_standard_error_of_huge_values_is_finite():
    """Squaring 1e200 overflows; the standard error is still the right finite number."""
    summary = describe_summary(np.array([1e200, 3e200]))
    assert summary["se"] == pytest.approx(1e200)
    assert describe_summary(np.array([5.0, 5.0]))["se"] == 0.0
    assert describe_summary(np.array([1.7e308, 1.7e308]))["se"] == 0.0  # its power of two is beyond a float


def test_standard_error_is_numpys_own_to_the_bit():
    rng = np.random.default_rng(5)
    for values in (rng.normal(3.0, 2.0, 1000), rng.lognormal(0.0, 4.0, 999), rng.normal(0.0, 1e-9, 50)):
        assert describe_summary(values)["se"] == float(values.std(ddof=1) / np.sqrt(values.size))
    # where numpy's own squares underflow to 0, the scaled ones do not
    assert describe_summary(np.array([1e-300, 3e-300]))["se"] == pytest.approx(1e-300)


# -- never (SPEC 3.2) and conditional statistics -----------------------------------------------------


def test_a_payback_that_never_comes_counts_as_infinite_in_the_percentiles():
    values = np.array([5.0, 6.0, 7.0, 8.0] + [np.inf] * 6)
    out = describe_summary(values, never=True)
    assert out["never"] == pytest.approx(0.6)
    assert out["p50"] is None and out["p90"] is None and out["p95"] is None  # they land on never
    assert out["p5"] == pytest.approx(np.percentile([5, 6, 7, 8] + [1e300] * 6, 5))
    assert out["p10"] == pytest.approx(5.9)  # between two paths that pay back
    assert out["mean"] == 6.5 and out["se"] == pytest.approx(np.std([5, 6, 7, 8], ddof=1) / 2)
    # left out, as before, the same paths made the plan look fast
    assert describe_summary(values)["p50"] == 6.5


def test_a_percentile_between_a_payback_and_never_is_never():
    out = describe_summary(np.array([4.0, np.inf]), never=True)  # p50 halfway between 4 and never
    assert out["p50"] is None
    assert out["p5"] is None  # 5 % of the way to never is still never
    assert describe_summary(np.array([4.0, 4.0, np.inf]), never=True)["p50"] == 4.0


def test_never_is_not_undefined():
    out = describe_summary(np.array([np.nan, np.inf, np.inf, 3.0]), never=True)
    assert out["never"] == pytest.approx(2 / 3) and out["n"] == 3  # the undefined path is left out
    assert out["mean"] == 3.0 and out["se"] is None
    everywhere = describe_summary(np.full(5, np.inf), never=True)
    assert everywhere["never"] == 1.0 and everywhere["mean"] is None and everywhere["p50"] is None
    assert describe_summary(np.full(5, np.nan), never=True)["never"] is None


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 60), elements=st.one_of(st.floats(0.0, 700.0), st.just(np.nan))))
def test_without_never_the_statistics_are_the_same_to_the_bit(array):
    plain, counted = describe_summary(array), describe_summary(array, never=True)
    assert counted.pop("never") in (0.0, None)
    assert counted == plain


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.integers(1, 60), elements=st.one_of(st.floats(0.0, 700.0), st.just(np.nan), st.just(np.inf))
    )
)
def test_percentiles_with_never_are_numpys_with_never_as_the_largest_value(array):
    out = describe_summary(array, never=True)
    defined = array[~np.isnan(array)]
    if defined.size == 0:
        return
    big = 1e300
    expected = np.percentile(np.where(np.isinf(defined), big, defined), PERCENTILES)
    for name, value in zip(("p5", "p10", "p50", "p90", "p95"), expected):
        if value > 700.0:
            assert out[name] is None
        else:
            assert out[name] == pytest.approx(value, rel=1e-12, abs=1e-9)
    assert out["never"] == pytest.approx(np.isinf(defined).mean())


def test_a_statistic_of_fewer_paths_than_the_run_carries_its_count():
    assert "n" not in describe_summary(np.arange(100.0))
    cash_out = np.full(2000, np.nan)
    cash_out[[3, 17]] = [37.0, 38.0]
    out = describe_summary(cash_out)
    assert out["n"] == 2 and out["p50"] == 37.5
    assert describe_summary(np.full(10, np.nan))["n"] == 0


def test_a_series_carries_its_counts_only_where_a_month_rests_on_too_few_paths():
    values = np.ones((200, 3))
    assert "n" not in describe(values)
    values[:, 1] = np.nan
    assert "n" not in describe(values)  # undefined everywhere: null, not few
    values[:190, 2] = np.nan  # 10 paths define month 3
    assert describe(values)["n"] == [200, 0, 10]
    assert "n" not in describe(values[:20])  # a run of 20 paths: every statistic rests on few


@pytest.mark.parametrize("value", [1.5042252443900992, 4512.6757331702975, 0.1, -3.7e6])
def test_the_standard_error_of_a_metric_every_path_gives_alike_is_zero(value):
    """vicious-cycle's LTV/CAC is the same on all 2,000 paths: its se is 0, not 5e-18 of summing noise (issue 13, 4)."""
    assert describe_summary(np.full(2000, value))["se"] == 0.0
    assert describe_summary(np.array([value, np.nan, value, np.inf]))["se"] == 0.0
