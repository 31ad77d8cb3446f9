"""``saas-sim run`` starts the store's worker as it reads its arguments, for a run that saves, and never leaves one behind."""

from __future__ import annotations

import subprocess
import sys

import pytest

from saas_sim.cli import store as cli_store
from saas_sim.store import worker as worker_module


@pytest.fixture
def idle(monkeypatch):
    """As on an idle machine, in a process that has not loaded the store (the tests' process may have)."""
    monkeypatch.setattr(worker_module, "a_core_is_idle", lambda: True)
    monkeypatch.delitem(sys.modules, "saas_sim.store.store", raising=False)


@pytest.mark.parametrize(
    ("args", "started"),
    [
        (["run", "x.yaml"], True),
        (["--debug", "run", "x.yaml", "--db", "s.db"], True),
        (["run", "x.yaml", "--no-save"], False),
        (["run", "--help"], False),
        (["scenarios", "list"], False),
        ([], False),
    ],
)
def test_a_worker_is_started_for_a_run_that_saves_and_stopped_when_unused(idle, args, started):
    with cli_store.early_store_worker(args):
        worker = cli_store._early[0]
        assert (worker is not None) is started
    assert cli_store._early[0] is None
    if worker is not None:
        assert worker.process is None  # stopped and let go


def test_no_worker_on_a_busy_machine(monkeypatch):
    monkeypatch.setattr(worker_module, "a_core_is_idle", lambda: False)
    monkeypatch.delitem(sys.modules, "saas_sim.store.store", raising=False)
    with cli_store.early_store_worker(["run", "x.yaml"]):
        assert cli_store._early[0] is None


def test_the_run_takes_the_worker_started_with_the_command(idle, tmp_path):
    with cli_store.early_store_worker(["run", "x.yaml"]):
        early = cli_store._early[0]
        with cli_store.open_store_for_a_run(tmp_path / "store.db") as worker:
            assert worker is early and worker.path == tmp_path / "store.db"
            assert cli_store._early[0] is None
            process = worker.process
    assert process is not None and process.returncode is not None  # given no run: stopped


def test_a_store_refused_before_the_run_stops_the_early_worker_too(idle, tmp_path):
    damaged = tmp_path / "store.db"
    damaged.write_bytes(b"not a database at all" * 10)
    with cli_store.early_store_worker(["run", "x.yaml"]):
        early = cli_store._early[0]
        assert early is not None and early.process is not None
        process = early.process
        with pytest.raises(Exception, match="not a saas-sim database"):
            cli_store.open_store_for_a_run(damaged)
    assert process.returncode is not None
    assert damaged.read_bytes() == b"not a database at all" * 10


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["scenarios", "--help"], ["run", "missing.yaml", "--no-save"]]
)
def test_commands_that_save_no_run_import_nothing_of_the_store(args):
    script = (
        "import sys\nfrom saas_sim.cli import main\nsys.argv = ['saas-sim', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('saas_sim.store')), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "[]"
