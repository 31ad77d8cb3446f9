"""The report of SPEC 7: one self-contained HTML page, its charts as PNGs for slides.

:func:`report_html` renders one run or two (``report A B``, side by side as ``compare``) with the
jinja2 template ``templates/report.html.j2``: the charts inline as SVG (:mod:`saas_sim.render.charts`),
the styles in the page, no script but the result document itself as inline JSON data (``<script
type="application/json">``, which a browser never runs), so the page opens offline, can be mailed,
and anyone can take the numbers behind it.  Every figure the page writes is the run's result
document's, formatted as the terminal formats it (:mod:`saas_sim.render.format`); a table cell that
shows a number carries it whole in ``data-value`` so that a reader's tool (and the tests) can check it.

matplotlib and jinja2 are imported here, and this module only by the commands that write a report.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from saas_sim import __version__
from saas_sim.analysis.inputs import InputRow, input_rows
from saas_sim.analysis.plan import Plan, plan_of
from saas_sim.analysis.report import ReportRun
from saas_sim.model.catalog.metrics import statistic_name
from saas_sim.model.result import NO_STATISTIC, Result
from saas_sim.render.charts import Chart, all_charts, png_bytes, svg_text
from saas_sim.render.compare import format_difference, format_relative, metric_differences
from saas_sim.render.format import MISSING, format_money, format_rate, formatter_for, metric_label
from saas_sim.render.summary import LABELS, SECTIONS, currency_of, never_note, statistic_text

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Cell:
    """A figure as shown, with the number it shows (``None``: no number, such as "never" or a dash)."""

    text: str
    value: float | None = None
    metric: str = ""
    stat: str = ""


def _label(metric: str) -> str:
    """As the terminal's tables label it: ``Cash out month (when out)``."""
    return LABELS.get(metric, metric_label(metric))


def _cell(metric: str, result: Result, stat: str) -> Cell:
    stats = result.summary.get(metric, NO_STATISTIC)
    fmt = (
        formatter_for(metric, currency_of(result))
        if stat != "mean" or statistic_name(metric) != "mean"
        else format_rate
    )
    return Cell(statistic_text(metric, stats, stat, fmt), stats.stat(stat), metric, stat)


def kpi_rows(result: Result) -> list[dict[str, Any]]:
    """The key-metrics table as the terminal's: p10/p50/p90 (a probability: its mean, as p50)."""
    rows: list[dict[str, Any]] = []
    for title, metrics in SECTIONS:
        rows.append({"section": title})
        for metric in metrics:
            if metric not in result.summary:
                continue
            stats = result.summary[metric]
            if statistic_name(metric) == "mean":
                cells = [Cell(""), _cell(metric, result, "mean"), Cell("")]
            else:
                cells = [_cell(metric, result, stat) for stat in ("p10", "p50", "p90")]
            rows.append({"label": _label(metric), "metric": metric, "cells": cells, "note": never_note(stats)})
    return rows


def glance(result: Result) -> list[dict[str, Any]]:
    """The page's first lines: where ARR and cash end, the chance of running out, the focus."""
    items = []
    for metric, label in (("arr_end", "ARR"), ("cash_end", "Cash"), ("customers_end", "Customers")):
        if metric in result.summary:
            low, high = _cell(metric, result, "p10").text, _cell(metric, result, "p90").text
            items.append(
                {
                    "label": f"{label} at month {result.horizon_months} (p50)",
                    "cell": _cell(metric, result, "p50"),
                    "range": f"p10–p90: {low} – {high}",
                }
            )
    if "out_of_cash" in result.summary:
        items.append(
            {"label": "Chance of running out of cash", "cell": _cell("out_of_cash", result, "mean"), "range": ""}
        )
    items.append({"label": "Focus", "cell": Cell(result.diagnosis.focus.upper()), "range": result.diagnosis.advice})
    return items


