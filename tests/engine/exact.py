"""Exact expected values of a scenario, by a recursion over tenure groups.

Written from SPEC section 2 alone, independently of the engine: every
quantity of the model is linear in expectation (binomial churn, Poisson
acquisition), so carrying expected counts through the months gives the
exact means the Monte-Carlo averages must agree with.  Valid for scenarios
without uncertain values, and without ``cac_elasticity`` when gross profit
is reinvested (spend is then random and CAC non-linear in it).

Programs (2.7: a churn factor on h(n), an expansion change, a cost) and
migrations (2.8: count x monthly movers per group, rules in file order, the
movers a group of tenure 0 in the target) stay linear and are exact here;
customer-success managers are a ceiling of last month's ARR and come as
bounds (see :func:`expected_series`).  The cash policies other than
``continue`` and funding are not linear and are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from saas_sim.model.scenario import Program, Scenario, Segment


@dataclass
class Group:
    tenure: int
    count: float
    mrr_per_account: float
    cohort: int = 0  # the accounts' signup month (3.3); 0: the starting base


class SegmentMeans:
    def __init__(self, seg: Segment):
        self.seg = seg
        self.C = C = seg.contract_months
        n0 = seg.starting_customers
        self.groups = []
        mrr_each = 0.0
        if seg.starting_cohorts is not None:  # the installed base by tenure, each entry a group
            for cohort in seg.starting_cohorts:
                self.groups.append(Group(cohort.tenure_months, float(cohort.customers), cohort.mrr / cohort.customers))
        else:
            if n0:
                mrr_each = (seg.starting_mrr if seg.starting_mrr is not None else n0 * seg.arpa_monthly) / n0
            for j in range(C):
                size = n0 // C + (1 if j < n0 % C else 0)
                self.groups.append(Group(seg.starting_tenure_months + j, float(size), mrr_each))
        churn = seg.churn
        self.phi = churn.heterogeneity
        if churn.alpha is not None:
            self.alpha, self.beta = churn.alpha, churn.beta
            self.p = None
        else:
            self.p = 1 - (1 - churn.monthly) ** C if churn.monthly is not None else 1 - (1 - churn.annual) ** (C / 12)
        self.funnel = dict(seg.funnel.__dict__) if seg.funnel is not None else None
        self.cac = (
            seg.cac
            if seg.cac is not None
            else (seg.funnel.cost_per_lead / (seg.funnel.lead_to_trial * seg.funnel.trial_to_paid))
        )
        self.params = {
            k: getattr(seg, k)
            for k in (
                "spend_share",
                "arpa_monthly",
                "expansion_monthly",
                "contraction_monthly",
                "gross_margin",
                "retention_cost_monthly",
                "referrals_monthly",
                "cac_elasticity",
            )
        }
        self.spend_month1 = None

    def h(self, n: int) -> float:
        if self.p is None:
            return self.alpha / (self.alpha + self.beta + n - 1)
        if self.phi == 0:
            return self.p
        alpha = self.p * (1 / self.phi - 1)
        beta = (1 - self.p) * (1 / self.phi - 1)
        return alpha / (alpha + beta + n - 1)

    def set(self, key: str, value: float) -> None:
        C = self.C
        if key == "churn.monthly":
            self.p = 1 - (1 - value) ** C
        elif key == "churn.annual":
            self.p = 1 - (1 - value) ** (C / 12)
        elif key == "churn.heterogeneity":
            self.phi = value
        elif key == "cac":
            self.cac = value
        elif key.startswith("funnel."):
            self.funnel[key.split(".")[1]] = value
            f = self.funnel
            self.cac = f["cost_per_lead"] / (f["lead_to_trial"] * f["trial_to_paid"])
        else:
            self.params[key] = value

    def churn_and_expand(self, churn_factor: float = 1.0, expansion_change: float = 0.0) -> dict[str, float]:
        """2.1-2.3: age, renewals, churn (each h(n) x ``churn_factor``, clipped to 1: the programs of 2.7),
        expansion ``clip(e + expansion_change, 0, 1)`` and contraction of the survivors."""
        q = self.params
        out = dict.fromkeys(("churned", "renewals_due", "churned_mrr"), 0.0)
        renewed = []
        for g in self.groups:
            g.tenure += 1
            if g.tenure % self.C == 0:
                n = g.tenure // self.C
                lost = g.count * min(1.0, self.h(n) * churn_factor)
                out["renewals_due"] += g.count
                out["churned"] += lost
                out["churned_mrr"] += lost * g.mrr_per_account
                g.count -= lost
                renewed.append(g)
        self.survivors = sum(g.count for g in self.groups)
        base = sum(g.count * g.mrr_per_account for g in self.groups)
        e = min(1.0, max(0.0, q["expansion_monthly"] + expansion_change))
        c = q["contraction_monthly"]
        out["expansion_mrr"], out["contraction_mrr"] = e * base, c * base
        for g in self.groups:
            g.mrr_per_account *= 1 + e - c
        # upfront: the accounts that renewed start a term at their MRR after the change (before any move)
        self.renewed_mrr = sum(g.count * g.mrr_per_account for g in renewed)
        self.arrived_mrr = 0.0  # MRR (after the move) of this month's movers into the segment (2.8)
        self.arrivals: dict[int, Group] = {}  # those movers, one group per signup cohort
        out.update(migrated_in_customers=0.0, migrated_out_customers=0.0, migrated_in_mrr=0.0, migrated_out_mrr=0.0)
        return out

    def move_out(self, share: float, target: SegmentMeans, multiplier: float) -> tuple[float, float]:
        """2.8: every group present before this month's arrivals loses ``share`` of its accounts in
        expectation to ``target``, their MRR x ``multiplier``; returns (accounts, MRR before the move).

        The movers of the month form one group of tenure 0 in the target; kept here as one group per
        signup cohort (3.3: a mover stays in its cohort), the same in expectation."""
        count = mrr = 0.0
        for g in self.groups:
            moved = g.count * share
            g.count -= moved
            count += moved
            mrr += moved * g.mrr_per_account
            if moved > 0:
                arrived = target.arrivals.setdefault(g.cohort, Group(0, 0.0, 0.0, g.cohort))
                total = arrived.count * arrived.mrr_per_account + moved * g.mrr_per_account * multiplier
                arrived.count += moved
                arrived.mrr_per_account = total / arrived.count
        return count, mrr

    def acquire(self, company_spend: float, out: dict[str, float], t: int = 0) -> dict[str, float]:
        """2.4-2.5 of month t: this month's movers join at tenure 0, then acquisition and money."""
        q = self.params
        survivors = self.survivors  # after churn (2.4), before the month's moves
        self.groups.extend(self.arrivals.values())
        spend = company_spend * q["spend_share"]
        if self.spend_month1 is None:
            self.spend_month1 = spend
        cac = self.cac * ((spend / self.spend_month1) ** q["cac_elasticity"] if self.spend_month1 > 0 else 1.0)
        paid = spend / cac if spend > 0 else 0.0
        new = paid + q["referrals_monthly"] * survivors
        self.groups.append(Group(0, new, q["arpa_monthly"], t))
        revenue = sum(g.count * g.mrr_per_account for g in self.groups)
        customers = sum(g.count for g in self.groups)
        out.update(
            paid_new=paid,
            new=new,
            customers=customers,
            mrr=revenue,
            new_mrr=new * q["arpa_monthly"],
            spend=spend,
            gross_profit=revenue * q["gross_margin"],
            cs_cost=q["retention_cost_monthly"] * customers,
        )
        if self.seg.billing == "upfront":  # movers start a term at the move (2.8)
            out["collections"] = self.C * (self.renewed_mrr + new * q["arpa_monthly"] + self.arrived_mrr)
        else:
            out["collections"] = revenue
        return out


