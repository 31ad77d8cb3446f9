"""Shared facts about uncertain values (SPEC 1 and 2.6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from saas_sim.model.scenario import Correlation

Z_95 = 1.6448536269514722  # standard normal quantile of 0.95: a 90 % interval is mean ± Z_95·sd


def correlation_matrix(correlations: Iterable[Correlation], fields: Sequence[str]) -> np.ndarray:
    """The Gaussian copula's correlation matrix over ``fields``: identity plus each ``rho``."""
    position = {field: i for i, field in enumerate(fields)}
    matrix = np.eye(len(fields))
    for corr in correlations:
        a, b = (position[field] for field in corr.between)
        matrix[a, b] = matrix[b, a] = corr.rho
    return matrix


def is_positive_definite(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True