def difference_rows(a: Result, b: Result) -> list[dict[str, Any]]:
    """Every summary metric of both runs with B − A, as ``compare`` shows them."""
    currency = currency_of(a)
    rows = []
    for row in metric_differences(a, b):
        fmt, fmt_b = (
            (formatter_for(row.metric, currency), formatter_for(row.metric, currency_of(b)))  # each in its own
            if row.statistic != "mean"
            else (format_rate, format_rate)
        )
        rows.append(
            {
                "label": _label(row.metric) + (" (mean)" if row.statistic == "mean" else ""),
                "metric": row.metric,
                "a": Cell("never" if row.a_never else fmt(row.a), row.a, row.metric, row.statistic),
                "b": Cell("never" if row.b_never else fmt_b(row.b), row.b, row.metric, row.statistic),
                "absolute": format_difference(row.metric, row.absolute, currency),
                "relative": format_relative(row.relative),
            }
        )
    return rows


def _plan_cells(plan: Plan, currency: str) -> list[dict[str, Any]]:
    money = formatter_for("arr_end", currency)
    count = formatter_for("customers_end", currency)
    return [
        {
            "label": row.label,
            "kind": row.kind,
            "cells": [
                Cell(count(row.customers), row.customers),
                Cell(count(row.new), row.new),
                Cell(count(row.churned), row.churned),
                Cell(money(row.mrr), row.mrr),
                Cell(money(row.arr), row.arr),
                Cell(f"{money(row.arr_p10)} – {money(row.arr_p90)}"),
                Cell(money(row.spend), row.spend),
                Cell(money(row.burn), row.burn),
                Cell(money(row.cash), row.cash),
                Cell(f"{money(row.cash_p10)} – {money(row.cash_p90)}"),
            ],
        }
        for row in [*plan.years, *plan.months]
    ]


def _exact(value: float, row: InputRow, currency: str) -> str:
    """An input as typed, never rounded: ``1.5%``, ``$1,234,567``, ``12``."""
    if row.percent:
        return f"{100 * value:,.10g}%"
    text = f"{value:,.10g}"
    if row.unit == "money":
        return format_money(0.0, currency).replace("0", text, 1)
    return text


def _input_cells(rows: Sequence[InputRow], currency: str) -> list[dict[str, str]]:
    out = []
    for row in rows:
        value = row.value
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int | float):
            text = _exact(float(value), row, currency)
        elif value is None:
            text = MISSING
        else:
            text = str(value)
        uncertainty = ""
        if row.distribution:
            uncertainty = row.distribution
            if row.low is not None and row.high is not None:
                uncertainty += f": {_exact(row.low, row, currency)} – {_exact(row.high, row, currency)}"
        out.append({"field": row.field, "value": text, "uncertainty": uncertainty, "note": row.note})
    return out


def _run_facts(run: ReportRun) -> dict[str, Any]:
    result = run.result
    return {
        "label": run.label,
        "source": run.source,
        "run_id": run.run_id,
        "paths": f"{result.paths:,}",
        "seed": result.seed,
        "horizon": result.horizon_months,
        "engine": result.engine_version,
        "elapsed": f"{result.elapsed_s:.1f} s",
        "reproduce": f"saas-sim run {_shell_word(run.source)} --seed {result.seed} --paths {result.paths}"
        f" --horizon {result.horizon_months}",
        "note": run.note,
    }


def _shell_word(word: str) -> str:
    return shlex.quote(word)


def _programs(result: Result) -> list[dict[str, Any]]:
    """Each program against the plan without it (SPEC 2.7): its effects' means, p10–p90 under each."""
    from saas_sim.render.programs import EFFECTS

    currency = currency_of(result)
    rows = []
    for name, effects in result.programs.items():
        cells = []
        for effect in EFFECTS:
            stats = effects.get(effect.name, NO_STATISTIC)
            fmt = effect.formatter(currency)
            low, high = fmt(stats.p10), fmt(stats.p90)
            span = "" if low == high else f"{low} – {high}"
            cells.append({"effect": effect.name, "text": fmt(stats.mean), "value": stats.mean, "range": span})
        rows.append({"name": name, "cells": cells})
    return rows


