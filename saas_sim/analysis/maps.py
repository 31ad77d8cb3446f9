"""The vicious/virtuous map (SPEC 8, ``saas-sim map``): one metric over a grid of two inputs.

Every cell is the scenario with its two inputs set to the cell's values, run with the scenario's
seed and paths (common random numbers: neighbouring cells differ only by their inputs, so the
boundary between the vicious and the virtuous cycle is smooth, not Monte-Carlo noise), and read
through one statistic: the p50, or the mean of a probability (``out_of_cash``) and of a program's
effect (:func:`~saas_sim.analysis.fields.statistic_name`).

An input that is uncertain in the scenario (``churn: 2%..4%``) keeps its uncertainty: its
distribution is scaled so that its median is the cell's value, as sensitivity swings it
(:func:`~saas_sim.analysis.fields.scale_distribution`), and the scenario's own point is the median.
A value of the other sign than the median, or a median of 0, sets a plain value.

Cells are independent tasks.  They run in this process (``workers=1``), on local processes
(:mod:`saas_sim.analysis.processes`: safe beside threads and from scripts without a main guard), or
on an existing Dask distributed cluster (``scheduler="tcp://HOST:PORT"``, the optional extra
``saas-sim[cluster]``).  A cell's value depends on the scenario and the cell alone, never on where
or with how many threads it ran, so every way gives the same map, to the bit.
"""

from __future__ import annotations

import math
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import numpy as np

from saas_sim.analysis.diagnosis import BOUNDARIES, grade
from saas_sim.analysis.fields import (
    bounds,
    check_metric,
    find_field,
    metric_per_path,
    point_value,
    scale_distribution,
    set_field,
    statistic,
    statistic_name,
    why_not_varied,
)
from saas_sim.analysis.processes import process_pool, stop_pool
from saas_sim.engine.simulate import ENGINE_VERSION, default_workers, with_overrides
from saas_sim.errors import InputError, SaasSimError, SimulationDiverged
from saas_sim.model.catalog.metrics import METRICS
from saas_sim.model.scenario import Distribution, Scenario

DEFAULT_METRIC = "out_of_cash"
DEFAULT_STEPS = 15
# The paths of every cell when the caller gives none: the scenario's, at most this many.  A map reads one
# statistic per cell, and with common random numbers its boundaries are smooth well before: at 1,000 paths a
# probability is within 1.6 points (one standard error) and a 15 x 15 map of the starter takes 8 s on 2 cores,
# against 15 s at its own 2,000 (benchmarks/map.py).
MAP_PATHS = 1000
MAX_STEPS = 200
# Seconds from starting two worker processes to their first results (imports included) on this project's
# 2-core machine: 0.6 s idle, 1.8 s at a load of 4.  A map that would save less by them runs in this process.
PROCESS_START_S = 1.0
SCHEMA = "saas-sim.map/1"
CLUSTER_EXTRA = "pip install 'saas-sim[cluster]'"
# How long a cluster may take to run the first task (the engine's version) before the map says it has no worker
# that can: workers that cannot import saas-sim die on their first task, and Dask would wait for others forever.
# Long enough for an adaptive cluster to start a worker.
CLUSTER_WAIT_S = 120.0

# a field may hold spaces (a segment named "Key accounts"), not at its ends
_AXIS = re.compile(r"\s*(?P<field>[^=\s](?:[^=]*[^=\s])?)\s*=\s*(?P<low>.+?)\s*\.\.\s*(?P<high>.+?)\s*")


@dataclass(frozen=True)
class Axis:
    """One input of the map and the values it takes, in order from LOW to HIGH."""

    field: str
    values: tuple[float, ...]
    log: bool
    base: float  # the scenario's own value (an uncertain input's median)

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "values": list(self.values), "log": self.log}


