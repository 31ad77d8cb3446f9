"""The tornado and goal seek from the main screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, Static

from saas_sim.render.tornado import Tornado
from saas_sim.store import Store
from tests.tui.pilot import settle as settle_for
from tui.app import create_app
from tui.screens.goal import GoalDialog
from tui.screens.main import MainScreen
from tui.screens.sensitivity import SensitivityScreen
from tui.widgets.editor import field_id

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "tui.db")


async def settle(pilot) -> None:
    await settle_for(pilot, 0.3)


async def test_ctrl_t_shows_the_tornado_of_the_edited_scenario(store):
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SensitivityScreen)
        result = screen.result
        assert result is not None and result.metric == "arr_end" and len(result.inputs) > 5
        effects = [swing.effect for swing in result.inputs]
        assert effects == sorted(effects, reverse=True)
        assert result.inputs[0].field == "segments.Freelancers.arpa_monthly"  # ARR moves with ARPA, one for one
        assert isinstance(screen.query_one("#sensitivity-tornado", Static).render()._renderable, Tornado)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_goal_seek_from_the_focused_field_applies_its_value(store):
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.query_one(f"#{field_id('segments[0].churn.monthly')}", Input).focus()
        await pilot.press("ctrl+g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GoalDialog)
        assert dialog.query_one("#goal-field", Input).value == "segments.Freelancers.churn.monthly"
        dialog.query_one("#goal-target", Input).value = "ltv_cac >= 3"
        dialog.query_one("#goal-search", Button).press()
        await settle(pilot)
        assert dialog.found is not None and 0 < dialog.found < 0.03
        assert not dialog.query_one("#goal-apply", Button).disabled
        dialog.query_one("#goal-apply", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        churn = main.document["segments"][0]["churn"]["monthly"]
        assert churn == pytest.approx(dialog.found, rel=1e-3)
        assert main.result.summary["ltv_cac"].p50 >= 2.99


async def test_ctrl_l_creates_a_scenario_calibrated_from_the_sample_ledger(store):
    from tui.screens.calibrate import CalibrateDialog

    ledger = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "ledger.csv"
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CalibrateDialog)
        dialog.query_one("#calibrate-path", Input).value = str(ledger)
        dialog.query_one("#calibrate-fit", Button).press()
        await settle(pilot)
        assert not dialog.query_one("#calibrate-create", Button).disabled
        dialog.query_one("#calibrate-create", Button).press()
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.document["name"] == "Calibrated from ledger.csv" and main.dirty and main.result is not None
        arpa = main.document["segments"][0]["arpa_monthly"]  # the mean with its error: a 90 % interval
        assert (arpa["p5"] * arpa["p95"]) ** 0.5 == pytest.approx(93.64, rel=1e-3)
        # The whole company as of the ledger's last month, not the starter's base: 2,387 customers by tenure.
        cohorts = main.document["segments"][0]["starting_cohorts"]
        assert sum(group["customers"] for group in cohorts) == 2387
        assert main.document["acquisition"]["spend_monthly"] == pytest.approx(1000 / 6, rel=1e-5)


async def test_ctrl_l_then_typing_goes_into_the_file_field(store):
    """Found in tmux: the dialog opened with no field focused, so a path typed at once went nowhere."""
    from tui.screens.calibrate import CalibrateDialog

    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, CalibrateDialog)
        await pilot.press("a", "b", "c")
        assert app.screen.query_one("#calibrate-path", Input).value == "abc"


async def test_ctrl_l_calibrates_the_stripe_style_example_with_its_columns_and_a_segment_per_plan(store):
    """The shipped subscriptions export needs --columns on the command line; the dialog takes them too."""
    from tui.screens.calibrate import CalibrateDialog

    export = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "subscriptions.csv"
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CalibrateDialog)
        dialog.query_one("#calibrate-path", Input).value = str(export)
        dialog.query_one("#calibrate-columns", Input).value = "customer"
        dialog.query_one("#calibrate-fit", Button).press()
        await settle(pilot)
        assert "columns: must be COLUMN=NAME pairs" in str(dialog.query_one("#calibrate-problem").render())
        columns = "customer=Customer ID,start=Start Date (UTC),end=Ended At (UTC)"
        dialog.query_one("#calibrate-columns", Input).value = columns
        dialog.query_one("#calibrate-segment-by", Input).value = "Plan"
        dialog.query_one("#calibrate-fit", Button).press()
        await settle(pilot)
        dialog.query_one("#calibrate-create", Button).press()
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen) and main.result is not None
        names = [segment["name"] for segment in main.document["segments"]]
        assert sorted(names) == ["Pro", "Pro annual", "Starter", "Team"]
