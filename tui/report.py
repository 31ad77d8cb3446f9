"""The report (SPEC 7) of what a screen shows, written from a worker thread: ``F2`` on the main, tornado and
compare screens."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui.work import ScreenWork

if TYPE_CHECKING:
    from saas_sim.analysis.report import ReportRun

# Every screen's F2 worker: a newer report replaces an older one being written; an OSError is told in its words.
REPORT = ScreenWork("report", expected=OSError, unexpected=lambda error: f"the report failed: {error!r}")


def write_report(runs: Sequence[ReportRun]) -> str:
    """Write the page to ``NAME-report.html`` (``A-vs-B-report.html``) in the current folder, never half-written
    under its name; return the notice that says where it went.  Raises ``OSError`` when it cannot be written."""
    from saas_sim.render.report import report_html

    target = report_target(*(run.label for run in runs))
    html = report_html(runs)
    partial_file = target.with_name(target.name + ".part")
    try:
        partial_file.write_text(html, encoding="utf-8")
        partial_file.replace(target)
    finally:
        partial_file.unlink(missing_ok=True)
    return f"Report written: {target} ({target.stat().st_size / 1024:,.0f} kB)"


def report_target(*labels: str) -> Path:
    """Where :func:`write_report` puts the report of runs so labelled."""
    from saas_sim.render.names import report_file_name

    return Path.cwd() / report_file_name(*labels)
