"""A run split by blocks of paths (across processes or machines: Dask, Ray) gives the numbers of one run.

Block ``b`` draws only from ``SeedSequence(seed, spawn_key=(b,))``, so each block can run anywhere,
in any order; gathered in block order, :func:`build_numbers` makes the same statistics, to the bit,
as :func:`simulate` on one machine.  README "Scale on paper" shows the Dask form of this.
"""

from __future__ import annotations

import dataclasses
import pickle

from saas_sim.engine.simulate import block_sizes, build_numbers, run_block, simulate, with_overrides
from tests.engine.test_expectations import BASE_SEGMENTS, make


def test_blocks_run_apart_and_gathered_in_order_give_the_one_run_numbers():
    scenario = with_overrides(make(BASE_SEGMENTS, horizon=18, paths=2_500, spend=40_000.0))
    sizes = block_sizes(scenario.simulation.paths)
    assert len(sizes) == 3  # two full blocks of 1,000 and a last one of 500
    # Each block as a remote worker would run it: from the pickled scenario, in reverse order.
    shipped = pickle.dumps(scenario)
    outputs = {b: run_block(pickle.loads(shipped), b, size) for b, size in reversed(list(enumerate(sizes)))}
    split = build_numbers(scenario, [outputs[b] for b in range(len(sizes))], elapsed_s=0.0)
    whole = simulate(scenario)
    assert split.series == whole.series
    assert split.segments == whole.segments
    assert split.summary == whole.summary
    assert dataclasses.asdict(split.cohorts) == dataclasses.asdict(whole.cohorts)


def run_file(path: str, seed: int) -> dict:
    """The README's sweep task (``client.map(run_file, files, seeds)`` on a Dask cluster)."""
    from saas_sim.analysis.run import run_scenario
    from saas_sim.io.scenario import load_scenario

    return run_scenario(with_overrides(load_scenario(path), seed=seed, paths=300), workers=1).to_json()


def test_a_sweep_run_in_other_processes_gives_what_one_machine_gives():
    """Tasks shipped to other processes (as a cluster's workers run them), one core each, give each
    scenario's document as a local run with all cores does, but for the time it took."""
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    files = sorted(str(p) for p in (Path(__file__).parents[2] / "scenarios").glob("*cycle.yaml"))
    assert len(files) == 2
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = list(pool.map(run_file, files, [7, 8]))
    from saas_sim.analysis.run import run_scenario
    from saas_sim.io.scenario import load_scenario

    for path, seed, document in zip(files, [7, 8], remote, strict=True):
        local = run_scenario(with_overrides(load_scenario(path), seed=seed, paths=300)).to_json()
        document.pop("elapsed_s", None), local.pop("elapsed_s", None)
        assert document == local