def _program_headers(results: Sequence[Result]) -> list[str]:
    from saas_sim.render.programs import EFFECTS

    return [effect.heading(currency_of(results[0])) for effect in EFFECTS]


def _diagnosis(result: Result) -> dict[str, Any]:
    currency = currency_of(result)
    checks = []
    for check in result.diagnosis.checks:
        value = formatter_for(check.metric, currency)(check.value)
        if check.value is None and check.status != "n/a" and check.never:
            value = "never"
        checks.append(
            {
                "status": check.status,
                "label": _label(check.metric),
                "value": Cell(value if check.status != "n/a" else MISSING, check.value, check.metric),
                "advice": check.advice,
            }
        )
    return {"focus": result.diagnosis.focus, "advice": result.diagnosis.advice, "checks": checks}


def environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = _number
    return environment


def _number(value: float | None) -> str:
    """A ``data-value``: the number whole (repr), empty when there is none."""
    return "" if value is None else repr(float(value))


def _data_json(runs: Sequence[ReportRun]) -> Markup:
    """The result document(s) as inline JSON, safe inside ``<script>`` (no ``</``)."""
    document: Any = runs[0].result.to_json() if len(runs) == 1 else {
        "a": runs[0].result.to_json(), "b": runs[1].result.to_json()
    }  # fmt: skip
    return safe_json(document)


def safe_json(document: Any) -> Markup:
    """JSON that cannot end the ``<script>`` it sits in (no ``<``, ``>`` or ``&``)."""
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def report_html(
    runs: Sequence[ReportRun], *, charts: Sequence[Chart] | None = None, now: dt.datetime | None = None
) -> str:
    """The report page of one run, or of two side by side (A, B)."""
    assert 1 <= len(runs) <= 2
    charts = all_charts(runs) if charts is None else charts
    made = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    results = [run.result for run in runs]
    context = {
        "title": " vs ".join(run.label for run in runs),
        "two": len(runs) == 2,
        "same_futures": len({(result.seed, result.paths) for result in results}) == 1,
        "currencies": [currency_of(result) for result in results],
        "runs": [
            {
                "facts": _run_facts(run),
                "description": str(run.result.scenario.get("description") or "").strip(),
                "kpis": kpi_rows(run.result),
                "glance": glance(run.result),
                "diagnosis": _diagnosis(run.result),
                "programs": _programs(run.result),
                "plan": _plan_cells(plan_of(run.result), currency_of(run.result)),
                "inputs": _input_cells(input_rows(run.result.scenario), currency_of(run.result)),
                "histogram_note": run.note if run.histograms is None else None,
            }
            for run in runs
        ],
        "differences": difference_rows(results[0], results[1]) if len(runs) == 2 else [],
        "program_headers": _program_headers(results),
        "any_programs": any(result.programs for result in results),
        "programs_caption": "Each program against the same plan without it, same seed and paths: the mean over "
        "paths, p10 – p90 under it (a range that holds some Monte-Carlo noise too). ROI = (extra gross profit − cost) "
        "/ cost; ARR kept = saved ARR / cost; churn change: annualized logo churn at the end, with − without.",
        "charts": [
            {
                "name": chart.name,
                "title": chart.title,
                "caption": chart.caption,
                "svg": Markup(svg_text(chart)),
            }
            for chart in charts
        ],
        "made": made.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "version": __version__,
        "data": _data_json(runs),
        "tornado": safe_json(runs[0].sensitivity.to_json()) if runs[0].sensitivity is not None else None,
    }
    return environment().get_template("report.html.j2").render(context)


def write_pngs(charts: Sequence[Chart], directory: Path) -> list[Path]:
    """Each chart as ``DIR/NAME.png`` (1920×1080); the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts:
        path = directory / f"{chart.name}.png"
        path.write_bytes(png_bytes(chart))
        written.append(path)
    return written
