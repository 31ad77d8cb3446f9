"""When accounts will churn: a calendar drawn when accounts join.

SPEC 2.2 lets every account decide independently at each renewal, churning at
renewal ``n`` with probability ``h(n)``.  For one account that is a lifetime
``K`` (the renewal at which it leaves) with survival
``P(K > n | K > n0) = S(n) / S(n0)``, and accounts are independent.  So
instead of a binomial draw per path, slot and month, each account's churn
renewal is drawn once, when it joins (or when an event changes the churn
parameters: the survivors' remaining lifetimes are drawn again from their
current renewal number, which is exact because the renewals are
independent).  The cost follows the number of accounts, not slot-months.

Per account, with ``E ~ Exponential(1)`` and cumulative hazard
``L(n) = -sum_{j<=n} log(1 - h(j))``, the churn renewal is the smallest ``n``
with ``L(n) - L(n0) >= E``:

* homogeneous churn: ``n = n0 + ceil(E / -log(1 - p))``, a geometric lifetime;
* sBG with the same parameters on every path: a look-up in ``L``;
* sBG whose parameters differ by path: ``theta ~ Beta(alpha, beta + n0)``,
  then a geometric lifetime with ``theta`` (Fader & Hardie 2007: the sBG is a
  beta mixture of geometrics; conditioning on surviving ``n0`` renewals
  turns ``Beta(alpha, beta)`` into ``Beta(alpha, beta + n0)``).

Slots with many accounts per path draw their whole schedule from one
multinomial per path instead (cheaper when accounts outnumber renewals).
"""

from __future__ import annotations

import numpy as np

from saas_sim.model.churn import hazard

# Accounts per path and remaining renewal above which a slot draws a multinomial instead.
ACCOUNTS_PER_RENEWAL_FOR_MULTINOMIAL = 4


