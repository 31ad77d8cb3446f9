"""Issue 13 item 8: no app key collides with a field's editing keys; ctrl+z undoes an edit in a field."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from saas_sim.store import Store
from tui.app import create_app
from tui.commands import COMMANDS, app_bindings, bindings, load_keymap
from tui.screens.compare import CompareScreen
from tui.widgets.editor import field_id

SIZE = (120, 40)
CHURN = field_id("segments[0].churn.monthly")


def keys_of(binding) -> set[str]:
    return {key.strip() for key in binding.key.split(",")}


INPUT_KEYS = set().union(*(keys_of(b) for b in Input.BINDINGS))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "keys.db")


def test_no_app_key_is_an_editing_key_of_a_field():
    for binding in [*bindings(), *app_bindings()]:
        assert not keys_of(binding) & INPUT_KEYS, binding
    assert "ctrl+k" in INPUT_KEYS  # the key that used to open Compare empties a field


def test_every_command_has_its_own_key():
    keys = [c.key for c in COMMANDS]
    assert len(keys) == len(set(keys))


def test_a_keymap_key_that_edits_fields_is_left_out(tmp_path):
    (tmp_path / "keymap.toml").write_text('save = "ctrl+w"\ncompare = "ctrl+k"\nhistory = "f5"\n')
    assert load_keymap(tmp_path) == {"history": "f5"}


async def test_the_compare_key_opens_compare_while_a_field_has_the_focus(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        field = app.screen.query_one(f"#{CHURN}", Input)
        field.focus()
        before = field.value
        key = next(c.key for c in COMMANDS if c.id == "compare")
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert field.value == before


async def test_ctrl_z_undoes_an_edit_in_a_field(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        field = app.screen.query_one(f"#{field_id('horizon_months')}", Input)
        field.focus()
        await pilot.press("end", "backspace", "backspace", "4", "8")
        assert field.value == "48"
        await pilot.press("ctrl+u")
        assert field.value == ""
        await pilot.press("ctrl+z")
        assert field.value == "48"
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z", "ctrl+z")
        assert field.value == "36"
        await pilot.press("ctrl+z")  # nothing older: stays
        assert field.value == "36"
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        assert app.screen.document["horizon_months"] == 36


def test_a_keymap_entry_left_out_is_said(tmp_path):
    from tui.commands import keymap_refused

    (tmp_path / "keymap.toml").write_text('save = "ctrl+w"\nhistory = "f5"\n')
    said = keymap_refused(tmp_path)
    assert said is not None and "save = ctrl+w left out" in said and "history" not in said
    (tmp_path / "keymap.toml").write_text('history = "f5"\n')
    assert keymap_refused(tmp_path) is None