def active_programs(scenario: Scenario, t: int) -> list[Program]:
    """2.7: the programs running in month t (``to_month`` None: to the horizon)."""
    H = scenario.horizon_months
    return [p for p in scenario.programs if p.from_month <= t <= (p.to_month if p.to_month is not None else H)]


def expected_series(scenario: Scenario) -> dict[str, list[float]]:
    """Expected company series, month 1..H, plus per segment ``"<name>.<series>"``.

    Programs (2.7) and migrations (2.8) are linear in expectation and exact here. Customer-success
    managers are not (a ceiling of last month's ARR): ``csm_ratio`` is E[ARR_{t-1}] / arr_per_csm, so
    ``E[csm_headcount]`` lies in ``[csm_ratio, csm_ratio + 1)``; ``cs_cost`` and ``cash`` count
    ``csm_ratio`` managers (the lower bound of the cost, so the upper bound of cash), and ``csm_exact``
    is ``ceil(csm_ratio)``, the headcount itself where last month's ARR is certain. Valid under
    ``when_out_of_cash: continue`` without funding (the other policies are not linear).
    """
    assert scenario.company.when_out_of_cash == "continue" and scenario.company.funding is None
    segs = [SegmentMeans(s) for s in scenario.segments]
    by_name = {s.seg.name: s for s in segs}
    company = {
        "fixed": scenario.company.fixed_costs_monthly,
        "spend": scenario.acquisition.spend_monthly,
        "growth": scenario.acquisition.spend_growth_monthly,
        "reinvest": scenario.acquisition.reinvest_gross_profit,
    }
    csm = scenario.company.customer_success
    cash = scenario.company.starting_cash
    gross_profit_prev = 0.0
    mrr_prev = sum(g.count * g.mrr_per_account for s in segs for g in s.groups)
    out: dict[str, list[float]] = {}
    for t in range(1, scenario.horizon_months + 1):
        cash_in = 0.0
        for event in scenario.events:
            if event.month != t:
                continue
            for path, value in event.set:
                if path.startswith("segments."):
                    _, name, key = path.split(".", 2)
                    by_name[name].set(key, value)
                else:
                    company[
                        {
                            "company.fixed_costs_monthly": "fixed",
                            "acquisition.spend_monthly": "spend",
                            "acquisition.spend_growth_monthly": "growth",
                            "acquisition.reinvest_gross_profit": "reinvest",
                        }[path]
                    ] = value
            cash_in += event.cash_in or 0.0
        spend = company["spend"] * (1 + company["growth"]) ** (t - 1) + company["reinvest"] * gross_profit_prev
        running = active_programs(scenario, t)
        program_cost = sum(p.cost_monthly for p in running)
        months = []
        for s in segs:
            factor, added = 1.0, 0.0
            for p in running:
                if s.seg.name in p.segments:
                    factor *= 1 + p.churn_change
                    added += p.expansion_change
            months.append(s.churn_and_expand(factor, added))
        month_of = {s.seg.name: m for s, m in zip(segs, months)}
        moved_expansion = moved_contraction = 0.0
        for rule in scenario.migrations:  # in file order, each on the accounts still there
            count, mrr = by_name[rule.source].move_out(rule.monthly, by_name[rule.target], rule.mrr_multiplier)
            after = mrr * rule.mrr_multiplier
            month_of[rule.source]["migrated_out_customers"] += count
            month_of[rule.source]["migrated_out_mrr"] += mrr
            month_of[rule.target]["migrated_in_customers"] += count
            month_of[rule.target]["migrated_in_mrr"] += after
            by_name[rule.target].arrived_mrr += after
            if rule.mrr_multiplier >= 1:
                moved_expansion += after - mrr
            else:
                moved_contraction += mrr - after
        months = [s.acquire(spend, m, t) for s, m in zip(segs, months)]
        totals = {k: sum(m[k] for m in months) for k in months[0]}
        totals["expansion_mrr"] += moved_expansion
        totals["contraction_mrr"] += moved_contraction
        for k in ("migrated_in_customers", "migrated_out_customers", "migrated_in_mrr", "migrated_out_mrr"):
            del totals[k]
        totals["program_cost"] = program_cost
        totals["cs_cost"] += program_cost
        if csm is not None:
            ratio = 12 * mrr_prev / csm.arr_per_csm
            totals["csm_ratio"] = ratio
            totals["csm_exact"] = float(math.ceil(ratio * (1 - 1e-12)))
            totals["cs_cost"] += ratio * csm.cost_per_csm_monthly
        totals["net_new_mrr"] = totals["mrr"] - mrr_prev
        mrr_prev = totals["mrr"]
        cash += (
            totals["collections"]
            - (totals["mrr"] - totals["gross_profit"])
            - spend
            - totals["cs_cost"]
            - company["fixed"]
            + cash_in
        )
        totals["cash"] = cash
        gross_profit_prev = totals["gross_profit"]
        for k, v in totals.items():
            out.setdefault(k, []).append(v)
        for s, m in zip(segs, months):
            for k, v in m.items():
                out.setdefault(f"{s.seg.name}.{k}", []).append(v)
        for k in range(1, t + 1):  # 3.3: cohort k's accounts and MRR at the end of t, wherever they are
            groups = [g for s in segs for g in s.groups if g.cohort == k]
            out.setdefault(f"cohort{k}.customers", []).append(sum(g.count for g in groups))
            out.setdefault(f"cohort{k}.mrr", []).append(sum(g.count * g.mrr_per_account for g in groups))
    return out


def expected_cohorts(scenario: Scenario) -> tuple[list[list[float]], list[list[float]]]:
    """3.3's logo and revenue retention ``[k - 1][a]`` from the expected counts: E[active of cohort k at
    tenure a] / E[joined in k] (the engine's ratio of sums over paths tends to it)."""
    exact = expected_series(scenario)
    H = scenario.horizon_months
    logos, revenue = [], []
    for k in range(1, H + 1):
        customers = exact[f"cohort{k}.customers"]  # months k..H
        mrr = exact[f"cohort{k}.mrr"]
        logos.append([c / customers[0] for c in customers])
        revenue.append([m / mrr[0] for m in mrr])
    return logos, revenue
