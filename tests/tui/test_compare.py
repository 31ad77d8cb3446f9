"""The compare screen: the edited scenario against a stored one, run in a worker with one seed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App
from textual.screen import Screen
from textual.widgets import Select, Static

from saas_sim.io.examples import examples
from saas_sim.io.scenario import parse_scenario
from saas_sim.render.compare import metric_differences
from saas_sim.store import Store
from tui.screens.compare import CompareScreen

SIZE = (120, 40)
STARTER = examples()[0]
PLG = next(e for e in examples() if e.file_name == "plg-funnel.yaml")
STARTER_2 = STARTER.text.replace("fixed_costs_monthly: 55k", "fixed_costs_monthly: 60k")
EDITED = STARTER_2.replace("spend_monthly: 20k", "spend_monthly: 30k")
PATHS, SEED = 200, 11


class Host(App):
    def __init__(self, screen: Screen):
        super().__init__()
        self.first_screen = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.first_screen, self.results.append)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "tui.db")
    for text in (STARTER.text, STARTER_2, PLG.text):
        store.save_revision(text, parse_scenario(text))
    return store


def text_of(renderable, width: int = 140) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def finished(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_it_compares_with_the_stored_scenario_of_the_same_name(store):
    screen = CompareScreen(store, EDITED, "Starter (edited)", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)
        assert screen.query_one("#against", Select).value == "Starter - monthly SaaS"
        assert screen.results is not None
        result_a, result_b = screen.results
        assert (result_a.paths, result_a.seed, result_b.paths, result_b.seed) == (PATHS, SEED, PATHS, SEED)
        assert result_a.scenario["acquisition"]["spend_monthly"] == 30_000
        assert result_b.scenario["acquisition"]["spend_monthly"] == 20_000
        table = text_of(screen.query_one("#differences", Static).content)
        assert "Starter - monthly SaaS@2 − Starter (edited)" in table
        assert "ARR end" in table and "Focus" in table and "p10–p90" in table
        chart = text_of(screen.query_one("#chart", Static).content)
        assert chart.startswith("ARR (USD): Starter (edited) and Starter - monthly SaaS@2")
        assert not screen.query_one("#progress").display
        bindings = {binding.id for _, binding in screen._bindings}
        assert {"compare.back", "compare.choose", "compare.series", "compare.run"} <= bindings

        await pilot.press("s")  # the next chart: cash
        await pilot.pause()
        assert screen.query_one("#series", Select).value == "cash"
        assert text_of(screen.query_one("#chart", Static).content).startswith("Cash (USD)")

        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_a_scenario_against_itself_differs_by_nothing(store):
    screen = CompareScreen(store, STARTER.text, "Starter as first saved", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)
        screen.query_one("#against", Select).value = "Starter - monthly SaaS@1"
        await pilot.pause()
        await finished(pilot)
        assert screen.labels == ("Starter as first saved", "Starter - monthly SaaS@1")
        result_a, result_b = screen.results
        rows = metric_differences(result_a, result_b)
        assert rows and all(row.absolute in (0, None) for row in rows)
        table = text_of(screen.query_one("#differences", Static).content)
        assert "same" in table
        body = table.splitlines()[4:]  # after the title, two header lines and the rule
        # A metric's line starts with its label; a cell's second line (a "(42 paths)" under "too few paths") does not.
        metric_lines = [line for line in body if line.startswith("   ") and line[3] != " " and "Focus" not in line]
        assert len(metric_lines) == len(rows), "\n".join(metric_lines)
        for line in metric_lines:  # its Δ % is nothing
            assert line.split()[-1] in ("0.0%", "—"), line


async def test_choosing_another_b_runs_again_and_reuses_a(store):
    screen = CompareScreen(store, EDITED, "Edited", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)
        first_a = screen.results[0]
        screen.query_one("#against", Select).value = "PLG funnel"
        await pilot.pause()
        await finished(pilot)
        assert screen.labels == ("Edited", "PLG funnel@1")
        assert screen.results[0] is first_a
        assert screen.results[1].scenario["name"] == "PLG funnel"
        assert "PLG funnel@1 − Edited" in text_of(screen.query_one("#differences", Static).content)


async def test_without_a_stored_namesake_it_asks_for_b(store):
    other = STARTER.text.replace("\nname: Starter - monthly SaaS\n", "\nname: Unsaved idea\n")
    screen = CompareScreen(store, other, "Unsaved idea", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)
        assert screen.query_one("#against", Select).is_blank() and screen.results is None
        assert "Choose B" in str(screen.query_one("#status", Static).content)
        await pilot.press("r")
        await finished(pilot)
        assert screen.results is None


async def test_an_invalid_scenario_is_reported_not_raised(store):
    broken = EDITED.replace("horizon_months: 36", "horizon_months: -3")
    screen = CompareScreen(store, broken, "Broken", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        screen.query_one("#against", Select).value = "PLG funnel"
        await pilot.pause()
        await finished(pilot)
        status = screen.query_one("#status", Static)
        assert "Cannot compare" in str(status.content) and "horizon_months" in str(status.content)
        assert status.has_class("-error") and screen.results is None


async def test_it_composes_at_80_by_24_without_the_bands(store):
    screen = CompareScreen(store, EDITED, "Edited", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(pilot)
        assert app.export_screenshot()
        table = text_of(screen.query_one("#differences", Static).content, width=78)
        assert "p10–p90" not in table and "ARR end" in table


async def test_f2_writes_the_report_of_a_and_b_side_by_side(store, tmp_path, monkeypatch):
    import json
    import re

    from saas_sim.model.result import Result

    monkeypatch.chdir(tmp_path)
    screen = CompareScreen(store, EDITED, "Starter (edited)", SEED, PATHS)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await finished(pilot)
        await pilot.press("f2")
        await finished(pilot)
        page = tmp_path / "starter-edited-vs-starter-monthly-saas-2-report.html"
        assert page.is_file(), sorted(p.name for p in tmp_path.iterdir())
        text = page.read_text(encoding="utf-8")
        data = json.loads(re.search(r'id="saas-sim-result">(.*?)</script>', text, re.S).group(1))
        assert (Result.from_json(data["a"]), Result.from_json(data["b"])) == screen.results
        assert "B − A" in text and 'data-chart="cash_end"' in text  # side by side, histograms too
