"""Switch a segment between the equivalent forms SPEC 1 allows, keeping its meaning.

A segment gives its acquisition as a ``cac`` or a ``funnel``, and its churn
as ``monthly`` or ``annual`` (with ``heterogeneity``) or as the sBG
``alpha`` and ``beta``.  These functions rewrite a segment of the
normalized document from one form into another, with the values that give
the same first-period churn and the same CAC.  An uncertain value is
converted through its central value (the form's other fields are plain).
"""

from __future__ import annotations

import math
from typing import Any

ACQUISITION_FORMS = ("cac", "funnel")
CHURN_FORMS = ("monthly", "annual", "alpha_beta")
DEFAULT_HETEROGENEITY = 0.2  # when alpha and beta come from a homogeneous churn
MIN_HETEROGENEITY = 1e-6  # below this alpha + beta would overflow: taken as homogeneous
FUNNEL_LEAD_TO_TRIAL, FUNNEL_TRIAL_TO_PAID = 0.2, 0.1


def _tidy(value: float) -> float:
    """Ten significant digits: ``0.030000000000000027`` reads ``0.03``."""
    return float(f"{value:.10g}")


def central(value: object, default: float) -> float:
    """A plain number, or the centre of a distribution as the normalized document writes it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        for low, high in (("p5", "p95"), ("low", "high")):
            if low in value and high in value:
                return (float(value[low]) + float(value[high])) / 2
        for key in ("mean", "mode"):
            if key in value:
                return float(value[key])
        if "alpha" in value and "beta" in value:
            return float(value["alpha"]) / (float(value["alpha"]) + float(value["beta"]))
    return default


def acquisition_form(segment: dict[str, Any]) -> str:
    return "funnel" if "funnel" in segment else "cac"


def churn_form(segment: dict[str, Any]) -> str:
    churn = segment["churn"]
    return "alpha_beta" if "alpha" in churn else ("annual" if "annual" in churn else "monthly")


def with_acquisition_form(segment: dict[str, Any], form: str) -> dict[str, Any]:
    """The segment with its acquisition as ``cac`` or ``funnel``: CAC = cost per lead / (lead→trial × trial→paid)."""
    if form == acquisition_form(segment):
        return dict(segment)
    rebuilt: dict[str, Any] = {}
    for key, value in segment.items():
        if key in ("cac", "funnel"):
            if form == "funnel":
                cac = central(value, 1_000.0)
                rebuilt["funnel"] = {
                    "cost_per_lead": _tidy(cac * FUNNEL_LEAD_TO_TRIAL * FUNNEL_TRIAL_TO_PAID),
                    "lead_to_trial": FUNNEL_LEAD_TO_TRIAL,
                    "trial_to_paid": FUNNEL_TRIAL_TO_PAID,
                }
            else:
                funnel = value
                conversion = central(funnel["lead_to_trial"], 0.2) * central(funnel["trial_to_paid"], 0.1)
                rebuilt["cac"] = _tidy(central(funnel["cost_per_lead"], 1.0) / conversion)
        else:
            rebuilt[key] = value
    return rebuilt


def with_churn_form(segment: dict[str, Any], form: str) -> dict[str, Any]:
    """The segment with its churn in ``form``, giving the same mean churn at the first renewal.

    With C = ``contract_months``: period churn p = 1 - (1 - m)^C = 1 - (1 - a)^(C/12)
    = alpha / (alpha + beta); heterogeneity = 1 / (alpha + beta + 1).
    """
    if form == churn_form(segment):
        return dict(segment)
    churn = segment["churn"]
    months = int(segment.get("contract_months") or 1)
    if "alpha" in churn:
        alpha, beta = central(churn["alpha"], 1.0), central(churn["beta"], 20.0)
        period, heterogeneity = alpha / (alpha + beta), 1.0 / (alpha + beta + 1.0)
    else:
        heterogeneity = central(churn.get("heterogeneity", 0.0), 0.0)
        if "annual" in churn:
            period = 1 - (1 - central(churn["annual"], 0.3)) ** (months / 12)
        else:
            period = 1 - (1 - central(churn["monthly"], 0.03)) ** months
    if form == "monthly":
        new = {"monthly": _tidy(1 - (1 - period) ** (1 / months)), "heterogeneity": _tidy(heterogeneity)}
    elif form == "annual":
        new = {"annual": _tidy(1 - (1 - period) ** (12 / months)), "heterogeneity": _tidy(heterogeneity)}
    else:
        phi = heterogeneity if heterogeneity >= MIN_HETEROGENEITY else DEFAULT_HETEROGENEITY
        spread = 1 / phi - 1
        new = {"alpha": _tidy(period * spread), "beta": _tidy((1 - period) * spread)}
    assert all(math.isfinite(v) for v in new.values())
    return {**segment, "churn": new}
