"""The rules of every numeric field of a scenario: valid range, integer-ness,
whether it may be uncertain and whether an event may change it.

One table serves validation (:mod:`saas_sim.io.scenario`), clipping of
uncertain draws and event application (:mod:`saas_sim.engine`).  Field paths
are written as in events: ``company.fixed_costs_monthly``,
``segments.<name>.churn.monthly``; here segment fields are keyed without the
``segments.<name>.`` prefix.

Every field has finite bounds: amounts of money at most ``MAX_AMOUNT`` (1e15)
either way, counts and months their own limits, so that whatever a file
holds, sums over accounts and months stay finite floats and every figure of
a result is a JSON number.  Uncertain draws are clipped into the same bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldRule:
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
        if (self.integer or self.whole) and value != int(value):
            return False
        return True

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

TOP_LEVEL: dict[str, FieldRule] = {
    "horizon_months": FieldRule(1, 240, integer=True, uncertain=False, settable=False),
    "simulation.paths": FieldRule(1, 1_000_000, integer=True, uncertain=False, settable=False),
    "simulation.seed": FieldRule(0, 2**63 - 1, integer=True, uncertain=False, settable=False),
    "company.starting_cash": FieldRule(-MAX_AMOUNT, MAX_AMOUNT, settable=False),
    "company.fixed_costs_monthly": MONEY,
    "company.discount_rate_annual": FieldRule(0.0, 10.0, settable=False, rate=True),
    "company.ltv_horizon_months": FieldRule(1, 600, whole=True, settable=False),
    "acquisition.spend_monthly": MONEY,
    "acquisition.spend_growth_monthly": FieldRule(-1.0, 1.0, rate=True),
    "acquisition.reinvest_gross_profit": FRACTION,
}

SEGMENT: dict[str, FieldRule] = {
    "spend_share": FieldRule(0.0, 1.0, uncertain=False, rate=True),
    "cac": FieldRule(0.0, MAX_AMOUNT, low_open=True, clip_low=0.01),
    "funnel.cost_per_lead": FieldRule(0.0, MAX_AMOUNT, low_open=True, clip_low=0.0001),
    "funnel.lead_to_trial": FieldRule(0.0, 1.0, low_open=True, clip_low=1e-6, rate=True),
    "funnel.trial_to_paid": FieldRule(0.0, 1.0, low_open=True, clip_low=1e-6, rate=True),
    "cac_elasticity": FieldRule(-1.0, 5.0),
    "arpa_monthly": MONEY,
    "starting_customers": FieldRule(0, 1_000_000_000, integer=True, uncertain=False, settable=False),
    "starting_mrr": FieldRule(0.0, MAX_AMOUNT, settable=False),
    "starting_tenure_months": FieldRule(0, 600, whole=True, uncertain=False, settable=False),
    "contract_months": FieldRule(1, 36, integer=True, uncertain=False, settable=False),
    "churn.monthly": FRACTION,
    "churn.annual": FRACTION,
    "churn.heterogeneity": FieldRule(0.0, 1.0, high_open=True, rate=True),
    "churn.alpha": FieldRule(0.0, MAX_MAGNITUDE, low_open=True, clip_low=1e-6),
    "churn.beta": FieldRule(0.0, MAX_MAGNITUDE, low_open=True, clip_low=1e-6),
    "expansion_monthly": FRACTION,
    "contraction_monthly": FRACTION,
    "gross_margin": FRACTION,
    "retention_cost_monthly": MONEY,
    "referrals_monthly": FieldRule(0.0, 1.0),
}

EVENT_CASH_IN = FieldRule(-MAX_AMOUNT, MAX_AMOUNT)


def rule_for(path: str) -> FieldRule | None:
    """The rule of a dotted field path as written in events, or None."""
    if path in TOP_LEVEL:
        return TOP_LEVEL[path]
    parts = path.split(".", 2)
    if len(parts) == 3 and parts[0] == "segments":
        return SEGMENT.get(parts[2])
    return None
