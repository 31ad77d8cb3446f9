"""Several processes on one database, and processes killed (SIGKILL) while they save or simulate.

Every writer here is a separate process (``sys.executable -c``), as users run them.
Children that must start together first import everything and report ``ready``; the
test then releases them at once with a line on their standard input.
"""

from __future__ import annotations

import json
import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
from saas_sim.io.scenario import read_scenario_file
from saas_sim.store import Store
from saas_sim.store.database import APPLICATION_ID, HEAD, dispose_engines
from tests.store.conftest import SCENARIOS, integrity

STARTER = SCENARIOS / "starter.yaml"
TIMEOUT_S = 120

# Saves the same small run COUNT times into DB (the store is opened only once released).
SAVER = textwrap.dedent("""
    import sys
    from saas_sim.analysis.run import run_scenario
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import read_scenario_file
    from saas_sim.store import Store

    file, db, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text, scenario = read_scenario_file(file)
    result = run_scenario(with_overrides(scenario, paths=50, horizon=12, seed=1), workers=1)
    print("ready", flush=True)
    sys.stdin.readline()
    store = Store(db)
    ids = [store.save_run(text, scenario, result)[1].id for _ in range(count)]
    print(" ".join(map(str, ids)), flush=True)
""")

# Saves a large run (36 months, 200 paths: ~400 kB of JSON) in a loop until killed.
ENDLESS_SAVER = textwrap.dedent("""
    import sys
    from saas_sim.analysis.run import run_scenario
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import read_scenario_file
    from saas_sim.store import Store

    file, db = sys.argv[1], sys.argv[2]
    text, scenario = read_scenario_file(file)
    result = run_scenario(with_overrides(scenario, paths=200, seed=5), workers=1)
    print("ready", flush=True)
    sys.stdin.readline()
    store = Store(db)
    store.save_run(text, scenario, result)
    print("saved", flush=True)
    while True:
        store.save_run(text, scenario, result)
""")

# The command line, announcing on stdout when the simulation starts.
ANNOUNCED_CLI = textwrap.dedent("""
    import sys
    from saas_sim.engine import simulate as engine

    real_run_blocks = engine.run_blocks

    def announced(*args, **kwargs):
        print("simulating", flush=True)
        yield from real_run_blocks(*args, **kwargs)

    engine.run_blocks = announced
    from saas_sim.cli import main
    sys.argv = ["saas-sim", *sys.argv[1:]]
    main()
""")


