"""The programs (SPEC 2.7) in the TUI: under the key metrics after a run with programs, on the compare
screen when either side has them; nothing of them otherwise."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Select, Static

from saas_sim.io.scenario import parse_scenario
from saas_sim.model.result import Result
from saas_sim.render.format import format_money, format_multiple
from saas_sim.render.programs import format_change_points
from saas_sim.store import Store
from tui.screens.compare import CompareScreen
from tui.widgets.results import ResultsPanel

PLAIN = """\
name: Rescue
horizon_months: 24
simulation: {paths: 200, seed: 5}
company:
  starting_cash: 2M
  fixed_costs_monthly: 60k
acquisition: {spend_monthly: 30k}
segments:
  - name: SMB
    spend_share: 0.7
    cac: 1500
    arpa_monthly: 300
    starting_customers: 150
    churn: {monthly: 4%}
    gross_margin: 80%
  - name: Key
    spend_share: 0.3
    cac: 15000
    arpa_monthly: 2500
    starting_customers: 20
    contract_months: 12
    churn: {annual: 20%}
    gross_margin: 75%
"""
PROGRAMS = (
    PLAIN
    + """\
programs:
  - name: Key-account rescue
    segments: [Key]
    from_month: 3
    cost_monthly: 10k
    churn_change: -40%
  - name: Nudges
    segments: [SMB]
    cost_monthly: 2k
    expansion_change: 1%
"""
)


@cache
def _run(text: str) -> Result:
    from saas_sim.analysis.run import run_scenario

    return run_scenario(parse_scenario(text), workers=1)


def text_of(renderable, width: int = 120) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


class Host(App):
    def compose(self) -> ComposeResult:
        yield ResultsPanel()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_panel_shows_the_programs_means_and_hides_them_without(size):
    with_programs, without = _run(PROGRAMS), _run(PLAIN)
    async with Host().run_test(size=size) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        programs = pilot.app.query_one("#results-programs", Static)
        panel.show_result(with_programs)
        await pilot.pause()
        assert programs.display and programs.region.height >= 3  # title, header, a row at least
        text = text_of(programs.content, width=programs.content_region.width)
        assert "mean of 200 paths" in text and "…" not in text
        rescue = with_programs.programs["Key-account rescue"]
        row = next(line for line in text.splitlines() if line.startswith("Key-account"))
        assert format_money(rescue["cost"].mean, "USD", keep_zeros=True) in row
        assert format_money(rescue["saved_arr"].mean, "USD", keep_zeros=True) in row
        assert format_multiple(rescue["roi"].mean) in row and format_multiple(rescue["roi_arr"].mean) in row
        assert format_change_points(rescue["churn_change_pp"].mean) in row
        assert any(line.startswith("Nudges") for line in text.splitlines())
        assert "Key-account" in pilot.app.export_screenshot()  # on screen, not only in the widget

        panel.show_invalid("horizon_months: must be 1..240")  # the last run's programs stay, dimmed
        await pilot.pause()
        assert programs.display and programs.styles.opacity == 0.6

        panel.show_result(without)
        await pilot.pause()
        assert not programs.display and programs.region.height == 0
        assert "Key-account" not in pilot.app.export_screenshot()


async def test_a_segment_view_keeps_the_programs():
    async with Host().run_test(size=(120, 40)) as pilot:
        panel = pilot.app.query_one(ResultsPanel)
        panel.show_result(_run(PROGRAMS))
        await pilot.pause()
        pilot.app.query_one("#results-view", Select).value = ("segment", "Key")
        await pilot.pause()
        assert panel.view == "Key" and pilot.app.query_one("#results-programs", Static).display


class CompareHost(App):
    def __init__(self, screen: Screen):
        super().__init__()
        self.first_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.first_screen)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "tui.db")
    store.save_revision(PLAIN, parse_scenario(PLAIN))  # "Rescue" without programs: B
    return store


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_compare_shows_the_programs_of_either_side(store, size):
    screen = CompareScreen(store, PROGRAMS, "Rescue with programs", 5, 200)
    async with CompareHost(screen).run_test(size=size) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.results is not None
        programs = screen.query_one("#programs", Static)
        assert programs.display
        text = text_of(programs.content, width=size[0] - 2)
        assert "Key-account rescue" in text and "Nudges" in text and "…" not in text
        saved = screen.results[0].programs["Key-account rescue"]["saved_arr"].mean
        line = next(line for line in text.splitlines() if line.strip().startswith("saved ARR"))
        assert line.split()[2:] == [format_money(saved, "USD", keep_zeros=True), "—", "—"]


async def test_compare_without_programs_shows_none(store):
    screen = CompareScreen(store, PLAIN.replace("30k}", "35k}"), "Plain edited", 5, 200)
    async with CompareHost(screen).run_test(size=(120, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.results is not None
        assert not screen.query_one("#programs", Static).display
