"""Time and memory of the history commands on large generated ledgers, each in a fresh process.

    python benchmarks/history.py [--rows 1000000 5000000] [--repeat 3] [--commands metrics fit ...] [--cache DIR]

The ledgers are those of ``benchmarks/ledger.py`` (plain form,
``customer_id,month,mrr``, seed 1): 36 months from 2022-01, customers
starting in every month and churning at about 3 % a month, 1 % gap months
(churn then reactivation), 2 % of customer months split over two rows.
"1,000,000 rows" is 1,004,795 rows of 74,423 customers (24 MB);
"5,000,000" is 5,045,012 rows of 372,944 customers (127 MB): about 13.5
rows a customer.  Each file is generated once, by another process, and
kept in ``--cache`` (default: the system's temporary directory).

Every command runs in a new process (``saas-sim ...`` of this
interpreter's environment, stdout discarded, exit code checked);
``os.wait4`` gives its wall time, CPU time (user + system) and peak
resident memory.  On Linux a child's peak RSS starts at its parent's size
when it forks, so this process stays small (no numpy, no ledger text) and
prints its own peak.  ``metrics FILE`` prints its report (to /dev/null,
so without charts), ``fit FILE --json -``; ``calibrate FILE`` and
``backtest FILE --rolling`` are included when the installed ``saas-sim``
has them.  The table shows the median of ``--repeat`` runs (and the
spread of the wall times).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAAS_SIM = str(Path(sys.executable).with_name("saas-sim"))
COMMANDS = {  # name -> arguments after the file
    "metrics": ("metrics", "{file}"),
    "fit": ("fit", "{file}", "--json", "-"),
    "calibrate": ("calibrate", "{file}"),
    "backtest": ("backtest", "{file}", "--rolling"),
}


@dataclass(frozen=True)
class Measure:
    wall_s: float
    cpu_s: float
    peak_mb: float


def ledger_file(rows: int, cache: Path) -> Path:
    """The generated ledger of about ``rows`` rows, written once, by another process: a child's peak RSS
    counts the memory of the process that forked it, so this one stays small (no numpy, no ledger text)."""
    path = cache / f"saas-sim-history-{rows}.csv"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        subprocess.run([sys.executable, __file__, "--generate", str(rows), str(partial)], check=True)
        partial.replace(path)
    return path


def generate(rows: int, path: Path) -> None:
    sys.path.insert(0, str(HERE))
    from ledger import generate_ledger

    path.write_text(generate_ledger(rows), encoding="utf-8")


def available(command: str) -> bool:
    """Whether the installed saas-sim has ``command`` (``--help`` exits 0)."""
    done = subprocess.run([SAAS_SIM, command, "--help"], capture_output=True, check=False)
    return done.returncode == 0


def measure(arguments: list[str]) -> Measure:
    """Run ``saas-sim arguments`` in a new process: its wall time, CPU time and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen([SAAS_SIM, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"saas-sim {' '.join(arguments)} exited {process.returncode}: {errors.decode()[-500:]}")
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def main() -> None:
    if sys.argv[1:2] == ["--generate"]:
        generate(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commands", nargs="+", choices=list(COMMANDS), default=list(COMMANDS))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    arguments = parser.parse_args()

    commands = [name for name in arguments.commands if available(name)]
    skipped = sorted(set(arguments.commands) - set(commands))
    print(f"load average at start: {os.getloadavg()[0]:.2f}; not in this saas-sim: {', '.join(skipped) or 'none'}")
    print(
        f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB peak (a floor of every child's)"
    )
    print(f"{'command':<10} {'rows':>10} {'file MB':>8} {'wall s':>8} {'(min-max)':>13} {'CPU s':>7} {'peak MB':>8}")
    for rows in arguments.rows:
        path = ledger_file(rows, arguments.cache)
        size_mb = path.stat().st_size / 1e6
        for name in commands:
            command = [part.format(file=path) for part in COMMANDS[name]]
            runs = [measure(command) for _ in range(arguments.repeat)]
            walls = [run.wall_s for run in runs]
            print(
                f"{name:<10} {rows:>10,} {size_mb:>8.0f} {statistics.median(walls):>8.2f} "
                f"{f'({min(walls):.2f}-{max(walls):.2f})':>13} {statistics.median(r.cpu_s for r in runs):>7.2f} "
                f"{statistics.median(r.peak_mb for r in runs):>8.0f}",
                flush=True,
            )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
