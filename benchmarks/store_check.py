"""What the store's integrity check costs: ``PRAGMA quick_check`` before the first write of a process.

    python benchmarks/store_check.py [--runs 10000] [--scenario scenarios/starter.yaml] [--keep PATH]

Builds a store of ``--runs`` runs (the scenario run once by ``saas-sim run``,
its run then copied row by row, so every run holds a real result document),
then times, in fresh processes as a command would pay them: opening the
store for writing (inspection, writability, the integrity check), opening
it for reading (no check), and the check alone, with the file in the page
cache (warm) and evicted from it (cold, ``posix_fadvise``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]

TIMED = {
    "open for writing (check included)": "from saas_sim.store import Store; Store(PATH)",
    "open for reading (no check)": "from saas_sim.store import Store; Store(PATH, write=False)",
    "the check alone": "from pathlib import Path; from saas_sim.store.database import check_intact; "
    "check_intact(Path(PATH))",
}


def build(path: Path, runs: int, scenario: Path) -> int:
    """A store at ``path`` holding ``runs`` runs of ``scenario``; the size of one result document."""
    subprocess.run(
        [sys.executable, "-m", "saas_sim", "run", str(scenario), "--quiet", "--db", str(path)],
        check=True,
        cwd=REPOSITORY,
    )
    connection = sqlite3.connect(path)
    try:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(runs)") if row[1] != "id"]
        listed = ", ".join(columns)
        (document,) = connection.execute("SELECT document FROM run_results WHERE run_id = 1").fetchone()
        for _ in range(runs - 1):
            cursor = connection.execute(f"INSERT INTO runs ({listed}) SELECT {listed} FROM runs WHERE id = 1")
            connection.execute(
                "INSERT INTO run_results (run_id, encoding, document) VALUES (?, 'json+zlib', ?)",
                (cursor.lastrowid, document),
            )
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return len(document)


def evict(path: Path) -> None:
    """Drop the file's pages from the page cache (this file only)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def warm_up(path: Path) -> None:
    """Read the whole file once, so that it is in the page cache."""
    with open(path, "rb") as file:
        while file.read(1 << 24):
            pass


def timed(statement: str, path: Path) -> float:
    """Seconds the statement takes in a fresh process (after its imports)."""
    script = (
        "import time, saas_sim.store, saas_sim.store.database\n"
        f"PATH = {str(path)!r}\nstarted = time.perf_counter()\n{statement}\n"
        "print(time.perf_counter() - started)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPOSITORY)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--scenario", type=Path, default=REPOSITORY / "scenarios" / "starter.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the store here instead of a temporary file")
    arguments = parser.parse_args()

    directory = None
    if arguments.keep is not None:
        path = arguments.keep
    else:
        directory = Path(tempfile.mkdtemp(prefix="saas-sim-store-check-"))
        path = directory / "store.db"
    try:
        if not path.exists():
            started = time.perf_counter()
            size = build(path, arguments.runs, arguments.scenario)
            print(
                f"built {arguments.runs:,} runs in {time.perf_counter() - started:.1f} s"
                f" (a result document: {size / 1024:.0f} KB compressed)"
            )
        connection = sqlite3.connect(path)
        runs = connection.execute("SELECT count(*) FROM runs").fetchone()[0]
        connection.close()
        print(f"store: {runs:,} runs, {path.stat().st_size / 2**20:,.0f} MB; sqlite {sqlite3.sqlite_version}")
        print(f"{'':<36} {'warm':>8} {'cold':>8}   (median of {arguments.repeat}, fresh processes)")
        for label, statement in TIMED.items():
            warm_up(path)
            warm = statistics.median(timed(statement, path) for _ in range(arguments.repeat))
            cold = []
            for _ in range(arguments.repeat):
                evict(path)
                cold.append(timed(statement, path))
            print(f"{label:<36} {warm:>7.3f}s {statistics.median(cold):>7.3f}s")
    finally:
        if directory is not None:
            shutil.rmtree(directory)


if __name__ == "__main__":
    main()
