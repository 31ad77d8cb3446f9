"""The stored scenarios: open, start new from an example, duplicate, rename, archive, history."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from saas_sim.errors import InputError
from saas_sim.io.examples import Example, examples
from saas_sim.io.scenario import renamed_scenario_text as scenario_text_named
from saas_sim.render.format import format_money
from saas_sim.store import ScenarioInfo, Store, StoreError
from tui.messages import OpenScenario
from tui.screens.history import HistoryScreen, local_time
from tui.store_wait import write_when_free
from tui.widgets.fields import FieldInput


class NameDialog(ModalScreen[str | None]):
    """Ask for a scenario name; ``check(name)`` returns why a name will not do, or None.

    Dismissed with the name (stripped) once it passes, or None (escape).
    """

    DEFAULT_CSS = """
    NameDialog {
        align: center middle;
    }
    NameDialog > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    NameDialog #name-error {
        color: $text-error;
        height: auto;
    }
    """

    BINDINGS = [
        Binding("enter", "confirm", "Confirm", id="name-dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="name-dialog.cancel"),
    ]

    def __init__(self, title: str, value: str, check: Callable[[str], str | None]):
        super().__init__()
        self.dialog_title = title
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.dialog_title
            yield FieldInput(self.value, placeholder="scenario name", id="name", select_on_focus=True)
            yield Label("", id="name-error")
        yield Footer()

    @on(Input.Changed, "#name")
    def clear_error(self) -> None:
        self.query_one("#name-error", Label).update("")
        self.query_one("#name", Input).remove_class("-invalid")

    @on(Input.Submitted, "#name")
    def action_confirm(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        problem = self.check(name)
        if problem:
            self.query_one("#name-error", Label).update(problem)
            self.query_one("#name", Input).add_class("-invalid")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExamplePicker(ModalScreen[Example | None]):
    """The example scenarios to start from: dismissed with the one chosen, or None (escape)."""

    DEFAULT_CSS = """
    ExamplePicker {
        align: center middle;
    }
    ExamplePicker > OptionList {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
    }
    """

    BINDINGS = [
        Binding("enter", "pick", "Start from it", id="examples.pick", priority=True),
        Binding("escape", "cancel", "Cancel", id="examples.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.examples = examples()

    def compose(self) -> ComposeResult:
        options = []
        for example in self.examples:
            lines = example.description.strip().splitlines()
            prompt = Text(example.name, style="bold", no_wrap=True, overflow="ellipsis")
            if lines:
                prompt.append("\n" + lines[0], style="dim")
            options.append(Option(prompt, id=example.file_name))
        picker = OptionList(*options, id="examples")
        picker.border_title = "New scenario from an example"
        yield picker
        yield Footer()

    @on(OptionList.OptionSelected, "#examples")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.examples[event.option_index])

    def action_pick(self) -> None:
        highlighted = self.query_one("#examples", OptionList).highlighted
        if highlighted is not None:
            self.dismiss(self.examples[highlighted])

    def action_cancel(self) -> None:
        self.dismiss(None)


class BrowserScreen(ModalScreen[OpenScenario | None]):
    """The stored scenarios, one row each, and what can be done with them.

    Dismissed with ``OpenScenario("open", text, revision)`` (a scenario's
    latest revision, or any revision through its history),
    ``OpenScenario("new", text)`` (an example, or a duplicate under a new
    name; not stored yet) or None (escape).  Renaming and archiving act on
    the store at once and keep the browser open.
    """

    DEFAULT_CSS = """
    BrowserScreen {
        align: center middle;
    }
    BrowserScreen > #browser {
        width: 100%;
        max-width: 130;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    BrowserScreen #scenarios {
        height: auto;
        max-height: 70vh;
    }
    BrowserScreen #empty {
        height: auto;
        padding: 2 0;
        content-align: center middle;
        text-align: center;
        color: $text-muted;
    }
    BrowserScreen #browser-bar {
        height: auto;
    }
    BrowserScreen #show-archived {
        border: none;
        padding: 0;
        background: transparent;
    }
    BrowserScreen #count {
        width: 1fr;
        text-align: right;
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("enter", "open", "Open", id="browser.open", priority=True),
        Binding("n", "new", "New", id="browser.new", tooltip="Start a new scenario from an example"),
        Binding("d", "duplicate", "Duplicate", id="browser.duplicate", tooltip="Start a copy under a new name"),
        Binding("r", "rename", "Rename", id="browser.rename", tooltip="Rename the stored scenario"),
        Binding(
            "a", "archive", "Archive", id="browser.archive", tooltip="Archive the scenario, or restore an archived one"
        ),
        Binding("h", "history", "History", id="browser.history", tooltip="Its revisions: open or restore one"),
        Binding(
            "s", "toggle_archived", "Archived", id="browser.show-archived", tooltip="Show or hide archived scenarios"
        ),
        Binding("escape", "close", "Close", id="browser.close"),
    ]

    def __init__(self, store: Store):
        super().__init__()
        self.store = store
        self.rows: list[ScenarioInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="browser") as box:
            box.border_title = "Scenarios"
            yield DataTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            yield Static(id="empty")
            with Horizontal(id="browser-bar"):
                archived = Checkbox("Show archived (s)", id="show-archived")
                archived.can_focus = False  # the table keeps the keys; a click still toggles
                yield archived
                yield Label("", id="count")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#scenarios", DataTable)
        for label, key in (
            ("name", "name"),
            ("rev", "revision"),
            ("runs", "runs"),
            ("ARR p50", "arr"),
            ("focus", "focus"),
            ("saved", "saved"),
        ):
            table.add_column(label, key=key)
        self.load()
        table.focus()

    # -- the table ------------------------------------------------------------------------

    @property
    def show_archived(self) -> bool:
        return self.query_one("#show-archived", Checkbox).value

    def load(self, select: str | None = None) -> None:
        """Read the store again; keep the cursor on ``select`` (a name), else on the same row."""
        table = self.query_one("#scenarios", DataTable)
        current = self.selected
        select = select or (current.name if current else None)
        try:
            self.rows = self.store.scenarios(include_archived=self.show_archived)
        except StoreError as error:
            self.notify(str(error), title="Store", severity="error")
            self.rows = []
        table.clear()
        for info in self.rows:
            name = Text(info.name)
            if info.archived:
                name.stylize("dim italic")
                name.append("  archived", style="italic yellow")
            arr = format_money(info.last_arr_end_p50, info.currency) if info.last_run_id is not None else "—"
            table.add_row(
                name,
                str(info.revision),
                str(info.runs),
                Text(arr, justify="right"),
                info.last_focus or "—",
                local_time(info.updated_at),
                key=info.name,
            )
        names = [info.name for info in self.rows]
        if select in names:
            table.move_cursor(row=names.index(select))
        self.show_empty()
        self.refresh_bindings()

    def show_empty(self) -> None:
        table, empty = self.query_one("#scenarios", DataTable), self.query_one("#empty", Static)
        table.display = bool(self.rows)
        empty.display = not self.rows
        if not self.rows:
            archived = 0 if self.show_archived else len(self.store.scenarios(include_archived=True))
            message = "No stored scenarios yet."
            if archived:
                message = f"No scenarios here: {archived} archived (press s to show them)."
            empty.update(Text.assemble(message, "\n\nPress ", ("n", "bold"), " to start one from an example."))
        else:
            table.focus()
        count = len(self.rows)
        self.query_one("#count", Label).update(f"{count} scenario{'s' if count != 1 else ''}")

    @property
    def selected(self) -> ScenarioInfo | None:
        table = self.query_one("#scenarios", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowHighlighted, "#scenarios")
    def highlighted(self) -> None:
        self.refresh_bindings()  # "Archive" or "Restore"

    @on(Checkbox.Changed, "#show-archived")
    def archived_toggled(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "duplicate", "rename", "archive", "history"):
            return self.selected is not None or None
        return True

    # -- the actions ----------------------------------------------------------------------

    @on(DataTable.RowSelected, "#scenarios")
    def action_open(self) -> None:
        info = self.selected
        if info is None:
            return
        try:
            revision = self.store.find_revision(info.name)
        except (InputError, StoreError) as error:
            self.notify(str(error), severity="error")
            return
        self.dismiss(OpenScenario("open", revision.yaml_text, revision))

    def action_new(self) -> None:
        def chosen(example: Example | None) -> None:
            if example is not None:
                self.dismiss(OpenScenario("new", example.text))

        self.app.push_screen(ExamplePicker(), chosen)

    def _name_problem(self, info: ScenarioInfo, name: str) -> str | None:
        """Why ``name`` cannot be the new name of (a copy of) ``info``'s scenario, or None."""
        if not name:
            return "A name is needed."
        try:
            taken = {other.name for other in self.store.scenarios(include_archived=True)}
        except StoreError as error:
            return str(error)
        if name in taken:
            return f"A stored scenario is already named '{name}'."
        try:
            scenario_text_named(self.store.find_revision(info.name).yaml_text, name)
        except (InputError, StoreError) as error:
            problems = getattr(error, "problems", None) or [error]
            return str(problems[0])
        return None

    def action_duplicate(self) -> None:
        info = self.selected
        if info is None:
            return

        def named(name: str | None) -> None:
            if name is None:
                return
            text, _ = scenario_text_named(self.store.find_revision(info.name).yaml_text, name)
            self.dismiss(OpenScenario("new", text))

        self.app.push_screen(
            NameDialog(f"Duplicate {info.name} as", f"{info.name} copy", lambda name: self._name_problem(info, name)),
            named,
        )

    def action_rename(self) -> None:
        info = self.selected
        if info is None:
            return

        def rename(name: str) -> None:
            try:
                text, scenario = scenario_text_named(self.store.find_revision(info.name).yaml_text, name)
                saved = self.store.rename(info.name, text, scenario)
            except (InputError, StoreError) as error:
                self.notify(str(error), title="Cannot rename", severity="error")
                return
            self.notify(f"{info.name} is now {name} (revision {saved.revision.number})")
            self.load(select=name)

        def named(name: str | None) -> None:
            if name is not None:
                write_when_free(self, self.store.path, f"rename {info.name}", lambda: rename(name))

        self.app.push_screen(
            NameDialog(f"Rename {info.name}", info.name, lambda name: self._name_problem(info, name)), named
        )

    def action_archive(self) -> None:
        info = self.selected
        if info is None:
            return
        write_when_free(
            self,
            self.store.path,
            f"{'restore' if info.archived else 'archive'} {info.name}",
            lambda: self._archive(info),
        )

    def _archive(self, info: ScenarioInfo) -> None:
        try:
            if info.archived:
                self.store.restore(info.name)
                self.notify(f"Restored {info.name}")
            else:
                self.store.archive(info.name)
                hint = "" if self.show_archived else " (s shows archived scenarios)"
                self.notify(f"Archived {info.name}{hint}")
        except (InputError, StoreError) as error:
            self.notify(str(error), severity="error")
        self.load()

    def action_history(self) -> None:
        info = self.selected
        if info is None:
            return

        def closed(result: OpenScenario | None) -> None:
            if result is not None:
                self.dismiss(result)
            else:
                self.load()

        self.app.push_screen(HistoryScreen(self.store, info.name), closed)

    def action_toggle_archived(self) -> None:
        checkbox = self.query_one("#show-archived", Checkbox)
        checkbox.value = not checkbox.value

    def action_close(self) -> None:
        self.dismiss(None)
