"""``saas-sim metrics LEDGER.csv``: historical SaaS metrics from an MRR ledger (SPEC 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from saas_sim.cli.run import STDOUT, check_output_paths


def metrics_command(
    *,
    ledger: Annotated[Path, typer.Argument(
        metavar="LEDGER.csv", show_default=False,
        help="An MRR ledger: CSV with the header customer_id,month,mrr, month as YYYY-MM.")],
    json_path: Annotated[str | None, typer.Option(
        "--json", metavar="PATH|-",
        help="Write {months, series, cohorts} as JSON; '-' prints it, and only it, to stdout.")] = None,
    csv_path: Annotated[str | None, typer.Option(
        "--csv", metavar="PATH|-", help="Write the series as CSV, one row per month; '-' writes to stdout.")] = None,
    all_months: Annotated[bool, typer.Option(
        "--all", help="Show every month and cohort, not only the last 24.")] = False,
) -> None:
    """Month by month from an MRR ledger: new, expansion, contraction, churned and reactivation MRR
    (ChartMogul's definitions), customers, logo churn, NRR, GRR, quick ratio and cohort retention."""
    from saas_sim.analysis.ledger_metrics import ledger_metrics
    from saas_sim.io.ledger import read_ledger, write_metrics_csv
    from saas_sim.io.result import write_json

    check_output_paths(json_path=json_path, csv_path=csv_path)
    document = ledger_metrics(read_ledger(ledger))
    if json_path is not None:
        write_json(document, json_path)
    if csv_path is not None:
        write_metrics_csv(document, csv_path)
    if STDOUT in (json_path, csv_path):
        return
    print_report(document, source=str(ledger), all_months=all_months,
                 notes=[f"Wrote {path}" for path in (json_path, csv_path) if path is not None])


def print_report(document: dict, *, source: str, all_months: bool, notes: list[str]) -> None:
    """The rich report on stdout; charts and cohort heatmaps only on a terminal."""
    from rich.console import Console

    from saas_sim.render.ledger import ledger_report

    console = Console()
    console.print(ledger_report(document, source=source, charts=console.is_terminal, all_months=all_months))
    for note in notes:
        console.print(note, style="dim", highlight=False, markup=False, soft_wrap=True)
