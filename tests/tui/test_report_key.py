"""F2 in the TUI writes the report of what is on screen, and says where it went."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from saas_sim.model.result import Result
from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.screens.main import MainScreen

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "tui.db")


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_f2_writes_the_report_of_the_result_on_screen(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.result is not None
        await pilot.press("f2")
        await settle(pilot)
        target = tmp_path / "starter-monthly-saas-report.html"
        assert target.is_file()
        assert any(f"Report written: {target}" in text for text in notices(app)), notices(app)
        data = re.search(r'id="saas-sim-result">(.*?)</script>', target.read_text(encoding="utf-8"), re.S).group(1)
        assert Result.from_json(json.loads(data)) == screen.result  # what is on screen, to the bit
        assert 'data-chart="arr_end"' in target.read_text(encoding="utf-8")  # the histograms too
        assert not list(tmp_path.glob("*.part"))


async def test_f2_is_in_the_footer_and_the_palette(store):
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = [b.binding for b in app.active_bindings.values() if b.binding.show]
        assert any(b.key == "f2" and b.description == "Report" for b in footer)


async def test_a_report_that_cannot_be_written_is_said_not_crashed(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "starter-monthly-saas-report.html").mkdir()  # a folder where the file would go
    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        for _ in range(100):  # the worker fails (settle would raise its error): wait for the notice
            await pilot.pause(0.1)
            if any("No report written" in text for text in notices(app)):
                break
        assert app.is_running
        assert any("No report written" in text and "Is a directory" in text for text in notices(app)), notices(app)
        assert not list(tmp_path.glob("*.part"))  # nothing half-written left behind


async def test_f2_on_the_tornado_screen_puts_the_tornado_in_the_report(store, tmp_path, monkeypatch):
    from tui.screens.sensitivity import SensitivityScreen

    monkeypatch.chdir(tmp_path)
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SensitivityScreen) and screen.result is not None
        await pilot.press("f2")
        await settle(pilot)
        text = (tmp_path / "starter-monthly-saas-report.html").read_text(encoding="utf-8")
        assert 'data-chart="tornado"' in text
        data = re.search(r'id="saas-sim-sensitivity">(.*?)</script>', text, re.S).group(1)
        assert json.loads(data)["inputs"][0]["field"] == screen.result.inputs[0].field
