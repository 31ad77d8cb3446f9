import io

from rich.console import Console

from saas_sim.render import compare
from saas_sim.render.compare import CompareFanChart, format_difference, format_relative
from saas_sim.render.summary import SECTIONS
from tests.results import typed


# The tests write the documents by hand, as dicts; the renderers read them typed.
def compare_fan_chart(a, b, *args, **kwargs):
    return compare.compare_fan_chart(typed(a), typed(b), *args, **kwargs)


def differences_table(a, b, **kwargs):
    return compare.differences_table(typed(a), typed(b), **kwargs)


def metric_differences(a, b):
    return compare.metric_differences(typed(a), typed(b))


SUMMARY_METRICS = (
    "arr_end",
    "mrr_end",
    "customers_end",
    "arr_growth_yoy_end",
    "annualized_logo_churn_end",
    "nrr_12m_end",
    "grr_12m_end",
    "cac",
    "ltv_simple",
    "ltv",
    "ltv_cac",
    "payback_months",
    "payback_months_with_churn",
    "cash_end",
    "cash_min",
    "out_of_cash",
    "cash_out_month",
    "burn_multiple",
    "rule_of_40",
)


def _stats(p50: float | None, spread: float = 0.1) -> dict:
    if p50 is None:
        return dict.fromkeys(("mean", "p5", "p10", "p50", "p90", "p95", "se"))
    return {
        "mean": p50,
        "p5": p50 * (1 - 2 * spread),
        "p10": p50 * (1 - spread),
        "p50": p50,
        "p90": p50 * (1 + spread),
        "p95": p50 * (1 + 2 * spread),
        "se": 0.0,
    }


def _series(months: int, start: float, slope: float) -> dict:
    p50 = [start + slope * m for m in range(months)]
    return {
        "mean": p50,
        "p5": [v * 0.5 for v in p50],
        "p10": [v * 0.6 for v in p50],
        "p50": p50,
        "p90": [v * 1.4 for v in p50],
        "p95": [v * 1.5 for v in p50],
    }


def _result(values: dict, *, currency="USD", focus="retention", months=24, slope=10_000.0) -> dict:
    summary = {metric: _stats(1.0) for metric in SUMMARY_METRICS}
    summary.update({metric: _stats(value) for metric, value in values.items()})
    return {
        "scenario": {"name": "Hand made", "currency": currency},
        "months": list(range(1, months + 1)),
        "series": {
            "arr": _series(months, 100_000.0, slope),
            "cash": _series(months, 50_000.0, -slope),
            "customers": _series(months, 100.0, 1.0),
        },
        "summary": summary,
        "diagnosis": {"focus": focus, "checks": []},
    }


def _text(renderable, width=120, color=False) -> str:
    console = Console(
        width=width,
        record=True,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        file=io.StringIO(),
    )
    console.print(renderable)
    return console.export_text(styles=False)


A = _result(
    {
        "arr_end": 1_000_000.0,
        "nrr_12m_end": 0.95,
        "customers_end": 400.0,
        "cash_out_month": None,
        "out_of_cash": 0.0,
        "cac": 0.0,
    }
)
B = _result(
    {
        "arr_end": 1_250_000.0,
        "nrr_12m_end": 1.02,
        "customers_end": 380.0,
        "cash_out_month": 20.0,
        "out_of_cash": 0.25,
        "cac": 500.0,
    },
    focus="scale",
)


def test_one_row_per_summary_metric_grouped_like_the_summary():
    rows = metric_differences(A, B)
    assert sorted(row.metric for row in rows) == sorted(SUMMARY_METRICS)
    order = [row.metric for row in rows]
    summary_order = [metric for _, metrics in SECTIONS for metric in metrics]
    assert [m for m in order if m in summary_order] == summary_order
    assert order.index("arr_growth_yoy_end") < order.index("nrr_12m_end")  # with the growth figures


