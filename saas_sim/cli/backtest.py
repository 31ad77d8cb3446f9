"""``saas-sim backtest HISTORY.csv (--at YYYY-MM | --rolling)``: how well the calibrated model would have
forecast your own history (SPEC 6.4)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from saas_sim.cli.boundary import option_problem
from saas_sim.cli.metrics import read_options
from saas_sim.cli.options import ColumnsOption, DateFormatOption, DecimalOption, money_option
from saas_sim.cli.run import STDOUT, check_output_paths
from saas_sim.errors import InputError

DEFAULT_MONTHS = 12  # as saas_sim.analysis.backtest's, which this module does not import at start
DEFAULT_PATHS = 2000
MAX_PATHS = 1_000_000


def backtest_command(
    *,
    history: Annotated[
        Path,
        typer.Argument(
            metavar="HISTORY.csv",
            show_default=False,
            help="An MRR ledger (customer_id, month, mrr) or a subscriptions table (customer_id, start, end, mrr "
            "or amount, interval), as exports write them: delimiter , ; or tab, other columns ignored.",
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="YYYY-MM", help="The cut-off: calibrate on the months up to it, forecast after."),
    ] = None,
    rolling: Annotated[
        bool,
        typer.Option(
            "--rolling",
            help="Every cut-off with at least 12 months of history up to it and --months after it; figures pooled.",
        ),
    ] = False,
    months: Annotated[
        int,
        typer.Option(
            "--months", metavar="M", help="Months forecast after a cut-off (with --at, capped by the data after it)."
        ),
    ] = DEFAULT_MONTHS,
    paths: Annotated[
        int, typer.Option("--paths", metavar="N", help="Monte-Carlo paths of each forecast, 1..1000000.")
    ] = DEFAULT_PATHS,
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="The seed of every forecast, >= 0.")] = 42,
    spend_monthly: Annotated[
        str | None,
        typer.Option(
            "--spend-monthly",
            metavar="X",
            help="Your monthly sales & marketing spend, passed to calibrate (gives cac = spend / new accounts).",
        ),
    ] = None,
    segment_by: Annotated[
        str | None,
        typer.Option(
            "--segment-by",
            metavar="COLUMN",
            help="Calibrate one segment per value of this column of the file (e.g. plan); the company's series "
            "are scored.",
        ),
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="PATH|-",
            help="Write {cutoffs, series: {name: {coverage_80, coverage_90, mape_p50, pit}}, ...} as JSON; "
            "'-' prints it, and only it, to stdout.",
        ),
    ] = None,
    columns: ColumnsOption = None,
    decimal: DecimalOption = ".",
    date_format: DateFormatOption = None,
) -> None:
    """Hold the calibrated model's forecasts against what really happened next in your history.

    For each cut-off: calibrate on the history up to it, simulate the months after, and count how often the actual customers, MRR, new and churned customers fell inside the p10-p90 and p5-p95 bands (nominal 80 % and 90 %); the p50's error and each actual's rank among the paths (PIT).
    """
    problems = []
    if (at is None) == (not rolling):
        problems.append(option_problem("--at", "give exactly one of --at YYYY-MM and --rolling"))
    if months < 1:
        problems.append(option_problem("--months", f"must be at least 1, got {months}"))
    if not 1 <= paths <= MAX_PATHS:
        problems.append(option_problem("--paths", f"must be between 1 and {MAX_PATHS:,}, got {paths}"))
    if seed < 0:
        problems.append(option_problem("--seed", f"must be >= 0, got {seed}"))
    at_month = None
    if at is not None:
        at_month = _month_option(at, problems)
    spend = None
    if spend_monthly is not None:
        spend = money_option("--spend-monthly", spend_monthly, problems, negative=False)
    if segment_by is not None and not segment_by.strip():
        problems.append(option_problem("--segment-by", "must name a column of the file"))
    if problems:
        raise InputError(problems)
    check_output_paths(json_path=json_path, csv_path=None)
    options = read_options(columns, decimal, date_format)
    if segment_by is not None:
        options = dataclasses.replace(options, segment_by=segment_by.strip())

    from saas_sim.analysis.backtest import BacktestOptions, BacktestRun
    from saas_sim.cli.progress import LateProgress
    from saas_sim.io.ledger import read_ledger_like
    from saas_sim.io.result import write_json

    ledger = read_ledger_like(history, options)
    run = BacktestRun(
        ledger,
        BacktestOptions(
            at=at_month,
            rolling=rolling,
            months=months,
            paths=paths,
            seed=seed,
            spend_monthly=spend,
            segment_by=options.segment_by,
        ),
    )
    with LateProgress("Backtesting", "cut-offs", time_left=True) as bar:
        for done, total in run.progress():
            bar.update(done, total)
    assert run.result is not None
    document = run.result.to_json()
    if json_path is not None:
        write_json(document, json_path)
        if json_path == STDOUT:
            return
    _print_report(document, source=str(history), notes=[f"Wrote {json_path}"] if json_path is not None else [])


def _month_option(text: str, problems: list) -> str | None:
    """``--at`` as ``YYYY-MM`` (a date or timestamp gives its month, as the files' months do)."""
    from saas_sim.io.ledger import month_label
    from saas_sim.io.tables import month_ordinal

    ordinal = month_ordinal(text.strip(), None)
    if ordinal is None:
        problems.append(option_problem("--at", f"must be a month as YYYY-MM, got '{text}'"))
        return None
    return month_label(ordinal)


def _print_report(document: dict, *, source: str, notes: list[str]) -> None:
    from rich.console import Console

    from saas_sim.render.backtest import BacktestReport

    console = Console()
    console.print(BacktestReport(document, source=source, charts=console.is_terminal))
    for note in notes:
        console.print(note, style="dim", highlight=False, markup=False, soft_wrap=True)
