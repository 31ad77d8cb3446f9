"""Every metric of SPEC 3, declared once: what it is, how it reads, what it means.

One :class:`Metric` per name of SPEC 3.1 (monthly series) and 3.2 (summary);
``cac`` is both and has one entry, listed in both tables.  Everything else
reads these declarations: the glossary and its groups, the statistic a user
reads (p50, or the mean of a 0/1 metric), which way is better, the formats,
the company-only names, what ``inf`` and an undefined p50 mean, the labels,
the unit-economics names the kernel computes from month-1 parameters,
and how every other metric is computed from the kernel's raw series.

To add a derived metric: declare it here, in :data:`SERIES` or
:data:`SUMMARY` at the place it takes in SPEC 3, with its ``derive`` (a
series, from other series: ``derive=lambda v: formulas.ratio(v["mrr"],
v["customers"])``) or its ``summarize`` (a summary, from series and other
summaries: ``summarize=lambda v: v.end("arr")``); ``v`` is a
:class:`~saas_sim.model.formulas.Views` of the company or a segment.  A
formula longer than a line is a pure function with its equation in
:mod:`saas_sim.model.formulas` (its ``formula_home``).  The engine
computes, describes and reports it from this declaration alone
(:mod:`saas_sim.model.metrics` reads the catalog); add its test.

Notation of the formulas: month ``t = 1..H``, ``x(t−1)`` last month's value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

    from saas_sim.model import formulas
    from saas_sim.model.formulas import Views

    Derive = Callable[[Views], np.ndarray]
    """How a metric is computed from a view's series (and, for a summary, its other summaries)."""
else:

    class _Formulas:
        """:mod:`saas_sim.model.formulas`, imported when a formula is first called: it needs numpy,
        which ``saas-sim --help`` (reading this catalog) must not import."""

        def __getattr__(self, name: str) -> Any:
            from saas_sim.model import formulas

            return getattr(formulas, name)

    formulas = _Formulas()

Role = Literal["series", "summary", "both"]
Kind = Literal["money", "count", "rate", "month", "months", "multiple", "points", "number"]
"""How a value reads: ``money`` in the run's currency, ``count`` of accounts, ``rate`` as a percent,
``month`` a month of the horizon, ``months`` a duration, ``multiple`` ``3.1×``, ``points`` ``42 pts``;
``number`` a plain compact number (every series not drawn with a unit today)."""
Statistic = Literal["p50", "mean"]
Better = Literal["higher", "lower"]
Undefined = Literal["undefined", "never"]

# The glossary's groups, in the order a reader meets them.
CUSTOMERS = "Customers (monthly)"
MRR = "MRR and its movements (monthly)"
RETENTION = "Retention (monthly)"
ACQUISITION = "Acquisition (monthly)"
MONEY = "Money (monthly)"
MOVES = "Moves between segments (monthly)"
PER_PATH = "Summary: one value per path"

_ACRONYMS = {"arr": "ARR", "mrr": "MRR", "nrr": "NRR", "grr": "GRR", "cac": "CAC", "ltv": "LTV"}

_RECIPES = "saas_sim.model.metrics.series_recipes"
_SUMMARY = "saas_sim.model.metrics.summary"
_FORMULAS = "saas_sim.model.formulas"
_KERNEL = "saas_sim.engine.compiled.simulate_paths"


def label_of(name: str) -> str:
    """A metric name as a label: ``nrr_12m_end`` -> ``NRR 12m end`` (acronyms in capitals, first letter too)."""
    label = " ".join(_ACRONYMS.get(word, word) for word in name.split("_"))
    return label[0].upper() + label[1:]


