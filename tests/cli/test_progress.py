"""The one progress bar of the long commands (saas_sim.cli.progress): on a terminal only, and only once late."""

from __future__ import annotations

import io

from rich.progress import TimeRemainingColumn

from saas_sim.cli.progress import LateProgress


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_not_on_a_terminal_nothing_is_drawn(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    with LateProgress("Simulating", "paths", delay_s=0) as bar:
        bar.update(5, 10)
    assert bar.bar is None
    assert stderr.getvalue() == ""


def test_before_the_delay_nothing_is_drawn(monkeypatch):
    monkeypatch.setattr("sys.stderr", Terminal())
    with LateProgress("Simulating", "paths", delay_s=60) as bar:
        bar.update(5, 10)
    assert bar.bar is None


def test_late_on_a_terminal_the_bar_counts_with_its_unit(monkeypatch):
    monkeypatch.setattr("sys.stderr", Terminal())
    with LateProgress("Simulating", "paths", delay_s=0, time_left=True) as bar:
        bar.update(5, 10)
        bar.update(10, 10, description="Computing statistics")
        task = bar.bar.tasks[0]
        assert (task.completed, task.total, task.description) == (10, 10, "Computing statistics")
        assert "paths" in [getattr(column, "text_format", None) for column in bar.bar.columns]
        assert isinstance(bar.bar.columns[-1], TimeRemainingColumn)
        bar.update(10, 10)
        assert bar.bar.tasks[0].description == "Simulating"  # a description given for one step only
    assert not bar.bar.live.is_started  # stopped on leaving: transient, nothing left on the screen


def test_a_search_without_total_pulses(monkeypatch):
    monkeypatch.setattr("sys.stderr", Terminal())
    with LateProgress("Searching", "simulations", delay_s=0) as bar:
        bar.update(3)
        assert bar.bar.tasks[0].total is None
