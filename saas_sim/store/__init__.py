"""The scenario and run store: one SQLite file, through sqlmodel, migrated by Alembic (SPEC 4).

>>> store = Store(default_path())                          # doctest: +SKIP
>>> saved, run = store.save_run(text, scenario, result)   # doctest: +SKIP

Every method of :class:`Store` is one unit of work: its own session and
transaction, committed whole or not at all.  A ``Store`` holds only the
database's engine, so one may be shared by threads (the TUI's workers).

Importing this package is light: ``Store`` (``saas_sim.store.store``) imports
SQLAlchemy and sqlmodel when it is first named, so that the checks before a
write (:func:`~saas_sim.store.database.check_for_writing`) and the records a
store answers with cost no more than :mod:`sqlite3`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saas_sim.store.database import StoreError, default_path
from saas_sim.store.records import RevisionInfo, RunInfo, SavedRevision, ScenarioInfo, split_reference

if TYPE_CHECKING:
    from saas_sim.store.store import Store

__all__ = [
    "RevisionInfo",
    "RunInfo",
    "SavedRevision",
    "ScenarioInfo",
    "Store",
    "StoreError",
    "default_path",
    "split_reference",
]


def __getattr__(name: str) -> object:
    """``Store`` on first use (PEP 562): it imports SQLAlchemy and sqlmodel, about 0.4 s."""
    if name == "Store":
        from saas_sim.store.store import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
