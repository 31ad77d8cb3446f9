"""``saas-sim tui`` as a command: its help, and bad input refused before the app starts."""

from __future__ import annotations

import subprocess
import sys


def test_tui_help(invoke):
    result = invoke("tui", "--help")
    assert result.exit_code == 0 and "FILE_OR_NAME" in result.stdout


def test_a_garbage_database_is_refused_before_the_app_starts(invoke, tmp_path):
    garbage = tmp_path / "g.db"
    garbage.write_text("not a database")
    result = invoke("tui", "--db", garbage)
    assert result.exit_code == 2 and "not a saas-sim database" in result.stderr
    assert garbage.read_text() == "not a database"


def test_an_unknown_name_is_refused_before_the_app_starts(invoke, tmp_path):
    result = invoke("tui", "No such plan", "--db", tmp_path / "s.db")
    assert result.exit_code == 2 and "no stored scenario named 'No such plan'" in result.stderr


def test_the_command_line_never_imports_textual_for_other_commands():
    code = "import sys; from saas_sim.cli import app; assert 'textual' not in sys.modules, 'textual'"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_missing_scenario_file_is_no_such_file_like_run(invoke, tmp_path):
    result = invoke("tui", "nope.yaml", "--db", tmp_path / "s.db")
    run = invoke("run", "nope.yaml", "--no-save")
    assert result.exit_code == 2 == run.exit_code
    assert result.stderr == run.stderr == "saas-sim: no such scenario file: nope.yaml\n"
    assert not (tmp_path / "s.db").exists()
