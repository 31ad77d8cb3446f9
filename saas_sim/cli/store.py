"""What the store's commands share: opening the store, the listings' console, JSON listings."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from saas_sim.store import RevisionInfo, RunInfo, ScenarioInfo, Store


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
    if write and db is None and not os.environ.get("SAAS_SIM_DB"):
        path.parent.mkdir(parents=True, exist_ok=True)
    return Store(path, write=write)


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
