"""Opening a store: checks before touching the file, one engine per database, migrations, retries.

The store is one SQLite file in WAL mode.  Every unit of work gets its own
session (sqlmodel's advice); a write takes SQLite's write lock at its start
(``BEGIN IMMEDIATE``) so that concurrent writers queue on the busy timeout
instead of failing half-way, and a write that still finds the database busy
is retried.  A file is inspected read-only before anything is written to it:
one that is not a saas-sim store, is damaged, or was written by a newer
version is refused and left as it was.

Before the first write of a process, a store is checked (``PRAGMA
quick_check``, once per database and process) and found writable: a
damaged store or one this user cannot write is refused before any work,
untouched.  A command that only reads opens the store without creating it
("no store at PATH"), and reads a store it cannot write read-only.

The checks need only :mod:`sqlite3`: this module imports SQLAlchemy and
sqlmodel (about 0.4 s) in the functions that make and use engines, so that
``saas-sim run`` can check a store before simulating and leave the rest to
a second process (:mod:`saas_sim.store.worker`).
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

from saas_sim.errors import InputError, Problem, SaasSimError

if TYPE_CHECKING:  # SQLAlchemy and sqlmodel are imported by the functions that use them (see the module's doc)
    from sqlalchemy import URL, Connection, Engine
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

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


class Damaged(Exception):
    """A record that cannot be read back (raised by the repository; the store names its file)."""


# SQLite's words for a file that is damaged, as they appear in its errors.
DAMAGE_WORDS = ("malformed", "not a database", "corrupt")


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
    try:
        connection = read_only_connection(path, wal_mode=len(header) > 18 and header[18] == 2)
        try:
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
            raise _refusal(
                path, "is an SQLite database of another program, not a saas-sim store; it was left untouched"
            )
        return None
    if version is None:
        raise _refusal(path, "is a saas-sim store without a schema version (damaged); it was left untouched")
    if version not in MIGRATIONS:
        raise _refusal(
            path,
            f"was written by a newer saas-sim (schema {version}; this version knows up to {HEAD});"
            " upgrade saas-sim to open it. It was left untouched",
        )
    return version


def file_uri(path: Path, query: str) -> str:
    """An SQLite URI for ``path`` with ``query``: the name is quoted, so '%', '?' or '#' in it stay in the name."""
    return f"file:{quote(str(Path(path).resolve()))}?{query}"


def read_only_connection(path: Path, *, wal_mode: bool) -> sqlite3.Connection:
    """A connection that cannot write the file, and creates nothing beside it.

    A read-only connection to a WAL database creates -wal and -shm files
    beside it, which it cannot remove.  With no -wal file there is no writer
    and nothing beyond the main file to read: then the file is read as
    immutable, which creates nothing (and works in a directory this user
    cannot write).
    """
    immutable = "&immutable=1" if wal_mode and not Path(f"{path}-wal").exists() else ""
    connection = sqlite3.connect(
        file_uri(path, f"mode=ro{immutable}"), uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


def check_intact(path: Path) -> None:
    """:func:`quick_check` the store at ``path``, by a connection that writes nothing and leaves nothing beside it.

    A read-write connection (never the immutable one: a writer in another
    process must not make the check see a half-copied page) removes the
    -wal and -shm files it made when it closes.
    """
    connection = sqlite3.connect(file_uri(path, "mode=rw"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        quick_check(connection, path)
    finally:
        connection.close()


def quick_check(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged store (:class:`InputError`): SQLite's ``PRAGMA quick_check`` of every page.

    It reads the whole file once (``benchmarks/store_check.py`` measures it),
    so it runs before the first write of a process only.
    """
    try:
        rows = [row[0] for row in connection.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as error:
        rows = [str(error)]
    if rows != ["ok"]:
        lines = [line for row in rows for line in str(row).splitlines() if line and not line.startswith("***")]
        raise _refusal(
            path,
            f"is damaged (integrity check: {(lines or rows)[0][:120]}); it was left untouched"
            " and nothing was written to it",
        )


def write_problem(path: Path, *, probe_directory: bool = True, probe_file: bool = True) -> str | None:
    """Why this process cannot write the database at ``path`` (its -wal and -shm too), or None.

    Asks the system (``os.access``: permissions, a read-only file system, an
    immutable file), then, where asked, tries for real, as root passes every
    permission: opens the file for writing (it writes nothing) and makes and
    removes a file in the directory.
    """
    directory = path.resolve().parent
    effective = os.access in os.supports_effective_ids
    exists = path.exists()
    if exists and not os.access(path, os.W_OK, effective_ids=effective):
        return "this user may not write the file"
    if not os.access(directory, os.W_OK | os.X_OK, effective_ids=effective):
        return f"this user may not write its directory {directory}"
    try:
        if exists and probe_file:
            os.close(os.open(path, os.O_RDWR))
    except OSError as error:
        return (error.strerror or str(error)).lower()
    try:
        if probe_directory:
            descriptor, name = tempfile.mkstemp(dir=directory, prefix=".saas-sim-probe-")
            os.close(descriptor)
            os.unlink(name)
    except OSError as error:
        return f"its directory {directory}: {(error.strerror or str(error)).lower()}"
    return None


_engines: dict[Path, Engine] = {}
_read_only_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()
# The databases this process has checked (intact, writable) before writing to them.
_checked: set[Path] = set()


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
        for engine in [*_engines.values(), *_read_only_engines.values()]:
            engine.dispose()
        _engines.clear()
        _read_only_engines.clear()
        _checked.clear()


def forget_checks() -> None:
    """Check every database again before its next write (tests)."""
    with _engines_lock:
        _checked.clear()


def sqlite_url(path: Path) -> URL:
    """The URL of the file itself: a path with ``?`` or ``%`` in its name is not read as a URL."""
    from sqlalchemy import URL

    return URL.create("sqlite", database=str(path))


def mark_as_store(connection: Connection) -> None:
    """Stamp the file as a saas-sim store (in the migration's transaction)."""
    connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def _new_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event

    # check_same_thread=False lets the pool hand a connection to another thread; no
    # session is ever shared between threads (one session per unit of work).
    engine = create_engine(
        sqlite_url(path), connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")  # a committed run survives a power cut too
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _read_only_engine(path: Path, *, wal_mode: bool) -> Engine:
    """The engine of a store this process cannot write: every connection read-only, nothing made beside it."""
    from sqlalchemy import create_engine, event

    key = path.resolve()
    with _engines_lock:
        engine = _read_only_engines.get(key)
        if engine is None:
            engine = _read_only_engines[key] = create_engine(
                "sqlite://", creator=lambda: read_only_connection(key, wal_mode=wal_mode)
            )

            @event.listens_for(engine, "connect")
            def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
                dbapi_connection.isolation_level = None

            @event.listens_for(engine, "begin")
            def _begin(connection: Connection) -> None:
                connection.exec_driver_sql("BEGIN")

    return engine


def _is_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message


def retrying(path: Path, work: Callable[[], T]) -> T:
    """``work()``, retried with jittered back-off while the database stays busy.

    Each attempt already waits up to the busy timeout; SQLite errors become
    :class:`StoreError` naming the database.
    """
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    for attempt in range(WRITE_ATTEMPTS):
        try:
            return work()
        except Damaged as error:
            raise _damaged(path, str(error)) from None
        except SQLAlchemyError as error:
            cause = getattr(error, "orig", None) or error
            if any(word in str(cause).lower() for word in DAMAGE_WORDS):
                raise _damaged(path, str(cause)) from None
            if not isinstance(error, OperationalError):
                raise StoreError(f"database {path}: {cause}") from error
            if not _is_busy(error) or attempt == WRITE_ATTEMPTS - 1:
                raise StoreError(f"database {path}: {cause}; nothing was saved") from error
            time.sleep(min(0.05 * 2**attempt, 1.0) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def migrate(engine: Engine, path: Path) -> None:
    """Bring the database to :data:`HEAD` in one transaction that holds the write lock.

    Several processes may open a new database at once: each checks the
    version again under the lock, so only the first one migrates.
    """

    def attempt() -> None:
        with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection, connection.begin():
            tables = {
                row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
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


def _damaged(path: Path, detail: str) -> InputError:
    return _refusal(path, f"is damaged ({detail}); it was left untouched")


def _not_writable(path: Path, problem: str) -> InputError:
    return _refusal(path, f"is not writable ({problem}); it was left untouched and nothing was saved")


def open_engine(path: Path, *, write: bool = True) -> Engine:
    """The engine of the database at ``path``, opened for writing (the default) or for reading only.

    For writing, the file is inspected, checked intact and writable (once
    per process) and migrated; a new file is created.  For reading, a
    missing file is "no store at PATH", and a store this process cannot
    write is read through read-only connections.  A database already open
    in this process is not inspected again: its file is never opened
    outside SQLite while SQLite holds locks on it.
    """
    key = path.resolve()
    if not write:
        with _engines_lock:
            engine = _engines.get(key) or _read_only_engines.get(key)
        return engine if engine is not None else _open_for_reading(path)
    with _engines_lock:
        engine = _engines.get(key) if key in _checked else None
    if engine is not None:
        return engine
    return open_checked(path, check_for_writing(path))


def check_for_writing(path: Path) -> str | None:
    """What opening ``path`` for writing checks first, done without opening it: the store's schema version (None: new).

    :class:`InputError` for a file that is no store this version can open,
    a store this user cannot write, or a damaged one; nothing is created or
    written, and neither SQLAlchemy nor sqlmodel is imported.
    """
    opened = path.resolve() in _engines
    version = HEAD if opened else inspect(path)
    problem = write_problem(path, probe_file=not opened)
    if problem is not None:
        raise _not_writable(path, problem)
    if version is not None:
        check_intact(path)
    return version


def open_checked(path: Path, version: str | None) -> Engine:
    """The engine of a store that :func:`check_for_writing` found at ``version``, created or migrated to :data:`HEAD`.

    The check may have been made by another process: ``saas-sim run`` checks
    a store before it simulates, and its worker process opens it.
    """
    engine = engine_for(path)
    if version != HEAD:
        migrate(engine, path)
    with _engines_lock:
        _checked.add(path.resolve())
    return engine


def _open_for_reading(path: Path) -> Engine:
    if not path.is_dir() and not path.exists():
        raise InputError([f"no store at {path} (nothing has been saved there yet)"])
    version = inspect(path)
    if version is None:
        raise InputError([f"no store at {path} (the file is empty: nothing has been saved there yet)"])
    if write_problem(path, probe_directory=False, probe_file=False) is None:
        return open_engine(path) if version != HEAD else engine_for(path)
    if version != HEAD:
        raise _not_writable(path, f"its schema {version} must be upgraded to {HEAD} first")
    with open(path, "rb") as file:
        header = file.read(100)
    return _read_only_engine(path, wal_mode=len(header) > 18 and header[18] == 2)


def read(engine: Engine, path: Path, work: Callable[[Session], T]) -> T:
    """One unit of reading: a session of its own, closed afterwards."""
    from sqlmodel import Session

    def attempt() -> T:
        with Session(engine, expire_on_commit=False) as session:
            return work(session)

    return retrying(path, attempt)


def write(engine: Engine, path: Path, work: Callable[[Session], T]) -> T:
    """One unit of writing: a session holding the write lock from its first statement, committed whole or not at all."""
    from sqlmodel import Session

    writer = engine.execution_options(**{WRITE_OPTION: True})

    def attempt() -> T:
        with Session(writer, expire_on_commit=False) as session:
            value = work(session)
            session.commit()
            return value

    return retrying(path, attempt)
