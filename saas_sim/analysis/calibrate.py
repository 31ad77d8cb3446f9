"""A whole scenario calibrated from a company's own billing history (SPEC 6.3, ``saas-sim calibrate``).

:func:`calibrate_ledger` reads an MRR ledger up to the end of the month
``as_of`` (nothing after it: a backtest calibrates at earlier cut-offs) and
writes a runnable, commented scenario, one segment per value of an optional
column.  Per segment:

- ``starting_cohorts``: the accounts active in the as-of month grouped by
  tenure (months since their first active month), with their customers and
  MRR: the file's figures exactly;
- ``contract_months``: 12 when at least :data:`ANNUAL_SHARE` of the
  segment's churn (and at least :data:`MIN_ANNUAL_CHURNS` churns) falls at
  tenures that are multiples of 12 (annual plans), else 1.  Tenures are
  counted from the first active month either way, so annual renewals fall
  in their real months (SPEC 2.1);
- ``churn``: the shifted-beta-geometric fit (:func:`~saas_sim.analysis.fit.fit_sbg`)
  on the signup cohorts (periods of one month, or of 12 with annual
  plans): ``alpha``/``beta`` when the likelihood-ratio test rejects constant
  churn at 5 %, else the constant churn ``monthly`` (``annual`` with annual
  plans) written as its 90 % interval, the scenario's uncertain form, so
  that a forecast carries the estimate's error;
- ``expansion_monthly``/``contraction_monthly``: over the last
  :data:`EXPANSION_MONTHS` months, the MRR increase (decrease) of accounts
  active two months in a row over their previous month's MRR, pooled (the
  base SPEC 2.3 applies the rates to: the survivors' MRR);
- ``arpa_monthly`` and the acquisition pace: the new accounts of the last
  :data:`NEW_ACCOUNT_MONTHS` months (the file's first month left out: its
  accounts are the base the file starts from, not new ones).  The pace's
  estimation error (Poisson: a 90 % interval of ×/÷ exp(1.645 / √n) for n
  accounts) is written on ``cac``.

A customer belongs to the segment of its row in the as-of month, else of its
last row before; its whole history counts in that segment.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from saas_sim.analysis.fit import LRT_LEVEL, FitResult, fit_sbg, pool
from saas_sim.analysis.ledger_metrics import active_months
from saas_sim.errors import InputError, Problem
from saas_sim.io.ledger import Ledger
from saas_sim.io.scenario import MAX_NAME_CHARS, MAX_SEGMENTS, parse_scenario
from saas_sim.model.names import hidden_character, normalize_name
from saas_sim.model.scenario import Scenario

DEFAULT_HORIZON = 24
DEFAULT_PATHS = 5000
DEFAULT_GROSS_MARGIN = 0.8
EXPANSION_MONTHS = 12
NEW_ACCOUNT_MONTHS = 6
ANNUAL_SHARE = 0.9  # of churns at tenures 12, 24, ...: the segment is on annual plans
MIN_ANNUAL_CHURNS = 3  # churns needed before calling a segment annual (all 3 at multiples of 12 by chance: 1 in 1728)
Z_90 = 1.6448536269514722  # the standard normal's 95th percentile: a 90 % interval
ONE_SEGMENT = "All customers"
MIN_SBG, MAX_SBG = 1e-6, 1e9  # alpha and beta intervals written only inside these bounds
MAX_RHO = 0.999  # a correlation written for log alpha and log beta stays inside (-1, 1): a valid matrix
MAX_SEGMENT_NAME_CHARS = 60


@dataclass(frozen=True)
class CalibrateOptions:
    spend_monthly: float | None = None  # --spend-monthly
    cash: float | None = None  # --cash
    fixed_costs: float | None = None  # --fixed-costs
    segment_by: str | None = None  # --segment-by COLUMN
    as_of: str | None = None  # --as-of YYYY-MM; default the ledger's last month
    horizon: int = DEFAULT_HORIZON  # --horizon
    paths: int | None = None  # simulation.paths written (None: DEFAULT_PATHS)
    seed: int | None = 42  # simulation.seed written (None: no seed key)


@dataclass(frozen=True)
class StartingGroup:
    tenure_months: int
    customers: int
    mrr: float


@dataclass(frozen=True)
class SegmentCalibration:
    """What one segment took from the history (the CLI's and the TUI's summary)."""

    name: str  # as written in the scenario
    label: str | None  # the --segment-by value it came from (None: the one segment)
    starting: tuple[StartingGroup, ...]
    customers: int
    mrr: float
    contract_months: int
    churn_summary: str  # e.g. "2.4 % a month (95 %: 2.1 % .. 2.8 %), constant"
    fit: FitResult | None
    new_accounts: int
    new_per_month: float
    arpa_monthly: float
    expansion_monthly: float
    contraction_monthly: float


@dataclass(frozen=True)
class Calibration:
    text: str  # the runnable, commented scenario YAML
    scenario: Scenario  # parse_scenario(text)
    as_of: str  # YYYY-MM
    source: str = ""
    first_month: str = ""
    segments: tuple[SegmentCalibration, ...] = ()
    spend_monthly: float = 0.0  # acquisition.spend_monthly written
    new_account_months: tuple[str, ...] = ()  # the months whose new accounts give the pace
    notes: tuple[str, ...] = ()  # what a reader should know (dropped segments, unmeasured values)

    @property
    def fit(self) -> FitResult | None:
        """The first segment's churn fit (None when churn could not be fitted)."""
        return self.segments[0].fit if self.segments else None