class Child:
    """A Python process running ``script``; its stdout read line by line with a time limit."""

    def __init__(self, script: str, *args: object):
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        self.pending = b""

    def line(self, timeout: float = TIMEOUT_S) -> str:
        """The next line of stdout ('' once the process closed it)."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in self.pending:
                left = deadline - time.monotonic()
                assert left > 0, f"no line from the child within {timeout} s"
                if selector.select(left):
                    chunk = os.read(self.process.stdout.fileno(), 65536)
                    if not chunk:
                        return ""
                    self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return line.decode()

    def expect(self, expected: str) -> None:
        line = self.line()
        if line != expected:
            self.process.kill()
            _, stderr = self.process.communicate()
            raise AssertionError(f"expected {expected!r}, got {line!r}; stderr:\n{stderr.decode()}")

    def release(self) -> None:
        self.process.stdin.write(b"go\n")  # unbuffered: sent now

    def finish(self) -> tuple[int, str, str]:
        """Wait for the end: exit code, the rest of stdout, stderr."""
        stdout, stderr = self.process.communicate(timeout=TIMEOUT_S)
        return self.process.returncode, (self.pending + stdout).decode(), stderr.decode()

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate(timeout=TIMEOUT_S)
        return self.process.returncode


def query(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def count(path: Path, table: str) -> int:
    return query(path, f"SELECT COUNT(*) FROM {table}")[0][0]


def check_every_run_is_whole(path: Path, result_keys: set[str], checked: set[int]) -> None:
    """Every run row has its result, each result a run; the documents decompress and parse."""
    assert query(
        path,
        "SELECT COUNT(*) FROM runs LEFT JOIN run_results ON run_results.run_id = runs.id"
        " WHERE run_results.run_id IS NULL",
    ) == [(0,)]
    assert query(
        path, "SELECT COUNT(*) FROM run_results LEFT JOIN runs ON runs.id = run_results.run_id WHERE runs.id IS NULL"
    ) == [(0,)]
    assert query(path, "SELECT DISTINCT status FROM runs") == [("complete",)]
    rows = query(
        path,
        "SELECT runs.id, runs.paths, runs.seed, encoding, document FROM runs"
        " JOIN run_results ON run_results.run_id = runs.id",
    )
    for run_id, paths, seed, encoding, document in rows:
        if run_id in checked:
            continue
        assert encoding == "json+zlib"
        result = json.loads(zlib.decompress(document))
        assert set(result) == result_keys
        assert (result["paths"], result["seed"]) == (paths, seed)
        checked.add(run_id)


def test_four_processes_create_and_fill_one_database_at_once(tmp_path):
    path = tmp_path / "shared.db"
    children = [Child(SAVER, STARTER, path, 20) for _ in range(4)]
    for child in children:
        child.expect("ready")
    assert not path.exists()  # they race to create and migrate it too
    for child in children:
        child.release()
    ids = []
    for child in children:
        code, stdout, stderr = child.finish()
        assert code == 0, stderr
        assert "locked" not in stderr and "Traceback" not in stderr
        ids += [int(word) for word in stdout.split()]
    assert len(ids) == len(set(ids)) == 80
    assert integrity(path) == "ok"
    assert (count(path, "runs"), count(path, "run_results")) == (80, 80)
    assert (count(path, "scenarios"), count(path, "revisions")) == (1, 1)  # one revision, saved once
    assert query(path, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert query(path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    runs, total = Store(path).runs()
    assert total == 80 and sorted(run.id for run in runs) == sorted(ids)


def test_four_run_commands_at_once_all_save(tmp_path):
    path = tmp_path / "shared.db"
    command = [
        sys.executable,
        "-m",
        "saas_sim",
        "run",
        str(STARTER),
        "--paths",
        "200",
        "--horizon",
        "12",
        "--quiet",
        "--db",
        str(path),
    ]
    processes = [
        subprocess.Popen([*command, "--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in range(4)
    ]
    for process in processes:
        stdout, stderr = process.communicate(timeout=TIMEOUT_S)
        assert process.returncode == 0, stderr
        assert (stdout, stderr) == ("", "")
    assert integrity(path) == "ok"
    runs, total = Store(path).runs()
    assert total == 4
    assert sorted(run.seed for run in runs) == [0, 1, 2, 3]
    assert {(run.name, run.revision, run.paths, run.horizon_months) for run in runs} == {
        ("Starter - monthly SaaS", 1, 200, 12)
    }


def test_a_process_killed_while_saving_leaves_no_half_written_run(tmp_path):
    path = tmp_path / "store.db"
    text, scenario = read_scenario_file(STARTER)
    small = run_scenario(with_overrides(scenario, paths=20, horizon=6, seed=9), workers=1)
    checked: set[int] = set()
    children = [Child(ENDLESS_SAVER, STARTER, path) for _ in range(4)]
    for child in children:
        child.expect("ready")
    runs_before = 0
    for child in children:
        child.release()
        child.expect("saved")
        time.sleep(random.uniform(0.2, 1.5))
        assert child.kill() == -signal.SIGKILL
        assert integrity(path) == "ok"
        check_every_run_is_whole(path, set(small.to_json()), checked)
        runs = count(path, "runs")
        assert runs > runs_before
        # The store opens afresh and keeps working.
        dispose_engines()
        store = Store(path)
        _, run = store.save_run(text, scenario, small)
        assert store.result(run.id).horizon_months == 6
        assert store.runs()[1] == runs + 1
        dispose_engines()
        runs_before = runs + 1
    assert integrity(path) == "ok"
    assert count(path, "revisions") == 1


def test_a_run_command_killed_while_simulating_saves_nothing(tmp_path):
    path = tmp_path / "store.db"
    text, scenario = read_scenario_file(STARTER)
    Store(path).save_run(text, scenario, run_scenario(with_overrides(scenario, paths=20, horizon=6, seed=9)))
    dispose_engines()
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("spend_monthly: 20k", "spend_monthly: 25k"), encoding="utf-8")
    child = Child(ANNOUNCED_CLI, "run", changed, "--paths", "30000", "--quiet", "--db", path)
    child.expect("simulating")
    time.sleep(0.5)
    assert child.kill() == -signal.SIGKILL  # killed, not finished
    assert integrity(path) == "ok"
    assert (count(path, "runs"), count(path, "run_results"), count(path, "revisions")) == (1, 1, 1)
    store = Store(path)
    assert [r.number for r in store.history("Starter - monthly SaaS")] == [1]
    assert store.runs()[1] == 1
