"""The generated histories follow the model (tests/histories.py), and ``fit`` recovers their true churn.

Seeds are fixed: each test is deterministic.  benchmarks/recovery.py prints the same comparison for more seeds
and parameter sets.
"""

from __future__ import annotations

import numpy as np
import pytest

from saas_sim.analysis.fit import fit_sbg
from saas_sim.analysis.ledger_metrics import active_months, movements
from saas_sim.io.cohorts import dense_ledger, ledger_cohorts
from saas_sim.io.ledger import parse_ledger
from tests.histories import History, generate, generated_ledger


def _fit(history: History, seed: int):
    ledger = generated_ledger(history, seed)
    return fit_sbg(ledger_cohorts(ledger.source, dense_ledger(ledger)).active)


@pytest.mark.parametrize("seed", range(3))
def test_sbg_parameters_are_recovered_within_their_intervals(seed):
    truth = History(months=36, alpha=1.2, beta=30.0, new_per_month=60.0)
    fit = _fit(truth, seed)
    for estimate, value in ((fit.alpha, 1.2), (fit.beta, 30.0), (fit.mean_churn, truth.mean_churn)):
        assert estimate.low is not None and estimate.high is not None
        assert estimate.low <= value <= estimate.high, (seed, estimate, value)
    assert fit.heterogeneity_matters  # 2,000 accounts over 36 months tell the sBG from constant churn


@pytest.mark.parametrize("seed", range(2))
def test_constant_churn_is_recovered_and_heterogeneity_not_claimed(seed):
    truth = History(months=36).constant(0.03)
    fit = _fit(truth, seed)
    assert fit.mean_churn.low is not None and fit.mean_churn.high is not None
    assert fit.mean_churn.low <= 0.03 <= fit.mean_churn.high
    assert not fit.heterogeneity_matters


def test_strong_heterogeneity_is_recovered_on_most_seeds():
    """Nominal 95 % intervals: on 6 seeds at least 4 cover each parameter (chance alone: 0.2 % to fail)."""
    truth = History(months=36, alpha=0.6, beta=10.0, new_per_month=80.0)
    covered = {"alpha": 0, "beta": 0, "mean_churn": 0}
    for seed in range(6):
        fit = _fit(truth, seed)
        for name, value in (("alpha", 0.6), ("beta", 10.0), ("mean_churn", truth.mean_churn)):
            estimate = getattr(fit, name)
            covered[name] += int(estimate.low <= value <= estimate.high)
    assert min(covered.values()) >= 4, covered


def _series(history: History, seed: int) -> dict[str, np.ndarray]:
    return movements(active_months(generated_ledger(history, seed)))


def test_monthly_churn_and_signups_have_their_true_rates():
    history = History(months=60, new_per_month=200.0).constant(0.05)
    series = _series(history, 3)
    churned, base = series["churned_customers"][1:].sum(), series["customers"][:-1].sum()
    assert churned / base == pytest.approx(0.05, rel=0.05)
    assert series["new_customers"][1:].mean() == pytest.approx(200.0, rel=0.03)


def test_annual_contracts_churn_only_at_their_renewals():
    rows = generate(History(months=40, contract_months=12, starting_customers=300).constant(0.03), 1)
    ledger = rows.ledger()
    first = np.full(len(ledger.customer_ids), 99)
    np.minimum.at(first, ledger.customer, ledger.month)
    last = np.zeros(len(ledger.customer_ids), dtype=np.int64)
    np.maximum.at(last, ledger.customer, ledger.month)
    left = last < 39
    tenure_at_churn = last[left] + 1 - first[left]
    assert left.sum() > 50
    assert (tenure_at_churn % 12 == 0).all()


def test_expansion_grows_each_survivor_alike():
    history = History(months=6, expansion=0.03, contraction=0.01).constant(0.02)
    series = _series(history, 0)
    previous_mrr = series["mrr"][:-1]
    survivors_mrr = previous_mrr - series["churned_mrr"][1:]
    assert np.allclose(series["expansion_mrr"][1:], 0.02 * survivors_mrr)
    assert (series["contraction_mrr"] == 0).all()


def test_regime_change_doubles_churn_from_its_month():
    history = History(months=48, new_per_month=300.0, churn_doubles_from=24).constant(0.03)
    series = _series(history, 2)
    rate = series["churned_customers"][1:] / series["customers"][:-1]
    assert rate[:23].mean() == pytest.approx(0.03, rel=0.1)
    assert rate[23:].mean() == pytest.approx(0.06, rel=0.1)


def test_the_csv_reads_back_as_the_same_ledger():
    rows = generate(History(months=8, expansion=0.013), 5)
    direct = movements(active_months(rows.ledger()))
    read = movements(active_months(parse_ledger(rows.csv(), "generated.csv")))
    for name in ("customers", "new_customers", "churned_customers"):
        assert np.array_equal(direct[name], read[name])
    assert np.allclose(direct["mrr"], read["mrr"], atol=0.01 * len(rows.mrr))


def test_the_same_seed_gives_the_same_history():
    a, b = generate(History(months=12), 9), generate(History(months=12), 9)
    assert np.array_equal(a.customer, b.customer) and np.array_equal(a.mrr, b.mrr)
    assert not np.array_equal(generate(History(months=12), 10).customer, a.customer)
