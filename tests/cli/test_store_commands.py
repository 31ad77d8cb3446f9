"""The store's commands as a user runs them: run saves, scenarios and runs list, show, export, import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
