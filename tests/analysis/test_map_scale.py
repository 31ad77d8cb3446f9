"""The map from a laptop to a cluster (issue 19, SPEC 8): one process, local processes and a real Dask cluster give
the same map to the bit; processes are safe from scripts without a main guard, beside threads and under Textual;
ctrl+c stops the cluster's tasks; a scheduler that is wrong, away or not installed is one line.

The cluster is real: a ``dask scheduler`` and a ``dask worker`` of this venv, started by the test on free ports of
the loopback, with a timeout of their own, and stopped at the end whatever happens.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from distributed import Client
from distributed.versions import VersionMismatchWarning

from saas_sim.analysis import maps
from saas_sim.analysis.maps import MapAnalysis, map_scenario, parse_axis
from saas_sim.analysis.processes import process_pool
from saas_sim.errors import SaasSimError
from saas_sim.io.scenario import load_scenario

# the tests' own clients hear of the cluster's other toolz too (see MISMATCH)
pytestmark = pytest.mark.filterwarnings("ignore::distributed.versions.VersionMismatchWarning")

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VIRTUOUS = ROOT / "scenarios" / "virtuous-cycle.yaml"
PROGRAMS = ROOT / "scenarios" / "customer-success.yaml"
CHURN = "segments.Shops.churn.monthly=1%..8%"
CAC = "segments.Shops.cac=500..5000"
SMALL = {"x": parse_axis(CHURN), "y": parse_axis(CAC), "steps": 4, "paths": 300}
SMALL_CLI = ("--x", CHURN, "--y", CAC, "--steps", "4", "--paths", "300")
# --workers 2 keeps a map in this process when its first cell says starting processes would not pay: this one pays
CLI_MAP = ("--x", CHURN, "--y", CAC, "--steps", "5", "--paths", "1000")
BIG_CLI = ("--x", CHURN, "--y", CAC, "--steps", "30", "--paths", "1000")  # 900 cells: half a minute or more


MISMATCH = """\
import importlib.metadata

