"""The one way a screen runs long work: in a thread, the newest call wins, the event loop shows the outcome.

A screen declares its job once, as a :class:`ScreenWork`: the worker group and how a failure is
worded.  Decorating a method with it is Textual's ``@work(thread=True, exclusive=True,
exit_on_error=False)``: a newer call cancels the older one, and an error ends the worker instead
of the app.  In the thread, a :class:`Job` drains the work's generator of chunks, checking
cancellation before each, and hands what the screen shows to the event loop
(``call_from_thread``): the thread never touches a widget.  The screen's one
``on_worker_state_changed`` asks :meth:`ScreenWork.failed` for the words of a failure.

    SIMULATE = ScreenWork("simulate")

    @SIMULATE
    def simulate(self, scenario):
        job, run = Job(self.app), ScenarioRun(scenario)  # saas_sim.analysis.run
        if job.drain(run.progress(), self._progress):
            job.post(self._show, run.result)

    def on_worker_state_changed(self, event):
        message = SIMULATE.failed(event)
        if message is not None:
            self.notify(message, severity="error")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from textual import work
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from saas_sim.errors import InputError

Chunk = TypeVar("Chunk")
Params = ParamSpec("Params")
Returned = TypeVar("Returned")


@dataclass(frozen=True)
class ScreenWork:
    """A screen's long job: its worker group, and how its failures read.

    An ``expected`` error (the user's input, most often) is told in its own words: on one line, or
    with ``lines`` one problem a line.  Any other error is told by ``unexpected`` (its repr).
    """

    group: str
    expected: type[Exception] = InputError
    lines: bool = False
    unexpected: Callable[[BaseException], str] = repr

    def __call__(self, method: Callable[Params, Returned]) -> Callable[Params, Worker[Returned]]:
        """Make ``method`` this job's worker: a thread, exclusive in its group, its errors reported, not raised."""
        return work(method, thread=True, exclusive=True, exit_on_error=False, group=self.group)

    def failed(self, event: Worker.StateChanged) -> str | None:
        """What to tell of the error that just ended this job's worker; None for any other event."""
        if event.worker.group != self.group or event.state != WorkerState.ERROR:
            return None
        error = event.worker.error
        assert error is not None  # a worker in the ERROR state holds what it raised
        return self.words(error)

    def words(self, error: BaseException) -> str:
        """``error`` as the screen tells it."""
        if not isinstance(error, self.expected):
            return self.unexpected(error)
        if self.lines:
            problems = getattr(error, "problems", None) or [error]
            return "\n".join(str(problem) for problem in problems)
        return " ".join(str(error).split())


class Job:
    """The worker of the calling thread, as its work sees it: drain chunks, hand results over, unless cancelled.

    Made inside the worker's thread (it finds its worker there).
    """

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.worker = get_current_worker()

    @property
    def cancelled(self) -> bool:
        return self.worker.is_cancelled

    def drain(
        self,
        chunks: Iterator[Chunk],
        show: Callable[[Chunk], object] | None = None,
        *,
        when: Callable[[Chunk], bool] | None = None,
    ) -> bool:
        """Run ``chunks`` to its end, each chunk (that ``when`` lets through) shown by ``show`` on the event loop.

        Returns False when the job was cancelled: it stops at the next chunk and shows nothing more.
        The generator is closed however it ends (the engine's then cancels the blocks not started).
        """
        try:
            for chunk in chunks:
                if self.worker.is_cancelled:
                    return False
                if show is not None and (when is None or when(chunk)):
                    self.app.call_from_thread(show, chunk)
        finally:
            if isinstance(chunks, Generator):
                chunks.close()
        return not self.worker.is_cancelled

    def post(self, callback: Callable[..., object], *args: object) -> bool:
        """Call ``callback(*args)`` on the event loop, unless the job was cancelled; whether it was called."""
        if self.worker.is_cancelled:
            return False
        self.app.call_from_thread(callback, *args)
        return True


def at_most_every(seconds: float, *, after_s: float = 0.0) -> Callable[[object], bool]:
    """A ``when`` for :meth:`Job.drain` that lets one chunk through per ``seconds`` at most, the first at once
    (or, with ``after_s``, the first that comes once ``after_s`` seconds have passed since this call).
    """
    last = -math.inf
    start = time.monotonic() + after_s

    def due(_chunk: object) -> bool:
        nonlocal last
        now = time.monotonic()
        if now < start or now - last < seconds:
            return False
        last = now
        return True

    return due
