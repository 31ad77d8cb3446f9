"""Frozen scenario types: what a validated scenario file becomes.

Every number that SPEC.md section 1 lets vary is a :data:`Number`: either a
plain ``float`` or a :class:`Distribution` drawn once per path (SPEC 2.6).
Integer-only fields are plain ``int``.  Nothing here reads files or draws
random numbers; :mod:`saas_sim.io.scenario` builds these objects and
:mod:`saas_sim.engine` draws from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DistName = Literal["normal", "lognormal", "uniform", "triangular", "beta"]


@dataclass(frozen=True)
class Distribution:
    """An uncertain value, in canonical parameters.

    normal: ``mean, sd``; lognormal: ``p5, p95`` (both > 0); uniform: ``low, high``;
    triangular: ``low, mode, high``; beta: ``alpha, beta`` (on 0..1).
    Draws are clipped into the field's valid range by the engine.
    """

    dist: DistName
    params: tuple[tuple[str, float], ...]

    def param(self, name: str) -> float:
        return dict(self.params)[name]

    def as_dict(self) -> dict[str, object]:
        return {"dist": self.dist, **dict(self.params)}


Number = float | Distribution


@dataclass(frozen=True)
class Correlation:
    between: tuple[str, str]
    rho: float


@dataclass(frozen=True)
class Simulation:
    paths: int = 5000
    seed: int | None = None
    correlations: tuple[Correlation, ...] = ()


@dataclass(frozen=True)
class Funding:
    """A round raised when cash runs low (SPEC 2.5): attempted at the end of a month whose cash is
    under ``below_cash``, closing with ``probability``, the money arriving ``months_to_close`` later."""

    below_cash: Number
    amount: Number
    probability: Number = 1.0
    months_to_close: int = 3
    max_rounds: int = 1


@dataclass(frozen=True)
class CustomerSuccess:
    """Customer-success managers staffed from ARR (SPEC 2.7): one per ``arr_per_csm`` of last month's ARR."""

    arr_per_csm: Number
    cost_per_csm_monthly: Number


CashPolicy = Literal["continue", "stop_acquisition", "shut_down"]


@dataclass(frozen=True)
class Company:
    starting_cash: Number
    fixed_costs_monthly: Number
    discount_rate_annual: Number = 0.0
    ltv_horizon_months: Number = 60.0
    when_out_of_cash: CashPolicy = "continue"
    funding: Funding | None = None
    customer_success: CustomerSuccess | None = None


@dataclass(frozen=True)
class Acquisition:
    spend_monthly: Number
    spend_growth_monthly: Number = 0.0
    reinvest_gross_profit: Number = 0.0


@dataclass(frozen=True)
class Funnel:
    cost_per_lead: Number
    lead_to_trial: Number
    trial_to_paid: Number


@dataclass(frozen=True)
class Churn:
    """Exactly one of: ``monthly``, ``annual``, or ``alpha`` with ``beta``.

    ``heterogeneity`` goes with ``monthly`` / ``annual`` only.
    """

    monthly: Number | None = None
    annual: Number | None = None
    heterogeneity: Number = 0.0
    alpha: Number | None = None
    beta: Number | None = None


@dataclass(frozen=True)
class StartingCohort:
    """One group of the installed base (SPEC 2.1): ``customers`` accounts of tenure ``tenure_months``
    sharing ``mrr`` (the group's MRR in total)."""

    tenure_months: int
    customers: int
    mrr: float


@dataclass(frozen=True)
class Segment:
    name: str
    arpa_monthly: Number
    churn: Churn
    gross_margin: Number
    spend_share: float = 1.0
    cac: Number | None = None
    funnel: Funnel | None = None
    cac_elasticity: Number = 0.0
    starting_customers: int = 0
    starting_mrr: Number | None = None  # None: starting_customers * arpa_monthly (per path)
    starting_tenure_months: int = 0
    # The installed base by tenure, instead of the three keys above; when given, the loader sets
    # starting_customers and starting_mrr to its totals (and starting_tenure_months stays 0).
    starting_cohorts: tuple[StartingCohort, ...] | None = None
    contract_months: int = 1
    billing: Literal["monthly", "upfront"] = "monthly"
    expansion_monthly: Number = 0.0
    contraction_monthly: Number = 0.0
    retention_cost_monthly: Number = 0.0
    referrals_monthly: Number = 0.0


@dataclass(frozen=True)
class Event:
    """Changes applied at the start of ``month`` (before churn).

    ``set`` maps dotted field paths (``segments.SMB.churn.monthly``) to values.
    """

    month: int
    note: str | None = None
    set: tuple[tuple[str, Number], ...] = ()
    cash_in: Number | None = None


@dataclass(frozen=True)
class Program:
    """A retention / customer-success program (SPEC 2.7), active in months ``from_month..to_month``.

    ``segments``: the names of the segments it acts on, in the file's order (the loader fills in every
    segment when the file leaves it out); ``to_month`` None: the horizon.
    """

    name: str
    cost_monthly: Number
    segments: tuple[str, ...] = ()
    from_month: int = 1
    to_month: int | None = None
    churn_change: Number = 0.0
    expansion_change: Number = 0.0


@dataclass(frozen=True)
class Migration:
    """Accounts moving from one segment to another each month (SPEC 2.8)."""

    source: str  # the file's ``from`` (a Python keyword)
    target: str  # the file's ``to``
    monthly: Number
    mrr_multiplier: Number = 1.0


@dataclass(frozen=True)
class Scenario:
    name: str
    horizon_months: int
    company: Company
    acquisition: Acquisition
    segments: tuple[Segment, ...]
    description: str = ""
    currency: str = "USD"
    simulation: Simulation = field(default_factory=Simulation)
    events: tuple[Event, ...] = ()
    programs: tuple[Program, ...] = ()
    migrations: tuple[Migration, ...] = ()
