"""How the engine's cost grows with paths, months and segments: the README's "Scale on paper".

    python benchmarks/scale.py [--repeat N]

Runs the benchmark segments (``cases.py``) at each size in one warm process
(after a warm-up run) and prints the median wall time of ``simulate``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import SEGMENTS, scenario

POINTS = [  # paths, months, segments
    (1_000, 36, 1),
    (5_000, 36, 1),
    (20_000, 36, 1),
    (50_000, 36, 1),
    (5_000, 12, 1),
    (5_000, 60, 1),
    (5_000, 120, 1),
    (5_000, 240, 1),
    (5_000, 36, 2),
    (5_000, 36, 3),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from saas_sim.analysis.run import run_scenario as simulate  # the whole run: numbers, document, diagnosis

    simulate(scenario(100, 12, SEGMENTS))  # load the compiled kernels
    print(f"{'paths x months x segments':<28} {'time':>8}")
    for paths, months, segments in POINTS:
        case = scenario(paths, months, SEGMENTS[:segments])
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            simulate(case)
            times.append(time.perf_counter() - started)
        label = f"{paths:,} x {months} x {segments}"
        print(f"{label:<28} {statistics.median(times):>7.2f}s", flush=True)


if __name__ == "__main__":
    main()
