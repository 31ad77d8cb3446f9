"""The help screen: the bindings it is given and a glossary entry for every metric."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Static

from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
from saas_sim.io.scenario import load_scenario
from saas_sim.model.glossary import FORMULAS, GLOSSARY, GROUPS
from tui.screens.help import HelpScreen

BINDINGS = [("ctrl+r", "Run the scenario"), ("F1", "Help"), ("ctrl+q", "Quit")]


@pytest.fixture(scope="module")
def result() -> dict:
    return run_scenario(with_overrides(load_scenario("scenarios/starter.yaml"), paths=20, seed=1))


class Host(App):
    def compose(self) -> ComposeResult:
        yield Static("main")


def text_of(renderable, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


async def test_help_lists_the_bindings_and_closes_with_escape():
    async with Host().run_test(size=(120, 40)) as pilot:
        pilot.app.push_screen(HelpScreen(BINDINGS))
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        keys = text_of(pilot.app.screen.query_one("#help-keys", Static).content)
        for key, description in BINDINGS:
            assert key in keys and description in keys
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, HelpScreen)


async def test_help_closes_with_q_and_shows_the_glossary():
    async with Host().run_test(size=(80, 24)) as pilot:
        pilot.app.push_screen(HelpScreen(BINDINGS))
        await pilot.pause()
        glossary = "".join(text_of(static.content) for static in pilot.app.screen.query(".help-glossary"))
        for name in GLOSSARY:
            assert name in glossary
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, HelpScreen)


def test_every_metric_of_a_result_has_a_glossary_entry(result):
    assert set(result.summary) <= set(GLOSSARY)
    assert set(result.series) <= set(GLOSSARY)
    for segment in result.segments.values():
        assert set(segment.series) | set(segment.summary) <= set(GLOSSARY)


def test_glossary_entries_have_a_formula_and_a_place():
    assert set(FORMULAS) == set(GLOSSARY)
    grouped = [name for _, names in GROUPS for name in names]
    assert sorted(grouped) == sorted(GLOSSARY)
    assert all(GLOSSARY[name].strip() and FORMULAS[name].strip() for name in GLOSSARY)
