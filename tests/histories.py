"""MRR ledgers generated from the model's own assumptions (SPEC 2), in plain numpy, without the engine.

The histories that show ``calibrate`` and ``backtest`` honest: a company that
really follows the simulator's model, so that a fitted churn should recover
the true parameters (``benchmarks/recovery.py``, ``tests/analysis/test_recovery.py``)
and a calibrated forecast should cover the actuals about as often as its
bands say (``tests/analysis/test_backtest.py``).

The company of :class:`History`, month ``t = 0 .. months − 1`` of the ledger:

- month 0 holds the starting base (``starting_customers``, optional) and
  ``Poisson(new_per_month)`` signups: accounts that joined then, tenure 0, as
  the ledger sees them (their first active month is month 0);
- every month ``t >= 1``, each account present at the end of ``t − 1`` ages
  by one month; an account whose tenure ``τ`` is a positive multiple of
  ``contract_months`` (C) faces a renewal and churns with its own propensity
  ``θ`` (SPEC 2.1, 2.2).  ``θ ~ Beta(alpha, beta)`` per account, drawn once
  when it joins (the shifted-beta-geometric model: the population's hazard at
  renewal n is α / (α + β + n − 1)); with ``churn_monthly`` instead, every
  account has ``θ = 1 − (1 − churn_monthly)^C`` (geometric);
- then every surviving account's MRR is multiplied by ``1 + expansion −
  contraction`` (SPEC 2.3: the model applies expansion and contraction to each
  survivor alike);
- then ``Poisson(new_per_month)`` new accounts join at the end of the month,
  tenure 0, MRR ``arpa`` (SPEC 2.4: every new account joins at
  ``arpa_monthly``);
- a regime change (``churn_doubles_from``, optional): from that month on,
  every renewal's churn probability is ``min(1, 2 θ)`` (each account's own
  propensity doubled, not the population hazard), as a sudden worse product or
  market would do.

The ledger lists, for every month, one row per active account with its MRR
(``customer_id,month,mrr``); months are labelled from ``first_month``.
Everything is drawn from one ``numpy`` Generator seeded by ``seed``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from saas_sim.io.ledger import Ledger, month_label


@dataclass(frozen=True)
class History:
    """The true parameters of a generated company (see the module's note)."""

    months: int = 36
    new_per_month: float = 60.0
    starting_customers: int = 0
    alpha: float | None = 1.2  # sBG; None with churn_monthly
    beta: float | None = 30.0
    churn_monthly: float | None = None  # constant churn instead of alpha / beta
    contract_months: int = 1
    arpa: float = 100.0
    expansion: float = 0.0
    contraction: float = 0.0
    churn_doubles_from: int | None = None  # ledger month index of the regime change
    first_month: str = "2022-01"

    def __post_init__(self) -> None:
        if (self.churn_monthly is None) == (self.alpha is None or self.beta is None):
            raise ValueError("give either churn_monthly or alpha and beta")

    @property
    def mean_churn(self) -> float:
        """The mean churn probability at the first renewal (per contract period)."""
        if self.churn_monthly is not None:
            return 1.0 - (1.0 - self.churn_monthly) ** self.contract_months
        assert self.alpha is not None and self.beta is not None
        return self.alpha / (self.alpha + self.beta)

    def constant(self, churn_monthly: float) -> History:
        return dataclasses.replace(self, alpha=None, beta=None, churn_monthly=churn_monthly)


@dataclass(frozen=True)
class Rows:
    """A generated ledger as arrays: one entry per active account and month."""

    customer: np.ndarray  # int64
    month: np.ndarray  # int64, 0 .. months − 1
    mrr: np.ndarray  # float64 > 0
    month_labels: tuple[str, ...]

    def ledger(self, source: str = "<generated>") -> Ledger:
        """The rows as the validated :class:`~saas_sim.io.ledger.Ledger` the readers give."""
        ids = np.unique(self.customer)
        codes = np.searchsorted(ids, self.customer)
        return Ledger(
            source=source,
            customer_ids=tuple(f"C{int(i):06d}" for i in ids),
            months=self.month_labels,
            customer=codes.astype(np.int64),
            month=self.month.astype(np.int64),
            mrr=self.mrr.astype(np.float64),
        )

    def csv(self) -> str:
        """The ledger as ``customer_id,month,mrr`` text, MRR to the cent."""
        lines = ["customer_id,month,mrr"]
        lines.extend(
            f"C{c:06d},{self.month_labels[m]},{v:.2f}"
            for c, m, v in zip(self.customer.tolist(), self.month.tolist(), self.mrr.tolist(), strict=True)
        )
        return "\n".join(lines) + "\n"


def _ordinal(label: str) -> int:
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def generate(history: History, seed: int) -> Rows:
    """One company's ledger drawn from ``history``'s parameters (the module's note gives the model)."""
    rng = np.random.default_rng(seed)
    contract = history.contract_months
    growth = 1.0 + history.expansion - history.contraction

    def propensities(count: int) -> np.ndarray:
        if history.churn_monthly is not None:
            return np.full(count, 1.0 - (1.0 - history.churn_monthly) ** contract)
        return rng.beta(history.alpha, history.beta, size=count)

    start = history.starting_customers + int(rng.poisson(history.new_per_month))  # the base and month 0's signups
    ids = np.arange(start, dtype=np.int64)
    theta = propensities(start)
    tenure = np.zeros(start, dtype=np.int64)
    mrr = np.full(start, history.arpa)
    next_id = start
    customers, months, amounts = [ids], [np.zeros(start, dtype=np.int64)], [mrr]
    for t in range(1, history.months):
        tenure = tenure + 1
        due = tenure % contract == 0
        churn = theta
        if history.churn_doubles_from is not None and t >= history.churn_doubles_from:
            churn = np.minimum(1.0, 2.0 * theta)
        leaves = due & (rng.random(len(ids)) < churn)
        stay = ~leaves
        ids, theta, tenure, mrr = ids[stay], theta[stay], tenure[stay], mrr[stay] * growth
        new = int(rng.poisson(history.new_per_month))
        ids = np.concatenate([ids, np.arange(next_id, next_id + new, dtype=np.int64)])
        theta = np.concatenate([theta, propensities(new)])
        tenure = np.concatenate([tenure, np.zeros(new, dtype=np.int64)])
        mrr = np.concatenate([mrr, np.full(new, history.arpa)])
        next_id += new
        customers.append(ids)
        months.append(np.full(len(ids), t, dtype=np.int64))
        amounts.append(mrr)
    first = _ordinal(history.first_month)
    labels = tuple(month_label(first + t) for t in range(history.months))
    return Rows(np.concatenate(customers), np.concatenate(months), np.concatenate(amounts), labels)


def generated_ledger(history: History, seed: int) -> Ledger:
    """:func:`generate` as a :class:`~saas_sim.io.ledger.Ledger`."""
    return generate(history, seed).ledger(f"<generated seed {seed}>")


def true_scenario_text(history: History, ledger: Ledger, cutoff: str, months: int, paths: int, seed: int) -> str:
    """The scenario that forecasts ``ledger`` after ``cutoff`` with ``history``'s true parameters: the accounts
    active at the cut-off as ``starting_cohorts`` by tenure, the true churn, pace, ARPA and expansion.

    An oracle for the backtest: it knows the truth, so its bands should hold the actuals as often as they say
    (no regime change after the cut-off).
    """
    at = ledger.months.index(cutoff)
    month_count = len(ledger.months)
    first = np.full(len(ledger.customer_ids), month_count, dtype=np.int64)
    np.minimum.at(first, ledger.customer, ledger.month)
    now = ledger.month == at
    tenure = at - first[ledger.customer[now]]
    cohorts = []
    for value in np.unique(tenure):
        chosen = tenure == value
        cohorts.append(
            f"{{tenure_months: {int(value)}, customers: {int(chosen.sum())}, mrr: {float(ledger.mrr[now][chosen].sum())!r}}}"
        )
    if history.churn_monthly is not None:
        churn = f"{{monthly: {history.churn_monthly!r}}}"
    else:
        churn = f"{{alpha: {history.alpha!r}, beta: {history.beta!r}}}"
    starting = f"    starting_cohorts: [{', '.join(cohorts)}]\n" if cohorts else ""
    return (
        f"name: Truth\nhorizon_months: {months}\nsimulation: {{paths: {paths}, seed: {seed}}}\n"
        "company: {starting_cash: 0, fixed_costs_monthly: 0}\n"
        f"acquisition: {{spend_monthly: {history.new_per_month!r}}}\n"
        "segments:\n  - name: A\n    cac: 1\n"
        f"    arpa_monthly: {history.arpa!r}\n{starting}"
        f"    contract_months: {history.contract_months}\n    churn: {churn}\n"
        f"    expansion_monthly: {history.expansion!r}\n    contraction_monthly: {history.contraction!r}\n"
        "    gross_margin: 0.8\n"
    )
