"""``saas-sim runs``: the stored runs and their result documents."""

from __future__ import annotations

from typing import Annotated

import typer

from saas_sim.cli.boundary import PROGRAM, invalid_input
from saas_sim.cli.options import DbOption, ListingJsonOption
from saas_sim.cli.store import listing_console, open_store, run_json, write_json_value

app = typer.Typer(
    name="runs",
    no_args_is_help=True,
    add_completion=False,
    help="The stored runs: list, show, export.",
)

RunArgument = Annotated[int, typer.Argument(metavar="ID", show_default=False, help="A run's id (see 'runs list').")]
DEFAULT_LIMIT = 50


@app.command("list")
def list_command(
    *,
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", metavar="NAME", help="Only the runs of this scenario.")
    ] = None,
    limit: Annotated[int, typer.Option(metavar="N", help="Show the newest N runs; 0 shows all.")] = DEFAULT_LIMIT,
    json_path: ListingJsonOption = None,
    db: DbOption = None,
) -> None:
    """The stored runs, newest first."""
    if limit < 0:
        raise invalid_input(f"--limit: must be 0 (all) or more, got {limit}")
    runs, total = open_store(db, write=False).runs(name=scenario, limit=limit or None)
    if json_path is not None:
        write_json_value([run_json(run) for run in runs], json_path)
        return
    from saas_sim.render.store import runs_table

    console = listing_console()
    if not runs:
        console.print(f"No stored runs. '{PROGRAM} run FILE' saves one.", markup=False)
        return
    console.print(runs_table(runs))
    if total > len(runs):
        console.print(f"The newest {len(runs)} of {total} runs; --limit 0 shows all.", style="dim")


@app.command("show")
def show_command(*, run_id: RunArgument, json_path: ListingJsonOption = None, db: DbOption = None) -> None:
    """A stored run: which revision, seed and paths, and its summary as 'run' printed it."""
    store = open_store(db, write=False)
    run = store.run(run_id)
    result = store.result(run_id)
    if json_path is not None:
        write_json_value({**run_json(run), "result": result.to_json()}, json_path)
        return
    from rich.console import Console

    from saas_sim.render.store import run_facts
    from saas_sim.render.summary import run_report

    console = Console()
    console.print(run_facts(run))
    console.print()
    console.print(run_report(result, charts=console.is_terminal))


@app.command("export")
def export_command(
    *,
    run_id: RunArgument,
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json", metavar="PATH|-", help="Write the result document (SPEC 5); '-' prints it (the default)."
        ),
    ] = None,
    csv_path: Annotated[
        str | None,
        typer.Option("--csv", metavar="PATH|-", help="Write the company series, one row per month; '-' prints it."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a stored run's result document as JSON, or its company series as CSV, as 'run' wrote them."""
    from saas_sim.cli.run import check_output_paths
    from saas_sim.io.result import write_csv, write_json

    if json_path is None and csv_path is None:
        json_path = "-"
    check_output_paths(json_path=json_path, csv_path=csv_path)
    result = open_store(db, write=False).result(run_id)
    if json_path is not None:
        write_json(result, json_path)
    if csv_path is not None:
        write_csv(result, csv_path)
