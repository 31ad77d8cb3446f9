"""The scenario browser and the history screen, driven by Pilot on a store in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Input, Label, OptionList, Static

from saas_sim.errors import InputError
from saas_sim.io.examples import examples
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store
from tui.messages import OpenScenario
from tui.screens.browser import BrowserScreen, ExamplePicker, NameDialog
from tui.screens.history import HistoryScreen, scenario_text_named

SIZE = (120, 40)
STARTER = examples()[0]
PLG = next(e for e in examples() if e.file_name == "plg-funnel.yaml")
STARTER_2 = STARTER.text.replace("fixed_costs_monthly: 55k", "fixed_costs_monthly: 60k")


class Host(App):
    """Pushes one screen and keeps what it was dismissed with."""

    def __init__(self, screen: Screen):
        super().__init__()
        self.first_screen = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.first_screen, self.results.append)


def save(store: Store, text: str):
    return store.save_revision(text, parse_scenario(text))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Two scenarios: the starter with two revisions, the PLG funnel with one."""
    store = Store(tmp_path / "tui.db")
    assert STARTER.text != STARTER_2
    save(store, STARTER.text)
    save(store, STARTER_2)
    save(store, PLG.text)
    return store


def table_names(screen) -> list[str]:
    table = screen.query_one("#scenarios", DataTable)
    return [table.get_row_at(index)[0].plain for index in range(table.row_count)]


async def choose(pilot, screen, name: str) -> None:
    """Put the browser's cursor on the scenario ``name``."""
    screen.query_one("#scenarios", DataTable).move_cursor(row=[info.name for info in screen.rows].index(name))
    await pilot.pause()