class ChurnCalendar:
    """Scheduled churn of one segment on a block of paths, by month.

    Accounts drawn one by one are kept in batches of flat indices
    ``path * slots + slot`` sorted by churn month; slots drawn by multinomial
    keep ``dense[t]``, a list of ``(slot, counts_per_path)``.
    """

    def __init__(self, paths: int, slots: int, horizon: int, contract_months: int, tenure0: np.ndarray):
        self.paths, self.slots, self.horizon = paths, slots, horizon
        self.contract_months = contract_months
        self.tenure0 = tenure0  # tenure of each slot at the end of month 0
        # Batches of accounts sorted by churn month: (flat indices, bounds) with
        # flat[bounds[t]:bounds[t + 1]] the accounts leaving in month t.
        self.batches: list[tuple[np.ndarray, np.ndarray]] = []
        self.dense: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(horizon + 1)]

    def clear_from(self, month: int) -> None:
        """Forget every churn scheduled from ``month`` on."""
        self.batches = []
        for t in range(month, self.horizon + 1):
            self.dense[t] = []

    def take(self, month: int) -> np.ndarray:
        """Accounts leaving in ``month``, shaped ``(paths, slots)``."""
        parts = [flat[bounds[month]:bounds[month + 1]] for flat, bounds in self.batches]
        self.batches = [(flat, bounds) for flat, bounds in self.batches if bounds[month + 1] < flat.size]
        parts = [part for part in parts if part.size]
        if parts:
            counts = np.bincount(np.concatenate(parts), minlength=self.paths * self.slots)
            churned = counts.reshape(self.paths, self.slots)
        else:
            churned = np.zeros((self.paths, self.slots), dtype=np.int64)
        for slot, per_path in self.dense[month]:
            churned[:, slot] += per_path
        self.dense[month] = []
        return churned

    def schedule(self, rng: np.random.Generator, slots: np.ndarray, counts: np.ndarray, month: int,
                 p, spread) -> None:
        """Draw when each account of ``slots`` (counts ``(paths, len(slots))``) will churn.

        The accounts have passed every renewal before ``month`` and face the
        renewals from ``month`` on with the current churn ``p, spread``.
        """
        C = self.contract_months
        tenure_before = self.tenure0[slots] + month - 1
        passed = np.maximum(tenure_before, 0) // C  # renewals already survived
        last = (self.tenure0[slots] + self.horizon) // C  # last renewal within the horizon
        remaining = last - passed
        keep = (remaining > 0) & (counts.sum(axis=0) > 0)
        if not keep.any():
            return
        slots, counts, passed, remaining = slots[keep], counts[:, keep], passed[keep], remaining[keep]
        if counts.sum() > ACCOUNTS_PER_RENEWAL_FOR_MULTINOMIAL * self.paths * remaining.sum():
            for i, slot in enumerate(slots):
                self._schedule_multinomial(rng, int(slot), counts[:, i], int(passed[i]), int(remaining[i]), p, spread)
        else:
            self._schedule_accounts(rng, slots, counts, passed, p, spread)

    def _renewal_month(self, slot, renewal_number):
        return renewal_number * self.contract_months - self.tenure0[slot]

    def _schedule_accounts(self, rng, slots, counts, passed, p, spread) -> None:
        paths, m = counts.shape
        per_account = counts.ravel()
        path = np.repeat(np.repeat(np.arange(paths), m), per_account)
        column = np.repeat(np.tile(np.arange(m), paths), per_account)
        exposure = rng.standard_exponential(path.size)
        start = passed[column]
        scalar = np.ndim(p) == 0 and np.ndim(spread) == 0
        if scalar and np.isfinite(spread):
            churn_renewal = self._lookup(exposure, start, float(p), float(spread), int(start.max()) + self.horizon + 1)
        else:
            theta = self._account_churn(rng, path, start, p, spread)
            with np.errstate(divide="ignore"):
                rate = -np.log1p(-theta)
                steps = np.ceil(exposure / rate)
            churn_renewal = start + np.maximum(steps, 1.0)
        month = churn_renewal * self.contract_months - self.tenure0[slots[column]]
        within = month <= self.horizon
        if not within.any():
            return
        month = month[within].astype(np.int16)  # 16-bit keys sort by radix, in linear time
        flat = path[within] * self.slots + slots[column[within]]
        order = np.argsort(month, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(month, minlength=self.horizon + 1))])
        self.batches.append((flat[order], bounds))

    @staticmethod
    def _lookup(exposure, start, p, spread, renewals) -> np.ndarray:
        """Churn renewal from the cumulative hazard shared by every path."""
        n = np.arange(1, renewals + 1, dtype=float)
        with np.errstate(divide="ignore"):
            cumulative = np.concatenate([[0.0], np.cumsum(-np.log1p(-hazard(p, spread, n)))])
        target = exposure + cumulative[start]
        return np.searchsorted(cumulative, target, side="left").astype(float)

    @staticmethod
    def _account_churn(rng, path, start, p, spread) -> np.ndarray:
        """Each account's churn probability per renewal from here on (a draw under sBG)."""
        p_acc = np.asarray(p, dtype=float)[path] if np.ndim(p) else np.full(path.size, float(p))
        spread_acc = np.asarray(spread, dtype=float)[path] if np.ndim(spread) else np.full(path.size, float(spread))
        heterogeneous = np.isfinite(spread_acc)
        if not heterogeneous.any():
            return p_acc
        theta = p_acc.copy()
        alpha = p_acc[heterogeneous] * spread_acc[heterogeneous]
        beta = (1.0 - p_acc[heterogeneous]) * spread_acc[heterogeneous] + start[heterogeneous]
        drawn = np.zeros(alpha.size)
        valid = alpha > 0
        drawn[valid] = rng.beta(alpha[valid], np.maximum(beta[valid], 1e-300))
        theta[heterogeneous] = drawn
        return theta

    def _schedule_multinomial(self, rng, slot, counts, passed, remaining, p, spread) -> None:
        n = np.arange(passed + 1, passed + remaining + 1, dtype=float)
        p_col = np.asarray(p, dtype=float)[..., None] if np.ndim(p) else p
        spread_col = np.asarray(spread, dtype=float)[..., None] if np.ndim(spread) else spread
        h = np.broadcast_to(hazard(p_col, spread_col, n), (self.paths, remaining))
        survive = np.cumprod(1.0 - h, axis=1)
        before = np.concatenate([np.ones((self.paths, 1)), survive[:, :-1]], axis=1)
        leave = np.clip(before - survive, 0.0, 1.0)
        pvals = np.concatenate([leave, np.clip(1.0 - leave.sum(axis=1, keepdims=True), 0.0, 1.0)], axis=1)
        drawn = rng.multinomial(counts, pvals)
        for i, renewal in enumerate(n.astype(np.int64)):
            month = int(self._renewal_month(slot, renewal))
            if month <= self.horizon and drawn[:, i].any():
                self.dense[month].append((slot, drawn[:, i]))
