"""The workshop app (``saas-sim workshop``) and its factory, shared by the command and the tests."""

from __future__ import annotations

from textual.binding import Binding

from saas_sim.analysis.workshop import PATHS, steps
from tui.keys import InOrderKeys
from tui.screens.workshop import WorkshopScreen


class WorkshopApp(InOrderKeys):
    """The vicious and the virtuous cycle in seven steps, for a room and a projector."""

    TITLE = "saas-sim workshop"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Quit the workshop", priority=True, show=False)]

    def __init__(self, *, start_step: int = 1, paths: int | None = PATHS, seed: int | None = None):
        super().__init__()
        self.start_step = start_step
        self.paths = paths
        self.seed = seed

    async def action_quit(self) -> None:
        """ctrl+q: asks first when the room changed numbers (as Escape does)."""
        screen = next((s for s in self.screen_stack if isinstance(s, WorkshopScreen)), None)
        if screen is None:
            self.exit()
            return
        while self.screen is not screen:
            self.pop_screen()
        screen.quit_asking()

    def on_mount(self) -> None:
        self.push_screen(WorkshopScreen(steps(), start=self.start_step, paths=self.paths, seed=self.seed))


def create_workshop_app(*, start_step: int = 1, paths: int | None = PATHS, seed: int | None = None) -> WorkshopApp:
    """The workshop as the command runs it.

    Every step's scenario fixes its seed, so the same step with the same
    numbers shows the same figures in every room; ``seed`` replaces them all.
    """
    return WorkshopApp(start_step=start_step, paths=paths, seed=seed)
