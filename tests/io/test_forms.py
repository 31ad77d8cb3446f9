"""Switching a segment's acquisition and churn forms keeps CAC and first-period churn."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_sim.io.forms import central, churn_form, with_acquisition_form, with_churn_form

SEGMENT = {
    "name": "SMB",
    "spend_share": 1.0,
    "cac": 1_500.0,
    "arpa_monthly": 100.0,
    "contract_months": 1,
    "churn": {"monthly": 0.03, "heterogeneity": 0.0},
}


def period_churn(segment: dict) -> float:
    churn, months = segment["churn"], segment["contract_months"]
    if "alpha" in churn:
        return churn["alpha"] / (churn["alpha"] + churn["beta"])
    if "annual" in churn:
        return 1 - (1 - churn["annual"]) ** (months / 12)
    return 1 - (1 - churn["monthly"]) ** months


def test_cac_to_funnel_and_back():
    funnel = with_acquisition_form(SEGMENT, "funnel")
    assert "cac" not in funnel
    f = funnel["funnel"]
    assert f["cost_per_lead"] / (f["lead_to_trial"] * f["trial_to_paid"]) == pytest.approx(1_500)
    assert with_acquisition_form(funnel, "cac")["cac"] == pytest.approx(1_500)
    assert list(funnel) == [*list(SEGMENT)[:2], "funnel", *list(SEGMENT)[3:]]  # the key keeps its place


@given(
    monthly=st.floats(0.001, 0.5),
    heterogeneity=st.floats(0.0, 0.9),
    months=st.sampled_from([1, 3, 12, 24]),
    path=st.lists(st.sampled_from(["monthly", "annual", "alpha_beta"]), min_size=1, max_size=4),
)
def test_every_churn_form_keeps_the_first_period_churn(monthly, heterogeneity, months, path):
    segment = {**SEGMENT, "contract_months": months, "churn": {"monthly": monthly, "heterogeneity": heterogeneity}}
    expected = period_churn(segment)
    for form in path:
        segment = with_churn_form(segment, form)
        assert churn_form(segment) == form
        assert period_churn(segment) == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_central_of_distributions():
    assert central({"dist": "lognormal", "p5": 0.02, "p95": 0.04}, 0) == pytest.approx(0.03)
    assert central({"dist": "normal", "mean": 5, "sd": 1}, 0) == 5
    assert central(None, 7) == 7
