"""The month-by-month cohort kernel for one block of paths (SPEC 2).

Accounts are grouped into *slots* per segment: slot ``i < C`` holds starting
group ``j = C - 1 - i``; slot ``C + k - 1`` holds the accounts that joined at
the end of month ``k``.  All accounts of a slot share their tenure (the same
on every path) and, on each path, their MRR per account, so a slot is two
numbers per path: ``counts[path, slot]`` and ``mrr_per_account[path, slot]``.

At month ``t`` the tenure of slot ``i`` is ``t + C - 1 - i`` (plus
``starting_tenure_months`` for starting groups); it faces renewal number
``n = tenure / C`` when the tenure is a positive multiple of ``C``.

Output arrays are shaped ``(paths, months)``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

import numpy as np

from saas_sim.engine.params import DrawnValues
from saas_sim.errors import SimulationDiverged
from saas_sim.model.churn import (
    hazard,
    period_churn_from_annual,
    period_churn_from_monthly,
    spread_from_heterogeneity,
)
from saas_sim.model.scenario import Scenario, Segment
from saas_sim.model.unit_economics import ltv_and_payback, ltv_simple, payback_months

# Per-path series every segment records, month by month.
SEGMENT_RAW = (
    "customers", "paid_new", "referral_new", "churned_customers", "renewals_due",
    "mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "net_new_mrr",
    "acquisition_spend", "gross_profit", "cs_cost", "collections",
    "nrr_12m_numerator", "grr_12m_numerator",
)
COMPANY_RAW = ("fixed_costs", "cash", "cash_in", "acquisition_spend")

# More new accounts than this in one month of one path cannot be simulated meaningfully.
MAX_NEW_ACCOUNTS = 1e9


def _per_path(value: float | np.ndarray, paths: int) -> np.ndarray:
    """A number or per-path array as a fresh array of shape ``(paths,)``."""
    return np.broadcast_to(np.asarray(value, dtype=float), (paths,)).copy()


def _column(value: float | np.ndarray) -> float | np.ndarray:
    """A per-path value shaped to broadcast against ``(paths, slots)``."""
    return value[:, None] if isinstance(value, np.ndarray) and value.ndim == 1 else value


class SegmentState:
    """The current parameters and accounts of one segment on a block of paths."""

    def __init__(self, segment: Segment, values: DrawnValues, horizon: int, paths: int):
        prefix = f"segments.{segment.name}."
        self.name = segment.name
        self.contract_months = C = segment.contract_months
        self.upfront = segment.billing == "upfront"
        self.get = lambda key: values[prefix + key]
        self.share = self.get("spend_share")
        self.funnel = {key: self.get(f"funnel.{key}") for key in ("cost_per_lead", "lead_to_trial", "trial_to_paid")} \
            if segment.funnel is not None else None
        self.cac = self.get("cac") if segment.cac is not None else self._funnel_cac()
        for key in ("cac_elasticity", "arpa_monthly", "expansion_monthly", "contraction_monthly",
                    "gross_margin", "retention_cost_monthly", "referrals_monthly"):
            setattr(self, key, self.get(key))
        churn = segment.churn
        if churn.alpha is not None:
            alpha, beta = self.get("churn.alpha"), self.get("churn.beta")
            self.p = alpha / (alpha + beta)
            self.spread = alpha + beta
        else:
            self.spread = spread_from_heterogeneity(self.get("churn.heterogeneity"))
            self.p = (period_churn_from_monthly(self.get("churn.monthly"), C) if churn.monthly is not None
                      else period_churn_from_annual(self.get("churn.annual"), C))
        self.spend_month1: float | np.ndarray | None = None

        # Accounts: starting groups split as evenly as possible, remainder to the first groups.
        slots = C + horizon
        self.counts = np.zeros((paths, slots), dtype=np.int64)
        self.mrr_per_account = np.zeros((paths, slots), dtype=np.float64)
        n0 = segment.starting_customers
        sizes = [n0 // C + (1 if j < n0 % C else 0) for j in range(C)]
        for j, size in enumerate(sizes):
            self.counts[:, C - 1 - j] = size
        if n0 > 0:
            starting_mrr = (self.get("starting_mrr") if segment.starting_mrr is not None
                            else n0 * self.arpa_monthly)
            self.mrr_per_account[:, :C] = _column(np.broadcast_to(starting_mrr, (paths,)) / n0)
        self.customers0 = np.full(paths, float(n0))
        self.mrr0 = (self.counts[:, :C] * self.mrr_per_account[:, :C]).sum(axis=1)

        # Tenure of each slot at month 0; renewals are deterministic in time.
        tenure0 = np.arange(C - 1, C - 1 - slots, -1)
        tenure0[:C] += int(self.get("starting_tenure_months"))
        self.tenure0 = tenure0

        self.raw = {name: np.zeros((paths, horizon)) for name in SEGMENT_RAW}
        # Per month: 1 + e - c and 1 - c (numbers, or arrays over paths).
        self.growth_history: list[float | np.ndarray] = []
        self.keep_history: list[float | np.ndarray] = []

    def _funnel_cac(self) -> float | np.ndarray:
        f = self.funnel
        return f["cost_per_lead"] / (f["lead_to_trial"] * f["trial_to_paid"])

    def set(self, key: str, value: float | np.ndarray) -> None:
        """Apply an event's change of one field (SPEC 2.6)."""
        C = self.contract_months
        if key == "cac":  # a fixed CAC replaces the funnel until a funnel field is set again
            self.cac = value
        elif key.startswith("funnel."):
            self.funnel[key.split(".", 1)[1]] = value
            self.cac = self._funnel_cac()
        elif key == "churn.monthly":
            self.p = period_churn_from_monthly(value, C)
        elif key == "churn.annual":
            self.p = period_churn_from_annual(value, C)
        elif key == "churn.heterogeneity":
            self.spread = spread_from_heterogeneity(value)
        elif key in ("churn.alpha", "churn.beta"):
            # The other sBG parameter stays; from homogeneous churn it follows the current mean.
            p, spread = np.asarray(self.p, dtype=float), np.asarray(self.spread, dtype=float)
            finite = np.isfinite(spread)
            spread_or_0 = np.where(finite, spread, 0.0)
            if key == "churn.alpha":
                alpha = value
                beta = np.where(finite, (1 - p) * spread_or_0, value * (1 - p) / np.maximum(p, 1e-300))
            else:
                beta = value
                alpha = np.where(finite, p * spread_or_0, value * p / np.maximum(1 - p, 1e-300))
            self.p = alpha / (alpha + beta)
            self.spread = alpha + beta
        elif key == "spend_share":
            self.share = value
        else:
            setattr(self, key, value)


