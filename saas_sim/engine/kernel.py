"""One block of paths: parameters per month, then the compiled kernel (SPEC 2).

The months themselves run in :mod:`saas_sim.engine.compiled`.  This module
prepares what the kernel reads: every segment's parameters before any event
and after each month with events (events are deterministic in time, so the
whole schedule is known before the first draw), the uniforms each path
inverts, and the arrays the kernel writes.  Month-1 unit economics (LTV,
payback) are closed formulas computed here from the same parameters.

Output arrays are shaped ``(paths, months)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from saas_sim.engine import compiled
from saas_sim.engine.compiled import (
    COMPANY_PARAMS_ALL,
    COMPANY_RAW,
    MIGRATION_RAW,
    POLICIES,
    SEGMENT_PARAMS_ALL,
    SEGMENT_RAW,
)
from saas_sim.engine.params import DrawnValues
from saas_sim.errors import SimulationDiverged
from saas_sim.model.catalog.fields import COMPANY_PARAM_PATHS, COMPANY_PARAMS, SEGMENT_PARAMS, keys_of
from saas_sim.model.catalog.metrics import UNIT_ECONOMICS
from saas_sim.model.churn import (
    period_churn_from_annual,
    period_churn_from_monthly,
    spread_from_heterogeneity,
)
from saas_sim.model.scenario import Event, Scenario, Segment
from saas_sim.model.unit_economics import ltv_simple, payback_months

__all__ = ["COMPANY_RAW", "MIGRATION_RAW", "SEGMENT_RAW", "BlockOutput", "Outputs", "simulate_block"]

# More new accounts than this in one month of one path cannot be simulated meaningfully.
MAX_NEW_ACCOUNTS = 1e9
# Uniforms drawn at a time for a chunk of paths (16 MB); a path's own uniforms never change.
CHUNK_UNIFORMS = 2**21
PER_PATH = ("customers0", "mrr0", *UNIT_ECONOMICS)


_buffers = threading.local()


def _uniforms(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` uniforms from ``rng``, in this thread's reused buffer.

    Fresh memory costs page faults (about 3 s per GB on this project's machine),
    so each thread keeps one buffer for all its blocks.
    """
    buffer = getattr(_buffers, "uniforms", None)
    if buffer is None or buffer.size < count:
        buffer = _buffers.uniforms = np.empty(max(count, CHUNK_UNIFORMS))
    return rng.random(out=buffer[:count])


def _per_path(value: float | np.ndarray, paths: int) -> np.ndarray:
    """A number or per-path array as a fresh array of shape ``(paths,)``."""
    return np.broadcast_to(np.asarray(value, dtype=float), (paths,)).copy()


