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
monthly and upfront collections and cash (2.5) with the cash policies
``stop_acquisition`` and ``shut_down`` and funding rounds, customer-success
managers and programs (2.7), migrations (2.8), uncertain values drawn once
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
    """One segment on every path: tenure groups as columns (starting groups first, then one per signup
    month, then one per month for the accounts that moved in, SPEC 2.8)."""

    segment: Segment
    values: dict[str, Value]
    p: Value  # churn per contract period at the first renewal
    spread: Value  # alpha + beta of the sBG model, inf for homogeneous churn
    tenure: np.ndarray  # (groups,): the same on every path
    count: np.ndarray  # (paths, groups) accounts
    mrr_each: np.ndarray  # (paths, groups) MRR of one account
    starting: int  # how many of the groups are starting groups
    horizon: int
    spend_month1: Value | None = None
    active: np.ndarray | None = None  # (groups,) columns holding accounts from an earlier month
    survivors: np.ndarray | None = None  # after this month's churn (2.4's referrals), before moves
    renewed_mrr: np.ndarray | None = None  # MRR after 2.3 of the accounts that renewed this month
    arrived: np.ndarray | None = None  # this month's movers in (count), and their MRR after the move
    arrived_mrr: np.ndarray | None = None


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
    groups = starting + 2 * horizon
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
    active = np.zeros(groups, dtype=bool)
    active[:starting] = True
    return SegmentPaths(segment, values, p, spread, tenure, count, mrr_each, starting, horizon, active=active)


def churn_and_expand(
    seg: SegmentPaths, rng: np.random.Generator, churn_factor: Value, expansion_change: Value = 0.0
) -> None:
    """2.1-2.3 of month t: every account present ages; renewals churn Binomial(count, h(n) x factor)
    (the programs' factor of 2.7, clipped to 1); the survivors' MRR x (1 + e - c), e clipped to 0..1."""
    v = seg.values
    contract = seg.segment.contract_months
    assert seg.active is not None
    present = np.flatnonzero(seg.active)
    seg.tenure[present] += 1
    renewing = present[seg.tenure[present] % contract == 0]
    renewing = renewing[seg.tenure[renewing] > 0]
    if renewing.size:  # each account decides alone: Binomial(count, h(n)) per path and group
        renewal_number = seg.tenure[renewing] // contract
        h = hazard(np.asarray(seg.p)[..., None], np.asarray(seg.spread)[..., None], renewal_number)
        facing = seg.count[:, renewing]
        factor = np.asarray(churn_factor, dtype=float)[..., None]
        seg.count[:, renewing] = facing - rng.binomial(facing, np.minimum(1.0, factor * h))
    seg.survivors = seg.count[:, present].sum(axis=1)
    e = np.clip(np.asarray(v["expansion_monthly"]) + expansion_change, 0.0, 1.0)
    seg.mrr_each[:, present] *= np.asarray(1.0 + e - v["contraction_monthly"])[..., None]
    seg.renewed_mrr = (seg.count[:, renewing] * seg.mrr_each[:, renewing]).sum(axis=1)
    paths = seg.count.shape[0]
    seg.arrived = np.zeros(paths, dtype=np.int64)
    seg.arrived_mrr = np.zeros(paths)


def move(source: SegmentPaths, target: SegmentPaths, monthly: Value, multiplier: Value, rng: np.random.Generator):
    """2.8: each group present in ``source`` before this month's arrivals loses Binomial(count, monthly)
    accounts to ``target``, their MRR x ``multiplier``; returns (movers, MRR before, MRR after) per path."""
    assert source.active is not None and target.arrived is not None and target.arrived_mrr is not None
    present = np.flatnonzero(source.active)
    facing = source.count[:, present]
    moved = rng.binomial(facing, np.broadcast_to(np.asarray(monthly, dtype=float)[..., None], facing.shape))
    source.count[:, present] = facing - moved
    before = (moved * source.mrr_each[:, present]).sum(axis=1)
    after = before * multiplier
    target.arrived += moved.sum(axis=1)
    target.arrived_mrr += after
    return moved.sum(axis=1), before, after


def acquire(seg: SegmentPaths, t: int, company_spend: np.ndarray, planned: np.ndarray, rng: np.random.Generator):
    """2.4-2.5 of month t: the month's movers join as a group of tenure 0, then Poisson paid and referral
    accounts (CAC elasticity against the plan's month-1 spend); returns the segment's flows and stocks."""
    v = seg.values
    contract = seg.segment.contract_months
    assert seg.active is not None and seg.arrived is not None and seg.arrived_mrr is not None
    if seg.arrived.any():
        moved_in = seg.starting + seg.horizon + t - 1
        seg.count[:, moved_in] = seg.arrived
        with np.errstate(divide="ignore", invalid="ignore"):
            seg.mrr_each[:, moved_in] = np.where(seg.arrived > 0, seg.arrived_mrr / seg.arrived, 0.0)
        seg.tenure[moved_in] = 0
        seg.active[moved_in] = True

    spend = company_spend * v["spend_share"]
    if seg.spend_month1 is None:
        seg.spend_month1 = planned * v["spend_share"]
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(seg.spend_month1 > 0, spend / seg.spend_month1, 1.0)
    cac = v["cac"] * growth ** v["cac_elasticity"]
    with np.errstate(divide="ignore", invalid="ignore"):
        paid = rng.poisson(np.where(spend > 0, spend / cac, 0.0))
    referred = rng.poisson(v["referrals_monthly"] * seg.survivors)
    new = paid + referred
    arpa = np.broadcast_to(v["arpa_monthly"], new.shape)
    joined = seg.starting + t - 1
    seg.count[:, joined] = new
    seg.mrr_each[:, joined] = arpa
    seg.tenure[joined] = 0
    seg.active[joined] = True

    present = np.flatnonzero(seg.active)
    revenue = (seg.count[:, present] * seg.mrr_each[:, present]).sum(axis=1)
    customers = seg.count[:, present].sum(axis=1)
    if seg.segment.billing == "upfront":  # movers start a term at the move (2.8)
        collections = contract * (seg.renewed_mrr + new * arpa + seg.arrived_mrr)
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


