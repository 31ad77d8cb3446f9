"""The diagnosis of SPEC 3.4: the company summary held against the founding
literature's benchmarks, and the one focus that matters most now.

Order of the literature: retention first, then acquisition efficiency, then
lifetime value and cash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from saas_sim.model.catalog.metrics import METRICS, NEVER_SUMMARY, Statistic
from saas_sim.model.result import Diagnosis, DiagnosisCheck, SummaryStatistic

Status = str  # "ok" | "warn" | "bad" | "n/a"


@dataclass(frozen=True)
class Check:
    """A benchmark of SPEC 3.4: the grade of a summary metric's statistic, which way is better as the catalog says."""

    metric: str
    grade: Callable[[float], Status]
    advice: dict[Status, str]

    @property
    def statistic(self) -> Statistic:
        """The statistic a user reads of the metric: its p50, or the mean of a 0/1 metric (the probability)."""
        return METRICS[self.metric].statistic


def _grade_churn(v: float) -> Status:
    return "ok" if v < 0.10 else ("warn" if v <= 0.30 else "bad")


def _grade_nrr(v: float) -> Status:
    return "ok" if v >= 1.0 else ("warn" if v >= 0.90 else "bad")


def _grade_ltv_cac(v: float) -> Status:
    return "ok" if v >= 3.0 else ("warn" if v >= 1.0 else "bad")


def _grade_payback(v: float) -> Status:
    return "ok" if v <= 12 else ("warn" if v <= 24 else "bad")


def _grade_out_of_cash(v: float) -> Status:
    return "ok" if v <= 0.10 else ("warn" if v <= 0.50 else "bad")


def _grade_burn(v: float) -> Status:
    return "ok" if v <= 1.5 else ("warn" if v <= 3.0 else "bad")


# Where each check's grade changes (SPEC 3.4): the boundaries a map draws between ok, warn and bad.
BOUNDARIES: dict[str, tuple[float, float]] = {
    "annualized_logo_churn_end": (0.10, 0.30),
    "nrr_12m_end": (0.90, 1.00),
    "ltv_cac": (1.0, 3.0),
    "payback_months_with_churn": (12.0, 24.0),
    "out_of_cash": (0.10, 0.50),
    "burn_multiple": (1.5, 3.0),
}


CHECKS = (
    Check(
        "annualized_logo_churn_end",
        _grade_churn,
        {
            "ok": "Annual logo churn is under 10%: the bucket holds water.",
            "warn": "Between 10% and 30% of customers leave each year: fix onboarding and retention before pouring in more spend.",
            "bad": "Over 30% of customers leave each year: a leaky bucket; every acquisition dollar drains away, fix churn first.",
            "n/a": "Needs a horizon of at least 12 months.",
        },
    ),
    Check(
        "nrr_12m_end",
        _grade_nrr,
        {
            "ok": "Net revenue retention is at or above 100%: expansion outgrows churn (healthy is 120% or more).",
            "warn": "Net revenue retention is 90-100%: existing customers shrink slightly; grow expansion or cut churn.",
            "bad": "Net revenue retention is under 90%: the installed base loses revenue fast; retention comes before growth.",
            "n/a": "Needs a horizon of at least 12 months.",
        },
    ),
    Check(
        "ltv_cac",
        _grade_ltv_cac,
        {
            "ok": "LTV/CAC is 3 or more: each customer returns well over what it costs to win.",
            "warn": "LTV/CAC is between 1 and 3: customers pay back, but thinly; lower CAC or raise lifetime value.",
            "bad": "LTV/CAC is under 1: every new customer destroys value; stop scaling spend until CAC or LTV improves.",
            "n/a": "Lifetime value or CAC is undefined.",
        },
    ),
    Check(
        "payback_months_with_churn",
        _grade_payback,
        {
            "ok": "CAC is earned back within 12 months, churn included (target 6).",
            "warn": "CAC takes 12-24 months to earn back: cash is tied up; improve conversion or pricing.",
            "bad": "CAC takes over 24 months to earn back, or never: acquisition is financed by investors, not customers.",
            "n/a": "Payback is undefined.",
        },
    ),
    Check(
        "out_of_cash",
        _grade_out_of_cash,
        {
            "ok": "At most a 10% chance of running out of cash over the horizon.",
            "warn": "A 10-50% chance of running out of cash: plan funding or slow the burn.",
            "bad": "More likely than not to run out of cash: cut burn or raise money now.",
            "n/a": "No cash projection.",
        },
    ),
    Check(
        "burn_multiple",
        _grade_burn,
        {
            "ok": "Burn multiple is 1.5 or less: growth is bought efficiently.",
            "warn": "Burn multiple is 1.5-3: each dollar of new ARR costs up to three of burn.",
            "bad": "Burn multiple is over 3: growth is too expensive; fix efficiency before spending more.",
            "n/a": "Needs ARR growth over the last 12 months (and a horizon over 12 months).",
        },
    ),
)

