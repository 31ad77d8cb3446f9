"""What the store answers: plain frozen records, safe to hand to another thread or process.

They live apart from the repository, which imports SQLAlchemy and sqlmodel, so that a
process that only receives them (``saas-sim run`` from its store worker) imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ScenarioInfo:
    id: int
    name: str
    archived: bool
    created_at: datetime
    updated_at: datetime  # when its latest revision was saved
    revision: int  # the latest revision's number
    revisions: int
    runs: int
    last_run_id: int | None
    last_arr_end_p50: float | None
    last_focus: str | None
    currency: str  # the latest revision's


@dataclass(frozen=True)
class RevisionInfo:
    id: int
    scenario_id: int
    name: str
    number: int
    created_at: datetime
    content_hash: str
    yaml_text: str
    normalized: dict
    runs: int
    latest_number: int  # the number of the scenario's newest revision
    archived: bool

    @property
    def latest(self) -> bool:
        return self.number == self.latest_number


@dataclass(frozen=True)
class RunInfo:
    id: int
    name: str
    revision: int
    revision_id: int
    created_at: datetime
    paths: int
    seed: int
    horizon_months: int
    engine_version: str
    elapsed_s: float
    status: str
    arr_end_p50: float | None
    focus: str | None
    archived: bool
    currency: str  # the revision's


@dataclass(frozen=True)
class SavedRevision:
    revision: RevisionInfo
    created: bool  # False: the content equals the latest revision's, which is reused
    restored: bool  # the scenario was archived and is back


def split_reference(reference: str) -> tuple[str, int | None]:
    """``"Acme@3"`` -> ``("Acme", 3)``; ``"Acme"`` -> ``("Acme", None)``."""
    name, at, number = reference.rpartition("@")
    number = number.strip()
    if at and name and number.isascii() and number.isdigit() and len(number) <= 30:
        return name, int(number)
    return reference, None
