"""Every key of a scenario file (SPEC 1), declared once: its path, numeric rule, unit, help and default.

:data:`FIELDS` holds one :class:`Field` per key, in the order of SPEC.md
section 1 (the order the normalized scenario keeps), blocks included
(``simulation``, ``company``, ``company.funding``, ``segments``,
``segments.churn``, ``events``, ``programs``, ``migrations``,
``simulation.correlations``...).  Paths are generic, as events write them
without the segment's (or program's) name or a list's index:
``company.fixed_costs_monthly``, ``segments.churn.monthly``,
``events.cash_in``, ``programs.cost_monthly``, ``migrations.monthly``.

Everything that knows about fields reads this table: the loader's keys of
each block (:mod:`saas_sim.io.scenario`), the rules of numbers
(:data:`TOP_LEVEL`, :data:`SEGMENT`, :func:`rule_for`), field help
(:func:`help_for`), the analyses' varied set and money
fields (:mod:`saas_sim.analysis.fields`), the editor's percent fields and
the kernel's parameter order (:data:`SEGMENT_PARAMS`, :data:`COMPANY_PARAMS`).

Every number has finite bounds: amounts of money at most ``MAX_AMOUNT`` (1e15)
either way, counts and months their own limits, so that whatever a file
holds, sums over accounts and months stay finite floats and every figure of
a result is a JSON number.  Uncertain draws are clipped into the same bounds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Unit = Literal[
    "money", "rate", "share", "count", "months", "month", "number", "integer", "text", "choice", "list", "block"
]


@dataclass(frozen=True)
class FieldRule:
    """The numeric rule of a field: valid range, integer-ness, whether it may be uncertain or set by an event."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False  # True: value must be > low
    high_open: bool = False  # True: value must be < high
    integer: bool = False  # plain integers only (SPEC 1)
    whole: bool = False  # a whole number, but any value form
    uncertain: bool = True  # may be a distribution
    settable: bool = True  # may be changed by an event
    clip_low: float | None = None  # where draws are clipped when low is open
    rate: bool = False  # a share or rate: 3 is refused with "write 3% or 0.03"

    def allowed(self) -> str:
        """What is allowed, in words, for error messages."""
        kind = "a whole number" if (self.integer or self.whole) else "a number"
        lo, hi = _fmt(self.low), _fmt(self.high)
        if math.isinf(self.low) and math.isinf(self.high):
            return f"must be {kind}"
        if math.isinf(self.high):
            return f"must be {kind} {'>' if self.low_open else '>='} {lo}"
        if math.isinf(self.low):
            return f"must be {kind} {'<' if self.high_open else '<='} {hi}"
        if self.low_open or self.high_open:
            left = ">" if self.low_open else ">="
            right = "<" if self.high_open else "<="
            return f"must be {kind} {left} {lo} and {right} {hi}"
        return f"must be {kind} between {lo} and {hi}"

    def contains(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if value < self.low or (self.low_open and value == self.low):
            return False
        if value > self.high or (self.high_open and value == self.high):
            return False
        return not ((self.integer or self.whole) and value != int(value))

    def clip_bounds(self) -> tuple[float, float]:
        """Closed interval that uncertain draws are clipped into."""
        low = self.low
        if self.low_open:
            low = self.clip_low if self.clip_low is not None else math.nextafter(self.low, math.inf)
        high = self.high
        if self.high_open:
            high = math.nextafter(self.high, -math.inf)
        return low, high


def _fmt(x: float) -> str:
    if abs(x) >= 1e12 and math.log10(abs(x)).is_integer():
        return f"{'-' if x < 0 else ''}1e{int(math.log10(abs(x)))}"  # 1e15, not 1000000000000000
    return str(int(x)) if float(x).is_integer() else repr(x)


# The largest amount of money a field takes (a quadrillion): far beyond any company, and small
# enough that sums over accounts and months stay finite and every figure fits a JSON number.
MAX_AMOUNT = 1e15
# The largest magnitude of any other number with no natural bound (a distribution's
# parameters, the sBG shapes).
MAX_MAGNITUDE = 1e15

FRACTION = FieldRule(0.0, 1.0, rate=True)
MONEY = FieldRule(0.0, MAX_AMOUNT)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: object = _Required()  # the default of a key the file must give


@dataclass(frozen=True)
class Field:
    """One key of a scenario file.

    ``path`` is generic (``segments.churn.monthly``); ``rule`` is None for
    what is no number (text, choices, blocks).  ``unit_label`` and ``help``
    are what field help shows (``help`` None: no help of its own, e.g. a
    block).  ``percent``: the editor shows the value as a percent.
    ``not_varied``: why the analyses leave it alone (None: they may vary
    it).  ``kernel``: the compiled kernel reads it as a parameter, in
    catalog order.
    """

    path: str
    unit: Unit
    unit_label: str = ""
    help: str | None = None
    rule: FieldRule | None = None
    default: object = REQUIRED
    percent: bool = False
    not_varied: str | None = None
    kernel: bool = False
    choices: tuple[str, ...] = ()
    placeholder: str = ""  # what an empty input in the editor stands for

    @property
    def key(self) -> str:
        """The last part of the path: ``monthly`` of ``segments.churn.monthly``."""
        return self.path.rpartition(".")[2]

    @property
    def parent(self) -> str:
        """The block the key is written in: ``segments.churn``; ``""`` at the top of the file."""
        return self.path.rpartition(".")[0]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def money(self) -> bool:
        return self.unit == "money"

    @property
    def block(self) -> bool:
        """A mapping or a list of mappings whose keys are fields of their own."""
        return self.unit == "block"


_NAME = "it is a name, not a number"
CASH_POLICIES = ("continue", "stop_acquisition", "shut_down")  # SPEC 2.5
_SIMULATION = "it is a setting of the simulation"

# SPEC.md section 1, in its order.
FIELDS: tuple[Field, ...] = (
    Field(
        "name",
        "text",
        "text",
        "The scenario's name: how the store knows it (1..80 characters).",
        not_varied=_NAME,
    ),
    Field("description", "text", "text", "A few words on the story this scenario tells.", default=""),
    Field(
        "horizon_months",
        "months",
        "months",
        "How far ahead to simulate, 1..240.",
        FieldRule(1, 240, integer=True, uncertain=False, settable=False),
        not_varied="it is the length of the simulation, not an input of the business",
    ),
    Field(
        "currency",
        "text",
        "code",
        "The currency money is shown in (USD, EUR, ...): a label, no conversion.",
        default="USD",
    ),
    Field("simulation", "block", default=None),
    Field(
        "simulation.paths",
        "count",
        "paths",
        "How many possible futures to draw; more paths, steadier percentiles.",
        FieldRule(1, 1_000_000, integer=True, uncertain=False, settable=False),
        default=5000,
        not_varied=f"{_SIMULATION} (use --paths)",
    ),
    Field(
        "simulation.seed",
        "integer",
        "integer",
        "The random seed: the same seed gives the same futures. Empty: a fresh one.",
        FieldRule(0, 2**63 - 1, integer=True, uncertain=False, settable=False),
        default=None,
        placeholder="a fresh seed",
        not_varied=f"{_SIMULATION} (use --seed)",
    ),
    Field(
        "simulation.correlations",
        "block",
        "list",
        "Pairs of uncertain fields that move together: [{between: [a, b], rho: 0.5}].",
        default=(),
    ),
    Field("simulation.correlations.between", "list"),
    Field(
        "simulation.correlations.rho",
        "number",
        rule=FieldRule(-1.0, 1.0, low_open=True, high_open=True, uncertain=False, settable=False),
    ),
    Field("company", "block"),
    Field(
        "company.starting_cash",
        "money",
        "money",
        "Cash in the bank at the start.",
        FieldRule(-MAX_AMOUNT, MAX_AMOUNT, settable=False),
    ),
    Field(
        "company.fixed_costs_monthly",
        "money",
        "money / month",
        "Team, rent, tools: costs that do not grow with customers.",
        MONEY,
        kernel=True,
    ),
    Field(
        "company.discount_rate_annual",
        "rate",
        "rate / year",
        "Discount rate of LTV (0 = none), e.g. 10%.",
        FieldRule(0.0, 10.0, settable=False, rate=True),
        default=0.0,
    ),
    Field(
        "company.ltv_horizon_months",
        "months",
        "months",
        "How many months of gross profit an LTV counts.",
        FieldRule(1, 600, whole=True, settable=False),
        default=60.0,
    ),
    Field(
        "company.when_out_of_cash",
        "choice",
        "continue|stop_acquisition|shut_down",
        "What the company does once cash falls below 0: go on (borrowed money), stop acquisition "
        "spend until cash is back above 0, or shut down.",
        default="continue",
        not_varied="it is a policy (continue, stop_acquisition or shut_down), not a number",
        choices=CASH_POLICIES,
    ),
    Field(
        "company.funding",
        "block",
        "round",
        "A funding round raised when cash runs low: {below_cash: 500k, amount: 3M, probability: 70%}.",
        default=None,
    ),
    Field(
        "company.funding.below_cash",
        "money",
        "money",
        "The round is attempted at the end of a month whose cash is under this (may be negative).",
        FieldRule(-MAX_AMOUNT, MAX_AMOUNT, settable=False),
    ),
    Field(
        "company.funding.amount",
        "money",
        "money",
        "Cash the round raises.",
        FieldRule(0.0, MAX_AMOUNT, settable=False),
    ),
    Field(
        "company.funding.probability",
        "share",
        "share",
        "Chance that an attempt closes, 0..100%.",
        FieldRule(0.0, 1.0, settable=False, rate=True),
        default=1.0,
        percent=True,
    ),
    Field(
        "company.funding.months_to_close",
        "months",
        "months",
        "Months from the attempt until the cash arrives, 1..120.",
        FieldRule(1, 120, integer=True, uncertain=False, settable=False),
        default=3,
    ),
    Field(
        "company.funding.max_rounds",
        "count",
        "rounds",
        "How many rounds may be attempted at most, 1..100.",
        FieldRule(1, 100, integer=True, uncertain=False, settable=False),
        default=1,
    ),
    Field(
        "company.customer_success",
        "block",
        "managers",
        "Customer-success managers staffed from ARR: {arr_per_csm: 2M, cost_per_csm_monthly: 12k}.",
        default=None,
    ),
    Field(
        "company.customer_success.arr_per_csm",
        "money",
        "ARR / manager",
        "ARR one customer-success manager carries; headcount = last month's ARR / this, rounded up.",
        # at least one unit of money: fewer staffs more managers than a float can count
        FieldRule(1.0, MAX_AMOUNT, settable=False),
    ),
    Field(
        "company.customer_success.cost_per_csm_monthly",
        "money",
        "money / manager / month",
        "What one customer-success manager costs per month.",
        FieldRule(0.0, MAX_AMOUNT, settable=False),
    ),
    Field("acquisition", "block"),
    Field(
        "acquisition.spend_monthly",
        "money",
        "money / month",
        "Sales and marketing spend in month 1.",
        MONEY,
        kernel=True,
    ),
    Field(
        "acquisition.spend_growth_monthly",
        "rate",
        "rate / month",
        "How fast spend grows each month (-100%..100%).",
        FieldRule(-1.0, 1.0, rate=True),
        default=0.0,
        percent=True,
        kernel=True,
    ),
    Field(
        "acquisition.reinvest_gross_profit",
        "share",
        "share",
        "Share of last month's gross profit added to spend, 0..1.",
        FRACTION,
        default=0.0,
        percent=True,
        kernel=True,
    ),
    Field("segments", "block"),
    Field(
        "segments.name",
        "text",
        "text",
        "The segment's name (no dots): events address it as segments.NAME.",
        not_varied=_NAME,
    ),
    Field(
        "segments.spend_share",
        "share",
        "share",
        "This segment's share of the acquisition spend; shares sum to 1.",
        FieldRule(0.0, 1.0, uncertain=False, rate=True),
        default=1.0,
        percent=True,
        not_varied="spend shares must sum to 1 over the segments: one moved alone is no valid scenario",
        kernel=True,
    ),
    Field(
        "segments.cac",
        "money",
        "money / account",
        "Customer acquisition cost: spend per paid new account.",
        FieldRule(0.0, MAX_AMOUNT, low_open=True, clip_low=0.01),
        default=None,
        kernel=True,
    ),
    Field("segments.funnel", "block", default=None),
    Field(
        "segments.funnel.cost_per_lead",
        "money",
        "money / lead",
        "Spend per lead, instead of a CAC.",
        FieldRule(0.0, MAX_AMOUNT, low_open=True, clip_low=0.0001),
    ),
    Field(
        "segments.funnel.lead_to_trial",
        "share",
        "share",
        "Share of leads that start a trial.",
        FieldRule(0.0, 1.0, low_open=True, clip_low=1e-6, rate=True),
        percent=True,
    ),
    Field(
        "segments.funnel.trial_to_paid",
        "share",
        "share",
        "Share of trials that become paying accounts.",
        FieldRule(0.0, 1.0, low_open=True, clip_low=1e-6, rate=True),
        percent=True,
    ),
    Field(
        "segments.cac_elasticity",
        "number",
        "exponent",
        "How CAC rises as spend grows: CAC x (spend / month-1 spend)^e.",
        FieldRule(-1.0, 5.0),
        default=0.0,
        kernel=True,
    ),
    Field(
        "segments.arpa_monthly",
        "money",
        "money / month",
        "Average revenue per account per month (MRR per account).",
        MONEY,
        kernel=True,
    ),
    Field(
        "segments.starting_customers",
        "count",
        "accounts",
        "Paying accounts at the start.",
        FieldRule(0, 1_000_000_000, integer=True, uncertain=False, settable=False),
        default=0,
    ),
    Field(
        "segments.starting_mrr",
        "money",
        "money / month",
        "MRR at the start; default accounts x ARPA.",
        FieldRule(0.0, MAX_AMOUNT, settable=False),
        default=None,
        placeholder="customers × ARPA",
    ),
    Field(
        "segments.starting_tenure_months",
        "months",
        "months",
        "How long the starting accounts have been customers.",
        FieldRule(0, 600, whole=True, uncertain=False, settable=False),
        default=0,
    ),
    Field(
        "segments.starting_cohorts",
        "block",
        "list",
        "The installed base by tenure, instead of the three starting_* keys: "
        "[{tenure_months: 14, customers: 120, mrr: 30k}, ...] (saas-sim calibrate writes it).",
        default=None,
    ),
    Field(
        "segments.starting_cohorts.tenure_months",
        "months",
        "months",
        "How long this group's accounts have been customers.",
        FieldRule(0, 600, integer=True, uncertain=False, settable=False),
    ),
    Field(
        "segments.starting_cohorts.customers",
        "count",
        "accounts",
        "Accounts in this group.",
        FieldRule(1, 1_000_000_000, integer=True, uncertain=False, settable=False),
    ),
    Field(
        "segments.starting_cohorts.mrr",
        "money",
        "money / month",
        "This group's MRR in total.",
        FieldRule(0.0, MAX_AMOUNT, uncertain=False, settable=False),
    ),
    Field(
        "segments.contract_months",
        "months",
        "months",
        "Contract length: 1 = monthly plan, 12 = annual; churn only at renewals.",
        FieldRule(1, 36, integer=True, uncertain=False, settable=False),
        default=1,
        not_varied="it is the length of a contract, which shapes renewals, not a quantity to vary",
    ),
    Field(
        "segments.billing",
        "choice",
        "monthly|upfront",
        "Monthly invoices, or the whole contract paid at its start.",
        default="monthly",
        not_varied="it is monthly or upfront, not a number",
        choices=("monthly", "upfront"),
    ),
    Field("segments.churn", "block"),
    Field(
        "segments.churn.monthly",
        "rate",
        "rate / month",
        "Share of accounts due to renew that leave, per month of contract.",
        FRACTION,
        default=None,
        percent=True,
    ),
    Field(
        "segments.churn.annual",
        "rate",
        "rate / year",
        "Churn per year, for annual contracts (1 - (1 - monthly)^12).",
        FRACTION,
        default=None,
        percent=True,
    ),
    Field(
        "segments.churn.heterogeneity",
        "number",
        "0..1",
        "0: every account churns alike; higher: churn falls with tenure (sBG).",
        FieldRule(0.0, 1.0, high_open=True, rate=True),
        default=0.0,
    ),
    Field(
        "segments.churn.alpha",
        "number",
        "> 0",
        "Shifted-beta-geometric alpha (mean churn alpha / (alpha + beta)).",
        FieldRule(0.0, MAX_MAGNITUDE, low_open=True, clip_low=1e-6),
        default=None,
    ),
    Field(
        "segments.churn.beta",
        "number",
        "> 0",
        "Shifted-beta-geometric beta: larger, churn falls faster with tenure.",
        FieldRule(0.0, MAX_MAGNITUDE, low_open=True, clip_low=1e-6),
        default=None,
    ),
    Field(
        "segments.expansion_monthly",
        "rate",
        "rate / month",
        "MRR growth of staying accounts (upsell), per month.",
        FRACTION,
        default=0.0,
        percent=True,
        kernel=True,
    ),
    Field(
        "segments.contraction_monthly",
        "rate",
        "rate / month",
        "MRR shrink of staying accounts (downgrades), per month.",
        FRACTION,
        default=0.0,
        percent=True,
        kernel=True,
    ),
    Field(
        "segments.gross_margin",
        "share",
        "share",
        "Gross margin: revenue minus hosting and support, as a share.",
        FRACTION,
        percent=True,
        kernel=True,
    ),
    Field(
        "segments.retention_cost_monthly",
        "money",
        "money / account / month",
        "Customer-success cost per account per month.",
        MONEY,
        default=0.0,
        kernel=True,
    ),
    Field(
        "segments.referrals_monthly",
        "rate",
        "accounts / account / month",
        "New accounts each account refers per month.",
        FieldRule(0.0, 1.0),
        default=0.0,
        kernel=True,
    ),
    Field("events", "block", default=()),
    Field(
        "events.month",
        "month",
        "month",
        "The month the event happens, 1..horizon.",
        FieldRule(1, 240, integer=True, uncertain=False, settable=False),
    ),
    Field("events.note", "text", "text", "What happens, in words.", default=None),
    Field(
        "events.set",
        "block",
        "fields",
        "Fields that change from that month: {segments.SMB.churn.monthly: 2%}.",
        default=(),
    ),
    Field(
        "events.cash_in",
        "money",
        "money",
        "Cash that arrives that month: a funding round, a loan.",
        FieldRule(-MAX_AMOUNT, MAX_AMOUNT),
        default=None,
    ),
    Field(
        "programs",
        "block",
        "list",
        "Retention and customer-success programs: a cost per month and an effect on churn and expansion.",
        default=(),
    ),
    Field(
        "programs.name",
        "text",
        "text",
        "The program's name (1..80 characters, no dots): results report each program under it.",
        not_varied=_NAME,
    ),
    Field(
        "programs.segments",
        "list",
        "segment names",
        "The segments the program acts on, e.g. [Enterprise]. Empty: every segment.",
        default=(),
        placeholder="every segment",
        not_varied="it names segments, not a number",
    ),
    Field(
        "programs.from_month",
        "month",
        "month",
        "The first month the program runs, 1..horizon.",
        FieldRule(1, 240, integer=True, uncertain=False, settable=False),
        default=1,
    ),
    Field(
        "programs.to_month",
        "month",
        "month",
        "The last month the program runs, from_month..horizon. Empty: to the end.",
        FieldRule(1, 240, integer=True, uncertain=False, settable=False),
        default=None,
        placeholder="the horizon",
    ),
    Field(
        "programs.cost_monthly",
        "money",
        "money / month",
        "What the program costs each month it runs.",
        FieldRule(0.0, MAX_AMOUNT, settable=False),
    ),
    Field(
        "programs.churn_change",
        "rate",
        "relative change",
        "Relative change of every renewal's churn while it runs, -100%..100%: -15% = churn x 0.85.",
        FieldRule(-1.0, 1.0, settable=False, rate=True),
        default=0.0,
        percent=True,
    ),
    Field(
        "programs.expansion_change",
        "rate",
        "rate / month",
        "Added to the segments' expansion_monthly while it runs, e.g. 0.3%.",
        FieldRule(-1.0, 1.0, settable=False, rate=True),
        default=0.0,
        percent=True,
    ),
    Field(
        "migrations",
        "block",
        "list",
        "Accounts moving between segments each month: upgrades, bundles, health tiers.",
        default=(),
    ),
    Field(
        "migrations.from",
        "text",
        "segment",
        "The segment accounts move out of.",
        not_varied=_NAME,
    ),
    Field(
        "migrations.to",
        "text",
        "segment",
        "The segment they move into (another one).",
        not_varied=_NAME,
    ),
    Field(
        "migrations.monthly",
        "share",
        "share / month",
        "Share of the source segment's staying accounts that move each month, e.g. 0.5%.",
        FieldRule(0.0, 1.0, settable=False, rate=True),
        percent=True,
    ),
    Field(
        "migrations.mrr_multiplier",
        "number",
        "x MRR",
        "A moving account's MRR after the move / before, up to 1000 (8 = eight times the MRR).",
        FieldRule(0.0, 1000.0, low_open=True, clip_low=1e-6, settable=False),
        default=1.0,
    ),
)

FIELD: dict[str, Field] = {f.path: f for f in FIELDS}


def keys_of(block: str) -> tuple[str, ...]:
    """The keys written in ``block`` (``""``: the top of the file; ``"segments.churn"``), in SPEC order."""
    return tuple(f.key for f in FIELDS if f.parent == block)


def numbers_of(block: str) -> tuple[str, ...]:
    """The keys of ``block`` that hold a number, in SPEC order."""
    return tuple(f.key for f in FIELDS if f.parent == block and f.rule is not None)


def _rule(f: Field) -> FieldRule:
    assert f.rule is not None
    return f.rule


def _in(f: Field, *blocks: str) -> bool:
    return f.rule is not None and f.parent in blocks


# The numbers an event may name: the top's (``company.fixed_costs_monthly``) and a segment's
# without its ``segments.<name>.`` prefix (``churn.monthly``).
TOP_LEVEL: dict[str, FieldRule] = {
    f.path: _rule(f) for f in FIELDS if _in(f, "", "simulation", "company", "acquisition")
}
SEGMENT: dict[str, FieldRule] = {
    f.path.removeprefix("segments."): _rule(f)
    for f in FIELDS
    if _in(f, "segments", "segments.funnel", "segments.churn")
}
# The numbers of a program (``from_month``, ``cost_monthly``...), a migration (``monthly``,
# ``mrr_multiplier``) and of the company's optional blocks, by key: no event may set them.
PROGRAM: dict[str, FieldRule] = {f.key: _rule(f) for f in FIELDS if _in(f, "programs")}
MIGRATION: dict[str, FieldRule] = {f.key: _rule(f) for f in FIELDS if _in(f, "migrations")}
FUNDING: dict[str, FieldRule] = {f.key: _rule(f) for f in FIELDS if _in(f, "company.funding")}
CUSTOMER_SUCCESS: dict[str, FieldRule] = {f.key: _rule(f) for f in FIELDS if _in(f, "company.customer_success")}
EVENT_CASH_IN = _rule(FIELD["events.cash_in"])
EVENT_MONTH = _rule(FIELD["events.month"])  # up to the scenario's horizon
RHO = _rule(FIELD["simulation.correlations.rho"])

# The kernel's parameters, in catalog order: a segment's (and the two the engine derives from
# churn: ``p`` the churn of one contract period, ``spread`` = alpha + beta, inf when homogeneous)
# and the company's.
SEGMENT_PARAMS: tuple[str, ...] = (*(f.key for f in FIELDS if f.kernel and f.parent == "segments"), "p", "spread")
COMPANY_PARAMS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.kernel and not f.path.startswith("segments."))
COMPANY_PARAM_PATHS: tuple[str, ...] = tuple(f.path for f in FIELDS if f.kernel and not f.path.startswith("segments."))


