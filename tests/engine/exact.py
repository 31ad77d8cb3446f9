"""Exact expected values of a scenario, by a recursion over tenure groups.

Written from SPEC section 2 alone, independently of the engine: every
quantity of the model is linear in expectation (binomial churn, Poisson
acquisition), so carrying expected counts through the months gives the
exact means the Monte-Carlo averages must agree with.  Valid for scenarios
without uncertain values, and without ``cac_elasticity`` when gross profit
is reinvested (spend is then random and CAC non-linear in it).
"""

from __future__ import annotations

from dataclasses import dataclass

from saas_sim.model.scenario import Scenario, Segment


@dataclass
class Group:
    tenure: int
    count: float
    mrr_per_account: float


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

    def month(self, company_spend: float) -> dict[str, float]:
        q = self.params
        out = dict.fromkeys(("churned", "renewals_due", "churned_mrr"), 0.0)
        renewed = []
        for g in self.groups:
            g.tenure += 1
            if g.tenure % self.C == 0:
                n = g.tenure // self.C
                lost = g.count * self.h(n)
                out["renewals_due"] += g.count
                out["churned"] += lost
                out["churned_mrr"] += lost * g.mrr_per_account
                g.count -= lost
                renewed.append(g)
        survivors = sum(g.count for g in self.groups)
        base = sum(g.count * g.mrr_per_account for g in self.groups)
        e, c = q["expansion_monthly"], q["contraction_monthly"]
        out["expansion_mrr"], out["contraction_mrr"] = e * base, c * base
        for g in self.groups:
            g.mrr_per_account *= 1 + e - c
        spend = company_spend * q["spend_share"]
        if self.spend_month1 is None:
            self.spend_month1 = spend
        cac = self.cac * ((spend / self.spend_month1) ** q["cac_elasticity"] if self.spend_month1 > 0 else 1.0)
        paid = spend / cac if spend > 0 else 0.0
        new = paid + q["referrals_monthly"] * survivors
        self.groups.append(Group(0, new, q["arpa_monthly"]))
        revenue = sum(g.count * g.mrr_per_account for g in self.groups)
        out.update(
            paid_new=paid,
            new=new,
            customers=survivors + new,
            mrr=revenue,
            new_mrr=new * q["arpa_monthly"],
            spend=spend,
            gross_profit=revenue * q["gross_margin"],
            cs_cost=q["retention_cost_monthly"] * (survivors + new),
        )
        if self.seg.billing == "upfront":
            out["collections"] = self.C * (sum(g.count * g.mrr_per_account for g in renewed) + new * q["arpa_monthly"])
        else:
            out["collections"] = revenue
        return out


def expected_series(scenario: Scenario) -> dict[str, list[float]]:
    """Expected company series, month 1..H, plus per segment ``"<name>.<series>"``."""
    segs = [SegmentMeans(s) for s in scenario.segments]
    by_name = {s.seg.name: s for s in segs}
    company = {
        "fixed": scenario.company.fixed_costs_monthly,
        "spend": scenario.acquisition.spend_monthly,
        "growth": scenario.acquisition.spend_growth_monthly,
        "reinvest": scenario.acquisition.reinvest_gross_profit,
    }
    cash = scenario.company.starting_cash
    gross_profit_prev = 0.0
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
        months = [s.month(spend) for s in segs]
        totals = {k: sum(m[k] for m in months) for k in months[0]}
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
    return out
