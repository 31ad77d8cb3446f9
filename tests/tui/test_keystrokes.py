"""Issue 13 item 7: a field's text is exactly what was typed, whatever the simulation is doing.

Keys arrive together when the app was busy (or a terminal sends a burst): the
test posts them to the app in one go, as the terminal driver does, while a
preview of every edit runs.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.widgets.editor import field_id

SIZE = (120, 40)
HORIZON = field_id("horizon_months")
CHURN = field_id("segments[0].churn.monthly")
CHARACTERS = {"backspace": "\x7f", "tab": "\t", "end": None, "home": None, "left": None, "right": None}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "keys.db")


def burst(app, *keys: str) -> None:
    """Keys as the driver hands them over when they arrive together: all queued before any is handled."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key)))


async def test_bursts_on_horizon_months_leave_the_last_value_typed(store):
    app = create_app(store, seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.screen.query_one(f"#{HORIZON}", Input)
        field.focus()
        await pilot.pause()
        for typed in ("24", "48", "12", "60", "42"):
            burst(app, "end", "backspace", "backspace", *typed)
            await asyncio.sleep(0.45)  # the preview of the previous value runs meanwhile
            await pilot.pause()
            assert field.value == typed
        await settle(pilot)
        assert field.value == "42" and app.screen.document["horizon_months"] == 42
        assert app.screen.result.horizon_months == 42


async def test_a_burst_rewriting_a_range_leaves_what_was_typed(store):
    app = create_app(store, seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.screen.query_one(f"#{CHURN}", Input)
        field.focus()
        field.value = "2%..5%"
        await settle(pilot)
        burst(app, "end", *["backspace"] * 6, "3", "%")
        await pilot.pause(0.1)
        assert field.value == "3%"
        await settle(pilot)
        assert field.value == "3%" and app.screen.document["segments"][0]["churn"]["monthly"] == 0.03


async def test_backspace_held_at_key_repeat_speed_then_typing(store):
    app = create_app(store, seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.screen.query_one(f"#{CHURN}", Input)
        field.focus()
        field.value = "3%"
        await settle(pilot)
        burst(app, "end")
        for _ in range(5):  # held backspace: one key each 33 ms, more than the field holds
            burst(app, "backspace")
            await asyncio.sleep(0.033)
        burst(app, "4")
        await asyncio.sleep(0.033)
        burst(app, "%")
        await pilot.pause(0.1)
        assert field.value == "4%"
        await settle(pilot)
        assert field.value == "4%"


async def test_tab_in_a_burst_moves_the_following_keys_to_the_next_field(store):
    app = create_app(store, seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        currency = app.screen.query_one(f"#{field_id('currency')}", Input)
        currency.focus()
        await pilot.pause()
        burst(app, "tab", "end", "backspace", "backspace", "2", "4")
        await pilot.pause(0.1)
        assert currency.value == "USD"
        assert app.screen.query_one(f"#{HORIZON}", Input).value == "24"


async def test_keys_are_handled_promptly_while_a_preview_runs(store):
    """Latency of a key typed while a full preview (2,000 paths) runs: well under a frame or two."""
    app = create_app(store, seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.screen.query_one(f"#{HORIZON}", Input)
        field.focus()
        field.value = "60"
        app.screen.simulate_now()
        delays = []
        for digit in "1234567890" * 2:
            await asyncio.sleep(0.02)
            before = field.value
            sent = time.perf_counter()
            burst(app, "end", "backspace", digit)
            while field.value == before or field.value != before[:-1] + digit:
                await asyncio.sleep(0.001)
                assert time.perf_counter() - sent < 2, "a key was never handled"
            delays.append(time.perf_counter() - sent)
        delays.sort()
        assert delays[len(delays) // 2] < 0.05, delays  # median


async def test_adding_an_event_keeps_the_text_typed_in_every_field(store):
    from textual.widgets import Button

    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        churn = app.screen.query_one(f"#{CHURN}", Input)
        churn.value = "0.03"
        horizon = app.screen.query_one(f"#{HORIZON}", Input)
        horizon.value = "36.0"
        await settle(pilot)
        app.screen.query_one("#add-event", Button).press()
        await settle(pilot)
        assert app.screen.query_one(f"#{CHURN}", Input).value == "0.03"
        assert app.screen.query_one(f"#{HORIZON}", Input).value == "36.0"
        assert len(app.screen.document["events"]) == 1
