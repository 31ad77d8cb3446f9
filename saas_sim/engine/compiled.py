"""The month loop: every month of every segment, one path at a time (SPEC 2), compiled code.

The loop itself is C, compiled from ``_kernels.pyx`` by Cython when saas-sim is installed; this
module holds its layout (the raw series it writes, where it reads each parameter) and its
documentation.

Accounts are grouped into *slots* per segment: slot ``i < G`` holds starting
group ``i`` of the segment's ``G`` (:func:`starting_groups`); slot ``G + k - 1``
holds the accounts that joined at the end of month ``k``.  All accounts of a
slot share their tenure and, on a path, their MRR per account, so a slot is two
numbers: a count and an MRR per account.  At month ``t`` the tenure of a
starting group is its tenure at month 0 plus ``t``, that of the cohort of month
``k`` is ``t - k``; a slot faces renewal number ``n = tenure / C`` when the
tenure is a positive multiple of ``C``.

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

from typing import Any

import numpy as np

from saas_sim.engine._build import kernels as _kernels
from saas_sim.model.catalog.fields import COMPANY_PARAMS, SEGMENT_PARAMS
from saas_sim.model.scenario import Segment
from saas_sim.model.unit_economics import PAYBACK_LIMIT_MONTHS, SUM_TOLERANCE

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
# With migrations (SPEC 2.8) every segment records these too: its movers in and out, the MRR at t - 12 of
# its accounts of then that moved out since (its 12-month retention leaves them out), the MRR a move
# adds or removes (the company's expansion and contraction), and the company's 12-month retention
# numerators of the accounts that moved within the year, where they are now.
MIGRATION_RAW = (
    "migrated_in_customers",
    "migrated_out_customers",
    "migrated_in_mrr",
    "migrated_out_mrr",
    "moved_out_base",
    "moved_expansion_mrr",
    "moved_contraction_mrr",
    "nrr_12m_moved",
    "grr_12m_moved",
)
# The company's own rows: ``closed`` 1 from the month after a shut-down (SPEC 2.5), ``cash_in`` events'
# and funding rounds' cash, ``cs_extra`` the cost of customer-success managers and programs (2.7).
COMPANY_RAW = (
    "fixed_costs",
    "cash",
    "cash_in",
    "acquisition_spend",
    "closed",
    "funding_in",
    "csm_headcount",
    "cs_extra",
)
POLICIES = ("continue", "stop_acquisition", "shut_down")  # when_out_of_cash, as the kernel numbers them

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
# The kernel's parameters: the catalog's (SEGMENT_PARAMS: its kernel fields, p and spread), then what the
# programs running make of them (SPEC 2.7): a segment's churn factor (every renewal's churn is
# h(n) x factor) and the company's cost of programs.
SEGMENT_PARAMS_ALL = (*SEGMENT_PARAMS, "churn_factor")
COMPANY_PARAMS_ALL = (*COMPANY_PARAMS, "program_cost")
# Where the kernel finds each parameter: the catalog's kernel fields in catalog order, then p and spread.
# They reach the extension as LAYOUT on every call, so a reordered catalog cannot leave it reading a
# parameter at an old place.
SHARE = SEGMENT_PARAMS_ALL.index("spend_share")
CAC = SEGMENT_PARAMS_ALL.index("cac")
ELASTICITY = SEGMENT_PARAMS_ALL.index("cac_elasticity")
ARPA = SEGMENT_PARAMS_ALL.index("arpa_monthly")
EXP = SEGMENT_PARAMS_ALL.index("expansion_monthly")
CON = SEGMENT_PARAMS_ALL.index("contraction_monthly")
MARGIN = SEGMENT_PARAMS_ALL.index("gross_margin")
RETENTION = SEGMENT_PARAMS_ALL.index("retention_cost_monthly")
REFERRALS = SEGMENT_PARAMS_ALL.index("referrals_monthly")
P_CHURN = SEGMENT_PARAMS_ALL.index("p")
SPREAD = SEGMENT_PARAMS_ALL.index("spread")
FIXED = COMPANY_PARAMS_ALL.index("fixed_costs_monthly")
SPEND_BASE = COMPANY_PARAMS_ALL.index("spend_monthly")
SPEND_GROWTH = COMPANY_PARAMS_ALL.index("spend_growth_monthly")
REINVEST = COMPANY_PARAMS_ALL.index("reinvest_gross_profit")
FACTOR = SEGMENT_PARAMS_ALL.index("churn_factor")
PROGRAM_COST = COMPANY_PARAMS_ALL.index("program_cost")
SEGMENT_PARAM_COUNT = len(SEGMENT_PARAMS_ALL)
COMPANY_PARAM_COUNT = len(COMPANY_PARAMS_ALL)

# Inversion stops this many standard deviations beyond the mean: the mass left out is below
# 1e-20, far under the rounding of the summed probabilities themselves.
TAIL_SDS: float = _kernels.TAIL_SDS
SMALL_MEAN: float = _kernels.SMALL_MEAN  # below it, walk up from 0; above, outwards from the mode


def starting_groups(segment: Segment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A segment's starting groups as the kernel holds them: ``(count, tenure at month 0, MRR per account)``.

    With ``starting_cohorts``, one group per entry, as given (MRR per account: the entry's MRR over its
    customers).  Otherwise (SPEC 2.1) ``C`` groups, slot ``i`` holding starting group ``j = C - 1 - i``
    of tenure ``starting_tenure_months + j`` and ``n0 // C`` accounts (one more for the first
    ``n0 % C`` groups), even when there are none; their MRR per account is NaN: the segment's
    starting MRR (drawn per path) shared equally, which the kernel divides.
    """
    cohorts = segment.starting_cohorts
    if cohorts is not None:
        count = np.array([c.customers for c in cohorts], dtype=np.int64)
        tenure = np.array([c.tenure_months for c in cohorts], dtype=np.int64)
        each = np.array([c.mrr for c in cohorts], dtype=np.float64) / count
        return count, tenure, each
    C, n0 = segment.contract_months, segment.starting_customers
    j = C - 1 - np.arange(C, dtype=np.int64)
    count = n0 // C + (j < n0 % C).astype(np.int64)
    return count, segment.starting_tenure_months + j, np.full(C, np.nan)