class SegmentState:
    """The current parameters of one segment on a block of paths; events change them (SPEC 2.6)."""

    def __init__(self, segment: Segment, values: DrawnValues):
        prefix = f"segments.{segment.name}."
        self.name = segment.name
        self.contract_months = C = segment.contract_months
        self.upfront = segment.billing == "upfront"
        self.starting_customers = segment.starting_customers
        self.get: Callable[[str], float | np.ndarray] = lambda key: values[prefix + key]
        self.spend_share = self.get("spend_share")
        self.funnel = (
            {key: self.get(f"funnel.{key}") for key in keys_of("segments.funnel")}
            if segment.funnel is not None
            else None
        )
        self.cac = self.get("cac") if segment.cac is not None else self._funnel_cac()
        # The kernel's other parameters, as the catalog lists them (spend_share and cac are read
        # above, p and spread follow from churn below).
        self.params: dict[str, float | np.ndarray] = {
            key: self.get(key) for key in SEGMENT_PARAMS if key not in ("spend_share", "cac", "p", "spread")
        }
        churn = segment.churn
        if churn.alpha is not None:
            alpha, beta = self.get("churn.alpha"), self.get("churn.beta")
            self.p = alpha / (alpha + beta)
            self.spread = alpha + beta
        else:
            self.spread = spread_from_heterogeneity(self.get("churn.heterogeneity"))
            self.p = (
                period_churn_from_monthly(self.get("churn.monthly"), C)
                if churn.monthly is not None
                else period_churn_from_annual(self.get("churn.annual"), C)
            )
        # What the programs running do to it (SPEC 2.7): every renewal's churn times churn_factor,
        # expansion_add added to expansion.
        self.churn_factor: float | np.ndarray = 1.0
        self.expansion_add: float | np.ndarray = 0.0
        n0 = segment.starting_customers
        # The segment's starting MRR in total; by default every starting account pays ARPA.
        self.starting_mrr = (
            0.0
            if n0 == 0
            else cast(float, segment.starting_mrr)  # the cohorts' total (a float): each group has its own MRR
            if segment.starting_cohorts is not None
            else self.get("starting_mrr")
            if segment.starting_mrr is not None
            else n0 * self.params["arpa_monthly"]
        )

    def param(self, name: str) -> float | np.ndarray:
        """The current value of one of the kernel's parameters (:data:`SEGMENT_PARAMS`)."""
        return self.params[name] if name in self.params else getattr(self, name)

    def kernel_param(self, name: str) -> float | np.ndarray:
        """A parameter as the kernel reads it (:data:`~saas_sim.engine.compiled.SEGMENT_PARAMS_ALL`): expansion
        with the programs' change, clipped into 0..1 (SPEC 2.7)."""
        value = self.param(name)
        if name == "expansion_monthly" and not (np.ndim(self.expansion_add) == 0 and self.expansion_add == 0.0):
            return np.clip(value + np.asarray(self.expansion_add), 0.0, 1.0)
        return value

    def _funnel_cac(self) -> float | np.ndarray:
        f = self.funnel
        assert f is not None  # a segment without a funnel has a fixed cac
        return f["cost_per_lead"] / (f["lead_to_trial"] * f["trial_to_paid"])

    def set(self, key: str, value: float | np.ndarray) -> None:
        """Apply an event's change of one field (SPEC 2.6)."""
        C = self.contract_months
        if key == "cac":  # a fixed CAC replaces the funnel until a funnel field is set again
            self.cac = value
        elif key.startswith("funnel."):
            assert self.funnel is not None  # the loader sets funnel fields only on a segment with a funnel
            self.funnel[key.split(".", 1)[1]] = value
            self.cac = self._funnel_cac()
        elif key == "churn.monthly":
            self.p = period_churn_from_monthly(value, C)
        elif key == "churn.annual":
            self.p = period_churn_from_annual(value, C)
        elif key == "churn.heterogeneity":
            self.spread = spread_from_heterogeneity(value)
        elif key in ("churn.alpha", "churn.beta"):
            # The other sBG parameter stays; from homogeneous churn it follows the current mean.
            p, spread = np.asarray(self.p, dtype=float), np.asarray(self.spread, dtype=float)
            finite = np.isfinite(spread)
            spread_or_0 = np.where(finite, spread, 0.0)
            alpha: float | np.ndarray
            beta: float | np.ndarray
            if key == "churn.alpha":
                alpha = value
                beta = np.where(finite, (1 - p) * spread_or_0, value * (1 - p) / np.maximum(p, 1e-300))
            else:
                beta = value
                alpha = np.where(finite, p * spread_or_0, value * p / np.maximum(1 - p, 1e-300))
            self.p = alpha / (alpha + beta)
            self.spread = alpha + beta
        elif key == "spend_share":
            self.spend_share = value
        else:
            self.params[key] = value


@dataclass
class BlockOutput:
    paths: int
    segments: dict[str, dict[str, np.ndarray]]  # per segment: raw series and per-path summaries
    company: dict[str, np.ndarray]
    cohort_customers: np.ndarray  # (H, H): [k-1, a] summed over paths
    cohort_mrr: np.ndarray


class Outputs:
    """The arrays every block of a run writes its own rows of: no copies when blocks are joined."""

    def __init__(self, scenario: Scenario, paths: int):
        S, H = len(scenario.segments), scenario.horizon_months
        self.scenario = scenario
        self.raw_names = SEGMENT_RAW + (MIGRATION_RAW if scenario.migrations else ())
        self.series = np.zeros((S, len(self.raw_names), paths, H))
        self.per_path = np.zeros((S, len(PER_PATH), paths))
        self.company = np.zeros((len(COMPANY_RAW), paths, H))
        self.starting_cash = np.zeros(paths)

    def view(self, row: int, paths: int, cohort_customers: np.ndarray, cohort_mrr: np.ndarray) -> BlockOutput:
        """Rows ``row .. row + paths - 1`` as a block's output (views, not copies)."""
        rows = slice(row, row + paths)
        segments = {}
        for s, segment in enumerate(self.scenario.segments):
            out = {name: self.series[s, k, rows] for k, name in enumerate(self.raw_names)}
            out.update({name: self.per_path[s, k, rows] for k, name in enumerate(PER_PATH)})
            segments[segment.name] = out
        company = {name: self.company[k, rows] for k, name in enumerate(COMPANY_RAW)}
        company["starting_cash"] = self.starting_cash[rows]
        return BlockOutput(paths, segments, company, cohort_customers, cohort_mrr)


