"""Time, CPU and memory of writing a report (issue 17), against `run` of the same scenario, each in a fresh process.

    python benchmarks/report.py [--scenarios scenarios/virtuous-cycle.yaml ...] [--repeat 3]

For each scenario, in new processes (``os.wait4``: wall, user + system CPU, peak RSS; median of
``--repeat`` runs):

- ``run``: ``saas-sim run FILE --no-save --quiet``, the reference: the same simulation, no report;
- ``run --plan``: the plan table (to /dev/null);
- ``report``: ``saas-sim report FILE --out X.html --quiet``;
- ``report +png +xlsx``: with ``--png DIR --xlsx FILE`` too;
- ``report, first``: ``report`` with an empty matplotlib cache folder (``MPLCONFIGDIR``), as the first
  report after installing (pip compiles the bytecode at install; matplotlib builds its font list at
  its first import).

and prints each one's wall and CPU time as a ratio to ``run``'s, the page's size, and how much of it
is the inline result document.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAAS_SIM = str(Path(sys.executable).with_name("saas-sim"))


@dataclass(frozen=True)
class Measure:
    wall_s: float
    cpu_s: float
    peak_mb: float


def measure(arguments: list[str], env: dict[str, str] | None = None) -> Measure:
    started = time.perf_counter()
    process = subprocess.Popen(
        [SAAS_SIM, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or os.environ.copy()
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"saas-sim {' '.join(arguments)} failed: {errors.decode()[-500:]}")
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def median(runs: list[Measure]) -> Measure:
    return Measure(*(statistics.median(getattr(r, f) for r in runs) for f in ("wall_s", "cpu_s", "peak_mb")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", type=Path, default=[ROOT / "scenarios" / "virtuous-cycle.yaml"])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for scenario in options.scenarios:
            page = out / "report.html"
            cases: dict[str, tuple[list[str], bool]] = {
                "run": (["run", str(scenario), "--no-save", "--quiet"], False),
                "run --plan": (["run", str(scenario), "--no-save", "--plan"], False),
                "report": (["report", str(scenario), "--out", str(page), "--quiet"], False),
                "report +png +xlsx": (
                    [
                        "report",
                        str(scenario),
                        "--out",
                        str(page),
                        "--png",
                        str(out / "png"),
                        "--xlsx",
                        str(out / "plan.xlsx"),
                        "--quiet",
                    ],
                    False,
                ),
                "report, first": (["report", str(scenario), "--out", str(page), "--quiet"], True),
            }
            results: dict[str, Measure] = {}
            for name, (arguments, cold) in cases.items():
                runs = []
                for i in range(options.repeat):
                    env = os.environ.copy()
                    if cold:
                        env["MPLCONFIGDIR"] = str(out / f"mpl-{name}-{i}")  # empty: built on this run
                    runs.append(measure(arguments, env))
                results[name] = median(runs)
            reference = results["run"]
            print(f"\n{scenario.name}")
            print(f"{'case':<20} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} {'wall/run':>9} {'CPU/run':>8}")
            for name, m in results.items():
                print(
                    f"{name:<20} {m.wall_s:>7.2f} {m.cpu_s:>7.2f} {m.peak_mb:>8.0f} "
                    f"{m.wall_s / reference.wall_s:>8.2f}x {m.cpu_s / reference.cpu_s:>7.2f}x"
                )
            text = page.read_text(encoding="utf-8")
            data = re.search(r'id="saas-sim-result">(.*?)</script>', text, re.S)
            inline = len(data.group(1)) if data else 0
            print(
                f"page: {len(text.encode()) / 1024:,.0f} kB, of which the inline result document {inline / 1024:,.0f} kB"
            )
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