_version = importlib.metadata.version
importlib.metadata.version = lambda name: "0.0.1" if name == "toolz" else _version(name)
"""


def _start(command: list[object], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [str(part) for part in command], stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def dask_cluster(
    folder: Path, worker_env: dict[str, str] | None = None
) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A real Dask cluster on this machine: a scheduler and one worker of two threads (no nanny, so nothing
    restarts behind the test), both on the loopback.  Yields the scheduler's address and the two processes
    (scheduler first).  Both end by themselves if the test run dies: the scheduler after an idle half hour,
    the worker a minute after its scheduler went away."""
    address_file = folder / "scheduler.json"
    loopback = ("--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0")
    started: list[subprocess.Popen] = []
    try:
        scheduler = _start(
            [BIN / "dask", "scheduler", "--port", "0", "--scheduler-file", address_file, "--idle-timeout", "1800s",
             *loopback],
            folder / "scheduler.log",
        )  # fmt: skip
        started.append(scheduler)
        deadline = time.monotonic() + 60
        while not address_file.exists() or not address_file.read_text().strip().endswith("}"):
            assert scheduler.poll() is None, (folder / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the dask scheduler did not start in a minute"
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        started.append(
            _start(
                [BIN / "dask", "worker", "--scheduler-file", address_file, "--no-nanny", "--nthreads", "2",
                 "--death-timeout", "60s", "--local-directory", folder, *loopback],
                folder / "worker.log",
                env=worker_env,
            )
        )  # fmt: skip
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, started
    finally:
        for process in reversed(started):
            _stop(process)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a cluster shared by the tests (:func:`dask_cluster`).  Its worker tells the scheduler of
    another toolz than this machine's: every client that connects gets Dask's version-mismatch warning, as from
    a cluster installed apart, and the command must print none of it."""
    folder = tmp_path_factory.mktemp("dask")
    (folder / "shim").mkdir()
    (folder / "shim" / "sitecustomize.py").write_text(MISMATCH, encoding="utf-8")
    with dask_cluster(folder, {**os.environ, "PYTHONPATH": str(folder / "shim")}) as (address, _):
        yield address


def saas_sim(*args: object, timeout: float = 180, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "saas-sim"), *map(str, args)], capture_output=True, timeout=timeout, cwd=ROOT, **kwargs
    )


def on_processes(scenario: object, **options: object) -> object:
    """The map on two local processes for sure (``workers=2`` alone keeps a map this small in this process)."""
    pool = process_pool(2)
    try:
        return map_scenario(scenario, pool=pool, **options)
    finally:
        pool.shutdown()


def tasks_on(address: str) -> int:
    """How many tasks the scheduler holds (of any client)."""
    with Client(address, timeout="30s", set_as_default=False) as client:
        return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def _wait_for_no_tasks(address: str) -> None:
    deadline = time.monotonic() + 30
    while held := tasks_on(address):
        assert time.monotonic() < deadline, f"the cluster still holds {held} tasks"
        time.sleep(0.5)


# --- the same map three ways ---------------------------------------------------------------------------------


def test_one_process_local_processes_and_the_cluster_give_the_same_map(cluster: str) -> None:
    scenario = load_scenario(VIRTUOUS)
    here = map_scenario(scenario, workers=1, **SMALL).to_json()
    assert here == on_processes(scenario, **SMALL).to_json()
    assert here == map_scenario(scenario, scheduler=cluster, **SMALL).to_json()
    values = [v for row in here["values"] for v in row]
    assert len(values) == 16 and min(values) == 0.0 and max(values) > 0.5  # a map with both cycles on it


def test_the_command_prints_the_same_bytes_three_ways_and_nothing_on_stderr(cluster: str) -> None:
    with pytest.warns(VersionMismatchWarning):  # what Dask would print of this cluster, and the command does not
        tasks_on(cluster)
    runs = {
        way: saas_sim("map", VIRTUOUS, *CLI_MAP, *option, "--json", "-")
        for way, option in {
            "one process": ("--workers", "1"),
            "processes": ("--workers", "2"),
            "cluster": ("--scheduler", cluster),
        }.items()
    }
    for way, done in runs.items():
        assert (way, done.returncode, done.stderr.decode()) == (way, 0, "")
    assert runs["one process"].stdout == runs["processes"].stdout == runs["cluster"].stdout
    assert json.loads(runs["cluster"].stdout)["paths"] == 1000


def test_a_programs_effect_on_the_cluster(cluster: str) -> None:
    """Everything a cell needs travels to the workers: a program, its segments, an uncertain effect."""
    scenario = load_scenario(PROGRAMS)
    assert parse_axis(" segments.Key accounts.cac = 50k..300k") == ("segments.Key accounts.cac", 50_000, 300_000)
    options = {
        "x": parse_axis("segments.Key accounts.churn.annual=5%..40%"),
        "y": parse_axis("segments.Key accounts.cac=50k..300k"),
        "steps": 2,
        "paths": 200,
        "metric": "programs.Save-at-risk.roi_arr",
    }
    here = map_scenario(scenario, workers=1, **options).to_json()
    assert here == map_scenario(scenario, scheduler=cluster, **options).to_json()
    assert here["statistic"] == "mean" and all(v is not None for row in here["values"] for v in row)


def test_a_diverging_cell_on_the_cluster(cluster: str) -> None:
    """A CAC of 1 with 35 % of gross profit reinvested grows without bound: that cell says why, the rest are
    numbers, and the cluster says the same as this process."""
    scenario = load_scenario(VIRTUOUS)
    options = {"x": parse_axis(CHURN), "y": parse_axis("segments.Shops.cac=1..3000"), "steps": 2, "paths": 100}
    here = map_scenario(scenario, workers=1, **options).to_json()
    assert here == map_scenario(scenario, scheduler=cluster, **options).to_json()
    assert [(d["row"], d["col"]) for d in here["diverged"]] == [(0, 0), (0, 1)]
    assert "grows without bound" in here["diverged"][0]["why"]
    assert here["values"][0] == [None, None] and None not in here["values"][1]


# --- processes, safe from anywhere -----------------------------------------------------------------------------


def test_a_script_without_a_main_guard_maps_once(tmp_path: Path) -> None:
    """spawn runs the parent's script again in every child, unless the child is started without it."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(f"""\
            import json
            from saas_sim.analysis import processes
            from saas_sim.analysis.maps import map_scenario, parse_axis
            from saas_sim.io.scenario import load_scenario

            print("script started", flush=True)
            started = []  # counts the processes the map starts (a map too small would stay in this process)
            start = processes.SafeSpawnProcess.start
            processes.SafeSpawnProcess.start = lambda process: (started.append(process), start(process))[-1]
            result = map_scenario(
                load_scenario({str(VIRTUOUS)!r}), x=parse_axis({CHURN!r}), y=parse_axis({CAC!r}), steps=5, paths=1000,
                workers=2,
            )
            print(len(started), "processes")
            print(json.dumps(result.to_json()))
            """),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[:2] == ["script started", "2 processes"]  # the children never ran the script
    printed = done.stdout.splitlines()[2]
    assert len(done.stdout.splitlines()) == 3
    expected = map_scenario(
        load_scenario(VIRTUOUS), x=parse_axis(CHURN), y=parse_axis(CAC), steps=5, paths=1000, workers=1
    )
    assert json.loads(printed) == expected.to_json()


def test_processes_from_a_thread_while_other_threads_run() -> None:
    scenario = load_scenario(VIRTUOUS)
    expected = map_scenario(scenario, workers=1, **SMALL).to_json()
    stop = threading.Event()
    lock = threading.Lock()

    def busy() -> None:  # other threads allocating and holding a lock, as a fork would copy them
        while not stop.is_set():
            with lock:
                _ = [bytearray(1000) for _ in range(100)]

    others = [threading.Thread(target=busy, daemon=True) for _ in range(3)]
    for other in others:
        other.start()
    found: list[dict] = []
    try:
        mapper = threading.Thread(target=lambda: found.append(on_processes(scenario, **SMALL).to_json()))
        mapper.start()
        mapper.join(timeout=180)
        assert not mapper.is_alive()
    finally:
        stop.set()
        for other in others:
            other.join(timeout=10)
    assert found == [expected]


def test_processes_from_a_textual_worker_while_an_app_runs(tmp_path: Path) -> None:
    """The TUI's situation, in a fresh interpreter (the first process of this one starts multiprocessing's resource
    tracker): a map on processes from a Textual worker thread while the app runs and captures stderr."""
    script = tmp_path / "in_textual.py"
    script.write_text(
        textwrap.dedent(f"""\
            import asyncio, json
            from textual.app import App
            from saas_sim.analysis.maps import map_scenario, parse_axis
            from saas_sim.analysis.processes import process_pool
            from saas_sim.io.scenario import load_scenario

            def mapper():
                pool = process_pool(2)  # started here, while the app runs
                try:
                    return map_scenario(
                        load_scenario({str(VIRTUOUS)!r}), x=parse_axis({CHURN!r}), y=parse_axis({CAC!r}), steps=4,
                        paths=300, pool=pool,
                    )
                finally:
                    pool.shutdown()

            async def main():
                app = App()
                async with app.run_test() as pilot:
                    found = await app.run_worker(mapper, thread=True).wait()
                    await pilot.pause()
                    assert app.is_running
                print(json.dumps(found.to_json()))

            asyncio.run(main())
            """),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == map_scenario(load_scenario(VIRTUOUS), workers=1, **SMALL).to_json()


def test_closing_the_progress_early_stops_the_processes() -> None:
    analysis = MapAnalysis(load_scenario(VIRTUOUS), workers=2, **{**SMALL, "steps": 10, "paths": 1000})
    before = set(psutil.Process().children(recursive=True))  # the cluster's, if another test started it
    progress = analysis.progress()
    assert [next(progress) for _ in range(4)] == [(0, 100), (1, 100), (2, 100), (3, 100)]
    children = [c for c in psutil.Process().children(recursive=True) if c not in before]
    assert len(children) >= 2
    progress.close()
    _, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [] and analysis.result is None


# --- ctrl+c and a scheduler that is wrong, away or missing -------------------------------------------------


def _interrupt_when(process: subprocess.Popen, ready: object, timeout: float = 120) -> None:
    """SIGINT to the command's whole process group (as a terminal's ctrl+c) once ``ready()`` is true."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the map never started"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)


