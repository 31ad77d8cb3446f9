"""The report of ``saas-sim fit``: parameters with intervals, the verdicts, fitted vs observed survival.

Reads a :class:`~saas_sim.analysis.fit.FitResult` and returns rich
renderables.  The survival table lists every observed period (customers at
risk, churners, observed and fitted survival, the constant-churn fit beside
it), then the sBG's projection 1, 3, 6, 9 and 12 periods past the data.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from saas_sim.analysis.fit import FitResult
from saas_sim.io.cohorts import CohortTable
from saas_sim.render.format import format_count, format_money

PROJECTION_STEPS = (1, 3, 6, 9, 12)


def _number(value: float) -> str:
    return f"{value:.4g}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def _p_value(p: float) -> str:
    return "p < 1e-10" if p < 1e-10 else f"p = {p:.2g}"


def parameters_table(result: FitResult) -> Table:
    """α, β, mean churn and heterogeneity with their 95 % intervals."""
    table = Table(box=box.SIMPLE_HEAD, title="Shifted-beta-geometric fit", title_justify="left", pad_edge=False)
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    table.add_column("95 % interval", justify="right")
    table.add_column("", style="dim")
    rows = (
        ("alpha", result.alpha, _number, ""),
        ("beta", result.beta, _number, ""),
        ("mean churn per period", result.mean_churn, _share, "alpha / (alpha + beta), at the first renewal"),
        ("heterogeneity", result.heterogeneity, _number, "1 / (alpha + beta + 1); 0 = everyone alike"),
    )
    for name, estimate, show, note in rows:
        interval = (
            "—" if estimate.low is None or estimate.high is None else f"{show(estimate.low)} .. {show(estimate.high)}"
        )
        table.add_row(name, show(estimate.value), interval, note)
    table.add_row("log-likelihood", f"{result.log_likelihood:,.1f}", "", "")
    return table


def verdicts(result: FitResult) -> Text:
    """Heterogeneity (likelihood ratio against constant churn) and goodness of fit, one line each, then warnings."""
    text = Text()
    constant = f"constant churn {_share(result.homogeneous_churn)} per period"
    test = (
        f"likelihood ratio {result.lr_statistic:,.1f}, {_p_value(result.lr_p_value)} "
        "(50:50 chi-square 0:1 mixture: the constant model is the boundary alpha + beta -> inf)"
    )
    if result.heterogeneity_matters:
        text.append("✓ Heterogeneity matters: ", style="bold green")
        text.append(f"churn falls with tenure as the likeliest churners leave; the sBG beats {constant}: {test}\n")
    else:
        text.append("· Heterogeneity does not matter here: ", style="bold")
        text.append(f"{constant} describes the data as well: {test}\n")
    if result.chi_square is not None and result.chi_square_p_value is not None:  # both or neither
        fit = (
            f"Pearson chi-square {result.chi_square:.1f} on {result.chi_square_df} df, "
            f"{_p_value(result.chi_square_p_value)}; largest survival gap "
            f"{100 * result.max_survival_gap:.1f} points"
        )
    else:
        fit = f"largest survival gap {100 * result.max_survival_gap:.1f} points"
    if result.fits_poorly:
        text.append("✗ The model does not describe these data well: ", style="bold red")
    else:
        text.append("✓ The model describes the data: ", style="bold green")
    text.append(fit)
    for warning in result.warnings:
        text.append("\n! ", style="bold yellow")
        text.append(warning, style="yellow")
    return text


def survival_table(result: FitResult, period_name: str = "period") -> Table:
    """Observed vs fitted survival per period, then the projection past the data."""
    table = Table(
        box=box.SIMPLE_HEAD, title="Survival: observed vs fitted, then projected", title_justify="left", pad_edge=False
    )
    for name in (period_name, "at risk", "churned", "expected", "observed", "sBG", "constant"):
        table.add_column(name, justify="right")
    last = result.periods
    for n in range(last + 1):
        if n == 0:
            table.add_row("0", format_count(result.at_risk[0]), "", "", "100.0 %", "100.0 %", "100.0 %")
            continue
        table.add_row(
            str(n),
            format_count(result.at_risk[n]),
            format_count(result.churned_per_period[n]),
            f"{result.expected_churned_per_period[n]:,.1f}",
            f"{100 * result.observed_survival[n]:.1f} %",
            f"{100 * result.survival[n]:.1f} %",
            f"{100 * result.homogeneous_survival[n]:.1f} %",
        )
    for step in PROJECTION_STEPS:
        n = last + step
        table.add_row(
            f"+{step}: {n}",
            "",
            "",
            "",
            "",
            f"{100 * result.survival[n]:.1f} %",
            f"{100 * result.homogeneous_survival[n]:.1f} %",
            style="dim",
        )
    return table


def fit_report(result: FitResult, history: CohortTable) -> RenderableType:
    """The whole report of ``saas-sim fit``."""
    unit = "month" if history.kind == "ledger" else "period"
    head = Text()
    head.append(f"{history.source}", style="bold")
    head.append(
        f": {result.cohorts} cohorts, {format_count(result.acquired)} customers, "
        f"{format_count(result.churned)} churned, {unit}s 0..{result.periods}"
    )
    if history.kind == "ledger":
        head.append(f" (an MRR ledger: cohorts by signup month, {history.labels[0]} .. {history.labels[-1]})")
    parts: list[RenderableType] = [
        head,
        parameters_table(result),
        verdicts(result),
        Text(),
        survival_table(result, unit),
    ]
    projected = result.projected_active
    parts.append(
        Text(
            f"Customers of these cohorts still active: {format_count(projected[0])} now, "
            f"{format_count(projected[-1])} expected {len(projected) - 1} {unit}s later."
        )
    )
    if history.ledger is not None:
        rates = history.ledger
        ledger = Text("From the ledger: ", style="bold")
        ledger.append(
            f"new customers' MRR {format_money(rates.arpa_monthly)} (MRR per active customer "
            f"{format_money(rates.arpa_all_monthly)}), expansion {_share(rates.expansion_monthly)} and "
            f"contraction {_share(rates.contraction_monthly)} of MRR a month; "
            f"{format_count(rates.reactivations)} reactivations",
            style="",
        )
        if history.held:
            ledger.append(
                f" ({format_count(history.held)} customer-months of returning customers not counted as survival)"
            )
        parts.append(ledger)
    return Group(*parts)
