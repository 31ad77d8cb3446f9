"""``saas-sim scenarios``: the stored scenarios and their revisions."""

from __future__ import annotations

import itertools
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.boundary import PROGRAM, invalid_input
from saas_sim.cli.options import DbOption, ListingJsonOption
from saas_sim.cli.store import (
    listing_console,
    open_store,
    revision_json,
    scenario_json,
    write_json_value,
)

if TYPE_CHECKING:
    from saas_sim.errors import Problem
    from saas_sim.model.scenario import Scenario

app = typer.Typer(
    name="scenarios",
    no_args_is_help=True,
    add_completion=False,
    help="The stored scenarios and their revisions: list, show, import, export, history, rm, restore.",
)

NameArgument = Annotated[str, typer.Argument(metavar="NAME", show_default=False, help="A stored scenario's name.")]
ReferenceArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME[@REV]", show_default=False, help="A stored scenario's name; NAME@REV for an older revision."
    ),
]


@app.command("list")
def list_command(
    *,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include archived scenarios.")] = False,
    json_path: ListingJsonOption = None,
    db: DbOption = None,
) -> None:
    """The stored scenarios, each with its latest revision and latest run."""
    store = open_store(db, write=False)
    infos = store.scenarios(include_archived=all_)
    if json_path is not None:
        write_json_value([scenario_json(info) for info in infos], json_path)
        return
    console = listing_console()
    if not infos:
        console.print(
            f"No stored scenarios in {store.path}. Save one with"
            f" '{PROGRAM} scenarios import FILE' or '{PROGRAM} run FILE'.",
            markup=False,
        )
        return
    from saas_sim.render.store import scenarios_table

    console.print(scenarios_table(infos, show_archived=all_))


@app.command("show")
def show_command(
    *,
    reference: ReferenceArgument,
    json_path: ListingJsonOption = None,
    db: DbOption = None,
) -> None:
    """One revision of a scenario: its facts and its YAML as written."""
    revision = open_store(db, write=False).find_revision(reference)
    if json_path is not None:
        write_json_value(
            {**revision_json(revision), "yaml": revision.yaml_text, "scenario": revision.normalized}, json_path
        )
        return
    from rich.syntax import Syntax

    from saas_sim.render.store import revision_facts

    console = listing_console()
    console.print(revision_facts(revision))
    console.print()
    if console.is_terminal:
        console.print(Syntax(revision.yaml_text, "yaml", theme="ansi_dark", background_color="default"))
    else:
        console.file.write(revision.yaml_text)


@app.command("import")
def import_command(
    *,
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", show_default=False, help="Scenario YAML files; each is saved under its 'name'."
        ),
    ],
    db: DbOption = None,
) -> None:
    """Validate scenario files and save each as a new revision of its scenario (all or none)."""
    from saas_sim.errors import InputError
    from saas_sim.io.scenario import read_scenario_file

    read: list[tuple[str, Scenario]] = []
    problems: list[Problem | str] = []
    for file in files:
        try:
            read.append(read_scenario_file(file))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)  # nothing is saved
    saved = open_store(db).save_revisions(read)
    for result in saved:
        revision = result.revision
        if result.created:
            message = f"Imported '{revision.name}' as revision {revision.number}"
        else:
            message = f"'{revision.name}' unchanged: the same as its revision {revision.number}"
        if result.restored:
            message += " (restored from the archive)"
        typer.echo(message)


@app.command("export")
def export_command(
    *,
    reference: ReferenceArgument,
    file: Annotated[
        Path | None,
        typer.Argument(metavar="[FILE]", show_default=False, help="Where to write the YAML; '-' or nothing prints it."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite FILE if it exists.")] = False,
    db: DbOption = None,
) -> None:
    """Write a revision's YAML exactly as it was saved (import it again to get the same scenario)."""
    revision = open_store(db, write=False).find_revision(reference)
    if file is None or str(file) == "-":
        sys.stdout.write(revision.yaml_text)
        return
    try:
        with open(file, "w" if force else "x", encoding="utf-8", newline="") as out:
            out.write(revision.yaml_text)
    except FileExistsError:
        raise invalid_input(f"{file} already exists; pass --force to overwrite it") from None
    typer.echo(f"Wrote {file} ('{revision.name}' revision {revision.number})")


@app.command("history")
def history_command(
    *,
    name: NameArgument,
    json_path: ListingJsonOption = None,
    db: DbOption = None,
) -> None:
    """Every revision of a scenario, oldest first, with the fields each one changed."""
    from saas_sim.store.repository import changed_fields

    revisions = open_store(db, write=False).history(name)
    changes = [None] + [
        changed_fields(before.normalized, after.normalized) for before, after in itertools.pairwise(revisions)
    ]
    if json_path is not None:
        write_json_value([revision_json(r, c) for r, c in zip(revisions, changes, strict=True)], json_path)
        return
    from saas_sim.render.store import history_table

    console = listing_console()
    console.print(history_table(revisions, changes))
    console.print(
        f"Export one: {PROGRAM} scenarios export {shlex.quote(name + '@' + str(revisions[0].number))} FILE",
        style="dim",
        markup=False,
    )


@app.command("rm")
def rm_command(*, name: NameArgument, db: DbOption = None) -> None:
    """Archive a scenario: it leaves 'scenarios list'; its revisions and runs stay ('scenarios restore')."""
    if open_store(db, create=False).archive(name):
        typer.echo(
            f"Archived '{name}'; its revisions and runs are kept."
            f" Bring it back with: {PROGRAM} scenarios restore {shlex.quote(name)}"
        )
    else:
        typer.echo(f"'{name}' was already archived")


@app.command("restore")
def restore_command(*, name: NameArgument, db: DbOption = None) -> None:
    """Bring an archived scenario back into 'scenarios list'."""
    if open_store(db, create=False).restore(name):
        typer.echo(f"Restored '{name}'")
    else:
        typer.echo(f"'{name}' was not archived")
