"""The store's promises (issue 13, items 14 to 18): a damaged store is never written to, a read-only store
is read but never written, reading never creates a store, one scenario per name however it is written,
and an id too large for SQLite is simply not there."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

import saas_sim.store.database as database
from saas_sim.errors import InputError
from saas_sim.io.scenario import parse_scenario
from saas_sim.model.names import FORBIDDEN, VARIATION_SELECTORS, name_problem, normalize_name
from saas_sim.store import Store, StoreError
from saas_sim.store.database import dispose_engines
from tests.store.conftest import ACME, renamed


def a_store_with_runs(path: Path, result: dict, runs: int = 6) -> Path:
    """A real store at ``path`` with ``runs`` runs of Acme; its engine closed (no -wal, -shm)."""
    store = Store(path)
    for _ in range(runs):
        store.save_run(ACME, parse_scenario(ACME), result)
    dispose_engines()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    return path


def damage(path: Path) -> None:
    """Overwrite 4 KB in the middle of the file, as issue 13 did; the integrity check then fails."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes((i * 131 + 7) % 256 for i in range(4096))
    path.write_bytes(bytes(data))
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA quick_check").fetchone()[0] != "ok"
    finally:
        connection.close()


def beside(path: Path) -> list[str]:
    return sorted(os.listdir(path.parent))


# --- 15: a damaged store is not written to -------------------------------------------------


def test_a_damaged_store_is_refused_for_writing_and_left_byte_identical(tmp_path, result):
    path = a_store_with_runs(tmp_path / "store.db", result)
    damage(path)
    before, stat = path.read_bytes(), path.stat()
    with pytest.raises(InputError) as error:
        Store(path)
    dispose_engines()
    assert "damaged" in str(error.value) and str(path) in str(error.value) and "\n" not in str(error.value)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert beside(path) == ["store.db"]


def test_the_integrity_check_runs_once_per_process_for_a_path(tmp_path, result, monkeypatch):
    path = a_store_with_runs(tmp_path / "store.db", result, runs=1)
    (tmp_path / "other").mkdir()
    other = a_store_with_runs(tmp_path / "other" / "store.db", result, runs=1)
    checked = []
    real = database.quick_check
    monkeypatch.setattr(database, "quick_check", lambda connection, p: checked.append(p) or real(connection, p))
    database.forget_checks()
    for _ in range(3):
        Store(path).save_run(ACME, parse_scenario(ACME), result)
    Store(other)
    assert checked == [path, other]


def test_a_store_damaged_after_its_check_in_this_process_is_not_checked_again(tmp_path, result, monkeypatch):
    """The check is once per process: the figure measured by benchmarks/store_check.py is paid once."""
    path = a_store_with_runs(tmp_path / "store.db", result, runs=1)
    database.forget_checks()
    Store(path)
    calls = []
    monkeypatch.setattr(database, "quick_check", lambda *args: calls.append(args))
    Store(path)
    assert calls == []


def test_reading_a_damaged_store_is_a_one_line_error_or_the_right_data(tmp_path, result):
    path = a_store_with_runs(tmp_path / "store.db", result)
    damage(path)
    before = path.read_bytes()
    store = Store(path, write=False)
    failures = 0
    for run_id in range(1, 7):
        try:
            assert store.result(run_id) == result
        except InputError as error:
            failures += 1
            text = str(error)
            assert "\n" not in text and "damaged" in text and str(path) in text
    dispose_engines()
    assert failures > 0  # the damage is in some run's document
    assert path.read_bytes() == before