def test_an_unknown_metric_goes_under_other():
    a = _result({})
    a["summary"]["new_metric"] = _stats(3.0)
    text = _text(differences_table(a, a))
    assert "Other" in text and "New metric" in text


def test_differences_are_b_minus_a_with_relative_to_a():
    rows = {row.metric: row for row in metric_differences(A, B)}
    arr = rows["arr_end"]
    assert (arr.statistic, arr.a, arr.b, arr.absolute, arr.relative) == (
        "p50",
        1_000_000.0,
        1_250_000.0,
        250_000.0,
        0.25,
    )
    assert arr.a_band == (900_000.0, 1_100_000.0)
    assert rows["customers_end"].absolute == -20.0 and rows["customers_end"].relative == -0.05
    out = rows["out_of_cash"]  # a probability: its mean, without a band
    assert (out.statistic, out.absolute, out.relative, out.a_band) == ("mean", 0.25, None, (None, None))
    assert rows["cac"].relative is None  # A is 0
    when = rows["cash_out_month"]  # undefined in A
    assert (when.a, when.b, when.absolute, when.relative) == (None, 20.0, None, None)


def test_the_table_shows_values_differences_and_focus():
    text = _text(differences_table(A, B, labels=("Base", "Plan")))
    assert "Plan − Base" in text
    arr = next(line for line in text.splitlines() if line.strip().startswith("ARR end"))
    assert "$1.00M" in arr and "$1.25M" in arr and "$900k–$1.10M" in arr
    assert arr.split()[-2:] == ["+$250k", "+25.0%"]
    nrr = next(line for line in text.splitlines() if "NRR 12m end" in line)
    assert nrr.split()[-3:] == ["+7.0", "pp", "+7.4%"]
    customers = next(line for line in text.splitlines() if "Customers end" in line)
    assert customers.split()[-2:] == ["-20", "-5.0%"]
    when = next(line for line in text.splitlines() if "Cash out month" in line)
    assert when.split()[-2:] == ["—", "—"] and "month 20" in when
    cac = next(line for line in text.splitlines() if line.strip().startswith("CAC"))
    assert cac.split()[-2:] == ["+$500", "—"]
    focus = next(line for line in text.splitlines() if "Focus" in line)
    assert "retention" in focus and "scale" in focus and "changed" in focus


def test_a_run_against_itself_differs_by_nothing():
    rows = metric_differences(A, A)
    assert all(row.absolute in (0, None) and row.relative in (0, None) for row in rows)
    text = _text(differences_table(A, A))
    focus = next(line for line in text.splitlines() if "Focus" in line)
    assert "same" in focus
    for row in rows:
        assert format_difference(row.metric, row.absolute) in ("$0", "0", "0.0 pp", "0.0 mo", "0.0×", "0 pts", "—")


def test_without_bands_it_fits_80_columns():
    text = _text(differences_table(A, B, labels=("A long label here", "Another long one"), bands=False), width=80)
    assert "p10–p90" not in text and "…" not in text.split("\n", 3)[3]  # values are never cut
    assert max(len(line) for line in text.splitlines()) <= 80


def test_currencies_that_differ_are_said():
    text = _text(differences_table(A, _result({}, currency="EUR")))
    assert "A is in USD, B in EUR" in text
    assert "€" in text


def test_formatting_differences():
    assert format_difference("arr_end", -1_500.0, "EUR") == "-€1.50k"
    assert format_difference("nrr_12m_end", 0.021) == "+2.1 pp"
    assert format_difference("payback_months", 2.0) == "+2.0 mo"
    assert format_difference("cash_out_month", -3.0) == "-3.0 mo"
    assert format_difference("ltv_cac", 0.0) == "0.0×"
    assert format_difference("ltv", None) == "—"
    assert format_relative(0.123) == "+12.3%" and format_relative(-0.0) == "0.0%" and format_relative(None) == "—"


