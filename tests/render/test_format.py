import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_sim.render.format import (
    format_compact,
    format_count,
    format_money,
    format_month,
    format_months,
    format_multiple,
    format_points,
    format_rate,
    formatter_for,
    metric_label,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (12, "12"),
        (950, "950"),
        (999.7, "1k"),
        (1234, "1.23k"),
        (12_345, "12.3k"),
        (123_456, "123k"),
        (999_999, "1M"),
        (1_500_000, "1.5M"),
        (-350_000, "-350k"),
        (2.31e9, "2.31B"),
    ],
)
def test_compact(value, text):
    assert format_compact(value) == text


def test_money_with_currency():
    assert format_money(2_310_000, "USD") == "$2.31M"
    assert format_money(-350_000, "EUR") == "-€350k"
    assert format_money(12_000, currency="CHF") == "12k CHF"


@pytest.mark.parametrize(
    "formatter", [format_compact, format_money, format_rate, format_months, format_month, format_count, format_multiple]
)
@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_missing_is_a_dash(formatter, missing):
    assert formatter(missing) == "—"


def test_rates_months_and_counts():
    assert format_rate(0.153) == "15.3%"
    assert format_months(7.26) == "7.3 mo"
    assert format_month(14.0) == "month 14"
    assert format_count(1234.4) == "1,234"
    assert format_count(123_456) == "123k"
    assert format_multiple(3.14) == "3.1×"


def test_formatter_by_metric():
    assert formatter_for("cash_min", "GBP")(-1_200_000) == "-£1.20M"  # tables keep one precision per column
    assert formatter_for("nrr_12m_end")(1.05) == "105.0%"
    assert formatter_for("payback_months_with_churn")(9.0) == "9.0 mo"
    assert formatter_for("ltv_cac")(2.0) == "2.0×"


def test_labels_keep_the_metric_names():
    assert metric_label("nrr_12m_end") == "NRR 12m end"
    assert metric_label("ltv_cac") == "LTV/CAC"
    assert metric_label("payback_months_with_churn") == "Payback months with churn"


def test_table_money_keeps_trailing_zeros_and_points_have_a_unit():
    money = formatter_for("cac", "USD")
    assert [money(v) for v in (2_940, 3_000, 3_060)] == ["$2.94k", "$3.00k", "$3.06k"]
    assert formatter_for("rule_of_40")(41.7) == "42 pts"


def test_standard_errors_read_in_their_metric_unit_to_two_digits():
    from saas_sim.render.format import format_error

    assert format_error("nrr_12m_end", 0.0031) == "0.31 pp"
    assert format_error("ltv_cac", 0.0194) == "0.019×"
    assert format_error("payback_months_with_churn", 0.44) == "0.44 mo"
    assert format_error("arr_end", 6780.0) == "$6.8k"
    assert format_error("customers_end", 4.23) == "4.2"
    assert format_error("rule_of_40", 12.3) == "12 pts"
    assert format_error("arr_end", None) == "—"


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("arr_end", 4384.33, "$4.4k"),
        ("mrr_end", 365.36, "$370"),
        ("cash_min", 20_200.0, "$20k"),
        ("cac", 1.0836, "$1.1"),
        ("arr_end", 99_960.0, "$100k"),
        ("arr_end", 1_234_000.0, "$1.2M"),
        ("customers_end", 0.9134, "0.91"),
        ("customers_end", 1234.0, "1,200"),
        ("rule_of_40", 123.4, "120 pts"),
        ("payback_months", 0.0996, "0.10 mo"),
        ("nrr_12m_end", 0.00034664, "0.035 pp"),
    ],
)
def test_a_standard_error_has_two_significant_digits_whatever_its_size(metric, value, text):
    from saas_sim.render.format import format_error

    assert format_error(metric, value) == text


def test_float_noise_on_a_deterministic_metric_reads_zero():
    """vicious-cycle: LTV/CAC 1.5× on every path, se 5e-18 from summing in floating point (issue 13, 4)."""
    from saas_sim.render.format import format_error

    assert format_error("ltv_cac", 4.9663100392403566e-18, mean=1.504225244390038) == "0×"
    assert format_error("ltv", 2.03420059207285e-14, mean=4512.675733170356) == "$0"
    assert format_error("out_of_cash", 1e-17, mean=1.0) == "0 pp"
    # a real error, however small beside a large mean, stays
    assert format_error("arr_end", 0.5, mean=8e6) == "$0.50"
    assert format_error("ltv_cac", 0.0011, mean=1.5) == "0.0011×"


_SCALE = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _shown(text: str) -> float:
    """The number a formatted standard error shows, in the metric's own unit (pp read as a fraction)."""
    match = re.fullmatch(r"[$€£]?([\d,.]+(?:e-?\d+)?)([kMBT]?)( pp| mo| pts|×)?", text)
    assert match, text
    number = float(match.group(1).replace(",", "")) * _SCALE.get(match.group(2), 1.0)
    return number / 100 if match.group(3) == " pp" else number