@dataclass
class BlockOutput:
    paths: int
    segments: dict[str, dict[str, np.ndarray]]  # per segment: raw series and per-path summaries
    company: dict[str, np.ndarray]
    cohort_customers: np.ndarray  # (H, H): [k-1, a] summed over paths
    cohort_mrr: np.ndarray


def simulate_block(scenario: Scenario, values: DrawnValues, rng: np.random.Generator) -> BlockOutput:
    """Run every month for one block of paths, drawing from ``rng`` only."""
    H = scenario.horizon_months
    P = values.paths
    segs = [SegmentState(s, values, H, P) for s in scenario.segments]
    by_name = {s.name: s for s in segs}

    fixed_costs = values["company.fixed_costs_monthly"]
    spend_base = values["acquisition.spend_monthly"]
    spend_growth = values["acquisition.spend_growth_monthly"]
    reinvest = values["acquisition.reinvest_gross_profit"]
    cash = _per_path(values["company.starting_cash"], P)
    company = {name: np.zeros((P, H)) for name in COMPANY_RAW}
    events_by_month: dict[int, list[tuple[int, object]]] = {}
    for i, event in enumerate(scenario.events):
        events_by_month.setdefault(event.month, []).append((i, event))

    cohort_customers = np.zeros((H, H))
    cohort_mrr = np.zeros((H, H))
    gross_profit_prev = np.zeros(P)
    month1: dict[str, dict[str, np.ndarray]] = {}

    for t in range(1, H + 1):
        col = t - 1
        cash_in = np.zeros(P)
        for i, event in events_by_month.get(t, []):
            for path, _ in event.set:
                value = values[f"events[{i}].set.{path}"]
                if path == "company.fixed_costs_monthly":
                    fixed_costs = value
                elif path == "acquisition.spend_monthly":
                    spend_base = value
                elif path == "acquisition.spend_growth_monthly":
                    spend_growth = value
                elif path == "acquisition.reinvest_gross_profit":
                    reinvest = value
                else:
                    _, name, key = path.split(".", 2)
                    by_name[name].set(key, value)
            if event.cash_in is not None:
                cash_in = cash_in + values[f"events[{i}].cash_in"]
        if t == 1:
            month1 = {s.name: _unit_economics(s, values) for s in segs}

        spend = spend_base * (1.0 + spend_growth) ** (t - 1) + reinvest * gross_profit_prev
        spend = np.broadcast_to(np.asarray(spend, dtype=float), (P,))
        gross_profit_now = np.zeros(P)
        for s in segs:
            _step_segment(s, t, spend, rng, cohort_customers, cohort_mrr)
            gross_profit_now += s.raw["gross_profit"][:, col]

        collections = sum(s.raw["collections"][:, col] for s in segs)
        revenue = sum(s.raw["mrr"][:, col] for s in segs)
        cs_cost = sum(s.raw["cs_cost"][:, col] for s in segs)
        cogs = revenue - gross_profit_now
        cash = cash + collections - cogs - spend - cs_cost - fixed_costs + cash_in
        company["cash"][:, col] = cash
        company["fixed_costs"][:, col] = fixed_costs
        company["cash_in"][:, col] = cash_in
        company["acquisition_spend"][:, col] = spend
        gross_profit_prev = gross_profit_now

    segments_out: dict[str, dict[str, np.ndarray]] = {}
    for s in segs:
        out = dict(s.raw)
        out["customers0"] = s.customers0
        out["mrr0"] = s.mrr0
        out.update(month1[s.name])
        segments_out[s.name] = out
    company["starting_cash"] = _per_path(values["company.starting_cash"], P)
    return BlockOutput(P, segments_out, company, cohort_customers, cohort_mrr)


