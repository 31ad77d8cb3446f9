"""A stored scenario's revisions: what each changed, its text, and opening or restoring one."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from saas_sim.errors import InputError
from saas_sim.io.scenario import parse_scenario
from saas_sim.io.scenario import renamed_scenario_text as scenario_text_named
from saas_sim.store import RevisionInfo, Store, StoreError
from saas_sim.store.repository import changed_fields
from tui.messages import OpenScenario

SHOWN_FIELDS = 3  # changed fields listed in the table; the rest are counted


def local_time(moment: datetime, now: datetime | None = None) -> str:
    """A stored UTC time in the user's time zone, as short as is clear: ``14:05``, ``3 Mar 14:05``, ``2024-03-03``."""
    local = moment.astimezone()
    now = (now or datetime.now(UTC)).astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return f"{local.day} {local.strftime('%b %H:%M')}"
    return local.strftime("%Y-%m-%d")


def _changes(revision: RevisionInfo, previous: RevisionInfo | None) -> list[str]:
    return [] if previous is None else changed_fields(previous.normalized, revision.normalized)


def _changes_cell(revision: RevisionInfo, previous: RevisionInfo | None) -> Text:
    if previous is None:
        return Text("first revision", style="dim")
    fields = _changes(revision, previous)
    if not fields:
        return Text("text only (comments or layout)", style="dim")
    shown = ", ".join(fields[:SHOWN_FIELDS])
    more = len(fields) - SHOWN_FIELDS
    return Text(shown + (f" +{more} more" if more > 0 else ""))


class HistoryScreen(ModalScreen[OpenScenario | None]):
    """The revisions of the stored scenario ``name``, newest first.

    Dismissed with ``OpenScenario("open", text, revision)`` for the revision
    opened (enter) or for the new latest revision a restore made (r), or with
    None (escape).
    """

    DEFAULT_CSS = """
    HistoryScreen {
        align: center middle;
    }
    HistoryScreen > #history {
        width: 100%;
        max-width: 140;
        height: 100%;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    HistoryScreen #revisions {
        height: auto;
        max-height: 45%;
    }
    HistoryScreen #details {
        height: auto;
        padding: 1 0 0 0;
        color: $text-muted;
    }
    HistoryScreen #preview {
        height: 1fr;
        border-top: solid $primary-muted;
    }
    HistoryScreen #yaml {
        width: auto;
    }
    """

    BINDINGS = [
        Binding("enter", "open", "Open", id="history.open", priority=True),
        Binding("r", "restore", "Restore as latest", id="history.restore"),
        Binding("escape", "close", "Back", id="history.close"),
    ]

    def __init__(self, store: Store, name: str):
        super().__init__()
        self.store = store
        self.scenario_name = name
        self.revisions: list[RevisionInfo] = []  # newest first

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield DataTable(id="revisions", cursor_type="row", zebra_stripes=True)
            yield Static(id="details")
            with ScrollableContainer(id="preview"):
                yield Static(id="yaml")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history").border_title = f"History of {self.scenario_name}"
        table = self.query_one("#revisions", DataTable)
        table.add_column("rev", key="rev")
        table.add_column("saved", key="saved")
        table.add_column("runs", key="runs")
        table.add_column("changes from the revision before", key="changes")
        self.load()
        table.focus()

    def load(self) -> None:
        try:
            oldest_first = self.store.history(self.scenario_name)
        except (InputError, StoreError) as error:
            self.notify(str(error), severity="error")
            oldest_first = []
        self.revisions = oldest_first[::-1]
        table = self.query_one("#revisions", DataTable)
        table.clear()
        for index, revision in enumerate(self.revisions):
            previous = self.revisions[index + 1] if index + 1 < len(self.revisions) else None
            number = Text(
                f"{revision.number}" + (" latest" if revision.latest else ""), style="bold" if revision.latest else ""
            )
            table.add_row(
                number,
                local_time(revision.created_at),
                str(revision.runs),
                _changes_cell(revision, previous),
                key=str(revision.number),
            )
        table.move_cursor(row=0)
        self.show_selected()

    @property
    def selected(self) -> RevisionInfo | None:
        table = self.query_one("#revisions", DataTable)
        if not self.revisions or table.row_count == 0:
            return None
        return self.revisions[min(table.cursor_row, len(self.revisions) - 1)]

    @on(DataTable.RowHighlighted, "#revisions")
    def show_selected(self) -> None:
        revision = self.selected
        details, preview = self.query_one("#details", Static), self.query_one("#yaml", Static)
        if revision is None:
            details.update("")
            preview.update("")
            return
        index = self.revisions.index(revision)
        previous = self.revisions[index + 1] if index + 1 < len(self.revisions) else None
        fields = _changes(revision, previous)
        line = Text.assemble(
            (f"Revision {revision.number}", "bold"),
            f" of {revision.latest_number} · saved {local_time(revision.created_at)}"
            f" · {revision.runs} run{'s' if revision.runs != 1 else ''}",
        )
        if previous is not None:
            line.append(f" · changed: {', '.join(fields) if fields else 'only the text (comments or layout)'}")
        details.update(line)
        preview.update(
            Syntax(
                revision.yaml_text,
                "yaml",
                theme="ansi_dark",
                line_numbers=True,
                background_color="default",
                word_wrap=False,
            )
        )
        self.query_one("#preview", ScrollableContainer).scroll_home(animate=False)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.selected is not None or None
        if action == "restore":
            revision = self.selected
            return (revision is not None and not revision.latest) or None
        return True

    @on(DataTable.RowSelected, "#revisions")
    def action_open(self) -> None:
        revision = self.selected
        if revision is not None:
            self.dismiss(OpenScenario("open", revision.yaml_text, revision))

    def action_restore(self) -> None:
        """Save the selected revision's text again, as the scenario's newest revision."""
        revision = self.selected
        if revision is None or revision.latest:
            return
        from tui.store_wait import write_when_free

        write_when_free(
            self, self.store.path, f"restore {revision.name}@{revision.number}", lambda: self._restore(revision)
        )

    def _restore(self, revision: RevisionInfo) -> None:
        try:
            text = revision.yaml_text
            scenario = parse_scenario(text, f"{revision.name}@{revision.number}")
            if scenario.name != self.scenario_name:  # written before a rename
                text, scenario = scenario_text_named(text, self.scenario_name)
            saved = self.store.save_revision(text, scenario)
        except (InputError, StoreError) as error:
            self.notify(str(error), title="Cannot restore", severity="error")
            return
        self.dismiss(OpenScenario("open", saved.revision.yaml_text, saved.revision))

    def action_close(self) -> None:
        self.dismiss(None)
