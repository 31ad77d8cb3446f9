"""A typist for latency tests: keys sent from another thread at set times, as a terminal's driver sends them.

Textual's Linux driver reads the terminal in its own thread and hands each key to the event loop
with ``asyncio.run_coroutine_threadsafe(app._post_message(key))``: the :class:`Typist` does the
same, at the times of a script, so that a key may arrive while the event loop (or the GIL) is busy,
and its wait counts.  A key is *handled* when the focused field's value changes (a watcher called by
the reactive itself, at the moment the value is set), so every key of a script must change the value.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from textual import events
from textual.app import App
from textual.widgets import Input

CHARACTERS = {"backspace": "\x7f"}


@dataclass
class Typed:
    """What the typist saw: per key, when it was sent, when the field took it, and whether a preview ran."""

    keys: list[str]
    sent: list[float] = field(default_factory=list)
    handled: list[float] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    while_running: list[bool] = field(default_factory=list)

    @property
    def delays_s(self) -> list[float]:
        return [handled - sent for sent, handled in zip(self.sent, self.handled)]


class Typist:
    """Types ``keys`` into ``field`` of ``app``, key ``i`` at ``at_s[i]`` seconds after :meth:`start`.

    ``running()`` (called in the typist's thread when a key is sent) says whether a preview is running
    then: to show that the keys met the work they are meant to meet.
    """

    def __init__(self, app: App, field: Input, keys: Sequence[str], at_s: Sequence[float], running=lambda: False):
        assert len(keys) == len(at_s)
        self.app, self.field, self.at_s, self.running = app, field, list(at_s), running
        self.typed = Typed(list(keys))
        self.loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._type, daemon=True)
        self.done = asyncio.Event()

    def start(self) -> None:
        self.app.screen.watch(self.field, "value", self._changed, init=False)
        self._thread.start()

    def _changed(self, value: str) -> None:
        self.typed.handled.append(time.perf_counter())
        self.typed.values.append(value)
        if len(self.typed.handled) == len(self.typed.keys):
            self.done.set()

    def _type(self) -> None:
        start = time.perf_counter()
        for key, at in zip(self.typed.keys, self.at_s):
            wait = start + at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            self.typed.while_running.append(bool(self.running()))
            event = events.Key(key, CHARACTERS.get(key, key))
            self.typed.sent.append(time.perf_counter())
            asyncio.run_coroutine_threadsafe(self.app._post_message(event), self.loop)

    async def finished(self, timeout_s: float = 30) -> Typed:
        await asyncio.wait_for(self.done.wait(), timeout_s)
        self._thread.join(timeout_s)
        return self.typed
