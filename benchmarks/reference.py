"""The reference: the straightforward vectorized numpy simulation a competent user would write.

One binomial draw per path and tenure group facing renewal, per month; no
metrics beyond MRR and cash.  It follows the same semantics as the engine for
what it covers (segments, contracts and renewals, homogeneous and sBG churn,
expansion and contraction, Poisson acquisition, cash with monthly billing),
so the two can be timed on the same scenarios.  It computes far less than the
engine (no per-month metrics, cohorts, percentiles, unit economics).
"""

from __future__ import annotations

import numpy as np

from saas_sim.model.scenario import Scenario


def simulate_reference(scenario: Scenario, seed: int) -> dict[str, np.ndarray]:
    """MRR and cash per path and month, shape ``(paths, months)``, for fixed-number scenarios."""
    rng = np.random.default_rng(seed)
    H, P = scenario.horizon_months, scenario.simulation.paths
    cash = np.full(P, float(scenario.company.starting_cash))
    mrr_out, cash_out = np.zeros((P, H)), np.zeros((P, H))
    groups = []
    for seg in scenario.segments:
        C = seg.contract_months
        if seg.churn.alpha is not None:
            alpha, beta = seg.churn.alpha, seg.churn.beta
        else:
            p = (
                1 - (1 - seg.churn.monthly) ** C
                if seg.churn.monthly is not None
                else 1 - (1 - seg.churn.annual) ** (C / 12)
            )
            phi = seg.churn.heterogeneity
            alpha, beta = (p * (1 / phi - 1), (1 - p) * (1 / phi - 1)) if phi > 0 else (p, None)
        counts = np.zeros((P, C + H), dtype=np.int64)
        mrr_each = np.zeros((P, C + H))
        n0 = seg.starting_customers
        for j in range(C):
            counts[:, C - 1 - j] = n0 // C + (1 if j < n0 % C else 0)
        if n0:
            mrr_each[:, :C] = (seg.starting_mrr or n0 * seg.arpa_monthly) / n0
        tenure0 = np.arange(C - 1, -1 - H, -1)
        tenure0[:C] += seg.starting_tenure_months
        cac = (
            seg.cac
            if seg.cac is not None
            else seg.funnel.cost_per_lead / (seg.funnel.lead_to_trial * seg.funnel.trial_to_paid)
        )
        groups.append((seg, C, alpha, beta, counts, mrr_each, tenure0, cac))
    for t in range(1, H + 1):
        spend = scenario.acquisition.spend_monthly * (1 + scenario.acquisition.spend_growth_monthly) ** (t - 1)
        collections = costs = revenue_total = 0.0
        for seg, C, alpha, beta, counts, mrr_each, tenure0, cac in groups:
            tenure = tenure0[: C + t - 1] + t
            renewing = np.flatnonzero((tenure > 0) & (tenure % C == 0))  # groups facing a renewal
            n = tenure[renewing] // C
            h = np.full(n.shape, alpha) if beta is None else alpha / (alpha + beta + n - 1)
            counts[:, renewing] -= rng.binomial(counts[:, renewing], h)
            mrr_each[:, : C + t - 1] *= 1 + seg.expansion_monthly - seg.contraction_monthly
            new = rng.poisson(spend * seg.spend_share / cac, P)
            counts[:, C + t - 1] = new
            mrr_each[:, C + t - 1] = seg.arpa_monthly
            revenue = (counts * mrr_each).sum(axis=1)
            revenue_total = revenue_total + revenue
            collections = collections + revenue
            costs = costs + revenue * (1 - seg.gross_margin) + seg.retention_cost_monthly * counts.sum(axis=1)
        cash = cash + collections - costs - spend - scenario.company.fixed_costs_monthly
        mrr_out[:, t - 1], cash_out[:, t - 1] = revenue_total, cash
    return {"mrr": mrr_out, "cash": cash_out}
