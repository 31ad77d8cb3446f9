"""The TUI as a user feels it: last keystroke to the new fan on screen, and the tornado, in one fresh process.

    python benchmarks/tui_latency.py [--paths 2000] [--edits 3]

Drives the app (``tui.app.create_app`` on ``scenarios/starter.yaml``, a
temporary store) with Textual's Pilot, headless at 120 x 40.  Keys are sent
from a thread at typing speed, as a terminal's driver sends them, so that a
key that arrives while the event loop (or the GIL) is busy waits as it would.

Each edit rewrites ``acquisition.spend_monthly`` (``20k`` <-> ``21k``, the
same simulation cost each time).  Its latency runs from the moment the last
key is sent to the moment the ARR fan chart renders a result of the new
value: the main screen signals a new result by setting ``screen.result``
(the ``Result`` whose ``scenario`` is the run's normalized document), and
the chart widget's ``render`` is called by the compositor when it is drawn.
No constant of the app (debounce, progress rate) is read: whatever the
screen does between the key and the fan is counted.

Then the tornado: ``action_sensitivity`` of the main screen (what its key
runs), timed until the sensitivity screen holds its result (``screen.result``)
and has drawn it.

Prints one JSON line: ``fan_s`` (one per edit), ``key_wait_s`` (per key: sent
to the field's value changed), ``tornado_s``, ``paths``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
SIZE = (120, 40)
FIELD = "acquisition.spend_monthly"
VALUES = ("21k", "20k")  # the starter's value is 20k: each edit swaps it, the cost of a run stays the same
KEY_GAP_S = 0.08  # a brisk typist: about 12 keys a second
CHARACTERS = {"backspace": "\x7f", "end": None}


def keys_for(old: str, new: str) -> list[str]:
    """Keys that turn the field's ``old`` text into ``new``: to the end, erase, type."""
    return ["end", *["backspace"] * len(old), *new]


def send_keys(app, loop: asyncio.AbstractEventLoop, keys: list[str], sent: list[float]) -> threading.Thread:
    """Send ``keys`` from a thread, ``KEY_GAP_S`` apart, as Textual's driver does; ``sent`` gets each send time."""
    from textual import events

    def type_them() -> None:
        for number, key in enumerate(keys):
            if number:
                time.sleep(KEY_GAP_S)
            event = events.Key(key, CHARACTERS.get(key, key))
            sent.append(time.perf_counter())
            asyncio.run_coroutine_threadsafe(app._post_message(event), loop)

    thread = threading.Thread(target=type_them, daemon=True)
    thread.start()
    return thread


async def until(app, condition: Callable[[], bool], timeout_s: float = 60.0, step_s: float = 0.005) -> None:
    """Wait until ``condition()`` holds (checked on the event loop every ``step_s``); the app's failure raises."""
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if app._exception is not None:
            raise RuntimeError(f"the app failed: {app._exception!r}")
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(step_s)


def spend_of(result) -> float | None:
    return result.scenario["acquisition"]["spend_monthly"] if result is not None else None


async def measure(paths: int, edits: int) -> dict:
    from textual.widgets import Input

    from saas_sim.io.values import parse_number_text
    from saas_sim.store import Store
    from tui.app import create_app
    from tui.screens.main import MainScreen
    from tui.widgets.editor import field_id
    from tui.widgets.results import FanChartView

    with tempfile.TemporaryDirectory(prefix="saas-sim-tui-bench-") as folder:
        store = Store(Path(folder) / "bench.db")
        app = create_app(store, str(REPOSITORY / "scenarios" / "starter.yaml"), live_paths=paths, seed=1)
        fan_s: list[float] = []
        key_wait_s: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            await until(app, lambda: isinstance(app.screen, MainScreen) and app.screen.result is not None)
            main = app.screen
            assert isinstance(main, MainScreen)
            chart = main.query_one("#chart-arr", FanChartView)
            drawn: list[tuple[float, float | None]] = []  # (when, the spend of the result shown) per render
            render = chart.render

            def rendering():
                drawn.append((time.perf_counter(), spend_of(main.result)))
                return render()

            chart.render = rendering  # type: ignore[method-assign]  # the compositor calls it when the chart is drawn
            field = main.query_one(f"#{field_id(FIELD)}", Input)
            field.focus()
            await pilot.pause()
            await pilot.pause(0.5)
            loop = asyncio.get_running_loop()
            changed: list[float] = []  # when the field's value changed, per key
            main.watch(field, "value", lambda _value: changed.append(time.perf_counter()), init=False)
            for number in range(edits):
                old, new = field.value, VALUES[number % 2]
                target = parse_number_text(new)
                keys = keys_for(old, new)
                changed.clear()
                sent: list[float] = []
                drawn.clear()
                thread = send_keys(app, loop, keys, sent)
                typed = len(keys) - 1  # "end" changes no value

                def shown_and_typed(target: float | None = target, typed: int = typed) -> bool:
                    return any(spend == target for _, spend in drawn) and len(changed) >= typed

                await until(app, shown_and_typed)
                thread.join()
                shown = next(when for when, spend in drawn if spend == target)
                fan_s.append(shown - sent[-1])
                # "end" changes no value: the waits are those of the keys that do (erasing and typing)
                key_wait_s.extend(handled - at for at, handled in zip(sent[1:], changed))
                await pilot.pause(0.5)

            started = time.perf_counter()
            main.action_sensitivity()
            from tui.screens.sensitivity import SensitivityScreen

            await until(app, lambda: isinstance(app.screen, SensitivityScreen) and app.screen.result is not None)
            await pilot.pause()  # the tornado drawn
            tornado_s = time.perf_counter() - started
            app.exit()
    return {"fan_s": fan_s, "key_wait_s": key_wait_s, "tornado_s": tornado_s, "paths": paths}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=2_000)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPOSITORY))
    print(json.dumps(asyncio.run(measure(args.paths, args.edits))))


if __name__ == "__main__":
    main()