def uniform_regions(
    horizon: int,
    segments: list[tuple[int, np.ndarray]],
    churn_changes: int = 0,
    *,
    migrations: int = 0,
    funding_rounds: int = 0,
) -> np.ndarray:
    """Where each kind of draw reads a path's uniforms: the offsets of its regions, ``S + 4`` of them.

    ``segments``: each one's ``(C, starting tenures)``.  A path's uniforms are
    cut into regions so that what one part of the company draws does not move
    what another reads (common random numbers: a program acting on one segment,
    run with and without, leaves the other segments' draws where they were):

    - acquisition, at fixed places: two per segment and month (paid, referred);
    - one region per segment for its losses: one uniform to schedule each slot's
      first loss (its starting groups, one cohort a month, with migrations one
      group of movers a month), one more after each loss (at most one per
      renewal: a starting group of tenure ``tau`` renews ``(tau + H) // C - tau
      // C`` times, the cohorts of months ``t - C, t - 2C, ...`` at month ``t``),
      and every slot again at each of the ``churn_changes`` months whose events or
      programs change churn;
    - migrations: each rule draws, every month, how many move from each group of
      its source, and that group's next loss again (two per group);
    - funding: one per attempt.

    Returns ``[0, segment 0 .., migrations, funding, end]``: region ``k`` of the
    ``S + 3`` starts at entry ``k``; the last entry is the uniforms a path reads at
    most (its ``bound``).
    """
    S = len(segments)
    sizes = [2 * S * horizon]
    widest = 0
    for C, tenures in segments:
        tenure = np.asarray(tenures, dtype=np.int64)
        starting = int(((tenure + horizon) // C - tenure // C).sum())
        cohort_renewals = sum((t - 1) // C for t in range(1, horizon + 1))
        size = (len(tenure) + horizon) * (1 + churn_changes) + starting + cohort_renewals
        if migrations:
            size += horizon * (1 + churn_changes) + cohort_renewals
        sizes.append(size)
        widest = max(widest, len(tenure) + 2 * horizon)
    sizes.append(migrations * horizon * 2 * widest)
    sizes.append(funding_rounds)
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


LAYOUT: tuple[int, ...] = (
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
    FACTOR,
    PROGRAM_COST,
)
"""Where the kernel finds each parameter, in the order the extension reads them; passed on every call."""
_LAYOUT = np.array(LAYOUT, dtype=np.int64)

binomial = _kernels.binomial
poisson = _kernels.poisson
poisson_start = _kernels.poisson_start
poisson_from = _kernels.poisson_from


def simulate_paths(*arrays: Any) -> tuple[int, int]:
    """Simulate block paths ``first..last-1`` into output rows ``row0 + path`` (the extension's loop).

    Arguments, in order: ``first, last, row0, horizon, contract, upfront,
    starting, groups, group_count, group_tenure, group_each, starting_mrr, change_month, segment_params,
    company_params, cash_in, starting_cash, uniforms, bound, max_new, series,
    company, mrr0, cohort_customers, cohort_mrr, policy, funding, funding_months, funding_rounds, csm,
    csm_on, migration_source, migration_target, migration_rate, migration_multiplier, regions, forced``.  Shapes (``S`` segments,
    ``K`` segment parameters, ``M`` months with changes, ``R`` migration rules, ``P`` paths of the
    block, ``H`` months):

    - ``contract, upfront, starting, groups``: ``(S,)`` int64 (``starting``: the
      segment's starting accounts, ``groups``: how many starting groups ``G`` it has);
      ``group_count, group_tenure``: ``(S, max G)`` int64 and ``group_each``
      ``(S, max G)`` float64, each group as :func:`starting_groups` gives it;
      ``starting_mrr``: ``(S, P)``, a segment's starting MRR in total.
    - ``change_month``: ``(M,)`` ascending; ``segment_params``: ``(M + 1, S, K, P)``
      and ``company_params``: ``(M + 1, KC, P)`` hold the values before any change
      (index 0) and after the events and program starts and ends of ``change_month[j]``
      (index ``j + 1``), in :data:`SEGMENT_PARAMS_ALL` / :data:`COMPANY_PARAMS_ALL` order;
      ``cash_in``: ``(M + 1, P)``, the cash events bring in that month.
    - ``uniforms``: ``bound`` per path from path ``first`` on.
    - ``policy``: the index of ``when_out_of_cash`` in :data:`POLICIES`; ``funding``: ``(3, P)``
      ``below_cash, amount, probability``, ``funding_rounds`` 0 without funding; ``csm``: ``(2, P)``
      ``arr_per_csm, cost_per_csm_monthly`` (``csm_on`` 0 without customer success);
      ``migration_source, migration_target``: ``(R,)`` segment indices, ``migration_rate`` and
      ``migration_multiplier``: ``(R, P)``.
    - ``regions``: ``(S + 4,)``, where each kind of draw reads a path's ``bound`` uniforms
      (:func:`uniform_regions`); ``forced``: ``(M, S)``, 1 where a change month redraws a segment's
      next losses whatever its churn (a program's first month and the month after its last).
    - Outputs: ``series (S, 17, rows, H)`` (``17 + 9`` with migrations: :data:`MIGRATION_RAW`),
      ``company (8, rows, H)`` (:data:`COMPANY_RAW`), ``mrr0 (S, rows)``; cohorts ``(H, H)`` summed
      over paths and segments, ``[month - 1, signup month - 1]`` (see :func:`by_age`).

    With migrations each segment holds, besides its starting groups and its cohorts, a group per
    month of the accounts that moved in that month (slot ``G + H + m - 1``): its MRR per account,
    and what the company's retention and cohorts need of its members, fixed when it formed: the
    share of each signup month among them, and per month of the year before, the members' MRR
    then times the contraction since (the kernel's ``composition`` and ``quality``).

    Returns ``(0, 0)``, or ``(month, segment + 1)`` of the first month a segment
    would win more than ``max_new`` accounts (the caller raises).  The loop
    runs without the GIL.
    """
    month, segment = _kernels.simulate_paths(*arrays, _LAYOUT)
    return int(month), int(segment)


def by_age(by_month: np.ndarray) -> np.ndarray:
    """Cohort totals ``[month - 1, k - 1]`` (as the kernel adds them up) as ``[k - 1, age]``."""
    H = by_month.shape[0]
    out = np.zeros_like(by_month)
    for k in range(H):
        out[k, : H - k] = by_month[k:, k]
    return out


def ltv_and_payback(
    *,
    arpa: float | np.ndarray,
    gross_margin: float | np.ndarray,
    expansion: float | np.ndarray,
    contraction: float | np.ndarray,
    p: float | np.ndarray,
    spread: float | np.ndarray,
    contract_months: int,
    discount_rate_annual: float | np.ndarray,
    ltv_horizon_months: float | np.ndarray,
    cac: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`saas_sim.model.unit_economics.ltv_and_payback`, month by month in the extension.

    The same formula and the same 600 months, summed in month order (numpy
    sums pairwise: the two agree to about 1e-13 of the value), stopping once
    LTV's horizon is past and the CAC repaid.  Arguments broadcast together;
    the results have their shape.
    """
    inputs = (arpa, gross_margin, expansion, contraction, p, spread, discount_rate_annual, ltv_horizon_months, cac)
    shape = np.broadcast_shapes(*(np.shape(x) for x in inputs))
    flat = [np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), shape).ravel()) for x in inputs]
    ltv, payback = _kernels.ltv_and_payback(
        *flat[:6], int(contract_months), *flat[6:], PAYBACK_LIMIT_MONTHS, SUM_TOLERANCE
    )
    return ltv.reshape(shape), payback.reshape(shape)
