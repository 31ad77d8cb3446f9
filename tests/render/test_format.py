import math

import pytest

from saas_sim.render.format import (
    format_compact, format_count, format_money, format_month, format_months, format_multiple, format_rate,
    formatter_for, metric_label,
)


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (12, "12"), (950, "950"), (999.7, "1k"), (1234, "1.23k"), (12_345, "12.3k"), (123_456, "123k"),
    (999_999, "1M"), (1_500_000, "1.5M"), (-350_000, "-350k"), (2.31e9, "2.31B"),
])
def test_compact(value, text):
    assert format_compact(value) == text


def test_money_with_currency():
    assert format_money(2_310_000, "USD") == "$2.31M"
    assert format_money(-350_000, "EUR") == "-€350k"
    assert format_money(12_000, currency="CHF") == "12k CHF"


@pytest.mark.parametrize("formatter", [format_compact, format_money, format_rate, format_months, format_month,
                                       format_count, format_multiple])
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
    assert format_error("arr_end", 6780.0) == "$6.78k"
    assert format_error("customers_end", 4.23) == "4.2"
    assert format_error("rule_of_40", 12.3) == "12 pts"
    assert format_error("arr_end", None) == "—"
