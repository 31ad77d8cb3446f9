"""The application and its factory, shared by ``saas-sim tui`` and the tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import SystemCommand
from textual.screen import Screen

from saas_sim.store import Store
from tui.commands import COMMANDS, app_bindings, load_keymap
from tui.keys import InOrderKeys
from tui.messages import OpenScenario
from tui.screens.main import LIVE_PATHS, MainScreen


class SaasSimApp(InOrderKeys):
    """Edit a SaaS plan and watch ARR, cash and the diagnosis move."""

    CSS_PATH = "app.tcss"
    TITLE = "saas-sim"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = app_bindings()

    def __init__(self, store: Store, opening: OpenScenario, *, live_paths: int = LIVE_PATHS,
                 seed: int | None = None, keymap: dict[str, str] | None = None, note: str | None = None):
        super().__init__()
        self.note = note
        self.store = store
        self.opening = opening
        self.live_paths = live_paths
        self.seed = seed
        self.keymap = keymap or {}

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.push_screen(MainScreen(self.store, self.opening, live_paths=self.live_paths, seed=self.seed))
        if self.note:
            self.notify(self.note)

    async def action_quit(self) -> None:
        """ctrl+q anywhere: the main screen asks about unsaved changes first."""
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            self.exit()
            return
        while self.screen is not main:
            self.pop_screen()
        main.action_quit_app()

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for command in COMMANDS:
                owner = self if command.id == "quit" else screen
                yield SystemCommand(command.label, command.help, getattr(owner, f"action_{command.action}"))


def opening_for(store: Store, file_or_name: str | None) -> tuple[OpenScenario, str | None]:
    """What the app opens on, and a note for the user.

    A file is imported into the store (a new revision when it changed); a
    name opens its revision; nothing opens the most recently saved
    scenario, or, in an empty store, the starter example, saved as its
    first revision.
    """
    if file_or_name is not None:
        path = Path(file_or_name)
        if path.exists():
            from saas_sim.io.scenario import read_scenario_file

            text, scenario = read_scenario_file(path)
            saved = store.save_revision(text, scenario)
            note = f"Imported {path.name} as revision {saved.revision.number}" if saved.created else None
            return OpenScenario("open", text, saved.revision), note
        revision = store.find_revision(file_or_name)
        return OpenScenario("open", revision.yaml_text, revision), None
    stored = store.scenarios()
    if stored:
        latest = max(stored, key=lambda info: info.updated_at)
        revision = store.find_revision(latest.name)
        return OpenScenario("open", revision.yaml_text, revision), None
    from saas_sim.io.examples import examples
    from saas_sim.io.scenario import parse_scenario

    starter = examples()[0]
    saved = store.save_revision(starter.text, parse_scenario(starter.text, starter.file_name))
    return OpenScenario("open", starter.text, saved.revision), f"A new store: opened the example '{starter.name}'"


def create_app(store: Store, file_or_name: str | None = None, *, live_paths: int = LIVE_PATHS,
               seed: int | None = None, keymap_folder: Path | None = None) -> SaasSimApp:
    """The app the command runs; tests build theirs here too."""
    opening, note = opening_for(store, file_or_name)
    keymap = load_keymap(keymap_folder) if keymap_folder is not None else {}
    return SaasSimApp(store, opening, live_paths=live_paths, seed=seed, keymap=keymap, note=note)
