"""A run of a scenario as the result document of SPEC 5: the engine's numbers, the normalized
scenario and the diagnosis, put together above the engine.

:class:`ScenarioRun` is the engine's :class:`~saas_sim.engine.simulate.SimulationRun` with a
:class:`~saas_sim.model.result.Result` at its end: iterate :meth:`ScenarioRun.progress` (``(paths_done,
paths_total)`` after each block; closing it early cancels the blocks not yet started), then read
:attr:`ScenarioRun.result`.  :func:`run_scenario` runs to the end in one call.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from saas_sim.analysis.diagnosis import diagnosis_of
from saas_sim.engine.simulate import ENGINE_VERSION, Numbers, SimulationRun
from saas_sim.io.scenario import scenario_to_dict
from saas_sim.model.result import Result
from saas_sim.model.scenario import Scenario


def result_of(numbers: Numbers, *, elapsed_s: float | None = None) -> Result:
    """The result document of a run's numbers (``elapsed_s``: the run's time, if not the numbers')."""
    return Result(
        engine_version=ENGINE_VERSION,
        scenario=scenario_to_dict(numbers.scenario),
        paths=numbers.paths,
        seed=numbers.seed,
        horizon_months=numbers.horizon_months,
        months=numbers.months,
        series=numbers.series,
        segments=numbers.segments,
        summary=numbers.summary,
        cohorts=numbers.cohorts,
        diagnosis=diagnosis_of(numbers.summary),
        elapsed_s=numbers.elapsed_s if elapsed_s is None else elapsed_s,
        programs=numbers.programs,
    )


class ScenarioRun:
    """One run of a scenario; iterate :meth:`progress`, then read :attr:`result`."""

    def __init__(self, scenario: Scenario, *, workers: int | None = None) -> None:
        self.run = SimulationRun(scenario, workers=workers)
        self.result: Result | None = None

    @property
    def scenario(self) -> Scenario:
        """The scenario run, its seed set."""
        return self.run.scenario

    def progress(self) -> Iterator[tuple[int, int]]:
        started = time.perf_counter()
        yield from self.run.progress()
        assert self.run.numbers is not None
        # the document too, as the engine's own time did before it was built above the engine
        self.result = result_of(self.run.numbers, elapsed_s=round(time.perf_counter() - started, 4))


def run_scenario(scenario: Scenario, *, workers: int | None = None) -> Result:
    """Run the scenario to the end and return its result document."""
    run = ScenarioRun(scenario, workers=workers)
    for _ in run.progress():
        pass
    assert run.result is not None
    return run.result