BURN_UNFUNDED = (
    "The burn buys ARR cheaply, but more likely than not the cash runs out first: growth the money does "
    "not last for is not efficient; fund it or slow it."
)


def _mostly_out_of_cash(summary: Mapping[str, SummaryStatistic]) -> bool:
    """Whether most paths run out of cash (the mean of out_of_cash, its probability, over 50 %)."""
    probability = summary["out_of_cash"].mean
    return probability is not None and probability > 0.5


# When neither retention check could be graded (a horizon under 12 months), the other
# focuses must not claim that retention is sound.
FOCUS_ADVICE_RETENTION_UNJUDGED = {
    "acquisition": "Retention cannot be judged in under 12 months (simulate at least 12); of the rest, "
    "acquisition comes first: lower CAC and shorten payback.",
    "cash": "Retention cannot be judged in under 12 months (simulate at least 12); of the rest, "
    "cash comes first: fund the plan or slow the burn.",
    "scale": "Retention cannot be judged in under 12 months (simulate at least 12); everything else looks healthy.",
}

FOCUS_ADVICE = {
    "retention": "Fix retention first: churn and net revenue retention decide whether growth compounds or leaks.",
    "acquisition": "Retention is sound; now make acquisition efficient: lower CAC and shorten payback.",
    "cash": "Unit economics work; manage cash: fund the plan or slow the burn so the company survives to harvest them.",
    "scale": "Retention, acquisition and cash all look healthy: grow lifetime value and scale spend.",
}


def diagnosis_of(summary: Mapping[str, SummaryStatistic]) -> Diagnosis:
    """Grade the company summary (the statistics a result shows) and pick the focus."""
    checks = []
    status: dict[str, Status] = {}
    for check in CHECKS:
        stats = summary[check.metric]
        value = stats.stat(check.statistic)
        never = None
        if check.metric in NEVER_SUMMARY:  # the statistic the result shows: never counts (SPEC 3.2)
            never = stats.never
            if value is None and never:  # the p50 lands on a path that never pays back
                value = math.inf
        advice = None
        if value is None:
            grade, shown = "n/a", None
        else:
            grade = check.grade(value)
            shown = value if math.isfinite(value) else None
            if check.metric == "burn_multiple" and grade != "bad" and _mostly_out_of_cash(summary):
                # Growth the money does not last for is not efficient, however little it burns per
                # dollar of new ARR (issue 18: a workshop room noticed the contradiction).
                grade, advice = "bad", BURN_UNFUNDED
        status[check.metric] = grade
        # never: the share of paths that never pay back; value null with it > 0: never
        checks.append(
            DiagnosisCheck(
                check.metric,
                check.statistic,
                shown,
                grade,
                advice or check.advice[grade],
                never=never,
                counts_never=check.metric in NEVER_SUMMARY,
            )
        )
    not_ok = lambda *metrics: any(status[m] in ("warn", "bad") for m in metrics)  # noqa: E731
    if not_ok("annualized_logo_churn_end", "nrr_12m_end"):
        focus = "retention"
    elif not_ok("ltv_cac", "payback_months_with_churn"):
        focus = "acquisition"
    elif not_ok("out_of_cash", "burn_multiple"):
        focus = "cash"
    else:
        focus = "scale"
    advice = FOCUS_ADVICE[focus]
    if focus != "retention" and status["annualized_logo_churn_end"] == status["nrr_12m_end"] == "n/a":
        advice = FOCUS_ADVICE_RETENTION_UNJUDGED[focus]
    return Diagnosis(focus, advice, checks)


def grade(metric: str, value: float | None) -> Status | None:
    """The grade of SPEC 3.4 of ``metric``'s statistic ``value`` (``inf``: a payback that never comes), ``"n/a"``
    for None, and None when the diagnosis does not check the metric.  As :func:`diagnosis_of` grades it, except
    that the burn multiple is not made ``bad`` by the chance of running out of cash (one metric alone)."""
    check = next((c for c in CHECKS if c.metric == metric), None)
    if check is None:
        return None
    return "n/a" if value is None else check.grade(value)