def test_ctrl_c_on_the_cluster_cancels_its_tasks(cluster: str) -> None:
    _wait_for_no_tasks(cluster)  # of the tests before
    command = [str(BIN / "saas-sim"), "map", str(VIRTUOUS), *BIG_CLI, "--scheduler", cluster, "--json", "-"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT
    )
    try:
        _interrupt_when(process, lambda: tasks_on(cluster) > 100)
        out, err = process.communicate(timeout=30)
    finally:
        _stop(process)
    assert (process.returncode, out) == (130, b"")
    assert err.decode().splitlines() == ["saas-sim: map cancelled (ctrl+c): its cells were stopped"]
    _wait_for_no_tasks(cluster)  # the scheduler forgets cancelled tasks as their workers let go of them
    done = saas_sim("map", VIRTUOUS, *SMALL_CLI, "--scheduler", cluster, "--json", "-")  # and it still works
    assert (done.returncode, done.stderr) == (0, b"")


def test_a_scheduler_lost_while_the_map_runs_is_one_line(tmp_path: Path) -> None:
    with dask_cluster(tmp_path) as (address, (scheduler, _)):
        command = [str(BIN / "saas-sim"), "map", str(VIRTUOUS), *BIG_CLI, "--scheduler", address, "--json", "-"]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT
        )
        try:
            deadline = time.monotonic() + 120
            while tasks_on(address) < 100:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the map never started"
                time.sleep(0.2)
            _stop(scheduler)
            out, err = process.communicate(timeout=60)
        finally:
            _stop(process)
    assert (process.returncode, out) == (1, b"")
    assert len(err.decode().splitlines()) == 1, err.decode()
    (line,) = err.decode().splitlines()
    assert line.startswith(f"saas-sim: error: lost the Dask scheduler at {address} while the map ran"), line


