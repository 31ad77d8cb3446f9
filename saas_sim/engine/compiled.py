"""The compiled kernel (numba): every month of every segment, one path at a time (SPEC 2).

Accounts are grouped into *slots* per segment: slot ``i < C`` holds starting
group ``j = C - 1 - i``; slot ``C + k - 1`` holds the accounts that joined at
the end of month ``k``.  All accounts of a slot share their tenure and, on a
path, their MRR per account, so a slot is two numbers: a count and an MRR per
account.  At month ``t`` the tenure of slot ``i`` is ``t + C - 1 - i`` (plus
``starting_tenure_months`` for starting groups); it faces renewal number
``n = tenure / C`` when the tenure is a positive multiple of ``C``.

Randomness: the kernel draws nothing itself.  Each path reads its own run of
uniforms, ``bound`` of them, from an array filled by the block's
``numpy.random.Generator``; every random count is drawn by *inversion* from
one uniform, so a path's draws do not depend on how the block is chunked or
which thread runs it.  Churn is ``Binomial(accounts facing renewal n,
h(n))`` per slot (exact); new accounts are ``Poisson`` (exact).  Inversion
walks the probability mass function upwards from 0 when the mean is small
and outwards from the mode when it is large, so its cost grows with the
standard deviation, not the mean.

One path's state (counts and MRR per slot of every segment) stays in the
processor's cache for all its months; the per-path series are written into
``(paths, months)`` rows of the output arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from saas_sim.model.catalog.fields import COMPANY_PARAMS, SEGMENT_PARAMS

# Per-path series every segment records, month by month, in this order.
SEGMENT_RAW = (
    "customers",
    "paid_new",
    "referral_new",
    "churned_customers",
    "renewals_due",
    "mrr",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "net_new_mrr",
    "acquisition_spend",
    "gross_profit",
    "cs_cost",
    "collections",
    "nrr_12m_numerator",
    "grr_12m_numerator",
)
COMPANY_RAW = ("fixed_costs", "cash", "cash_in", "acquisition_spend")

(
    CUSTOMERS,
    PAID_NEW,
    REFERRAL_NEW,
    CHURNED,
    RENEWALS_DUE,
    MRR,
    NEW_MRR,
    EXPANSION,
    CONTRACTION,
    CHURNED_MRR,
    NET_NEW,
    SPEND,
    GROSS_PROFIT,
    CS_COST,
    COLLECTIONS,
    NRR_NUM,
    GRR_NUM,
) = range(len(SEGMENT_RAW))
# Where the kernel finds each parameter: the catalog's kernel fields in catalog order, then p and spread.
# numba freezes these ints into the cached machine code, whose cache is keyed on this file alone: a
# change of the catalog's kernel fields comes with a change here (the new parameter is read here), or
# the cache must be cleared.
SHARE = SEGMENT_PARAMS.index("spend_share")
CAC = SEGMENT_PARAMS.index("cac")
ELASTICITY = SEGMENT_PARAMS.index("cac_elasticity")
ARPA = SEGMENT_PARAMS.index("arpa_monthly")
EXP = SEGMENT_PARAMS.index("expansion_monthly")
CON = SEGMENT_PARAMS.index("contraction_monthly")
MARGIN = SEGMENT_PARAMS.index("gross_margin")
RETENTION = SEGMENT_PARAMS.index("retention_cost_monthly")
REFERRALS = SEGMENT_PARAMS.index("referrals_monthly")
P_CHURN = SEGMENT_PARAMS.index("p")
SPREAD = SEGMENT_PARAMS.index("spread")
FIXED = COMPANY_PARAMS.index("fixed_costs_monthly")
SPEND_BASE = COMPANY_PARAMS.index("spend_monthly")
SPEND_GROWTH = COMPANY_PARAMS.index("spend_growth_monthly")
REINVEST = COMPANY_PARAMS.index("reinvest_gross_profit")
SEGMENT_PARAM_COUNT = len(SEGMENT_PARAMS)
COMPANY_PARAM_COUNT = len(COMPANY_PARAMS)

# Inversion stops this many standard deviations beyond the mean: the mass left out is below
# 1e-20, far under the rounding of the summed probabilities themselves.
TAIL_SDS = 12.0
SMALL_MEAN = 30.0  # below it, walk up from 0; above, outwards from the mode


def uniforms_per_path(horizon: int, contracts: list[int]) -> int:
    """How many uniforms one path may read at most: one per renewing slot, two per month per segment.

    At month ``t`` one starting group at most renews, and the cohorts of months
    ``t - C, t - 2C, ...``: ``1 + (t - 1) // C`` draws of churn.
    """
    total = 0
    for C in contracts:
        total += 3 * horizon + sum((t - 1) // C for t in range(1, horizon + 1))
    return total


@njit(cache=True, nogil=True)
def compiled_layout() -> tuple[int, ...]:
    """The parameter layout frozen into this module's machine code (the same cache as the kernel's)."""
    return (
        SEGMENT_PARAM_COUNT,
        COMPANY_PARAM_COUNT,
        SHARE,
        CAC,
        ELASTICITY,
        ARPA,
        EXP,
        CON,
        MARGIN,
        RETENTION,
        REFERRALS,
        P_CHURN,
        SPREAD,
        FIXED,
        SPEND_BASE,
        SPEND_GROWTH,
        REINVEST,
    )


# The layout as this process reads the catalog: the same body, run by Python on today's values.
LAYOUT: tuple[int, ...] = compiled_layout.py_func()


def ensure_current_layout(kernels: tuple[Any, ...] | None = None) -> bool:
    """Compile the kernels again when their cached machine code froze an older parameter layout.

    numba keys its cache on this file's time stamp alone, and freezes the
    index constants above into the machine code; the catalog that sets them
    lives elsewhere.  A catalog changed without this file would leave a
    kernel reading parameters at their old places: a wrong number with no
    error.  :func:`compiled_layout`, cached with the kernel, tells the layout
    it was compiled with; when that is not :data:`LAYOUT`, both are compiled
    afresh (numba's ``recompile`` also replaces the cache).  True when it did.
    """
    if compiled_layout() == LAYOUT:
        return False
    for kernel in kernels if kernels is not None else (compiled_layout, simulate_paths):
        kernel.recompile()
    return True


@njit(cache=True, nogil=True)
def binomial(n: int, h: float, log_q: float, u: float) -> int:
    """``Binomial(n, h)`` by inversion of the uniform ``u``; ``log_q = log(1 - h)``.

    ``P(0) = (1 - h)^n`` and ``P(k + 1) = P(k) (n - k) / (k + 1) h / (1 - h)``.
    Below ``SMALL_MEAN`` the first four probabilities are summed and compared
    with ``u`` without a branch, since a draw ending there at random costs a
    mispredicted branch per step (measured: a fifth of the kernel's time).
    """
    if n <= 0 or h <= 0.0:
        return 0
    if h >= 1.0:
        return n
    mean = n * h
    r = h / (1.0 - h)
    if mean < SMALL_MEAN:
        # The first four probabilities without a branch: most draws end among them.
        p0 = math.exp(n * log_q)
        p1 = p0 * n * r
        p2 = p1 * (n - 1) * 0.5 * r
        p3 = p2 * (n - 2) * (1.0 / 3.0) * r
        c1 = p0 + p1
        c2 = c1 + p2
        cdf = c2 + p3
        if u <= cdf:
            return (u > p0) + (u > c1) + (u > c2)
        limit = min(float(n), mean + TAIL_SDS * math.sqrt(mean * (1.0 - h)) + TAIL_SDS)
        pk = p3
        k = 3
        while u > cdf and k < limit:
            pk *= (n - k) / (k + 1.0) * r
            k += 1
            cdf += pk
        return min(k, n)
    reach = TAIL_SDS * math.sqrt(mean * (1.0 - h)) + TAIL_SDS
    limit = min(float(n), mean + reach)
    mode = min(int((n + 1) * h), n)
    pm = math.exp(
        math.lgamma(n + 1.0)
        - math.lgamma(mode + 1.0)
        - math.lgamma(n - mode + 1.0)
        + mode * math.log(h)
        + (n - mode) * log_q
    )
    u -= pm
    if u <= 0.0:
        return mode
    lower = mean - reach
    hi, p_hi, lo, p_lo = mode, pm, mode, pm
    while True:
        moved = False
        if hi < limit:
            p_hi *= (n - hi) / (hi + 1.0) * r
            hi += 1
            u -= p_hi
            moved = True
            if u <= 0.0:
                return hi
        if lo > 0 and lo > lower:
            p_lo *= lo / (n - lo + 1.0) / r
            lo -= 1
            u -= p_lo
            moved = True
            if u <= 0.0:
                return lo
        if not moved:
            return mode


@njit(cache=True, nogil=True)
def poisson(lam: float, u: float) -> int:
    """``Poisson(lam)`` by inversion of the uniform ``u``.

    ``P(0) = e^{-lam}`` and ``P(k + 1) = P(k) lam / (k + 1)``.
    """
    return poisson_from(lam, poisson_start(lam), u)


@njit(cache=True, nogil=True)
def poisson_start(lam: float) -> float:
    """Where :func:`poisson_from` starts its walk: ``P(0)`` below ``SMALL_MEAN``, else ``P(mode)``.

    The dearest step of a draw (an exponential, a logarithm and a log-gamma);
    the kernel keeps it while the mean stays the same.
    """
    if lam <= 0.0:
        return 1.0
    if lam < SMALL_MEAN:
        return math.exp(-lam)
    mode = int(lam)
    return math.exp(mode * math.log(lam) - lam - math.lgamma(mode + 1.0))


@njit(cache=True, nogil=True)
def poisson_from(lam: float, start: float, u: float) -> int:
    """:func:`poisson` given ``start = poisson_start(lam)``."""
    if lam <= 0.0:
        return 0
    reach = TAIL_SDS * math.sqrt(lam) + TAIL_SDS
    limit = lam + reach
    if lam < SMALL_MEAN:
        pk = start
        cdf = pk
        k = 0
        while u > cdf and k < limit:
            k += 1
            pk *= lam / k
            cdf += pk
        return k
    mode = int(lam)
    pm = start
    u -= pm
    if u <= 0.0:
        return mode
    lower = lam - reach
    hi, p_hi, lo, p_lo = mode, pm, mode, pm
    while True:
        moved = False
        if hi < limit:
            hi += 1
            p_hi *= lam / hi
            u -= p_hi
            moved = True
            if u <= 0.0:
                return hi
        if lo > 0 and lo > lower:
            p_lo *= lo / lam
            lo -= 1
            u -= p_lo
            moved = True
            if u <= 0.0:
                return lo
        if not moved:
            return mode


@njit(cache=True, nogil=True)
def _hazards(p: float, spread: float, table: np.ndarray, log_q: np.ndarray) -> None:
    """``h(n) = p s / (s + n - 1)`` (sBG, Fader & Hardie 2007 eq. 2), or ``p`` when ``s`` is infinite."""
    for n in range(1, table.shape[0]):
        h = p if math.isinf(spread) else p * spread / (spread + n - 1.0)
        table[n] = h
        log_q[n] = math.log1p(-h) if h < 1.0 else -math.inf


@njit(cache=True, nogil=True)
def simulate_paths(
    first: int,
    last: int,
    row0: int,
    horizon: int,
    contract: np.ndarray,
    upfront: np.ndarray,
    starting: np.ndarray,
    starting_tenure: np.ndarray,
    starting_mrr: np.ndarray,
    change_month: np.ndarray,
    segment_params: np.ndarray,
    company_params: np.ndarray,
    cash_in: np.ndarray,
    starting_cash: np.ndarray,
    uniforms: np.ndarray,
    bound: int,
    max_new: float,
    series: np.ndarray,
    company: np.ndarray,
    mrr0: np.ndarray,
    cohort_customers: np.ndarray,
    cohort_mrr: np.ndarray,
) -> tuple[int, int]:
    """Simulate block paths ``first..last-1`` into output rows ``row0 + path``.

    Shapes (``S`` segments, ``K`` segment parameters, ``M`` months with events,
    ``P`` paths of the block, ``H`` months):

    - ``contract, upfront, starting, starting_tenure``: ``(S,)``;
      ``starting_mrr``: ``(S, P)``, a segment's starting MRR in total.
    - ``change_month``: ``(M,)`` ascending; ``segment_params``: ``(M + 1, S, K, P)``
      and ``company_params``: ``(M + 1, 4, P)`` hold the values before any event
      (index 0) and after the events of ``change_month[j]`` (index ``j + 1``);
      ``cash_in``: ``(M + 1, P)``, the cash events bring in that month.
    - ``uniforms``: ``bound`` per path from path ``first`` on.
    - Outputs: ``series (S, 17, rows, H)``, ``company (4, rows, H)``,
      ``mrr0 (S, rows)``; cohorts ``(H, H)`` summed over paths and segments,
      ``[month - 1, signup month - 1]`` (see :func:`by_age`).

    Returns ``(0, 0)``, or ``(month, segment + 1)`` of the first month a segment
    would win more than ``max_new`` accounts (the caller raises).
    """
    S = contract.shape[0]
    H = horizon
    n_changes = change_month.shape[0]
    width = 0
    renewals_max = 0
    for s in range(S):
        width = max(width, contract[s] + H)
        renewals_max = max(renewals_max, (starting_tenure[s] + H) // contract[s] + 2)
    counts = np.zeros((S, width), np.int64)
    each = np.zeros((S, width))  # MRR per account
    hazard = np.zeros((S, renewals_max))
    log_q = np.zeros((S, renewals_max))
    hazard_key = np.full((S, 2), np.nan)
    paid_key = np.full(S, np.nan)
    paid_start = np.zeros(S)
    growth_ring = np.ones((S, 12))
    keep_ring = np.ones((S, 12))
    previous_mrr = np.zeros(S)
    spend_month1 = np.zeros(S)
    par = np.zeros((S, segment_params.shape[2]))
    comp = np.zeros(company_params.shape[1])

    for path in range(first, last):
        row = row0 + path
        at = (path - first) * bound
        snapshot = 0
        for s in range(S):
            C = contract[s]
            counts[s, :] = 0
            each[s, :] = 0.0
            growth_ring[s, :] = 1.0
            keep_ring[s, :] = 1.0
            n0 = starting[s]
            level = 0.0
            if n0 > 0:
                per_account = starting_mrr[s, path] / n0
                for j in range(C):
                    size = n0 // C + (1 if j < n0 % C else 0)
                    counts[s, C - 1 - j] = size
                    each[s, C - 1 - j] = per_account
                for i in range(C):
                    level += counts[s, i] * each[s, i]
            mrr0[s, row] = level
            previous_mrr[s] = level
            for k in range(par.shape[1]):
                par[s, k] = segment_params[0, s, k, path]
        for k in range(comp.shape[0]):
            comp[k] = company_params[0, k, path]
        cash = starting_cash[path]
        gross_profit_prev = 0.0

        for t in range(1, H + 1):
            col = t - 1
            cash_in_now = 0.0
            if snapshot < n_changes and change_month[snapshot] == t:
                snapshot += 1
                for s in range(S):
                    for k in range(par.shape[1]):
                        par[s, k] = segment_params[snapshot, s, k, path]
                for k in range(comp.shape[0]):
                    comp[k] = company_params[snapshot, k, path]
                cash_in_now = cash_in[snapshot, path]
            spend = comp[SPEND_BASE] * (1.0 + comp[SPEND_GROWTH]) ** (t - 1) + comp[REINVEST] * gross_profit_prev
            gross_profit_now = 0.0
            collections_all = 0.0
            revenue_all = 0.0
            cs_all = 0.0
            for s in range(S):
                C = contract[s]
                live = C + t - 1
                if par[s, P_CHURN] != hazard_key[s, 0] or par[s, SPREAD] != hazard_key[s, 1]:
                    _hazards(par[s, P_CHURN], par[s, SPREAD], hazard[s], log_q[s])
                    hazard_key[s, 0] = par[s, P_CHURN]
                    hazard_key[s, 1] = par[s, SPREAD]

                # 2.1-2.2: renewals and churn, slot by slot.
                due = 0
                churned = 0
                churned_mrr = 0.0
                renewed_mrr = 0.0
                for i in range(C):  # starting groups: at most one renews this month
                    tenure = C - 1 - i + starting_tenure[s] + t
                    if tenure > 0 and tenure % C == 0:
                        n_at_risk = counts[s, i]
                        due += n_at_risk
                        if n_at_risk > 0:
                            n = tenure // C
                            gone = binomial(n_at_risk, hazard[s, n], log_q[s, n], uniforms[at])
                            at += 1
                            counts[s, i] = n_at_risk - gone
                            churned += gone
                            churned_mrr += gone * each[s, i]
                            renewed_mrr += (n_at_risk - gone) * each[s, i]
                joined = t - C  # cohorts of months t - C, t - 2C, ... renew
                while joined >= 1:
                    i = C + joined - 1
                    n_at_risk = counts[s, i]
                    due += n_at_risk
                    if n_at_risk > 0:
                        n = (t - joined) // C
                        gone = binomial(n_at_risk, hazard[s, n], log_q[s, n], uniforms[at])
                        at += 1
                        counts[s, i] = n_at_risk - gone
                        churned += gone
                        churned_mrr += gone * each[s, i]
                        renewed_mrr += (n_at_risk - gone) * each[s, i]
                    joined -= C

                # 2.3: expansion and contraction of the survivors; cohorts (3.3).
                e = par[s, EXP]
                c = par[s, CON]
                growth = 1.0 + e - c
                old = C + t - 12  # slots active at the end of month t - 12
                before_change = 0.0
                old_mrr = 0.0
                survivors = 0
                for i in range(live):
                    n_here = counts[s, i]
                    if n_here > 0:
                        value = n_here * each[s, i]
                        before_change += value
                        survivors += n_here
                        if i < old:
                            old_mrr += value
                        each[s, i] *= growth
                        if i >= C:  # by calendar month, so that a month's cohorts lie side by side
                            cohort_customers[col, i - C] += n_here
                            cohort_mrr[col, i - C] += n_here * each[s, i]
                growth_ring[s, col % 12] = growth
                keep_ring[s, col % 12] = 1.0 - c
                out = series[s]
                out[EXPANSION, row, col] = e * before_change
                out[CONTRACTION, row, col] = c * before_change
                if t >= 12:
                    growth_12 = 1.0
                    keep_12 = 1.0
                    for j in range(12):  # oldest month first
                        growth_12 *= growth_ring[s, (t + j) % 12]
                        keep_12 *= keep_ring[s, (t + j) % 12]
                    nrr_num = growth * old_mrr
                    out[NRR_NUM, row, col] = nrr_num
                    # MRR of a year ago is today's over the year's growth; GRR keeps only its contraction.
                    out[GRR_NUM, row, col] = nrr_num * (keep_12 / growth_12 if growth_12 != 0.0 else 0.0)

                # 2.4: acquisition. CAC_t = cac * (spend_t / spend_1)^elasticity, written as
                # (spend_1 / cac) * scale^(1 - elasticity) so that tiny spends cannot underflow the CAC.
                seg_spend = spend * par[s, SHARE]
                if t == 1:
                    spend_month1[s] = seg_spend
                rate = 0.0
                if seg_spend > 0.0:
                    if spend_month1[s] > 0.0:
                        scale = seg_spend / spend_month1[s]
                        rate = spend_month1[s] / par[s, CAC] * scale ** (1.0 - par[s, ELASTICITY])
                    else:
                        rate = seg_spend / par[s, CAC]
                referral_rate = par[s, REFERRALS] * survivors
                if not (rate <= max_new) or not (referral_rate <= max_new):
                    return t, s + 1
                paid = 0
                if rate > 0.0:
                    if rate != paid_key[s]:  # the same mean as last time (steady spend): the same start
                        paid_key[s] = rate
                        paid_start[s] = poisson_start(rate)
                    paid = poisson_from(rate, paid_start[s], uniforms[at])
                    at += 1
                referred = 0
                if referral_rate > 0.0:
                    referred = poisson(referral_rate, uniforms[at])
                    at += 1
                new = paid + referred
                slot = C + t - 1
                arpa = par[s, ARPA]
                counts[s, slot] = new
                each[s, slot] = arpa
                new_mrr = new * arpa
                if new > 0:
                    cohort_customers[col, t - 1] += new
                    cohort_mrr[col, t - 1] += new_mrr
                customers = survivors + new

                # The bridge, accumulated so that mrr_t = mrr_{t-1} + net_new_mrr_t holds to the bit;
                # where every account left, all of last month's MRR churned (an empty segment has 0).
                previous = previous_mrr[s]
                if survivors == 0:
                    churned_mrr = previous
                net_new = new_mrr + out[EXPANSION, row, col] - out[CONTRACTION, row, col] - churned_mrr
                revenue = previous + net_new
                previous_mrr[s] = revenue

                out[CUSTOMERS, row, col] = customers
                out[PAID_NEW, row, col] = paid
                out[REFERRAL_NEW, row, col] = referred
                out[CHURNED, row, col] = churned
                out[RENEWALS_DUE, row, col] = due
                out[MRR, row, col] = revenue
                out[NEW_MRR, row, col] = new_mrr
                out[CHURNED_MRR, row, col] = churned_mrr
                out[NET_NEW, row, col] = net_new

                # 2.5: money.
                gross_profit = revenue * par[s, MARGIN]
                cs_cost = par[s, RETENTION] * customers
                collections = C * (renewed_mrr * growth + new_mrr) if upfront[s] else revenue
                out[SPEND, row, col] = seg_spend
                out[GROSS_PROFIT, row, col] = gross_profit
                out[CS_COST, row, col] = cs_cost
                out[COLLECTIONS, row, col] = collections
                gross_profit_now += gross_profit
                collections_all += collections
                revenue_all += revenue
                cs_all += cs_cost

            cogs = revenue_all - gross_profit_now
            cash = cash + collections_all - cogs - spend - cs_all - comp[FIXED] + cash_in_now
            company[1, row, col] = cash
            company[0, row, col] = comp[FIXED]
            company[2, row, col] = cash_in_now
            company[3, row, col] = spend
            gross_profit_prev = gross_profit_now
    return 0, 0


def by_age(by_month: np.ndarray) -> np.ndarray:
    """Cohort totals ``[month - 1, k - 1]`` (as the kernel adds them up) as ``[k - 1, age]``."""
    H = by_month.shape[0]
    out = np.zeros_like(by_month)
    for k in range(H):
        out[k, : H - k] = by_month[k:, k]
    return out
