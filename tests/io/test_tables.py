"""Reading history as users export it (SPEC 6.1): amounts, counts, months, options, delimiters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_sim.io.tables import (
    MAX_AMOUNT,
    MAX_COUNT,
    amounts,
    check_date_format_option,
    check_decimal_option,
    month_ordinal,
    parse_amount,
    parse_columns_option,
    parse_count,
)


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1234.50", ".", 1234.5),
        ("1,234.50", ".", 1234.5),
        ("$1,234.50", ".", 1234.5),
        ("  $ 1,234.50 ", ".", 1234.5),
        ("1,234", ".", 1234.0),  # a comma before three digits separates thousands
        ("1,234,567.5", ".", 1234567.5),
        ("1'234.50", ".", 1234.5),
        ("1 234.50", ".", 1234.5),
        ("€99", ".", 99.0),
        ("99 €", ".", 99.0),
        ("£0.99", ".", 0.99),
        ("¥1,000", ".", 1000.0),
        (".5", ".", 0.5),
        ("5.", ".", 5.0),
        ("1e3", ".", 1000.0),
        ("-$5", ".", -5.0),
        ("$-5", ".", -5.0),
        ("1.234,50", ",", 1234.5),
        ("€ 1.234,50", ",", 1234.5),
        ("1.234,50 €", ",", 1234.5),
        ("1 234,50", ",", 1234.5),
        ("1\u202f234,50", ",", 1234.5),
        ("1\u00a0234,50\u00a0€", ",", 1234.5),
        ("99,5", ",", 99.5),
        ("1.234", ",", 1234.0),
        ("1234", ",", 1234.0),
    ],
)
def test_amounts_as_exports_write_them(text, decimal, expected):
    assert parse_amount(text, decimal) == expected


@pytest.mark.parametrize(
    ("text", "decimal", "start"),
    [
        ("1,23", ".", "cannot be read exactly: '1,23'"),
        ("1,2345", ".", "cannot be read exactly: '1,2345'"),
        ("1234,567", ".", "cannot be read exactly: '1234,567'"),
        ("1.234,50", ".", "cannot be read exactly: '1.234,50'"),
        ("1.5", ",", "cannot be read exactly with --decimal ,: '1.5'"),
        ("1,234.50", ",", "cannot be read exactly with --decimal ,: '1,234.50'"),
        ("1,234 567", ".", "must be a number"),  # two kinds of separator
        ("$$5", ".", "must be a number"),
        ("$5€", ".", "must be a number"),
        ("--5", ".", "must be a number"),
        ("1_000", ".", "must be a number"),
        ("", ".", "must be a number"),
        ("ten", ".", "must be a number"),
        ("nan", ".", "must be a finite number"),
        ("-inf", ".", "must be a finite number"),
        ("١٢٣", ".", "must be a number"),  # float() would read these digits
    ],
)
def test_amounts_that_cannot_be_read_exactly_are_refused_not_guessed(text, decimal, start):
    message = parse_amount(text, decimal)
    assert isinstance(message, str) and message.startswith(start), message


def test_the_ambiguity_message_says_which_option_to_use():
    assert parse_amount("1,23").endswith("with a decimal comma (1.234,50), add --decimal ,")
    assert parse_amount("1.5", ",").endswith("with a decimal point (1,234.50), leave out --decimal ,")


def _grouped(whole: int, separator: str) -> str:
    return f"{whole:,}".replace(",", separator)


@given(st.integers(0, int(MAX_AMOUNT) // 100), st.integers(0, 99), st.sampled_from(["", "$", "€"]))
def test_any_amount_written_in_either_convention_reads_back_to_the_same_float(whole, cents, sign):
    plain = float(f"{whole}.{cents:02d}")
    assert parse_amount(f"{sign}{_grouped(whole, ',')}.{cents:02d}", ".") == plain
    assert parse_amount(f"{_grouped(whole, '.')},{cents:02d} {sign}".strip(), ",") == plain
    assert parse_amount(f"{_grouped(whole, ' ')},{cents:02d}", ",") == plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120", 120),
        (" 120 ", 120),
        ("+5", 5),
        ("1,200", 1200),
        ("1200.0", 1200),
        ("0", 0),
        (str(MAX_COUNT), MAX_COUNT),
    ],
)
def test_counts(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("10.5", "must be a whole number >= 0, got '10.5'"),
        ("-1", "must be a whole number >= 0"),
        ("$5", "must be a whole number >= 0"),
        ("1e3", "must be a whole number >= 0"),
        ("1,23", "must be a whole number >= 0"),
        (str(MAX_COUNT + 1), "must be a whole number at most 1,000,000,000,000"),
        ("99999999999999999999", "must be a whole number at most"),
        (
            "9" * 5000,
            "must be a whole number at most 1,000,000,000,000, got '999999999999999999999999…' (5,000 characters)",
        ),
        ("0" * 4400 + "1", "must be a whole number"),
    ],
)
def test_counts_that_are_not_whole_or_too_large_are_refused(text, start):
    message = parse_count(text)
    if text.startswith("0" * 4400):
        assert message == 1  # leading zeros are only zeros, and no int() limit is hit
        return
    assert isinstance(message, str) and message.startswith(start), message


@pytest.mark.parametrize(
    ("label", "month"),
    [
        ("2024-03", "2024-03"),
        ("2024-03-31", "2024-03"),
        ("2024-03-31T23:59:59Z", "2024-03"),
        ("2024-03-31T23:59:59-05:00", "2024-03"),  # the calendar month as written, not as in UTC
        ("2024-03-01 00:00", "2024-03"),
        ("2024-03-01T08:15:30.123456+02:00", "2024-03"),
    ],
)
def test_months_dates_and_timestamps_give_their_calendar_month(label, month):
    year, number = map(int, month.split("-"))
    assert month_ordinal(label) == year * 12 + number - 1


@pytest.mark.parametrize(
    "label",
    ["2024-13", "2024-02-30", "2024-1", "24-01", "2024-03-31T25:00", "2024/03", "March 2024", "", "2024-03-31junk"],
)
def test_other_forms_are_not_months_without_a_date_format(label):
    assert month_ordinal(label) is None


def test_a_date_format_reads_other_forms_and_only_them():
    assert month_ordinal("31/03/2024", "%d/%m/%Y") == 2024 * 12 + 2
    assert month_ordinal("Mar 2024", "%b %Y") == 2024 * 12 + 2
    assert month_ordinal("2024-03", "%d/%m/%Y") is None
    assert month_ordinal("31/13/2024", "%d/%m/%Y") is None


def test_the_options_are_checked():
    assert parse_columns_option("customer=Customer ID, month = Period ,MRR=Amount") == {
        "customer_id": "Customer ID",
        "month": "Period",
        "mrr": "Amount",
    }
    assert parse_columns_option("cohort=Signup,active=Left") == {"cohort": "Signup", "active": "Left"}
    for bad, message in (
        ("customer", "must be COLUMN=NAME"),
        ("plan=Plan", "'plan' is not a column"),
        ("customer=", "must be COLUMN=NAME"),
        ("customer=A,customer_id=B", "mapped twice"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_columns_option(bad)
    assert check_decimal_option(",") == ","
    with pytest.raises(ValueError, match=r"must be \. or ,"):
        check_decimal_option(";")
    assert check_date_format_option("%d/%m/%Y") == "%d/%m/%Y"
    for bad in ("%d/%m", "%Y", "%Y-%m-%q"):
        with pytest.raises(ValueError):
            check_date_format_option(bad)


AMOUNT_TEXT = st.text(alphabet="0123456789,.$€ -+e", max_size=12)


@given(st.lists(AMOUNT_TEXT, min_size=1, max_size=6), st.sampled_from(".,"))
def test_a_column_read_at_once_gives_what_each_value_gives_alone(texts, decimal):
    """The fast paths of :func:`amounts` (plain, or every value like $1,234.50) agree with :func:`parse_amount`."""
    numbers, unreadable = amounts(texts, decimal)
    for row, text in enumerate(texts):
        alone = parse_amount(text, decimal)
        if isinstance(alone, str):
            assert unreadable[row] == alone
        else:
            assert row not in unreadable and numbers[row] == alone


def test_a_formatted_column_is_read_at_once():
    numbers, unreadable = amounts(["$1,234.50", " 99 ", "€.5", "-$5", "1,000,000 £", "7."])
    assert numbers.tolist() == [1234.5, 99.0, 0.5, -5.0, 1e6, 7.0] and not unreadable
    numbers, unreadable = amounts(["1.234,50 €", "99", ",5"], ",")
    assert numbers.tolist() == [1234.5, 99.0, 0.5] and not unreadable


def test_a_quoted_amount_with_a_line_break_is_refused_and_shifts_no_other_row():
    """A review found '$1\\n$2' read as two amounts, every later row taking its predecessor's."""
    numbers, messages = amounts(["$1", "$2\n$3", "$4"])
    assert numbers[0] == 1.0 and numbers[2] == 4.0
    assert np.isnan(numbers[1]) and 1 in messages


def test_a_count_that_reads_as_another_whole_number_the_other_way_is_refused():
    """A review found '1.000' read as 1 where a decimal-comma export means 1,000: that is a guess."""
    assert isinstance(parse_count("1.000"), str) and "--decimal" in parse_count("1.000")
    assert isinstance(parse_count("2,000", ","), str)
    assert parse_count("3.0") == 3 and parse_count("1,000") == 1000 and parse_count("1.000", ",") == 1000
