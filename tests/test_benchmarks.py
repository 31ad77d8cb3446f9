"""The benchmark's reference simulates the same model as the engine (or its ratio means nothing)."""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from cases import CASES
from reference import simulate_reference

from saas_sim.engine.simulate import simulate_per_path


def test_reference_and_engine_agree_on_mean_mrr():
    _, large = CASES["a"]
    small = dataclasses.replace(large, horizon_months=24, simulation=dataclasses.replace(large.simulation, paths=3000))
    engine, _ = simulate_per_path(small)
    reference = simulate_reference(small, seed=5)
    for month in (0, 11, 23):
        a, b = engine["series"]["mrr"][:, month], reference["mrr"][:, month]
        se = math.hypot(a.std(ddof=1) / math.sqrt(a.size), b.std(ddof=1) / math.sqrt(b.size))
        assert abs(a.mean() - b.mean()) < 5 * se, month
    assert np.isfinite(reference["cash"]).all()