@dataclass(frozen=True)
class Metric:
    """One metric of SPEC 3 and everything the layers above need to know of it."""

    name: str  # exactly as SPEC 3.1/3.2 and the result document name it
    role: Role  # a monthly series (3.1), a summary metric (3.2), or both (``cac``)
    kind: Kind
    group: str  # the glossary group it is listed under
    meaning: str  # what the number tells, in a founder's words (the glossary)
    formula: str  # how it is computed, in one line
    formula_home: str  # the dotted name of the function whose docstring holds its formula
    better: Better | None = None  # which way is better (None: neither, or not judged)
    statistic: Statistic = "p50"  # what a user reads over paths: the mean of a 0/1 metric is its probability
    company_only: bool = False  # the company has it, a segment does not (cash and what follows from it)
    segment_only: bool = False  # a segment has it, the company does not (accounts moving between segments)
    undefined: Undefined = "undefined"  # "never": inf on a path means it never happens, and counts (SPEC 3.2)
    undefined_p50_reads_never: bool = False  # on screen, an undefined p50 reads "never", not "—"
    unit_economics: bool = False  # per segment from month-1 parameters (the kernel); the company weighs them
    label: str = ""  # short label; by default from the name (``label_of``)
    table_label: str = ""  # in the key-metrics and diagnosis tables; by default ``label``
    card_label: str = ""  # on the TUI's card, when it has one; by default ``label``
    derive: Derive | None = None  # a series computed from others; None: the kernel records it as it is
    summarize: Derive | None = None  # a summary computed from the series; None: the kernel's unit economics
    same_as: str = ""  # a series that is another one under a second name (``revenue`` is ``mrr``): one array

    def __post_init__(self) -> None:
        if self.derive is not None and not self.is_series:
            raise ValueError(f"{self.name}: only a series is derived; a summary is summarized")
        if self.summarize is not None and not self.is_summary:
            raise ValueError(f"{self.name}: only a summary metric is summarized")
        if self.same_as and (self.derive is not None or not self.is_series):
            raise ValueError(f"{self.name}: a series that is another one has no derive of its own")
        if self.is_summary and self.summarize is None and not self.unit_economics:
            raise ValueError(f"{self.name}: a summary metric is summarized, or the kernel computes it")
        if not self.label:
            object.__setattr__(self, "label", label_of(self.name))
        if not self.table_label:
            object.__setattr__(self, "table_label", self.label)
        if not self.card_label:
            object.__setattr__(self, "card_label", self.label)

    @property
    def is_series(self) -> bool:
        return self.role in ("series", "both")

    @property
    def is_summary(self) -> bool:
        return self.role in ("summary", "both")

    @property
    def inf_is_never(self) -> bool:
        """Whether ``inf`` on a path means "never": the statistics count it (:data:`NEVER_SUMMARY`)."""
        return self.undefined == "never"


def _raw_or_zero(v: Views, name: str) -> np.ndarray:
    """A segment's move series: the kernel's, or zeros in a scenario without migrations."""
    return formulas.raw_or_zero(v, name)


CAC = Metric(
    "cac",
    "both",
    "money",
    ACQUISITION,
    "Blended cost of winning a customer; referrals lower it. The summary's is over the whole plan.",
    "acquisition_spend / new_customers (summary: Σ spend / Σ new customers over the horizon)",
    _RECIPES,
    better="lower",
    derive=lambda v: formulas.ratio(v["acquisition_spend"], v["new_customers"]),
    summarize=lambda v: formulas.ratio(v["acquisition_spend"].sum(axis=1), v["new_customers"].sum(axis=1)),
)