def rule_for(path: str) -> FieldRule | None:
    """The rule of a number's dotted path as events and analyses write it, or None.

    ``segments.SMB.churn.monthly``, ``company.funding.amount``,
    ``programs.<name>.cost_monthly``, ``migrations[0].monthly``; whether the
    scenario has that segment, program or migration is not checked here.
    """
    if path in TOP_LEVEL:
        return TOP_LEVEL[path]
    parts = path.split(".", 2)
    if len(parts) == 3 and parts[0] == "segments":
        return SEGMENT.get(parts[2])
    if len(parts) == 3 and parts[0] == "programs":
        return PROGRAM.get(parts[2])
    if len(parts) == 3 and parts[:2] == ["company", "funding"]:
        return FUNDING.get(parts[2])
    if len(parts) == 3 and parts[:2] == ["company", "customer_success"]:
        return CUSTOMER_SUCCESS.get(parts[2])
    migration = _MIGRATION_PATH.fullmatch(path)
    return MIGRATION.get(migration[1]) if migration else None


_MIGRATION_PATH = re.compile(r"migrations\[\d+\]\.([a-z_]+)")


def generic_path(path: str) -> str:
    """``segments[0].churn.monthly`` -> ``segments.churn.monthly``; ``events[2].month`` -> ``events.month``."""
    head, bracket, rest = path.partition("[")
    if not bracket:
        return path
    return head + rest.partition("]")[2]


def field_at(path: str) -> Field | None:
    """The field of a path with list indices (``segments[0].churn.monthly``) or a generic one, or None."""
    return FIELD.get(generic_path(path))


def field_named(path: str) -> Field | None:
    """The field of a path as events and analyses write it, naming segments and programs by name:
    ``segments.SMB.churn.monthly``, ``programs.Save.cost_monthly``, ``migrations[0].monthly``; or None."""
    parts = path.split(".", 2)
    if len(parts) == 3 and parts[0] in ("segments", "programs"):
        return FIELD.get(f"{parts[0]}.{parts[2]}")
    return field_at(path)


def help_for(path: str) -> tuple[str, str] | None:
    """The unit and the explanation of a field path (``segments[0].churn.monthly``), for editors and help text, or None."""
    field = field_at(path)
    if field is None or field.help is None:
        return None
    return field.unit_label, field.help


# Why the analyses leave a number alone (said to the user): keyed by path at the top of the
# file and by a segment's key (``contract_months``) within a segment.
NOT_VARIED: dict[str, str] = {
    f.path.removeprefix("segments."): f.not_varied
    for f in FIELDS
    if f.not_varied is not None and f.parent in ("", "simulation", "segments")
}