async def test_the_browser_lists_the_scenarios(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        assert table_names(screen) == ["PLG funnel", "Starter - monthly SaaS"]
        table = screen.query_one("#scenarios", DataTable)
        revision = table.get_row_at(1)[1]
        assert revision == "2"
        assert screen.query_one("#count", Label).content == "2 scenarios"
        bindings = {binding.id for _, binding in screen._bindings}
        assert {
            "browser.open",
            "browser.new",
            "browser.duplicate",
            "browser.rename",
            "browser.archive",
            "browser.history",
            "browser.show-archived",
            "browser.close",
        } <= bindings


async def test_enter_opens_the_latest_revision(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await choose(pilot, app.screen, "Starter - monthly SaaS")
        await pilot.press("enter")
        await pilot.pause()
        [result] = app.results
        assert isinstance(result, OpenScenario)
        assert (result.action, result.text, result.revision.number) == ("open", STARTER_2, 2)


async def test_escape_closes_with_nothing(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_new_from_an_example(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ExamplePicker)
        options = picker.query_one("#examples", OptionList)
        assert options.option_count == len(examples())
        wanted = examples()[3]
        assert wanted.name in str(options.get_option_at_index(3).prompt)
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert app.results == [OpenScenario("new", wanted.text)]


async def test_duplicate_refuses_a_taken_name_then_returns_the_renamed_text(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await choose(pilot, app.screen, "Starter - monthly SaaS")
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NameDialog)
        field = dialog.query_one("#name", Input)
        assert field.value == "Starter - monthly SaaS copy"

        field.value = "PLG funnel"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # refused at the field
        assert "already named 'PLG funnel'" in str(dialog.query_one("#name-error", Label).content)

        field.value = "Starter, take two"
        await pilot.press("enter")
        await pilot.pause()
        [result] = app.results
        assert result.action == "new" and result.revision is None
        copy = parse_scenario(result.text)
        original = parse_scenario(STARTER_2)
        assert copy.name == "Starter, take two"
        assert copy == type(original)(**{**original.__dict__, "name": "Starter, take two"})
        assert "# A first scenario" in result.text  # the comments stay
        assert [info.name for info in store.scenarios()] == ["PLG funnel", "Starter - monthly SaaS"]


async def test_rename_renames_the_stored_scenario(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await choose(pilot, screen, "Starter - monthly SaaS")
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        field = dialog.query_one("#name", Input)
        field.value = "Starter - monthly SaaS"  # its own name is taken too
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        field.value = "Invoicing tool"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and app.results == []  # the browser stays open
        assert [info.name for info in store.scenarios()] == ["Invoicing tool", "PLG funnel"]
        assert table_names(screen) == ["Invoicing tool", "PLG funnel"]
        assert screen.selected.name == "Invoicing tool"
        latest = store.find_revision("Invoicing tool")
        assert latest.number == 3 and parse_scenario(latest.yaml_text).name == "Invoicing tool"


async def test_archive_hides_the_row_and_the_toggle_shows_it(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await choose(pilot, screen, "PLG funnel")
        await pilot.press("a")
        await pilot.pause()
        assert table_names(screen) == ["Starter - monthly SaaS"]
        assert [info.name for info in store.scenarios()] == ["Starter - monthly SaaS"]

        await pilot.press("s")
        await pilot.pause()
        assert screen.query_one("#show-archived", Checkbox).value is True
        assert table_names(screen) == ["PLG funnel  archived", "Starter - monthly SaaS"]

        await choose(pilot, screen, "PLG funnel")
        await pilot.press("a")  # restores it
        await pilot.pause()
        assert table_names(screen) == ["PLG funnel", "Starter - monthly SaaS"]
        assert [info.archived for info in store.scenarios(include_archived=True)] == [False, False]


async def test_an_empty_store_says_so_and_offers_new(tmp_path):
    app = Host(BrowserScreen(Store(tmp_path / "empty.db")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        empty = screen.query_one("#empty", Static)
        assert empty.display and not screen.query_one("#scenarios", DataTable).display
        assert "No stored scenarios yet" in str(empty.content) and "n" in str(empty.content)
        await pilot.press("enter", "d", "r", "a", "h")  # nothing to act on: nothing happens
        await pilot.pause()
        assert app.screen is screen and app.results == []
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [OpenScenario("new", examples()[0].text)]


async def test_history_lists_revisions_and_opens_one(store):
    app = Host(BrowserScreen(store))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await choose(pilot, app.screen, "Starter - monthly SaaS")
        await pilot.press("h")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, HistoryScreen)
        table = history.query_one("#revisions", DataTable)
        rows = [table.get_row_at(index) for index in range(table.row_count)]
        assert [row[0].plain for row in rows] == ["2 latest", "1"]
        assert rows[0][3].plain == "company.fixed_costs_monthly"
        assert rows[1][3].plain == "first revision"
        assert history.query_one("#yaml", Static).content.code == STARTER_2

        await pilot.press("down")
        await pilot.pause()
        assert history.query_one("#yaml", Static).content.code == STARTER.text
        await pilot.press("enter")
        await pilot.pause()
        [result] = app.results  # the browser passes the history's answer on
        assert (result.action, result.text, result.revision.number) == ("open", STARTER.text, 1)


async def test_history_restore_makes_the_older_text_the_latest(store):
    app = Host(HistoryScreen(store, "Starter - monthly SaaS"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")  # the latest is selected: nothing to restore
        await pilot.pause()
        assert len(store.history("Starter - monthly SaaS")) == 2 and app.results == []
        await pilot.press("down", "r")
        await pilot.pause()
        [result] = app.results
        revisions = store.history("Starter - monthly SaaS")
        assert [r.number for r in revisions] == [1, 2, 3]
        assert revisions[-1].yaml_text == STARTER.text
        assert (result.action, result.text, result.revision.number) == ("open", STARTER.text, 3)


async def test_restoring_a_revision_from_before_a_rename_keeps_the_new_name(store):
    store.rename("Starter - monthly SaaS", *_renamed(STARTER_2, "Invoicing tool"))
    app = Host(HistoryScreen(store, "Invoicing tool"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "r")
        await pilot.pause()
        [result] = app.results
        assert result.revision.name == "Invoicing tool" and result.revision.number == 4
        assert parse_scenario(result.text) == parse_scenario(_renamed(STARTER.text, "Invoicing tool")[0])
        assert [info.name for info in store.scenarios()] == ["Invoicing tool", "PLG funnel"]


def _renamed(text: str, name: str):
    return scenario_text_named(text, name)


def test_renamed_text_keeps_comments_and_quoting():
    text, scenario = scenario_text_named(STARTER.text, "Acme: the sequel")
    assert scenario.name == "Acme: the sequel" and parse_scenario(text) == scenario
    assert text.count("\n") == STARTER.text.count("\n") and "# A first scenario" in text
    quoted = STARTER.text.replace("\nname: Starter - monthly SaaS\n", '\nname: "Starter - monthly SaaS"\n')
    text, scenario = scenario_text_named(quoted, "New")
    assert '\nname: "New"\n' in text and scenario.name == "New"
    with pytest.raises(InputError):
        scenario_text_named(STARTER.text, "")


@pytest.mark.parametrize(
    "screen_of",
    [
        lambda store: BrowserScreen(store),
        lambda store: HistoryScreen(store, "Starter - monthly SaaS"),
        lambda store: ExamplePicker(),
        lambda store: NameDialog("Rename", "x", lambda name: None),
    ],
)
async def test_the_screens_compose_at_80_by_24(store, screen_of):
    app = Host(screen_of(store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen) is type(screen_of(store))
        assert app.export_screenshot()  # every widget rendered