# SPEC 3.1, in its order.
SERIES: tuple[Metric, ...] = (
    # -- customers --
    Metric(
        "customers",
        "series",
        "count",
        CUSTOMERS,
        "The size of the base: active accounts at the end of the month.",
        "active accounts at the end of t",
        _KERNEL,
    ),
    Metric(
        "new_customers",
        "series",
        "number",
        CUSTOMERS,
        "Accounts that joined this month, bought or referred.",
        "paid_new + referral_new",
        _RECIPES,
        derive=lambda v: v["paid_new"] + v["referral_new"],
    ),
    Metric(
        "paid_new",
        "series",
        "number",
        CUSTOMERS,
        "Accounts bought with acquisition spend.",
        "Poisson(segment spend / CAC of the month)",
        _KERNEL,
    ),
    Metric(
        "referral_new",
        "series",
        "number",
        CUSTOMERS,
        "Accounts that came by word of mouth, for free.",
        "Poisson(referrals_monthly × accounts that survived the month's churn)",
        _KERNEL,
    ),
    Metric(
        "churned_customers",
        "series",
        "number",
        CUSTOMERS,
        "Accounts lost this month; only accounts facing a renewal can leave.",
        "accounts lost in t",
        _KERNEL,
    ),
    Metric(
        "renewals_due",
        "series",
        "number",
        CUSTOMERS,
        "Accounts facing a renewal this month: everyone on monthly plans, the anniversaries on annual ones.",
        "accounts facing a renewal in t",
        _KERNEL,
    ),
    # -- MRR and its movements --
    Metric(
        "mrr",
        "series",
        "money",
        MRR,
        "Monthly recurring revenue at the end of the month.",
        "MRR at the end of t",
        _KERNEL,
    ),
    Metric(
        "arr",
        "series",
        "money",
        MRR,
        "Annual run rate, the number investors quote.",
        "12 × mrr",
        _RECIPES,
        derive=lambda v: 12.0 * v["mrr"],
    ),
    Metric(
        "new_mrr", "series", "number", MRR, "Revenue added by new accounts.", "new accounts × arpa_monthly", _KERNEL
    ),
    Metric(
        "expansion_mrr",
        "series",
        "number",
        MRR,
        "Revenue added by upgrades and more seats.",
        "expansion_monthly × MRR of the month's survivors",
        _KERNEL,
    ),
    Metric(
        "contraction_mrr",
        "series",
        "number",
        MRR,
        "Revenue lost to downgrades and fewer seats.",
        "contraction_monthly × MRR of the month's survivors",
        _KERNEL,
    ),
    Metric(
        "churned_mrr",
        "series",
        "number",
        MRR,
        "Revenue that walked out with the accounts lost.",
        "MRR of the accounts lost in t",
        _KERNEL,
    ),
    Metric(
        "net_new_mrr",
        "series",
        "number",
        MRR,
        "The MRR bridge: how much MRR grew this month, all movements together.",
        "new_mrr + expansion_mrr − contraction_mrr − churned_mrr; mrr(t) = mrr(t−1) + net_new_mrr(t)",
        _KERNEL,
    ),
    # -- retention --
    Metric(
        "logo_churn_rate",
        "series",
        "number",
        RETENTION,
        "Share of last month's customers lost this month.",
        "churned_customers(t) / customers(t−1)",
        _RECIPES,
        derive=lambda v: formulas.ratio(v["churned_customers"], v.previous("customers", start="customers0")),
    ),
    Metric(
        "annualized_logo_churn",
        "series",
        "number",
        RETENTION,
        "Share of customers lost over the last twelve months, compounded (3 % a month is 31 % a year).",
        "1 − Π over the last 12 months of (1 − logo_churn_rate); from t = 12",
        f"{_FORMULAS}.annualized_logo_churn",
        derive=lambda v: formulas.annualized_logo_churn(v["logo_churn_rate"]),
    ),
    Metric(
        "renewal_rate",
        "series",
        "number",
        RETENTION,
        "Of the accounts that could leave this month, the share that stayed.",
        "1 − churned_customers / renewals_due",
        _RECIPES,
        derive=lambda v: 1.0 - formulas.ratio(v["churned_customers"], v["renewals_due"]),
    ),
    Metric(
        "gross_mrr_churn_rate",
        "series",
        "number",
        RETENTION,
        "Revenue lost from the existing base this month, before any expansion.",
        "(churned_mrr + contraction_mrr) / mrr(t−1)",
        _RECIPES,
        derive=lambda v: formulas.ratio(v["churned_mrr"] + v["contraction_mrr"], v.previous("mrr", start="mrr0")),
    ),
    Metric(
        "nrr_monthly",
        "series",
        "number",
        RETENTION,
        "Net revenue retention over one month: above 1, the base grows by itself.",
        "(mrr(t−1) + expansion − contraction − churned) / mrr(t−1)",
        f"{_FORMULAS}.net_revenue_retention",
        derive=lambda v: formulas.net_revenue_retention(
            v.previous("mrr", start="mrr0"), v["expansion_mrr"], v["contraction_mrr"], v["churned_mrr"]
        ),
    ),
    Metric(
        "grr_monthly",
        "series",
        "number",
        RETENTION,
        "Gross revenue retention over one month: upgrades left out, so at most 1.",
        "(mrr(t−1) − contraction − churned) / mrr(t−1)",
        f"{_FORMULAS}.gross_revenue_retention",
        derive=lambda v: formulas.gross_revenue_retention(
            v.previous("mrr", start="mrr0"), v["contraction_mrr"], v["churned_mrr"]
        ),
    ),
    Metric(
        "nrr_12m",
        "series",
        "number",
        RETENTION,
        "What a dollar of revenue a year ago has become, upgrades and losses included; new accounts left out.",
        "MRR at t of the accounts active at t−12 / mrr(t−12); from t = 12",
        _RECIPES,
        # the kernel counts the numerator (the MRR now of the accounts active a year ago)
        derive=lambda v: formulas.from_month(
            formulas.ratio(v["nrr_12m_numerator"], formulas.retention_base(v)), formulas.YEAR
        ),
    ),
    Metric(
        "grr_12m",
        "series",
        "number",
        RETENTION,
        "How much of last year's revenue survived churn and downgrades, no credit for upgrades.",
        "Σ over those accounts still active at t of MRR(t−12) × Π (1 − contraction rate) / mrr(t−12); from t = 12",
        _RECIPES,
        derive=lambda v: formulas.from_month(
            formulas.ratio(v["grr_12m_numerator"], formulas.retention_base(v)), formulas.YEAR
        ),
    ),
    Metric(
        "quick_ratio",
        "series",
        "number",
        RETENTION,
        "MRR gained per dollar of MRR lost; 4 or more is efficient growth, near 1 the bucket leaks as fast as it fills.",
        "(new_mrr + expansion_mrr) / (churned_mrr + contraction_mrr)",
        _RECIPES,
        derive=lambda v: formulas.ratio(v["new_mrr"] + v["expansion_mrr"], v["churned_mrr"] + v["contraction_mrr"]),
    ),
    # -- acquisition --
    Metric(
        "acquisition_spend",
        "series",
        "number",
        ACQUISITION,
        "Sales and marketing spent this month (a segment: its share).",
        "spend_monthly × (1 + spend_growth_monthly)^(t−1) + reinvest_gross_profit × gross_profit(t−1)",
        _KERNEL,
    ),
    CAC,
    Metric(
        "paid_cac",
        "series",
        "number",
        ACQUISITION,
        "What a bought customer costs; rises as spend grows.",
        "acquisition_spend / paid_new",
        _RECIPES,
        derive=lambda v: formulas.ratio(v["acquisition_spend"], v["paid_new"]),
    ),
    # -- money --
    Metric(
        "revenue",
        "series",
        "number",
        MONEY,
        "Revenue recognised in the month (equal to MRR).",
        "MRR at the end of t",
        _RECIPES,
        same_as="mrr",
    ),
    Metric(
        "gross_profit",
        "series",
        "number",
        MONEY,
        "What is left of revenue after hosting, payment fees and other cost of revenue.",
        "Σ segments revenue × gross_margin",
        _KERNEL,
    ),
    Metric(
        "cs_cost",
        "series",
        "number",
        MONEY,
        "Customer-success cost.",
        "Σ segments retention_cost_monthly × customers",
        _KERNEL,
    ),
    Metric(
        "fixed_costs",
        "series",
        "number",
        MONEY,
        "R&D and G&A: everything but sales and marketing, cost of revenue and customer success (company only).",
        "fixed_costs_monthly",
        _KERNEL,
        company_only=True,
    ),
    Metric(
        "collections",
        "series",
        "number",
        MONEY,
        "Cash actually received from customers; upfront billing brings a year of revenue in at once.",
        "monthly billing: revenue; upfront: contract_months × MRR of every account starting a term",
        _KERNEL,
    ),
    Metric(
        "cash",
        "series",
        "money",
        MONEY,
        "The bank balance; it may go negative so you can see how deep the hole is (company only).",
        "cash(t−1) + collections − (revenue − gross_profit) − acquisition_spend − cs_cost − fixed_costs + cash_in",
        _KERNEL,
        company_only=True,
    ),
    Metric(
        "net_burn",
        "series",
        "number",
        MONEY,
        "Cash burned this month, funding rounds left out; 0 in a month that made money (company only).",
        "max(0, cash(t−1) − cash(t) + cash_in(t))",
        f"{_FORMULAS}.net_burn",
        company_only=True,
        derive=lambda v: formulas.net_burn(v["cash"], v.raw["starting_cash"], v["cash_in"]),
    ),
    Metric(
        "closed",
        "series",
        "number",
        MONEY,
        "1 once the company has shut down for want of cash (when_out_of_cash: shut_down); its mean is the "
        "share of futures closed by then (company only).",
        "1 from the month after the first month with cash < 0, under shut_down; else 0",
        _KERNEL,
        better="lower",
        company_only=True,
    ),
    Metric(
        "funding_in",
        "series",
        "number",
        MONEY,
        "Cash a funding round brought in this month (company.funding; company only).",
        "amount, months_to_close after an attempt that closed",
        _KERNEL,
        company_only=True,
    ),
    Metric(
        "csm_headcount",
        "series",
        "count",
        MONEY,
        "Customer-success managers staffed for last month's ARR (company.customer_success; company only).",
        "⌈arr(t−1) / arr_per_csm⌉",
        _KERNEL,
        company_only=True,
    ),
    *(
        Metric(
            name,
            "series",
            "number",
            MOVES,
            meaning,
            formula,
            _RECIPES,
            segment_only=True,
            derive=functools.partial(_raw_or_zero, name=name),
        )
        for name, meaning, formula in (
            (
                "migrated_in_customers",
                "Accounts that moved into this segment this month (migrations; segments only).",
                "Σ migrations into it: Binomial(accounts of the source, monthly)",
            ),
            (
                "migrated_out_customers",
                "Accounts that moved out of this segment this month (migrations; segments only).",
                "Σ migrations out of it, each applied to the accounts still there",
            ),
            (
                "migrated_in_mrr",
                "MRR that moved into this segment, after the move's multiplier (segments only).",
                "Σ movers' MRR × mrr_multiplier",
            ),
            (
                "migrated_out_mrr",
                "MRR that moved out of this segment, before the move (segments only).",
                "Σ movers' MRR",
            ),
        )
    ),
)

