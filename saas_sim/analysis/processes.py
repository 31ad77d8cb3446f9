"""Worker processes that are safe to start from anywhere: beside threads, and from a script without a
``if __name__ == "__main__":`` guard.

The start method matters:

* ``fork`` copies a process whose other threads (a Textual app's, a thread pool's) may hold locks
  that no thread of the child will ever release: the child can hang on its first allocation;
* ``spawn`` (and ``forkserver``) start a fresh interpreter, safe beside threads, but each child
  first runs the parent's main script again, under the name ``__mp_main__``, to find what the
  parent defined there.  A script that calls the map at its top level, without the guard, would
  then call it again in every child, which refuses to start processes while it is starting itself.

:class:`SafeSpawnContext` spawns, and starts each child with the main module hidden: the children
run only functions of saas-sim (importable by name), so they have no need of the script, and never
run it.  A child ignores ctrl+c: the parent decides what to cancel (it stops its workers itself).  It
ignores it from its first instruction on: a terminal sends ctrl+c to every process of its group, and a
child still importing would otherwise print a ``KeyboardInterrupt`` of its own under the command's one line.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

_STARTING = threading.Lock()


@contextmanager
def _main_hidden() -> Iterator[None]:
    """``sys.modules["__main__"]`` as a bare module (no file, no spec) while a child is started, so that
    :func:`multiprocessing.spawn.get_preparation_data` gives the child no script to run again."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


@contextmanager
def _interrupt_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread while a child is started: the child inherits the blocked signal and keeps it
    blocked (Python never unblocks it), so ctrl+c cannot reach it before its initializer ignores it."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no process groups sharing ctrl+c this way
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _resource_tracker_started() -> None:
    """multiprocessing starts its resource tracker with the first process or queue, handing it ``sys.stderr.fileno()``:
    while a Textual app runs, ``sys.stderr`` is its capture, whose ``fileno()`` is -1, and that start fails
    ("bad value(s) in fds_to_keep").  Then the tracker is started here, its stderr to nowhere (its warnings
    would land over the screen)."""
    try:
        usable = sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):  # no fileno at all: multiprocessing leaves it out itself
        usable = True
    if usable:
        return
    from multiprocessing import resource_tracker

    captured = sys.stderr
    with open(os.devnull, "w") as nowhere:
        sys.stderr = nowhere
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = captured


class SafeSpawnProcess(SpawnProcess):
    """A spawned process started without the parent's main script (see the module's docstring)."""

    def start(self) -> None:
        with _STARTING, _main_hidden(), _interrupt_blocked():
            _resource_tracker_started()
            super().start()


class SafeSpawnContext(SpawnContext):
    """The ``spawn`` context whose processes are :class:`SafeSpawnProcess`."""

    Process = SafeSpawnProcess  # a SpawnProcess, as the base's


def _ignore_interrupt(then: Callable[..., Any] | None, args: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if then is not None:
        then(*args)


def process_pool(
    workers: int, *, initializer: Callable[..., Any] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started safely (:class:`SafeSpawnContext`), each ignoring ctrl+c."""
    with _STARTING:
        _resource_tracker_started()  # the pool's queues register with it at once
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=SafeSpawnContext(),
        initializer=_ignore_interrupt,
        initargs=(initializer, initargs),
    )


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop at once: cancel what has not started and end the processes running a task."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=2)
        if process.is_alive():  # a niced worker on a loaded machine may not have run since: SIGKILL waits for nothing
            process.kill()
            process.join(timeout=5)