@given(
    st.sampled_from(["arr_end", "customers_end", "nrr_12m_end", "ltv_cac", "payback_months", "rule_of_40"]),
    st.floats(min_value=1e-12, max_value=1e300, allow_nan=False),
)
def test_a_standard_error_shows_its_value_to_two_significant_digits(metric, value):
    from saas_sim.render.format import format_error

    text = format_error(metric, value)
    expected = float(f"{value * (100 if metric == 'nrr_12m_end' else 1):.2g}")
    shown = _shown(text) * (100 if metric == "nrr_12m_end" else 1)
    assert shown == pytest.approx(expected, rel=1e-9), text
    digits = re.sub(r"\D", "", f"{shown:.15g}".split("e")[0]).strip("0")
    assert len(digits) <= 2, text
    assert len(re.sub(r" (pp|mo|pts)$", "", text)) <= 10, text


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda mean: abs(mean) > 1e-6),
    st.floats(min_value=0.0, max_value=1e-10),
)
def test_an_error_under_a_billionth_of_the_mean_is_noise(mean, share):
    from saas_sim.render.format import format_error

    assert format_error("ltv_cac", share * abs(mean), mean=mean) == "0×"


# --- any magnitude, short and exact to what it shows (issue 13, 22: never a truncated number) ---------

_MULTIPLIERS = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _read_back(text: str) -> tuple[float, float]:
    """The number a compact figure shows and half its last digit's worth (its shown precision)."""
    match = re.fullmatch(r"(-?)[$€£]?(?:month )?([\d,]+)(?:\.(\d+))?(?:e(-?\d+))?([kMBT]?)(%| mo| pts|×)?", text)
    assert match, text
    sign, whole, decimals, exponent, suffix, _ = match.groups()
    scale = _MULTIPLIERS[suffix] * (10.0 ** int(exponent) if exponent else 1.0)
    mantissa = float(whole.replace(",", "") + ("." + decimals if decimals else ""))
    shown = (-1 if sign else 1) * mantissa * scale
    return shown, 0.5 * 10.0 ** -len(decimals or "") * scale


_COMPACT_FORMATTERS = {
    "compact": (format_compact, 1.0),
    "money": (lambda v: format_money(v, "USD", keep_zeros=True), 1.0),
    "rate": (format_rate, 100.0),
    "months": (format_months, 1.0),
    "month": (format_month, 1.0),
    "count": (format_count, 1.0),
    "multiple": (format_multiple, 1.0),
    "points": (format_points, 1.0),
}


@given(st.sampled_from(sorted(_COMPACT_FORMATTERS)), st.floats(min_value=-308, max_value=308), st.booleans())
def test_a_figure_of_any_magnitude_is_short_and_reads_back_to_its_shown_precision(kind, exponent, negative):
    """exp.yaml's ARR of 2.4e28 read ``$24004537586042022133760B`` and its LTV/CAC ``2079161311.1×``."""
    formatter, unit = _COMPACT_FORMATTERS[kind]
    value = (-1 if negative else 1) * 10.0 ** min(exponent, 307.9)
    if abs(value * unit) > 1.7e308:
        return
    if kind == "month" and value < 1:
        return  # a month of the horizon is 1 or more
    text = formatter(value)
    assert len(re.sub(r"^month | (mo|pts)$", "", text)) <= 10, text  # the figure, without its word
    shown, precision = _read_back(text)
    assert abs(shown - value * unit) <= precision * (1 + 1e-9) + 1e-300, (value, text)


def test_huge_figures_read_in_scientific_notation():
    assert format_money(2.4004537586042022e28) == "$2.4e28"
    assert formatter_for("arr_end")(2.4004537586042022e28) == "$2.40e28"
    assert format_multiple(2079161311.1) == "2.08e9×"
    assert format_compact(1.04e12) == "1.04T"
    assert format_rate(1e30) == "1.00e32%"
    assert format_compact(999.9e12) == "1e15"


def test_an_inputs_value_reads_as_the_catalog_says_its_field_is():
    """Tornado bars and the goal dialog format an input by its catalog field: money with the currency,
    rates and shares as percents, whole numbers as counts, at every kind of path an analysis names."""
    from saas_sim.model.catalog.fields import FIELDS
    from saas_sim.render.tornado import format_field_value

    checked = 0
    for field in FIELDS:
        if field.rule is None or not field.path.startswith(("company.", "acquisition.", "segments.")):
            continue
        concrete = field.path.replace("segments.", "segments.SMB [pro].", 1)
        for path in (concrete, f"events[0].set.{concrete}"):
            text = format_field_value(path, 0.25 if field.unit in ("rate", "share") else 1200.0, "EUR")
            if field.money:
                assert text == "€1.2k", (path, text)
            elif field.unit in ("rate", "share"):
                assert text == "25%", (path, text)
            elif field.rule.integer or field.rule.whole:
                assert text == "1,200", (path, text)
            else:
                assert text == "1.2k", (path, text)
            checked += 1
    assert checked > 40
    assert format_field_value("events[3].cash_in", 2e6, "USD") == "$2M"


def test_a_figure_that_rounds_up_a_decade_keeps_three_digits():
    # 9.996M once read "$10.00M" in a column of figures (four digits: a precision it does not have)
    assert format_compact(9_996_000, keep_zeros=True) == "10.0M"
    assert format_compact(99_960, keep_zeros=True) == "100k"
    assert format_compact(9_999, keep_zeros=True) == "10.0k"
    assert format_compact(2_940, keep_zeros=True) == "2.94k"
