"""F2 as a careless user presses it: with the inputs on screen invalid, the report is of the last valid run,
and the notice says so rather than call it what is on screen."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import App
from textual.widgets import Input

from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.screens.main import MainScreen


async def test_f2_with_invalid_inputs_says_the_report_is_of_the_last_valid_run(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    notify = App.notify

    def record(self, message, *args, **kwargs):
        said.append(str(message))
        return notify(self, message, *args, **kwargs)

    monkeypatch.setattr(App, "notify", record)
    app = create_app(Store(tmp_path / "tui.db"), seed=1, live_paths=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.result is not None
        field = screen.query_one("#field-horizon_months", Input)
        field.focus()
        field.value = ""
        app.post_message(events.Paste("abc"))
        await pilot.pause(0.5)
        assert screen.scenario is None  # the inputs on screen are invalid; the results shown are the last valid run's
        await pilot.press("f2")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert (tmp_path / "starter-monthly-saas-report.html").is_file()
        writing = [text for text in said if text.startswith("Writing the report")]  # of the last valid run
        assert writing and all("last valid run" in text for text in writing), said
