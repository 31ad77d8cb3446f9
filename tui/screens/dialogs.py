"""Small questions: what to do with unsaved changes; quit and lose what changed?"""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

Answer = Literal["save", "discard", "cancel"]


class UnsavedChanges(ModalScreen[Answer]):
    """ "This scenario has unsaved changes": save, discard, or go back."""

    BINDINGS = [
        Binding("escape", "answer('cancel')", "Back", id="unsaved.cancel"),
        Binding("s", "answer('save')", "Save", id="unsaved.save"),
        Binding("d", "answer('discard')", "Discard", id="unsaved.discard"),
    ]

    def __init__(self, name: str, then: str):
        super().__init__()
        self.scenario_name = name
        self.then = then

    def compose(self) -> ComposeResult:
        with Vertical(id="unsaved-dialog"):
            yield Label(f"'{self.scenario_name}' has unsaved changes.", id="unsaved-question")
            yield Label(f"Save them before you {self.then}?", classes="dim")
            with Horizontal(id="unsaved-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Discard", id="discard", variant="error")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)  # type: ignore[arg-type]  # the buttons' ids are the answers

    def action_answer(self, answer: Answer) -> None:
        self.dismiss(answer)


class ConfirmQuit(ModalScreen[bool]):
    """ "Quit and lose what changed?": q or Quit quits (True); Escape or Stay goes back (False)."""

    DEFAULT_CSS = """
    ConfirmQuit { align: center middle; }
    #confirm-quit-dialog { width: 60; max-width: 100%; height: auto; max-height: 100%; border: thick $warning;
                           background: $surface; padding: 1 2; }
    #confirm-quit-dialog Label { width: 100%; }
    #confirm-quit-question { text-style: bold; }
    #confirm-quit-buttons { height: auto; margin-top: 1; }
    #confirm-quit-buttons Button { margin-right: 2; }
    """

    BINDINGS = [
        Binding("escape", "answer(False)", "Stay", id="confirm-quit.stay"),
        Binding("q", "answer(True)", "Quit", id="confirm-quit.quit"),
    ]

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-quit-dialog"):
            yield Label("Quit?", id="confirm-quit-question")
            yield Label(self.what, classes="dim")
            with Horizontal(id="confirm-quit-buttons"):
                yield Button("Quit", id="quit", variant="error")
                yield Button("Stay", id="stay", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
