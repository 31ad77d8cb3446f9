"""Issue 13 item 10: another program holding the store's write lock never freezes the app.

The app says it is waiting for the store, stays responsive, and lets the
user cancel (or quit); nothing is written while the lock is held.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from saas_sim.io.examples import examples
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.screens.main import MainScreen
from tui.store_wait import WaitingForStore, lock_free
from tui.widgets.editor import field_id

SIZE = (120, 40)
HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
"""


class Lock:
    """Another process holding the store's write lock until released."""

    def __init__(self, path: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            self.process.wait(10)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "locked.db"


@pytest.fixture
def lock(path: Path):
    locks: list[Lock] = []

    def take() -> Lock:
        locks.append(Lock(path))
        return locks[-1]

    yield take
    for held in locks:
        held.release()


def test_lock_free_tells_a_held_lock(path, lock):
    Store(path)
    assert lock_free(path)
    held = lock()
    started = time.perf_counter()
    assert not lock_free(path)
    assert time.perf_counter() - started < 1
    held.release()
    assert lock_free(path)


@pytest.mark.parametrize("name", ["a%41b.db", "q?x.db", "h#x.db"])
def test_lock_free_tells_a_held_lock_whatever_the_file_is_called(tmp_path, name):
    """A review found an unquoted URI: '%', '?' or '#' in the name hid a held lock and made a stray file."""
    path = tmp_path / name
    Store(path)
    held = Lock(path)
    try:
        assert not lock_free(path)
    finally:
        held.release()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(name)) == []


async def test_a_new_store_locked_by_another_program_waits_and_cancels(path, lock):
    store = Store(path)  # empty: the app saves the starter first
    held = lock()
    app = create_app(store, seed=1, live_paths=200)
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, WaitingForStore)
        assert "waiting for the store" in str(app.screen.query_one("#store-wait-message").render()).lower()
        await pilot.press("escape")
        await pilot.pause(0.3)
    assert time.perf_counter() - started < 5  # not the store's minutes of retries
    assert not app.is_running and app.return_code == 1
    held.release()
    assert Store(path).scenarios() == []  # nothing written


async def test_the_opening_goes_on_when_the_lock_is_released(path, lock):
    store = Store(path)
    held = lock()
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        assert isinstance(app.screen, WaitingForStore)
        held.release()
        for _ in range(20):
            await pilot.pause(0.2)
            if isinstance(app.screen, MainScreen):
                break
        assert isinstance(app.screen, MainScreen)
        await settle(pilot)  # the main screen mounted and previewed before the test tears the app down
        assert [info.name for info in store.scenarios()] == ["Starter - monthly SaaS"]


async def test_ctrl_q_quits_while_the_opening_waits(path, lock):
    store = Store(path)
    lock()
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("ctrl+q")
        await pilot.pause(0.3)
    assert not app.is_running


async def test_ctrl_s_while_locked_waits_without_freezing_then_saves(path, lock):
    starter = examples()[0]
    store = Store(path)
    store.save_revision(starter.text, parse_scenario(starter.text, starter.file_name))
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        screen = app.screen
        screen.query_one(f"#{field_id('horizon_months')}", Input).value = "24"
        await pilot.pause(0.5)
        held = lock()
        started = time.perf_counter()
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert time.perf_counter() - started < 3
        assert isinstance(app.screen, WaitingForStore)
        await pilot.press("escape")  # cancel: not saved, still unsaved
        await pilot.pause(0.3)
        assert app.screen is screen and screen.dirty
        assert len(store.history(starter.name)) == 1
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert isinstance(app.screen, WaitingForStore)
        held.release()
        for _ in range(20):
            await pilot.pause(0.2)
            if app.screen is screen and not screen.dirty:
                break
        assert app.screen is screen and not screen.dirty
        assert len(store.history(starter.name)) == 2


async def test_archiving_in_the_browser_while_locked_waits_then_archives(path, lock):
    from tui.screens.browser import BrowserScreen

    starter = examples()[0]
    store = Store(path)
    store.save_revision(starter.text, parse_scenario(starter.text, starter.file_name))
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+o")
        await pilot.pause(0.3)
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        held = lock()
        started = time.perf_counter()
        await pilot.press("a")
        await pilot.pause(0.3)
        assert time.perf_counter() - started < 3 and isinstance(app.screen, WaitingForStore)
        assert not store.scenarios(include_archived=True)[0].archived
        held.release()
        for _ in range(20):
            await pilot.pause(0.2)
            if app.screen is browser:
                break
        assert app.screen is browser
        assert store.scenarios(include_archived=True)[0].archived
