"""The names of the files saas-sim writes for a user, the same from the command line and the TUI."""

from __future__ import annotations

import re


def file_stem(name: str) -> str:
    """A scenario's name as a file name's stem: ``"Virtuous cycle"`` -> ``virtuous-cycle``."""
    return re.sub(r"[^a-z0-9._]+", "-", name.lower()).strip("-.") or "scenario"


def report_file_name(*names: str) -> str:
    """``virtuous-cycle-report.html``; two: ``a-vs-b-report.html``."""
    return "-vs-".join(file_stem(name) for name in names) + "-report.html"
