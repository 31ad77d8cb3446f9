"""What every metric of SPEC 3 means, in a founder's words, and how it is computed.

The wording condenses docs/metrics.md.  ``GLOSSARY`` says what a number tells
you, ``FORMULAS`` how it is computed; both are keyed by the metric names of the
result document (``cac`` is both a monthly series and a summary metric, so its
entry covers both).  ``GROUPS`` orders the names for a reader.  Notation: month
``t = 1..H``, ``x(t−1)`` last month's value.
"""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    # -- monthly series: customers --
    "customers": "The size of the base: active accounts at the end of the month.",
    "new_customers": "Accounts that joined this month, bought or referred.",
    "paid_new": "Accounts bought with acquisition spend.",
    "referral_new": "Accounts that came by word of mouth, for free.",
    "churned_customers": "Accounts lost this month; only accounts facing a renewal can leave.",
    "renewals_due": "Accounts facing a renewal this month: everyone on monthly plans, the anniversaries on annual ones.",
    # -- monthly series: MRR and its movements --
    "mrr": "Monthly recurring revenue at the end of the month.",
    "arr": "Annual run rate, the number investors quote.",
    "new_mrr": "Revenue added by new accounts.",
    "expansion_mrr": "Revenue added by upgrades and more seats.",
    "contraction_mrr": "Revenue lost to downgrades and fewer seats.",
    "churned_mrr": "Revenue that walked out with the accounts lost.",
    "net_new_mrr": "The MRR bridge: how much MRR grew this month, all movements together.",
    # -- monthly series: retention --
    "logo_churn_rate": "Share of last month's customers lost this month.",
    "annualized_logo_churn": "Share of customers lost over the last twelve months, compounded (3 % a month is 31 % a year).",
    "renewal_rate": "Of the accounts that could leave this month, the share that stayed.",
    "gross_mrr_churn_rate": "Revenue lost from the existing base this month, before any expansion.",
    "nrr_monthly": "Net revenue retention over one month: above 1, the base grows by itself.",
    "grr_monthly": "Gross revenue retention over one month: upgrades left out, so at most 1.",
    "nrr_12m": "What a dollar of revenue a year ago has become, upgrades and losses included; new accounts left out.",
    "grr_12m": "How much of last year's revenue survived churn and downgrades, no credit for upgrades.",
    "quick_ratio": "MRR gained per dollar of MRR lost; 4 or more is efficient growth, near 1 the bucket leaks as fast as it fills.",
    # -- monthly series: acquisition --
    "acquisition_spend": "Sales and marketing spent this month (a segment: its share).",
    "cac": "Blended cost of winning a customer; referrals lower it. The summary's is over the whole plan.",
    "paid_cac": "What a bought customer costs; rises as spend grows.",
    # -- monthly series: money --
    "revenue": "Revenue recognised in the month (equal to MRR).",
    "gross_profit": "What is left of revenue after hosting, payment fees and other cost of revenue.",
    "cs_cost": "Customer-success cost.",
    "fixed_costs": "R&D and G&A: everything but sales and marketing, cost of revenue and customer success (company only).",
    "collections": "Cash actually received from customers; upfront billing brings a year of revenue in at once.",
    "cash": "The bank balance; it may go negative so you can see how deep the hole is (company only).",
    "net_burn": "Cash burned this month, funding rounds left out; 0 in a month that made money (company only).",
    # -- summary, one value per path --
    "arr_end": "ARR at the end of the horizon: where the company ends up.",
    "mrr_end": "MRR at the end of the horizon.",
    "customers_end": "Active accounts at the end of the horizon.",
    "cash_end": "Cash in the bank at the end of the horizon.",
    "cash_min": "The tightest moment: how much buffer, or how big a bridge loan, the plan needs.",
    "out_of_cash": "Whether the money ran out; its mean is the probability of running out of cash.",
    "cash_out_month": "When the money runs out, on the paths where it does (shown with their count when few).",
    "arr_growth_yoy_end": "ARR growth over the last year of the horizon.",
    "annualized_logo_churn_end": "The yearly customer churn the company ends with.",
    "nrr_12m_end": "Net revenue retention over the last year of the horizon.",
    "grr_12m_end": "Gross revenue retention over the last year of the horizon.",
    "ltv_simple": "The classic \"ARPA × margin ÷ churn\": gross profit of an average customer over its life; no expansion, no discounting.",
    "ltv": "Lifetime gross profit of a new account, with expansion, contraction, discounting and the churn model's survival.",
    "ltv_cac": "How many times a new customer pays back what it cost to win.",
    "payback_months": "Months of gross profit that repay the CAC, ignoring churn.",
    "payback_months_with_churn": "Months of gross profit that repay the CAC, counting that some customers leave first; "
                                 "never beyond 600, and never counts: a p50 on it reads never.",
    "burn_multiple": "Dollars burned per dollar of new ARR over the last year; undefined if ARR did not grow.",
    "rule_of_40": "Growth rate plus operating margin, in points; the rule of thumb asks for 40 or more.",
}

