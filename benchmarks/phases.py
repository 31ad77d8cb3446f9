"""Where a run's time goes: the phases of ``simulate`` timed one by one on a benchmark case.

    python benchmarks/phases.py [a|b|c] [--repeat N]

A Python profiler (pyinstrument, py-spy) sees each compiled kernel as one
opaque call, so this times the phases themselves, in one warm process, and
prints the median of each: the kernel (blocks of paths on every core), the
company's totals of the segments, the summaries, and the statistics of
every series.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default="a", choices=sorted(CASES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from saas_sim.analysis.run import run_scenario
    from saas_sim.engine import simulate as engine

    label, scenario = CASES[args.case]
    one_path = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths=1))
    engine.simulate(one_path)  # load the compiled kernels
    workers = engine.default_workers()
    times: dict[str, list[float]] = {
        "kernel": [],
        "company totals": [],
        "summaries": [],
        "statistics": [],
        "whole run": [],
    }
    for _ in range(args.repeat):
        marks = [time.perf_counter()]
        outputs: list = []
        for _ in engine.run_blocks(scenario, workers, outputs):
            pass
        marks.append(time.perf_counter())
        seg_raw, raw = engine.raw_per_path(scenario, outputs)
        marks.append(time.perf_counter())
        views = [engine.view(seg, company=False, lazy=True) for seg in seg_raw.values()] if len(seg_raw) > 1 else []
        views.append(engine.view(raw, company=True, lazy=True))
        marks.append(time.perf_counter())
        for one in views:
            engine._described(one)
        marks.append(time.perf_counter())
        del outputs, seg_raw, raw, views
        started = time.perf_counter()
        run_scenario(scenario)
        for name, seconds in zip(
            times, [b - a for a, b in itertools.pairwise(marks)] + [time.perf_counter() - started]
        ):
            times[name].append(seconds)
    print(f"({args.case}) {label}, {workers} threads, median of {args.repeat}")
    for name, values in times.items():
        print(f"  {name:<16} {statistics.median(values):7.3f} s")


if __name__ == "__main__":
    main()