def program_effects(scenario: Scenario, t: int, paths: int, values: dict[str, dict[str, Value]]):
    """2.7: per segment the churn factor (product of 1 + churn_change) and expansion change (sum) of the
    programs running in month t, and their cost."""
    H = scenario.horizon_months
    factor: dict[str, Value] = {s.name: 1.0 for s in scenario.segments}
    added: dict[str, Value] = {s.name: 0.0 for s in scenario.segments}
    cost: Value = 0.0
    for program in scenario.programs:
        if not program.from_month <= t <= (program.to_month or H):
            continue
        v = values[program.name]
        cost = cost + v["cost_monthly"]
        for name in program.segments:
            factor[name] = factor[name] * (1.0 + v["churn_change"])
            added[name] = added[name] + v["expansion_change"]
    return factor, added, cost


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
    by_name = {s.segment.name: s for s in segments}
    programs = {p.name: drawn_fields(p, rng, paths) for p in scenario.programs}
    migrations = [drawn_fields(m, rng, paths) for m in scenario.migrations]
    fund = scenario.company.funding
    funding = drawn_fields(fund, rng, paths) if fund is not None else {}
    csm = scenario.company.customer_success
    managers = drawn_fields(csm, rng, paths) if csm is not None else {}
    policy = scenario.company.when_out_of_cash
    streams = [np.random.Generator(np.random.PCG64(seed + 1)) if segments_share_draws else rng for _ in segments]
    cash = np.broadcast_to(np.asarray(company["starting_cash"], dtype=float), (paths,)).copy()
    gross_profit_prev = np.zeros(paths)
    mrr_prev = sum((s.count * s.mrr_each).sum(axis=1) for s in segments)
    closed = np.zeros(paths, dtype=bool)  # shut down at the end of an earlier month (2.5)
    attempts = np.zeros(paths, dtype=np.int64)
    last_attempt = np.zeros(paths, dtype=np.int64)
    incoming = np.zeros((paths, horizon + 2))
    out = {name: np.zeros((paths, horizon)) for name in ("customers", "mrr", "collections", "cash")}
    for t in range(1, horizon + 1):
        for s in segments:  # a company that shut down: every account gone, nothing happens
            s.count[closed] = 0
        planned = (
            acquisition["spend_monthly"] * (1.0 + acquisition["spend_growth_monthly"]) ** (t - 1)
            + acquisition["reinvest_gross_profit"] * gross_profit_prev
        )
        planned = np.broadcast_to(planned, (paths,))
        spend = np.where(closed | ((cash < 0) & (policy == "stop_acquisition")), 0.0, planned)
        factor, added, program_cost = program_effects(scenario, t, paths, programs)
        for s, g in zip(segments, streams):
            churn_and_expand(s, g, np.asarray(factor[s.segment.name]) * churn_factor, added[s.segment.name])
        for rule, v in zip(scenario.migrations, migrations):
            move(by_name[rule.source], by_name[rule.target], v["monthly"], v["mrr_multiplier"], rng)
        months = [acquire(s, t, spend, planned, g) for s, g in zip(segments, streams)]
        total = {k: np.sum([m[k] for m in months], axis=0) for k in months[0]}
        revenue, gross_profit = total["mrr"], total["gross_profit"]
        cogs = revenue - gross_profit
        extra = np.broadcast_to(np.asarray(program_cost, dtype=float), (paths,))
        if csm is not None:
            headcount = np.maximum(0.0, np.ceil(12.0 * mrr_prev / managers["arr_per_csm"] * (1.0 - 1e-12)))
            extra = extra + headcount * managers["cost_per_csm_monthly"]
        flows = total["collections"] - cogs - spend - total["cs_cost"] - extra - company["fixed_costs_monthly"]
        cash = np.where(closed, cash, cash + flows + incoming[:, t])
        if fund is not None:  # an attempt at the end of a month with low cash; the money later
            trigger = (
                ~closed
                & ~((cash < 0) & (policy == "shut_down"))
                & (cash < funding["below_cash"])
                & (attempts < fund.max_rounds)
                & ((attempts == 0) | (t - last_attempt >= fund.months_to_close))
            )
            success = trigger & (rng.random(paths) < funding["probability"])
            attempts += trigger
            last_attempt = np.where(trigger, t, last_attempt)
            if t + fund.months_to_close <= horizon:
                incoming[:, t + fund.months_to_close] += np.where(success, funding["amount"], 0.0)
        gross_profit_prev = np.where(closed, 0.0, gross_profit)
        mrr_prev = np.where(closed, 0.0, revenue)
        out["customers"][:, t - 1] = np.where(closed, 0, total["customers"])
        out["mrr"][:, t - 1] = np.where(closed, 0.0, revenue)
        out["collections"][:, t - 1] = np.where(closed, 0.0, total["collections"])
        out["cash"][:, t - 1] = cash
        if policy == "shut_down":
            closed = closed | (cash < 0)
    return out
