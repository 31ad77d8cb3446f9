"""``saas-sim calibrate HISTORY.csv``: a whole, commented scenario from a company's billing history (SPEC 6.3)."""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path
from typing import Annotated

import typer

from saas_sim.cli.boundary import PROGRAM, option_problem
from saas_sim.cli.metrics import read_options
from saas_sim.cli.options import ColumnsOption, DateFormatOption, DecimalOption, money_option
from saas_sim.errors import InputError, Problem

DEFAULT_HORIZON = 24  # as saas_sim.analysis.calibrate's, which this module does not import at start
MAX_HORIZON = 240


def calibrate_command(
    *,
    history: Annotated[
        Path,
        typer.Argument(
            metavar="HISTORY.csv",
            show_default=False,
            help="An MRR ledger (customer_id, month, mrr) or a subscriptions table (customer_id, start, end, mrr "
            "or amount, interval) as billing systems export them: delimiter , ; or tab, other columns ignored.",
        ),
    ],
    spend_monthly: Annotated[
        str | None,
        typer.Option(
            "--spend-monthly",
            metavar="X",
            help="Your monthly sales & marketing spend, e.g. 60000 or $60k: cac = spend / new accounts a month. "
            "Without it the spend is the recent pace of new accounts with cac 1.",
        ),
    ] = None,
    cash: Annotated[
        str | None, typer.Option("--cash", metavar="X", help="Cash in the bank at the as-of month, e.g. $1.2M.")
    ] = None,
    fixed_costs: Annotated[
        str | None,
        typer.Option("--fixed-costs", metavar="X", help="Monthly costs besides S&M, COGS and CS, e.g. 150k."),
    ] = None,
    segment_by: Annotated[
        str | None,
        typer.Option(
            "--segment-by",
            metavar="COLUMN",
            help="One segment per value of this column of the file (e.g. plan); a customer is in the segment of its "
            "last row up to the as-of month.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM",
            help="Calibrate on the months up to this one, the start of the forecast (default: the file's last).",
        ),
    ] = None,
    horizon: Annotated[
        int,
        typer.Option("--horizon", metavar="M", help=f"Months to forecast after the as-of month, 1..{MAX_HORIZON}."),
    ] = DEFAULT_HORIZON,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Write the scenario to FILE and print a summary (default: stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing --out file.")] = False,
    columns: ColumnsOption = None,
    decimal: DecimalOption = ".",
    date_format: DateFormatOption = None,
) -> None:
    """Write a runnable scenario calibrated on your own billing history, every value with where it came from.

    It starts where the company is at the as-of month, exactly (customers and MRR by tenure); churn is fitted.
    """
    problems: list[Problem] = []
    spend = money_option("--spend-monthly", spend_monthly, problems, negative=False)
    cash_amount = money_option("--cash", cash, problems, negative=True)
    fixed = money_option("--fixed-costs", fixed_costs, problems, negative=False)
    if not 1 <= horizon <= MAX_HORIZON:
        problems.append(option_problem("--horizon", f"must be between 1 and {MAX_HORIZON}, got {horizon}"))
    month = _month_option(as_of, problems)
    if segment_by is not None and not segment_by.strip():
        problems.append(option_problem("--segment-by", "must name a column of the file"))
    if out is not None:
        if out.is_dir():
            problems.append(option_problem("--out", f"must name a file, got the directory {out}"))
        elif not out.resolve().parent.is_dir():
            problems.append(option_problem("--out", f"no such directory for {out}"))
        elif out.exists() and not force:
            problems.append(option_problem("--out", f"{out} already exists; pass --force to overwrite it"))
    if problems:
        raise InputError(problems)
    options = read_options(columns, decimal, date_format)
    if segment_by is not None:
        options = dataclasses.replace(options, segment_by=segment_by.strip())

    from saas_sim.analysis.calibrate import CalibrateOptions, calibrate_ledger, summary_lines
    from saas_sim.io.ledger import read_ledger_like

    ledger = read_ledger_like(history, options)
    calibration = calibrate_ledger(
        ledger,
        CalibrateOptions(
            spend_monthly=spend,
            cash=cash_amount,
            fixed_costs=fixed,
            segment_by=options.segment_by,
            as_of=month,
            horizon=horizon,
        ),
    )
    if out is None:
        typer.echo(calibration.text, nl=False)
        return
    out.write_text(calibration.text, encoding="utf-8")
    for line in summary_lines(calibration):
        typer.echo(line)
    typer.echo(f"Wrote {out}. Next: {PROGRAM} run {shlex.quote(str(out))}")


def _month_option(text: str | None, problems: list[Problem]) -> str | None:
    """``--as-of`` as ``YYYY-MM`` (a date or timestamp gives its month, as the files' months do)."""
    if text is None:
        return None
    from saas_sim.io.ledger import month_label
    from saas_sim.io.tables import month_ordinal

    ordinal = month_ordinal(text.strip(), None)
    if ordinal is None:
        problems.append(option_problem("--as-of", f"must be a month as YYYY-MM, got {text!r}"))
        return None
    return month_label(ordinal)
