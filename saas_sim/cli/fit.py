"""``saas-sim fit``: churn parameters from history (SPEC 6), and a snippet to paste into a scenario."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.boundary import option_problem
from saas_sim.cli.metrics import read_options
from saas_sim.cli.options import ColumnsOption, DateFormatOption, DecimalOption
from saas_sim.cli.run import STDOUT, check_output_paths
from saas_sim.errors import InputError, Problem

if TYPE_CHECKING:
    from saas_sim.analysis.fit import Estimate, FitResult
    from saas_sim.io.cohorts import CohortTable


def fit_command(
    *,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            show_default=False,
            help="A cohort survival table (columns cohort, period, active), an MRR ledger (customer_id, month, "
            "mrr) or a subscriptions table (customer_id, start, end, and mrr or amount, interval[, quantity]), as "
            "exports write them: delimiter , ; or tab, other columns ignored.",
        ),
    ],
    json_path: Annotated[
        str | None,
        typer.Option("--json", metavar="PATH|-", help="Write the fit as JSON; '-' prints it, and only it, to stdout."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="SNIPPET.yaml",
            help="Write the churn: block (and, from a ledger, arpa_monthly, expansion_monthly, contraction_monthly) "
            "to paste into a scenario's segment.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")] = False,
    columns: ColumnsOption = None,
    decimal: DecimalOption = ".",
    date_format: DateFormatOption = None,
) -> None:
    """Fit the shifted-beta-geometric churn model (Fader & Hardie 2007) to cohorts of customers.

    Constant churn beside it; alpha, beta, mean churn and heterogeneity with intervals; fitted vs observed survival.
    """
    from saas_sim.analysis.fit import fit_sbg
    from saas_sim.io.cohorts import read_history
    from saas_sim.io.result import write_json

    options = read_options(columns, decimal, date_format)
    check_output_paths(json_path=json_path, csv_path=None)
    check_snippet_path(out, force=force)
    history = read_history(file, options)
    try:
        result = fit_sbg(history.active)
    except InputError as error:  # nothing to fit: say which file
        raise InputError([Problem(history.source, None, "", str(p)) for p in error.problems]) from None
    if json_path is not None:
        write_json(fit_document(result, history), json_path)
    if out is not None:
        out.write_text(snippet(result, history), encoding="utf-8")
    if json_path == STDOUT:
        return
    from rich.console import Console

    from saas_sim.render.fit import fit_report

    console = Console()
    console.print(fit_report(result, history))
    for written in (json_path, out):
        if written is not None:
            console.print(f"Wrote {written}", style="dim", highlight=False, markup=False)


def check_snippet_path(out: Path | None, *, force: bool) -> None:
    """Refuse an --out that cannot be written, or that exists without --force, before any work."""
    if out is None:
        return
    if out.is_dir():
        problem = f"must name a file, got the directory {out}"
    elif not out.resolve().parent.is_dir():
        problem = f"no such directory for {out}"
    elif out.exists() and not force:
        problem = f"{out} exists; add --force to overwrite it"
    else:
        return
    raise InputError([option_problem("--out", problem)])


def fit_document(result: FitResult, history: CohortTable) -> dict:
    """SPEC 6's JSON: the fit, the file it came from and, from a ledger, what the ledger says besides churn."""
    document = {
        **result.to_json(),
        "source": history.source,
        "kind": history.kind,
        "cohort_labels": list(history.labels),
    }
    if history.ledger is not None:
        document["ledger"] = {**history.ledger.to_json(), "held_customer_months": history.held}
    return document


def snippet_number(value: float, digits: int = 4) -> float:
    """``value`` to ``digits`` significant digits, and as many more as a share close to 1 needs to stay apart
    from 1 (0.999999999999, not 1.0); never -0.0."""
    if 0.5 < value < 1:
        digits = max(digits, math.ceil(-math.log10(1 - value)) + 2)
    return float(f"{value:.{digits}g}") + 0.0


def _interval(estimate: Estimate) -> str:
    if estimate.low is None and estimate.se is not None:
        return "no interval: the data do not bound it"
    if estimate.low is None or estimate.high is None:  # both or neither
        return "no interval: at the edge of the parameter space"
    return f"95 %: {snippet_number(estimate.low)} .. {snippet_number(estimate.high)}"


def snippet(result: FitResult, history: CohortTable) -> str:
    """The YAML block for a segment: churn as mean churn and heterogeneity (SPEC 2.2), alpha/beta in a comment.

    With a period of one month and ``contract_months: 1`` the two forms are the same model:
    monthly = alpha / (alpha + beta), heterogeneity = 1 / (alpha + beta + 1).
    """
    alpha, beta = snippet_number(result.alpha.value, 6), snippet_number(result.beta.value, 6)
    unit = "month" if history.kind == "ledger" else "period"
    lines = [
        f"# Fitted by saas-sim fit from {history.source} on {date.today().isoformat()}:",
        f"# shifted-beta-geometric churn, {result.cohorts} cohorts, {result.acquired:,} customers, "
        f"{unit}s 0..{result.periods}.",
        f"# alpha = {alpha} ({_interval(result.alpha)}), beta = {beta} ({_interval(result.beta)}).",
        "# Paste under a segment (indented).  The churn below is per period, for a segment with",
        "# contract_months: 1 (a period = a month); if a period of your history is a contract term",
        f"# of C months, use instead:  churn: {{alpha: {alpha}, beta: {beta}}}",
    ]
    if result.fits_poorly:
        lines.append("# Warning: the sBG model does not describe this history well (see saas-sim fit's report).")
    if result.alpha.se is None:
        lines.append(
            "# Warning: the fit is at the edge of the parameter space (churn looks the same for every "
            "customer, or the data are too few): no intervals, and alpha and beta are where the search "
            "stopped, not estimates."
        )
    one_period = result.periods == 1
    if one_period:
        lines.append(
            "# Warning: one period of history: only the mean churn is estimated; heterogeneity needs two "
            "periods or more, so it is left to the scenario's default."
        )
    lines += [
        "churn:",
        f"  monthly: {snippet_number(result.mean_churn.value)}  # mean churn, alpha / (alpha + beta) "
        f"({_interval(result.mean_churn)})",
    ]
    if not one_period:
        lines.append(
            f"  heterogeneity: {snippet_number(result.heterogeneity.value)}  # 1 / (alpha + beta + 1) "
            f"({_interval(result.heterogeneity)})"
        )
    if history.ledger is not None:
        rates = history.ledger
        lines += [
            f"arpa_monthly: {snippet_number(rates.arpa_monthly, 6)}  # first-month MRR of the customers who joined "
            "in the last 6 months with signups",
            f"expansion_monthly: {snippet_number(rates.expansion_monthly)}  # MRR increase of customers active two "
            "months in a row, share of their MRR",
            f"contraction_monthly: {snippet_number(rates.contraction_monthly)}  # their MRR decrease, same basis",
        ]
    return "\n".join(lines) + "\n"