def _as_slice(indices: np.ndarray) -> slice | np.ndarray:
    """Evenly spaced slot indices as a slice: a view instead of a gathered copy."""
    if indices.size == 0:
        return slice(0, 0)
    step = int(indices[1] - indices[0]) if indices.size > 1 else 1
    if step > 0 and np.array_equal(indices, np.arange(indices[0], indices[-1] + 1, step)):
        return slice(int(indices[0]), int(indices[-1]) + 1, step)
    return indices


def _unit_economics(s: SegmentState, values: DrawnValues) -> dict[str, np.ndarray]:
    """LTV, LTV/CAC and payback of a new account from month-1 parameters, per path."""
    P = values.paths
    ltv, payback_churn = ltv_and_payback(
        arpa=s.arpa_monthly, gross_margin=s.gross_margin, expansion=s.expansion_monthly,
        contraction=s.contraction_monthly, p=s.p, spread=s.spread, contract_months=s.contract_months,
        discount_rate_annual=values["company.discount_rate_annual"],
        ltv_horizon_months=values["company.ltv_horizon_months"], cac=s.cac,
    )
    return {
        "ltv": _per_path(ltv, P),
        "ltv_simple": _per_path(ltv_simple(s.arpa_monthly, s.gross_margin, s.p, s.contract_months), P),
        "ltv_cac": _per_path(np.asarray(ltv) / s.cac, P),
        "payback_months": _per_path(payback_months(s.cac, s.arpa_monthly, s.gross_margin), P),
        "payback_months_with_churn": _per_path(payback_churn, P),
    }