# SPEC 3.2, in its order.
SUMMARY: tuple[Metric, ...] = (
    Metric(
        "arr_end",
        "summary",
        "money",
        PER_PATH,
        "ARR at the end of the horizon: where the company ends up.",
        "arr at t = H",
        _SUMMARY,
        better="higher",
        card_label="ARR",
        summarize=lambda v: v.end("arr"),
    ),
    Metric(
        "mrr_end",
        "summary",
        "money",
        PER_PATH,
        "MRR at the end of the horizon.",
        "mrr at t = H",
        _SUMMARY,
        better="higher",
        summarize=lambda v: v.end("mrr"),
    ),
    Metric(
        "customers_end",
        "summary",
        "count",
        PER_PATH,
        "Active accounts at the end of the horizon.",
        "customers at t = H",
        _SUMMARY,
        better="higher",
        summarize=lambda v: v.end("customers"),
    ),
    Metric(
        "cash_end",
        "summary",
        "money",
        PER_PATH,
        "Cash in the bank at the end of the horizon.",
        "cash at t = H",
        _SUMMARY,
        better="higher",
        company_only=True,
        summarize=lambda v: v.end("cash"),
    ),
    Metric(
        "cash_min",
        "summary",
        "money",
        PER_PATH,
        "The tightest moment: how much buffer, or how big a bridge loan, the plan needs.",
        "min over t of cash(t)",
        _SUMMARY,
        better="higher",
        company_only=True,
        summarize=lambda v: v["cash"].min(axis=1),
    ),
    Metric(
        "out_of_cash",
        "summary",
        "rate",
        PER_PATH,
        "Whether the money ran out; its mean is the probability of running out of cash.",
        "1 if cash < 0 in some month, else 0",
        _SUMMARY,
        better="lower",
        statistic="mean",  # a 0/1 per path: its p50 says nothing, its mean is the probability
        company_only=True,
        table_label="Out of cash (probability)",
        card_label="Out of cash",
        summarize=lambda v: (v["cash"] < 0).any(axis=1).astype(float),
    ),
    Metric(
        "cash_out_month",
        "summary",
        "month",
        PER_PATH,
        "When the money runs out, on the paths where it does (shown with their count when few).",
        "first month with cash < 0; undefined if none",
        f"{_FORMULAS}.cash_out_month",
        better="higher",
        company_only=True,
        undefined_p50_reads_never=True,  # undefined where cash never runs out
        table_label="Cash out month (when out)",
        card_label="Cash out at",
        summarize=lambda v: formulas.cash_out_month(v["cash"]),
    ),
    Metric(
        "arr_growth_yoy_end",
        "summary",
        "rate",
        PER_PATH,
        "ARR growth over the last year of the horizon.",
        "arr(H) / arr(H−12) − 1; H ≥ 13",
        f"{_FORMULAS}.yoy_growth",
        better="higher",
        summarize=lambda v: formulas.yoy_growth(v["arr"]),
    ),
    Metric(
        "annualized_logo_churn_end",
        "summary",
        "rate",
        PER_PATH,
        "The yearly customer churn the company ends with.",
        "annualized_logo_churn at t = H (a path that shut down: at its last month open); H ≥ 12",
        _SUMMARY,
        better="lower",
        card_label="Logo churn",
        summarize=lambda v: formulas.last_open(v["annualized_logo_churn"], v.raw.get("closed")),
    ),
    Metric(
        "nrr_12m_end",
        "summary",
        "rate",
        PER_PATH,
        "Net revenue retention over the last year of the horizon.",
        "nrr_12m at t = H (a path that shut down: at its last month open); H ≥ 12",
        _SUMMARY,
        better="higher",
        card_label="NRR 12m",
        summarize=lambda v: formulas.last_open(v["nrr_12m"], v.raw.get("closed")),
    ),
    Metric(
        "grr_12m_end",
        "summary",
        "rate",
        PER_PATH,
        "Gross revenue retention over the last year of the horizon.",
        "grr_12m at t = H (a path that shut down: at its last month open); H ≥ 12",
        _SUMMARY,
        better="higher",
        card_label="GRR 12m",
        summarize=lambda v: formulas.last_open(v["grr_12m"], v.raw.get("closed")),
    ),
    CAC,
    Metric(
        "ltv_simple",
        "summary",
        "money",
        PER_PATH,
        'The classic "ARPA × margin ÷ churn": gross profit of an average customer over its life; '
        "no expansion, no discounting.",
        "arpa_monthly × gross_margin / m_eq, m_eq = 1 − (1 − p)^(1/C)",
        "saas_sim.model.unit_economics.ltv_simple",
        better="higher",
        unit_economics=True,
    ),
    Metric(
        "ltv",
        "summary",
        "money",
        PER_PATH,
        "Lifetime gross profit of a new account, with expansion, contraction, discounting and the churn model's "
        "survival.",
        "gross_margin × Σ_{k<L} S_k × arpa × (1 + e − c)^k / (1 + d)^k",
        "saas_sim.model.unit_economics.ltv_and_payback",
        better="higher",
        unit_economics=True,
    ),
    Metric(
        "ltv_cac",
        "summary",
        "multiple",
        PER_PATH,
        "How many times a new customer pays back what it cost to win.",
        "ltv / CAC of month 1",
        "saas_sim.engine.kernel.unit_economics",
        better="higher",
        unit_economics=True,
        label="LTV/CAC",
    ),
    Metric(
        "payback_months",
        "summary",
        "months",
        PER_PATH,
        "Months of gross profit that repay the CAC, ignoring churn.",
        "CAC / (arpa × gross_margin)",
        "saas_sim.model.unit_economics.payback_months",
        better="lower",
        unit_economics=True,
    ),
    Metric(
        "payback_months_with_churn",
        "summary",
        "months",
        PER_PATH,
        "Months of gross profit that repay the CAC, counting that some customers leave first; "
        "never beyond 600, and never counts: a p50 on it reads never.",
        "smallest k ≥ 1 with gross_margin × Σ_{j<k} S_j × arpa × (1 + e − c)^j ≥ CAC; never if k > 600",
        "saas_sim.model.unit_economics.ltv_and_payback",
        better="lower",
        undefined="never",
        undefined_p50_reads_never=True,
        unit_economics=True,
        card_label="Payback",
    ),
    Metric(
        "burn_multiple",
        "summary",
        "multiple",
        PER_PATH,
        "Dollars burned per dollar of new ARR over the last year; undefined if ARR did not grow.",
        "Σ net_burn over the last 12 months / (arr(H) − arr(H−12))",
        f"{_FORMULAS}.burn_multiple",
        better="lower",
        company_only=True,
        summarize=lambda v: formulas.burn_multiple(v["net_burn"], v["arr"]),
    ),
    Metric(
        "rule_of_40",
        "summary",
        "points",
        PER_PATH,
        "Growth rate plus operating margin, in points; the rule of thumb asks for 40 or more.",
        "100 × arr_growth_yoy_end + 100 × operating margin over the last 12 months",
        f"{_FORMULAS}.rule_of_40",
        better="higher",
        company_only=True,
        summarize=lambda v: formulas.rule_of_40(
            v.summary("arr_growth_yoy_end"),
            gross_profit=v["gross_profit"],
            acquisition_spend=v["acquisition_spend"],
            cs_cost=v["cs_cost"],
            fixed_costs=v["fixed_costs"],
            revenue=v["revenue"],
        ),
    ),
)

