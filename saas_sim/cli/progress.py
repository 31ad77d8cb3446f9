"""The progress bar every long command drains its work's generator behind (run, compare, sensitivity, goal)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class LateProgress:
    """A transient progress bar on stderr, shown only on a terminal once the work has lasted ``delay_s``.

    Without a total (a search) it pulses and counts.  ``time_left`` shows the time remaining
    (a run of known length) instead of the time elapsed.
    """

    def __init__(self, description: str, unit: str, *, delay_s: float = 1.0, time_left: bool = False) -> None:
        self.description, self.unit, self.delay_s = description, unit, delay_s
        self.time_left = time_left
        self.started = time.perf_counter()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> LateProgress:
        return self

    def update(self, done: int, total: int | None = None, description: str | None = None) -> None:
        """``done`` of ``total`` (None: unknown); ``description`` replaces the bar's own for this step."""
        if self.bar is None:
            if not sys.stderr.isatty() or time.perf_counter() - self.started < self.delay_s:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self.unit),
                TimeRemainingColumn() if self.time_left else TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        assert self.task is not None
        self.bar.update(self.task, completed=done, total=total, description=description or self.description)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()
