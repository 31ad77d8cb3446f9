"""Keys typed into a text field are handled one after another, in the order they were typed.

Textual hands a key to the focused widget's queue; a printable key is typed
there at once, but an editing key (backspace, end, ctrl+u…) and the screen's
keys (tab) are bindings, run only after the key has bubbled back up to the
app.  When keys arrive together — a terminal's burst, or keys typed while the
app was busy — a later character overtakes an earlier backspace or tab:
``End BSpace BSpace 4 8`` on ``36`` leaves ``36`` (``3648`` then two
deletions).  While an :class:`~textual.widgets.Input` has the focus, the app
handles each key to the end (bindings, then typing) before the next.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Input


class InOrderKeys(App):
    """An app whose text fields see the keys in the order they were typed."""

    async def on_event(self, event: events.Event) -> None:
        field = self.focused if isinstance(event, (events.Key, events.Paste)) and self._screen_stack else None
        if isinstance(field, Input) and not event.is_forwarded and self.screen.maximized is None:
            self.app_focus = True
            if isinstance(event, events.Paste):
                type_into(field, event.text.splitlines()[0] if event.text else "")
                return
            assert isinstance(event, events.Key)  # a field is looked up for keys and pastes only
            if await self._check_bindings(event.key, priority=True):
                return
            if field.check_consume_key(event.key, event.character) and event.character is not None:
                type_into(field, event.character)
                return
            if await self._check_bindings(event.key):
                return
        await super().on_event(event)


def type_into(field: Input, text: str) -> None:
    """What the field does with a typed character or a pasted line: replace the selection, or insert."""
    if not text:
        return
    field._restart_blink()
    selection = field.selection
    if selection.is_empty:
        field.insert_text_at_cursor(text)
    else:
        field.replace(text, *selection)
