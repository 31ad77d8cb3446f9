"""The text field every screen of the app types into: an :class:`~textual.widgets.Input` that undoes (ctrl+z)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import Input

UNDO_KEY = "ctrl+z"
UNDO_DEPTH = 200  # edits a field remembers


class FieldInput(Input):
    """An input whose edits ctrl+z takes back, one at a time, down to the text it opened with."""

    BINDINGS = [Binding(UNDO_KEY, "undo", "Undo", show=False, id="field.undo")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._undo: list[str] = []
        self._undoing = False
        super().__init__(*args, **kwargs)

    def watch_value(self, old: str, new: str) -> None:
        if self._undoing or old == new or not self.is_mounted:
            return
        self._undo.append(old)
        del self._undo[:-UNDO_DEPTH]

    def action_undo(self) -> None:
        if not self._undo:
            return
        self._undoing = True
        try:
            self.value = self._undo.pop()
        finally:
            self._undoing = False
        self.cursor_position = len(self.value)
