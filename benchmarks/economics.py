"""What issue 18's economics cost: cash policies, funding, managers, a program and a migration on case (a).

    python benchmarks/economics.py [--repeat N] [--paths P]

Each variant is case (a) of ``cases.py`` (10,000 paths x 120 months x 3 segments) with one thing
added; each runs in a fresh process, the variants alternating, N times (3 by default), and the script
prints the median wall and CPU time inside the process (after a one-path warm-up) and the ratio to
the plain case measured in the same rounds:

- ``plain``: case (a) as it is (the reference point);
- ``shut_down``: when_out_of_cash: shut_down with funding (a 2M round at 70 %, two attempts);
- ``managers``: customer_success (a manager per 2M of ARR);
- ``program``: one program on the Enterprise segment (the run, then the same plan without it: two runs);
- ``migration``: 0.5 % of Mid accounts a month upgrade to Enterprise (x 4 MRR).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("plain", "shut_down", "managers", "program", "migration")

ONE = """
import dataclasses, json, resource, sys, time
sys.path.insert(0, {here!r})
from cases import CASES
from saas_sim.analysis.run import run_scenario
from saas_sim.model.scenario import CustomerSuccess, Funding, Migration, Program
_, scenario = CASES["a"]
scenario = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths={paths!r}))
variant = {variant!r}
company = scenario.company
if variant == "shut_down":
    funding = Funding(below_cash=500_000.0, amount=2_000_000.0, probability=0.7, months_to_close=3, max_rounds=2)
    scenario = dataclasses.replace(
        scenario, company=dataclasses.replace(company, when_out_of_cash="shut_down", funding=funding)
    )
elif variant == "managers":
    scenario = dataclasses.replace(
        scenario, company=dataclasses.replace(company, customer_success=CustomerSuccess(2_000_000.0, 12_000.0))
    )
elif variant == "program":
    program = Program("Save", 50_000.0, segments=("Enterprise",), from_month=4, to_month=120, churn_change=-0.3)
    scenario = dataclasses.replace(scenario, programs=(program,))
elif variant == "migration":
    scenario = dataclasses.replace(scenario, migrations=(Migration("Mid", "Enterprise", 0.005, 4.0),))
warm = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths=1))
run_scenario(warm)
wall, cpu = time.perf_counter(), time.process_time()
run_scenario(scenario)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"wall": wall, "cpu": cpu, "peak_mb": peak}}))
"""


def measure(variant: str, paths: int) -> dict[str, float]:
    code = ONE.format(here=str(HERE), paths=paths, variant=variant)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--paths", type=int, default=10_000)
    args = parser.parse_args()
    samples: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.repeat):
        for variant in VARIANTS:
            samples[variant].append(measure(variant, args.paths))
    base = {key: statistics.median(s[key] for s in samples["plain"]) for key in ("wall", "cpu")}
    print(f"case (a) with {args.paths:,} paths x 120 months x 3 segments; median of {args.repeat} fresh processes")
    print(f"{'variant':<11} {'wall s':>8} {'x plain':>8} {'cpu s':>8} {'x plain':>8} {'peak MB':>8}")
    for variant in VARIANTS:
        wall = statistics.median(s["wall"] for s in samples[variant])
        cpu = statistics.median(s["cpu"] for s in samples[variant])
        peak = statistics.median(s["peak_mb"] for s in samples[variant])
        print(f"{variant:<11} {wall:8.2f} {wall / base['wall']:7.2f}x {cpu:8.2f} {cpu / base['cpu']:7.2f}x {peak:8.0f}")


if __name__ == "__main__":
    main()