def _schedule(
    scenario: Scenario, values: DrawnValues, segs: list[SegmentState]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """Parameters before any change and after each month with events or a program starting or
    ending (SPEC 2.6, 2.7); month-1 unit economics (before any program: they are the segments' own)."""
    P = values.paths
    H = scenario.horizon_months
    company = {name: values[path] for name, path in zip(COMPANY_PARAMS, COMPANY_PARAM_PATHS, strict=True)}
    company["program_cost"] = 0.0
    by_name = {s.name: s for s in segs}
    events_by_month: dict[int, list[tuple[int, Event]]] = {}
    for i, event in enumerate(scenario.events):
        events_by_month.setdefault(event.month, []).append((i, event))
    programs = program_months(scenario)
    program_changes = {m for first, last in programs for m in (first, last + 1) if m <= H}
    months = sorted(set(events_by_month) | program_changes)
    segment_params = np.empty((len(months) + 1, len(segs), len(SEGMENT_PARAMS_ALL), P))
    company_params = np.empty((len(months) + 1, len(COMPANY_PARAMS_ALL), P))
    cash_in = np.zeros((len(months) + 1, P))

    def snapshot(j: int) -> None:
        for s, seg in enumerate(segs):
            for k, name in enumerate(SEGMENT_PARAMS_ALL):
                segment_params[j, s, k] = seg.kernel_param(name)
        for k, name in enumerate(COMPANY_PARAMS_ALL):
            company_params[j, k] = company[name]

    snapshot(0)
    month1 = None
    for j, month in enumerate(months, start=1):
        if month > 1 and month1 is None:
            month1 = {s.name: unit_economics(s, values) for s in segs}
        for i, event in events_by_month.get(month, ()):
            cash_in[j] += apply_event(i, event, values, company, by_name)
        if programs:
            apply_programs(scenario, month, values, company, by_name)
        snapshot(j)
    if month1 is None:
        month1 = {s.name: unit_economics(s, values) for s in segs}
    return np.array(months, dtype=np.int64), segment_params, company_params, cash_in, month1


def program_months(scenario: Scenario) -> list[tuple[int, int]]:
    """Each program's first and last month (``to_month`` None: the horizon)."""
    H = scenario.horizon_months
    return [(p.from_month, min(p.to_month if p.to_month is not None else H, H)) for p in scenario.programs]


def forced_redraws(scenario: Scenario, months: np.ndarray) -> np.ndarray:
    """``(change months, segments)``: 1 where a program of the segment starts, or ends the month before.

    The kernel draws those segments' next losses again there whatever the program does: a program
    that changes nothing (the run without it, SPEC 2.7) reads the same uniforms as the one that does.
    """
    names = {segment.name: s for s, segment in enumerate(scenario.segments)}
    forced = np.zeros((len(months), len(names)), dtype=np.int64)
    at = {int(month): j for j, month in enumerate(months)}
    for program, (first, last) in zip(scenario.programs, program_months(scenario), strict=True):
        for month in (first, last + 1):
            if month in at:
                for name in program.segments:
                    forced[at[month], names[name]] = 1
    return forced


def apply_programs(
    scenario: Scenario,
    month: int,
    values: DrawnValues,
    company: dict[str, float | np.ndarray],
    by_name: dict[str, SegmentState],
) -> None:
    """Set what the programs running in ``month`` do (SPEC 2.7): each segment's churn factor (the product
    of ``1 + churn_change`` of its programs) and expansion change (their sum), and their cost."""
    factor: dict[str, float | np.ndarray] = dict.fromkeys(by_name, 1.0)
    added: dict[str, float | np.ndarray] = dict.fromkeys(by_name, 0.0)
    cost: float | np.ndarray = 0.0
    for program, (first, last) in zip(scenario.programs, program_months(scenario), strict=True):
        if not first <= month <= last:
            continue
        key = f"programs.{program.name}."
        cost = cost + values[key + "cost_monthly"]
        for name in program.segments:
            factor[name] = factor[name] * (1.0 + values[key + "churn_change"])
            added[name] = added[name] + values[key + "expansion_change"]
    company["program_cost"] = cost
    for name, seg in by_name.items():
        seg.churn_factor = factor[name]
        seg.expansion_add = added[name]


def apply_event(
    i: int,
    event: Event,
    values: DrawnValues,
    company: dict[str, float | np.ndarray],
    by_name: dict[str, SegmentState],
) -> float | np.ndarray:
    """Apply event ``i``'s changes (SPEC 2.6) to the company's and the segments' current parameters;
    return the cash it brings in (0 without ``cash_in``)."""
    for path, _ in event.set:
        value = values[f"events[{i}].set.{path}"]
        section, rest = path.split(".", 1)
        if section in ("company", "acquisition"):
            company[rest] = value
        else:
            name, key = rest.split(".", 1)
            by_name[name].set(key, value)
    return values[f"events[{i}].cash_in"] if event.cash_in is not None else 0.0


def month1_segments(scenario: Scenario, values: DrawnValues) -> list[SegmentState]:
    """Each segment's parameters in month 1, after the events of month 1: what its unit economics read
    (SPEC 3.2, docs/engine.md), applied as :func:`_schedule` applies them."""
    segments = [SegmentState(s, values) for s in scenario.segments]
    by_name = {s.name: s for s in segments}
    company: dict[str, float | np.ndarray] = {}
    for i, event in enumerate(scenario.events):
        if event.month == 1:
            apply_event(i, event, values, company, by_name)
    return segments


def simulate_block(
    scenario: Scenario, values: DrawnValues, rng: np.random.Generator, out: Outputs, row: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run every month for one block of paths into rows ``row ..`` of ``out``; draws from ``rng`` only.

    Returns the block's cohort matrices ``(customers, mrr)``, each ``(H, H)``.
    """
    H = scenario.horizon_months
    P = values.paths
    segs = [SegmentState(s, values) for s in scenario.segments]
    months, segment_params, company_params, cash_in, month1 = _schedule(scenario, values, segs)
    contract = np.array([s.contract_months for s in scenario.segments], dtype=np.int64)
    starting = np.array([s.starting_customers for s in scenario.segments], dtype=np.int64)
    rows = slice(row, row + P)
    for s, seg in enumerate(segs):
        out.per_path[s, PER_PATH.index("customers0"), rows] = seg.starting_customers
        for name, value in month1[seg.name].items():
            out.per_path[s, PER_PATH.index(name), rows] = value
    starting_cash = _per_path(values["company.starting_cash"], P)
    out.starting_cash[rows] = starting_cash
    cohort_customers = np.zeros((H, H))
    cohort_mrr = np.zeros((H, H))
    mrr0 = out.per_path[:, PER_PATH.index("mrr0")]

    upfront = np.array([s.upfront for s in segs], dtype=np.int64)
    starting_mrr = np.array([_per_path(s.starting_mrr, P) for s in segs]).reshape(len(segs), P)
    groups = [compiled.starting_groups(segment) for segment in scenario.segments]
    group_sizes = np.array([len(count) for count, _, _ in groups], dtype=np.int64)
    width = int(group_sizes.max())
    group_count = np.zeros((len(segs), width), dtype=np.int64)
    group_tenure = np.zeros((len(segs), width), dtype=np.int64)
    group_each = np.zeros((len(segs), width))
    for s, (count, tenure, each) in enumerate(groups):
        group_count[s, : len(count)], group_tenure[s, : len(count)], group_each[s, : len(count)] = count, tenure, each
    policy, funding, funding_months, funding_rounds, csm, csm_on = _company_policy(scenario, values)
    names = {segment.name: s for s, segment in enumerate(scenario.segments)}
    migrations = scenario.migrations
    migration_source = np.array([names[m.source] for m in migrations], dtype=np.int64)
    migration_target = np.array([names[m.target] for m in migrations], dtype=np.int64)
    migration_rate = np.array([_per_path(values[f"migrations[{i}].monthly"], P) for i in range(len(migrations))])
    migration_multiplier = np.array(
        [_per_path(values[f"migrations[{i}].mrr_multiplier"], P) for i in range(len(migrations))]
    )
    migration_rate = migration_rate.reshape(len(migrations), P)
    migration_multiplier = migration_multiplier.reshape(len(migrations), P)
    regions = compiled.uniform_regions(
        H,
        [(int(C), tenure) for C, (_, tenure, _) in zip(contract, groups, strict=True)],
        len(months),
        migrations=len(migrations),
        funding_rounds=funding_rounds,
    )
    bound = int(regions[-1])
    forced = forced_redraws(scenario, months)
    chunk = max(1, CHUNK_UNIFORMS // bound)
    for first in range(0, P, chunk):
        last = min(P, first + chunk)
        uniforms = _uniforms(rng, (last - first) * bound)
        month, segment = compiled.simulate_paths(
            first,
            last,
            row,
            H,
            contract,
            upfront,
            starting,
            group_sizes,
            group_count,
            group_tenure,
            group_each,
            starting_mrr,
            months,
            segment_params,
            company_params,
            cash_in,
            starting_cash,
            uniforms,
            bound,
            MAX_NEW_ACCOUNTS,
            out.series,
            out.company,
            mrr0,
            cohort_customers,
            cohort_mrr,
            policy,
            funding,
            funding_months,
            funding_rounds,
            csm,
            csm_on,
            migration_source,
            migration_target,
            migration_rate,
            migration_multiplier,
            regions,
            forced,
        )
        if month < 0:
            raise RuntimeError("the kernel read past its uniforms: uniform_regions is too small")
        if month:
            name = scenario.segments[segment - 1].name
            raise SimulationDiverged(
                f"segment {name} would win over {MAX_NEW_ACCOUNTS:.0e} accounts in month {month}: "
                "the scenario grows without bound (is the CAC far below what reinvested gross profit "
                "or referrals bring in?)"
            )
    return compiled.by_age(cohort_customers), compiled.by_age(cohort_mrr)


def _company_policy(scenario: Scenario, values: DrawnValues) -> tuple[int, np.ndarray, int, int, np.ndarray, int]:
    """What the kernel reads of the company's cash policy, funding and customer success (SPEC 2.5, 2.7)."""
    P = values.paths
    company = scenario.company
    policy = POLICIES.index(company.when_out_of_cash)
    funding = np.zeros((3, P))
    funding_months, funding_rounds = 1, 0
    if company.funding is not None:
        for k, key in enumerate(("below_cash", "amount", "probability")):
            funding[k] = values[f"company.funding.{key}"]
        funding_months, funding_rounds = company.funding.months_to_close, company.funding.max_rounds
    csm = np.ones((2, P))
    csm_on = 0
    if company.customer_success is not None:
        csm[0] = values["company.customer_success.arr_per_csm"]
        csm[1] = values["company.customer_success.cost_per_csm_monthly"]
        csm_on = 1
    return policy, funding, funding_months, funding_rounds, csm, csm_on


def unit_economics(s: SegmentState, values: DrawnValues) -> dict[str, np.ndarray]:
    """LTV, LTV/CAC and payback of a new account from month-1 parameters, per path."""
    P = values.paths
    ltv, payback_churn = compiled.ltv_and_payback(
        arpa=s.param("arpa_monthly"),
        gross_margin=s.param("gross_margin"),
        expansion=s.param("expansion_monthly"),
        contraction=s.param("contraction_monthly"),
        p=s.p,
        spread=s.spread,
        contract_months=s.contract_months,
        discount_rate_annual=values["company.discount_rate_annual"],
        ltv_horizon_months=values["company.ltv_horizon_months"],
        cac=s.cac,
    )
    with np.errstate(over="ignore"):  # a CAC so small (subnormal) that LTV/CAC passes the largest float: inf
        ltv_cac = np.asarray(ltv) / s.cac
    return {
        "ltv": _per_path(ltv, P),
        "ltv_simple": _per_path(
            ltv_simple(s.param("arpa_monthly"), s.param("gross_margin"), s.p, s.contract_months), P
        ),
        "ltv_cac": _per_path(ltv_cac, P),
        "payback_months": _per_path(payback_months(s.cac, s.param("arpa_monthly"), s.param("gross_margin")), P),
        "payback_months_with_churn": _per_path(payback_churn, P),
    }
