"""The ``saas-sim`` command line (SPEC 4).

Start-up stays light: command modules import only typer at the top and load
the engine, numpy and rich inside the command functions.
"""

from __future__ import annotations

from typing import Annotated

import typer

from saas_sim import __version__
from saas_sim.cli.boundary import PROGRAM, CommandBoundary
from saas_sim.cli.init import init_command
from saas_sim.cli.run import run_command

app = typer.Typer(
    cls=CommandBoundary,
    name=PROGRAM,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"{PROGRAM} {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    *,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", envvar="SAAS_SIM_DEBUG", help="Show the traceback of a failure.")] = False,
) -> None:
    """Monte-Carlo simulator of SaaS unit economics: ARR, NRR, LTV/CAC, payback and cash as fan charts."""


app.command("run")(run_command)
app.command("init")(init_command)


def main() -> None:
    """The console script: exit 0 on success, 2 on invalid input, 1 on any other failure."""
    app(prog_name=PROGRAM)
