"""Issue 13 item 9: whatever a user types or pastes into a field is a field error, never a crash."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.widgets import Input

from saas_sim.io.examples import examples
from saas_sim.model.paths import set_in
from saas_sim.store import Store
from tui.app import create_app
from tui.screens.main import MainScreen, checked_document, scenario_document
from tui.widgets.editor import ScenarioEditor, field_paths, read_written

SIZE = (120, 40)
HOSTILE = [
    "9" * 5_000,
    "1e308",
    "-1e308",
    "1e309",
    "nan",
    "inf",
    "-inf",
    ".nan",
    "٣٦",  # Arabic-Indic digits
    "１２",  # full-width digits
    "3\x00",
    "\x1b[31m",
    "12\t",
    "{a: [",
    "*alias",
    "!!python/object:os.system",
    "0x" + "f" * 400,
    "9" * 400 + "%",
    "1" * 300 + ".." + "2" * 300,
]
PASTED = ["9" * 5_000, "1e308", "nan", "-inf", "١٢", "3\x00\x1b[31m", "{a: ["]  # pasted in every field of the app


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "hostile.db")


async def test_pasting_hostile_values_into_every_field_never_crashes(store):
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        editor = screen.query_one(ScenarioEditor)
        for input_id, path in list(editor.paths.items()):
            field = screen.query_one(f"#{input_id}", Input)
            original = field.value
            for value in PASTED:
                field.focus()
                field.value = ""
                app.post_message(events.Paste(value))
                await pilot.pause()
                assert app.is_running, (path, value)
                assert field.value == value.splitlines()[0], (path, value)
            field.value = original
            await pilot.pause()
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and screen.scenario is not None, screen.problems  # every field back: valid again


async def test_five_thousand_digits_in_horizon_months_is_a_field_error(store):
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        field = screen.query_one("#field-horizon_months", Input)
        field.focus()
        field.value = ""
        app.post_message(events.Paste("9" * 5_000))
        for _ in range(50):  # the edit's debounce, on a loaded machine (CI once needed more than 0.5 s)
            await pilot.pause(0.1)
            if screen.scenario is None:
                break
        assert app.is_running and screen.scenario is None
        row = field.parent.parent
        assert row.has_class("-invalid") and "horizon_months" in row.problem


STARTER = examples()[0].text
_, DOCUMENT = scenario_document(STARTER, "starter")
FIELDS = field_paths(DOCUMENT)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(FIELDS), text=st.text(max_size=60) | st.sampled_from(HOSTILE))
def test_any_text_in_any_field_is_a_scenario_or_problems(path, text):
    document = copy.deepcopy(DOCUMENT)
    set_in(document, path, read_written(path, text))
    scenario, checked, problems = checked_document(document, "starter")
    assert (scenario is None) == bool(problems)
    assert checked is not None


def test_a_value_no_reader_foresaw_is_a_problem_of_the_field_edited(monkeypatch):
    import tui.screens.main as main

    def unforeseen(text, source):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr(main, "scenario_document", unforeseen)
    scenario, document, problems = checked_document(copy.deepcopy(DOCUMENT), "starter", "horizon_months")
    assert scenario is None and document == DOCUMENT
    assert [(p.field, p.message) for p in problems] == [
        ("horizon_months", "cannot be read as a value (Exceeds the limit (4300 digits) for integer string conversion)")
    ]


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.file_name)
def test_every_field_as_the_editor_writes_it_reads_back_the_same(example):
    """Retyping what a field shows never makes it invalid (``paths`` shown as ``2k`` was refused)."""
    from tui.widgets.editor import _defaults_left_out, written

    _, document = scenario_document(example.text, example.file_name)
    shown = _defaults_left_out(copy.deepcopy(document))
    _scenario, before, problems = checked_document(shown, example.file_name)
    assert not problems
    for path in field_paths(shown):
        retyped = copy.deepcopy(shown)
        set_in(retyped, path, read_written(path, written(path, _value_at(shown, path))))
        _scenario, after, problems = checked_document(retyped, example.file_name)
        assert not problems and after == before, (path, written(path, _value_at(shown, path)), problems)


def _value_at(document: dict, path: str):
    import re

    target = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        target = target[int(part[1:-1])] if part.startswith("[") else target.get(part)
    return target
