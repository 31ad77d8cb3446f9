"""Waiting in Pilot tests for the app to be still: past the debounce, every worker done, the result drawn."""

from __future__ import annotations


async def settle(pilot, pause_s: float = 0.25) -> None:
    """Three rounds of: wait past the edit debounce, wait for every worker, let the screen refresh."""
    for _ in range(3):
        await pilot.pause(pause_s)  # past the debounce
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
