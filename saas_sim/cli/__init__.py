"""The ``saas-sim`` command line (SPEC 4).

Start-up stays light: command modules import only typer at the top and load
the engine, numpy and rich inside the command functions.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from saas_sim import __version__
from saas_sim.cli.boundary import PROGRAM, CommandBoundary
from saas_sim.cli.compare import compare_command
from saas_sim.cli.fit import fit_command
from saas_sim.cli.goal import goal_command
from saas_sim.cli.init import init_command
from saas_sim.cli.metrics import metrics_command
from saas_sim.cli.run import run_command
from saas_sim.cli.runs import app as runs_app
from saas_sim.cli.scenarios import app as scenarios_app
from saas_sim.cli.sensitivity import sensitivity_command
from saas_sim.cli.tui import tui_command
from saas_sim.cli.workshop import workshop_command

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
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="SAAS_SIM_DEBUG", help="Show the traceback of a failure.")
    ] = False,
) -> None:
    """Monte-Carlo simulator of SaaS unit economics: ARR and cash as fan charts; NRR, LTV/CAC and payback with their ranges."""


app.command("run")(run_command)
app.command("tui")(tui_command)
app.command("workshop")(workshop_command)
app.command("compare")(compare_command)
app.command("init")(init_command)
app.command("sensitivity")(sensitivity_command)
app.command("goal")(goal_command)
app.command("fit")(fit_command)
app.command("metrics")(metrics_command)
app.add_typer(scenarios_app)
app.add_typer(runs_app)


def main() -> None:
    """The console script: exit 0 on success, 2 on invalid input, 1 on any other failure.

    Usage errors (an unknown option, a missing argument) are one line on
    stderr, like every other problem.
    """
    try:
        from typer._click import exceptions as click  # recent typer vendors click
    except ImportError:  # pragma: no cover - typer versions that depend on click
        from click import exceptions as click

    args = sys.argv[1:]
    if "--debug" in args[1:]:  # accepted anywhere, as the failure message suggests it
        args = ["--debug", *(arg for arg in args if arg != "--debug")]
    try:
        code = app(args, prog_name=PROGRAM, standalone_mode=False)
    except click.NoArgsIsHelpError as error:  # a bare command: show its help
        path = error.ctx.command_path.split()[1:] if error.ctx else []
        app([*path, "--help"], prog_name=PROGRAM, standalone_mode=False)
        code = error.exit_code
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else PROGRAM
        message = " ".join(error.format_message().split())
        print(f"{command}: {message} (see '{command} --help')", file=sys.stderr)
        code = error.exit_code
    except click.ClickException as error:
        print(f"{PROGRAM}: {' '.join(error.format_message().split())}", file=sys.stderr)
        code = error.exit_code
    except typer.Abort:
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
