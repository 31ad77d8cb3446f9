"""The diagnosis of SPEC 3.4: thresholds, n/a, and the focus order."""

from __future__ import annotations

import numpy as np
import pytest

from saas_sim.analysis.diagnosis import CHECKS, diagnosis_of
from saas_sim.engine.aggregate import describe_summary
from saas_sim.model.catalog.metrics import NEVER_SUMMARY
from saas_sim.model.result import SummaryStatistic

HEALTHY = {
    "annualized_logo_churn_end": 0.05,
    "nrr_12m_end": 1.1,
    "ltv_cac": 4.0,
    "payback_months_with_churn": 8.0,
    "out_of_cash": 0.0,
    "burn_multiple": 1.0,
}


def diagnose(summary_per_path: dict[str, np.ndarray]) -> dict:
    """The diagnosis document of per-path values, described as a run describes them."""
    described = {
        check.metric: SummaryStatistic.from_json(
            describe_summary(summary_per_path[check.metric], never=check.metric in NEVER_SUMMARY)
        )
        for check in CHECKS
    }
    return diagnosis_of(described).to_json()


def summary(**changes) -> dict[str, np.ndarray]:
    values = {**HEALTHY, **changes}
    return {k: np.full(11, v, dtype=float) for k, v in values.items()}


def status(result, metric):
    return next(c["status"] for c in result["checks"] if c["metric"] == metric)


@pytest.mark.parametrize(
    "metric,value,expected",
    [
        ("annualized_logo_churn_end", 0.0999, "ok"),
        ("annualized_logo_churn_end", 0.10, "warn"),
        ("annualized_logo_churn_end", 0.30, "warn"),
        ("annualized_logo_churn_end", 0.31, "bad"),
        ("nrr_12m_end", 1.0, "ok"),
        ("nrr_12m_end", 0.9, "warn"),
        ("nrr_12m_end", 0.899, "bad"),
        ("ltv_cac", 3.0, "ok"),
        ("ltv_cac", 1.0, "warn"),
        ("ltv_cac", 0.99, "bad"),
        ("payback_months_with_churn", 12.0, "ok"),
        ("payback_months_with_churn", 24.0, "warn"),
        ("payback_months_with_churn", 25.0, "bad"),
        ("payback_months_with_churn", np.inf, "bad"),
        ("out_of_cash", 0.10, "ok"),
        ("out_of_cash", 0.5, "warn"),
        ("out_of_cash", 0.51, "bad"),
        ("burn_multiple", 1.5, "ok"),
        ("burn_multiple", 3.0, "warn"),
        ("burn_multiple", 3.1, "bad"),
        ("burn_multiple", np.nan, "n/a"),
        ("nrr_12m_end", np.nan, "n/a"),
    ],
)
def test_thresholds(metric, value, expected):
    result = diagnose(summary(**{metric: value}))
    assert status(result, metric) == expected
    check = next(c for c in result["checks"] if c["metric"] == metric)
    assert check["advice"] and "\n" not in check["advice"]
    if expected in ("n/a",) or not np.isfinite(value):
        assert check["value"] is None


def test_out_of_cash_uses_the_probability():
    values = summary()
    values["out_of_cash"] = np.array([1.0] * 3 + [0.0] * 7)  # 30 % of paths
    result = diagnose(values)
    assert status(result, "out_of_cash") == "warn"
    assert next(c["value"] for c in result["checks"] if c["metric"] == "out_of_cash") == pytest.approx(0.3)


def test_payback_that_never_happens_on_most_paths_is_bad():
    values = summary()
    values["payback_months_with_churn"] = np.array([5.0] * 4 + [np.inf] * 7)
    assert status(diagnose(values), "payback_months_with_churn") == "bad"


@pytest.mark.parametrize(
    "changes,focus",
    [
        ({}, "scale"),
        ({"burn_multiple": 5.0}, "cash"),
        ({"out_of_cash": 0.9, "ltv_cac": 2.0}, "acquisition"),
        ({"payback_months_with_churn": 30.0}, "acquisition"),
        ({"nrr_12m_end": 0.95, "ltv_cac": 0.5, "out_of_cash": 1.0}, "retention"),
        ({"annualized_logo_churn_end": 0.5}, "retention"),
        ({"annualized_logo_churn_end": np.nan, "nrr_12m_end": np.nan}, "scale"),
    ],
)
def test_focus_follows_the_literature_order(changes, focus):
    result = diagnose(summary(**changes))
    assert result["focus"] == focus
    assert result["advice"]


def test_a_short_horizon_never_claims_retention_is_sound():
    result = diagnose(summary(annualized_logo_churn_end=np.nan, nrr_12m_end=np.nan))
    assert result["focus"] == "scale"  # n/a does not count (SPEC 3.4) ...
    assert result["advice"].startswith("Retention cannot be judged")  # ... but the advice says so
    assert "healthy: grow" not in result["advice"]


def test_payback_check_reads_the_statistic_the_result_shows_and_says_never():
    from saas_sim.engine.aggregate import describe_summary

    values = summary()
    values["payback_months_with_churn"] = np.array([5.0] * 5 + [np.inf] * 6)
    check = next(c for c in diagnose(values)["checks"] if c["metric"] == "payback_months_with_churn")
    assert check["status"] == "bad" and check["value"] is None and check["never"] == pytest.approx(6 / 11)
    values["payback_months_with_churn"] = np.array([5.0] * 6 + [30.0] + [np.inf] * 4)
    check = next(c for c in diagnose(values)["checks"] if c["metric"] == "payback_months_with_churn")
    shown = describe_summary(values["payback_months_with_churn"], never=True)
    assert check["value"] == shown["p50"] == 5.0 and check["status"] == "ok"
    assert check["never"] == shown["never"] == pytest.approx(4 / 11)
    assert "never" not in next(c for c in diagnose(values)["checks"] if c["metric"] == "ltv_cac")


@pytest.mark.parametrize(
    "share,burn,expected", [(0.6, 0.5, "bad"), (0.6, 2.0, "bad"), (0.5, 0.5, "ok"), (0.4, 2.0, "warn")]
)
def test_a_burn_the_money_does_not_last_for_is_never_efficient(share, burn, expected):
    """Issue 18: a plan most of whose futures run out of cash is not 'buying growth efficiently', however
    little it burns per dollar of new ARR (the vicious cycle on borrowed money read burn 0.5x 'ok')."""
    values = summary(burn_multiple=burn)
    out = int(round(share * 10))
    values["out_of_cash"] = np.array([1.0] * out + [0.0] * (10 - out))
    result = diagnose(values)
    assert status(result, "burn_multiple") == expected
    check = next(c for c in result["checks"] if c["metric"] == "burn_multiple")
    assert check["value"] == pytest.approx(burn)  # the value stays what it is: only its grade changes
    if share > 0.5:
        assert "cash runs out first" in check["advice"]
    assert result["focus"] == "cash"
