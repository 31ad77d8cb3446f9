"""``saas-sim metrics LEDGER.csv``: historical SaaS metrics from an MRR ledger (SPEC 6)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.boundary import option_problem
from saas_sim.cli.options import ColumnsOption, DateFormatOption, DecimalOption
from saas_sim.cli.run import STDOUT, check_output_paths
from saas_sim.errors import InputError

if TYPE_CHECKING:
    from saas_sim.io.tables import ReadOptions


def read_options(columns: str | None, decimal: str, date_format: str | None) -> ReadOptions:
    """The options of SPEC 6.1 checked, each bad one a problem naming it (exit 2)."""
    from saas_sim.io.tables import ReadOptions, check_date_format_option, check_decimal_option, parse_columns_option

    problems = []
    values: dict = {}
    for option, name, check, text in (
        ("--columns", "columns", parse_columns_option, columns),
        ("--decimal", "decimal", check_decimal_option, decimal),
        ("--date-format", "date_format", check_date_format_option, date_format),
    ):
        if text is None:
            continue
        try:
            values[name] = check(text)
        except ValueError as error:
            problems.append(option_problem(option, str(error)))
    if problems:
        raise InputError(problems)
    return ReadOptions(**values)


def metrics_command(
    *,
    ledger: Annotated[
        Path,
        typer.Argument(
            metavar="LEDGER.csv",
            show_default=False,
            help="An MRR ledger: CSV with the columns customer_id, month, mrr (delimiter , ; or tab; months as "
            '2024-01, 2024-01-31 or ISO timestamps; amounts like 1234.50 or "$1,234.50"); or a subscriptions '
            "table: customer_id, start, end, mrr (or amount, interval and optionally quantity), end empty while "
            "active.",
        ),
    ],
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="PATH|-",
            help="Write {months, series, cohorts} as JSON; '-' prints it, and only it, to stdout.",
        ),
    ] = None,
    csv_path: Annotated[
        str | None,
        typer.Option(
            "--csv", metavar="PATH|-", help="Write the series as CSV, one row per month; '-' writes to stdout."
        ),
    ] = None,
    all_months: Annotated[
        bool, typer.Option("--all", help="Show every month and cohort, not only the last 24.")
    ] = False,
    columns: ColumnsOption = None,
    decimal: DecimalOption = ".",
    date_format: DateFormatOption = None,
) -> None:
    """Month by month from an MRR ledger or subscriptions table: MRR movements, customers, logo churn, NRR, GRR and quick ratio; cohorts.

    The movements are new, expansion, contraction, churned and reactivation MRR, as ChartMogul defines them.
    """
    from saas_sim.analysis.ledger_metrics import ledger_metrics
    from saas_sim.io.ledger import read_ledger_like, write_metrics_csv
    from saas_sim.io.result import write_json

    options = read_options(columns, decimal, date_format)
    check_output_paths(json_path=json_path, csv_path=csv_path)
    document = ledger_metrics(read_ledger_like(ledger, options))
    if json_path is not None:
        write_json(document, json_path)
    if csv_path is not None:
        write_metrics_csv(document, csv_path)
    if STDOUT in (json_path, csv_path):
        return
    print_report(
        document,
        source=str(ledger),
        all_months=all_months,
        notes=[f"Wrote {path}" for path in (json_path, csv_path) if path is not None],
    )


def print_report(document: dict, *, source: str, all_months: bool, notes: list[str]) -> None:
    """The rich report on stdout; charts and cohort heatmaps only on a terminal."""
    from rich.console import Console

    from saas_sim.render.ledger import ledger_report

    console = Console()
    console.print(ledger_report(document, source=source, charts=console.is_terminal, all_months=all_months))
    for note in notes:
        console.print(note, style="dim", highlight=False, markup=False, soft_wrap=True)
