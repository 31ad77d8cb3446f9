"""Opening a store: checks before touching the file, one engine per database, migrations, retries.

The store is one SQLite file in WAL mode.  Every unit of work gets its own
session (sqlmodel's advice); a write takes SQLite's write lock at its start
(``BEGIN IMMEDIATE``) so that concurrent writers queue on the busy timeout
instead of failing half-way, and a write that still finds the database busy
is retried.  A file is inspected read-only before anything is written to it:
one that is not a saas-sim store, is damaged, or was written by a newer
version is refused and left as it was.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from saas_sim.errors import InputError, Problem, SaasSimError

T = TypeVar("T")

ENVIRONMENT_VARIABLE = "SAAS_SIM_DB"
FILE_NAME = "saas-sim.db"
# PRAGMA application_id marks a saas-sim store ("SSIM"), so another program's SQLite file is told apart.
APPLICATION_ID = 0x5353494D
SQLITE_HEADER = b"SQLite format 3\x00"
# The migrations in order; the last is the schema this version writes.  A test checks the
# list against alembic's scripts, so that opening a current database never imports alembic.
MIGRATIONS = ("0001",)
HEAD = MIGRATIONS[-1]
BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 6
WRITE_OPTION = "saas_sim_write"


class StoreError(SaasSimError):
    """The store failed (busy beyond every retry, disk full, ...): exit code 1."""


def default_path(db: str | os.PathLike[str] | None = None) -> Path:
    """``--db PATH``, else ``$SAAS_SIM_DB``, else ``saas-sim.db`` in the user data directory (SPEC 4)."""
    if db:
        return Path(db)
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return Path(os.environ[ENVIRONMENT_VARIABLE])
    import platformdirs

    return Path(platformdirs.user_data_dir("saas-sim", appauthor=False)) / FILE_NAME


def now_utc() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def _refusal(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), None, "", message)])


def inspect(path: Path) -> str | None:
    """The schema version of the store at ``path``; None for a new or empty file.

    Reads the file only (SQLite's read-only mode) and raises
    :class:`InputError` for anything that is not a store this version can
    open: a directory, a file that is not SQLite, a damaged database,
    another program's database, a store from a newer version.
    """
    if path.is_dir():
        raise _refusal(path, "is a directory, not a database file")
    if not path.exists():
        if not path.parent.is_dir():
            raise _refusal(path, f"no such directory: {path.parent}")
        return None
    try:
        with open(path, "rb") as file:
            header = file.read(100)
    except OSError as error:
        raise _refusal(path, f"cannot be read: {(error.strerror or str(error)).lower()}") from None
    if not header:
        return None
    if not header.startswith(SQLITE_HEADER):
        raise _refusal(path, "is not a saas-sim database (not an SQLite file); it was left untouched")
    # A read-only connection to a WAL database creates -wal and -shm files beside it, which it
    # cannot remove.  With no -wal file there is no writer and nothing beyond the main file to
    # read: then read it as immutable, which creates nothing.
    wal_mode = len(header) > 18 and header[18] == 2
    immutable = "&immutable=1" if wal_mode and not Path(f"{path}-wal").exists() else ""
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro{immutable}", uri=True)
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = None
            if application_id == APPLICATION_ID and "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                version = row[0] if row else None
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise _refusal(path, f"is damaged or not a database ({error}); it was left untouched") from None
    if application_id != APPLICATION_ID:
        if tables:
            raise _refusal(path, "is an SQLite database of another program, not a saas-sim store; it was left untouched")
        return None
    if version is None:
        raise _refusal(path, "is a saas-sim store without a schema version (damaged); it was left untouched")
    if version not in MIGRATIONS:
        raise _refusal(path, f"was written by a newer saas-sim (schema {version}; this version knows up to {HEAD});"
                             " upgrade saas-sim to open it. It was left untouched")
    return version


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(path: Path) -> Engine:
    """The one engine of the database at ``path`` (made on first use; safe to share across threads)."""
    key = path.resolve()
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _new_engine(key)
    return engine


def dispose_engines() -> None:
    """Close every engine's connections (tests; a long-lived app switching databases)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def sqlite_url(path: Path) -> URL:
    """The URL of the file itself: a path with ``?`` or ``%`` in its name is not read as a URL."""
    return URL.create("sqlite", database=str(path))


def mark_as_store(connection) -> None:
    """Stamp the file as a saas-sim store (in the migration's transaction)."""
    connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def _new_engine(path: Path) -> Engine:
    # check_same_thread=False lets the pool hand a connection to another thread; no
    # session is ever shared between threads (one session per unit of work).
    engine = create_engine(sqlite_url(path), connect_args={
        "check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")  # a committed run survives a power cut too
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _is_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message


def retrying(path: Path, work: Callable[[], T]) -> T:
    """``work()``, retried with jittered back-off while the database stays busy.

    Each attempt already waits up to the busy timeout; SQLite errors become
    :class:`StoreError` naming the database.
    """
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return work()
        except OperationalError as error:
            if not _is_busy(error) or attempt == WRITE_ATTEMPTS - 1:
                raise StoreError(f"database {path}: {error.orig}; nothing was saved") from error
            time.sleep(min(0.05 * 2 ** attempt, 1.0) * random.uniform(0.5, 1.5))
        except SQLAlchemyError as error:
            raise StoreError(f"database {path}: {getattr(error, 'orig', None) or error}") from error
    raise AssertionError("unreachable")


def migrate(engine: Engine, path: Path) -> None:
    """Bring the database to :data:`HEAD` in one transaction that holds the write lock.

    Several processes may open a new database at once: each checks the
    version again under the lock, so only the first one migrates.
    """
    def attempt() -> None:
        with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection, connection.begin():
            tables = {row[0] for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = None
            if "alembic_version" in tables:
                version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if version == HEAD:
                return
            if version is not None and version not in MIGRATIONS:
                raise _refusal(path, f"was written by a newer saas-sim (schema {version})")
            from alembic import command
            from alembic.config import Config

            config = Config()
            config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
            config.attributes["connection"] = connection
            command.upgrade(config, HEAD)
            mark_as_store(connection)

    retrying(path, attempt)


def open_engine(path: Path) -> Engine:
    """Inspect, then open and migrate the database at ``path``; its engine."""
    version = inspect(path)
    engine = engine_for(path)
    if version != HEAD:
        migrate(engine, path)
    return engine


def read(engine: Engine, path: Path, work: Callable[[Session], T]) -> T:
    """One unit of reading: a session of its own, closed afterwards."""
    def attempt() -> T:
        with Session(engine, expire_on_commit=False) as session:
            return work(session)

    return retrying(path, attempt)


def write(engine: Engine, path: Path, work: Callable[[Session], T]) -> T:
    """One unit of writing: a session holding the write lock from its first statement, committed whole or not at all."""
    writer = engine.execution_options(**{WRITE_OPTION: True})

    def attempt() -> T:
        with Session(writer, expire_on_commit=False) as session:
            value = work(session)
            session.commit()
            return value

    return retrying(path, attempt)