def test_workers_without_saas_sim_are_one_error_not_a_wait_forever(tmp_path: Path, monkeypatch) -> None:
    """A worker that cannot import saas-sim dies on its first task, and Dask would wait for another forever."""
    (tmp_path / "shim" / "saas_sim").mkdir(parents=True)
    (tmp_path / "shim" / "saas_sim" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'saas_sim'\", name='saas_sim')\n", encoding="utf-8"
    )
    monkeypatch.setattr(maps, "CLUSTER_WAIT_S", 5.0)
    shim = {**os.environ, "PYTHONPATH": str(tmp_path / "shim")}
    with dask_cluster(tmp_path, shim) as (address, _), pytest.raises(SaasSimError) as error:
        map_scenario(load_scenario(VIRTUOUS), scheduler=address, **SMALL)
    assert str(error.value) == (
        f"no worker of the Dask scheduler at {address} ran a task in 5 s: has it workers, and saas-sim installed on them?"
    )


@pytest.mark.parametrize(
    ("address", "says"),
    [
        (
            "localhost:8786",
            "--scheduler: must be a scheduler's address such as tcp://10.0.0.5:8786, got 'localhost:8786'",
        ),
        ("tcp://127.0.0.1:99999", "--scheduler: the port of tcp://127.0.0.1:99999 must be 1 to 65535, got 99999"),
        ("tcp://127.0.0.1:0", "--scheduler: the port of tcp://127.0.0.1:0 must be 1 to 65535, got 0"),
    ],
)
def test_a_bad_scheduler_address_is_one_line(address: str, says: str) -> None:
    done = saas_sim("map", VIRTUOUS, *SMALL_CLI, "--scheduler", address, timeout=60)
    assert done.returncode == 2 and done.stdout == b""
    (line,) = done.stderr.decode().splitlines()
    assert says in line


