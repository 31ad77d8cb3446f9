"""What the vicious/virtuous map costs (issue 19): a 15 x 15 map of the starter, four ways, each in a fresh process.

    python benchmarks/map.py [--repeat N] [--steps N] [--paths P] [--growth]

The map is ``scenarios/starter.yaml`` over churn (1 %..8 %) x CAC ($300..$3,000), metric out_of_cash.
Each way runs in a fresh process, the ways alternating, N times (3 by default); the script prints the
median wall time and CPU time (the process's and its children's: the workers') and the ratios to the
reference measured in the same rounds:

- ``reference``: what a script would do without the map: every cell a whole run (``run_scenario``:
  every series, summary and the diagnosis), one after another on one thread;
- ``map, 1 process``: ``MapAnalysis(workers=1)``: every cell reads only its metric, in this process;
- ``map, 2 processes``: ``MapAnalysis(workers=2)``: the same on two worker processes (their start included);
- ``saas-sim map``: the whole command, ``--json`` to a file, as a user runs it (start-up included).

``--growth`` adds how the 2-process map grows with steps (5, 10, 15, 20 at the paths given) and paths
(250, 500, 1,000, 2,000 at 15 x 15): its seconds per cell, from which a cluster of N workers' time follows
(cells x seconds per cell / N, plus the cluster's own overhead per task, measured by
tests/analysis/test_map_scale.py's local cluster).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIO = ROOT / "scenarios" / "starter.yaml"
X = "segments.Freelancers.churn.monthly=1%..8%"
Y = "segments.Freelancers.cac=300..3000"
WAYS = ("reference", "map1", "map2", "cli")
LABELS = {
    "reference": "reference: a whole run per cell",
    "map1": "map, 1 process",
    "map2": "map, 2 processes",
    "cli": "saas-sim map (whole command)",
}

ONE = """
import json, resource, sys, time
from saas_sim.analysis.maps import MapAnalysis, parse_axis, cell_scenario
from saas_sim.analysis.run import run_scenario
from saas_sim.io.scenario import load_scenario
way, steps, paths = {way!r}, {steps!r}, {paths!r}
analysis = MapAnalysis(
    load_scenario({scenario!r}), x=parse_axis({x!r}), y=parse_axis({y!r}), steps=steps, paths=paths,
    workers=2 if way == "map2" else 1,
)
wall, cpu = time.perf_counter(), time.process_time()
if way == "reference":
    for row, col in analysis.cells:
        run_scenario(cell_scenario(analysis, row, col), workers=1)
else:
    for _ in analysis.progress():
        pass
wall = time.perf_counter() - wall
children = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = time.process_time() - cpu + children.ru_utime + children.ru_stime
print(json.dumps({{"wall": wall, "cpu": cpu}}))
"""


def measure(way: str, steps: int, paths: int) -> dict[str, float]:
    if way == "cli":
        with tempfile.TemporaryDirectory() as folder:
            command = [
                str(ROOT / ".venv" / "bin" / "saas-sim"), "map", str(SCENARIO), "--x", X, "--y", Y,
                "--steps", str(steps), "--paths", str(paths), "--json", str(Path(folder) / "map.json"),
            ]  # fmt: skip
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            return {"wall": wall, "cpu": cpu}
    code = ONE.format(way=way, steps=steps, paths=paths, scenario=str(SCENARIO), x=X, y=Y)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def table(samples: dict[str, list[dict[str, float]]]) -> None:
    base = {key: statistics.median(s[key] for s in samples["reference"]) for key in ("wall", "cpu")}
    print(f"{'way':<34} {'wall s':>8} {'ref/this':>9} {'cpu s':>8} {'ref/this':>9}")
    for way, runs in samples.items():
        wall = statistics.median(s["wall"] for s in runs)
        cpu = statistics.median(s["cpu"] for s in runs)
        print(f"{LABELS[way]:<34} {wall:>8.2f} {base['wall'] / wall:>8.2f}x {cpu:>8.2f} {base['cpu'] / cpu:>8.2f}x")


def growth(paths: int, repeat: int) -> None:
    print("\nhow the 2-process map grows (median of", repeat, "fresh processes)")
    print(f"{'steps':>6} {'paths':>7} {'cells':>6} {'wall s':>8} {'cpu s':>8} {'cpu s per cell':>15}")
    for steps, at in [(5, paths), (10, paths), (15, paths), (20, paths), (15, 250), (15, 500), (15, 2000)]:
        runs = [measure("map2", steps, at) for _ in range(repeat)]
        wall = statistics.median(s["wall"] for s in runs)
        cpu = statistics.median(s["cpu"] for s in runs)
        print(f"{steps:>6} {at:>7} {steps * steps:>6} {wall:>8.2f} {cpu:>8.2f} {cpu / steps / steps:>15.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--growth", action="store_true")
    args = parser.parse_args()
    samples: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    for _ in range(args.repeat):
        for way in WAYS:
            samples[way].append(measure(way, args.steps, args.paths))
    print(
        f"{args.steps} x {args.steps} map of the starter ({args.paths:,} paths x 36 months), out_of_cash; "
        f"median of {args.repeat} fresh processes, ways alternating"
    )
    table(samples)
    if args.growth:
        growth(args.paths, args.repeat)


if __name__ == "__main__":
    main()
