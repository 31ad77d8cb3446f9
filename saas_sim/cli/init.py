"""``saas-sim init``: write a commented starter scenario."""

from __future__ import annotations

import shlex
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from saas_sim.cli.boundary import PROGRAM, invalid_input

TEMPLATE = "templates/starter.yaml"


def init_command(
    *,
    file: Annotated[Path, typer.Argument(help="Where to write the scenario; '-' prints it.")] = Path("scenario.yaml"),
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a commented starter scenario to FILE, ready to run."""
    text = resources.files("saas_sim").joinpath(TEMPLATE).read_text(encoding="utf-8")
    if str(file) == "-":
        typer.echo(text, nl=False)
        return
    try:
        with open(file, "w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise invalid_input(f"{file} already exists; pass --force to overwrite it") from None
    typer.echo(f"Wrote {file}. Next: {PROGRAM} run {shlex.quote(str(file))}")
