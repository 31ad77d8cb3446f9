"""The compiled kernel's samplers and its independence from chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from saas_sim.engine import compiled, kernel
from saas_sim.engine.simulate import simulate_per_path
from tests.engine.test_properties import engine_scenarios

GRID = 20_000  # stratified uniforms: each k should be hit pmf(k) * GRID times, give or take one


def _counts(draw, support: int) -> np.ndarray:
    u = (np.arange(GRID) + 0.5) / GRID
    values = np.array([draw(x) for x in u])
    return np.bincount(values, minlength=support + 1)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), h=st.floats(1e-4, 0.999), u=st.floats(0.0, 1.0, exclude_max=True))
def test_binomial_below_the_small_mean_is_the_quantile_function(n, h, u):
    if n * h >= compiled.SMALL_MEAN:
        h = (compiled.SMALL_MEAN - 1) / n
    k = compiled.binomial(n, h, math.log1p(-h), u)
    cdf = stats.binom.cdf([k - 1, k], n, h)
    # the smallest k whose cdf reaches u (allowing the rounding of a sum of probabilities)
    assert cdf[0] < u + 1e-12 and u <= cdf[1] + 1e-12


@settings(max_examples=60, deadline=None)
@given(lam=st.floats(1e-6, compiled.SMALL_MEAN - 1e-6), u=st.floats(0.0, 1.0, exclude_max=True))
def test_poisson_below_the_small_mean_is_the_quantile_function(lam, u):
    k = compiled.poisson(lam, u)
    cdf = stats.poisson.cdf([k - 1, k], lam)
    assert cdf[0] < u + 1e-12 and u <= cdf[1] + 1e-12


@pytest.mark.parametrize("n,h", [(200, 0.3), (5_000, 0.03), (100_000, 0.5), (60, 0.9)])
def test_binomial_from_the_mode_has_the_exact_distribution(n, h):
    counts = _counts(lambda x: compiled.binomial(n, h, math.log1p(-h), x), n)
    expected = stats.binom.pmf(np.arange(n + 1), n, h) * GRID
    assert np.abs(counts - expected).max() <= 2.0


@pytest.mark.parametrize("lam", [30.0, 412.5, 1e6])
def test_poisson_from_the_mode_has_the_exact_distribution(lam):
    support = int(lam + 20 * math.sqrt(lam) + 20)
    counts = _counts(lambda x: compiled.poisson(lam, x), support)
    expected = stats.poisson.pmf(np.arange(support + 1), lam) * GRID
    assert np.abs(counts - expected).max() <= 2.0


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("h", [0.01, 0.5, 0.97])
def test_binomial_of_a_few_accounts_has_the_exact_distribution(n, h):
    """The first four probabilities are summed without a branch: right even where n < 4."""
    counts = _counts(lambda x: compiled.binomial(n, h, math.log1p(-h), x), n)
    expected = stats.binom.pmf(np.arange(n + 1), n, h) * GRID
    assert np.abs(counts - expected).max() <= 2.0
    assert compiled.binomial(n, h, math.log1p(-h), np.nextafter(1.0, 0.0)) <= n


def test_edge_probabilities():
    assert compiled.binomial(10, 0.0, 0.0, 0.99) == 0
    assert compiled.binomial(10, 1.0, -math.inf, 0.01) == 10
    assert compiled.binomial(0, 0.5, math.log(0.5), 0.7) == 0
    assert compiled.poisson(0.0, 0.99) == 0


def test_uniform_bound_covers_every_draw():
    # one starting group and floor((t-1)/C) cohorts renew at month t, plus two acquisition draws
    assert compiled.uniforms_per_path(3, [1]) == 3 * 3 + (0 + 1 + 2)
    assert compiled.uniforms_per_path(24, [12]) == 3 * 24 + 12


@settings(max_examples=10, deadline=None)
@given(scenario=engine_scenarios())
def test_results_do_not_depend_on_how_a_block_is_chunked(scenario):
    whole, _ = simulate_per_path(scenario, workers=1)
    original = kernel.CHUNK_UNIFORMS
    try:
        kernel.CHUNK_UNIFORMS = 1  # one path per kernel call, each with freshly drawn uniforms
        chunked, _ = simulate_per_path(scenario, workers=1)
    finally:
        kernel.CHUNK_UNIFORMS = original
    for name, values in whole["series"].items():
        np.testing.assert_array_equal(values, chunked["series"][name], err_msg=name)


def test_the_kernel_reads_parameters_where_the_catalog_puts_them_now():
    """numba freezes the parameter indices into its cached machine code (keyed on compiled.py alone):
    the code as compiled must agree with the catalog's order as it is now."""
    from saas_sim.engine import compiled

    assert compiled.compiled_layout() == compiled.LAYOUT


def test_a_kernel_compiled_with_an_older_parameter_order_is_compiled_again(monkeypatch):
    """A catalog reordered without touching compiled.py leaves a cache with the old indices: found
    and recompiled before the first block, never a silent wrong number."""
    from saas_sim.engine import compiled

    recompiled = []

    class Kernel:
        def __init__(self, name):
            self.name = name

        def recompile(self):
            recompiled.append(self.name)

    monkeypatch.setattr(compiled, "LAYOUT", (*compiled.LAYOUT[:-1], compiled.LAYOUT[-1] + 1))
    kernels = (Kernel("layout"), Kernel("simulate_paths"))
    assert compiled.ensure_current_layout(kernels) is True
    assert recompiled == ["layout", "simulate_paths"]
    monkeypatch.undo()
    recompiled.clear()
    assert compiled.ensure_current_layout(kernels) is False
    assert recompiled == []
