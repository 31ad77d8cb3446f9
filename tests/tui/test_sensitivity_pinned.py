"""The tornado screen on a probability pinned at 100 % (issue 13, 5): it says the metric cannot move."""

from __future__ import annotations

from textual.app import App
from textual.geometry import Region
from textual.widgets import Static

from saas_sim.io.scenario import parse_scenario
from tests.scenario_texts import doomed
from tui.screens.sensitivity import SensitivityScreen

# Out of cash by month 2 on every path, whatever the swing.
DOOMED = doomed()


class Host(App):
    def on_mount(self) -> None:
        self.push_screen(SensitivityScreen(parse_scenario(DOOMED), "Doomed", metric="out_of_cash"))


async def test_the_tornado_screen_says_out_of_cash_cannot_move_and_what_to_choose():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SensitivityScreen) and screen.result is not None
        tornado = screen.query_one("#sensitivity-tornado", Static)
        drawn = " ".join(
            " ".join(strip.text for strip in tornado.render_lines(Region(0, 0, *tornado.outer_size))).split()
        )
        assert "No effect" not in drawn
        assert (
            "out_of_cash is 100% in every swing: it cannot move; choose Cash out month or Cash min as the metric."
        ) in drawn
