"""What the store's commands share: opening the store, the listings' console, JSON listings."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from rich.console import Console

    from saas_sim.store import RevisionInfo, RunInfo, ScenarioInfo, Store
    from saas_sim.store.worker import StoreWorker


def open_store(db: Path | None, *, write: bool = True, create: bool = True) -> Store:
    """The store of ``--db``, ``$SAAS_SIM_DB`` or the user data directory.

    For writing it is made on first use (unless ``create`` is false), and
    refused up front when damaged or not writable; a command that only reads
    passes ``write=False``: a missing store is then "no store at PATH",
    never created.
    """
    from saas_sim.store import Store, default_path

    path = default_path(db)
    if not create and not path.exists():
        write = False  # says "no store at PATH"
    if write:
        _make_default_directory(db, path)
    return Store(path, write=write)


def open_store_for_a_run(db: Path | None) -> StoreWorker:
    """The store a run is saved in, checked now: one that is damaged or cannot be written is refused before any work.

    Opening it imports SQLAlchemy and sqlmodel (0.4-0.6 s), as long as a small
    simulation: a :class:`~saas_sim.store.worker.StoreWorker` does that in a
    second process while this one simulates (the one :func:`early_store_worker`
    started, else one started now), when a core is idle to run it and this
    process has not loaded them already (the TUI, tests).
    """
    from saas_sim.store.database import check_for_writing, default_path
    from saas_sim.store.worker import StoreWorker, a_core_is_idle

    path = default_path(db)
    _make_default_directory(db, path)
    version = check_for_writing(path)
    worker, _early[0] = _early[0], None
    if worker is None:
        worker = StoreWorker(start="saas_sim.store.store" not in sys.modules and a_core_is_idle())
    return worker.open(path, version)


# The worker main() started for this command, until the run takes it.
_early: list[StoreWorker | None] = [None]


@contextmanager
def early_store_worker(args: list[str]) -> Iterator[None]:
    """Start the store's worker as the command line is read, when it asks for a run that saves, and stop it unused.

    Started here, before the arguments are parsed (typer's parsing imports
    pydantic: 0.2 s), the worker has imported the store by the time the run
    is simulated.  The words are only a guess (``run NAME`` reads the store
    here, ``run FILE`` may be refused): a worker that is not needed is stopped
    at the end, having written nothing.
    """
    words = args[1:] if args[:1] == ["--debug"] else args
    saving_run = words[:1] == ["run"] and not {"--no-save", "--help", "-h"} & set(words[1:])
    if saving_run and "saas_sim.store.store" not in sys.modules:  # other commands import nothing of the store here
        from saas_sim.store.worker import StoreWorker, a_core_is_idle

        if a_core_is_idle():
            _early[0] = StoreWorker()
    try:
        yield
    finally:
        worker, _early[0] = _early[0], None
        if worker is not None:
            worker.close()


def _make_default_directory(db: Path | None, path: Path) -> None:
    """The user data directory is made on first use; a path the user gave must exist."""
    if db is None and not os.environ.get("SAAS_SIM_DB"):
        path.parent.mkdir(parents=True, exist_ok=True)


def listing_console() -> Console:
    """A console for tables: the terminal's width, or on a pipe wide enough that no cell is cut."""
    from rich.console import Console

    from saas_sim.render.store import listing_width

    return Console(highlight=False, width=listing_width(sys.stdout.isatty()))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def scenario_json(info: ScenarioInfo) -> dict:
    return {
        "id": info.id,
        "name": info.name,
        "created_at": iso(info.created_at),
        "updated_at": iso(info.updated_at),
        "archived": info.archived,
        "revision": info.revision,
        "revisions": info.revisions,
        "runs": info.runs,
        "last_run": info.last_run_id,
        "last_arr_end_p50": info.last_arr_end_p50,
        "last_focus": info.last_focus,
    }


NOT_GIVEN: list[str] = []


def revision_json(info: RevisionInfo, changes: list[str] | None = NOT_GIVEN) -> dict:
    """A revision's facts; with ``changes`` (None for a first revision) the fields it changed."""
    data = {
        "id": info.id,
        "name": info.name,
        "revision": info.number,
        "created_at": iso(info.created_at),
        "content_hash": info.content_hash,
        "runs": info.runs,
        "latest": info.latest,
        "archived": info.archived,
    }
    if changes is not NOT_GIVEN:
        data["changes"] = changes
    return data


def run_json(info: RunInfo) -> dict:
    return {
        "id": info.id,
        "name": info.name,
        "revision": info.revision,
        "created_at": iso(info.created_at),
        "paths": info.paths,
        "seed": info.seed,
        "horizon_months": info.horizon_months,
        "engine_version": info.engine_version,
        "elapsed_s": info.elapsed_s,
        "status": info.status,
        "arr_end_p50": info.arr_end_p50,
        "focus": info.focus,
    }


def write_json_value(value: dict | list, target: str) -> None:
    from saas_sim.io.result import write_json

    write_json(value, target)
