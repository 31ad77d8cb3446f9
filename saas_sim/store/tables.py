"""The store's tables (sqlmodel).  Alembic migrations in ``migrations/`` create them.

A *scenario* is a name; its *revisions* are the successive contents saved
under that name; a *run* simulated one revision, and its result document
(SPEC 5) lives zlib-compressed in ``run_results``, apart from the run's row
so that listings never load it.  Times are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ScenarioRecord(SQLModel, table=True):
    __tablename__ = "scenarios"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    archived: bool = Field(default=False)
    created_at: datetime


class RevisionRecord(SQLModel, table=True):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("scenario_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenarios.id", index=True)
    number: int  # 1, 2, ... within the scenario
    yaml_text: str  # the file as written, comments and all
    normalized: str  # the normalized scenario (SPEC 5's "scenario"), canonical JSON
    content_hash: str  # sha256 of yaml_text with its line endings made \n
    created_at: datetime


class RunRecord(SQLModel, table=True):
    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revisions.id", index=True)
    seed: int
    paths: int
    horizon_months: int
    engine_version: str
    created_at: datetime
    elapsed_s: float
    status: str  # "complete": a run is written only once its result is whole
    arr_end_p50: float | None = None  # headline figures, for listings without the document
    focus: str | None = None


class RunResultRecord(SQLModel, table=True):
    __tablename__ = "run_results"

    run_id: int = Field(foreign_key="runs.id", primary_key=True)
    encoding: str  # "json+zlib"
    document: bytes
