"""Saving a run from a second process, so that the store's imports overlap the simulation.

Importing the store (SQLAlchemy, sqlmodel, pydantic: 0.4-0.6 s) takes about as
long as reading and simulating the starter scenario.  A thread cannot overlap
the two (an import holds the GIL from start to end); a second process can, on
the second core.  ``saas-sim run`` starts ``python -m saas_sim.store.worker``
(:class:`StoreWorker`) as it reads its arguments, and the worker imports the
store meanwhile: it needs about 0.7 s of CPU, the command about 1 s before it
has a run to save.  The command checks the store itself
(:func:`~saas_sim.store.database.check_for_writing`, which needs only
:mod:`sqlite3`), so a store that is damaged or cannot be written is still
refused before anything is simulated; then it names the store to the worker,
which opens it (creating or migrating its schema) while the command
simulates, receives the run, saves it in one transaction and answers what it
saved.

Nothing can be lost or saved twice: the worker saves in one transaction
(committed whole or not at all), and whenever it saved nothing (it failed to
open the store, its transaction failed and was rolled back, or it was gone
before it had the run) the command saves the run itself, as it would without
a worker, and reports that attempt's error if there is one.  Only a worker
that dies while it holds the run (killed, or a crash of the interpreter)
leaves the command unsure whether the run was saved, and it says so.  A
worker whose command ends first (even killed) exits without writing.

Messages are pickled over the worker's stdin and stdout.  The command names
the store, ``("open", path, version)``; the worker answers ``("ready",)``
once it is open, or ``("failed", why)``; then, given ``("save", text,
normalized scenario, result)``, ``("saved", saved_revision, run_info)`` or
``("failed", why)``.  A worker whose stdin closes before it got a run exits
and writes nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import subprocess
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from saas_sim.store.database import StoreError

if TYPE_CHECKING:
    from saas_sim.model.result import Result
    from saas_sim.model.scenario import Scenario
    from saas_sim.store.records import RunInfo, SavedRevision

# How long a worker that was never given a run may take to go (it exits when its stdin closes).
EXIT_WAIT_S = 5.0
# A worker needs 0.5-0.9 s of a core, once: worth it when more than half a core was idle over the last minute.
IDLE_CORES_NEEDED = 0.5


def a_core_is_idle() -> bool:
    """Whether a worker would run beside this process rather than in its place.

    On a machine whose cores are all busy the worker only adds its own start
    (an interpreter, pydantic a second time: about 0.2 s of CPU) to the
    command's time; measured on a 2-core machine at a load of 5-6 (medians of
    7), a run that saves took 2.8-3.1 s with a worker against 2.2-2.6 s without.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows: no load average; a second core is the best guess
        return cores > 1
    return cores - load > IDLE_CORES_NEEDED


class StoreWorker:
    """A store opened by a second process while this one works; :meth:`save_run` as :meth:`Store.save_run`.

    The process starts importing at once (a command starts it as it reads its
    arguments); :meth:`open` names the store, once
    :func:`~saas_sim.store.database.check_for_writing` passed it (``version``
    is what it found).  Use it as a context manager: on leaving, a worker
    that got no run is stopped.  With ``start=False`` (or when no process can
    be started) the run is saved in this process.
    """

    def __init__(self, *, start: bool = True, command: list[str] | None = None):
        self.path: Path | None = None
        self.version: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        if not start:
            return
        try:
            self.process = subprocess.Popen(
                command or [sys.executable, "-m", "saas_sim.store.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError):  # no interpreter to start (an embedded Python): the run is saved here
            self.process = None

    def open(self, path: Path, version: str | None) -> StoreWorker:
        """Have the worker open the store at ``path``, which :func:`check_for_writing` found at ``version``."""
        self.path, self.version = path, version
        if self.process is not None and self.process.stdin is not None:
            try:
                _send(self.process.stdin, "open", str(path), version)
            except OSError:  # gone already: the run will be saved here
                self.close()
        return self

    def __enter__(self) -> StoreWorker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self, *, answered: bool = False) -> None:
        """Let the worker go: one that has answered is left to exit; one that got no run is stopped (it holds nothing)."""
        process, self.process = self.process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # what is left unsent to a worker that is gone stays unsent
                    stream.close()
        if not answered:
            process.terminate()
        try:
            process.wait(EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def save_run(self, text: str, scenario: Scenario, result: Result) -> tuple[SavedRevision, RunInfo]:
        """Save a scenario file's revision and its run in one transaction, by the worker if it can."""
        from saas_sim.io.scenario import scenario_to_dict  # loaded already: the scenario was read

        path = self.path
        if path is None:
            raise ValueError("StoreWorker.save_run before open()")
        normalized = scenario_to_dict(scenario)  # here, so the worker needs neither YAML nor numpy
        answer = None
        try:
            answer = self._ask(text, normalized, result)
        finally:
            self.close(answered=answer is not None)
        if answer is None:  # no worker, or it failed or was gone before it committed: nothing was saved
            from saas_sim.store import Store
            from saas_sim.store.database import open_checked

            open_checked(path, self.version)  # checked already: not twice
            return Store(path).save_normalized_run(text, normalized, result)
        return answer

    def _ask(self, text: str, normalized: dict, result: Result) -> tuple[SavedRevision, RunInfo] | None:
        """The worker's answer; None when it saved nothing (it failed, or was gone, before it committed)."""
        process = self.process
        if process is None or process.stdin is None or process.stdout is None:
            return None
        try:
            if _receive(process.stdout)[0] != "ready":
                return None
            _send(process.stdin, "save", text, normalized, result)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        try:
            answer = _receive(process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            answer = ("gone",)
        if answer[0] == "saved":
            return answer[1], answer[2]
        if answer[0] == "failed":  # an error inside its transaction: rolled back, nothing was saved
            return None
        raise StoreError(
            f"database {self.path}: the process saving the run ended before it said whether the run was saved"
            " ('saas-sim runs list' shows it if it was)"
        )


def _receive(stream: IO[bytes]) -> tuple[Any, ...]:
    message = pickle.load(stream)
    if not isinstance(message, tuple) or not message:
        raise pickle.UnpicklingError(f"not a message: {message!r}")
    return message


def _send(stream: IO[bytes], *message: object) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker's side: import the store, open the one it is named, save the one run it is given.

    It ends, writing nothing, when ``requests`` ends before a run comes.
    """
    try:
        from saas_sim.store import Store
        from saas_sim.store.database import open_checked

        importlib.import_module("saas_sim.io.result")  # what saving uses: loaded while the command works
    except Exception:
        _send(answers, "failed", traceback.format_exc())
        return
    try:
        _, path, version = _receive(requests)
    except (EOFError, OSError):  # the command ended (or was killed) without a store to open
        return
    try:
        open_checked(Path(path), version)
        store = Store(path)
    except Exception:
        _send(answers, "failed", traceback.format_exc())
        return
    try:
        _send(answers, "ready")
        request = _receive(requests)
    except (EOFError, OSError):  # the command ended (or was killed) without a run to save
        return
    try:
        _, text, normalized, result = request
        saved, run = store.save_normalized_run(text, normalized, result)
    except Exception:
        _send(answers, "failed", traceback.format_exc())
        return
    _send(answers, "saved", saved, run)


def main() -> None:
    """``python -m saas_sim.store.worker``: messages on stdin and stdout."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not end up in the answers
    serve(requests, answers)


if __name__ == "__main__":
    main()