def test_a_new_store_and_an_empty_file_need_no_check(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(database, "quick_check", lambda *args: calls.append(args))
    database.forget_checks()
    Store(tmp_path / "new.db")
    (tmp_path / "empty.db").touch()
    Store(tmp_path / "empty.db")
    assert calls == []


# --- 16: read-only stores --------------------------------------------------------------------


def test_a_store_that_cannot_be_written_is_read_read_only_and_leaves_nothing_beside_it(tmp_path, result, monkeypatch):
    path = a_store_with_runs(tmp_path / "store.db", result, runs=2)
    monkeypatch.setattr(database, "write_problem", lambda path, **_: "permission denied")
    before = path.read_bytes()
    store = Store(path, write=False)
    assert [r.id for r in store.runs()[0]] == [2, 1]
    assert store.result(1) == result
    assert store.find_revision("Acme").yaml_text == ACME
    with pytest.raises(InputError, match="not writable"):
        Store(path)
    dispose_engines()
    assert path.read_bytes() == before and beside(path) == ["store.db"]


def test_a_read_only_store_refuses_a_write_through_sqlite_too(tmp_path, result, monkeypatch):
    path = a_store_with_runs(tmp_path / "store.db", result, runs=1)
    monkeypatch.setattr(database, "write_problem", lambda path, **_: "permission denied")
    store = Store(path, write=False)
    with pytest.raises(StoreError, match="opened for reading only"):
        store.archive("Acme")
    with pytest.raises(OperationalError, match="readonly"), store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM runs")
    assert store.runs()[1] == 1
    dispose_engines()
    assert beside(path) == ["store.db"]


def test_the_write_probe_finds_a_file_that_cannot_be_opened_for_writing(tmp_path, monkeypatch):
    path = tmp_path / "store.db"
    path.write_bytes(b"")
    assert database.write_problem(path) is None
    real_open = os.open

    def refusing_open(file, flags, *args, **kwargs):
        if Path(file) == path and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(database.os, "open", refusing_open)
    assert database.write_problem(path) == "permission denied"


def test_the_write_probe_finds_a_directory_where_no_file_can_be_made(tmp_path, monkeypatch):
    path = tmp_path / "store.db"
    monkeypatch.setattr(
        database.tempfile,
        "mkstemp",
        lambda **kwargs: (_ for _ in ()).throw(PermissionError(13, "Permission denied", kwargs["dir"])),
    )
    problem = database.write_problem(path)
    assert problem is not None and "directory" in problem and "permission denied" in problem
    assert os.listdir(tmp_path) == []


# --- 17: reading never creates a store ------------------------------------------------------


def test_reading_a_missing_store_says_so_and_creates_nothing(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(InputError, match=f"no store at {path}"):
        Store(path, write=False)
    assert not path.exists() and os.listdir(tmp_path) == []


# --- 18: names -------------------------------------------------------------------------------

NFC, NFD = "Caf\u00e9", "Cafe\u0301"


def test_nfc_and_nfd_spellings_are_one_scenario(store):
    first = store.save_revision(renamed(ACME, NFC), parse_scenario(renamed(ACME, NFC)))
    second = store.save_revision(renamed(ACME, NFD), parse_scenario(renamed(ACME, NFD)))
    assert second.revision.scenario_id == first.revision.scenario_id
    assert [s.name for s in store.scenarios()] == [NFC]
    assert store.find_revision(NFD).number == 2
    assert [r.number for r in store.history(NFD)] == [1, 2]


def test_surrounding_whitespace_is_one_scenario(store):
    store.save_revision(renamed(ACME, "Plan"), parse_scenario(renamed(ACME, "Plan")))
    saved = store.save_revision(renamed(ACME, "Plan "), parse_scenario(renamed(ACME, "Plan ")))
    assert saved.created and saved.revision.number == 2 and saved.revision.name == "Plan"
    assert [s.name for s in store.scenarios()] == ["Plan"]
    assert store.find_revision("  Plan\t").name == "Plan"
    assert store.find_revision(" Plan @1").number == 1
    assert store.archive("Plan ") and store.restore(" Plan")
    assert store.runs(name="Plan ")[1] == 0


def test_a_name_saved_before_normalisation_is_found_by_its_normal_form(store):
    """A store written by an earlier version may hold 'Plan ' or an NFD name: it is still found, and saved into."""
    store.save_revision(renamed(ACME, "Plan"), parse_scenario(renamed(ACME, "Plan")))
    connection = sqlite3.connect(store.path)
    connection.execute("UPDATE scenarios SET name = ?", (" " + NFD + " ",))
    connection.commit()
    connection.close()
    assert store.find_revision(NFC).number == 1
    saved = store.save_revision(renamed(ACME, NFC), parse_scenario(renamed(ACME, NFC)))
    assert saved.revision.number == 2 and len(store.scenarios()) == 1


def test_rename_looks_the_old_name_up_normalised(store):
    store.save_revision(renamed(ACME, NFC), parse_scenario(renamed(ACME, NFC)))
    text = renamed(ACME, "Bistro")
    saved = store.rename(NFD + " ", text, parse_scenario(text))
    assert saved.revision.name == "Bistro"
    with pytest.raises(InputError, match="already named 'Bistro'"):
        store.rename("Bistro", renamed(ACME, " Bistro"), parse_scenario(renamed(ACME, " Bistro")))


@pytest.mark.parametrize(
    "character",
    [
        "\u0007",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u202a",
        "\u202e",
        "\u2066",
        "\u2069",
        "\x7f",
        "\u0085",
    ],
)
def test_the_loader_refuses_hidden_characters_in_a_name_with_line_and_field(character):
    text = renamed(ACME, f"Pl{character}an")
    with pytest.raises(InputError) as error:
        parse_scenario(text, "plan.yaml")
    problems = [str(p) for p in error.value.problems]
    assert len(problems) == 1
    assert problems[0].startswith("plan.yaml:2 name: ") and f"U+{ord(character):04X}" in problems[0]


def named(name: str) -> str:
    """ACME named ``name``, every character outside printable ASCII written as a YAML escape (``\\U0001f680``)."""
    escaped = "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}" for c in name)
    return ACME.replace("\nname: Acme\n", f'\nname: "{escaped}"\n')


INVISIBLE = [
    "\u00ad",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "\u180e",
    "\u034f",
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u2800",
    "\u17b4",
    "\ufff9",
    "\U000e0041",
    "\ue000",
    "\U0010fffd",
    "\u0378",
    "\ufe0f",
]


@pytest.mark.parametrize("character", INVISIBLE)
def test_the_loader_refuses_every_invisible_or_format_character(character):
    """Format (Cf), separators (Zl, Zp), private use, unassigned and the invisible fillers: 'Pl?an' would list as 'Plan'."""
    with pytest.raises(InputError) as error:
        parse_scenario(named(f"Pl{character}an"), "plan.yaml")
    problems = [str(p) for p in error.value.problems]
    assert problems == [
        f"plan.yaml:2 name: must not contain hidden or direction-changing characters, "
        f"got U+{ord(character):04X} ({problems[0].rsplit('(', 1)[1]}"
    ]
    assert name_problem(f"Pl{character}an") is not None


@pytest.mark.parametrize(
    "name",
    [
        "Caf\u00e9 \u2764\ufe0f",
        "Plan\u00a0B",
        "\ud55c\uad6d\uc5b4 plan",
        "\u0645\u0631\u062d\u0628\u0627",
        "e\u0301" * 3,
        "\U0001f680 launch",
    ],
)
def test_visible_names_in_any_script_are_kept(name):
    assert name_problem(name) is None
    assert parse_scenario(named(name)).name == normalize_name(name)


def test_a_name_is_counted_after_normalisation():
    """'e' + combining acute, 80 times, is 80 characters once NFC-normalised, as its NFC spelling is."""
    assert parse_scenario(renamed(ACME, "e\u0301" * 80)).name == "\u00e9" * 80
    assert parse_scenario(renamed(ACME, "\u00e9" * 80)).name == "\u00e9" * 80
    with pytest.raises(InputError, match="must be text of 1 to 80 characters"):
        parse_scenario(renamed(ACME, "e\u0301" * 81))
    assert parse_scenario(renamed(ACME, "  " + "a" * 80 + "  ")).name == "a" * 80


@pytest.mark.parametrize("written", ["2025", "yes", "1.5", "12345", "no", "2025-01-01"])
def test_a_name_yaml_reads_as_no_text_is_told_to_be_quoted(written):
    text = ACME.replace("\nname: Acme\n", f"\nname: {written}\n")
    with pytest.raises(InputError) as error:
        parse_scenario(text, "plan.yaml")
    assert [str(p) for p in error.value.problems] == [
        f'plan.yaml:2 name: must be text of 1 to 80 characters, got {written}; put it in quotes: name: "{written}"'
    ]


def test_the_loader_normalises_the_name():
    assert parse_scenario(renamed(ACME, f"  {NFD}  ")).name == NFC


def test_the_store_refuses_a_hidden_character_in_a_name_however_it_arrives(store):
    scenario = parse_scenario(ACME)
    with pytest.raises(InputError, match="U\\+202E"):
        store.save_revision(ACME, dataclasses.replace(scenario, name="Acme\u202e"))
    with pytest.raises(InputError, match="U\\+200B"):
        store.find_revision("Ac\u200bme")
    assert store.scenarios() == []


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(names)
def test_normalising_is_idempotent_and_keeps_a_name_canonical(name):
    once = normalize_name(name)
    assert normalize_name(once) == once
    assert once == once.strip() and unicodedata.is_normalized("NFC", once)
    assert normalize_name(unicodedata.normalize("NFD", name) + " \t") == once


@given(names)
def test_a_name_is_refused_exactly_when_it_holds_a_hidden_character(name):
    normal = normalize_name(name)
    after_symbol = [k > 0 and unicodedata.category(normal[k - 1]).startswith("S") for k in range(len(normal))]
    hidden = [
        c
        for k, c in enumerate(normal)
        if c in FORBIDDEN
        or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
        or (c in VARIATION_SELECTORS and not after_symbol[k])
    ]
    problem = name_problem(name)
    assert (problem is not None) == bool(hidden)
    if hidden:
        assert f"U+{ord(hidden[0]):04X}" in problem


# --- 14: ids beyond SQLite's integers -------------------------------------------------------


@pytest.mark.parametrize("run_id", [2**63, 10**22, -(2**63) - 1])
def test_an_id_too_large_for_sqlite_is_no_run(store, run_id):
    for lookup in (store.run, store.result):
        with pytest.raises(InputError, match=f"no run {run_id}"):
            lookup(run_id)


def test_a_revision_number_too_large_for_sqlite_is_no_revision(store):
    store.save_revision(ACME, parse_scenario(ACME))
    with pytest.raises(InputError, match="has no revision 99999999999999999999999"):
        store.find_revision("Acme@99999999999999999999999")


def test_a_limit_too_large_for_sqlite_lists_everything(store, result):
    store.save_run(ACME, parse_scenario(ACME), result)
    runs, total = store.runs(limit=10**22)
    assert (len(runs), total) == (1, 1)
