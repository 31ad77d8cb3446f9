"""The :class:`Store`: a saas-sim database opened for reading or writing, one unit of work per method.

Imported on first use of ``saas_sim.store.Store`` (it imports SQLAlchemy and sqlmodel).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from saas_sim.store import repository
from saas_sim.store.database import StoreError, now_utc, open_engine, read, write

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlmodel import Session

    from saas_sim.model.result import Result
    from saas_sim.model.scenario import Scenario
    from saas_sim.store.database import T
    from saas_sim.store.records import RevisionInfo, RunInfo, SavedRevision, ScenarioInfo


class Store:
    """A saas-sim database, opened on construction: for writing (the default) or, with ``write=False``, for reading.

    Raises :class:`~saas_sim.errors.InputError` for a file that is not a
    store this version can open; such a file is never modified.  For
    writing, a store is also refused when it is damaged or this user cannot
    write it, before anything is done (a new one is created, and an older
    one migrated).  For reading, a missing file is refused ("no store at
    PATH") rather than created, and a store that cannot be written is read
    read-only.
    """

    def __init__(self, path: str | Path, *, write: bool = True):
        self.path = Path(path)
        self.writable = write
        self.engine = open_engine(self.path, write=write)

    def _read(self, work: Callable[[Session], T]) -> T:
        return read(self.engine, self.path, work)

    def _write(self, work: Callable[[Session], T]) -> T:
        if not self.writable:
            raise StoreError(f"database {self.path}: opened for reading only; nothing was saved")
        return write(self.engine, self.path, work)

    # scenarios and revisions

    def save_revision(self, text: str, scenario: Scenario) -> SavedRevision:
        """Save a scenario file's text (already validated as ``scenario``) as a revision."""
        return self.save_revisions([(text, scenario)])[0]

    def save_revisions(self, files: list[tuple[str, Scenario]]) -> list[SavedRevision]:
        """Save several scenario files' texts in one transaction: all of them or none."""
        normalized = [(text, _normalized(scenario)) for text, scenario in files]
        return self._write(lambda s: [repository.save_revision(s, text, data, now_utc()) for text, data in normalized])

    def rename(self, old: str, new_text: str, new_scenario: Scenario) -> SavedRevision:
        """Rename the scenario ``old`` to ``new_scenario``'s name, saving ``new_text`` as its latest revision.

        One transaction: :class:`~saas_sim.errors.InputError` (and nothing
        changed) when ``old`` is not stored or the new name is taken.
        """
        normalized = _normalized(new_scenario)
        return self._write(lambda s: repository.rename_scenario(s, old, new_text, normalized, now_utc()))

    def find_revision(self, reference: str) -> RevisionInfo:
        """``NAME`` (its latest revision) or ``NAME@REV``."""
        return self._read(lambda s: repository.find_revision(s, reference))

    def latest_revision_of(self, scenario_id: int) -> RevisionInfo:
        """The newest revision of a scenario, found by id (it survives a rename)."""
        return self._read(lambda s: repository.latest_revision_of(s, scenario_id))

    def history(self, name: str) -> list[RevisionInfo]:
        return self._read(lambda s: repository.history(s, name))

    def scenarios(self, *, include_archived: bool = False) -> list[ScenarioInfo]:
        return self._read(lambda s: repository.list_scenarios(s, include_archived=include_archived))

    def archive(self, name: str) -> bool:
        return self._write(lambda s: repository.set_archived(s, name, True))

    def restore(self, name: str) -> bool:
        return self._write(lambda s: repository.set_archived(s, name, False))

    # runs

    def save_run(self, text: str, scenario: Scenario, result: Result) -> tuple[SavedRevision, RunInfo]:
        """Save a scenario file's revision and its run in one transaction."""
        return self.save_normalized_run(text, _normalized(scenario), result)

    def save_normalized_run(self, text: str, normalized: dict, result: Result) -> tuple[SavedRevision, RunInfo]:
        """:meth:`save_run` given the scenario's normalized form (``scenario_to_dict``), as a store worker is."""

        def work(session: Session) -> tuple[SavedRevision, RunInfo]:
            saved = repository.save_revision(session, text, normalized, now_utc())
            return saved, repository.save_run(session, saved.revision.id, result, now_utc())

        return self._write(work)

    def save_run_of(self, revision_id: int, result: Result) -> RunInfo:
        """Save a run of a stored revision (``run NAME@REV``)."""
        return self._write(lambda s: repository.save_run(s, revision_id, result, now_utc()))

    def runs(self, *, name: str | None = None, limit: int | None = None) -> tuple[list[RunInfo], int]:
        return self._read(lambda s: repository.list_runs(s, name=name, limit=limit))

    def run(self, run_id: int) -> RunInfo:
        return self._read(lambda s: repository.get_run(s, run_id))

    def result(self, run_id: int) -> Result:
        return self._read(lambda s: repository.run_result(s, run_id))


def _normalized(scenario: Scenario) -> dict:
    from saas_sim.io.scenario import scenario_to_dict

    return scenario_to_dict(scenario)
