"""The arguments and options several commands share, each declared once.

Commands take them as keyword-only ``Annotated`` parameters: ``def goal_command(*, file: FileArgument, ...)``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from saas_sim.errors import Problem

# A scenario file analysed by many runs (sensitivity, goal).
FileArgument = Annotated[Path, typer.Argument(metavar="FILE", show_default=False, help="A scenario YAML file.")]
PathsOption = Annotated[
    int | None, typer.Option(metavar="N", help="Monte-Carlo paths of every run, 1..1000000 (default: the scenario's)")
]
SeedOption = Annotated[
    int | None,
    typer.Option(metavar="S", help="The seed of every run, >= 0 (default: the scenario's, else a fresh one, reported)"),
]
JsonOption = Annotated[
    str | None,
    typer.Option("--json", metavar="PATH|-", help="Write the result as JSON; '-' prints it, and only it, to stdout."),
]

# The store (run, compare, tui, scenarios, runs).
DB_HELP = "The store's SQLite file (default: $SAAS_SIM_DB, else saas-sim.db in the user data directory)."
DbOption = Annotated[Path | None, typer.Option("--db", metavar="PATH", help=DB_HELP)]
ListingJsonOption = Annotated[
    str | None,
    typer.Option(
        "--json", metavar="PATH|-", help="Write JSON instead of a table; '-' prints it, and only it, to stdout."
    ),
]

# How an export is read (SPEC 6.1): metrics and fit.
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="COLUMN=NAME,...",
        help="Header names of your export, e.g. customer=Account,mrr=Amount (a subscriptions table: start=Created, "
        "end=Ended; keys: customer, month, mrr, start, end, amount, interval, quantity, cohort, period, active; names match "
        "case-insensitively; a name with spaces in quotes; other columns are ignored).",
    ),
]
DecimalOption = Annotated[
    str, typer.Option("--decimal", metavar=". | ,", help="The amounts' decimal mark: ',' reads 1.234,50 as 1234.50.")
]
DateFormatOption = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        metavar="FORMAT",
        help="Months in another form than 2024-01, 2024-01-31 or an ISO timestamp, as strptime reads them, "
        "e.g. %d/%m/%Y or %b %Y.",
    ),
]


def money_option(option: str, text: str | None, problems: list[Problem], *, negative: bool) -> float | None:
    """An amount as founders write it (``60000``, ``$60k``, ``€1.2M``), through the scenario files' own reader."""
    if text is None:
        return None
    from saas_sim.cli.boundary import option_problem
    from saas_sim.io.tables import MAX_AMOUNT
    from saas_sim.io.values import parse_number_text

    value = parse_number_text(text.strip())
    if value is None or not math.isfinite(value) or (value < 0 and not negative) or abs(value) > MAX_AMOUNT:
        least = "" if negative else " >= 0"
        problems.append(
            option_problem(option, f"must be an amount{least} up to 1e15 such as 60000 or $60k, got {text!r}")
        )
        return None
    return value
