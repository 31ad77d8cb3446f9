"""Time the engine against the reference on the benchmark scenarios.

    python benchmarks/run.py [a b c] [--repeat N]

Each measurement runs in a fresh process (so that its peak memory is its own),
engine and reference alternating, N times; the script prints the median wall
time of each inside its process, the ratio reference / engine, the same for
CPU time (the engine runs on every core: its CPU time is what the machine
spends), and the peak resident memory.  The engine's one-time start-up in a process (importing it
and loading its compiled kernel from numba's cache, by a one-path warm-up run)
is timed apart and printed in its own column.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ONE = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
from cases import CASES
_, scenario = CASES[{case!r}]
import dataclasses
startup = 0.0
if {which!r} == "engine":
    started = time.perf_counter()
    from saas_sim.analysis.run import run_scenario as simulate  # the whole run: numbers, document, diagnosis
    simulate(dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths=1)))
    startup = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time(); simulate(scenario)
else:
    from reference import simulate_reference
    started, cpu = time.perf_counter(), time.process_time(); simulate_reference(scenario, seed=1)
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({{"s": elapsed, "cpu_s": cpu, "startup_s": startup,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(case: str, which: str) -> dict:
    code = ONE.format(here=str(HERE), case=case, which=which)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["a", "b", "c"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from cases import CASES

    print(
        f"{'case':<44} {'engine s':>9} {'reference s':>12} {'ratio':>7} {'engine CPU s':>13} {'ref CPU s':>10}"
        f" {'CPU ratio':>10} {'engine MB':>10} {'ref MB':>8} {'start-up s':>11}"
    )
    for case in args.cases:
        runs = {"engine": [], "reference": []}
        for _ in range(args.repeat):
            for which in runs:  # alternate, so that machine load affects both alike
                runs[which].append(measure(case, which))
        engine = statistics.median(r["s"] for r in runs["engine"])
        reference = statistics.median(r["s"] for r in runs["reference"])
        engine_cpu = statistics.median(r["cpu_s"] for r in runs["engine"])
        reference_cpu = statistics.median(r["cpu_s"] for r in runs["reference"])
        peak = max(r["peak_mb"] for r in runs["engine"])
        ref_peak = max(r["peak_mb"] for r in runs["reference"])
        startup = statistics.median(r["startup_s"] for r in runs["engine"])
        label = f"({case}) {CASES[case][0]}"
        print(
            f"{label:<44} {engine:>9.2f} {reference:>12.2f} {reference / engine:>6.2f}x {engine_cpu:>13.2f}"
            f" {reference_cpu:>10.2f} {reference_cpu / engine_cpu:>9.2f}x {peak:>10.0f} {ref_peak:>8.0f}"
            f" {startup:>11.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