def parse_axis(text: str) -> tuple[str, float, float]:
    """``"segments.Shops.cac=500..5000"`` -> ``(field, 500.0, 5000.0)``; values as scenario files write them
    (``1%``, ``1.2k``, ``$5,000``).  :class:`InputError` with the bare message (the caller names the option)."""
    from saas_sim.io.values import parse_number_text

    match = _AXIS.fullmatch(text)
    if match is not None and "..." in text.partition("=")[2]:  # '1M...5M' would read as 1M..0.5M
        raise InputError([f"'{text}' has three dots: write LOW..HIGH with two, such as 1M..5M"])
    if match is None:
        raise InputError([f"must be FIELD=LOW..HIGH, such as segments.SMB.churn.monthly=1%..8%, got '{text}'"])
    ends = []
    for side in ("low", "high"):
        value = parse_number_text(match[side])
        if value is None or not math.isfinite(value):
            raise InputError([f"the {side} end of '{text}' is not a number: '{match[side]}'"])
        ends.append(value)
    if ends[0] == ends[1]:
        raise InputError([f"LOW and HIGH of '{text}' are the same value: a map needs a range"])
    return match["field"], ends[0], ends[1]


def make_axis(scenario: Scenario, field: str, low: float, high: float, steps: int, log: bool) -> Axis:
    """The axis of ``field`` from ``low`` to ``high`` in ``steps`` values, evenly or log-spaced, checked against
    the field's valid range.  A whole-number field takes whole values, each once (perhaps fewer than ``steps``)."""
    found = find_field(scenario, field)  # an InputError with a guess for a field that is none
    reason = why_not_varied(field)
    if reason is not None:
        raise InputError([f"'{field}' cannot be mapped: {reason}"])
    least, most = bounds(found.rule)
    # bounds() lifts the limit every amount has (1e15) for goal seek; a map's cells run the values as given
    lowest, highest = found.rule.clip_bounds()
    outside = [v for v in (low, high) if not max(least, lowest) <= v <= min(most, highest)]
    if outside:
        # as a scenario file says it of 'churn.monthly: 3': a rate typed as a percentage without its sign
        rate = found.rule.rate and max(low, high) >= 2 and all(found.rule.contains(v / 100) for v in (low, high))
        hint = f": write {low:g}%..{high:g}%" if rate else ""
        raise InputError([f"{field} {found.rule.allowed()}, got {outside[0]:g}{hint}"])
    if found.whole and not (float(low).is_integer() and float(high).is_integer()):
        raise InputError([f"{field} takes whole numbers, got {low:g}..{high:g}"])
    if log and (low <= 0 or high <= 0):
        raise InputError([f"--log needs LOW and HIGH above 0, got {low:g}..{high:g} for {field}"])
    values = np.geomspace(low, high, steps) if log else np.linspace(low, high, steps)
    # Twelve significant digits: 4.5 % is 0.045, not linspace's 0.045000000000000005; the cells run these values.
    values = np.array([float(f"{v:.12g}") for v in values])
    values[0], values[-1] = low, high  # the ends exactly as written
    if found.whole:
        values = np.round(values)
        _, first = np.unique(values, return_index=True)
        values = values[np.sort(first)]
    return Axis(field, tuple(float(v) for v in values), log, point_value(found.value, found.rule))


def at_value(scenario: Scenario, field: str, value: float) -> Scenario:
    """The scenario with ``field`` at ``value``: an uncertain input scaled so that its median is ``value``
    (as sensitivity swings it), else set plain."""
    found = find_field(scenario, field)
    if isinstance(found.value, Distribution):
        median = point_value(found.value, found.rule)
        if median != 0 and value / median > 0:
            return set_field(scenario, field, scale_distribution(found.value, value / median))
    return set_field(scenario, field, value)


@dataclass(frozen=True)
class Cell:
    """What one cell gives: the statistic (``inf``: a payback that never comes; None: undefined on every
    path, or diverged) and, when it diverged, why."""

    value: float | None
    diverged: str | None = None


def at_point(scenario: Scenario, x_field: str, x: float, y_field: str, y: float) -> Scenario:
    """The scenario at one point of the map: both inputs set (:func:`at_value`)."""
    return at_value(at_value(scenario, x_field, x), y_field, y)


