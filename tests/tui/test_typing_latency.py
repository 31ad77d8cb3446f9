"""Issue 15, item 3: the TUI never waits for the engine.

Keys typed at a realistic speed into a field of the main screen while previews of 2,000 paths run
are each handled promptly (this is the one test that times things), the fan shown in the end is
that of the last edit, and a run that a newer edit overtakes stops at its next block instead of
finishing in the background.
"""

from __future__ import annotations

import random
import statistics
import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, TabbedContent

import saas_sim.engine.simulate as engine
from saas_sim.io.examples import examples
from saas_sim.store import Store
from tests.tui.pilot import settle
from tests.tui.typist import Typist
from tui.app import create_app
from tui.screens.main import LIVE_PATHS
from tui.widgets.editor import field_id
from tui.widgets.results import FanChartView, ResultsPanel
from tui.work import at_most_every

SIZE = (120, 40)
BLOCKS = 8  # of the preview overtaken
ARPA = "segments[0].arpa_monthly"
KEY_WAIT_P90_S = 0.05  # the goal: a key is handled within 50 ms ...
KEY_WAIT_MAX_S = 0.15  # ... and, for the noise of a shared 2-core machine, the worst within 150 ms
ROUNDS = 3  # of typing; the best must meet both
BURSTS = 12  # of four keys a round


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "typing.db")


def previews_running(app) -> bool:
    return any(worker.group == "simulate" and not worker.is_finished for worker in list(app.workers))


def typing_script(start: str, bursts: int, seed: int) -> tuple[list[str], list[float], str]:
    """Keys that rewrite ``start`` (ARPA, ``120``) burst after burst, each burst keeping a valid value.

    A burst erases the last two digits and types two others, a key each 30-60 ms; bursts are
    0.11-0.2 s apart, just longer than the edit debounce (0.1 s), so that the preview of one burst
    runs while the next is typed, however fast the machine.  Returns the keys, their times and the value typed last.
    """
    chance = random.Random(seed)
    keys: list[str] = []
    at_s: list[float] = []
    now, value = 0.0, start
    for _ in range(bursts):
        digits = f"{chance.randrange(10, 100)}"
        while value.endswith(digits):
            digits = f"{chance.randrange(10, 100)}"
        for key in ("backspace", "backspace", *digits):
            keys.append(key)
            at_s.append(now)
            now += chance.uniform(0.03, 0.06)
        value = value[:-2] + digits
        now += chance.uniform(0.11, 0.2)
    return keys, at_s, value


