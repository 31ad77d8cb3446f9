"""The ``saas-sim`` command line (SPEC 4).

Start-up stays light: command modules import only typer at the top and load
the engine, numpy and rich inside the command functions.
"""

from __future__ import annotations

import os
import sys

# One BLAS thread: the only BLAS work here is the churn fit's optimizer on vectors of two, where OpenBLAS's
# threads spin for nothing (backtest --rolling on a million rows: 9.9 s of CPU for 7.1 s of wall time with
# them, 7.7 s for 7.2 s without; twice the wall time on a loaded machine).  Set before numpy is imported;
# a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from typing import Annotated

import typer

from saas_sim import __version__
from saas_sim.cli.backtest import backtest_command
from saas_sim.cli.boundary import PROGRAM, CommandBoundary
from saas_sim.cli.calibrate import calibrate_command
from saas_sim.cli.compare import compare_command
from saas_sim.cli.fit import fit_command
from saas_sim.cli.goal import goal_command
from saas_sim.cli.init import init_command
from saas_sim.cli.map import map_command
from saas_sim.cli.metrics import metrics_command
from saas_sim.cli.report import report_command
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
app.command("calibrate")(calibrate_command)
app.command("backtest")(backtest_command)
app.command("report")(report_command)
app.command("map")(map_command)
app.add_typer(scenarios_app)
app.add_typer(runs_app)


# The command groups that show their help when given nothing (``saas-sim scenarios``).
GROUPS = (scenarios_app, runs_app)


def main() -> None:
    """The console script: exit 0 on success, 2 on invalid input, 1 on any other failure.

    Usage errors (an unknown option, a missing argument) are one line on
    stderr, like every other problem.
    """
    args = sys.argv[1:]
    if "--debug" in args[1:]:  # accepted anywhere, as the failure message suggests it
        args = ["--debug", *(arg for arg in args if arg != "--debug")]
    bare = bare_command(args)
    if bare is not None:  # shown here, once: typer's own way prints it as it raises, then again
        app([*bare, "--help"], prog_name=PROGRAM, standalone_mode=False)
        sys.exit(2)  # the command needs more: a usage error
    try:
        code = app(args, prog_name=PROGRAM, standalone_mode=False)
    except typer.TyperException as error:  # typer's base of every usage error (typer >= 0.27.2)
        message = " ".join(error.format_message().split())
        if hasattr(error, "ctx"):  # a usage error: it knows the command it was made for (or None)
            command = error.ctx.command_path if error.ctx is not None else PROGRAM
            print(f"{command}: {message} (see '{command} --help')", file=sys.stderr)
        else:
            print(f"{PROGRAM}: {message}", file=sys.stderr)
        code = error.exit_code
    except typer.Abort:
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


def bare_command(args: list[str]) -> list[str] | None:
    """The words of a group given nothing (``[]`` for ``saas-sim``, ``["scenarios"]``), else None.

    ``saas-sim --debug`` alone is no bare command: the program was given an option, and asks for a command.
    """
    if not args:
        return []
    words = args[1:] if args[0] == "--debug" else args
    if len(words) == 1 and words[0] in {group.info.name for group in GROUPS}:
        return words
    return None