# ---------------------------------------------------------------------------------------------------------------
# Writing values


def number_text(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits as a plain YAML number (never an exponent, never -0)."""
    if value == 0 or not math.isfinite(value):
        return "0"
    rounded = float(f"{value:.{digits}g}") + 0.0
    text = format(Decimal(repr(rounded)), "f")
    return text[:-2] if text.endswith(".0") else text


def money_text(value: float) -> str:
    """An amount as the file gave it: the float noise of a sum dropped (8 decimals), no cent changed."""
    text = format(Decimal(repr(round(value, 8) + 0.0)), "f")
    return text[:-2] if text.endswith(".0") else text


def percent_text(share: float) -> str:
    return f"{number_text(100 * share, 3)} %"


def quoted(text: str) -> str:
    """A YAML double-quoted string (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def lognormal_interval(value: float, sd_log: float) -> tuple[float, float]:
    """The 90 % interval (p5, p95) of a lognormal with median ``value`` and log-sd ``sd_log``."""
    return value * math.exp(-Z_90 * sd_log), value * math.exp(Z_90 * sd_log)


def range_text(low: float, high: float, percent: bool, digits: int = 4) -> str:
    """The scenario's 90 % interval form: ``"2.1%..2.9%"`` or ``"0.83..1.2"``."""
    if percent:
        return quoted(f"{number_text(100 * low, digits)}%..{number_text(100 * high, digits)}%")
    return quoted(f"{number_text(low, digits)}..{number_text(high, digits)}")


def _interval_95(fit_value: float, low: float | None, high: float | None, percent: bool) -> str:
    show = percent_text if percent else number_text
    if low is None or high is None:
        return f"{show(fit_value)} (no interval: at the edge of the parameter space)"
    return f"{show(fit_value)} (95 %: {show(low)} .. {show(high)})"


# ---------------------------------------------------------------------------------------------------------------
# Reading the ledger


def month_index(ledger: Ledger, as_of: str | None) -> int:
    """The index of ``as_of`` among the ledger's months (default the last); InputError outside them."""
    if as_of is None:
        return len(ledger.months) - 1
    text = as_of.strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not all(p.isdigit() for p in parts):
        raise InputError([Problem("saas-sim", None, "--as-of", f"must be a month YYYY-MM, got {as_of!r}")])
    if not 1 <= int(parts[1]) <= 12:
        raise InputError([Problem("saas-sim", None, "--as-of", f"must be a month YYYY-MM, got {as_of!r}")])
    first, last = ledger.months[0], ledger.months[-1]
    if text < first:
        raise InputError([f"as-of {text} is before the first month {first} of {ledger.source}"])
    if text > last:
        raise InputError([f"as-of {text} is after the last month {last} of {ledger.source}"])
    return ledger.months.index(text)


def _up_to(ledger: Ledger, cut: int) -> Ledger:
    """The ledger's rows of its first ``cut`` months (and, when it has them, their segment codes)."""
    keep = ledger.month < cut
    changes: dict[str, object] = {
        "months": ledger.months[:cut],
        "customer": ledger.customer[keep],
        "month": ledger.month[keep],
        "mrr": ledger.mrr[keep],
    }
    if ledger.segment is not None:
        changes["segment"] = ledger.segment[keep]
    return dataclasses.replace(ledger, **changes)  # type: ignore[arg-type]  # the fields' own types


def _customer_segments(ledger: Ledger, customers: int) -> np.ndarray:
    """Each customer's segment code: of its row in the last month, else of its last row before (MRR > 0 rows
    first, then any).  -1 for a customer without rows."""
    codes = np.asarray(ledger.segment, dtype=np.int64)
    order = np.lexsort((np.arange(len(codes)), ledger.month, ledger.mrr > 0, ledger.customer))
    last_of_customer = np.r_[ledger.customer[order][1:] != ledger.customer[order][:-1], True]
    chosen = order[last_of_customer]
    result = np.full(customers, -1, dtype=np.int64)
    result[ledger.customer[chosen]] = codes[chosen]
    return result


@dataclass(frozen=True)
class _Entries:
    """Active customer-months up to the cut-off, sorted by customer then month, with what each entry is."""

    customer: np.ndarray
    month: np.ndarray
    mrr: np.ndarray
    first: np.ndarray  # the customer's first active month
    is_new: np.ndarray  # its first active month
    change: np.ndarray  # MRR change from the month before, where continuing (else 0)
    base: np.ndarray  # MRR of the month before, where continuing (else 0)
    churns_next: np.ndarray  # not active the month after, which is within the history


def _entries(ledger: Ledger, cut: int) -> _Entries:
    active = active_months(ledger)
    customer, month, mrr = active.customer, active.month, active.mrr
    count = len(customer)
    is_new = np.ones(count, dtype=np.bool_)
    is_new[1:] = customer[1:] != customer[:-1]
    first = month[is_new][np.cumsum(is_new) - 1] if count else month.copy()
    continuing = np.zeros(count, dtype=np.bool_)
    continuing[1:] = ~is_new[1:] & (month[1:] - month[:-1] == 1)
    previous = np.r_[0.0, mrr[:-1]] if count else mrr.copy()
    change = np.where(continuing, mrr - previous, 0.0)
    base = np.where(continuing, previous, 0.0)
    next_continues = np.r_[continuing[1:], False] if count else continuing.copy()
    churns_next = ~next_continues & (month + 1 < cut)
    return _Entries(customer, month, mrr, first, is_new, change, base, churns_next)


# ---------------------------------------------------------------------------------------------------------------
# One segment


@dataclass
class _Segment:
    name: str
    label: str | None
    lines: list[str]
    calibration: SegmentCalibration
    churn_rho: float | None  # log alpha and log beta written as intervals, with this correlation


def _log_alpha_beta(fit: FitResult) -> tuple[float, float, float] | None:
    """The sds of log alpha and log beta and their correlation, from the fit's intervals (delta method, inverted):
    sd(log a) = se(a) / a, and var(logit m) = var(log a - log b) gives the covariance.  None without intervals."""
    if fit.alpha.se is None or fit.beta.se is None or fit.mean_churn.se is None:
        return None
    m = fit.mean_churn.value
    sd_alpha, sd_beta = fit.alpha.se / fit.alpha.value, fit.beta.se / fit.beta.value
    var_logit = (fit.mean_churn.se / (m * (1.0 - m))) ** 2
    if not (sd_alpha > 0 and sd_beta > 0 and math.isfinite(var_logit)):
        return None
    rho = (sd_alpha**2 + sd_beta**2 - var_logit) / (2.0 * sd_alpha * sd_beta)
    return sd_alpha, sd_beta, min(max(rho, -MAX_RHO), MAX_RHO)


def _churn_block(
    entries: _Entries, select: np.ndarray, cut: int, months: tuple[str, ...]
) -> tuple[int, list[str], str, FitResult | None, float | None]:
    """contract_months, the YAML lines of contract_months and churn (indented for a segment), a summary, the fit,
    and the correlation of log alpha and log beta when they are written as intervals."""
    first, tenure = entries.first[select], entries.month[select] - entries.first[select]
    churn_tenures = (entries.month[select] + 1 - entries.first[select])[entries.churns_next[select]]
    churns = len(churn_tenures)
    at_renewal = int((churn_tenures % 12 == 0).sum())
    annual = churns >= MIN_ANNUAL_CHURNS and at_renewal >= ANNUAL_SHARE * churns
    contract = 12 if annual else 1
    lines = []
    if annual:
        lines.append(
            f"    contract_months: 12  # annual plans: {at_renewal:,} of the {churns:,} churns "
            f"({percent_text(at_renewal / churns)}) fell at tenures 12, 24, ... months"
        )
        lines.append(
            "    billing: monthly  # a ledger does not say how you bill: 'upfront' when the year is paid at signing "
            "(set yours)"
        )
    else:
        why = (
            f"{at_renewal:,} of {churns:,} churns at tenures 12, 24, ... (annual plans need {percent_text(ANNUAL_SHARE)})"
            if churns
            else "no churn to tell annual plans from monthly ones"
        )
        lines.append(f"    contract_months: 1  # monthly plans: {why}")
    # Signup cohorts: active accounts of cohort k at tenure a, held from rising (reactivations, as saas-sim fit).
    triangle = np.bincount(first * cut + tenure, minlength=cut * cut).reshape(cut, cut)
    cohorts = []
    for k in np.flatnonzero(triangle[:, 0]):
        counts = triangle[k, : cut - k : contract]
        cohorts.append(np.minimum.accumulate(counts).astype(np.int64))
    period = "month" if contract == 1 else "contract year"
    exposure_unit = "account-months" if contract == 1 else "account-years"
    history = f"{len(cohorts)} signup cohorts {months[0]}..{months[cut - 1]}"
    exposure = pool(cohorts).exposure if cohorts else 0
    key = "monthly" if contract == 1 else "annual"
    if exposure == 0:
        lines += [
            f"    churn: {{{key}: 0}}  # NOT MEASURED: no account of {history} was followed a whole "
            f"{period}; set yours",
        ]
        return contract, lines, "not measured (set yours)", None, None
    try:
        fit = fit_sbg(cohorts)
    except InputError:  # nobody churned
        upper = 3.0 / exposure
        lines += [
            f"    churn: {{{key}: 0}}  # no account churned in {exposure:,} {exposure_unit} of {history}; "
            f"95 % upper bound {percent_text(upper)} a {period} (rule of three): set yours if you expect some",
        ]
        return contract, lines, f"0 (none in {exposure:,} {exposure_unit})", None, None
    test = (
        f"likelihood-ratio test of constant churn against the sBG: statistic {number_text(fit.lr_statistic, 3)}, "
        f"p = {fit.lr_p_value:.2g}"
    )
    mean = _interval_95(fit.mean_churn.value, fit.mean_churn.low, fit.mean_churn.high, True)
    joint = _log_alpha_beta(fit) if fit.heterogeneity_matters else None
    if joint is not None:
        sd_alpha, sd_beta, rho = joint
        alpha_low, alpha_high = lognormal_interval(fit.alpha.value, sd_alpha)
        beta_low, beta_high = lognormal_interval(fit.beta.value, sd_beta)
        if not all(MIN_SBG < bound < MAX_SBG for bound in (alpha_low, alpha_high, beta_low, beta_high)):
            joint = None  # the data hardly bound them: written as the constant churn below
    if joint is not None:
        lines += [
            f"    churn:  # shifted-beta-geometric fit per {period}, {history}, {fit.acquired:,} accounts, "
            f"{fit.churned:,} churned",
            f"      # {test} < {number_text(LRT_LEVEL)}: churn falls with tenure.  Mean churn at the first renewal "
            f"{mean}; heterogeneity {number_text(fit.heterogeneity.value, 3)}.",
            "      # alpha and beta as 90 % intervals of their joint estimate, correlated (simulation.correlations,",
            f"      # rho {number_text(rho, 3)} between log alpha and log beta, from the fit's information matrix).",
            f"      alpha: {range_text(alpha_low, alpha_high, False, 6)}  # "
            + _interval_95(fit.alpha.value, fit.alpha.low, fit.alpha.high, False),
            f"      beta: {range_text(beta_low, beta_high, False, 6)}  # "
            + _interval_95(fit.beta.value, fit.beta.low, fit.beta.high, False),
        ]
        summary = f"sBG alpha {number_text(fit.alpha.value)}, beta {number_text(fit.beta.value)}; mean {mean}"
        return contract, lines, summary, fit, rho
    p = fit.homogeneous_churn
    se = math.sqrt(p * (1 - p) / exposure)
    # A churn probability is at most 1: the lognormal interval's upper end is cut there.
    low95, high95 = p * math.exp(-1.959963984540054 * se / p), min(1.0, p * math.exp(1.959963984540054 * se / p))
    low, high = lognormal_interval(p, se / p)
    written = range_text(low, high, True)
    if high >= 1 or number_text(100 * low) == number_text(100 * high):  # no interval the form can hold
        written = number_text(p, 6)
    lines += [
        f"    churn: {{{key}: {written}}}  # constant churn per {period}: "
        f"{fit.churned:,} churned in {exposure:,} {exposure_unit} of {history}",
        f"      # = {percent_text(p)} (95 %: {percent_text(low95)} .. {percent_text(high95)}); written as "
        + ("its 90 % interval.  " if written != number_text(p, 6) else "a point (no interval a rate can hold).  ")
        + (
            f"Constant churn kept: {test} >= {number_text(LRT_LEVEL)}"
            if not fit.heterogeneity_matters
            else f"The {test} rejects constant churn, but the data hardly bound the sBG's alpha and beta "
            "(no interval, or one past 1e9): constant churn written"
        ),
    ]
    summary = f"{percent_text(p)} a {period} (95 %: {percent_text(low95)} .. {percent_text(high95)}), constant"
    return contract, lines, summary, fit, None


def _segment(
    entries: _Entries,
    select: np.ndarray,
    cut: int,
    months: tuple[str, ...],
    name: str,
    label: str | None,
    window: range,
    pace: _Pace,
) -> _Segment:
    last = cut - 1
    indent = "    "
    lines = [f"  - name: {quoted(name)}" + (f"  # {label_comment(label)}" if label is not None else "")]
    if pace.shares is not None:
        share = pace.shares[name]
        lines.append(
            f"{indent}spend_share: {share!r}  # its share of the new accounts of {_span(months, window)} "
            f"({pace.counts[name]:,} of {pace.total:,})"
        )
    lines.append(f"{indent}cac: {pace.cac_text[name]}  # {pace.cac_comment[name]}")

    new = select & entries.is_new & (entries.month >= window.start) & (entries.month < window.stop)
    new_count = int(new.sum())
    at_as_of = select & (entries.month == last)
    customers = int(at_as_of.sum())
    mrr_total = float(entries.mrr[at_as_of].sum())
    if new_count:
        arpa = float(entries.mrr[new].mean())
        arpa_why = f"mean first-month MRR of the {new_count:,} accounts new in {_span(months, window)}"
    elif customers:
        arpa = mrr_total / customers
        arpa_why = f"no new account in {_span(months, window)}: the MRR per active account in {months[last]}"
    else:
        firsts = select & entries.is_new
        arpa = float(entries.mrr[firsts].mean()) if firsts.any() else 1.0
        arpa_why = "no new and no active account lately: the mean first-month MRR of all its accounts"
    arpa_text = number_text(arpa, 6)
    if new_count >= 2:
        spread = float(entries.mrr[new].std(ddof=1)) / arpa / math.sqrt(new_count)  # the mean's relative error
        low, high = lognormal_interval(arpa, spread)
        if number_text(low, 6) != number_text(high, 6):  # not one price paid by all (a sum's float noise)
            arpa_text = range_text(low, high, False, 6)
            arpa_why += (
                f": {number_text(arpa, 6)}, written as a 90 % interval (the mean's standard error, "
                f"{percent_text(spread)} of it)"
            )
    lines.append(f"{indent}arpa_monthly: {arpa_text}  # {arpa_why}")

    contract, churn_lines, churn_summary, fit, rho = _churn_block(entries, select, cut, months)
    lines += churn_lines

    expansion_months = range(max(1, cut - EXPANSION_MONTHS), cut)
    in_window = select & (entries.month >= expansion_months.start) & (entries.month < cut)
    base = float(entries.base[in_window].sum())
    gained = float(entries.change[in_window & (entries.change > 0)].sum())
    lost = float(-entries.change[in_window & (entries.change < 0)].sum())
    if base > 0:
        expansion, contraction = gained / base, lost / base
        basis = (
            f"of accounts active two months in a row, {_span(months, expansion_months)} pooled "
            f"(base: {money_text(round(base, 2))} of MRR)"
        )
        lines.append(
            f"{indent}expansion_monthly: {number_text(expansion)}  # MRR increases over the previous month's MRR {basis}"
        )
        lines.append(f"{indent}contraction_monthly: {number_text(contraction)}  # MRR decreases, same basis")
    else:
        expansion = contraction = 0.0
        lines.append(f"{indent}expansion_monthly: 0  # no account active two months in a row: not measured")
        lines.append(f"{indent}contraction_monthly: 0  # not measured either")
    lines.append(
        f"{indent}gross_margin: {number_text(DEFAULT_GROSS_MARGIN)}  # not in the export: set yours "
        "(revenue minus hosting, payment fees and support, over revenue)"
    )

    tenures = entries.month[at_as_of] - entries.first[at_as_of]
    counts = np.bincount(tenures, minlength=cut) if customers else np.zeros(cut, dtype=np.int64)
    sums = np.bincount(tenures, weights=entries.mrr[at_as_of], minlength=cut) if customers else np.zeros(cut)
    starting = tuple(StartingGroup(int(t), int(counts[t]), float(sums[t])) for t in np.flatnonzero(counts).tolist())
    if starting:
        lines.append(
            f"{indent}starting_cohorts:  # the {customers:,} accounts active in {months[last]} "
            f"(MRR {money_text(mrr_total)}) by months since their first active month"
        )
        lines += [
            f"{indent}  - {{tenure_months: {g.tenure_months}, customers: {g.customers}, mrr: {money_text(g.mrr)}}}"
            for g in starting
        ]
    else:
        lines.append(f"{indent}# no account active in {months[last]}: the segment starts empty")
    calibration = SegmentCalibration(
        name=name,
        label=label,
        starting=starting,
        customers=customers,
        mrr=mrr_total,
        contract_months=contract,
        churn_summary=churn_summary,
        fit=fit,
        new_accounts=new_count,
        new_per_month=new_count / len(window) if len(window) else 0.0,
        arpa_monthly=arpa,
        expansion_monthly=expansion,
        contraction_monthly=contraction,
    )
    return _Segment(name, label, lines, calibration, rho)


def _span(months: tuple[str, ...], window: range) -> str:
    if not len(window):
        return "no month"
    if len(window) == 1:
        return months[window.start]
    return f"{months[window.start]}..{months[window.stop - 1]}"


def label_comment(label: str) -> str:
    return f"--segment-by value {quoted(label)}"


# ---------------------------------------------------------------------------------------------------------------
# Acquisition


@dataclass
class _Pace:
    total: int
    counts: dict[str, int]
    shares: dict[str, float] | None  # None: one segment
    cac_text: dict[str, str]
    cac_comment: dict[str, str]
    spend: float
    spend_comment: str


def _pace(counts: dict[str, int], window_months: int, span: str, spend: float | None) -> _Pace:
    """Spend, shares and CAC that reproduce the recent pace of new accounts, with its error on ``cac``."""
    total = sum(counts.values())
    names = list(counts)
    shares: dict[str, float] | None = None
    if len(names) > 1:  # each segment's share of the new accounts (equal shares when none came)
        shares = {name: counts[name] / total if total else 1.0 / len(names) for name in names}
    pace = total / window_months if window_months else 0.0
    if spend is None:
        written_spend = pace
        spend_comment = (
            f"no --spend-monthly: the pace of new accounts, {total:,} in {window_months} months "
            f"({span}), with cac 1, so that acquisition reproduces the recent pace"
        )
        unit_cost = 1.0
    else:
        written_spend = spend
        spend_comment = "--spend-monthly"
        unit_cost = spend / pace if pace > 0 else spend * max(window_months, 1)
    cac_text: dict[str, str] = {}
    cac_comment: dict[str, str] = {}
    for name in names:
        n = counts[name]
        if spend is not None and spend <= 0:
            cac_text[name] = "1"
            cac_comment[name] = "--spend-monthly 0: no paid new accounts, so cac is not used"
        elif total == 0:
            cac_text[name] = number_text(unit_cost, 6)
            cac_comment[name] = (
                f"no new account in {span}: as if one had come in those months (set yours)"
                if spend is not None
                else f"no new account in {span}: the spend above is 0"
            )
        elif n == 0:
            cac_text[name] = number_text(unit_cost, 6)
            cac_comment[name] = f"no new account in {span}: its spend share is 0"
        else:
            low, high = lognormal_interval(unit_cost, 1.0 / math.sqrt(n))
            how = (
                f"spend / new accounts a month = {number_text(unit_cost)}"
                if spend is not None
                else "1 (spend is the pace)"
            )
            cac_comment[name] = (
                f"{how} as a 90 % interval: a pace measured on {n:,} new accounts ({span}) is known to "
                f"x/÷ {number_text(math.exp(Z_90 / math.sqrt(n)), 3)} (Poisson)"
            )
            cac_text[name] = range_text(low, high, False)
    return _Pace(total, counts, shares, cac_text, cac_comment, written_spend, spend_comment)


# ---------------------------------------------------------------------------------------------------------------
# Names


def segment_names(labels: list[str]) -> tuple[list[str], list[str]]:
    """Valid, unique segment names for ``labels`` (the loader's rule: text without '.', not blank), and notes
    saying which were changed."""
    names: list[str] = []
    notes: list[str] = []
    for label in labels:
        name = normalize_name(label).replace(".", "_")
        while (character := hidden_character(name)) is not None:
            name = name.replace(character, "")
        name = name[:MAX_SEGMENT_NAME_CHARS].strip() or "(blank)"
        base, number = name, 2
        while name in names:
            name = f"{base} {number}"
            number += 1
        if name != label:
            notes.append(f"segment {quoted(label)} is named {quoted(name)} (a name has no '.' and is unique)")
        names.append(name)
    return names, notes


def scenario_name(source: str) -> str:
    name = normalize_name(f"Calibrated from {Path(source).name}")
    while (character := hidden_character(name)) is not None:
        name = name.replace(character, "")
    return name[:MAX_NAME_CHARS]


# ---------------------------------------------------------------------------------------------------------------
# The scenario


def calibrate_ledger(ledger: Ledger, options: CalibrateOptions, name: str | None = None) -> Calibration:
    """The scenario of SPEC 6.3 from ``ledger``'s months up to ``options.as_of`` (the module's note)."""
    last = month_index(ledger, options.as_of)
    cut = last + 1
    history = _up_to(ledger, cut)
    months = history.months
    entries = _entries(history, cut)
    if not len(entries.customer):
        raise InputError(
            [Problem(ledger.source, None, "mrr", f"no customer has MRR > 0 up to {months[last]}: nothing to calibrate")]
        )
    notes: list[str] = []
    window = range(max(1, cut - NEW_ACCOUNT_MONTHS), cut) if cut > 1 else range(0)
    span = _span(months, window)

    if options.segment_by is not None:
        segment_labels = ledger.segment_labels
        if ledger.segment is None:
            raise InputError(
                [Problem(ledger.source, None, "--segment-by", f"no column {options.segment_by!r} was read")]
            )
        of_customer = _customer_segments(history, len(ledger.customer_ids))[entries.customer]
        codes = [int(c) for c in np.unique(of_customer) if c >= 0]
        labels = [str(segment_labels[c]) for c in codes]
    else:
        of_customer = np.zeros(len(entries.customer), dtype=np.int64)
        codes, labels = [0], [ONE_SEGMENT]

    # Segments with no active account at the as-of month and no new one in the window are history only.
    # When no segment has one, all are kept: the company has no current base, and its history is all there is.
    is_recent = entries.month == last
    if len(window):
        is_recent |= entries.is_new & (entries.month >= window.start)
    recent_codes = {int(c) for c in np.unique(of_customer[is_recent])}
    kept_codes, kept_labels = [], []
    for code, label in zip(codes, labels, strict=True):
        if code in recent_codes or not recent_codes or len(codes) == 1:
            kept_codes.append(code)
            kept_labels.append(label)
        else:
            notes.append(f"segment {quoted(label)} left out: no account active in {months[last]} or new in {span}")
    if not recent_codes and len(codes) > 1:
        notes.append(f"no segment has an account active in {months[last]} or new in {span}: all are kept")
    if len(kept_codes) > MAX_SEGMENTS:
        raise InputError(
            [
                Problem(
                    ledger.source,
                    None,
                    "--segment-by",
                    f"column {options.segment_by!r} has {len(kept_codes)} values with recent accounts; "
                    f"a scenario holds at most {MAX_SEGMENTS} segments",
                )
            ]
        )
    if options.segment_by is not None:
        names, renamed = segment_names(kept_labels)
        notes += renamed
    else:
        names = [ONE_SEGMENT]
    selects = [of_customer == code for code in kept_codes]
    in_window = entries.is_new & (entries.month >= window.start) & (entries.month < window.stop)
    counts = {n: int((s & in_window).sum()) for n, s in zip(names, selects, strict=True)}
    pace = _pace(counts, len(window), span, options.spend_monthly)

    segments = [
        _segment(entries, select, cut, months, n, label if options.segment_by is not None else None, window, pace)
        for n, select, label in zip(names, selects, kept_labels, strict=True)
    ]
    if not len(window):
        notes.append(f"one month of history ({months[0]}): no new accounts and no churn can be measured")
    title = name if name is not None else scenario_name(ledger.source)
    text = _document(ledger, options, title, months, cut, segments, pace, notes)
    try:
        scenario = parse_scenario(text, "calibrated scenario")
    except InputError as error:  # a history the simulator cannot start from (a tenure past 600 months, ...)
        raise InputError(
            [
                Problem(
                    ledger.source,
                    None,
                    "",
                    "cannot be calibrated into a scenario saas-sim can simulate: "
                    + (f"{problem.field} {problem.message}" if isinstance(problem, Problem) else str(problem))
                    + " (a typo in a year or an amount?)",
                )
                for problem in error.problems
            ]
        ) from None
    return Calibration(
        text=text,
        scenario=scenario,
        as_of=months[last],
        source=ledger.source,
        first_month=months[0],
        segments=tuple(s.calibration for s in segments),
        spend_monthly=pace.spend,
        new_account_months=tuple(months[m] for m in window),
        notes=tuple(notes),
    )


def _document(
    ledger: Ledger,
    options: CalibrateOptions,
    title: str,
    months: tuple[str, ...],
    cut: int,
    segments: list[_Segment],
    pace: _Pace,
    notes: list[str],
) -> str:
    last = months[cut - 1]
    later = len(ledger.months) - cut
    lines = [
        f"# Calibrated by saas-sim calibrate from {ledger.source}, as of the end of {last}:",
        f"# {cut} months of history ({months[0]}..{last})"
        + (f"; the file's {later} later months are not used." if later else "."),
        "# Every value says where it came from; what a billing export cannot say is marked 'set yours'.",
        '# A range "low..high" is a 90 % interval (lognormal): each simulated path draws its own value,',
        "# so the forecast carries the estimate's error as well as month-to-month chance.",
    ]
    if options.segment_by is not None:
        lines.append(
            f"# One segment per value of the column {options.segment_by!r}: a customer belongs to the segment of "
            f"its row in {last}, else of its last row before, with its whole history."
        )
    lines += [f"# Note: {note}" for note in notes]
    lines += [
        f"name: {quoted(title)}",
        f"description: {quoted(f'{ledger.source} as of {last}, calibrated by saas-sim calibrate')}",
        f"horizon_months: {options.horizon}  # months forecast after {last} (--horizon)",
        "simulation:",
        f"  paths: {options.paths if options.paths is not None else DEFAULT_PATHS}",
    ]
    if options.seed is not None:
        lines.append(f"  seed: {options.seed}")
    correlated = [segment for segment in segments if segment.churn_rho is not None]
    if correlated:
        lines.append("  correlations:  # the churn fit's alpha and beta are estimated together")
        for segment in correlated:
            fields = ", ".join(quoted(f"segments.{segment.name}.churn.{key}") for key in ("alpha", "beta"))
            lines.append(f"    - {{between: [{fields}], rho: {number_text(segment.churn_rho or 0.0, 6)}}}")
    lines += [
        "company:",
        f"  starting_cash: {money_text(options.cash or 0.0)}  # "
        + ("--cash" if options.cash is not None else "not in the export (--cash not given): set yours"),
        f"  fixed_costs_monthly: {money_text(options.fixed_costs or 0.0)}  # "
        + (
            "--fixed-costs"
            if options.fixed_costs is not None
            else "not in the export (--fixed-costs not given): set yours"
        ),
        "acquisition:",
        f"  spend_monthly: {number_text(pace.spend, 6) if options.spend_monthly is None else money_text(pace.spend)}"
        f"  # {pace.spend_comment}",
        "segments:",
    ]
    for segment in segments:
        lines += segment.lines
    return "\n".join(lines) + "\n"


def summary_lines(calibration: Calibration) -> list[str]:
    """What ``saas-sim calibrate --out`` and the TUI say about a calibration, in words, a line each."""
    lines = [f"{calibration.source} as of {calibration.as_of} ({calibration.first_month}..{calibration.as_of} used)"]
    for segment in calibration.segments:
        head = f"{segment.name}: " if len(calibration.segments) > 1 else ""
        plan = "annual plans" if segment.contract_months == 12 else "monthly plans"
        lines.append(
            f"{head}{segment.customers:,} customers, MRR {segment.mrr:,.2f} ({plan}); churn {segment.churn_summary}; "
            f"{number_text(segment.new_per_month, 3)} new accounts a month at ARPA {number_text(segment.arpa_monthly)}"
        )
    lines += [f"Note: {note}" for note in calibration.notes]
    return lines
