"""Issue 15's table of what users feel, and the engine against the reference on the benchmark scenarios.

    python benchmarks/run.py [--repeat N] [--fresh] [--json PATH]   # the whole table (table.py)
    python benchmarks/run.py [a b c] [--repeat N]                   # only the engine against the reference

Without cases it prints every figure of issue 15's table beside its goal
(see ``table.py``: whole commands, the TUI through Pilot, the cases below);
``--fresh`` adds the first run after a fresh install.

With cases, only the engine against the reference.  Each measurement runs in
a fresh process (so that its peak memory is its own), engine and reference
alternating, N times; the script prints the median wall time of each inside
its process, the whole process's wall time, the ratio reference / engine,
the same for CPU time (the engine runs on every core: its CPU time is what
the machine spends), and the peak resident memory.  The engine's one-time
start-up in a process (importing it and loading its compiled kernel, by a
one-path warm-up run) is timed apart and printed in its own column.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ONE = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
from cases import CASES
_, scenario = CASES[{case!r}]
import dataclasses
if {paths!r}:
    scenario = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths={paths!r}))
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


def measure(case: str, which: str, *, paths: int | None = None, env: dict[str, str] | None = None) -> dict:
    """One fresh process running ``which`` on ``case`` (at ``paths`` if given): its seconds, CPU and memory.

    ``s``, ``cpu_s`` and ``startup_s`` are timed inside the process; ``process_s`` is the whole process
    (start, imports, warm-up, run, exit) timed from outside.
    """
    code = ONE.format(here=str(HERE), case=case, which=which, paths=paths)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    process = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"case {case}, {which}: exited with {done.returncode}: {last}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "process_s": process}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="only these cases (a, b, c): the engine against the reference")
    parser.add_argument("--repeat", type=int, help="fresh processes per figure, their median (default 3; --tiny 1)")
    parser.add_argument("--fresh", action="store_true", help="add the first run after a fresh install (a minute+)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure as JSON ('-': stdout)")
    parser.add_argument("--tiny", action="store_true", help="a test of the benchmark: few paths, one edit")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.tiny else 3
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    unknown = sorted(set(args.cases) - {"a", "b", "c"})
    if unknown:
        parser.error(f"no case {', '.join(unknown)}: the cases are a, b and c")
    sys.path.insert(0, str(HERE))
    if not args.cases:
        import dataclasses

        from table import TINY, Settings, run_table

        settings = dataclasses.replace(TINY if args.tiny else Settings(), repeat=args.repeat)
        if not run_table(settings, fresh=args.fresh, json_path=args.json, quiet=args.quiet):
            sys.exit(1)
        return
    if args.fresh or args.json or args.tiny:
        parser.error("--fresh, --json and --tiny belong to the whole table: give no cases")
    compare(args.cases, args.repeat)


def compare(cases: list[str], repeat: int) -> None:
    """The engine against the reference, case by case, in-process and whole process (all within 120 columns)."""
    from cases import CASES

    print(
        f"{'case':<22} {'engine s':>8} {'process s':>9} {'ref s':>7} {'ratio':>6} {'eng CPU':>8} {'ref CPU':>8}"
        f" {'CPU ratio':>9} {'eng MB':>7} {'ref MB':>7} {'start-up':>8} {'ref process':>11}"
    )
    for case in cases:
        runs: dict[str, list[dict]] = {"engine": [], "reference": []}
        for _ in range(repeat):
            for which in runs:  # alternate, so that machine load affects both alike
                runs[which].append(measure(case, which))

        def median(which: str, key: str, runs: dict[str, list[dict]] = runs) -> float:
            return statistics.median(r[key] for r in runs[which])

        engine, reference = median("engine", "s"), median("reference", "s")
        engine_cpu, reference_cpu = median("engine", "cpu_s"), median("reference", "cpu_s")
        peak = max(r["peak_mb"] for r in runs["engine"])
        ref_peak = max(r["peak_mb"] for r in runs["reference"])
        scenario = CASES[case][1]
        label = f"({case}) {scenario.simulation.paths:,} x {scenario.horizon_months} x {len(scenario.segments)}"
        print(
            f"{label:<22} {engine:>8.2f} {median('engine', 'process_s'):>9.2f} {reference:>7.2f}"
            f" {reference / engine:>5.2f}x {engine_cpu:>8.2f} {reference_cpu:>8.2f} {reference_cpu / engine_cpu:>8.2f}x"
            f" {peak:>7.0f} {ref_peak:>7.0f} {median('engine', 'startup_s'):>8.2f}"
            f" {median('reference', 'process_s'):>11.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
