"""Waiting for a store another program holds: the app says so, stays responsive, and can be cancelled.

A write takes SQLite's write lock; while another program holds it the
store waits (its busy timeout, then retries) for minutes, which on the
event loop's thread would freeze the app.  So before writing, the app asks
whether the lock is free, without waiting (:func:`lock_free`); while it is
not, it shows :class:`WaitingForStore` and asks again every
:data:`POLL_S`, and writes only once the lock is free.  Nothing is written
while waiting: Escape (or ctrl+q) gives up and nothing was saved.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, LoadingIndicator

from saas_sim.store.database import file_uri

POLL_S = 0.25  # how often a waiting app asks whether the store's lock is free


def lock_free(path: Path) -> bool:
    """Whether the store's write lock can be taken now (taken and given back at once; nothing written)."""
    try:
        connection = sqlite3.connect(file_uri(path, "mode=rw"), uri=True, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return True  # no file, or one SQLite cannot open: the store's own refusal says why
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        message = str(error).lower()
        return "locked" not in message and "busy" not in message
    except sqlite3.Error:
        return True
    finally:
        connection.close()


class WaitingForStore(ModalScreen[bool]):
    """ "Waiting for the store…": another program holds it.  Escape gives up (dismisses with False)."""

    BINDINGS = [Binding("escape", "give_up", "Cancel", id="store-wait.cancel")]

    def __init__(self, path: Path, doing: str):
        super().__init__()
        self.path = Path(path)
        self.doing = doing

    def compose(self) -> ComposeResult:
        with Vertical(id="store-wait-dialog"):
            yield Label("Waiting for the store…", id="store-wait-title")
            yield Label(
                f"Waiting for the store to {self.doing}: another program (another saas-sim?) is "
                f"writing to {self.path}. Nothing is written until it is done.",
                id="store-wait-message",
            )
            yield LoadingIndicator(id="store-wait-spinner")
            with Horizontal(id="store-wait-buttons"):
                yield Button("Cancel", id="store-wait-cancel", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def action_give_up(self) -> None:
        self.dismiss(False)


async def wait_for_store(app: App, path: Path, doing: str) -> bool:
    """Wait, showing :class:`WaitingForStore`, until the store's lock is free (True) or the user gives up (False).

    The dialog closes by itself when the lock frees; the caller then writes
    at once, on the event loop.  Callers first try :func:`lock_free`, so
    that the common case (a free store) writes with no dialog at all.
    """
    waiting = WaitingForStore(path, doing)
    given_up = asyncio.Event()

    def closed(answer: bool | None) -> None:
        if not answer:
            given_up.set()

    await app.push_screen(waiting, closed)
    while True:
        await asyncio.sleep(POLL_S)
        if given_up.is_set() or waiting not in app.screen_stack:
            return False
        if await asyncio.to_thread(lock_free, path):
            if app.screen is waiting:
                waiting.dismiss(True)
            return True


def write_when_free(screen: Screen, path: Path, doing: str, write: Callable[[], object]) -> None:
    """``write()`` now when the store is free, else once it is, after waiting on screen (giving up writes nothing)."""
    if lock_free(path):
        write()
        return

    async def wait_then_write() -> None:
        if await wait_for_store(screen.app, path, doing):
            write()
        else:
            screen.notify("Nothing was saved: the store is still busy.", severity="warning")

    screen.run_worker(wait_then_write(), group="store", exclusive=True)
