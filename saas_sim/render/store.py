"""Tables of the store's contents: scenarios, revisions, runs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from saas_sim.render.format import format_money

if TYPE_CHECKING:
    from saas_sim.store import RevisionInfo, RunInfo, ScenarioInfo

FOCUS_STYLES = {"retention": "yellow", "acquisition": "yellow", "monetization": "yellow", "scale": "green"}


def listing_width(is_terminal: bool) -> int | None:
    """A terminal's own width; elsewhere (a pipe, a file) wide enough that no cell is cut."""
    return None if is_terminal else 200


def local_time(moment: datetime) -> str:
    """``2026-11-23 17:05`` in the viewer's time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _focus(focus: str | None) -> Text:
    return Text(focus or "-", style=FOCUS_STYLES.get(focus or "", "dim"))


WRAPPING = ("Name", "Scenario", "Changes", "Focus")  # the columns that may wrap on a narrow terminal


def _table(*columns: str, right: tuple[str, ...] = ()) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left", no_wrap=column not in WRAPPING)
    return table


def scenarios_table(infos: list[ScenarioInfo], *, show_archived: bool) -> Table:
    """One row per scenario: its latest revision and its latest run's ARR and focus."""
    columns = ["Name", "Rev", "Saved", "Runs", "ARR p50", "Focus"] + (["Archived"] if show_archived else [])
    table = _table(*columns, right=("Rev", "Runs", "ARR p50"))
    table.caption = "ARR p50 (at the horizon) and focus: of each scenario's latest run"
    table.caption_justify = "left"
    for info in infos:
        row: list[Text | str] = [
            Text(info.name, style="bold"),
            str(info.revision),
            local_time(info.updated_at),
            str(info.runs),
            format_money(info.last_arr_end_p50, info.currency),
            _focus(info.last_focus),
        ]
        if show_archived:
            row.append("archived" if info.archived else "")
        table.add_row(*row)
    return table


def describe_changes(changes: list[str] | None) -> str:
    if changes is None:
        return "first revision"
    if not changes:
        return "no field changed (comments or layout)"
    return ", ".join(changes)


def history_table(revisions: list[RevisionInfo], changes: list[list[str] | None]) -> Table:
    """One row per revision, oldest first, with the fields each one changed."""
    table = _table("Rev", "Saved", "Runs", "Hash", "Changes", right=("Rev", "Runs"))
    for revision, changed in zip(revisions, changes, strict=True):
        table.add_row(
            str(revision.number),
            local_time(revision.created_at),
            str(revision.runs),
            revision.content_hash[:10],
            describe_changes(changed),
        )
    return table


def runs_table(runs: list[RunInfo]) -> Table:
    """One row per run, newest first."""
    table = _table(
        "Run",
        "Scenario",
        "Rev",
        "Started",
        "Paths",
        "Seed",
        "Months",
        "ARR p50",
        "Focus",
        right=("Run", "Rev", "Paths", "Seed", "Months", "ARR p50"),
    )
    for run in runs:
        name = Text(run.name, style="dim" if run.archived else "bold")
        table.add_row(
            str(run.id),
            name,
            str(run.revision),
            local_time(run.created_at),
            f"{run.paths:,}",
            str(run.seed),
            str(run.horizon_months),
            format_money(run.arr_end_p50, run.currency),
            _focus(run.focus),
        )
    return table


def run_facts(run: RunInfo) -> Table:
    """Which scenario, revision, seed and paths a stored run used, and how to run it again."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row(
        "Run",
        f"{run.id} ({run.status}), {local_time(run.created_at)}, {run.elapsed_s:.2f} s, engine {run.engine_version}",
    )
    grid.add_row("Scenario", f"{run.name}, revision {run.revision}" + (" (archived)" if run.archived else ""))
    grid.add_row("Simulation", f"{run.paths:,} paths, seed {run.seed}, {run.horizon_months} months")
    return grid


def revision_facts(revision: RevisionInfo) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    latest = "latest" if revision.latest else f"latest is {revision.latest_number}"
    grid.add_row("Scenario", revision.name + (" (archived)" if revision.archived else ""))
    grid.add_row("Revision", f"{revision.number} ({latest}), saved {local_time(revision.created_at)}")
    grid.add_row("Runs", str(revision.runs))
    grid.add_row("Hash", revision.content_hash)
    return grid
