"""SVG snapshots of the app at a fixed seed and size, built by the factory ``saas-sim tui`` uses.

Update them after an intended change of the look: ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from saas_sim.io.examples import examples
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store
from tests.tui.pilot import settle as settle_still
from tui.app import create_app
from tui.widgets.editor import field_id

STARTER = examples()[0]


@pytest.fixture
def app(tmp_path: Path):
    store = Store(tmp_path / "snap.db")
    store.save_revision(STARTER.text, parse_scenario(STARTER.text, STARTER.file_name))
    return create_app(store, STARTER.name, seed=1, live_paths=500)


async def settle(pilot) -> None:
    await settle_still(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor would make the picture depend on the moment


def test_main_screen_120x40(snap_compare, app):
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_main_screen_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_an_invalid_value_marked_at_its_field(snap_compare, app):
    async def edit(pilot) -> None:
        await settle(pilot)
        field = pilot.app.screen.query_one(f"#{field_id('company.fixed_costs_monthly')}", Input)
        field.value = "-5k"
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=edit)
