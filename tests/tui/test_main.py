"""The main screen as a founder uses it: edit a field, watch results move, save, quit."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.screens.dialogs import UnsavedChanges
from tui.screens.main import MainScreen
from tui.widgets.editor import FieldRow, field_id

SIZE = (120, 40)
CHURN = field_id("segments[0].churn.monthly")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "tui.db")


async def settled(pilot) -> MainScreen:
    """The main screen once every simulation has finished and its result is shown."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def arr_p50(screen: MainScreen) -> float:
    assert screen.result is not None
    return screen.result.summary["arr_end"].p50


async def type_into(pilot, input_id: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#{input_id}", Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)


async def test_a_new_store_opens_on_the_starter_with_figures(store):
    app = create_app(store, seed=1, live_paths=400)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.document["name"] == "Starter - monthly SaaS"
        assert arr_p50(screen) > 0 and not screen.dirty
        assert [info.name for info in store.scenarios()] == ["Starter - monthly SaaS"]


async def test_lower_churn_moves_arr_up(store):
    app = create_app(store, seed=1, live_paths=400)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        before = arr_p50(screen)
        checks_before = screen.result.diagnosis.checks
        await type_into(pilot, CHURN, "1%")
        screen = await settled(pilot)
        assert screen.scenario is not None
        assert screen.document["segments"][0]["churn"]["monthly"] == 0.01
        assert arr_p50(screen) > before * 1.1
        assert screen.dirty and "unsaved" in app.sub_title
        before_values = {c.metric: c.value for c in checks_before}
        after_values = {c.metric: c.value for c in screen.result.diagnosis.checks}
        assert after_values["annualized_logo_churn_end"] < before_values["annualized_logo_churn_end"]  # diagnosis too


async def test_a_bad_value_is_refused_at_its_field(store):
    app = create_app(store, seed=1, live_paths=400)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        result_before = screen.result
        screen.query_one(f"#{field_id('segments[0].gross_margin')}", Input).value = "150%"
        screen = await settled(pilot)
        row = screen.query_one(f"#{field_id('segments[0].gross_margin')}").parent.parent
        assert isinstance(row, FieldRow) and row.has_class("-invalid")
        message = str(row.query_one(".field-problem").render())
        # the CLI's own words for the same file: scenario.yaml:NN segments[0].gross_margin: must be ...
        assert message == "segments[0].gross_margin: must be a number between 0 and 1, got '150%'"
        assert screen.scenario is None and screen.result is result_before  # never run
        await pilot.press("ctrl+s")
        assert len(store.history("Starter - monthly SaaS")) == 1  # never saved
        await type_into(pilot, field_id("segments[0].gross_margin"), "70%")
        screen = await settled(pilot)
        assert not row.has_class("-invalid") and screen.result is not result_before


async def test_ctrl_s_saves_a_revision_with_its_run(store):
    app = create_app(store, seed=1, live_paths=400)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await type_into(pilot, field_id("acquisition.spend_monthly"), "30k")
        screen = await settled(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        history = store.history("Starter - monthly SaaS")
        assert [r.number for r in history] == [1, 2]
        assert history[1].normalized["acquisition"]["spend_monthly"] == 30_000
        assert not screen.dirty and "unsaved" not in app.sub_title
        runs, _ = store.runs(name="Starter - monthly SaaS")
        assert runs[0].revision == 2 and runs[0].arr_end_p50 == arr_p50(screen)


async def test_quit_with_unsaved_changes_asks(store):
    app = create_app(store, seed=1, live_paths=400)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await type_into(pilot, field_id("company.fixed_costs_monthly"), "60k")
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedChanges)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
    assert len(store.history("Starter - monthly SaaS")) == 2  # saved, then quit
    assert not app.is_running


async def test_quit_without_changes_quits_at_once(store):
    app = create_app(store, seed=1, live_paths=400)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


async def test_opens_a_file_imported_and_a_name(store, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text((Path(__file__).parents[2] / "scenarios" / "vicious-cycle.yaml").read_text())
    app = create_app(store, str(plan), seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.document["name"] == "Vicious cycle" and screen.revision.number == 1
    app = create_app(store, "Vicious cycle@1", seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.revision.name == "Vicious cycle"


async def test_usable_at_80_by_24(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        for selector in ("#editor", "#results"):
            region = screen.query_one(selector).region
            assert region.width >= 30 and region.height >= 10, selector
        await type_into(pilot, CHURN, "2%")
        screen = await settled(pilot)
        assert screen.document["segments"][0]["churn"]["monthly"] == 0.02


async def test_renaming_the_open_scenario_in_the_browser_follows_it(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        old = screen.revision
        store.rename(old.name, *_renamed(old.yaml_text, "Renamed plan"))
        await screen._open_chosen(None)  # the browser closed without a choice
        screen = await settled(pilot)
        assert screen.revision.name == "Renamed plan" and screen.revision.number == old.number + 1
        assert screen.document["name"] == "Renamed plan" and not screen.dirty


def _renamed(text: str, name: str):
    from saas_sim.io.scenario import renamed_scenario_text

    return renamed_scenario_text(text, name)


async def test_ctrl_s_without_changes_keeps_one_run_of_the_revision(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        for _ in range(2):
            await pilot.press("ctrl+s")
            await pilot.pause()
    runs, total = store.runs()
    assert total == 1 and runs[0].revision == 1  # a run for the listings, not one per key press
    assert len(store.history("Starter - monthly SaaS")) == 1


async def test_switching_churn_to_alpha_beta_and_cac_to_a_funnel(store):
    from textual.widgets import Select

    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        before = screen.result.summary["cac"].p50
        screen.query_one("#form-acquisition-0", Select).value = "funnel"
        screen = await settled(pilot)
        screen.query_one("#form-churn-0", Select).value = "alpha_beta"
        screen = await settled(pilot)
        segment = screen.document["segments"][0]
        assert "funnel" in segment and "cac" not in segment
        assert set(segment["churn"]) == {"alpha", "beta"}
        assert screen.scenario is not None  # valid after both switches
        assert screen.query_one(f"#{field_id('segments[0].churn.alpha')}", Input)
        assert screen.result.summary["cac"].p50 == pytest.approx(before, rel=0.05)  # same CAC, as a funnel


async def test_a_default_starting_mrr_follows_arpa(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.query_one(f"#{field_id('segments[0].starting_mrr')}", Input).value == ""
        assert not screen.dirty
        await type_into(pilot, field_id("segments[0].arpa_monthly"), "150")
        screen = await settled(pilot)
        assert screen.document["segments"][0]["starting_mrr"] == 350 * 150
        assert screen.result.series["mrr"].p50[0] > 350 * 140


async def test_a_new_scenario_from_a_stored_example_gets_its_own_name(store):
    from saas_sim.io.examples import examples
    from tui.messages import OpenScenario

    app = create_app(store, seed=1, live_paths=300)  # the starter is stored on first open
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await screen._open_chosen(OpenScenario("new", examples()[0].text))
        screen = await settled(pilot)
        assert screen.document["name"] == "Starter - monthly SaaS (2)" and screen.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
    names = sorted(info.name for info in store.scenarios())
    assert names == ["Starter - monthly SaaS", "Starter - monthly SaaS (2)"]
    assert len(store.history("Starter - monthly SaaS")) == 1  # the stored one untouched
