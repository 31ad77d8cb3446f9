"""Per-path parameter values: every number of a scenario, drawn once per path.

A fixed number stays a Python ``float``; an uncertain one becomes an array of
shape ``(paths,)``.  Uncertain values are drawn through a Gaussian copula
(SPEC 2.6): one standard normal per path and uncertain field, correlated by
the Cholesky factor of ``simulation.correlations``, mapped through the
field's quantile function and clipped into the field's valid range.  Without
correlations the copula is the identity and each field is an independent
draw from its distribution.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from saas_sim.model.catalog.fields import FieldRule
from saas_sim.model.paths import numbers
from saas_sim.model.scenario import Distribution, Number, Scenario
from saas_sim.model.uncertainty import Z_95, correlation_matrix

Value = float | np.ndarray


def iter_numbers(scenario: Scenario) -> Iterator[tuple[str, Number, FieldRule]]:
    """Every numeric field of the scenario that may be drawn, as ``(key, value, rule)``.

    Keys are dotted paths as in events (``segments.SMB.churn.monthly``);
    event values are keyed ``events[i].set.<path>`` and ``events[i].cash_in``
    (:func:`saas_sim.model.paths.numbers`, in its order: the order of the draws).
    Integer-only fields are left out: they are never uncertain.
    """
    return ((path, value, rule) for path, value, rule in numbers(scenario) if not rule.integer)


def quantile(dist: Distribution, z: npt.NDArray[np.float64]) -> np.ndarray:
    """Map standard normal draws ``z`` through the distribution's quantile function."""
    p = dict(dist.params)
    if dist.dist == "normal":
        return p["mean"] + p["sd"] * z
    if dist.dist == "lognormal":
        mu: float = 0.5 * (np.log(p["p5"]) + np.log(p["p95"]))
        sigma: float = (np.log(p["p95"]) - np.log(p["p5"])) / (2 * Z_95)
        return np.exp(mu + sigma * z)
    from scipy import special  # only scenarios with these distributions pay the import

    u: npt.NDArray[np.float64] = special.ndtr(z)
    if dist.dist == "uniform":
        return p["low"] + (p["high"] - p["low"]) * u
    if dist.dist == "triangular":
        low, mode, high = p["low"], p["mode"], p["high"]
        width = high - low
        split = (mode - low) / width if width > 0 else 0.0
        left = low + np.sqrt(u * width * (mode - low))
        right = high - np.sqrt((1 - u) * width * (high - mode))
        return np.where(u < split, left, right)
    if dist.dist == "beta":
        drawn: np.ndarray = special.betaincinv(p["alpha"], p["beta"], u)
        return drawn
    raise ValueError(f"unknown distribution {dist.dist!r}")


@dataclass(frozen=True)
class DrawnValues:
    """Every numeric field's value on each of ``paths`` paths."""

    paths: int
    values: dict[str, Value]

    def __getitem__(self, key: str) -> Value:
        return self.values[key]

    def get(self, key: str, default: Value | None = None) -> Value | None:
        return self.values.get(key, default)


def draw_values(scenario: Scenario, rng: np.random.Generator, paths: int) -> DrawnValues:
    """Draw every uncertain field once per path; fixed fields stay floats.

    Consumes exactly one ``standard_normal((paths, n_uncertain))`` from ``rng``.
    """
    numbers = list(iter_numbers(scenario))
    uncertain = [(key, value, rule) for key, value, rule in numbers if isinstance(value, Distribution)]
    values: dict[str, Value] = {key: float(value) for key, value, _ in numbers if not isinstance(value, Distribution)}
    if uncertain:
        z = rng.standard_normal((paths, len(uncertain)))
        if scenario.simulation.correlations:
            matrix = correlation_matrix(scenario.simulation.correlations, [key for key, _, _ in uncertain])
            z = z @ np.linalg.cholesky(matrix).T
        for column, (key, dist, rule) in enumerate(uncertain):
            low, high = rule.clip_bounds()
            with np.errstate(over="ignore"):  # a draw past the largest float is clipped like any other
                drawn = np.clip(quantile(dist, z[:, column]), low, high)
            if rule.whole:
                drawn = np.round(drawn)
            values[key] = drawn
    return DrawnValues(paths, values)