def _step_segment(s: SegmentState, t: int, company_spend: np.ndarray, rng: np.random.Generator,
                  cohort_customers: np.ndarray, cohort_mrr: np.ndarray) -> None:
    """One month of one segment: churn, expansion/contraction, acquisition, money."""
    C = s.contract_months
    col = t - 1
    live = C + t - 1  # slots holding accounts at the start of month t
    raw = s.raw

    # 2.1-2.2: renewals and churn.
    tenure = s.tenure0[:live] + t
    renewing = _as_slice(np.flatnonzero((tenure > 0) & (tenure % C == 0)))
    at_risk = s.counts[:, renewing]
    # Each account decides independently: Binomial(accounts facing renewal n, h(n)).
    h = hazard(_column(s.p), _column(s.spread), tenure[renewing] // C)
    churned = rng.binomial(at_risk, np.broadcast_to(h, at_risk.shape))
    raw["renewals_due"][:, col] = at_risk.sum(axis=1)
    renewed = at_risk - churned
    s.counts[:, renewing] = renewed  # at_risk may be a view of counts: read it before this line
    raw["churned_customers"][:, col] = churned.sum(axis=1)
    raw["churned_mrr"][:, col] = np.einsum("ij,ij->i", churned, s.mrr_per_account[:, renewing])

    # 2.3: expansion and contraction of the survivors.
    counts = s.counts[:, :live]
    survivor_mrr = counts * s.mrr_per_account[:, :live]
    before_change = survivor_mrr.sum(axis=1)
    e, c = s.expansion_monthly, s.contraction_monthly
    raw["expansion_mrr"][:, col] = e * before_change
    raw["contraction_mrr"][:, col] = c * before_change
    growth = 1.0 + np.asarray(e) - np.asarray(c)
    s.mrr_per_account[:, :live] *= _column(growth)
    s.growth_history.append(growth)
    s.keep_history.append(1.0 - np.asarray(c))
    survivors = counts.sum(axis=1)
    if t >= 12:
        old = C + t - 12  # slots active at the end of month t - 12
        paths = survivors.shape[0]
        growth_12 = np.broadcast_to(reduce(operator.mul, s.growth_history[-12:]), (paths,)).astype(float)
        keep_12 = np.broadcast_to(reduce(operator.mul, s.keep_history[-12:]), (paths,)).astype(float)
        nrr_num = growth * survivor_mrr[:, :old].sum(axis=1)
        raw["nrr_12m_numerator"][:, col] = nrr_num
        # MRR of a year ago is today's over the year's growth; GRR keeps only its contraction.
        ratio = np.divide(keep_12, growth_12, out=np.zeros_like(keep_12), where=growth_12 != 0)
        raw["grr_12m_numerator"][:, col] = nrr_num * ratio

    # 2.4: acquisition.
    seg_spend = company_spend * s.share
    if s.spend_month1 is None:
        s.spend_month1 = seg_spend.copy()
    # CAC_t = cac * scale^elasticity with scale = spend_t / spend_1, so the expected paid accounts
    # spend_t / CAC_t = (spend_1 / cac) * scale^(1 - elasticity): written so, tiny spends cannot
    # turn into a zero CAC by underflow.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        elastic = s.spend_month1 > 0
        scale = seg_spend / np.where(elastic, s.spend_month1, 1.0)
        elastic_rate = s.spend_month1 / s.cac * scale ** (1.0 - np.asarray(s.cac_elasticity))
        rate = np.where(seg_spend > 0, np.where(elastic, elastic_rate, seg_spend / s.cac), 0.0)
    referral_rate = np.broadcast_to(s.referrals_monthly * survivors, (len(survivors),))
    if rate.max(initial=0.0) > MAX_NEW_ACCOUNTS or referral_rate.max(initial=0.0) > MAX_NEW_ACCOUNTS:
        raise SimulationDiverged(
            f"segment {s.name} would win over {MAX_NEW_ACCOUNTS:.0e} accounts in month {t}: "
            "the scenario grows without bound (is the CAC far below what reinvested gross profit "
            "or referrals bring in?)")
    paid = rng.poisson(rate)
    referral = rng.poisson(referral_rate)
    new = paid + referral
    slot = C + t - 1
    s.counts[:, slot] = new
    s.mrr_per_account[:, slot] = s.arpa_monthly
    new_mrr = new * np.asarray(s.arpa_monthly)

    raw["paid_new"][:, col] = paid
    raw["referral_new"][:, col] = referral
    raw["new_mrr"][:, col] = new_mrr
    raw["customers"][:, col] = survivors + new
    # The bridge, accumulated so that mrr_t = mrr_{t-1} + net_new_mrr_t holds to the bit.
    previous = raw["mrr"][:, col - 1] if t > 1 else s.mrr0
    # Where every account left, the churned MRR is the whole of last month's, to the bit,
    # so that an empty segment has exactly zero MRR (not a rounding residue).
    raw["churned_mrr"][:, col] = np.where(survivors == 0, previous, raw["churned_mrr"][:, col])
    net_new = new_mrr + raw["expansion_mrr"][:, col] - raw["contraction_mrr"][:, col] - raw["churned_mrr"][:, col]
    revenue = previous + net_new
    raw["net_new_mrr"][:, col] = net_new
    raw["mrr"][:, col] = revenue

    # 2.5: money.
    raw["acquisition_spend"][:, col] = seg_spend
    raw["gross_profit"][:, col] = revenue * s.gross_margin
    raw["cs_cost"][:, col] = s.retention_cost_monthly * raw["customers"][:, col]
    if s.upfront:
        renewed_mrr = np.einsum("ij,ij->i", renewed, s.mrr_per_account[:, renewing])
        raw["collections"][:, col] = C * (renewed_mrr + new_mrr)
    else:
        raw["collections"][:, col] = revenue

    # 3.3: cohorts k = 1..t at tenure t - k, summed over paths.
    k = np.arange(t)
    cohort_counts = s.counts[:, C:C + t]
    cohort_customers[k, t - 1 - k] += cohort_counts.sum(axis=0)
    cohort_mrr[k, t - 1 - k] += (cohort_counts * s.mrr_per_account[:, C:C + t]).sum(axis=0)
