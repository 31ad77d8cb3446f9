"""The store worker: a run saved by a second process is the run the store saves, once, or the command says it is unsure."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from saas_sim.io.result import result_to_json
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store, StoreError
from saas_sim.store import worker as worker_module
from saas_sim.store.database import HEAD, check_for_writing
from saas_sim.store.worker import StoreWorker
from tests.store.conftest import ACME


def fake_worker(script: str) -> list[str]:
    """A worker that answers as ``script`` says (``send(...)`` pickles a message to the command)."""
    prelude = textwrap.dedent("""
        import pickle, sys
        def send(*message):
            pickle.dump(message, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        def receive():
            return pickle.load(sys.stdin.buffer)
    """)
    return [sys.executable, "-c", prelude + textwrap.dedent(script)]


def stored_runs(path: Path) -> list[tuple]:
    store = Store(path, write=False)
    runs, _ = store.runs()
    return [(run.name, run.revision, run.seed, store.result(run.id).to_json()) for run in runs]


def without_times(record: object) -> dict:
    fields = dataclasses.asdict(record)  # type: ignore[call-overload]
    for name in ("created_at", "updated_at"):
        fields.pop(name, None)
    if isinstance(fields.get("revision"), dict):
        fields["revision"].pop("created_at")
    return fields


@pytest.mark.parametrize("existing", [False, True], ids=["new store", "existing store"])
def test_a_worker_saves_what_the_store_saves(tmp_path, result, existing):
    here, there = tmp_path / "here.db", tmp_path / "there.db"
    if existing:
        for path in (here, there):
            Store(path).save_revision(
                ACME.replace("seed: 3", "seed: 4"), parse_scenario(ACME.replace("seed: 3", "seed: 4"))
            )
    saved_here, run_here = Store(here).save_run(ACME, parse_scenario(ACME), result)
    with StoreWorker().open(there, check_for_writing(there)) as worker:
        saved_there, run_there = worker.save_run(ACME, parse_scenario(ACME), result)
    assert without_times(saved_there) == without_times(saved_here)
    assert without_times(run_there) == without_times(run_here)
    assert stored_runs(there) == stored_runs(here)
    assert stored_runs(there)[0][3] == json.loads(result_to_json(result))
    assert Store(there).find_revision("Acme").yaml_text == ACME


def test_a_worker_that_is_gone_before_it_has_the_run_leaves_the_save_to_the_command(tmp_path, result):
    path = tmp_path / "store.db"
    worker = StoreWorker()
    assert worker.process is not None
    worker.process.kill()
    worker.process.wait()
    worker.open(path, check_for_writing(path))
    saved, run = worker.save_run(ACME, parse_scenario(ACME), result)
    assert saved.created and run.id == 1
    assert len(stored_runs(path)) == 1


@pytest.mark.parametrize(
    "script",
    [
        'receive(); send("failed", "Traceback: no store for you")',  # opening it failed
        'receive(); send("ready"); receive(); send("failed", "Traceback: rolled back")',  # its transaction failed
        'sys.stdout.buffer.write(b"not a message"); sys.stdout.buffer.flush()',  # garbage
        "",  # gone without a word
    ],
    ids=["failed to open", "failed to save", "garbage", "silent"],
)
def test_a_worker_that_saved_nothing_leaves_the_save_to_the_command_and_the_run_is_saved_once(tmp_path, result, script):
    path = tmp_path / "store.db"
    with StoreWorker(command=fake_worker(script)).open(path, check_for_writing(path)) as worker:
        saved, run = worker.save_run(ACME, parse_scenario(ACME), result)
    assert run.id == 1 and saved.revision.number == 1
    assert len(stored_runs(path)) == 1


def test_a_worker_that_dies_holding_the_run_makes_the_command_say_it_is_unsure(tmp_path, result):
    path = tmp_path / "store.db"
    Store(path)  # a store at HEAD: the command does not save the run itself
    script = 'receive(); send("ready"); receive(); sys.exit(3)'
    with (
        StoreWorker(command=fake_worker(script)).open(path, check_for_writing(path)) as worker,
        pytest.raises(StoreError, match="ended before it said whether the run was saved"),
    ):
        worker.save_run(ACME, parse_scenario(ACME), result)
    assert stored_runs(path) == []


def test_no_interpreter_to_start_means_the_command_saves_the_run(tmp_path, result):
    path = tmp_path / "store.db"
    worker = StoreWorker(command=[str(tmp_path / "no-such-python")]).open(path, check_for_writing(path))
    assert worker.process is None
    worker.save_run(ACME, parse_scenario(ACME), result)
    assert len(stored_runs(path)) == 1


def test_a_worker_given_no_run_exits_and_leaves_the_store_as_it_was(tmp_path):
    path = tmp_path / "store.db"
    Store(path).save_revision(ACME, parse_scenario(ACME))
    before = path.read_bytes()
    worker = StoreWorker().open(path, check_for_writing(path))
    process = worker.process
    assert process is not None
    worker.close()
    assert process.returncode is not None
    assert path.read_bytes() == before
    worker.close()  # twice is harmless


def test_a_worker_opens_a_store_that_another_process_checked(tmp_path, result):
    """``version`` is what the command's check found: a new store is created by the worker, one at HEAD reused."""
    path = tmp_path / "store.db"
    assert check_for_writing(path) is None
    with StoreWorker().open(path, None) as worker:
        worker.save_run(ACME, parse_scenario(ACME), result)
    assert check_for_writing(path) == HEAD
    with StoreWorker().open(path, HEAD) as worker:
        _, run = worker.save_run(ACME, parse_scenario(ACME), result)
    assert run.id == 2


def test_checking_a_store_and_its_records_import_neither_sqlalchemy_nor_sqlmodel(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from saas_sim.store import RevisionInfo, RunInfo, SavedRevision, ScenarioInfo, StoreError
        from saas_sim.store.database import check_for_writing
        from saas_sim.store.worker import StoreWorker
        check_for_writing(Path({str(tmp_path / "store.db")!r}))
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic", "pydantic")))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("cores", "load", "idle"),
    [(2, 0.3, True), (2, 1.2, True), (2, 1.6, False), (2, 6.0, False), (1, 0.0, True), (8, 7.0, True), (2, None, True)],
)
def test_a_worker_is_started_only_when_a_core_is_idle_to_run_it(monkeypatch, cores, load, idle):
    monkeypatch.setattr(worker_module.os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    if load is None:  # no load average (Windows): a second core is the guess
        monkeypatch.delattr(worker_module.os, "getloadavg", raising=False)
    else:
        monkeypatch.setattr(worker_module.os, "getloadavg", lambda: (load, load, load))
    assert worker_module.a_core_is_idle() is idle