METRICS: dict[str, Metric] = {entry.name: entry for entry in (*SERIES, *SUMMARY)}
"""Every metric by name: the series of SPEC 3.1, then the summary metrics of SPEC 3.2."""

SERIES_NAMES: tuple[str, ...] = tuple(entry.name for entry in SERIES)
SUMMARY_METRICS: tuple[str, ...] = tuple(entry.name for entry in SUMMARY)
"""The summary metrics of SPEC 3.2, in its order."""
MEAN_METRICS: tuple[str, ...] = tuple(entry.name for entry in SUMMARY if entry.statistic == "mean")
COMPANY_ONLY_SERIES: tuple[str, ...] = tuple(entry.name for entry in SERIES if entry.company_only)
SEGMENT_ONLY_SERIES: tuple[str, ...] = tuple(entry.name for entry in SERIES if entry.segment_only)
COMPANY_ONLY_SUMMARY: tuple[str, ...] = tuple(entry.name for entry in SUMMARY if entry.company_only)
NEVER_SUMMARY: tuple[str, ...] = tuple(entry.name for entry in SUMMARY if entry.inf_is_never)
"""Summaries where ``inf`` means "never" (SPEC 3.2), which is not undefined: their statistics count it."""
UNIT_ECONOMICS: tuple[str, ...] = tuple(entry.name for entry in SUMMARY if entry.unit_economics)
"""Per segment from month-1 parameters (the kernel); the company's are the segments' weighted (SPEC 3.2)."""


def statistic_name(name: str) -> Statistic:
    """The statistic a user reads of a metric: ``"mean"`` for a probability (``out_of_cash``), else ``"p50"``."""
    found = METRICS.get(name)
    return found.statistic if found is not None else "p50"


def glossary_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The glossary's groups in the order a reader meets them, each with its names in catalog order."""
    groups: dict[str, list[str]] = {}
    for entry in METRICS.values():
        groups.setdefault(entry.group, []).append(entry.name)
    return tuple((title, tuple(names)) for title, names in groups.items())