def test_the_chart_draws_both_runs_on_one_axis():
    chart = compare_fan_chart(A, _result({}, slope=40_000.0, months=36), labels=("Base", "Plan"), height=10)
    assert isinstance(chart, CompareFanChart)
    lines = _text(chart, width=80).splitlines()
    assert len(lines) == 2 + 10 + 2  # title, legend, plot rows, axis and month labels
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("ARR (USD)") and "Base" in lines[0] and "Plan" in lines[0]
    assert "Base p10–p90" in lines[1] and "Plan p10–p90" in lines[1]
    plot = "\n".join(lines[2:-2])
    assert "•" in plot and any(mark in plot for mark in "▀▄█")  # both medians
    assert "░" in plot and "▒" in plot  # both bands
    assert lines[-1].split()[-1] == "36"  # the longer horizon


def test_the_chart_in_colour_and_other_series():
    svg = Console(width=60, force_terminal=True, color_system="truecolor", record=True, file=io.StringIO())
    svg.print(compare_fan_chart(A, B, "cash"))
    svg.print(compare_fan_chart(A, B, "customers"))
    text = svg.export_text(styles=False)
    assert "Cash (USD)" in text and "Customers" in text and "Customers (" not in text
    assert "─" in text  # the zero line of cash


def test_none_values_are_not_drawn():
    b = _result({})
    b["series"]["arr"] = {stat: [None] * 24 for stat in b["series"]["arr"]}
    lines = _text(compare_fan_chart(A, b), width=60).splitlines()
    assert "•" not in "\n".join(lines[2:-2])


def _never(p50: float | None, share: float) -> dict:
    stats = _stats(p50 if p50 is not None else 20.0)
    stats.update(p90=None, p95=None, never=share)
    if p50 is None:
        stats["p50"] = None
    return stats


def _line(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_a_payback_that_never_comes_reads_never_and_its_change_is_said():
    """Issue 13, item 3: compare says never, and that B no longer pays back, instead of a dash."""
    a, b = _result({}), _result({})
    a["summary"]["payback_months_with_churn"] = _never(14.0, 0.2)
    b["summary"]["payback_months_with_churn"] = _never(None, 0.6)
    row = {r.metric: r for r in metric_differences(a, b)}["payback_months_with_churn"]
    assert (row.a, row.b, row.a_never, row.b_never) == (14.0, None, False, True)
    line = _line(_text(differences_table(a, b)), "Payback months with churn")
    assert "14.0 mo" in line and "12.6–never" in line and line.split()[-2:] == ["never", "—"]
    line = _line(_text(differences_table(b, a)), "Payback months with churn")
    assert line.split()[-3:] == ["pays", "back", "—"]
    line = _line(_text(differences_table(b, b)), "Payback months with churn")
    assert line.split()[-3:] == ["both", "never", "—"]
    colours = _text(differences_table(a, b), color=True)
    assert "never" in colours


def test_a_statistic_of_too_few_paths_is_marked_in_the_compare_table():
    """Issue 13, item 6: the cash-out month of 2 paths in 2,000 is no forecast."""
    a, b = {**_result({}), "paths": 2000}, {**_result({}), "paths": 2000}
    a["summary"]["cash_out_month"] = {**_stats(37.0), "n": 2}
    b["summary"]["cash_out_month"] = {**_stats(30.0), "n": 900}
    row = {r.metric: r for r in metric_differences(a, b)}["cash_out_month"]
    assert (row.a_paths, row.b_paths) == (2, None)
    for table, width in ((differences_table(a, b), 120), (differences_table(a, b, bands=False), 80)):
        lines = _text(table, width=width).splitlines()
        index = next(i for i, line in enumerate(lines) if "Cash out month" in line)
        line, under = lines[index], lines[index + 1]
        assert "month 37" in line and "month 30" in line and "33.3" not in line
        # A's month over its count of paths, bands or not (issue 13, 6: `compare | cat` showed a plain month 37)
        assert "(2 paths)" in under and under.index("(2 paths)") < line.index("month 30")
        assert "too few" in line
