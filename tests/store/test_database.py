"""Opening a database: refusals that leave the file untouched, migrations, the schema, WAL mode."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import saas_sim.store.database as database
from saas_sim.errors import InputError
from saas_sim.io.result import result_to_json
from saas_sim.io.scenario import parse_scenario, scenario_to_dict
from saas_sim.store import Store, tables
from saas_sim.store.database import APPLICATION_ID, HEAD, MIGRATIONS, dispose_engines
from tests.store.conftest import ACME, integrity

MIGRATIONS_DIRECTORY = Path(database.__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    return config


def a_store_with_a_run(path: Path, result: dict) -> Path:
    """A real store at ``path`` holding a revision and a run; its engine closed (no -wal, -shm)."""
    store = Store(path)
    store.save_run(ACME, parse_scenario(ACME), result)
    dispose_engines()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    return path


def fingerprint(path: Path) -> tuple:
    """What must not change: the bytes and the modification time (a directory: its entries)."""
    stat = path.stat()
    content = sorted(os.listdir(path)) if path.is_dir() else path.read_bytes()
    return content, stat.st_mtime_ns, stat.st_size


def assert_refused_untouched(path: Path, *words: str) -> InputError:
    before = fingerprint(path)
    with pytest.raises(InputError) as error:
        Store(path)
    dispose_engines()
    assert fingerprint(path) == before
    text = str(error.value)
    assert str(path) in text
    for word in words:
        assert word in text
    return error.value


def execute(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


# --- refused and untouched -----------------------------------------------------------------


def test_a_text_file_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("These are my notes, not a database.\n" * 200)
    assert_refused_untouched(path, "not a saas-sim database", "not an SQLite file", "untouched")


def test_a_short_file_is_refused_untouched(tmp_path):
    path = tmp_path / "short.db"
    path.write_bytes(b"SQLite")  # the start of the magic only
    assert_refused_untouched(path, "not an SQLite file")


def test_a_directory_is_refused_untouched(tmp_path):
    path = tmp_path / "a-directory.db"
    path.mkdir()
    (path / "inside.txt").write_text("x")
    assert_refused_untouched(path, "is a directory")


def test_a_path_in_a_missing_directory_is_refused(tmp_path):
    path = tmp_path / "no" / "such" / "saas-sim.db"
    with pytest.raises(InputError, match="no such directory"):
        Store(path)
    assert not (tmp_path / "no").exists()


def test_a_truncated_store_is_refused_untouched(tmp_path, result):
    path = a_store_with_a_run(tmp_path / "store.db", result)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_refused_untouched(path, "damaged", "untouched")


def test_a_store_with_a_broken_header_is_refused_untouched(tmp_path, result):
    path = a_store_with_a_run(tmp_path / "store.db", result)
    data = bytearray(path.read_bytes())
    data[16:100] = b"\xff" * 84  # the header after the magic: page size, counters, schema cookie...
    path.write_bytes(bytes(data))
    assert_refused_untouched(path, "damaged", "untouched")


def test_a_store_with_a_garbled_schema_page_is_refused_untouched(tmp_path, result):
    path = a_store_with_a_run(tmp_path / "store.db", result)
    data = bytearray(path.read_bytes())
    data[100:4096] = bytes((i * 97 + 13) % 256 for i in range(3996))  # page 1: sqlite_master
    path.write_bytes(bytes(data))
    assert_refused_untouched(path, "damaged", "untouched")


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "contacts.db"
    execute(
        path, "CREATE TABLE contacts (name TEXT, email TEXT)", "INSERT INTO contacts VALUES ('Ada', 'ada@example.com')"
    )
    assert_refused_untouched(path, "another program", "untouched")


def test_another_programs_wal_database_is_refused_untouched(tmp_path):
    path = tmp_path / "contacts.db"
    execute(
        path, "PRAGMA journal_mode = WAL", "CREATE TABLE contacts (name TEXT)", "INSERT INTO contacts VALUES ('Ada')"
    )
    assert_refused_untouched(path, "another program")


def test_a_store_of_a_newer_version_is_refused_untouched(tmp_path, result):
    path = a_store_with_a_run(tmp_path / "store.db", result)
    execute(path, "UPDATE alembic_version SET version_num = '9999'")
    assert_refused_untouched(path, "newer saas-sim", "9999", HEAD, "untouched")


def test_a_store_without_a_schema_version_is_refused_untouched(tmp_path, result):
    path = a_store_with_a_run(tmp_path / "store.db", result)
    execute(path, "DELETE FROM alembic_version")
    assert_refused_untouched(path, "without a schema version")


def test_the_command_line_refuses_with_exit_code_2(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database\n")
    done = subprocess.run(
        [sys.executable, "-m", "saas_sim", "scenarios", "list", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a saas-sim database" in done.stderr and str(path) in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_text() == "not a database\n"


@pytest.mark.parametrize("kind", ["newer store", "another program's WAL database"])
def test_a_refused_database_gets_no_files_beside_it(tmp_path, result, kind):
    """Refusing a WAL-mode database must not leave -wal and -shm files next to it."""
    if kind == "newer store":
        path = a_store_with_a_run(tmp_path / "store.db", result)
        execute(path, "UPDATE alembic_version SET version_num = '9999'")
    else:
        path = tmp_path / "contacts.db"
        execute(path, "PRAGMA journal_mode = WAL", "CREATE TABLE contacts (name TEXT)")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(InputError):
        Store(path)
    dispose_engines()
    assert sorted(os.listdir(tmp_path)) == before


# --- new databases -------------------------------------------------------------------------


def check_fresh_store(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    finally:
        connection.close()


def test_a_new_file_is_created_in_wal_mode_with_the_application_id(tmp_path):
    path = tmp_path / "new.db"
    store = Store(path)
    assert store.scenarios() == []
    dispose_engines()
    check_fresh_store(path)
    assert int.from_bytes(b"SSIM", "big") == APPLICATION_ID


def test_an_empty_file_is_initialised(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    store = Store(path)
    store.save_revision(ACME, parse_scenario(ACME))
    dispose_engines()
    check_fresh_store(path)
    assert integrity(path) == "ok"


def test_a_store_opens_twice_and_keeps_its_data(tmp_path, result):
    path = a_store_with_a_run(tmp_path / "store.db", result)
    store = Store(path)
    assert [r.name for r in store.runs()[0]] == ["Acme"]
    assert store.find_revision("Acme").yaml_text == ACME


def test_opening_a_current_store_does_not_import_alembic(tmp_path, result):
    """MIGRATIONS is checked against alembic's scripts below so that opening stays light."""
    path = a_store_with_a_run(tmp_path / "store.db", result)
    script = textwrap.dedent(f"""
        import sys
        from saas_sim.store import Store
        runs, total = Store({str(path)!r}).runs()
        print(total, "alembic" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "False"]


@pytest.mark.parametrize("name", ["what?v=2.db", "100%25.db"])
def test_a_path_with_url_characters_opens_that_very_file(tmp_path, name):
    path = tmp_path / name
    Store(path).save_revision(ACME, parse_scenario(ACME))
    dispose_engines()
    assert sorted(os.listdir(tmp_path)) == [name]
    check_fresh_store(path)


def test_a_path_with_a_question_mark_never_touches_another_file(tmp_path):
    other = tmp_path / "contacts"
    execute(other, "CREATE TABLE contacts (name TEXT)")
    before = fingerprint(other)
    Store(tmp_path / "contacts?v=2.db")
    dispose_engines()
    assert fingerprint(other) == before


# --- migrations and the schema -------------------------------------------------------------


def test_migrations_are_alembics_chain_of_scripts():
    scripts = ScriptDirectory.from_config(alembic_config())
    chain = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert list(MIGRATIONS) == chain
    assert scripts.get_heads() == [HEAD]
    assert scripts.get_current_head() == HEAD == MIGRATIONS[-1]
    assert scripts.get_revision(MIGRATIONS[0]).down_revision is None


def test_the_migrated_schema_is_the_models(tmp_path):
    path = tmp_path / "store.db"
    Store(path)
    dispose_engines()
    assert tables.ScenarioRecord.__table__.metadata is SQLModel.metadata
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
            assert context.get_current_revision() == HEAD
    finally:
        engine.dispose()
    assert {"scenarios", "revisions", "runs", "run_results"} <= set(SQLModel.metadata.tables)


def test_the_schema_refuses_a_second_scenario_of_the_same_name(tmp_path):
    path = tmp_path / "store.db"
    Store(path).save_revision(ACME, parse_scenario(ACME))
    dispose_engines()
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        execute(path, "INSERT INTO scenarios (name, archived, created_at) VALUES ('Acme', 0, '2026-01-01 00:00:00')")


def database_at_the_first_migration(path: Path) -> None:
    """A database migrated by alembic to MIGRATIONS[0] only, marked as migrate() marks it."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, MIGRATIONS[0])
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    finally:
        engine.dispose()


def test_a_database_of_the_first_migration_keeps_its_data_when_opened(tmp_path, result):
    """Rows written in the first schema's terms survive opening (and any migration since)."""
    path = tmp_path / "old.db"
    database_at_the_first_migration(path)
    normalized = json.dumps(scenario_to_dict(parse_scenario(ACME)))
    document = zlib.compress(result_to_json(result).encode())
    execute(
        path,
        "INSERT INTO scenarios (id, name, archived, created_at) VALUES (1, 'Acme', 0, '2026-01-02 03:04:05.000000')",
        "INSERT INTO revisions (id, scenario_id, number, yaml_text, normalized, content_hash, created_at)"
        f" VALUES (1, 1, 1, {sql_text(ACME)}, {sql_text(normalized)}, 'abc', '2026-01-02 03:04:05.000000')",
        "INSERT INTO runs (id, revision_id, seed, paths, horizon_months, engine_version, created_at, elapsed_s,"
        " status, arr_end_p50, focus) VALUES (7, 1, 3, 20, 12, '0.0.1', '2026-01-02 03:05:00.000000', 1.5,"
        " 'complete', 123.0, 'retention')",
        f"INSERT INTO run_results (run_id, encoding, document) VALUES (7, 'json+zlib', X'{document.hex()}')",
    )
    store = Store(path)
    revision = store.find_revision("Acme@1")
    assert revision.yaml_text == ACME and revision.normalized == scenario_to_dict(parse_scenario(ACME))
    assert (revision.created_at.year, revision.created_at.month, revision.created_at.day) == (2026, 1, 2)
    runs, total = store.runs()
    assert total == 1
    run = runs[0]
    assert (run.id, run.seed, run.paths, run.engine_version, run.arr_end_p50, run.focus, run.currency) == (
        7,
        3,
        20,
        "0.0.1",
        123.0,
        "retention",
        "EUR",
    )
    assert store.result(7).to_json() == json.loads(result_to_json(result))
    assert (
        store.save_revision(ACME.replace("40k", "41k"), parse_scenario(ACME.replace("40k", "41k"))).revision.number == 2
    )
    dispose_engines()
    check_fresh_store(path)
    assert integrity(path) == "ok"


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_a_database_migrated_by_hand_as_alembic_ini_says_opens(tmp_path):
    """``alembic -c saas_sim/store/alembic.ini -x db=PATH upgrade head`` makes a store saas-sim opens."""
    path = tmp_path / "by-hand.db"
    config = Config(str(MIGRATIONS_DIRECTORY.parent / "alembic.ini"))
    config.cmd_opts = argparse.Namespace(x=[f"db={path}"])
    command.upgrade(config, "head")
    assert Store(path).scenarios() == []
