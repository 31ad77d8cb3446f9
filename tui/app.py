"""The application and its factory, shared by ``saas-sim tui`` and the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from textual.app import SystemCommand
from textual.reactive import Reactive
from textual.screen import Screen

from saas_sim.errors import InputError
from saas_sim.model.scenario import Scenario
from saas_sim.store import SavedRevision, Store
from tui.commands import COMMANDS, app_bindings, keymap_refused, load_keymap
from tui.keys import InOrderKeys
from tui.messages import OpenScenario
from tui.screens.main import LIVE_PATHS, MainScreen

# The map tab's cells run on this many processes (tui.widgets.map): a map of 81 cells then takes half the
# time it takes in a thread of the app, and the process handling keys keeps its interpreter lock to itself.
MAP_WORKERS = 2


class SaasSimApp(InOrderKeys):
    """Edit a SaaS plan and watch ARR, cash and the diagnosis move."""

    CSS_PATH = "app.tcss"
    TITLE = "saas-sim"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = app_bindings()
    # The header reads these; a change repaints the header, not the whole screen (see MainScreen.title).
    title: Reactive[str] = Reactive("", compute=False, repaint=False)
    sub_title: Reactive[str] = Reactive("", compute=False, repaint=False)

    def __init__(
        self,
        store: Store,
        opening: OpenScenario | PendingOpening,
        *,
        live_paths: int = LIVE_PATHS,
        seed: int | None = None,
        keymap: dict[str, str] | None = None,
        note: str | None = None,
        map_workers: int = MAP_WORKERS,
    ):
        super().__init__()
        self.map_workers = map_workers
        self._map_pool: ProcessPoolExecutor | None = None
        self.note = note
        self.store = store
        self.opening = opening
        self.live_paths = live_paths
        self.seed = seed
        self.keymap = keymap or {}

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        if isinstance(self.opening, PendingOpening):
            self.run_worker(self._open_when_store_free(self.opening), group="store", exit_on_error=False)
            return
        self._start(self.opening, self.note)

    def map_pool(self) -> ProcessPoolExecutor | None:
        """The processes the map tab's cells run on, started with the first map and kept until the app exits;
        None with ``map_workers=1`` (the cells then run in the map's worker thread)."""
        if self.map_workers <= 1:
            return None
        if self._map_pool is not None and getattr(self._map_pool, "_broken", False):
            self.on_unmount()  # a process of it died (killed from outside): the next map starts a new pool
        if self._map_pool is None:
            import os

            from saas_sim.analysis.processes import process_pool
            from tui.screens.main import PREVIEW_NICENESS

            # niced as the previews' threads are (main.yield_the_cpu): the keys come first
            self._map_pool = process_pool(self.map_workers, initializer=os.nice, initargs=(PREVIEW_NICENESS,))
        return self._map_pool

    def on_unmount(self) -> None:
        if self._map_pool is not None:
            from saas_sim.analysis.processes import stop_pool

            stop_pool(self._map_pool)
            self._map_pool = None

    def _start(self, opening: OpenScenario, note: str | None) -> None:
        self.push_screen(MainScreen(self.store, opening, live_paths=self.live_paths, seed=self.seed))
        if note:
            self.notify(note)

    async def _open_when_store_free(self, pending: PendingOpening) -> None:
        """The opening's save waits for a store another program holds; giving up quits, nothing saved."""
        from tui.store_wait import wait_for_store

        if not await wait_for_store(self, self.store.path, pending.doing):
            self.exit(return_code=1, message=f"Gave up waiting for the store {self.store.path}: nothing was saved.")
            return
        saved = self.store.save_revision(pending.text, pending.scenario)
        self._start(
            OpenScenario("open", pending.text, saved.revision),
            "\n".join(note for note in (pending.note(saved), self.note) if note) or None,
        )

    async def action_quit(self) -> None:
        """ctrl+q anywhere: the main screen asks about unsaved changes first."""
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            self.exit(return_code=1 if isinstance(self.opening, PendingOpening) else 0)
            return
        while self.screen is not main:
            self.pop_screen()
        main.action_quit_app()

    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for command in COMMANDS:
                owner = self if command.id == "quit" else screen
                yield SystemCommand(command.label, command.help, getattr(owner, f"action_{command.action}"))


def to_fix(path: Path, error: InputError) -> tuple[OpenScenario, str]:
    """An invalid scenario file opened unsaved, its problems at the fields; ``error`` again when it cannot be shown."""
    from saas_sim.errors import Problem
    from saas_sim.io.files import read_text
    from saas_sim.io.scenario import MAX_FILE_BYTES
    from saas_sim.io.values import typed_value
    from tui.widgets.editor import editable_document

    # Only problems of fields can be fixed at the fields; a file refused whole (YAML it cannot
    # read, too many values through aliases, too deep) is never expanded into the editor.
    if not all(isinstance(problem, Problem) and problem.field for problem in error.problems):
        raise error
    text = read_text(path, kind="scenario file", max_bytes=MAX_FILE_BYTES)  # unreadable: that is the news
    try:
        editable = editable_document(typed_value(text)) is not None
    except (RecursionError, MemoryError):  # nested past what the reader takes: its refusal says so
        editable = False
    if not editable:
        raise error
    count = len(error.problems)
    return OpenScenario("import", text), (
        f"{path.name} has {count} problem{'s' if count > 1 else ''}, marked at "
        "the fields: fix them here, then ctrl+s saves it"
    )


@dataclass(frozen=True)
class PendingOpening:
    """An opening that first saves ``text`` into a store another program holds: the app waits for it."""

    text: str
    scenario: Scenario
    doing: str  # "import plan.yaml"
    note: Callable[[SavedRevision], str | None]


def opening_for(store: Store, file_or_name: str | None) -> tuple[OpenScenario | PendingOpening, str | None]:
    """What the app opens on, and a note for the user.

    A file is imported into the store (a new revision when it changed); a
    name opens its revision; nothing opens the most recently saved
    scenario, or, in an empty store, the starter example, saved as its
    first revision.  A save into a store whose write lock another program
    holds is left to the app (:class:`PendingOpening`), which waits for it
    on screen instead of freezing before it starts.
    """
    from tui.store_wait import lock_free

    def saved_or_pending(
        text: str, scenario: Scenario, doing: str, note: Callable[[SavedRevision], str | None]
    ) -> tuple[OpenScenario | PendingOpening, str | None]:
        if not lock_free(store.path):
            return PendingOpening(text, scenario, doing, note), None
        saved = store.save_revision(text, scenario)
        return OpenScenario("open", text, saved.revision), note(saved)

    if file_or_name is not None:
        path = Path(file_or_name)
        if path.exists():
            from saas_sim.io.scenario import read_scenario_file

            try:
                text, scenario = read_scenario_file(path)
            except InputError as error:
                return to_fix(path, error)
            return saved_or_pending(
                text,
                scenario,
                f"import {path.name}",
                lambda saved: f"Imported {path.name} as revision {saved.revision.number}" if saved.created else None,
            )
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
    return saved_or_pending(
        starter.text,
        parse_scenario(starter.text, starter.file_name),
        f"save the example '{starter.name}'",
        lambda saved: f"A new store: opened the example '{starter.name}'",
    )


def create_app(
    store: Store,
    file_or_name: str | None = None,
    *,
    live_paths: int = LIVE_PATHS,
    seed: int | None = None,
    keymap_folder: Path | None = None,
    map_workers: int = MAP_WORKERS,
) -> SaasSimApp:
    """The app the command runs; tests build theirs here too."""
    opening, note = opening_for(store, file_or_name)
    keymap = load_keymap(keymap_folder) if keymap_folder is not None else {}
    refused = keymap_refused(keymap_folder) if keymap_folder is not None else None
    if refused:
        note = f"{note}\n{refused}" if note else refused
    return SaasSimApp(
        store, opening, live_paths=live_paths, seed=seed, keymap=keymap, note=note, map_workers=map_workers
    )
