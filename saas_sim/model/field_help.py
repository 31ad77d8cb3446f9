"""A short explanation and the unit of every scenario field (SPEC 1), for editors and help text.

Keys are field paths as in events, with segment fields under ``segments.*``.
"""

from __future__ import annotations

FIELD_HELP: dict[str, tuple[str, str]] = {
    "name": ("text", "The scenario's name: how the store knows it (1..80 characters)."),
    "description": ("text", "A few words on the story this scenario tells."),
    "horizon_months": ("months", "How far ahead to simulate, 1..240."),
    "currency": ("code", "The currency money is shown in (USD, EUR, ...): a label, no conversion."),
    "simulation.paths": ("paths", "How many possible futures to draw; more paths, steadier percentiles."),
    "simulation.seed": ("integer", "The random seed: the same seed gives the same futures. Empty: a fresh one."),
    "simulation.correlations": ("list", "Pairs of uncertain fields that move together: [{between: [a, b], rho: 0.5}]."),
    "company.starting_cash": ("money", "Cash in the bank at the start."),
    "company.fixed_costs_monthly": ("money / month", "Team, rent, tools: costs that do not grow with customers."),
    "company.discount_rate_annual": ("rate / year", "Discount rate of LTV (0 = none), e.g. 10%."),
    "company.ltv_horizon_months": ("months", "How many months of gross profit an LTV counts."),
    "acquisition.spend_monthly": ("money / month", "Sales and marketing spend in month 1."),
    "acquisition.spend_growth_monthly": ("rate / month", "How fast spend grows each month (-100%..100%)."),
    "acquisition.reinvest_gross_profit": ("share", "Share of last month's gross profit added to spend, 0..1."),
    "segments.name": ("text", "The segment's name (no dots): events address it as segments.NAME."),
    "segments.spend_share": ("share", "This segment's share of the acquisition spend; shares sum to 1."),
    "segments.cac": ("money / account", "Customer acquisition cost: spend per paid new account."),
    "segments.funnel.cost_per_lead": ("money / lead", "Spend per lead, instead of a CAC."),
    "segments.funnel.lead_to_trial": ("share", "Share of leads that start a trial."),
    "segments.funnel.trial_to_paid": ("share", "Share of trials that become paying accounts."),
    "segments.cac_elasticity": ("exponent", "How CAC rises as spend grows: CAC x (spend / month-1 spend)^e."),
    "segments.arpa_monthly": ("money / month", "Average revenue per account per month (MRR per account)."),
    "segments.starting_customers": ("accounts", "Paying accounts at the start."),
    "segments.starting_mrr": ("money / month", "MRR at the start; default accounts x ARPA."),
    "segments.starting_tenure_months": ("months", "How long the starting accounts have been customers."),
    "segments.contract_months": ("months", "Contract length: 1 = monthly plan, 12 = annual; churn only at renewals."),
    "segments.billing": ("monthly|upfront", "Monthly invoices, or the whole contract paid at its start."),
    "segments.churn.monthly": ("rate / month", "Share of accounts due to renew that leave, per month of contract."),
    "segments.churn.annual": ("rate / year", "Churn per year, for annual contracts (1 - (1 - monthly)^12)."),
    "segments.churn.heterogeneity": ("0..1", "0: every account churns alike; higher: churn falls with tenure (sBG)."),
    "segments.churn.alpha": ("> 0", "Shifted-beta-geometric alpha (mean churn alpha / (alpha + beta))."),
    "segments.churn.beta": ("> 0", "Shifted-beta-geometric beta: larger, churn falls faster with tenure."),
    "segments.expansion_monthly": ("rate / month", "MRR growth of staying accounts (upsell), per month."),
    "segments.contraction_monthly": ("rate / month", "MRR shrink of staying accounts (downgrades), per month."),
    "segments.gross_margin": ("share", "Gross margin: revenue minus hosting and support, as a share."),
    "segments.retention_cost_monthly": ("money / account / month", "Customer-success cost per account per month."),
    "segments.referrals_monthly": ("accounts / account / month", "New accounts each account refers per month."),
    "events.month": ("month", "The month the event happens, 1..horizon."),
    "events.note": ("text", "What happens, in words."),
    "events.set": ("fields", "Fields that change from that month: {segments.SMB.churn.monthly: 2%}."),
    "events.cash_in": ("money", "Cash that arrives that month: a funding round, a loan."),
}


def generic_path(path: str) -> str:
    """``segments[0].churn.monthly`` -> ``segments.churn.monthly``; ``events[2].month`` -> ``events.month``."""
    head, bracket, rest = path.partition("[")
    if not bracket:
        return path
    return head + rest.partition("]")[2]


def help_for(path: str) -> tuple[str, str] | None:
    """The unit and the explanation of a field path, or None."""
    return FIELD_HELP.get(generic_path(path))