def run_cell(scenario: Scenario, metric: str, x_field: str, x: float, y_field: str, y: float) -> Cell:
    """One cell of the map, on one thread: the task every way of running the map runs."""
    cell = at_point(scenario, x_field, x, y_field, y)
    try:
        values = metric_per_path(cell, metric, workers=1)
    except SimulationDiverged as error:
        return Cell(None, str(error.problems[0]))
    return Cell(statistic(values, metric))


def engine_version() -> str:
    """The engine's version where this runs (a cluster's workers must run the same engine)."""
    return ENGINE_VERSION


@dataclass(frozen=True)
class MapResult:
    """A finished map: ``values[row][col]`` is the statistic at ``y.values[row]``, ``x.values[col]``."""

    scenario_name: str
    currency: str
    metric: str
    statistic: str
    x: Axis
    y: Axis
    values: tuple[tuple[float | None, ...], ...]
    diverged: tuple[tuple[int, int, str], ...]
    paths: int
    seed: int
    horizon_months: int

    @property
    def boundaries(self) -> tuple[float, ...]:
        """The diagnosis thresholds of the metric (SPEC 3.4), empty for a metric the diagnosis does not check."""
        return BOUNDARIES.get(self.metric, ())

    @property
    def better(self) -> str | None:
        """``"higher"`` or ``"lower"``: which way the metric is better, as the catalog says; None: neither."""
        found = METRICS.get(self.metric)
        return None if found is None else found.better

    def grades(self) -> list[list[str | None]] | None:
        """Each cell's grade of SPEC 3.4 (``ok``, ``warn``, ``bad``, ``n/a``), or None for an unchecked metric."""
        if not self.boundaries:
            return None
        return [[grade(self.metric, value) for value in row] for row in self.values]

    def to_json(self) -> dict[str, Any]:
        """SPEC 8: ``{"x", "y", "metric", "statistic", "values", "base"}``, plus what reproduces and reads it.

        A payback that never comes (``inf``) is null in ``values`` and listed in ``never`` as ``[row, col]``;
        a cell whose run diverged is null and listed in ``diverged`` with why.  Nothing in it depends on how
        the map was run (processes, cluster) or how long it took: the same map is the same document.
        """
        never = [[r, c] for r, row in enumerate(self.values) for c, v in enumerate(row) if v == math.inf]
        return {
            "schema": SCHEMA,
            "engine_version": ENGINE_VERSION,
            "scenario": self.scenario_name,
            "x": self.x.to_json(),
            "y": self.y.to_json(),
            "metric": self.metric,
            "statistic": self.statistic,
            "values": [[None if v is None or not math.isfinite(v) else v for v in row] for row in self.values],
            "base": {"x": self.x.base, "y": self.y.base},
            "thresholds": list(self.boundaries),
            "grades": self.grades(),
            "better": self.better,
            "never": never,
            "diverged": [{"row": r, "col": c, "why": why} for r, c, why in self.diverged],
            "paths": self.paths,
            "seed": self.seed,
            "horizon_months": self.horizon_months,
            "currency": self.currency,
        }


