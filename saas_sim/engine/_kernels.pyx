# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The engine's compiled code (Cython, built by ``pip install``): the month loop, the samplers,
per-path unit economics and the order statistics of a month's paths.

The Python side (:mod:`saas_sim.engine.compiled`, :mod:`saas_sim.engine.selection`,
:mod:`saas_sim.model.unit_economics`) documents each routine and prepares its arrays; this file
only runs loops, without the GIL.  ``cdivision`` is on: every integer ``//`` and ``%`` here has
non-negative operands, where C's and Python's agree.
"""

from libc.math cimport ceil, exp, expm1, floor, isfinite, isinf, log, log1p, nextafter, pow, sqrt, INFINITY
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, qsort

import numpy as np

include "_kernels_digest.pxi"

cdef extern from "math.h" nogil:
    double lgamma_r(double x, int *sign)

# Inversion stops this many standard deviations beyond the mean: the mass left out is below
# 1e-20, far under the rounding of the summed probabilities themselves.
TAIL_SDS = 12.0
SMALL_MEAN = 30.0  # below it, walk up from 0; above, outwards from the mode
cdef double C_TAIL_SDS = 12.0
cdef double C_SMALL_MEAN = 30.0
# A group expected to lose this many accounts at its next renewal is drawn renewal by renewal
# (measured: 1 is as fast as drawing every group so on case b, 12 % faster on case a; 2 cost b 30 %).
cdef double C_PLAIN_MEAN = 1.0
cdef int64_t PLAIN = -2


def plain_mean(double mean=-1.0):
    """The expected loss from which a group is drawn renewal by renewal; ``mean >= 0`` sets it (tests
    hold both ways of drawing to the same distribution: 0 draws every group renewal by renewal)."""
    global C_PLAIN_MEAN
    if mean >= 0.0:
        C_PLAIN_MEAN = mean
    return C_PLAIN_MEAN


cdef inline double lgamma(double x) noexcept nogil:
    cdef int sign
    return lgamma_r(x, &sign)


cdef inline double int_power(double a, int64_t b) noexcept nogil:
    """``a ** b`` for a whole ``b >= 0`` by repeated squaring (the same products as numba's ``**``)."""
    cdef double r = 1.0
    cdef int64_t e = b
    if e > 0x10000:
        return pow(a, <double>b)
    while e != 0:
        if e & 1:
            r *= a
        e >>= 1
        a *= a
    return r


# ---------------------------------------------------------------------------------------------
# Samplers: a count by inversion of one uniform.


cdef inline int64_t _walk_up(int64_t n, double h, double r, int64_t k, double pk, double cdf, double u) noexcept nogil:
    """``Binomial(n, h)`` by inversion of ``u``, walking up from ``k`` whose probability is ``pk`` and
    cumulative probability ``cdf`` (``r = h / (1 - h)``), at most ``TAIL_SDS`` deviations past the mean."""
    cdef double mean = n * h
    cdef double limit = min(<double>n, mean + C_TAIL_SDS * sqrt(mean * (1.0 - h)) + C_TAIL_SDS)
    while u > cdf and k < limit:
        pk *= (n - k) / (k + 1.0) * r
        k += 1
        cdf += pk
    return min(k, n)


cdef int64_t c_binomial(int64_t n, double h, double log_q, double u) noexcept nogil:
    cdef double mean, r, p0, p1, p2, p3, c1, c2, cdf, limit, reach, pm, lower, p_hi, p_lo
    cdef int64_t mode, hi, lo
    cdef bint moved
    if n <= 0 or h <= 0.0:
        return 0
    if h >= 1.0:
        return n
    mean = n * h
    r = h / (1.0 - h)
    if mean < C_SMALL_MEAN:
        # The first four probabilities without a branch: most draws end among them.
        p0 = exp(n * log_q)
        p1 = p0 * n * r
        p2 = p1 * (n - 1) * 0.5 * r
        p3 = p2 * (n - 2) * (1.0 / 3.0) * r
        c1 = p0 + p1
        c2 = c1 + p2
        cdf = c2 + p3
        if u <= cdf:
            return (u > p0) + (u > c1) + (u > c2)
        return _walk_up(n, h, r, 3, p3, cdf, u)
    reach = C_TAIL_SDS * sqrt(mean * (1.0 - h)) + C_TAIL_SDS
    limit = min(<double>n, mean + reach)
    mode = min(<int64_t>((n + 1) * h), n)
    pm = exp(lgamma(n + 1.0) - lgamma(mode + 1.0) - lgamma(n - mode + 1.0) + mode * log(h) + (n - mode) * log_q)
    u -= pm
    if u <= 0.0:
        return mode
    lower = mean - reach
    hi = mode
    p_hi = pm
    lo = mode
    p_lo = pm
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


cdef double c_poisson_start(double lam) noexcept nogil:
    cdef int64_t mode
    if lam <= 0.0:
        return 1.0
    if lam < C_SMALL_MEAN:
        return exp(-lam)
    mode = <int64_t>lam
    return exp(mode * log(lam) - lam - lgamma(mode + 1.0))


cdef int64_t c_poisson_from(double lam, double start, double u) noexcept nogil:
    cdef double reach, limit, pk, cdf, pm, lower, p_hi, p_lo
    cdef int64_t k, mode, hi, lo
    cdef bint moved
    if lam <= 0.0:
        return 0
    reach = C_TAIL_SDS * sqrt(lam) + C_TAIL_SDS
    limit = lam + reach
    if lam < C_SMALL_MEAN:
        pk = start
        cdf = pk
        k = 0
        while u > cdf and k < limit:
            k += 1
            pk *= lam / k
            cdf += pk
        return k
    mode = <int64_t>lam
    pm = start
    u -= pm
    if u <= 0.0:
        return mode
    lower = lam - reach
    hi = mode
    p_hi = pm
    lo = mode
    p_lo = pm
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


def binomial(int64_t n, double h, double log_q, double u):
    return c_binomial(n, h, log_q, u)


def poisson(double lam, double u):
    return c_poisson_from(lam, c_poisson_start(lam), u)


def poisson_start(double lam):
    return c_poisson_start(lam)


def poisson_from(double lam, double start, double u):
    return c_poisson_from(lam, start, u)


# ---------------------------------------------------------------------------------------------
# The month loop.


cdef void hazards(
    double p, double spread, double factor, double[::1] table, double[::1] log_q, double[::1] prefix
) noexcept nogil:
    """``h(n)``, ``log(1 - h(n))`` and their running sum ``prefix[n] = sum_{j <= n} log(1 - h(j))``;
    ``factor``: the programs' change of every renewal's churn (SPEC 2.7), ``h(n) x factor`` clipped to 1."""
    cdef Py_ssize_t n
    cdef double h
    prefix[0] = 0.0
    for n in range(1, table.shape[0]):
        h = p if isinf(spread) else p * spread / (spread + n - 1.0)
        h = min(h * factor, 1.0)
        table[n] = h
        log_q[n] = log1p(-h) if h < 1.0 else -INFINITY
        prefix[n] = prefix[n - 1] + log_q[n]


cdef int64_t truncated_binomial(int64_t n, double h, double log_q, double some, double v) noexcept nogil:
    """``Binomial(n, h)`` given at least one, by inversion of ``v``; ``some = P(at least one) = 1 - (1 - h)^n``."""
    cdef double mean, r, pk
    if h >= 1.0:
        return n
    mean = n * h
    if mean >= C_SMALL_MEAN:  # P(none) < e^-30: the plain draw, from the mode
        return max(c_binomial(n, h, log_q, (1.0 - some) + v * some), 1)
    r = h / (1.0 - h)
    pk = exp((n - 1) * log_q) * n * h / some  # P(1 | at least one)
    return _walk_up(n, h, r, 1, pk, pk, v)


cdef void schedule(
    int64_t n, int64_t n_from, int64_t base, int64_t C, double u,
    double[::1] table, double[::1] log_q, double[::1] prefix, int64_t *month, int64_t *gone,
) noexcept nogil:
    """When ``n`` accounts that face renewals ``n_from, n_from + 1, ...`` next lose some, and how many.

    Renewals are independent given the accounts left, so the first renewal ``m``
    with a loss has ``P(none in n_from..m) = exp(n (prefix[m] - prefix[n_from - 1]))``;
    one uniform ``u`` picks ``m`` by inversion and, through where it fell within
    ``m``'s share, how many leave then (a binomial given at least one).  Renewal
    ``m`` falls in month ``m C - base``; ``month`` is -1 when no renewal of the
    table loses any, and ``PLAIN`` when ``n h(n_from)`` reaches ``PLAIN_MEAN``:
    a group that loses accounts at most renewals is cheaper drawn renewal by
    renewal (a binomial each), as it then is for good.
    """
    cdef Py_ssize_t top = table.shape[0] - 1, lo, hi, mid, m
    cdef double w = 1.0 - u, start, target, none_before, acc, some, v
    month[0] = -1
    gone[0] = 0
    if n <= 0 or n_from > top:
        return
    if n * table[n_from] >= C_PLAIN_MEAN:
        month[0] = PLAIN
        return
    start = prefix[n_from - 1]
    if isfinite(start):
        target = start + log(w) / n
        if not (prefix[top] < target):
            return
        # The first renewal whose chance of no loss so far falls under w: galloping from n_from (it is
        # most often within a few renewals), then halving.
        lo = n_from
        hi = n_from
        mid = 1
        while prefix[hi] >= target:
            lo = hi + 1
            hi = min(n_from + 2 * mid - 1, top)
            mid *= 2
        while lo < hi:
            mid = (lo + hi) // 2
            if prefix[mid] < target:
                hi = mid
            else:
                lo = mid + 1
        m = lo
        none_before = exp(n * (prefix[m - 1] - start))
    else:  # a certain loss earlier in the table (h = 1): add up from n_from instead
        acc = 0.0
        m = n_from
        while True:
            none_before = exp(acc)
            acc += n * log_q[m]
            if acc < log(w):
                break
            if m == top:
                return
            m += 1
    month[0] = m * C - base
    if n == 1:  # one account: it leaves
        gone[0] = 1
        return
    some = -expm1(n * log_q[m]) if log_q[m] > -INFINITY else 1.0
    v = (none_before - w) / (none_before * some)
    v = min(max(v, 0.0), 1.0)
    gone[0] = truncated_binomial(n, table[m], log_q[m], some, v)


# Indices of the layout array (compiled.LAYOUT).
cdef enum:
    L_SEGMENT_COUNT = 0
    L_COMPANY_COUNT = 1
    L_SHARE = 2
    L_CAC = 3
    L_ELASTICITY = 4
    L_ARPA = 5
    L_EXP = 6
    L_CON = 7
    L_MARGIN = 8
    L_RETENTION = 9
    L_REFERRALS = 10
    L_P_CHURN = 11
    L_SPREAD = 12
    L_FIXED = 13
    L_SPEND_BASE = 14
    L_SPEND_GROWTH = 15
    L_REINVEST = 16
    L_FACTOR = 17
    L_PROGRAM_COST = 18
    LAYOUT_LENGTH = 19


# Raw series, in compiled.SEGMENT_RAW's order; the migration series (compiled.MIGRATION_RAW) follow
# when the scenario has migrations.
cdef enum:
    CUSTOMERS = 0
    PAID_NEW = 1
    REFERRAL_NEW = 2
    CHURNED = 3
    RENEWALS_DUE = 4
    MRR = 5
    NEW_MRR = 6
    EXPANSION = 7
    CONTRACTION = 8
    CHURNED_MRR = 9
    NET_NEW = 10
    SPEND = 11
    GROSS_PROFIT = 12
    CS_COST = 13
    COLLECTIONS = 14
    NRR_NUM = 15
    GRR_NUM = 16
    MIG_IN_CUSTOMERS = 17
    MIG_OUT_CUSTOMERS = 18
    MIG_IN_MRR = 19
    MIG_OUT_MRR = 20
    MOVED_OUT_BASE = 21
    MOVED_EXPANSION = 22
    MOVED_CONTRACTION = 23
    NRR_MOVED = 24
    GRR_MOVED = 25
RAW_SERIES = 17
RAW_SERIES_WITH_MIGRATIONS = 26

# Company rows, in compiled.COMPANY_RAW's order.
cdef enum:
    C_FIXED_COSTS = 0
    C_CASH = 1
    C_CASH_IN = 2
    C_SPEND = 3
    C_CLOSED = 4
    C_FUNDING_IN = 5
    C_CSM_HEADCOUNT = 6
    C_CS_EXTRA = 7
COMPANY_ROWS = 8

# Cash policies (SPEC 2.5), as compiled.POLICIES numbers them.
cdef enum:
    POLICY_CONTINUE = 0
    POLICY_STOP_ACQUISITION = 1
    POLICY_SHUT_DOWN = 2


def simulate_paths(
    Py_ssize_t first,
    Py_ssize_t last,
    Py_ssize_t row0,
    Py_ssize_t horizon,
    const int64_t[::1] contract not None,
    const int64_t[::1] upfront not None,
    const int64_t[::1] starting not None,
    const int64_t[::1] groups not None,
    const int64_t[:, ::1] group_count not None,
    const int64_t[:, ::1] group_tenure not None,
    const double[:, ::1] group_each not None,
    const double[:, ::1] starting_mrr not None,
    const int64_t[::1] change_month not None,
    const double[:, :, :, ::1] segment_params not None,
    const double[:, :, ::1] company_params not None,
    const double[:, ::1] cash_in not None,
    const double[::1] starting_cash not None,
    const double[::1] uniforms not None,
    Py_ssize_t bound,
    double max_new,
    double[:, :, :, ::1] series not None,
    double[:, :, ::1] company not None,
    double[:, :] mrr0 not None,
    double[:, ::1] cohort_customers not None,
    double[:, ::1] cohort_mrr not None,
    int64_t policy,
    const double[:, ::1] funding not None,
    int64_t funding_months,
    int64_t funding_rounds,
    const double[:, ::1] csm not None,
    int64_t csm_on,
    const int64_t[::1] migration_source not None,
    const int64_t[::1] migration_target not None,
    const double[:, ::1] migration_rate not None,
    const double[:, ::1] migration_multiplier not None,
    const int64_t[::1] regions not None,
    const int64_t[:, ::1] forced not None,
    const int64_t[::1] layout not None,
):
    """See :func:`saas_sim.engine.compiled.simulate_paths`."""
    if layout.shape[0] != LAYOUT_LENGTH:
        raise ValueError("the parameter layout does not match the compiled kernel")
    cdef Py_ssize_t S = contract.shape[0]
    cdef Py_ssize_t H = horizon
    cdef Py_ssize_t M = migration_source.shape[0]
    cdef Py_ssize_t width = 0, renewals_max = 0, s, i
    if series.shape[1] != (RAW_SERIES_WITH_MIGRATIONS if M > 0 else RAW_SERIES) or company.shape[0] != COMPANY_ROWS:
        raise ValueError("the output arrays do not match the compiled kernel")
    for s in range(S):
        width = max(width, groups[s] + H * (2 if M > 0 else 1))
        renewals_max = max(renewals_max, H // contract[s] + 2)
        for i in range(groups[s]):
            renewals_max = max(renewals_max, (group_tenure[s, i] + H) // contract[s] + 2)
    K = segment_params.shape[2]
    HM = H if M > 0 else 1  # migration scratch is allocated only for scenarios with migrations
    counts_a = np.zeros((S, width), np.int64)
    each_a = np.zeros((S, width))
    hazard_a = np.zeros((S, renewals_max))
    log_q_a = np.zeros((S, renewals_max))
    prefix_a = np.zeros((S, renewals_max))
    next_month_a = np.full((S, width), -1, np.int64)
    next_gone_a = np.zeros((S, width), np.int64)
    hazard_key_a = np.full((S, 3), np.nan)
    paid_key_a = np.full(S, np.nan)
    paid_start_a = np.zeros(S)
    growth_ring_a = np.ones((S, 12))
    keep_ring_a = np.ones((S, 12))
    previous_mrr_a = np.zeros(S)
    spend_month1_a = np.zeros(S)
    par_a = np.zeros((S, K))
    comp_a = np.zeros(company_params.shape[1])
    month_ints_a = np.zeros((S, 4), np.int64)
    month_floats_a = np.zeros((S, 12))
    incoming_a = np.zeros(H + 2)
    kappa_a = np.ones((S, HM))
    quality_a = np.zeros((S, HM, 12))
    composition_a = np.zeros((S, HM, 2 * HM))  # per group: the share of each signup month in its accounts, then in its MRR
    moved_base_a = np.zeros((S, HM, 12))
    arrival_quality_a = np.zeros((S, 12))
    arrival_composition_a = np.zeros((S, 2 * HM))
    cdef int64_t[:, ::1] counts = counts_a
    cdef double[:, ::1] each = each_a
    cdef double[:, ::1] hazard = hazard_a
    cdef double[:, ::1] log_q = log_q_a
    cdef double[:, ::1] prefix = prefix_a
    cdef int64_t[:, ::1] next_month = next_month_a
    cdef int64_t[:, ::1] next_gone = next_gone_a
    cdef double[:, ::1] hazard_key = hazard_key_a
    cdef double[::1] paid_key = paid_key_a
    cdef double[::1] paid_start = paid_start_a
    cdef double[:, ::1] growth_ring = growth_ring_a
    cdef double[:, ::1] keep_ring = keep_ring_a
    cdef double[::1] previous_mrr = previous_mrr_a
    cdef double[::1] spend_month1 = spend_month1_a
    cdef double[:, ::1] par = par_a
    cdef double[::1] comp = comp_a
    cdef int64_t[:, ::1] month_ints = month_ints_a
    cdef double[:, ::1] month_floats = month_floats_a
    cdef double[::1] incoming = incoming_a
    cdef double[:, ::1] kappa = kappa_a
    cdef double[:, :, ::1] quality = quality_a
    cdef double[:, :, ::1] composition = composition_a
    cdef double[:, :, ::1] moved_base = moved_base_a
    cdef double[:, ::1] arrival_quality = arrival_quality_a
    cdef double[:, ::1] arrival_composition = arrival_composition_a
    if regions.shape[0] != S + 4 or forced.shape[0] != change_month.shape[0] or forced.shape[1] != S:
        raise ValueError("the uniform regions or the forced redraws do not match the segments and months")
    cursor_a = np.zeros(S + 2, np.int64)
    cdef int64_t[::1] cursor = cursor_a
    cdef int64_t failed_month = 0, failed_segment = 0
    with nogil:
        _simulate(
            first, last, row0, H, contract, upfront, starting, groups, group_count, group_tenure, group_each,
            starting_mrr,
            change_month, segment_params, company_params, cash_in, starting_cash, uniforms, bound,
            max_new, series, company, mrr0, cohort_customers, cohort_mrr, layout,
            policy, funding, funding_months, funding_rounds, csm, csm_on,
            migration_source, migration_target, migration_rate, migration_multiplier, regions, forced, cursor,
            counts, each, hazard, log_q, prefix, next_month, next_gone, hazard_key, paid_key, paid_start, growth_ring, keep_ring,
            previous_mrr, spend_month1, par, comp, month_ints, month_floats, incoming, kappa, quality, composition,
            moved_base, arrival_quality, arrival_composition, &failed_month, &failed_segment,
        )
    return failed_month, failed_segment


# A segment's figures of the month between the phases of a month with migrations (month_ints,
# month_floats columns).
cdef enum:
    T_DUE = 0
    T_CHURNED = 1
    T_SURVIVORS = 2
    T_ARRIVED = 3
cdef enum:
    T_CHURNED_MRR = 0
    T_RENEWED_MRR = 1
    T_EXPANSION = 2
    T_CONTRACTION = 3
    T_GROWTH = 4
    T_OUT_CUSTOMERS = 5
    T_OUT_MRR = 6
    T_ARRIVED_MRR = 7
    T_MOVED_EXPANSION = 8
    T_MOVED_CONTRACTION = 9
    T_NRR_NUM = 10
    T_GRR_RATIO = 11


cdef inline double moved_out_base(const double[:, :, ::1] moved_base, Py_ssize_t s, Py_ssize_t t) noexcept nogil:
    """MRR at t - 12 of the segment's accounts of then that moved out in months t - 11 .. t."""
    cdef double total = 0.0
    cdef Py_ssize_t m
    for m in range(max(1, t - 11), t + 1):
        total += moved_base[s, m - 1, t - m]
    return total


cdef void _simulate(
    Py_ssize_t first,
    Py_ssize_t last,
    Py_ssize_t row0,
    Py_ssize_t H,
    const int64_t[::1] contract,
    const int64_t[::1] upfront,
    const int64_t[::1] starting,
    const int64_t[::1] groups,
    const int64_t[:, ::1] group_count,
    const int64_t[:, ::1] group_tenure,
    const double[:, ::1] group_each,
    const double[:, ::1] starting_mrr,
    const int64_t[::1] change_month,
    const double[:, :, :, ::1] segment_params,
    const double[:, :, ::1] company_params,
    const double[:, ::1] cash_in,
    const double[::1] starting_cash,
    const double[::1] uniforms,
    Py_ssize_t bound,
    double max_new,
    double[:, :, :, ::1] series,
    double[:, :, ::1] company,
    double[:, :] mrr0,
    double[:, ::1] cohort_customers,
    double[:, ::1] cohort_mrr,
    const int64_t[::1] layout,
    int64_t policy,
    const double[:, ::1] funding,
    int64_t funding_months,
    int64_t funding_rounds,
    const double[:, ::1] csm,
    int64_t csm_on,
    const int64_t[::1] migration_source,
    const int64_t[::1] migration_target,
    const double[:, ::1] migration_rate,
    const double[:, ::1] migration_multiplier,
    const int64_t[::1] regions,
    const int64_t[:, ::1] forced,
    int64_t[::1] cursor,
    int64_t[:, ::1] counts,
    double[:, ::1] each,
    double[:, ::1] hazard,
    double[:, ::1] log_q,
    double[:, ::1] prefix,
    int64_t[:, ::1] next_month,
    int64_t[:, ::1] next_gone,
    double[:, ::1] hazard_key,
    double[::1] paid_key,
    double[::1] paid_start,
    double[:, ::1] growth_ring,
    double[:, ::1] keep_ring,
    double[::1] previous_mrr,
    double[::1] spend_month1,
    double[:, ::1] par,
    double[::1] comp,
    int64_t[:, ::1] month_ints,
    double[:, ::1] month_floats,
    double[::1] incoming,
    double[:, ::1] kappa,
    double[:, :, ::1] quality,
    double[:, :, ::1] composition,
    double[:, :, ::1] moved_base,
    double[:, ::1] arrival_quality,
    double[:, ::1] arrival_composition,
    int64_t *failed_month,
    int64_t *failed_segment,
) noexcept nogil:
    cdef Py_ssize_t S = contract.shape[0]
    cdef Py_ssize_t M = migration_source.shape[0]
    cdef Py_ssize_t n_changes = change_month.shape[0]
    cdef Py_ssize_t K = par.shape[1], KC = comp.shape[0]
    cdef Py_ssize_t SHARE = layout[L_SHARE], CAC = layout[L_CAC], ELASTICITY = layout[L_ELASTICITY]
    cdef Py_ssize_t ARPA = layout[L_ARPA], EXP = layout[L_EXP], CON = layout[L_CON]
    cdef Py_ssize_t MARGIN = layout[L_MARGIN], RETENTION = layout[L_RETENTION]
    cdef Py_ssize_t REFERRALS = layout[L_REFERRALS], P_CHURN = layout[L_P_CHURN], SPREAD = layout[L_SPREAD]
    cdef Py_ssize_t FIXED = layout[L_FIXED], SPEND_BASE = layout[L_SPEND_BASE]
    cdef Py_ssize_t SPEND_GROWTH = layout[L_SPEND_GROWTH], REINVEST = layout[L_REINVEST]
    cdef Py_ssize_t FACTOR = layout[L_FACTOR], PROGRAM_COST = layout[L_PROGRAM_COST]
    cdef Py_ssize_t path, row, at, snapshot, s, k, i, j, t, col, live, slot, old, phase, phases, r, a, b
    cdef Py_ssize_t moved_slot, moved_first, mover_month, w, jj
    cdef int64_t C, G, n0, due, churned, n_at_risk, gone, n, joined, n_here, survivors
    cdef int64_t paid, referred, new, customers, tenure, base, closed_after, attempts, last_attempt, moved
    cdef int64_t signup, arrived, changed
    cdef double per_account, level, cash, gross_profit_prev, cash_in_now, spend, gross_profit_now
    cdef double collections_all, revenue_all, cs_all, churned_mrr, renewed_mrr, e, c, growth
    cdef double before_change, old_mrr, value, growth_12, keep_12, nrr_num, seg_spend, rate, scale
    cdef double referral_rate, arpa, new_mrr, previous, net_new, revenue, gross_profit, cs_cost
    cdef double collections, cogs, expansion, contraction, planned, funding_now, cs_extra, headcount
    cdef double arr_before, move_rate, move_log_q, multiplier, kept_share, mrr_before, share, nrr_moved, grr_moved
    cdef double active
    cdef double[12] growth_since
    cdef double[12] keep_since

    phases = 3 if M > 0 else 1
    for path in range(first, last):
        row = row0 + path
        at = (path - first) * bound  # the path's uniforms: its regions start at at + regions[k]
        for r in range(S + 2):
            cursor[r] = at + regions[r + 1]
        snapshot = 0
        closed_after = 0  # shut down at the end of this month (0: open)
        attempts = 0
        last_attempt = 0
        if funding_rounds > 0:
            for t in range(H + 2):
                incoming[t] = 0.0
        for s in range(S):
            C = contract[s]
            G = groups[s]
            counts[s, :] = 0
            each[s, :] = 0.0
            growth_ring[s, :] = 1.0
            keep_ring[s, :] = 1.0
            if M > 0:
                moved_base[s, :, :] = 0.0
            n0 = starting[s]
            level = 0.0
            if n0 > 0:
                per_account = starting_mrr[s, path] / n0
                for i in range(G):
                    counts[s, i] = group_count[s, i]
                    # A NaN: the group's accounts share the segment's starting MRR (per path) equally.
                    each[s, i] = per_account if group_each[s, i] != group_each[s, i] else group_each[s, i]
                for i in range(G):
                    level += counts[s, i] * each[s, i]
            mrr0[s, row] = level
            previous_mrr[s] = level
            for k in range(K):
                par[s, k] = segment_params[0, s, k, path]
            if (
                par[s, P_CHURN] != hazard_key[s, 0] or par[s, SPREAD] != hazard_key[s, 1]
                or par[s, FACTOR] != hazard_key[s, 2]
            ):
                hazards(par[s, P_CHURN], par[s, SPREAD], par[s, FACTOR], hazard[s], log_q[s], prefix[s])
                hazard_key[s, 0] = par[s, P_CHURN]
                hazard_key[s, 1] = par[s, SPREAD]
                hazard_key[s, 2] = par[s, FACTOR]
            for i in range(next_month.shape[1]):
                next_month[s, i] = -1
            for i in range(G):  # the starting groups' first losses, from their next renewal on
                if counts[s, i] > 0:
                    base = group_tenure[s, i]
                    schedule(
                        counts[s, i], (base + 1 + C - 1) // C, base, C, uniforms[cursor[s]],
                        hazard[s], log_q[s], prefix[s], &next_month[s, i], &next_gone[s, i],
                    )
                    cursor[s] += 1
        for k in range(KC):
            comp[k] = company_params[0, k, path]
        cash = starting_cash[path]
        gross_profit_prev = 0.0

        for t in range(1, H + 1):
            col = t - 1
            if closed_after > 0:
                # 2.5 shut_down: the month after the last, every account leaves; then nothing happens.
                if t == closed_after + 1:
                    for s in range(S):
                        churned = 0
                        for i in range(counts.shape[1]):
                            churned += counts[s, i]
                            counts[s, i] = 0
                        series[s, CHURNED, row, col] = churned
                        series[s, CHURNED_MRR, row, col] = previous_mrr[s]
                        series[s, NET_NEW, row, col] = -previous_mrr[s]
                        series[s, MRR, row, col] = previous_mrr[s] - previous_mrr[s]
                        previous_mrr[s] = 0.0
                if M > 0 and t >= 12:
                    for s in range(S):
                        series[s, MOVED_OUT_BASE, row, col] = moved_out_base(moved_base, s, t)
                company[C_CASH, row, col] = cash
                company[C_CLOSED, row, col] = 1.0
                continue
            cash_in_now = 0.0
            changed = 0
            if snapshot < n_changes and change_month[snapshot] == t:
                snapshot += 1
                changed = 1
                for s in range(S):
                    for k in range(K):
                        par[s, k] = segment_params[snapshot, s, k, path]
                for k in range(KC):
                    comp[k] = company_params[snapshot, k, path]
                cash_in_now = cash_in[snapshot, path]
            funding_now = 0.0
            if funding_rounds > 0:
                funding_now = incoming[t]
                cash_in_now = cash_in_now + funding_now
            planned = comp[SPEND_BASE] * int_power(1.0 + comp[SPEND_GROWTH], t - 1) + comp[REINVEST] * gross_profit_prev
            # 2.5 stop_acquisition: a month that opens with negative cash buys no customers.
            spend = 0.0 if policy == POLICY_STOP_ACQUISITION and cash < 0.0 else planned
            # 2.7: customer-success managers for last month's ARR, and the programs running.
            cs_extra = comp[PROGRAM_COST]
            headcount = 0.0
            if csm_on:
                arr_before = 0.0
                for s in range(S):
                    arr_before += previous_mrr[s]
                arr_before *= 12.0
                # a whole number of managers; a ratio within rounding of a whole number is that number
                headcount = ceil(arr_before / csm[0, path] * (1.0 - 1e-12))
                if headcount < 0.0:
                    headcount = 0.0
                cs_extra = cs_extra + headcount * csm[1, path]
            gross_profit_now = 0.0
            collections_all = 0.0
            revenue_all = 0.0
            cs_all = 0.0
            for phase in range(phases):
                if phase == 1:
                    # 2.8: migrations, after churn and expansion, before acquisition.
                    for s in range(S):
                        month_ints[s, T_ARRIVED] = 0
                        month_floats[s, T_OUT_CUSTOMERS] = 0.0
                        month_floats[s, T_OUT_MRR] = 0.0
                        month_floats[s, T_ARRIVED_MRR] = 0.0
                        month_floats[s, T_MOVED_EXPANSION] = 0.0
                        month_floats[s, T_MOVED_CONTRACTION] = 0.0
                        for j in range(12):
                            arrival_quality[s, j] = 0.0
                        for k in range(t):
                            arrival_composition[s, k] = 0.0
                            arrival_composition[s, H + k] = 0.0
                    for r in range(M):
                        a = migration_source[r]
                        b = migration_target[r]
                        move_rate = migration_rate[r, path]
                        if not (move_rate > 0.0):
                            continue
                        move_log_q = log1p(-move_rate) if move_rate < 1.0 else -INFINITY
                        multiplier = migration_multiplier[r, path]
                        kept_share = multiplier if multiplier < 1.0 else 1.0  # a move's contraction (GRR)
                        C = contract[a]
                        G = groups[a]
                        # Growth and keep of segment a over months w + 1 .. t, for w = t - 12 + j.
                        growth_12 = 1.0
                        keep_12 = 1.0
                        for j in range(12):
                            w = t - j  # the month multiplied in
                            if w >= 1:
                                growth_12 *= growth_ring[a, (w - 1) % 12]
                                keep_12 *= keep_ring[a, (w - 1) % 12]
                            growth_since[11 - j] = growth_12
                            keep_since[11 - j] = keep_12
                        for moved_slot in range(2):
                            moved_first = 0 if moved_slot == 0 else G + H
                            live = G + t - 1 if moved_slot == 0 else G + H + t - 1
                            for i in range(moved_first, live):
                                n_here = counts[a, i]
                                if n_here <= 0:
                                    continue
                                moved = c_binomial(n_here, move_rate, move_log_q, uniforms[cursor[S]])
                                cursor[S] += 1
                                if moved == 0:
                                    continue
                                counts[a, i] = n_here - moved
                                mrr_before = moved * each[a, i]
                                month_floats[a, T_OUT_CUSTOMERS] += moved
                                month_floats[a, T_OUT_MRR] += mrr_before
                                month_ints[b, T_ARRIVED] += moved
                                month_floats[b, T_ARRIVED_MRR] += mrr_before * multiplier
                                if multiplier >= 1.0:
                                    month_floats[b, T_MOVED_EXPANSION] += mrr_before * multiplier - mrr_before
                                else:
                                    month_floats[b, T_MOVED_CONTRACTION] += mrr_before - mrr_before * multiplier
                                if t >= 12 and (
                                    (moved_slot == 0 and i < G + t - 12) or (moved_slot == 1 and i - G - H + 1 <= t - 12)
                                ):  # an account of a year ago that moves out leaves the segment's 12-month numerator
                                    month_floats[a, T_NRR_NUM] -= mrr_before
                                if moved_slot == 0:
                                    signup = 0 if i < G else i - G + 1  # 0: the starting base
                                    if signup >= 1:
                                        arrival_composition[b, signup - 1] += moved
                                        arrival_composition[b, H + signup - 1] += mrr_before * multiplier
                                    for j in range(12):
                                        w = t - 12 + j
                                        if signup <= w:
                                            arrival_quality[b, j] += (
                                                mrr_before * keep_since[j] / growth_since[j] * kept_share
                                            )
                                            moved_base[a, t - 1, j] += mrr_before / growth_since[j]
                                    base = group_tenure[a, i] if i < G else -(i - G + 1)
                                else:
                                    mover_month = i - G - H + 1
                                    for k in range(mover_month):
                                        arrival_composition[b, k] += moved * composition[a, mover_month - 1, k]
                                        arrival_composition[b, H + k] += (
                                            mrr_before * multiplier * composition[a, mover_month - 1, H + k]
                                        )
                                    for j in range(12):
                                        w = t - 12 + j
                                        if w >= mover_month:
                                            arrival_quality[b, j] += (
                                                mrr_before * keep_since[j] / growth_since[j] * kept_share
                                            )
                                            moved_base[a, t - 1, j] += mrr_before / growth_since[j]
                                        else:
                                            jj = w - (mover_month - 12)
                                            arrival_quality[b, j] += (
                                                moved * quality[a, mover_month - 1, jj] * kappa[a, mover_month - 1]
                                                * kept_share
                                            )
                                    base = -mover_month
                                # The group's next loss was drawn for its old size: draw it again.
                                if counts[a, i] == 0:
                                    next_month[a, i] = -1
                                elif next_month[a, i] != PLAIN:
                                    tenure = base + t
                                    schedule(
                                        counts[a, i], tenure // C + 1, base, C, uniforms[cursor[S]],
                                        hazard[a], log_q[a], prefix[a], &next_month[a, i], &next_gone[a, i],
                                    )
                                    cursor[S] += 1
                    # Each segment's movers of the month: one group of tenure 0 there.
                    for b in range(S):
                        slot = groups[b] + H + t - 1
                        arrived = month_ints[b, T_ARRIVED]
                        counts[b, slot] = arrived
                        next_month[b, slot] = -1
                        if arrived > 0:
                            each[b, slot] = month_floats[b, T_ARRIVED_MRR] / arrived
                            for k in range(t):
                                composition[b, t - 1, k] = arrival_composition[b, k] / arrived
                                composition[b, t - 1, H + k] = (
                                    arrival_composition[b, H + k] / month_floats[b, T_ARRIVED_MRR]
                                    if month_floats[b, T_ARRIVED_MRR] > 0.0
                                    else composition[b, t - 1, k]
                                )
                            for j in range(12):
                                quality[b, t - 1, j] = arrival_quality[b, j] / arrived
                            kappa[b, t - 1] = 1.0
                            schedule(
                                arrived, 1, -t, contract[b], uniforms[cursor[b]], hazard[b], log_q[b], prefix[b],
                                &next_month[b, slot], &next_gone[b, slot],
                            )
                            cursor[b] += 1
                    continue
                for s in range(S):
                    C = contract[s]
                    G = groups[s]
                    if phase == 0:
                        live = G + t - 1
                        if (
                            par[s, P_CHURN] != hazard_key[s, 0] or par[s, SPREAD] != hazard_key[s, 1]
                            or par[s, FACTOR] != hazard_key[s, 2] or (changed and forced[snapshot - 1, s])
                        ):
                            # Churn changed (an event, a program): every account keeps its renewal number,
                            # and its next loss is drawn again under the new hazards (renewals are
                            # independent given the accounts).  A program's first and last month redraw
                            # its segments even when it changes nothing (``forced``): the run without it
                            # then reads the same uniforms as the run with it.
                            hazards(par[s, P_CHURN], par[s, SPREAD], par[s, FACTOR], hazard[s], log_q[s], prefix[s])
                            hazard_key[s, 0] = par[s, P_CHURN]
                            hazard_key[s, 1] = par[s, SPREAD]
                            hazard_key[s, 2] = par[s, FACTOR]
                            for moved_slot in range(2 if M > 0 else 1):
                                moved_first = 0 if moved_slot == 0 else G + H
                                for i in range(moved_first, moved_first + (live if moved_slot == 0 else t - 1)):
                                    next_month[s, i] = -1
                                    if counts[s, i] > 0:
                                        if moved_slot == 1:
                                            base = -(i - G - H + 1)
                                        else:
                                            base = group_tenure[s, i] if i < G else -(i - G + 1)
                                        schedule(
                                            counts[s, i], (base + t + C - 1) // C, base, C, uniforms[cursor[s]],
                                            hazard[s], log_q[s], prefix[s], &next_month[s, i], &next_gone[s, i],
                                        )
                                        cursor[s] += 1

                        # 2.1-2.2: renewals and churn, slot by slot.
                        due = 0
                        churned = 0
                        churned_mrr = 0.0
                        renewed_mrr = 0.0
                        for i in range(G):  # the starting groups whose tenure is a multiple of C
                            tenure = group_tenure[s, i] + t
                            if tenure % C == 0:
                                n_at_risk = counts[s, i]
                                due += n_at_risk
                                if n_at_risk > 0:
                                    gone = 0
                                    if next_month[s, i] == PLAIN:
                                        n = tenure // C
                                        gone = c_binomial(n_at_risk, hazard[s, n], log_q[s, n], uniforms[cursor[s]])
                                        cursor[s] += 1
                                    elif next_month[s, i] == t:
                                        gone = next_gone[s, i]
                                        schedule(
                                            n_at_risk - gone, tenure // C + 1, group_tenure[s, i], C,
                                            uniforms[cursor[s]], hazard[s], log_q[s], prefix[s], &next_month[s, i],
                                            &next_gone[s, i],
                                        )
                                        cursor[s] += 1
                                    counts[s, i] = n_at_risk - gone
                                    churned += gone
                                    churned_mrr += gone * each[s, i]
                                    renewed_mrr += (n_at_risk - gone) * each[s, i]
                        joined = t - C  # cohorts (and movers' groups) of months t - C, t - 2C, ... renew
                        while joined >= 1:
                            for moved_slot in range(2 if M > 0 else 1):
                                i = G + joined - 1 if moved_slot == 0 else G + H + joined - 1
                                n_at_risk = counts[s, i]
                                due += n_at_risk
                                if n_at_risk > 0:
                                    gone = 0
                                    if next_month[s, i] == PLAIN:
                                        n = (t - joined) // C
                                        gone = c_binomial(n_at_risk, hazard[s, n], log_q[s, n], uniforms[cursor[s]])
                                        cursor[s] += 1
                                    elif next_month[s, i] == t:
                                        gone = next_gone[s, i]
                                        schedule(
                                            n_at_risk - gone, (t - joined) // C + 1, -joined, C,
                                            uniforms[cursor[s]], hazard[s], log_q[s], prefix[s], &next_month[s, i],
                                            &next_gone[s, i],
                                        )
                                        cursor[s] += 1
                                    counts[s, i] = n_at_risk - gone
                                    churned += gone
                                    churned_mrr += gone * each[s, i]
                                    renewed_mrr += (n_at_risk - gone) * each[s, i]
                            joined -= C

                        # 2.3: expansion and contraction of the survivors; cohorts (3.3).
                        e = par[s, EXP]
                        c = par[s, CON]
                        growth = 1.0 + e - c
                        old = G + t - 12  # slots active at the end of month t - 12
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
                                if i >= G and M == 0:  # by calendar month, so that a month's cohorts lie side by side
                                    cohort_customers[col, i - G] += n_here
                                    cohort_mrr[col, i - G] += n_here * each[s, i]
                        if M > 0:  # the movers' groups: in their signup cohorts, by their composition
                            for i in range(G + H, G + H + t - 1):
                                n_here = counts[s, i]
                                if n_here > 0:
                                    mover_month = i - G - H + 1
                                    value = n_here * each[s, i]
                                    before_change += value
                                    survivors += n_here
                                    if mover_month <= t - 12:
                                        old_mrr += value
                                    each[s, i] *= growth
                                    kappa[s, mover_month - 1] *= 1.0 - c
                        growth_ring[s, col % 12] = growth
                        keep_ring[s, col % 12] = 1.0 - c
                        expansion = e * before_change
                        contraction = c * before_change
                        series[s, EXPANSION, row, col] = expansion
                        series[s, CONTRACTION, row, col] = contraction
                        if t >= 12:
                            growth_12 = 1.0
                            keep_12 = 1.0
                            for j in range(12):  # oldest month first
                                growth_12 *= growth_ring[s, (t + j) % 12]
                                keep_12 *= keep_ring[s, (t + j) % 12]
                            nrr_num = growth * old_mrr
                            # MRR of a year ago is today's over the year's growth; GRR keeps only its contraction.
                            if M > 0:  # the month's movers leave the numerator first (phase 1)
                                month_floats[s, T_NRR_NUM] = nrr_num
                                month_floats[s, T_GRR_RATIO] = keep_12 / growth_12 if growth_12 != 0.0 else 0.0
                            else:
                                series[s, NRR_NUM, row, col] = nrr_num
                                series[s, GRR_NUM, row, col] = nrr_num * (keep_12 / growth_12 if growth_12 != 0.0 else 0.0)
                        month_ints[s, T_DUE] = due
                        month_ints[s, T_CHURNED] = churned
                        month_ints[s, T_SURVIVORS] = survivors
                        month_floats[s, T_CHURNED_MRR] = churned_mrr
                        month_floats[s, T_RENEWED_MRR] = renewed_mrr
                        month_floats[s, T_EXPANSION] = expansion
                        month_floats[s, T_CONTRACTION] = contraction
                        month_floats[s, T_GROWTH] = growth
                        if M > 0:
                            continue  # acquisition after the migrations (phase 2)
                    due = month_ints[s, T_DUE]
                    churned = month_ints[s, T_CHURNED]
                    survivors = month_ints[s, T_SURVIVORS]
                    churned_mrr = month_floats[s, T_CHURNED_MRR]
                    renewed_mrr = month_floats[s, T_RENEWED_MRR]
                    expansion = month_floats[s, T_EXPANSION]
                    contraction = month_floats[s, T_CONTRACTION]
                    growth = month_floats[s, T_GROWTH]

                    # 2.4: acquisition. CAC_t = cac * (spend_t / spend_1)^elasticity: the rate spend_t / CAC_t is
                    # (spend_1 / cac) * (spend_t / spend_1)^(1 - elasticity), so that tiny spends cannot
                    # underflow the CAC.
                    seg_spend = spend * par[s, SHARE]
                    if t == 1:  # the plan's month-1 spend, whatever the cash policy did to it
                        spend_month1[s] = planned * par[s, SHARE]
                    rate = 0.0
                    if seg_spend > 0.0:
                        if spend_month1[s] > 0.0 and par[s, ELASTICITY] != 0.0:
                            # in logarithms: a month-1 spend near the smallest float, then a normal one,
                            # overflows the ratio of the two (found by the tests)
                            scale = log(seg_spend) - log(spend_month1[s])
                            rate = exp(log(spend_month1[s]) - log(par[s, CAC]) + (1.0 - par[s, ELASTICITY]) * scale)
                        else:  # no elasticity (or no month-1 spend to scale from): spend / CAC
                            rate = seg_spend / par[s, CAC]
                    referral_rate = par[s, REFERRALS] * survivors
                    if not (rate <= max_new) or not (referral_rate <= max_new):
                        failed_month[0] = t
                        failed_segment[0] = s + 1
                        return
                    paid = 0
                    if rate > 0.0:
                        if rate != paid_key[s]:  # the same mean as last time (steady spend): the same start
                            paid_key[s] = rate
                            paid_start[s] = c_poisson_start(rate)
                        paid = c_poisson_from(rate, paid_start[s], uniforms[at + regions[0] + 2 * (s * H + t - 1)])

                    referred = 0
                    if referral_rate > 0.0:
                        referred = c_poisson_from(referral_rate, c_poisson_start(referral_rate), uniforms[at + regions[0] + 2 * (s * H + t - 1) + 1])

                    new = paid + referred
                    if M > 0:
                        # 3.3 after the month's moves: each account in its signup cohort, wherever it is now
                        # (a movers' group by the share of each signup month in its accounts and its MRR).
                        for i in range(G, G + t - 1):
                            n_here = counts[s, i]
                            if n_here > 0:
                                cohort_customers[col, i - G] += n_here
                                cohort_mrr[col, i - G] += n_here * each[s, i]
                        for i in range(G + H, G + H + t):
                            n_here = counts[s, i]
                            if n_here > 0:
                                mover_month = i - G - H + 1
                                for k in range(mover_month):
                                    if composition[s, mover_month - 1, k] > 0.0:
                                        cohort_customers[col, k] += n_here * composition[s, mover_month - 1, k]
                                        cohort_mrr[col, k] += n_here * each[s, i] * composition[s, mover_month - 1, H + k]
                    slot = G + t - 1
                    arpa = par[s, ARPA]
                    counts[s, slot] = new
                    each[s, slot] = arpa
                    next_month[s, slot] = -1
                    if new > 0:  # the cohort's first loss, from its first renewal on
                        schedule(
                            new, 1, -t, C, uniforms[cursor[s]], hazard[s], log_q[s], prefix[s],
                            &next_month[s, slot], &next_gone[s, slot],
                        )
                        cursor[s] += 1
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
                    net_new = new_mrr + expansion - contraction - churned_mrr
                    if M > 0:
                        arrived = month_ints[s, T_ARRIVED]
                        customers = customers - <int64_t>month_floats[s, T_OUT_CUSTOMERS] + arrived
                        net_new = net_new + month_floats[s, T_ARRIVED_MRR] - month_floats[s, T_OUT_MRR]
                        series[s, MIG_IN_CUSTOMERS, row, col] = arrived
                        series[s, MIG_OUT_CUSTOMERS, row, col] = month_floats[s, T_OUT_CUSTOMERS]
                        series[s, MIG_IN_MRR, row, col] = month_floats[s, T_ARRIVED_MRR]
                        series[s, MIG_OUT_MRR, row, col] = month_floats[s, T_OUT_MRR]
                        series[s, MOVED_EXPANSION, row, col] = month_floats[s, T_MOVED_EXPANSION]
                        series[s, MOVED_CONTRACTION, row, col] = month_floats[s, T_MOVED_CONTRACTION]
                        if t >= 12:
                            series[s, NRR_NUM, row, col] = month_floats[s, T_NRR_NUM]
                            series[s, GRR_NUM, row, col] = month_floats[s, T_NRR_NUM] * month_floats[s, T_GRR_RATIO]
                            series[s, MOVED_OUT_BASE, row, col] = moved_out_base(moved_base, s, t)
                            # The company follows every account: those active a year ago that moved
                            # within the year count where they are now (their share active then).
                            nrr_moved = 0.0
                            grr_moved = 0.0
                            for mover_month in range(max(1, t - 11), t + 1):
                                i = G + H + mover_month - 1
                                n_here = counts[s, i]
                                if n_here > 0:
                                    active = 1.0
                                    for k in range(max(1, t - 12 + 1), mover_month + 1):
                                        active -= composition[s, mover_month - 1, H + k - 1]  # by MRR
                                    nrr_moved += n_here * each[s, i] * active
                                    grr_moved += (
                                        n_here * quality[s, mover_month - 1, t - mover_month]
                                        * kappa[s, mover_month - 1]
                                    )
                            series[s, NRR_MOVED, row, col] = nrr_moved
                            series[s, GRR_MOVED, row, col] = grr_moved
                    revenue = previous + net_new
                    previous_mrr[s] = revenue

                    series[s, CUSTOMERS, row, col] = customers
                    series[s, PAID_NEW, row, col] = paid
                    series[s, REFERRAL_NEW, row, col] = referred
                    series[s, CHURNED, row, col] = churned
                    series[s, RENEWALS_DUE, row, col] = due
                    series[s, MRR, row, col] = revenue
                    series[s, NEW_MRR, row, col] = new_mrr
                    series[s, CHURNED_MRR, row, col] = churned_mrr
                    series[s, NET_NEW, row, col] = net_new

                    # 2.5: money.
                    gross_profit = revenue * par[s, MARGIN]
                    cs_cost = par[s, RETENTION] * customers
                    if upfront[s]:
                        collections = C * (renewed_mrr * growth + new_mrr)
                        if M > 0:  # movers start a term at the move
                            collections = collections + C * month_floats[s, T_ARRIVED_MRR]
                    else:
                        collections = revenue
                    series[s, SPEND, row, col] = seg_spend
                    series[s, GROSS_PROFIT, row, col] = gross_profit
                    series[s, CS_COST, row, col] = cs_cost
                    series[s, COLLECTIONS, row, col] = collections
                    gross_profit_now += gross_profit
                    collections_all += collections
                    revenue_all += revenue
                    cs_all += cs_cost

            cogs = revenue_all - gross_profit_now
            cash = cash + collections_all - cogs - spend - cs_all - comp[FIXED] + cash_in_now
            if cs_extra != 0.0:
                cash = cash - cs_extra
            company[C_CASH, row, col] = cash
            company[C_FIXED_COSTS, row, col] = comp[FIXED]
            company[C_CASH_IN, row, col] = cash_in_now
            company[C_SPEND, row, col] = spend
            company[C_FUNDING_IN, row, col] = funding_now
            company[C_CSM_HEADCOUNT, row, col] = headcount
            company[C_CS_EXTRA, row, col] = cs_extra
            gross_profit_prev = gross_profit_now
            if cash < 0.0 and policy == POLICY_SHUT_DOWN:
                closed_after = t
            elif (
                funding_rounds > 0 and cash < funding[0, path] and attempts < funding_rounds
                and (attempts == 0 or t - last_attempt >= funding_months)
            ):
                # 2.5 funding: an attempt, closing with its probability, the money arriving later.
                attempts += 1
                last_attempt = t
                if uniforms[cursor[S + 1]] < funding[2, path] and t + funding_months <= H:
                    incoming[t + funding_months] += funding[1, path]
                cursor[S + 1] += 1
        for r in range(S + 2):  # never: uniform_regions bounds every draw (tested)
            if cursor[r] > at + regions[r + 2]:
                failed_month[0] = -1
                return


# ---------------------------------------------------------------------------------------------
# Order statistics of a month's paths (see saas_sim/engine/selection.py for the method).

SMALL = 96  # a bucket this small is answered by counting, for every value, the values below it
SAMPLE = 255  # the most values sampled
COUNTED_RANGE = 4096  # whole numbers spanning fewer values than this are tallied, not selected
MAX_DEPTH = 12  # a bucket this deep is sorted (reached only by data in an order that defeats sampling)
cdef Py_ssize_t C_SMALL = 96, C_SAMPLE = 255, C_COUNTED_RANGE = 4096, C_MAX_DEPTH = 12


def slack(Py_ssize_t ranks):
    """Scratch needed beyond the values: each level gathers at most ``2 ranks + 1`` buckets,
    writing one slot past each, and levels go at most ``MAX_DEPTH + 1`` deep."""
    return (2 * ranks + 1) * (C_MAX_DEPTH + 2)


cdef int _compare(const void *a, const void *b) noexcept nogil:
    cdef double x = (<const double *>a)[0], y = (<const double *>b)[0]
    return (x > y) - (x < y)


cdef void _by_counting(
    const double *src, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t base,
    const int64_t *ranks, Py_ssize_t rlo, Py_ssize_t rhi, double *found,
) noexcept nogil:
    cdef Py_ssize_t i, j, r, less, equal, first
    cdef double x
    for i in range(lo, hi):
        x = src[i]
        less = 0
        equal = 0
        for j in range(lo, hi):
            less += src[j] < x
            equal += src[j] == x
        first = base + less
        for r in range(rlo, rhi):
            if first <= ranks[r] < first + equal:
                found[r] = x


cdef Py_ssize_t _bucket(
    const double *src, double *dst, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t base,
    const int64_t *ranks, Py_ssize_t rlo, Py_ssize_t rhi, double *found, Py_ssize_t depth,
    int64_t *stack, Py_ssize_t top, double *floats, int64_t *ints, double *sorting,
) noexcept nogil:
    cdef Py_ssize_t n = hi - lo, k, i, j, m, count, first, last, buckets, at, w, r, v, cursor, start, size
    cdef Py_ssize_t first_rank, end_rank, ge, gt
    cdef double q, centre, spread, below, above, lower, upper, x
    cdef double *sample
    cdef double *low
    cdef double *high
    cdef double *floor_value
    cdef double *ceiling_value
    cdef int64_t *at_least
    cdef int64_t *beyond
    cdef int64_t *sizes
    cdef int64_t *chosen
    cdef int64_t *bucket_base
    cdef int64_t *bucket_rlo
    cdef int64_t *bucket_rhi
    if n <= C_SMALL:
        _by_counting(src, lo, hi, base, ranks, rlo, rhi, found)
        return top
    if depth >= C_MAX_DEPTH:
        for i in range(n):
            sorting[i] = src[lo + i]
        qsort(sorting, n, sizeof(double), _compare)
        for i in range(rlo, rhi):
            found[i] = sorting[ranks[i] - base]
        return top
    k = min(C_SAMPLE, <Py_ssize_t>(2.0 * sqrt(<double>n)))
    sample = floats
    for i in range(k):
        sample[i] = src[lo + (2 * i + 1) * n // (2 * k)]
    qsort(sample, k, sizeof(double), _compare)

    # One interval per wanted rank, a standard deviation of its place in the sample either side.
    count = rhi - rlo
    low = floats + C_SAMPLE
    high = floats + C_SAMPLE + count
    m = 0
    for i in range(rlo, rhi):
        q = (ranks[i] - base + 0.5) / n
        centre = q * k
        spread = sqrt(k * q * (1.0 - q)) + 1.5
        first = <Py_ssize_t>floor(centre - spread)
        last = <Py_ssize_t>floor(centre + spread) + 1
        below = -INFINITY if first < 0 else sample[first]
        above = INFINITY if last >= k else sample[last]
        if m > 0 and below <= high[m - 1]:
            high[m - 1] = max(high[m - 1], above)
        else:
            low[m] = below
            high[m] = above
            m += 1

    # Buckets in value order: below interval 0 (0), inside interval j (2j + 1), after it (2j + 2).
    at_least = ints
    beyond = ints + m
    for j in range(m):
        ge = 0
        gt = 0
        lower = low[j]
        upper = high[j]
        for i in range(lo, hi):
            ge += src[i] >= lower
            gt += src[i] > upper
        at_least[j] = ge
        beyond[j] = gt
    buckets = 2 * m + 1
    sizes = ints + 2 * m
    sizes[0] = n - at_least[0]
    for j in range(m):
        sizes[2 * j + 1] = at_least[j] - beyond[j]
        sizes[2 * j + 2] = beyond[j] - (at_least[j + 1] if j + 1 < m else 0)

    # The buckets that hold wanted ranks, each as an inclusive range of values.
    at = 2 * m + buckets
    chosen = ints + at
    bucket_base = ints + at + buckets
    bucket_rlo = ints + at + 2 * buckets
    bucket_rhi = ints + at + 3 * buckets
    at = C_SAMPLE + 2 * count
    floor_value = floats + at
    ceiling_value = floats + at + buckets
    w = 0
    r = rlo
    first_rank = base
    for j in range(buckets):
        end_rank = first_rank + sizes[j]
        if r < rhi and ranks[r] < end_rank:
            chosen[w] = j
            bucket_base[w] = first_rank
            bucket_rlo[w] = r
            while r < rhi and ranks[r] < end_rank:
                r += 1
            bucket_rhi[w] = r
            if j % 2 == 1:
                floor_value[w] = low[j // 2]
                ceiling_value[w] = high[j // 2]
            else:
                floor_value[w] = -INFINITY if j == 0 else nextafter(high[j // 2 - 1], INFINITY)
                ceiling_value[w] = INFINITY if j == buckets - 1 else nextafter(low[j // 2], -INFINITY)
            if floor_value[w] == ceiling_value[w]:  # all equal: answered
                for i in range(bucket_rlo[w], r):
                    found[i] = floor_value[w]
            else:
                w += 1
        first_rank = end_rank

    # Gather them, packed one after another from lo, without a branch.
    start = lo
    for v in range(w):
        cursor = start
        lower = floor_value[v]
        upper = ceiling_value[v]
        for i in range(lo, hi):
            x = src[i]
            dst[cursor] = x
            cursor += (x >= lower) & (x <= upper)
        start += sizes[chosen[v]] + 1

    # Pushed in value order, so they are popped from the highest.
    start = lo
    for v in range(w):
        size = sizes[chosen[v]]
        stack[6 * top + 0] = start
        stack[6 * top + 1] = start + size
        stack[6 * top + 2] = bucket_base[v]
        stack[6 * top + 3] = bucket_rlo[v]
        stack[6 * top + 4] = bucket_rhi[v]
        # A bucket that did not shrink is sorted next: MAX_DEPTH or one more, keeping the parity
        # of depth + 1, which tells where its values are (odd depths read b, even depths a).
        stack[6 * top + 5] = depth + 1 if size < n else C_MAX_DEPTH + ((depth + 1) % 2 + C_MAX_DEPTH % 2) % 2
        top += 1
        start += size + 1
    return top


cdef void _order_statistics(
    double *a, double *b, Py_ssize_t n, Py_ssize_t first_rank, const int64_t *ranks, Py_ssize_t first,
    Py_ssize_t count, double *found, int64_t *stack, double *floats, int64_t *ints, double *sorting,
) noexcept nogil:
    """Ranks ``ranks[first:count]`` among values whose ranks start at ``first_rank``, held in ``a[:n]``."""
    cdef Py_ssize_t top, lo, hi, base, rlo, rhi, depth
    top = _bucket(a, b, 0, n, first_rank, ranks, first, count, found, 0, stack, 0, floats, ints, sorting)
    while top > 0:
        top -= 1
        lo = stack[6 * top + 0]
        hi = stack[6 * top + 1]
        base = stack[6 * top + 2]
        rlo = stack[6 * top + 3]
        rhi = stack[6 * top + 4]
        depth = stack[6 * top + 5]
        if depth % 2 == 1:  # odd depths read b, even depths a
            top = _bucket(b, a, lo, hi, base, ranks, rlo, rhi, found, depth, stack, top, floats, ints, sorting)
        else:
            top = _bucket(a, b, lo, hi, base, ranks, rlo, rhi, found, depth, stack, top, floats, ints, sorting)


cdef enum:
    BINS = 2048  # a histogram's bins: values spread over them, the wanted ranks fall in a few


cdef void _by_histogram(
    double *a, double *b, double *c, Py_ssize_t n, double smallest, double largest,
    const int64_t *ranks, Py_ssize_t count, double *found, int64_t *histogram, int64_t *stack,
    double *floats, int64_t *ints, double *sorting,
) noexcept nogil:
    """Order statistics by a histogram: one pass counts the values per bin of equal width, the
    ranks' bins are gathered (bins keep the order of values: the bin index is a monotone function
    of the value), and each is answered by counting or selection.  Two passes over the values
    where selection makes several."""
    cdef double scale = BINS / (largest - smallest)
    cdef Py_ssize_t i, bin, r, first, seen, size, start, held
    cdef int64_t[BINS + 1] begin
    cdef int64_t *wanted_bin = ints  # per rank, its bin
    if not (scale > 0.0 and scale < INFINITY):  # all equal, or a span no double holds
        _order_statistics(a, b, n, 0, ranks, 0, count, found, stack, floats, ints, sorting)
        return
    for bin in range(BINS):
        histogram[bin] = 0
    for i in range(n):
        histogram[min(<Py_ssize_t>((a[i] - smallest) * scale), BINS - 1)] += 1
    seen = 0
    r = 0
    for bin in range(BINS):
        begin[bin] = seen
        seen += histogram[bin]
        while r < count and ranks[r] < seen:
            wanted_bin[r] = bin
            r += 1
    begin[BINS] = seen
    # Gather the wanted bins' values into b, each bin at its own place (the rest are not copied).
    for bin in range(BINS):
        histogram[bin] = -1
    for r in range(count):
        histogram[wanted_bin[r]] = begin[wanted_bin[r]]
    for i in range(n):
        bin = min(<Py_ssize_t>((a[i] - smallest) * scale), BINS - 1)
        held = histogram[bin]
        if held >= 0:
            b[held] = a[i]
            histogram[bin] = held + 1
    r = 0
    while r < count:
        bin = wanted_bin[r]
        first = r
        while r < count and wanted_bin[r] == bin:
            r += 1
        start = begin[bin]
        size = begin[bin + 1] - start
        if size <= C_SMALL:
            _by_counting(b, start, start + size, start, ranks, first, r, found)
        else:
            for i in range(size):
                a[i] = b[start + i]
            _order_statistics(a, c, size, start, ranks, first, r, found, stack, floats, ints + 2 * count, sorting)


cdef void _by_tally(
    const double *a, Py_ssize_t n, double smallest, Py_ssize_t span,
    const int64_t *ranks, Py_ssize_t count, double *found, int64_t *tally,
) noexcept nogil:
    cdef Py_ssize_t i, value, r = 0
    cdef int64_t seen = 0
    for i in range(span):
        tally[i] = 0
    for i in range(n):
        tally[<Py_ssize_t>(a[i] - smallest)] += 1
    for value in range(span):
        seen += tally[value]
        while r < count and ranks[r] < seen:
            found[r] = smallest + value
            r += 1
        if r == count:
            return


# Columns gathered at a time: a row's values for them share a cache line, so a (paths, months) array
# is read once from memory, not once per column.
cdef enum:
    GATHER = 8


def column_statistics(const double[:, :] values not None, const double[::1] percentiles not None):
    """See :func:`saas_sim.engine.selection.column_statistics`."""
    cdef Py_ssize_t paths = values.shape[0], months = values.shape[1], nq = percentiles.shape[0]
    cdef Py_ssize_t ranks_max = 2 * nq
    counts_a = np.zeros(months, np.int64)
    means_a = np.full(months, np.nan)
    quantiles_a = np.full((nq, months), np.nan)
    cdef int64_t[::1] counts = counts_a
    cdef double[::1] means = means_a
    cdef double[:, ::1] quantiles = quantiles_a
    cdef Py_ssize_t room = paths + (2 * ranks_max + 1) * (C_MAX_DEPTH + 2)
    cdef double *gathered = <double *>malloc(GATHER * room * sizeof(double))
    cdef double *b = <double *>malloc(room * sizeof(double))
    cdef double *c = <double *>malloc(room * sizeof(double))
    cdef int64_t *histogram = <int64_t *>malloc(BINS * sizeof(int64_t))
    cdef double *sorting = <double *>malloc((paths + 1) * sizeof(double))
    cdef int64_t *stack = <int64_t *>malloc(6 * (2 * ranks_max + 1) * (C_MAX_DEPTH + 2) * sizeof(int64_t))
    cdef double *floats = <double *>malloc((C_SAMPLE + 2 * ranks_max + 2 * (2 * ranks_max + 1)) * sizeof(double))
    cdef int64_t *ints = <int64_t *>malloc((4 * ranks_max + 5 * (2 * ranks_max + 1)) * sizeof(int64_t))
    cdef int64_t *tally = <int64_t *>malloc(C_COUNTED_RANGE * sizeof(int64_t))
    cdef int64_t *wanted = <int64_t *>malloc((ranks_max + 1) * sizeof(int64_t))
    cdef double *found = <double *>malloc((ranks_max + 1) * sizeof(double))
    cdef Py_ssize_t n_of[GATHER]
    cdef double total_of[GATHER]
    cdef double smallest_of[GATHER]
    cdef double largest_of[GATHER]
    cdef bint whole_of[GATHER]
    cdef Py_ssize_t first_col, width, col, p, n, last, q, below, above, count, i, j
    cdef double x, total, smallest, largest, position, low_value, high_value
    cdef double *a
    cdef int64_t swap
    cdef bint whole
    if not (gathered and b and c and histogram and sorting and stack and floats and ints and tally and wanted and found):
        free(gathered); free(b); free(c); free(histogram); free(sorting); free(stack); free(floats); free(ints)
        free(tally); free(wanted); free(found)
        raise MemoryError()
    with nogil:
        first_col = -GATHER
        while first_col + GATHER < months:
            first_col += GATHER
            width = min(GATHER, months - first_col)
            for j in range(width):
                n_of[j] = 0
                total_of[j] = 0.0
                smallest_of[j] = INFINITY
                largest_of[j] = -INFINITY
                whole_of[j] = True
            for p in range(paths):
                for j in range(width):
                    x = values[p, first_col + j]
                    if isfinite(x):
                        gathered[j * room + n_of[j]] = x
                        total_of[j] += x
                        n_of[j] += 1
                        smallest_of[j] = min(smallest_of[j], x)
                        largest_of[j] = max(largest_of[j], x)
                        whole_of[j] &= x == floor(x)
            for j in range(width):
                col = first_col + j
                a = gathered + j * room
                n = n_of[j]
                total = total_of[j]
                smallest = smallest_of[j]
                largest = largest_of[j]
                whole = whole_of[j]
                counts[col] = n
                if n == 0:
                    continue
                means[col] = total / n
                last = n - 1
                for q in range(nq):
                    below = <Py_ssize_t>floor(percentiles[q] / 100.0 * last)
                    wanted[2 * q] = below
                    wanted[2 * q + 1] = min(below + 1, last)
                # The wanted ranks, ascending and distinct (a handful: insertion sort).
                for i in range(1, 2 * nq):
                    swap = wanted[i]
                    q = i - 1
                    while q >= 0 and wanted[q] > swap:
                        wanted[q + 1] = wanted[q]
                        q -= 1
                    wanted[q + 1] = swap
                count = 0
                for i in range(2 * nq):
                    if count == 0 or wanted[i] != wanted[count - 1]:
                        wanted[count] = wanted[i]
                        count += 1
                if whole and largest - smallest < C_COUNTED_RANGE and n > C_SMALL:
                    _by_tally(a, n, smallest, <Py_ssize_t>(largest - smallest) + 1, wanted, count, found, tally)
                else:
                    _by_histogram(
                        a, b, c, n, smallest, largest, wanted, count, found, histogram, stack, floats, ints, sorting
                    )
                for q in range(nq):
                    position = percentiles[q] / 100.0 * last
                    below = <Py_ssize_t>floor(position)
                    above = min(below + 1, last)
                    i = 0
                    while wanted[i] < below:
                        i += 1
                    low_value = found[i]
                    while wanted[i] < above:
                        i += 1
                    high_value = found[i]
                    quantiles[q, col] = low_value + (high_value - low_value) * (position - below)
    free(gathered); free(b); free(c); free(histogram); free(sorting); free(stack); free(floats); free(ints)
    free(tally); free(wanted); free(found)
    return counts_a, means_a, quantiles_a


# ---------------------------------------------------------------------------------------------
# Unit economics of a new account, per path (saas_sim.model.unit_economics.ltv_and_payback).

RAW_SERIES_NAMES = (
    "customers", "paid_new", "referral_new", "churned_customers", "renewals_due", "mrr", "new_mrr",
    "expansion_mrr", "contraction_mrr", "churned_mrr", "net_new_mrr", "acquisition_spend", "gross_profit",
    "cs_cost", "collections", "nrr_12m_numerator", "grr_12m_numerator",
)
MIGRATION_RAW_NAMES = (
    "migrated_in_customers", "migrated_out_customers", "migrated_in_mrr", "migrated_out_mrr",
    "moved_out_base", "moved_expansion_mrr", "moved_contraction_mrr", "nrr_12m_moved", "grr_12m_moved",
)
COMPANY_RAW_NAMES = (
    "fixed_costs", "cash", "cash_in", "acquisition_spend", "closed", "funding_in", "csm_headcount", "cs_extra",
)


def ltv_and_payback(
    const double[::1] arpa not None,
    const double[::1] gross_margin not None,
    const double[::1] expansion not None,
    const double[::1] contraction not None,
    const double[::1] p not None,
    const double[::1] spread not None,
    Py_ssize_t contract_months,
    const double[::1] discount_rate_annual not None,
    const double[::1] ltv_horizon_months not None,
    const double[::1] cac not None,
    Py_ssize_t months,
    double tolerance,
):
    """LTV and payback with churn per path, month by month; see the numpy formula's docstring."""
    cdef Py_ssize_t P = arpa.shape[0], i, k, C = contract_months
    ltv_a = np.empty(P)
    payback_a = np.empty(P)
    cdef double[::1] ltv = ltv_a
    cdef double[::1] payback = payback_a
    cdef double growth, step, survival, grown, discount, total, paid, target, margin, h, horizon, answer
    with nogil:
        for i in range(P):
            growth = 1.0 + expansion[i] - contraction[i]
            step = 1.0 + (pow(1.0 + discount_rate_annual[i], 1.0 / 12.0) - 1.0)
            horizon = ltv_horizon_months[i]
            target = cac[i] * (1.0 - tolerance)
            survival = 1.0
            grown = 1.0
            discount = 1.0
            total = 0.0
            paid = 0.0
            answer = INFINITY
            for k in range(months):
                if k > 0 and k % C == 0:
                    h = p[i] if isinf(spread[i]) else p[i] * spread[i] / (spread[i] + (k // C) - 1.0)
                    survival *= 1.0 - h
                margin = gross_margin[i] * survival * arpa[i] * grown
                if k < horizon:
                    total += margin / discount
                elif answer != INFINITY:
                    break  # LTV's horizon passed and the CAC is repaid: nothing more to add up
                paid += margin
                if answer == INFINITY and paid >= target:
                    answer = k + 1.0
                grown *= growth
                discount *= step
            ltv[i] = total
            payback[i] = answer
    return ltv_a, payback_a