FORMULAS: dict[str, str] = {
    "customers": "active accounts at the end of t",
    "new_customers": "paid_new + referral_new",
    "paid_new": "Poisson(segment spend / CAC of the month)",
    "referral_new": "Poisson(referrals_monthly × accounts that survived the month's churn)",
    "churned_customers": "accounts lost in t",
    "renewals_due": "accounts facing a renewal in t",
    "mrr": "MRR at the end of t",
    "arr": "12 × mrr",
    "new_mrr": "new accounts × arpa_monthly",
    "expansion_mrr": "expansion_monthly × MRR of the month's survivors",
    "contraction_mrr": "contraction_monthly × MRR of the month's survivors",
    "churned_mrr": "MRR of the accounts lost in t",
    "net_new_mrr": "new_mrr + expansion_mrr − contraction_mrr − churned_mrr; mrr(t) = mrr(t−1) + net_new_mrr(t)",
    "logo_churn_rate": "churned_customers(t) / customers(t−1)",
    "annualized_logo_churn": "1 − Π over the last 12 months of (1 − logo_churn_rate); from t = 12",
    "renewal_rate": "1 − churned_customers / renewals_due",
    "gross_mrr_churn_rate": "(churned_mrr + contraction_mrr) / mrr(t−1)",
    "nrr_monthly": "(mrr(t−1) + expansion − contraction − churned) / mrr(t−1)",
    "grr_monthly": "(mrr(t−1) − contraction − churned) / mrr(t−1)",
    "nrr_12m": "MRR at t of the accounts active at t−12 / mrr(t−12); from t = 12",
    "grr_12m": "Σ over those accounts still active at t of MRR(t−12) × Π (1 − contraction rate) / mrr(t−12); from t = 12",
    "quick_ratio": "(new_mrr + expansion_mrr) / (churned_mrr + contraction_mrr)",
    "acquisition_spend": "spend_monthly × (1 + spend_growth_monthly)^(t−1) + reinvest_gross_profit × gross_profit(t−1)",
    "cac": "acquisition_spend / new_customers (summary: Σ spend / Σ new customers over the horizon)",
    "paid_cac": "acquisition_spend / paid_new",
    "revenue": "MRR at the end of t",
    "gross_profit": "Σ segments revenue × gross_margin",
    "cs_cost": "Σ segments retention_cost_monthly × customers",
    "fixed_costs": "fixed_costs_monthly",
    "collections": "monthly billing: revenue; upfront: contract_months × MRR of every account starting a term",
    "cash": "cash(t−1) + collections − (revenue − gross_profit) − acquisition_spend − cs_cost − fixed_costs + cash_in",
    "net_burn": "max(0, cash(t−1) − cash(t) + cash_in(t))",
    "arr_end": "arr at t = H",
    "mrr_end": "mrr at t = H",
    "customers_end": "customers at t = H",
    "cash_end": "cash at t = H",
    "cash_min": "min over t of cash(t)",
    "out_of_cash": "1 if cash < 0 in some month, else 0",
    "cash_out_month": "first month with cash < 0; undefined if none",
    "arr_growth_yoy_end": "arr(H) / arr(H−12) − 1; H ≥ 13",
    "annualized_logo_churn_end": "annualized_logo_churn at t = H; H ≥ 12",
    "nrr_12m_end": "nrr_12m at t = H; H ≥ 12",
    "grr_12m_end": "grr_12m at t = H; H ≥ 12",
    "ltv_simple": "arpa_monthly × gross_margin / m_eq, m_eq = 1 − (1 − p)^(1/C)",
    "ltv": "gross_margin × Σ_{k<L} S_k × arpa × (1 + e − c)^k / (1 + d)^k",
    "ltv_cac": "ltv / CAC of month 1",
    "payback_months": "CAC / (arpa × gross_margin)",
    "payback_months_with_churn": "smallest k ≥ 1 with gross_margin × Σ_{j<k} S_j × arpa × (1 + e − c)^j ≥ CAC; "
                                 "never if k > 600",
    "burn_multiple": "Σ net_burn over the last 12 months / (arr(H) − arr(H−12))",
    "rule_of_40": "100 × arr_growth_yoy_end + 100 × operating margin over the last 12 months",
}

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Customers (monthly)", ("customers", "new_customers", "paid_new", "referral_new", "churned_customers",
                             "renewals_due")),
    ("MRR and its movements (monthly)", ("mrr", "arr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
                                         "net_new_mrr")),
    ("Retention (monthly)", ("logo_churn_rate", "annualized_logo_churn", "renewal_rate", "gross_mrr_churn_rate",
                             "nrr_monthly", "grr_monthly", "nrr_12m", "grr_12m", "quick_ratio")),
    ("Acquisition (monthly)", ("acquisition_spend", "cac", "paid_cac")),
    ("Money (monthly)", ("revenue", "gross_profit", "cs_cost", "fixed_costs", "collections", "cash", "net_burn")),
    ("Summary: one value per path", ("arr_end", "mrr_end", "customers_end", "cash_end", "cash_min", "out_of_cash",
                                     "cash_out_month", "arr_growth_yoy_end", "annualized_logo_churn_end",
                                     "nrr_12m_end", "grr_12m_end", "ltv_simple", "ltv", "ltv_cac", "payback_months",
                                     "payback_months_with_churn", "burn_multiple", "rule_of_40")),
)
