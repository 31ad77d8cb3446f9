"""The one worker helper of the screens (tui/work.py): chunks in order on the event loop, cancellation, failures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker

from saas_sim.errors import InputError, Problem, SaasSimError
from tui import work as work_module
from tui.work import Job, ScreenWork, at_most_every

PROBE = ScreenWork("probe", unexpected=lambda error: f"probe failed: {error!r}")


class ProbeScreen(Screen[None]):
    """Drains what it is given with the helper and records what reached the event loop, and in which thread."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[tuple[object, int]] = []
        self.finished: list[object] = []
        self.reports: list[str] = []

    @PROBE
    def drain(self, chunks: Iterator[object], tag: object = "done") -> None:
        job = Job(self.app)
        if job.drain(chunks, lambda chunk: self.shown.append((chunk, threading.get_ident()))):
            job.post(self.finished.append, tag)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = PROBE.failed(event)
        if message is not None:
            self.reports.append(message)


class ProbeApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.probe = ProbeScreen()

    def on_mount(self) -> None:
        self.push_screen(self.probe)


async def wait_until(pilot, ready: Callable[[], bool]) -> None:
    for _ in range(200):
        if ready():
            return
        await pilot.pause(0.02)
    raise AssertionError("never ready")


async def all_done(pilot, app: App[None]) -> None:
    """Every worker ended, however (waiting on a failed or cancelled worker itself would raise)."""
    await wait_until(pilot, lambda: all(worker.is_finished for worker in app.workers))
    await pilot.pause()


async def test_chunks_arrive_in_order_on_the_event_loop_then_the_outcome():
    app = ProbeApp()
    async with app.run_test() as pilot:
        app.probe.drain(iter(range(50)))
        await all_done(pilot, app)
        assert [chunk for chunk, _ in app.probe.shown] == list(range(50))
        assert {thread for _, thread in app.probe.shown} == {threading.get_ident()}  # never the worker's thread
        assert app.probe.finished == ["done"]
        assert app.probe.reports == []


def gated(started: threading.Event, release: threading.Event, closed: threading.Event) -> Iterator[int]:
    """One chunk, then a wait until released, then two more; says when it is closed."""
    try:
        yield 1
        started.set()
        release.wait(10)
        yield 2
        yield 3
    finally:
        closed.set()


async def test_a_cancelled_worker_posts_nothing_and_closes_its_generator():
    app = ProbeApp()
    started, release, closed = threading.Event(), threading.Event(), threading.Event()
    async with app.run_test() as pilot:
        app.probe.drain(gated(started, release, closed))
        await wait_until(pilot, started.is_set)
        app.probe.workers.cancel_group(app.probe, PROBE.group)
        release.set()
        await all_done(pilot, app)
        assert [chunk for chunk, _ in app.probe.shown] == [1]  # nothing after the cancellation
        assert app.probe.finished == []
        assert closed.is_set()
        assert app.probe.reports == []


async def test_a_newer_call_cancels_the_older_whose_result_is_dropped():
    app = ProbeApp()
    started, release, closed = threading.Event(), threading.Event(), threading.Event()
    async with app.run_test() as pilot:
        app.probe.drain(gated(started, release, closed), "old")
        await wait_until(pilot, started.is_set)
        app.probe.drain(iter([10, 20]), "new")  # exclusive: the old one is cancelled
        await wait_until(pilot, lambda: app.probe.finished == ["new"])
        release.set()
        await all_done(pilot, app)
        assert app.probe.finished == ["new"]
        assert [chunk for chunk, _ in app.probe.shown] == [1, 10, 20]
        assert closed.is_set()


def failing(error: Exception) -> Iterator[int]:
    yield 1
    raise error


@pytest.mark.parametrize(
    "error,words",
    [
        (InputError(["a.yaml:3 churn: must be\n   between 0 and 1"]), "a.yaml:3 churn: must be between 0 and 1"),
        (ZeroDivisionError("boom"), "probe failed: ZeroDivisionError('boom')"),
    ],
)
async def test_an_error_is_worded_and_reported_once(error, words):
    app = ProbeApp()
    async with app.run_test() as pilot:
        app.probe.drain(failing(error))
        await all_done(pilot, app)
        assert app.probe.reports == [words]
        assert app.probe.finished == []
        assert [chunk for chunk, _ in app.probe.shown] == [1]


def test_words_of_an_expected_error_one_line_or_one_problem_a_line():
    problems = InputError([Problem("a.yaml", 3, "churn", "too high"), "no such store"])
    assert ScreenWork("x").words(problems) == "a.yaml:3 churn: too high no such store"
    assert ScreenWork("x", lines=True).words(problems) == "a.yaml:3 churn: too high\nno such store"
    broad = ScreenWork("x", expected=SaasSimError, lines=True)
    assert broad.words(SaasSimError("the store is locked")) == "the store is locked"  # no problems: itself
    assert ScreenWork("x").words(SaasSimError("the store is locked")) == "SaasSimError('the store is locked')"


def test_at_most_every_lets_the_first_through_then_one_per_period(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(work_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    due = at_most_every(0.2)
    assert due(None)
    assert not due(None)
    now[0] += 0.1
    assert not due(None)
    now[0] += 0.15
    assert due(None)
    assert not due(None)