class MapAnalysis:
    """One map; iterate :meth:`progress` (cells done, cells in all), then read :attr:`result`.

    ``paths`` and ``seed``: of every cell (default: the scenario's seed, and its paths up to :data:`MAP_PATHS`).
    ``workers``: local processes (default: one per core, at most eight; 1 runs the cells in this
    process); ``scheduler``: the address of a Dask distributed scheduler instead; ``pool``: a process
    pool of the caller's to reuse (:func:`~saas_sim.analysis.processes.process_pool`), left running.
    Closing the generator early (or ctrl+c while it runs) cancels the cells not done: the processes
    are stopped, the cluster's tasks cancelled.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        x: tuple[str, float, float],
        y: tuple[str, float, float],
        steps: int = DEFAULT_STEPS,
        log: bool = False,
        metric: str = DEFAULT_METRIC,
        paths: int | None = None,
        seed: int | None = None,
        workers: int | None = None,
        scheduler: str | None = None,
        pool: ProcessPoolExecutor | None = None,
    ):
        if not 2 <= steps <= MAX_STEPS:
            raise InputError([f"must be a whole number from 2 to {MAX_STEPS}, got {steps}"])
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be 1 or more, got {workers}")
        paths = paths if paths is not None else min(scenario.simulation.paths, MAP_PATHS)
        # one seed and one path count for every cell: common random numbers
        self.scenario = with_overrides(scenario, paths=paths, seed=seed)
        self.metric = check_metric(metric, self.scenario)
        if x[0] == y[0]:
            raise InputError([f"--x and --y name the same input '{x[0]}': a map needs two different inputs"])
        self.x = make_axis(self.scenario, *x, steps, log)
        self.y = make_axis(self.scenario, *y, steps, log)
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self.pool = pool
        self.result: MapResult | None = None

    @property
    def cells(self) -> list[tuple[int, int]]:
        """``(row, col)`` of every cell, row by row (rows are y values)."""
        return [(r, c) for r in range(len(self.y.values)) for c in range(len(self.x.values))]

    def progress(self) -> Iterator[tuple[int, int]]:
        cells = self.cells
        total = len(cells)
        found: dict[tuple[int, int], Cell] = {}
        yield 0, total
        if self.scheduler is not None:
            outcomes = self._on_cluster(cells)
        elif self.pool is not None:
            outcomes = self._on_processes(cells)
        elif self.workers > 1 and total > 1:
            outcomes = self._here_then_processes(cells)
        else:
            outcomes = self._here(cells)
        for done, (where, cell) in enumerate(outcomes, start=1):
            found[where] = cell
            yield done, total
        values = tuple(tuple(found[r, c].value for c in range(len(self.x.values))) for r in range(len(self.y.values)))
        diverged = tuple((r, c, cell.diverged) for (r, c), cell in sorted(found.items()) if cell.diverged)
        sim = self.scenario.simulation
        assert sim.seed is not None  # with_overrides gave the scenario its seed
        self.result = MapResult(
            self.scenario.name,
            self.scenario.currency,
            self.metric,
            statistic_name(self.metric),
            self.x,
            self.y,
            values,
            diverged,
            sim.paths,
            sim.seed,
            self.scenario.horizon_months,
        )

    def point(self, where: tuple[int, int]) -> tuple[str, float, str, float]:
        """``(x field, x, y field, y)`` of the cell at ``(row, col)``."""
        r, c = where
        return self.x.field, self.x.values[c], self.y.field, self.y.values[r]

    def _here(self, cells: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], Cell]]:
        for where in cells:
            yield where, run_cell(self.scenario, self.metric, *self.point(where))

    def _here_then_processes(self, cells: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], Cell]]:
        """Two cells here, the second timed (the first pays for loading the engine); the others on processes
        when that saves time, else here too: starting workers costs about :data:`PROCESS_START_S`, which a
        small map does not earn back."""
        yield cells[0], run_cell(self.scenario, self.metric, *self.point(cells[0]))
        if len(cells) == 1:
            return
        started = time.perf_counter()
        yield cells[1], run_cell(self.scenario, self.metric, *self.point(cells[1]))
        rest = cells[2:]
        if not rest:
            return
        workers = min(self.workers, len(rest))
        saved = len(rest) * (time.perf_counter() - started) * (1 - 1 / workers)
        yield from self._on_processes(rest) if saved > PROCESS_START_S else self._here(rest)

    def _on_processes(self, cells: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], Cell]]:
        pool = self.pool or process_pool(min(self.workers, len(cells)))
        pending: dict[Future[Cell], tuple[int, int]] = {}
        finished_cleanly = False
        try:
            for where in cells:
                pending[pool.submit(run_cell, self.scenario, self.metric, *self.point(where))] = where
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
            finished_cleanly = True
        finally:
            if self.pool is None:
                if finished_cleanly:
                    pool.shutdown()
                else:
                    stop_pool(pool)
            else:
                for future in pending:
                    future.cancel()

    def _on_cluster(self, cells: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], Cell]]:
        try:
            from distributed import Client, as_completed
            from distributed.comm.core import CommClosedError
        except ImportError:
            raise InputError(
                [f"--scheduler needs Dask distributed, the optional extra of saas-sim: {CLUSTER_EXTRA}"]
            ) from None
        assert self.scheduler is not None
        refused = _refused(self.scheduler)
        if refused is not None:
            raise SaasSimError(f"cannot reach the Dask scheduler at {self.scheduler}: {refused}")
        try:
            client = Client(self.scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise SaasSimError(f"cannot reach the Dask scheduler at {self.scheduler}: {error}") from None
        futures: dict[Any, tuple[int, int]] = {}
        try:
            try:
                theirs = client.submit(engine_version, pure=False).result(timeout=CLUSTER_WAIT_S)
            except TimeoutError:
                raise SaasSimError(
                    f"no worker of the Dask scheduler at {self.scheduler} ran a task in {CLUSTER_WAIT_S:g} s: "
                    "has it workers, and saas-sim installed on them?"
                ) from None
            except ImportError as error:
                raise SaasSimError(
                    f"the cluster's workers cannot import saas-sim ({error}): install it there"
                ) from None
            if theirs != ENGINE_VERSION:
                raise SaasSimError(
                    f"the cluster's workers run saas-sim engine {theirs}, this one {ENGINE_VERSION}: "
                    "install the same saas-sim on both, or their maps would differ"
                )
            shared = client.scatter(self.scenario, broadcast=True, hash=False)
            for where in cells:
                future = client.submit(run_cell, shared, self.metric, *self.point(where), pure=False)
                futures[future] = where
            try:
                for future in as_completed(list(futures), loop=client.loop):  # this client's, not a default one
                    yield futures.pop(future), future.result()
            except Exception as error:
                # The cluster's failure, not a cell's own: a closed connection, or whatever Dask's internals raise
                # while their client reconnects (CI saw "dictionary changed size during iteration").
                if isinstance(error, (CommClosedError, CancelledError)) or client.status != "running":
                    raise SaasSimError(
                        f"lost the Dask scheduler at {self.scheduler} while the map ran (its connection closed)"
                    ) from None
                raise
        finally:
            if futures:
                with suppress(Exception):  # a client that lost its scheduler has nothing left to cancel
                    client.cancel(list(futures), force=True)
            try:
                client.close(timeout=5)
            except Exception:  # a lost scheduler cannot be told goodbye; the map's own error says why
                pass
            finally:
                client.status = "closed"  # else Client.__del__ tries again at exit and prints its traceback


def _refused(address: str) -> str | None:
    """Why nobody answers at a ``tcp://HOST:PORT`` address at once, else None.  Dask retries a refused connection
    for its whole timeout (a scheduler may be starting); a map asked of a port nobody listens on says so now."""
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port out of range: Dask's own error says it
        return None
    if parts.scheme != "tcp" or host is None or port is None:
        return None
    try:
        with socket.create_connection((host, port), timeout=10):
            return None
    except ConnectionRefusedError:
        return "nobody listens there (connection refused)"
    except socket.gaierror:
        return f"no such host '{host}'"
    except OSError:  # a timeout, no route: Dask tries and tells
        return None


def cell_scenario(analysis: MapAnalysis, row: int, col: int) -> Scenario:
    """The scenario of one cell of a map (to run it whole: ``saas-sim run`` of its point)."""
    return at_point(analysis.scenario, *analysis.point((row, col)))


def map_scenario(scenario: Scenario, **options: Any) -> MapResult:
    """Run a :class:`MapAnalysis` to the end and return its result."""
    analysis = MapAnalysis(scenario, **options)
    for _ in analysis.progress():
        pass
    assert analysis.result is not None
    return analysis.result


__all__ = [
    "DEFAULT_METRIC",
    "DEFAULT_STEPS",
    "MAP_PATHS",
    "Axis",
    "Cell",
    "MapAnalysis",
    "MapResult",
    "at_value",
    "cell_scenario",
    "make_axis",
    "map_scenario",
    "parse_axis",
    "run_cell",
]
