"""A plain Monte-Carlo simulation of a scenario, written from SPEC section 2 alone.

Slow but clear, and independent of the engine: it shares none of the
engine's code (only the scenario types and the churn formulas of
:mod:`saas_sim.model.churn`), draws from its own ``numpy`` ``Generator``
with its own seed, and keeps every tenure group of every path as a column of
a ``(paths, groups)`` array.  The tests hold the engine's percentiles
against its paths (``tests/engine/test_independent.py``): a kernel that gets
every mean right but shares random numbers between groups or segments, or
loses a variance in an aggregation, moves the engine's p10/p90 away from
the quantiles of these paths.

Covered: starting groups (2.1), binomial churn at renewals with the sBG
hazard (2.2), expansion and contraction (2.3), Poisson paid and referral
acquisition with ``cac_elasticity`` and reinvested gross profit (2.4),
monthly and upfront collections and cash (2.5), uncertain values drawn once
per path (2.6, independent draws: no correlations).  Not covered, refused:
events, correlations, ``alpha``/``beta`` churn; ``starting_cohorts`` are starting groups as given.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass

import numpy as np

from saas_sim.model.churn import (
    hazard,
    period_churn_from_annual,
    period_churn_from_monthly,
    spread_from_heterogeneity,
)
from saas_sim.model.scenario import Distribution, Number, Scenario, Segment
from saas_sim.model.uncertainty import Z_95

Value = float | np.ndarray

# Fields whose valid range is 0..1 (SPEC 1): an uncertain draw is clipped into it.
RATES = {
    "monthly",
    "annual",
    "heterogeneity",
    "expansion_monthly",
    "contraction_monthly",
    "gross_margin",
    "referrals_monthly",
    "reinvest_gross_profit",
}


def draw(value: Number, name: str, rng: np.random.Generator, paths: int) -> Value:
    """A fixed number as it is; an uncertain one drawn once per path (SPEC 1, 2.6), clipped into its range."""
    if not isinstance(value, Distribution):
        return float(value)
    p = dict(value.params)
    z = rng.standard_normal(paths)
    if value.dist == "lognormal":  # "low..high" with low > 0: p5 = low, p95 = high
        mu = 0.5 * (np.log(p["p5"]) + np.log(p["p95"]))
        sigma = (np.log(p["p95"]) - np.log(p["p5"])) / (2 * Z_95)
        drawn = np.exp(mu + sigma * z)
    elif value.dist == "normal":
        drawn = p["mean"] + p["sd"] * z
    else:
        raise NotImplementedError(f"independent simulation: no {value.dist} draws")
    high = 1.0 if name in RATES else np.inf
    if name == "heterogeneity":
        high = np.nextafter(1.0, 0.0)
    return np.clip(drawn, 0.0, high)


def drawn_fields(obj: object, rng: np.random.Generator, paths: int) -> dict[str, Value]:
    """Every numeric field of a dataclass (one level), drawn per path where uncertain."""
    assert is_dataclass(obj)
    out: dict[str, Value] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, (float, int, Distribution)) and not isinstance(value, bool):
            out[f.name] = draw(value, f.name, rng, paths)
    return out


@dataclass
class SegmentPaths:
    """One segment on every path: tenure groups as columns (starting groups first, then one per signup month)."""

    segment: Segment
    values: dict[str, Value]
    p: Value  # churn per contract period at the first renewal
    spread: Value  # alpha + beta of the sBG model, inf for homogeneous churn
    tenure: np.ndarray  # (groups,): the same on every path
    count: np.ndarray  # (paths, groups) accounts
    mrr_each: np.ndarray  # (paths, groups) MRR of one account
    starting: int  # how many of the groups are starting groups
    spend_month1: Value | None = None


def start_segment(segment: Segment, rng: np.random.Generator, paths: int, horizon: int) -> SegmentPaths:
    """The installed base of SPEC 2.1: ``starting_customers`` split into C groups, remainder first."""
    if segment.churn.alpha is not None or segment.funnel is not None:
        raise NotImplementedError("independent simulation: churn by monthly/annual and cac only")
    values = drawn_fields(segment, rng, paths)
    churn = drawn_fields(segment.churn, rng, paths)
    contract = segment.contract_months
    if segment.churn.monthly is not None:
        p = period_churn_from_monthly(churn["monthly"], contract)
    else:
        p = period_churn_from_annual(churn["annual"], contract)
    spread = spread_from_heterogeneity(churn["heterogeneity"])
    cohorts = segment.starting_cohorts or ()
    starting = len(cohorts) if cohorts else contract
    groups = starting + horizon
    tenure = np.zeros(groups, dtype=np.int64)
    count = np.zeros((paths, groups), dtype=np.int64)
    mrr_each = np.zeros((paths, groups))
    n0 = segment.starting_customers
    for j, cohort in enumerate(cohorts):  # the installed base by tenure (2.1): one group per entry
        tenure[j] = cohort.tenure_months
        count[:, j] = cohort.customers
        mrr_each[:, j] = cohort.mrr / cohort.customers
    if n0 and not cohorts:
        starting_mrr = values.get("starting_mrr", n0 * np.asarray(values["arpa_monthly"]))
        for j in range(contract):
            tenure[j] = segment.starting_tenure_months + j
            count[:, j] = n0 // contract + (1 if j < n0 % contract else 0)
            mrr_each[:, j] = np.asarray(starting_mrr) / n0
    return SegmentPaths(segment, values, p, spread, tenure, count, mrr_each, starting)


def segment_month(
    seg: SegmentPaths, t: int, company_spend: np.ndarray, rng: np.random.Generator, churn_factor: float
) -> dict[str, np.ndarray]:
    """Month ``t`` of one segment on every path (SPEC 2.1-2.5); returns its flows and stocks."""
    v = seg.values
    contract = seg.segment.contract_months
    present = seg.starting + t - 1  # columns holding accounts at the end of month t - 1
    seg.tenure[:present] += 1
    renewing = np.flatnonzero((seg.tenure[:present] > 0) & (seg.tenure[:present] % contract == 0))
    if renewing.size:  # each account decides alone: Binomial(count, h(n)) per path and group
        renewal_number = seg.tenure[renewing] // contract
        h = hazard(np.asarray(seg.p)[..., None], np.asarray(seg.spread)[..., None], renewal_number)
        facing = seg.count[:, renewing]
        seg.count[:, renewing] = facing - rng.binomial(facing, np.minimum(1.0, churn_factor * h))
    survivors = seg.count[:, :present].sum(axis=1)
    seg.mrr_each[:, :present] *= np.asarray(1.0 + v["expansion_monthly"] - v["contraction_monthly"])[..., None]

    spend = company_spend * v["spend_share"]
    if seg.spend_month1 is None:
        seg.spend_month1 = spend
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(seg.spend_month1 > 0, spend / seg.spend_month1, 1.0)
    cac = v["cac"] * growth ** v["cac_elasticity"]
    paid = rng.poisson(np.where(spend > 0, spend / cac, 0.0))
    referred = rng.poisson(v["referrals_monthly"] * survivors)
    new = paid + referred
    arpa = np.broadcast_to(v["arpa_monthly"], new.shape)
    seg.count[:, present] = new
    seg.mrr_each[:, present] = arpa
    seg.tenure[present] = 0

    mrr_of = seg.count * seg.mrr_each
    revenue = mrr_of[:, : present + 1].sum(axis=1)
    customers = survivors + new
    if seg.segment.billing == "upfront":
        collections = contract * (mrr_of[:, renewing].sum(axis=1) + new * arpa)
    else:
        collections = revenue
    return {
        "customers": customers,
        "mrr": revenue,
        "spend": np.broadcast_to(spend, revenue.shape),
        "gross_profit": revenue * v["gross_margin"],
        "cs_cost": v["retention_cost_monthly"] * customers,
        "collections": collections,
    }


def simulate_independent(
    scenario: Scenario, paths: int, seed: int, *, churn_factor: float = 1.0, segments_share_draws: bool = False
) -> dict[str, np.ndarray]:
    """Company series ``customers, mrr, collections, cash`` of shape ``(paths, months)``.

    Two deliberately wrong models, for the tests that show the comparison
    notices: ``churn_factor`` multiplies every renewal's churn probability
    (clipped to 1; 1 is the scenario), and ``segments_share_draws`` gives every
    segment a copy of one stream of random numbers instead of independent ones.
    """
    if scenario.events or scenario.simulation.correlations:
        raise NotImplementedError("independent simulation: no events, no correlations")
    rng = np.random.Generator(np.random.PCG64(seed))
    horizon = scenario.horizon_months
    company = drawn_fields(scenario.company, rng, paths)
    acquisition = drawn_fields(scenario.acquisition, rng, paths)
    segments = [start_segment(s, rng, paths, horizon) for s in scenario.segments]
    streams = [np.random.Generator(np.random.PCG64(seed + 1)) if segments_share_draws else rng for _ in segments]
    cash = np.broadcast_to(np.asarray(company["starting_cash"], dtype=float), (paths,)).copy()
    gross_profit_prev = np.zeros(paths)
    out = {name: np.zeros((paths, horizon)) for name in ("customers", "mrr", "collections", "cash")}
    for t in range(1, horizon + 1):
        spend = (
            acquisition["spend_monthly"] * (1.0 + acquisition["spend_growth_monthly"]) ** (t - 1)
            + acquisition["reinvest_gross_profit"] * gross_profit_prev
        )
        spend = np.broadcast_to(spend, (paths,))
        months = [segment_month(s, t, spend, g, churn_factor) for s, g in zip(segments, streams)]
        total = {k: np.sum([m[k] for m in months], axis=0) for k in months[0]}
        revenue, gross_profit = total["mrr"], total["gross_profit"]
        cogs = revenue - gross_profit
        cash = cash + total["collections"] - cogs - spend - total["cs_cost"] - company["fixed_costs_monthly"]
        gross_profit_prev = gross_profit
        out["customers"][:, t - 1] = total["customers"]
        out["mrr"][:, t - 1] = revenue
        out["collections"][:, t - 1] = total["collections"]
        out["cash"][:, t - 1] = cash
    return out