async def test_keys_typed_while_previews_run_are_each_handled_within_50_ms(store):
    app = create_app(store, seed=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.result.paths == LIVE_PATHS == 2_000
        field = app.screen.query_one(f"#{field_id(ARPA)}", Input)
        field.focus()
        await pilot.pause()
        # Up to three rounds of typing: the best round must meet the goal.  The tests run beside
        # each other on the machine's cores, and another test's burst of CPU delays keys that the
        # TUI itself would handle at once; a TUI that makes keys wait fails every round.
        reports = []
        for round_ in range(ROUNDS):
            field.cursor_position = len(field.value)
            keys, at_s, last = typing_script(field.value, bursts=BURSTS, seed=15 + round_)
            typist = Typist(app, field, keys, at_s, running=lambda: previews_running(app))
            typist.start()
            typed = await typist.finished()
            await settle(pilot)

            assert typed.values[-1] == field.value == last
            # On a fast machine a 2,000-path preview ends within a key's interval: the first key of most
            # bursts meets it, and that key is the one a preview could delay.
            assert sum(typed.while_running) >= BURSTS // 2, "the keys met too few previews to say anything"
            waits = sorted(typed.delays_s)
            p90 = waits[int(0.9 * len(waits)) - 1]
            reports.append(
                f"round {round_ + 1}: key waits (ms) median {statistics.median(waits) * 1000:.0f}, "
                f"p90 {p90 * 1000:.0f}, worst {waits[-1] * 1000:.0f}; "
                f"{sum(typed.while_running)} of {len(keys)} keys met a preview"
            )
            if p90 <= KEY_WAIT_P90_S and waits[-1] <= KEY_WAIT_MAX_S:
                break
        else:
            pytest.fail("no round met the goal: " + "; ".join(reports))

        # The fan on screen is the last edit's.
        result = app.screen.result
        assert result.scenario["segments"][0]["arpa_monthly"] == float(last)
        assert app.screen.query_one(ResultsPanel).result is result
        chart = app.screen.query_one("#chart-arr", FanChartView)
        assert chart._chart is not None and chart._chart["bands"] == result.series["arr"].to_json()


async def test_a_run_overtaken_by_a_newer_edit_stops_at_its_next_block(store, tmp_path, monkeypatch):
    """A preview of 8 blocks overtaken while its first blocks run: it starts no block after its next, nor its statistics.

    The engine's pool (a thread a core, two here) hands a thread its next block as soon as its block
    ends, before the run hears of the cancellation: the blocks under way and one more a thread may run.
    """
    started: list[tuple[float, int]] = []  # (ARPA of the run, block) of each block started
    described: list[float] = []  # ARPA of each run whose statistics were computed
    under_way, go_on = threading.Event(), threading.Event()
    run_block, build_numbers = engine.run_block, engine.build_numbers

    def arpa(scenario) -> float:
        return scenario.segments[0].arpa_monthly

    def counted_block(scenario, block, *args, **kwargs):
        started.append((arpa(scenario), block))
        if arpa(scenario) == 130:  # the run to be overtaken: its blocks wait for the newer edit
            under_way.set()
            go_on.wait(10)
        return run_block(scenario, block, *args, **kwargs)

    def counted_numbers(scenario, *args, **kwargs):
        described.append(arpa(scenario))
        return build_numbers(scenario, *args, **kwargs)

    plan = tmp_path / "six-blocks.yaml"
    plan.write_text(examples()[0].text.replace("paths: 2000", f"paths: {BLOCKS * engine.BLOCK_PATHS}"))
    app = create_app(store, str(plan), seed=1, live_paths=BLOCKS * engine.BLOCK_PATHS)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.result.paths == BLOCKS * engine.BLOCK_PATHS
        monkeypatch.setattr(engine, "run_block", counted_block)
        monkeypatch.setattr(engine, "build_numbers", counted_numbers)
        started.clear()
        field = app.screen.query_one(f"#{field_id(ARPA)}", Input)
        field.value = "130"
        await pilot.pause(0.2)  # past the debounce: the run of 130 starts
        assert under_way.wait(10)
        field.value = "140"  # the newer edit cancels the run of 130 ...
        await pilot.pause()
        go_on.set()  # ... whose blocks under way may end
        await settle(pilot)

        overtaken = sorted(block for value, block in started if value == 130)
        workers = engine.default_workers()
        assert len(overtaken) <= 2 * workers < BLOCKS, overtaken
        assert sorted(block for value, block in started if value == 140) == list(range(BLOCKS))
        assert described == [140.0]
        assert app.screen.result.scenario["segments"][0]["arpa_monthly"] == 140


async def test_a_result_draws_the_table_tabs_only_when_they_are_shown(store):
    """The movements table, the cohorts and the diagnosis cost the event loop most: drawn when opened."""
    app = create_app(store, seed=1, live_paths=200)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#movements", DataTable)
        assert table.row_count == 0  # the ARR tab is shown: the table waits
        tabs = app.screen.query_one(TabbedContent)
        tabs.active = "tab-movements"
        await pilot.pause()
        assert table.row_count == app.screen.result.horizon_months
        app.screen.query_one(f"#{field_id('horizon_months')}", Input).value = "24"
        await settle(pilot)  # a new result while the table is shown: drawn at once
        assert table.row_count == 24 and app.screen.result.horizon_months == 24
        first = table.get_row("1")[1].plain
        tabs.active = "tab-arr"
        await pilot.pause()
        app.screen.query_one(f"#{field_id(ARPA)}", Input).value = "240"
        await settle(pilot)
        assert table.get_row("1")[1].plain == first  # not drawn while hidden ...
        tabs.active = "tab-movements"
        await pilot.pause()
        assert table.get_row("1")[1].plain != first  # ... drawn when shown (twice the ARPA, twice the new MRR)


def test_the_progress_of_a_quick_preview_never_shows(monkeypatch):
    """A bar that would come and go within a quick preview only lays the screen out twice."""
    from types import SimpleNamespace

    from tui import work

    now = [100.0]
    monkeypatch.setattr(work, "time", SimpleNamespace(monotonic=lambda: now[0]))
    due = at_most_every(0.2, after_s=0.3)
    assert not due(None)
    now[0] += 0.29
    assert not due(None)
    now[0] += 0.02
    assert due(None)
    assert not due(None)
    now[0] += 0.2
    assert due(None)


async def test_a_value_invalid_only_between_two_keys_never_dims_the_results(store):
    """Retyping a field passes through an empty one: the panel is dimmed (a restyle of all of it) only
    when an invalid value stays once typing pauses."""
    from tests.tui.test_keystrokes import burst

    app = create_app(store, seed=1, live_paths=300)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(ResultsPanel)
        dimmed: list[bool] = []
        app.screen.watch(panel, "classes", lambda: dimmed.append(panel.has_class("-stale")), init=False)
        field = app.screen.query_one(f"#{field_id(ARPA)}", Input)
        field.focus()
        await pilot.pause()
        burst(app, "end", "backspace", "backspace", "backspace", "1", "3", "5")
        await settle(pilot)
        assert field.value == "135" and not any(dimmed) and not panel.has_class("-stale")
        assert app.screen.result.scenario["segments"][0]["arpa_monthly"] == 135
        burst(app, "backspace", "backspace", "backspace")
        await settle(pilot)
        assert panel.has_class("-stale")  # an empty field left so: the results say the scenario is invalid