def test_a_scheduler_nobody_listens_on_is_one_line_at_once() -> None:
    with socket.socket() as probe:  # a free port of the loopback, closed again: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = saas_sim("map", VIRTUOUS, *SMALL_CLI, "--scheduler", f"tcp://127.0.0.1:{port}", timeout=30)
    assert done.returncode == 1 and done.stdout == b""
    (line,) = done.stderr.decode().splitlines()
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: nobody listens there" in line
    # at once: a refused connection is not retried for the ten seconds a slow scheduler is given


def test_the_scheduler_without_distributed_installed_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "distributed.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'distributed'\", name='distributed')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = saas_sim("map", VIRTUOUS, *SMALL_CLI, "--scheduler", "tcp://127.0.0.1:8786", env=env, timeout=60)
    assert done.returncode == 2 and done.stdout == b""
    (line,) = done.stderr.decode().splitlines()
    assert "pip install 'saas-sim[cluster]'" in line and "--scheduler" in line


def test_ctrl_c_stops_the_local_processes_and_leaves_none() -> None:
    command = [str(BIN / "saas-sim"), "map", str(VIRTUOUS), *BIG_CLI, "--workers", "2", "--json", "-"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT
    )
    parent = psutil.Process(process.pid)
    seen: list[psutil.Process] = []

    def working() -> bool:  # two processes that have run cells for a while: past starting, well into the map
        seen[:] = parent.children(recursive=True)
        busy = [c for c in seen if _cpu_seconds(c) > 3]
        return len(busy) >= 2

    try:
        _interrupt_when(process, working)
        out, err = process.communicate(timeout=30)
    finally:
        _stop(process)
    assert (process.returncode, out) == (130, b"")
    assert err.decode().splitlines() == ["saas-sim: map cancelled (ctrl+c): its cells were stopped"]
    _, alive = psutil.wait_procs(seen, timeout=10)
    assert alive == []


def test_the_processes_block_ctrl_c_from_their_start() -> None:
    """A child of the pool has SIGINT blocked from its first instruction (inherited), not only ignored once its
    initializer runs: a ctrl+c while it imports would print a KeyboardInterrupt of its own."""
    pool = process_pool(2)
    try:
        pids = {pool.submit(os.getpid).result(timeout=120) for _ in range(4)}
        for pid in pids:
            status = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
            assert int(status["SigBlk"], 16) & (1 << (signal.SIGINT - 1)), status["SigBlk"]
    finally:
        pool.shutdown()


@pytest.mark.parametrize("after_s", [0.1, 0.3])
def test_ctrl_c_while_the_processes_start_is_one_line_too(after_s: float) -> None:
    """The processes share the terminal's process group: one still starting (importing, before its own setup)
    must not print a KeyboardInterrupt of its own."""
    command = [str(BIN / "saas-sim"), "map", str(VIRTUOUS), *BIG_CLI, "--workers", "2", "--json", "-"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT
    )
    parent = psutil.Process(process.pid)
    seen: list[psutil.Process] = []

    def starting() -> bool:
        seen[:] = parent.children(recursive=True)
        if not any("spawn_main" in " ".join(_cmdline(c)) for c in seen):
            return False
        time.sleep(after_s)  # into its imports
        seen[:] = parent.children(recursive=True)
        return True

    try:
        _interrupt_when(process, starting)
        out, err = process.communicate(timeout=30)
    finally:
        _stop(process)
    assert (process.returncode, out) == (130, b"")
    assert err.decode().splitlines() == ["saas-sim: map cancelled (ctrl+c): its cells were stopped"]
    _, alive = psutil.wait_procs(seen, timeout=10)
    assert alive == []


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system
