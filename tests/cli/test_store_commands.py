"""The store's commands as a user runs them: run saves, scenarios and runs list, show, export, import."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.store.test_guarantees import damage

FAST = ("--paths", "200", "--horizon", "14")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


def listing(invoke, *args: object) -> list | dict:
    result = invoke(*args, "--json", "-")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_two_runs_show_up_in_runs_list(invoke, scenario_file, db):
    for seed in (1, 2):
        assert invoke("run", scenario_file, *FAST, "--seed", seed, "--quiet", "--db", db).exit_code == 0
    runs = listing(invoke, "runs", "list", "--db", db)
    assert [run["seed"] for run in runs] == [2, 1]  # newest first
    for run in runs:
        assert {"id", "name", "created_at", "paths", "seed", "revision"} <= run.keys()
        assert run["name"] == "Two segments" and run["revision"] == 1 and run["paths"] == 200
        assert run["created_at"].endswith("+00:00")
    table = invoke("runs", "list", "--db", db)
    assert table.exit_code == 0 and "Two segments" in table.stdout


def test_run_says_where_it_saved(invoke, scenario_file, db):
    result = invoke("run", scenario_file, *FAST, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert "Saved run 1 of 'Two segments' revision 1" in result.stdout


def test_no_save_leaves_no_database(invoke, scenario_file, db):
    assert invoke("run", scenario_file, *FAST, "--no-save", "--quiet", "--db", db).exit_code == 0
    assert not db.exists()


def test_the_default_store_is_the_environment_variable(invoke, scenario_file, isolated_store):
    assert invoke("run", scenario_file, *FAST, "--quiet").exit_code == 0
    assert isolated_store.exists()
    assert len(listing(invoke, "runs", "list")) == 1


def test_json_on_stdout_stays_alone_when_saving(invoke, scenario_file, db):
    result = invoke("run", scenario_file, *FAST, "--json", "-", "--db", db)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["paths"] == 200


def test_edit_and_reimport_gives_two_exportable_revisions(invoke, scenario_file, db, tmp_path):
    first = scenario_file.read_text()
    assert invoke("scenarios", "import", scenario_file, "--db", db).stdout == "Imported 'Two segments' as revision 1\n"
    again = invoke("scenarios", "import", scenario_file, "--db", db)
    assert "unchanged" in again.stdout
    scenario_file.write_text(first.replace('monthly: "2%..4%"', "monthly: 2%"))
    assert "as revision 2" in invoke("scenarios", "import", scenario_file, "--db", db).stdout

    history = listing(invoke, "scenarios", "history", "Two segments", "--db", db)
    assert [item["revision"] for item in history] == [1, 2]
    assert history[0]["changes"] is None
    assert history[1]["changes"] == ["segments.SMB [pro].churn.monthly"]

    old = invoke("scenarios", "export", "Two segments@1", "--db", db)
    new = invoke("scenarios", "export", "Two segments", "--db", db)
    assert old.stdout == first
    assert new.stdout == scenario_file.read_text()
    out = tmp_path / "exported.yaml"
    assert invoke("scenarios", "export", "Two segments@1", out, "--db", db).exit_code == 0
    assert out.read_text() == first


def test_export_never_overwrites_without_force(invoke, scenario_file, db, tmp_path):
    invoke("scenarios", "import", scenario_file, "--db", db)
    target = tmp_path / "mine.yaml"
    target.write_text("precious")
    refused = invoke("scenarios", "export", "Two segments", target, "--db", db)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert target.read_text() == "precious"
    assert invoke("scenarios", "export", "Two segments", target, "--force", "--db", db).exit_code == 0
    assert target.read_text() == scenario_file.read_text()


def test_a_bad_file_stores_nothing(invoke, scenario_file, db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(scenario_file.read_text().replace("cac: 1_500", "cac: -3"))
    result = invoke("scenarios", "import", scenario_file, bad, "--db", db)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "bad.yaml:" in result.stderr and "cac" in result.stderr
    assert not db.exists() or listing(invoke, "scenarios", "list", "--all", "--db", db) == []


def test_a_bad_file_run_stores_nothing(invoke, scenario_file, db, tmp_path):
    invoke("scenarios", "import", scenario_file, "--db", db)
    bad = tmp_path / "bad.yaml"
    bad.write_text(scenario_file.read_text().replace("horizon_months: 14", "horizon_months: 0"))
    assert invoke("run", bad, "--db", db).exit_code == 2
    assert listing(invoke, "runs", "list", "--db", db) == []
    assert listing(invoke, "scenarios", "history", "Two segments", "--db", db)[-1]["revision"] == 1


def test_run_a_stored_scenario_by_name_and_revision(invoke, scenario_file, db):
    invoke("scenarios", "import", scenario_file, "--db", db)
    scenario_file.write_text(scenario_file.read_text().replace("horizon_months: 14", "horizon_months: 13"))
    invoke("scenarios", "import", scenario_file, "--db", db)
    by_name = invoke("run", "Two segments", "--paths", "200", "--json", "-", "--db", db)
    assert by_name.exit_code == 0, by_name.stderr
    assert json.loads(by_name.stdout)["horizon_months"] == 13
    older = invoke("run", "Two segments@1", "--paths", "200", "--json", "-", "--db", db)
    assert json.loads(older.stdout)["horizon_months"] == 14
    runs = listing(invoke, "runs", "list", "--db", db)
    assert [run["revision"] for run in runs] == [1, 2]
    assert listing(invoke, "scenarios", "history", "Two segments", "--db", db)[-1]["revision"] == 2  # none added


def test_unknown_names_are_one_line_with_a_guess(invoke, scenario_file, db):
    invoke("scenarios", "import", scenario_file, "--db", db)
    for args in (("run", "Two segmnts"), ("scenarios", "show", "Two segmnts"), ("scenarios", "history", "Two segmnts")):
        result = invoke(*args, "--db", db)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "did you mean 'Two segments'?" in result.stderr
    missing = invoke("scenarios", "show", "Two segments@7", "--db", db)
    assert missing.exit_code == 2 and "no revision 7" in missing.stderr
    assert invoke("runs", "show", "99", "--db", db).exit_code == 2


def test_rm_archives_and_restore_brings_back(invoke, scenario_file, db):
    invoke("run", scenario_file, *FAST, "--quiet", "--db", db)
    assert "restore" in invoke("scenarios", "rm", "Two segments", "--db", db).stdout
    assert listing(invoke, "scenarios", "list", "--db", db) == []
    archived = listing(invoke, "scenarios", "list", "--all", "--db", db)
    assert [(s["name"], s["archived"], s["runs"]) for s in archived] == [("Two segments", True, 1)]
    assert len(listing(invoke, "runs", "list", "--db", db)) == 1  # runs stay
    assert invoke("scenarios", "export", "Two segments", "--db", db).stdout == scenario_file.read_text()
    invoke("scenarios", "restore", "Two segments", "--db", db)
    listed = listing(invoke, "scenarios", "list", "--db", db)
    assert [(s["name"], s["revision"], s["last_focus"] is not None) for s in listed] == [("Two segments", 1, True)]


def test_runs_show_and_export_give_the_document_run_wrote(invoke, scenario_file, db, tmp_path):
    written = tmp_path / "run.json"
    invoke("run", scenario_file, *FAST, "--json", written, "--quiet", "--db", db)
    exported = invoke("runs", "export", "1", "--db", db)
    assert json.loads(exported.stdout) == json.loads(written.read_text())
    shown = listing(invoke, "runs", "show", "1", "--db", db)
    assert shown["id"] == 1 and shown["seed"] == 11 and shown["result"] == json.loads(written.read_text())
    csv_file = tmp_path / "run.csv"
    assert invoke("runs", "export", "1", "--csv", csv_file, "--db", db).exit_code == 0
    assert csv_file.read_text().splitlines()[0].startswith("month,")
    table = invoke("runs", "show", "1", "--db", db)
    assert table.exit_code == 0 and "revision 1" in table.stdout and "Diagnosis" in table.stdout


def test_scenarios_show(invoke, scenario_file, db):
    invoke("scenarios", "import", scenario_file, "--db", db)
    shown = listing(invoke, "scenarios", "show", "Two segments", "--db", db)
    assert {"id", "name", "created_at", "revision"} <= shown.keys()
    assert shown["yaml"] == scenario_file.read_text() and shown["scenario"]["currency"] == "EUR"
    plain = invoke("scenarios", "show", "Two segments", "--db", db)
    assert plain.stdout.endswith(scenario_file.read_text())


def test_empty_store_listings(invoke, db):
    from saas_sim.store import Store

    Store(db)
    assert listing(invoke, "scenarios", "list", "--db", db) == []
    assert listing(invoke, "runs", "list", "--db", db) == []
    assert "No stored scenarios" in invoke("scenarios", "list", "--db", db).stdout


def test_a_garbage_database_is_refused_and_untouched(invoke, scenario_file, tmp_path):
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"my notes, not a database\n" * 50)
    before = garbage.read_bytes(), garbage.stat().st_mtime_ns
    for args in (("run", scenario_file, *FAST), ("scenarios", "list"), ("runs", "list")):
        result = invoke(*args, "--db", garbage)
        assert result.exit_code == 2, result.stdout
        assert result.stderr == f"{garbage}: is not a saas-sim database (not an SQLite file); it was left untouched\n"
    assert (garbage.read_bytes(), garbage.stat().st_mtime_ns) == before


def test_a_database_in_a_missing_directory_is_refused(invoke, scenario_file, tmp_path):
    result = invoke("run", scenario_file, *FAST, "--db", tmp_path / "nowhere" / "x.db")
    assert result.exit_code == 2 and "no such directory" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_runs_list_limit(invoke, scenario_file, db):
    for seed in range(3):
        invoke("run", scenario_file, *FAST, "--seed", seed, "--quiet", "--db", db)
    assert [r["seed"] for r in listing(invoke, "runs", "list", "--limit", "2", "--db", db)] == [2, 1]
    assert len(listing(invoke, "runs", "list", "--limit", "0", "--db", db)) == 3
    assert "2 of 3" in invoke("runs", "list", "--limit", "2", "--db", db).stdout
    assert invoke("runs", "list", "--limit", "-1", "--db", db).exit_code == 2


# --- issue 13: the store keeps its promises (items 14 to 18) --------------------------------

READ_COMMANDS = (
    ("scenarios", "list"),
    ("scenarios", "show", "Two segments"),
    ("scenarios", "history", "Two segments"),
    ("scenarios", "export", "Two segments"),
    ("runs", "list"),
    ("runs", "show", "1"),
    ("runs", "export", "1"),
)


def one_line(text: str) -> bool:
    return text.count("\n") == 1 and text.endswith("\n") and "Traceback" not in text and "--debug" not in text


def a_store_with_runs(invoke, scenario_file: Path, db: Path, runs: int = 4) -> Path:
    for seed in range(runs):
        assert invoke("run", scenario_file, *FAST, "--seed", seed, "--quiet", "--db", db).exit_code == 0
    from saas_sim.store.database import dispose_engines

    dispose_engines()
    return db


def no_simulation(monkeypatch) -> None:
    def refuse(_scenario):
        raise AssertionError("simulated although the store refuses the run")

    monkeypatch.setattr("saas_sim.cli.run.simulate_with_progress", refuse)


def test_run_refuses_a_damaged_store_before_simulating_and_leaves_it_byte_identical(
    invoke, scenario_file, db, monkeypatch
):
    damage(a_store_with_runs(invoke, scenario_file, db))
    before, mtime = db.read_bytes(), db.stat().st_mtime_ns
    no_simulation(monkeypatch)
    for args in (
        ("run", scenario_file),
        ("run", "Two segments"),
        ("scenarios", "import", scenario_file),
        ("scenarios", "rm", "Two segments"),
    ):
        result = invoke(*args, "--db", db)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert one_line(result.stderr) and "damaged" in result.stderr and str(db) in result.stderr
        from saas_sim.store.database import forget_checks

        forget_checks()
    assert (db.read_bytes(), db.stat().st_mtime_ns) == (before, mtime)
    assert sorted(p.name for p in db.parent.iterdir()) == sorted([db.name, scenario_file.name])


def test_runs_export_on_a_damaged_store_is_one_clear_line(invoke, scenario_file, db):
    damage(a_store_with_runs(invoke, scenario_file, db))
    failed = []
    for run_id in range(1, 5):
        result = invoke("runs", "export", run_id, "--db", db)
        if result.exit_code != 0:
            failed.append(run_id)
            assert result.exit_code == 2 and one_line(result.stderr), result.stderr
            assert "damaged" in result.stderr and str(db) in result.stderr
        else:
            assert json.loads(result.stdout)["seed"] == run_id - 1
    assert failed


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_only_command_on_a_missing_store_says_so_and_creates_nothing(invoke, tmp_path, command):
    db = tmp_path / "missing.db"
    result = invoke(*command, "--db", db)
    assert result.exit_code == 2
    assert one_line(result.stderr) and f"no store at {db}" in result.stderr
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_a_name_given_to_a_missing_store_creates_none(invoke, tmp_path):
    db = tmp_path / "missing.db"
    for args in (
        ("run", "Two segments"),
        ("compare", "Two segments", "Two segments@1"),
        ("scenarios", "rm", "Two segments"),
        ("scenarios", "restore", "Two segments"),
    ):
        result = invoke(*args, "--db", db)
        assert result.exit_code == 2 and one_line(result.stderr) and f"no store at {db}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_store_that_cannot_be_written_is_read_and_a_write_is_refused_before_simulating(
    invoke, scenario_file, db, tmp_path, monkeypatch
):
    a_store_with_runs(invoke, scenario_file, db, runs=1)
    monkeypatch.setattr("saas_sim.store.database.write_problem", lambda path, **_: "permission denied")
    before = db.read_bytes()
    for command in READ_COMMANDS:
        result = invoke(*command, "--db", db)
        assert result.exit_code == 0, (command, result.stderr)
    no_simulation(monkeypatch)
    for args in (("run", scenario_file), ("run", "Two segments"), ("scenarios", "import", scenario_file)):
        result = invoke(*args, "--db", db)
        assert result.exit_code == 2 and one_line(result.stderr)
        assert "not writable" in result.stderr and str(db) in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == sorted([db.name, scenario_file.name])


# Really another user: root writes anything, so the store is read by 'nobody' when the tests run as root.
def as_reader(*args: object) -> subprocess.CompletedProcess:
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    environment = {k: v for k, v in os.environ.items() if k != "SAAS_SIM_DB"}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "saas_sim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        env=environment,
    )


@pytest.fixture
def shared_directory():
    """A directory under /tmp that another user may enter (pytest's tmp_path is private to its owner)."""
    directory = Path(tempfile.mkdtemp(prefix="saas-sim-ro-", dir="/tmp"))
    directory.chmod(0o755)
    yield directory
    directory.chmod(0o755)
    shutil.rmtree(directory)


@pytest.mark.parametrize("where", ["read-only directory", "read-only file"])
def test_another_user_reads_a_store_it_cannot_write_and_cannot_write_it(invoke, shared_directory, where):
    text = (Path(__file__).parent / "conftest.py").read_text()
    scenario = shared_directory / "plan.yaml"
    scenario.write_text(text.split('TWO_SEGMENTS = """\\\n', 1)[1].split('"""', 1)[0])
    scenario.chmod(0o644)
    db = a_store_with_runs(invoke, scenario, shared_directory / "store.db", runs=1)
    written = json.loads(invoke("runs", "export", "1", "--db", db).stdout)
    if where == "read-only file":
        db.chmod(0o444)
        shared_directory.chmod(0o777)  # -wal and -shm could be made beside it: none may be left
    else:
        db.chmod(0o644)
        shared_directory.chmod(0o555)
    before, listing_before = db.read_bytes(), sorted(os.listdir(shared_directory))
    for command in READ_COMMANDS:
        result = as_reader(*command, "--db", db)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stderr == ""
    assert json.loads(as_reader("runs", "export", "1", "--db", db).stdout) == written
    assert [run["seed"] for run in json.loads(as_reader("runs", "list", "--json", "-", "--db", db).stdout)] == [0]
    for args in (("run", scenario, *FAST), ("scenarios", "import", scenario), ("scenarios", "rm", "Two segments")):
        started = time.perf_counter()
        result = as_reader(*args, "--db", db)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert one_line(result.stderr) and "not writable" in result.stderr and str(db) in result.stderr
        assert "Saved" not in result.stdout and time.perf_counter() - started < 60
    assert db.read_bytes() == before
    assert sorted(os.listdir(shared_directory)) == listing_before


def test_a_new_store_in_a_directory_that_cannot_be_written_is_refused(shared_directory, scenario_file):
    scenario = shared_directory / "plan.yaml"
    scenario.write_text(scenario_file.read_text())
    scenario.chmod(0o644)
    shared_directory.chmod(0o555)
    db = shared_directory / "new.db"
    result = as_reader("scenarios", "import", scenario, "--db", db)
    assert result.returncode == 2 and one_line(result.stderr), result.stderr
    assert "not writable" in result.stderr and str(db) in result.stderr
    assert os.listdir(shared_directory) == ["plan.yaml"]


@pytest.mark.parametrize("command", [("runs", "show"), ("runs", "export")])
def test_a_huge_run_id_is_no_run(invoke, scenario_file, db, command):
    a_store_with_runs(invoke, scenario_file, db, runs=1)
    result = invoke(*command, "99999999999999999999999", "--db", db)
    assert result.exit_code == 2 and one_line(result.stderr)
    assert "no run 99999999999999999999999" in result.stderr


def test_a_huge_revision_and_limit_are_answered(invoke, scenario_file, db):
    a_store_with_runs(invoke, scenario_file, db, runs=1)
    result = invoke("scenarios", "show", "Two segments@99999999999999999999999", "--db", db)
    assert result.exit_code == 2 and one_line(result.stderr) and "no revision 99999999999999999999999" in result.stderr
    assert len(listing(invoke, "runs", "list", "--limit", "99999999999999999999999", "--db", db)) == 1


def test_names_are_one_scenario_however_they_are_spelled(invoke, scenario_file, db, tmp_path):
    nfc, nfd = "Caf\u00e9", "Cafe\u0301"
    for index, name in enumerate((nfc, nfd, f" {nfc} ")):
        file = tmp_path / f"cafe-{index}.yaml"
        file.write_text(
            scenario_file.read_text().replace("name: Two segments", f"name: {json.dumps(name)}"), encoding="utf-8"
        )
        assert invoke("scenarios", "import", file, "--db", db).exit_code == 0
    assert [s["name"] for s in listing(invoke, "scenarios", "list", "--db", db)] == [nfc]
    assert [r["revision"] for r in listing(invoke, "scenarios", "history", f"{nfd} ", "--db", db)] == [1, 2, 3]
    assert listing(invoke, "scenarios", "show", f"{nfd}@1", "--db", db)["name"] == nfc


def test_a_name_with_a_bidi_override_is_a_field_error(invoke, scenario_file, db):
    scenario_file.write_text(scenario_file.read_text().replace("name: Two segments", 'name: "Plan\\u202Egpj.exe"'))
    result = invoke("scenarios", "import", scenario_file, "--db", db)
    assert result.exit_code == 2 and one_line(result.stderr)
    assert result.stderr.startswith(f"{scenario_file}:1 name: ") and "U+202E" in result.stderr
    assert not db.exists()
