"""Every action of the app, declared once: its binding (with an id users can remap), footer text and palette entry."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding, BindingType

KEYMAP_FILE = "keymap.toml"


@dataclass(frozen=True)
class Command:
    id: str  # the binding id: remap it in keymap.toml
    key: str
    action: str
    label: str  # footer
    help: str  # command palette and help screen
    show: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("save", "ctrl+s", "save", "Save", "Save the scenario as a new revision (and its latest run)"),
    Command("open", "ctrl+o", "open_browser", "Scenarios", "Open, create, duplicate, rename, archive scenarios"),
    Command("compare", "ctrl+n", "compare", "Compare", "Put this scenario beside another scenario or revision"),
    Command("history", "ctrl+y", "history", "History", "The revisions of this scenario; restore an older one"),
    Command("sensitivity", "ctrl+t", "sensitivity", "Tornado", "Which inputs move a metric most: every input ± 20 %"),
    Command("goal", "ctrl+g", "goal", "Goal seek", "The value of the focused field that reaches a target"),
    Command(
        "calibrate",
        "ctrl+l",
        "calibrate",
        "Calibrate",
        "A new scenario with churn fitted to a ledger or cohorts",
        show=False,
    ),
    Command(
        "map",
        "f3",
        "show_map",
        "Map",
        "The map tab: out of cash (or any metric) over churn × CAC (or any two inputs)",
        show=False,
    ),
    Command("rerun", "ctrl+r", "rerun", "Re-run", "Simulate again with a new seed"),
    Command("report", "f2", "report", "Report", "Write the report of what is on screen: one HTML page to send"),
    Command("help", "f1", "help", "Help", "Key bindings and the metric glossary"),
    Command("quit", "ctrl+q", "quit", "Quit", "Quit (asks about unsaved changes)"),
)


def bindings() -> list[BindingType]:
    """The main screen's bindings (quit is the app's: it works on every screen)."""
    return [Binding(c.key, c.action, c.label, show=c.show, id=c.id, tooltip=c.help) for c in COMMANDS if c.id != "quit"]


def app_bindings() -> list[BindingType]:
    return [
        Binding(c.key, c.action, c.label, show=c.show, id=c.id, tooltip=c.help, priority=True)
        for c in COMMANDS
        if c.id == "quit"
    ]


def load_keymap(folder: Path) -> dict[str, str]:
    """``{binding id: keys}`` from ``keymap.toml`` in the user config folder (``save = "f2"``).

    A key a text field edits with (:func:`editing_keys`) is left out: it would never reach the command.
    """
    path = folder / KEYMAP_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    known = {c.id for c in COMMANDS}
    return {
        key: str(value)
        for key, value in data.items()
        if key in known and not {k.strip() for k in str(value).split(",")} & editing_keys()
    }


def keymap_refused(folder: Path) -> str | None:
    """Which ``keymap.toml`` entries :func:`load_keymap` leaves out because a text field edits with their key."""
    path = folder / KEYMAP_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, tomllib.TOMLDecodeError):
        return None
    known = {c.id for c in COMMANDS}
    refused = [
        f"{key} = {value}"
        for key, value in data.items()
        if key in known and {k.strip() for k in str(value).split(",")} & editing_keys()
    ]
    if not refused:
        return None
    return f"{path}: {', '.join(refused)} left out: a text field edits with that key"


def editing_keys() -> set[str]:
    """The keys a focused text field keeps for itself (ctrl+k deletes to the end…): no command may use one."""
    from textual.widgets import Input

    from tui.widgets.fields import UNDO_KEY

    bindings = [binding for binding in Input.BINDINGS if isinstance(binding, Binding)]  # Input's are all Bindings
    return {key.strip() for binding in bindings for key in binding.key.split(",")} | {UNDO_KEY}
