"""Running a scenario: blocks of paths, threads, and the statistics of a run (its numbers).

Paths are simulated in fixed blocks of :data:`BLOCK_PATHS`.  Block ``b``
draws from its own generator, seeded by ``SeedSequence(seed,
spawn_key=(b,))``: the children of the one seed sequence made from
``simulation.seed``.  Which thread runs a block, and in what order blocks
finish, cannot change a single bit of the result.

Long runs are a generator of progress: :meth:`SimulationRun.progress` yields
``(paths_done, paths_total)`` after each block and leaves the result in
:attr:`SimulationRun.numbers`.  Closing the generator early cancels the blocks
not yet started.

The engine gives the numbers; the result document (SPEC 5), with the normalized
scenario and the diagnosis, is put together above it, by :mod:`saas_sim.analysis.run`.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, cast

import numpy as np

from saas_sim.engine import kernel
from saas_sim.engine.aggregate import describe, describe_summary
from saas_sim.engine.kernel import BlockOutput, Outputs, simulate_block
from saas_sim.engine.params import draw_values
from saas_sim.errors import InputError
from saas_sim.model import metrics
from saas_sim.model.catalog.metrics import (
    COMPANY_ONLY_SERIES,
    COMPANY_ONLY_SUMMARY,
    METRICS,
    NEVER_SUMMARY,
    SEGMENT_ONLY_SERIES,
    UNIT_ECONOMICS,
)
from saas_sim.model.formulas import ratio
from saas_sim.model.result import Cohorts, Segment, Statistic, SummaryStatistic
from saas_sim.model.scenario import Distribution, Number, Scenario

# Changes whenever the same scenario, seed and paths would give other numbers (SPEC 5):
# 0.1.0 the first engine; 0.2.0 the compiled kernel's SFC64 inversion draws, payback counted
# in months with "never" kept in its statistics, and float noise in a standard error read as 0;
# 0.3.0 the compiled extension (Cython): per-path LTV summed month by month, and a small group's next
# loss of accounts drawn at once (which renewal, how many) instead of a binomial at every renewal;
# 0.4.0 each kind of draw in its own region of a path's uniforms (acquisition at fixed places, each
# segment's losses apart): common random numbers between runs that differ in one segment or program.
ENGINE_VERSION = "0.4.0"
BLOCK_PATHS = 1000
SEED_LIMIT = 2**32

# Raw series that add up across segments.
ADDITIVE = (
    "customers",
    "paid_new",
    "referral_new",
    "churned_customers",
    "renewals_due",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "gross_profit",
    "cs_cost",
    "collections",
    "nrr_12m_numerator",
    "grr_12m_numerator",
    "customers0",
    "mrr0",
)


def with_overrides(
    scenario: Scenario, *, paths: int | None = None, seed: int | None = None, horizon: int | None = None
) -> Scenario:
    """The scenario with command-line overrides applied and a seed always set.

    A shorter ``horizon`` drops the events that would fall after it, and the programs that would start
    after it, and ends the others by it; a longer one extends a program that ran to the end (its
    ``to_month`` the file's horizon: "until the end", the default).
    """
    sim = scenario.simulation
    chosen_seed = seed if seed is not None else sim.seed
    if chosen_seed is None:
        chosen_seed = secrets.randbelow(SEED_LIMIT)
    sim = dataclasses.replace(sim, paths=paths or sim.paths, seed=chosen_seed)
    scenario = dataclasses.replace(scenario, simulation=sim)
    if horizon is not None:
        events = tuple(e for e in scenario.events if e.month <= horizon)
        old = scenario.horizon_months
        programs = tuple(
            dataclasses.replace(
                p, to_month=horizon if p.to_month is None or p.to_month == old else min(p.to_month, horizon)
            )
            for p in scenario.programs
            if p.from_month <= horizon
        )
        scenario = dataclasses.replace(scenario, horizon_months=horizon, events=events, programs=programs)
    return scenario


# Per path and month, the float64 arrays held at the peak: each segment's raw series, the company's
# own, and each statistics worker's derived series with its temporaries; with more than one segment,
# the company's totals of the segments' series too (measured on 2 cores: 1.66 GB for
# 100,000 x 60 x 1, 0.95 GB for 10,000 x 120 x 3).
ARRAYS_PER_SEGMENT = 18
ARRAYS_BESIDES_SEGMENTS = 14
ARRAYS_PER_WORKER = 3
ARRAYS_OF_COMPANY_TOTALS = 19
MEMORY_SHARE = 0.7  # of the machine's physical memory a run may plan to use


def memory_needed(scenario: Scenario) -> int:
    """Bytes a run of the scenario needs at its peak (an estimate)."""
    segments = len(scenario.segments)
    arrays = (
        ARRAYS_PER_SEGMENT * segments
        + ARRAYS_BESIDES_SEGMENTS
        + ARRAYS_PER_WORKER * default_workers()
        + (ARRAYS_OF_COMPANY_TOTALS if segments > 1 else 0)
    )
    return 8 * arrays * scenario.simulation.paths * scenario.horizon_months


def check_memory(scenario: Scenario) -> None:
    """Refuse, before any work, a run that cannot fit in this machine's memory."""
    try:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    needed = memory_needed(scenario)
    if needed > MEMORY_SHARE * available:
        paths = scenario.simulation.paths
        fitting = int(paths * MEMORY_SHARE * available / needed)
        raise InputError(
            [
                f"simulation.paths: {paths:,} paths x {scenario.horizon_months} months need about "
                f"{needed / 1e9:.1f} GB of memory, more than this machine's {available / 1e9:.1f} GB allows; "
                f"use at most about {fitting:,} paths (--paths)"
            ]
        )


def default_workers() -> int:
    """One thread per core, at most eight."""
    return min(os.cpu_count() or 1, 8)


def block_sizes(paths: int) -> list[int]:
    full, rest = divmod(paths, BLOCK_PATHS)
    return [BLOCK_PATHS] * full + ([rest] if rest else [])


def block_generator(seed: int | None, block: int) -> np.random.Generator:
    """Block ``block``'s own generator: SFC64 seeded by ``SeedSequence(seed, spawn_key=(block,))``."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(seed, spawn_key=(block,))))


def run_block(scenario: Scenario, block: int, paths: int, out: Outputs | None = None, row: int = 0) -> BlockOutput:
    """Simulate block ``block`` of ``paths`` paths: parameters first, then the months.

    The block writes rows ``row ..`` of ``out`` (its own arrays when ``out`` is None).
    """
    if out is None:
        out, row = Outputs(scenario, paths), 0
    rng = block_generator(scenario.simulation.seed, block)
    values = draw_values(scenario, rng, paths)
    cohorts = simulate_block(scenario, values, rng, out, row)
    return out.view(row, paths, *cohorts)


ENDS = ("arr_end", "cash_end")  # the summary metrics whose every path a run keeps (Numbers.ends)


@dataclasses.dataclass(frozen=True)
class Numbers:
    """What a run of ``scenario`` gives: the statistics over its paths (SPEC 5 without the scenario's
    text and the diagnosis, which :mod:`saas_sim.analysis.run` adds)."""

    scenario: Scenario  # the scenario run, its seed set
    series: dict[str, Statistic]  # the company's
    segments: dict[str, Segment]
    summary: dict[str, SummaryStatistic]  # the company's
    cohorts: Cohorts
    elapsed_s: float  # from the first block to the last statistic
    # The company's per-path values of the summary metrics a report draws whole (ENDS), shape (paths,): its
    # histograms.  Not part of the result document (SPEC 5), which holds statistics only.
    ends: dict[str, np.ndarray] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    # Each program against the same scenario without it (SPEC 2.7), by name: PROGRAM_EFFECTS' statistics.
    programs: dict[str, dict[str, SummaryStatistic]] = dataclasses.field(default_factory=dict)
    # The per-path figures a program is judged on (program_basis), while the counterfactuals run.
    basis: dict[str, np.ndarray] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def paths(self) -> int:
        return self.scenario.simulation.paths

    @property
    def seed(self) -> int:
        seed = self.scenario.simulation.seed
        assert seed is not None
        return seed

    @property
    def horizon_months(self) -> int:
        return self.scenario.horizon_months

    @property
    def months(self) -> list[int]:
        return list(range(1, self.scenario.horizon_months + 1))


class SimulationRun:
    """One run of a scenario; iterate :meth:`progress`, then read :attr:`numbers`."""

    def __init__(self, scenario: Scenario, *, workers: int | None = None):
        if scenario.simulation.seed is None:
            scenario = with_overrides(scenario)
        self.scenario = scenario
        self.workers = workers or default_workers()
        self.numbers: Numbers | None = None

    def progress(self) -> Iterator[tuple[int, int]]:
        """``(paths_done, paths_total)`` after each block: the run's, then each program's counterfactual
        (SPEC 2.7: the same scenario without it, same seed and paths)."""
        check_memory(self.scenario)
        started = time.perf_counter()
        outputs: list[BlockOutput] = []
        runs = 1 + len(self.scenario.programs)
        paths = self.scenario.simulation.paths
        for done, _ in run_blocks(self.scenario, self.workers, outputs):
            yield done, runs * paths
        numbers = build_numbers(self.scenario, outputs, 0.0)
        programs: dict[str, dict[str, SummaryStatistic]] = {}
        for k, program in enumerate(self.scenario.programs):
            without: list[BlockOutput] = []
            for done, _ in run_blocks(without_program(self.scenario, k), self.workers, without):
                yield (1 + k) * paths + done, runs * paths
            _, raw = raw_per_path(self.scenario, without)
            effects = program_effects(self.scenario, k, numbers.basis, program_basis(raw))
            programs[program.name] = {
                name: SummaryStatistic.from_json(describe_summary(values)) for name, values in effects.items()
            }
        # statistics included
        self.numbers = dataclasses.replace(
            numbers, programs=programs, basis={}, elapsed_s=round(time.perf_counter() - started, 4)
        )


def run_blocks(scenario: Scenario, workers: int, outputs: list[BlockOutput]) -> Iterator[tuple[int, int]]:
    """Run every block, on ``workers`` threads; yield ``(paths_done, paths_total)`` as they finish.

    Blocks write their rows of one set of arrays; at the end ``outputs`` holds
    the whole run as one :class:`BlockOutput`.
    Closing the generator early cancels the blocks not yet started.
    """
    sizes = block_sizes(scenario.simulation.paths)
    total, done = sum(sizes), 0
    out = Outputs(scenario, total)
    starts = [sum(sizes[:b]) for b in range(len(sizes))]
    blocks: list[BlockOutput | None] = [None] * len(sizes)
    if workers == 1 or len(sizes) == 1:
        for block, size in enumerate(sizes):
            blocks[block] = run_block(scenario, block, size, out, starts[block])
            done += size
            yield done, total
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: dict[Future[BlockOutput], int] = {
                pool.submit(run_block, scenario, block, size, out, starts[block]): block
                for block, size in enumerate(sizes)
            }
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        block = pending.pop(future)
                        blocks[block] = future.result()
                        done += sizes[block]
                    yield done, total
            finally:
                for future in pending:
                    future.cancel()
    # Every block wrote its rows of the same arrays: the run is one output, summed cohorts in block order.
    ran = [b for b in blocks if b is not None]  # every block, all having run
    outputs[:] = [out.view(0, total, _total(b.cohort_customers for b in ran), _total(b.cohort_mrr for b in ran))]


def _total(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """The arrays added up in order by ``sum()``."""
    return cast(np.ndarray, sum(arrays))


def simulate(scenario: Scenario, *, workers: int | None = None) -> Numbers:
    """Run the scenario to the end and return its numbers (:func:`saas_sim.analysis.run.run_scenario`
    gives the result document)."""
    run = SimulationRun(scenario, workers=workers)
    for _ in run.progress():
        pass
    assert run.numbers is not None
    return run.numbers


def simulate_per_path(
    scenario: Scenario, *, workers: int | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Per-path series and summaries ``(company, segments)`` without aggregation.

    ``company`` is ``{"series": {name: (paths, months)}, "summary": {name: (paths,)}}``;
    ``segments`` maps each segment name to the same shape of dict.
    """
    scenario = scenario if scenario.simulation.seed is not None else with_overrides(scenario)
    check_memory(scenario)
    outputs: list[BlockOutput] = []
    for _ in run_blocks(scenario, workers or default_workers(), outputs):
        pass
    return per_path(scenario, outputs)


def _concat(outputs: list[BlockOutput], pick: Callable[[BlockOutput], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Join the blocks' arrays path-wise (one output: its arrays as they are, no copy)."""
    if len(outputs) == 1:
        return dict(pick(outputs[0]))
    names = list(pick(outputs[0]))
    return {name: np.concatenate([pick(o).pop(name) for o in outputs], axis=0) for name in names}


def _segment_of(name: str) -> Callable[[BlockOutput], dict[str, np.ndarray]]:
    """What picks segment ``name``'s arrays out of a block's output."""
    return lambda output: output.segments[name]


def _added(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """The arrays' sum, added in order into one new array: as ``np.sum(..., axis=0)``, without stacking them."""
    each = iter(arrays)
    total = np.array(next(each), dtype=float)
    for array in each:
        total += array
    return total


def company_raw(segments: list[dict[str, np.ndarray]], company: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Company raw series: segments added up, MRR accumulated from its own bridge.

    The company's net new MRR is formed from the company's movements, so that
    both identities of SPEC 3.1 hold to the bit; company MRR then equals the
    sum of the segments' up to rounding.
    """
    if len(segments) == 1:  # the segment's arrays serve the company too: no copies
        raw = {name: segments[0][name] for name in ADDITIVE}
        raw["churned_mrr"] = raw["churned_mrr"].copy()
    else:
        with ThreadPoolExecutor(max_workers=default_workers()) as pool:  # numpy adds without the GIL
            raw = dict(zip(ADDITIVE, pool.map(lambda name: _added(s[name] for s in segments), ADDITIVE)))
    raw["acquisition_spend"] = company["acquisition_spend"]
    _company_only_movements(raw, segments, company)
    mrr = np.empty_like(raw["new_mrr"])
    level = raw["mrr0"]
    emptied = (raw["customers"] - raw["paid_new"] - raw["referral_new"]) == 0
    for col in range(mrr.shape[1]):
        # As in each segment: when every account left, all of last month's MRR churned.
        raw["churned_mrr"][:, col] = np.where(emptied[:, col], level, raw["churned_mrr"][:, col])
        level = level + (
            raw["new_mrr"][:, col]
            + raw["expansion_mrr"][:, col]
            - raw["contraction_mrr"][:, col]
            - raw["churned_mrr"][:, col]
        )
        mrr[:, col] = level
    raw["net_new_mrr"] = raw["new_mrr"] + raw["expansion_mrr"] - raw["contraction_mrr"] - raw["churned_mrr"]
    raw["mrr"] = mrr
    for name in ("fixed_costs", "cash", "cash_in", "starting_cash", "closed", "funding_in", "csm_headcount"):
        raw[name] = company[name]
    return raw


def _company_only_movements(
    raw: dict[str, np.ndarray], segments: list[dict[str, np.ndarray]], company: dict[str, np.ndarray]
) -> None:
    """What the company has beyond the sum of its segments: the cost of customer-success managers and
    programs (SPEC 2.7), the MRR a move between segments adds or removes (its expansion and
    contraction), and its 12-month retention of the accounts that moved within the year (2.8)."""
    extra = company["cs_extra"]
    if extra.any():
        raw["cs_cost"] = raw["cs_cost"] + extra
    if "moved_expansion_mrr" not in segments[0]:
        return
    for name, into in (
        ("moved_expansion_mrr", "expansion_mrr"),
        ("moved_contraction_mrr", "contraction_mrr"),
        ("nrr_12m_moved", "nrr_12m_numerator"),
        ("grr_12m_moved", "grr_12m_numerator"),
    ):
        raw[into] = raw[into] + _added(s[name] for s in segments)


def raw_per_path(
    scenario: Scenario, outputs: list[BlockOutput]
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """The raw per-path series of every segment and of the company; consumes ``outputs``."""
    seg_raw = {s.name: _concat(outputs, _segment_of(s.name)) for s in scenario.segments}
    company_out = _concat(outputs, lambda o: o.company)
    raw = company_raw(list(seg_raw.values()), company_out)
    if scenario.company.when_out_of_cash == "shut_down":  # a segment's retention at the end reads it too
        for seg in seg_raw.values():
            seg["closed"] = company_out["closed"]
    raw.update(metrics.weighted_unit_economics(list(seg_raw.values())))
    return seg_raw, raw


def view(raw: dict[str, np.ndarray], *, company: bool, lazy: bool = False) -> dict[str, Any]:
    """Per-path ``{"series": ..., "summary": ...}`` of the company or one segment.

    With ``lazy=True`` the series are a :class:`~saas_sim.model.metrics.LazySeries`,
    computed each time one is read: for describing them one at a time.
    """
    series = metrics.LazySeries(raw, company=company) if lazy else metrics.segment_series(raw, company=company)
    return {"series": series, "summary": metrics.summary(series, raw, company=company)}


def per_path(scenario: Scenario, outputs: list[BlockOutput]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Per-path series and summaries ``(company, segments)``; consumes ``outputs``."""
    seg_raw, raw = raw_per_path(scenario, outputs)
    segments = {name: view(seg, company=False) for name, seg in seg_raw.items()}
    return view(raw, company=True), segments


def _described(per_path_view: dict[str, Any]) -> Segment:
    """Statistics of every series and summary of a view (the company's or a segment's, held as a
    :class:`~saas_sim.model.result.Segment` holds them), on one thread per core (the kernels run without the GIL).

    Each worker computes a series, describes it and lets it go, so that memory
    holds one series per worker; names that share an array (``revenue`` is
    ``mrr``) are described once.
    """
    series, summary = per_path_view["series"], per_path_view["summary"]
    recipe = series.recipe if isinstance(series, metrics.LazySeries) else (lambda name: id(series[name]))
    first: dict[object, str] = {}  # the first name of each distinct series
    for name in series:
        first.setdefault(recipe(name), name)
    with ThreadPoolExecutor(max_workers=default_workers()) as pool:
        described = dict(zip(first, pool.map(lambda name: describe(series[name]), first.values())))
        summaries = dict(
            zip(
                summary,
                pool.map(lambda name: describe_summary(summary[name], never=name in NEVER_SUMMARY), summary),
            )
        )
    return Segment(
        {name: Statistic.from_json(described[recipe(name)]) for name in series},
        {name: SummaryStatistic.from_json(stats) for name, stats in summaries.items()},
    )


def build_numbers(scenario: Scenario, outputs: list[BlockOutput], elapsed_s: float) -> Numbers:
    """The run's statistics from every block's output (consumed).

    One view (a segment, then the company) is expanded into its per-path
    series at a time, so memory holds the raw series plus one view.
    """
    cohort_customers = _total(o.cohort_customers for o in outputs)
    cohort_mrr = _total(o.cohort_mrr for o in outputs)
    seg_raw, raw = raw_per_path(scenario, outputs)
    # With one segment the company's series are the segment's, unless the company pays for customer-success
    # managers or programs (SPEC 2.7), which are its own costs.
    one_segment = len(seg_raw) == 1 and not has_company_costs(scenario)
    # With one segment the company's series are the segment's, to the bit: described once.
    segments = (
        {} if one_segment else {name: _described(view(seg, company=False, lazy=True)) for name, seg in seg_raw.items()}
    )
    company_view = view(raw, company=True, lazy=True)
    company = _described(company_view)
    ends = {name: np.asarray(company_view["summary"][name], dtype=np.float64) for name in ENDS}
    basis = program_basis(raw) if scenario.programs else {}
    if one_segment:
        name = next(iter(seg_raw))
        nothing_moved = Statistic.from_json(describe(np.zeros_like(seg_raw[name]["customers"])))
        segments = {
            name: Segment(
                {
                    **{k: v for k, v in company.series.items() if k not in COMPANY_ONLY_SERIES},
                    **dict.fromkeys(SEGMENT_ONLY_SERIES, nothing_moved),  # one segment: nowhere to move
                },
                {k: v for k, v in company.summary.items() if k not in COMPANY_ONLY_SUMMARY},
            )
        }
    return Numbers(
        scenario=scenario,
        series=company.series,
        segments=segments,
        summary=company.summary,
        cohorts=Cohorts(cohort_table(cohort_customers), cohort_table(cohort_mrr)),
        elapsed_s=round(elapsed_s, 4),
        ends=ends,
        basis=basis,
    )


# -- Programs against the same scenario without them (SPEC 2.7) -------------------------------------

PROGRAM_EFFECTS = ("cost", "saved_customers", "saved_arr", "extra_gross_profit", "roi", "roi_arr", "churn_change_pp")


def _nothing_like(value: Number) -> Number:
    """0 in the form of ``value``: an uncertain value stays a distribution (of 0), so that every other
    uncertain value of the scenario is drawn from the same normal as before."""
    return Distribution("uniform", (("low", 0.0), ("high", 0.0))) if isinstance(value, Distribution) else 0.0


def without_program(scenario: Scenario, k: int) -> Scenario:
    """The scenario with program ``k`` doing nothing and costing nothing: the same draws, and the same
    months of change (its first and last stay), so that both runs read the same uniforms per path."""
    program = scenario.programs[k]
    idle = dataclasses.replace(
        program,
        cost_monthly=_nothing_like(program.cost_monthly),
        churn_change=_nothing_like(program.churn_change),
        expansion_change=_nothing_like(program.expansion_change),
    )
    programs = list(scenario.programs)
    programs[k] = idle
    return dataclasses.replace(scenario, programs=tuple(programs))


def program_basis(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The company's per-path figures a program is judged on: customers, ARR and annualized logo churn
    at the end, gross profit over the horizon, and the months it was still open (a program costs
    nothing once the company has shut down)."""
    series = metrics.LazySeries(raw, company=True)
    summary = metrics.summary(series, raw, company=True, metrics=[METRICS["annualized_logo_churn_end"]])
    return {
        "customers_end": series["customers"][:, -1].copy(),
        "arr_end": series["arr"][:, -1].copy(),
        "gross_profit": series["gross_profit"].sum(axis=1),
        "annualized_logo_churn_end": summary["annualized_logo_churn_end"],
        "open": 1.0 - raw["closed"],
    }


def program_effects(
    scenario: Scenario, k: int, with_it: dict[str, np.ndarray], without: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Program ``k``'s effects per path (SPEC 2.7), from the run with it and the run without."""
    program = scenario.programs[k]
    H = scenario.horizon_months
    first, last = program.from_month, min(program.to_month or H, H)
    monthly = np.concatenate(
        [
            np.broadcast_to(
                draw_values(scenario, block_generator(scenario.simulation.seed, block), size)[
                    f"programs.{program.name}.cost_monthly"
                ],
                (size,),
            )
            for block, size in enumerate(block_sizes(scenario.simulation.paths))
        ]
    )
    cost = monthly * with_it["open"][:, first - 1 : last].sum(axis=1)
    extra = with_it["gross_profit"] - without["gross_profit"]
    saved_arr = with_it["arr_end"] - without["arr_end"]
    return {
        "cost": cost,
        "saved_customers": with_it["customers_end"] - without["customers_end"],
        "saved_arr": saved_arr,
        "extra_gross_profit": extra,
        "roi": ratio(extra - cost, cost),
        "roi_arr": ratio(saved_arr, cost),
        "churn_change_pp": 100.0 * (with_it["annualized_logo_churn_end"] - without["annualized_logo_churn_end"]),
    }


def program_effect_per_path(scenario: Scenario, program: str, effect: str, *, workers: int | None = None) -> np.ndarray:
    """One effect of one program per path (SPEC 2.7): the run with it against the run without; for
    analyses that read a program's effect (``goal --target "programs.Save.roi_arr >= 2"``)."""
    scenario = scenario if scenario.simulation.seed is not None else with_overrides(scenario)
    k = [p.name for p in scenario.programs].index(program)
    check_memory(scenario)
    bases = []
    for run in (scenario, without_program(scenario, k)):
        outputs: list[BlockOutput] = []
        for _ in run_blocks(run, workers or default_workers(), outputs):
            pass
        bases.append(program_basis(raw_per_path(scenario, outputs)[1]))
    return program_effects(scenario, k, bases[0], bases[1])[effect]


def has_company_costs(scenario: Scenario) -> bool:
    """Whether the company has costs of its own beyond its segments': managers or programs (SPEC 2.7)."""
    return bool(scenario.programs) or scenario.company.customer_success is not None


def cohort_table(totals: np.ndarray) -> list[list[float | None]]:
    """``[k][a]`` = total at tenure ``a`` / total at tenure 0 for signup month ``k + 1``."""
    H = totals.shape[0]
    table = []
    for k in range(H):
        joined = totals[k, 0]
        row = totals[k, : H - k]
        table.append([float(v / joined) if joined > 0 else None for v in row])
    return table


# -- One summary metric, and unit economics without months (goal seek, sensitivity) ----------------


def simulate_summary(scenario: Scenario, metric: str, *, workers: int | None = None) -> np.ndarray:
    """The company's per-path values of one summary metric (SPEC 3.2), shape ``(paths,)``.

    The same run as :func:`simulate_per_path`, but only the series that metric
    reads are formed (each once per read, none kept), and no other summary:
    for analyses that read one metric of many runs.
    """
    scenario = scenario if scenario.simulation.seed is not None else with_overrides(scenario)
    check_memory(scenario)
    outputs: list[BlockOutput] = []
    for _ in run_blocks(scenario, workers or default_workers(), outputs):
        pass
    _, raw = raw_per_path(scenario, outputs)
    series = metrics.LazySeries(raw, company=True)
    return metrics.summary(series, raw, company=True, metrics=[METRICS[metric]])[metric]


def closed_form_applies(scenario: Scenario, metric: str) -> bool:
    """Whether the company's ``metric`` follows from the drawn parameters alone (:func:`unit_economics_per_path`).

    A unit-economics metric of a one-segment scenario does; with more
    segments the company's is the segments' weighted by their new accounts on
    each path (SPEC 3.2), which only the months tell.
    """
    return metric in UNIT_ECONOMICS and len(scenario.segments) == 1


def unit_economics_per_path(scenario: Scenario) -> dict[str, np.ndarray]:
    """The company's per-path unit economics (SPEC 3.2) of a one-segment scenario, without simulating a month.

    Each block of paths draws its parameters as a run's block does (same
    seed, same generator: :func:`run_block`), and the kernel's own closed
    forms are evaluated on its month-1 parameters: the values a run of the
    scenario reports, to the bit (with one segment the company's are the
    segment's).  A run would also stop where the months diverge; this does
    not simulate them, so it cannot tell.
    """
    if len(scenario.segments) != 1:
        raise ValueError("the company's unit economics of several segments need the months simulated")
    scenario = scenario if scenario.simulation.seed is not None else with_overrides(scenario)
    blocks = []
    for block, size in enumerate(block_sizes(scenario.simulation.paths)):
        values = draw_values(scenario, block_generator(scenario.simulation.seed, block), size)
        (segment,) = kernel.month1_segments(scenario, values)
        blocks.append(kernel.unit_economics(segment, values))
    return {name: np.concatenate([b[name] for b in blocks]) for name in UNIT_ECONOMICS}
