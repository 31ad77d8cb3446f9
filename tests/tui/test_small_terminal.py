"""Issue 13 item 11: every dialog works at 80x24: its buttons are on screen and can be clicked.

Each dialog is shown in its largest state (Calibrate after a fit, goal seek
after an answer) in an 80x24 terminal; every button must be the widget
drawn at its own centre, inside the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Button, Input

from saas_sim.engine.simulate import with_overrides
from saas_sim.io.examples import examples
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store
from tests.tui.pilot import settle as settle_for
from tui.app import create_app
from tui.screens.browser import BrowserScreen, ExamplePicker, NameDialog
from tui.screens.calibrate import CalibrateDialog
from tui.screens.dialogs import UnsavedChanges
from tui.screens.goal import GoalDialog
from tui.screens.help import HelpScreen
from tui.screens.history import HistoryScreen
from tui.store_wait import WaitingForStore

SMALL = (80, 24)
ROOT = Path(__file__).parents[2]
STARTER = examples()[0]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "small.db")
    store.save_revision(STARTER.text, parse_scenario(STARTER.text, STARTER.file_name))
    return store


def clickable(screen, button: Button) -> bool:
    region = button.region
    if not region or not Region(0, 0, *SMALL).contains_region(region):
        return False
    widget, _ = screen.get_widget_at(*region.center)
    return widget is button or button in widget.ancestors_with_self


async def settle(pilot) -> None:
    await settle_for(pilot, 0.2)


async def show(store, dialog, prepare=None):
    app = create_app(store, STARTER.name, seed=1, live_paths=200)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await app.push_screen(dialog)
        await settle(pilot)
        if prepare is not None:
            await prepare(pilot, dialog)
            await settle(pilot)
        assert app.screen is dialog
        buttons = list(dialog.query(Button))
        hidden = [button.id for button in buttons if not clickable(dialog, button)]
        container = dialog.children[0].region
        return buttons, hidden, container


async def test_calibrate_after_a_fit_fits_80_by_24(store):
    async def fit(pilot, dialog):
        dialog.query_one("#calibrate-path", Input).value = str(ROOT / "scenarios" / "data" / "ledger.csv")
        await pilot.click("#calibrate-fit")
        await settle(pilot)
        assert not dialog.query_one("#calibrate-create", Button).disabled

    buttons, hidden, _ = await show(store, CalibrateDialog(), fit)
    assert len(buttons) == 3 and hidden == []


async def test_goal_seek_with_its_answer_fits_80_by_24(store):
    scenario = with_overrides(parse_scenario(STARTER.text, STARTER.file_name), paths=200, seed=1)

    async def seek(pilot, dialog):
        await pilot.click("#goal-search")
        await settle(pilot)

    buttons, hidden, _ = await show(store, GoalDialog(scenario, "segments.Freelancers.churn.monthly"), seek)
    assert len(buttons) == 3 and hidden == []


async def test_unsaved_changes_fits_80_by_24(store):
    buttons, hidden, _ = await show(store, UnsavedChanges("A rather long scenario name " * 3, "quit"))
    assert len(buttons) == 3 and hidden == []


async def test_waiting_for_the_store_fits_80_by_24(store):
    buttons, hidden, _ = await show(store, WaitingForStore(store.path, "save 'Starter - monthly SaaS'"))
    assert len(buttons) == 1 and hidden == []


@pytest.mark.parametrize(
    "make",
    [
        lambda store: BrowserScreen(store),
        lambda store: HistoryScreen(store, STARTER.name),
        lambda store: HelpScreen([("ctrl+s", "Save")] * 30),
        lambda store: NameDialog("Rename", "Starter - monthly SaaS", lambda name: None),
        lambda store: ExamplePicker(),
    ],
    ids=["browser", "history", "help", "name", "examples"],
)
async def test_dialogs_without_buttons_fit_80_by_24(store, make):
    _, _, container = await show(store, make(store))
    assert Region(0, 0, *SMALL).contains_region(container), container
