"""MRR ledger files (SPEC 6): what is read, and every malformed kind refused with its line."""

from __future__ import annotations

import numpy as np
import pytest

from saas_sim.errors import InputError
from saas_sim.io.ledger import MAX_REPORTED, metrics_csv_rows, parse_ledger, read_ledger
from saas_sim.io.tables import ReadOptions


def month_problem(got: str) -> str:
    return (
        f"must be a month (2024-01), a date (2024-01-31) or an ISO timestamp, got {got!r}; "
        "for other forms, --date-format"
    )


def refused(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_ledger(text, "ledger.csv")
    return [str(problem) for problem in caught.value.problems]


def test_rows_become_codes_and_every_month_from_first_to_last():
    ledger = parse_ledger("customer_id,month,mrr\na,2024-01,100\nb,2024-04,50.5\na,2024-01,20\n")
    assert ledger.months == ("2024-01", "2024-02", "2024-03", "2024-04")
    assert ledger.customer_ids == ("a", "b")
    assert ledger.customer.tolist() == [0, 1, 0]
    assert ledger.month.tolist() == [0, 3, 0]
    assert ledger.mrr.tolist() == [100.0, 50.5, 20.0]


def test_months_cross_the_year():
    ledger = parse_ledger("customer_id,month,mrr\na,2023-11,1\na,2024-02,1\n")
    assert ledger.months == ("2023-11", "2023-12", "2024-01", "2024-02")


def test_bom_crlf_blank_lines_spaces_any_column_order_and_extra_columns():
    text = "\ufeffMRR, Customer_ID ,plan,month\r\n\r\n 10 , a ,pro,2024-01\r\n20,a,pro, 2024-02 \r\n"
    ledger = parse_ledger(text)
    assert ledger.customer_ids == ("a",)
    assert ledger.months == ("2024-01", "2024-02")
    assert ledger.mrr.tolist() == [10.0, 20.0]


def test_quoted_ids_with_commas(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text('customer_id,month,mrr\n"Acme, Inc.",2024-01,100\n', encoding="utf-8")
    assert read_ledger(path).customer_ids == ("Acme, Inc.",)


def test_zero_mrr_is_accepted_and_counts_for_the_months():
    ledger = parse_ledger("customer_id,month,mrr\na,2024-01,100\nb,2024-03,0\n")
    assert ledger.months == ("2024-01", "2024-02", "2024-03")
    assert ledger.mrr.tolist() == [100.0, 0.0]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("a,2024-13,10", "ledger.csv:2 month: " + month_problem("2024-13")),
        ("a,24-01,10", "ledger.csv:2 month: " + month_problem("24-01")),
        ("a,2024-1,10", "ledger.csv:2 month: " + month_problem("2024-1")),
        ("a,2024-00,10", "ledger.csv:2 month: " + month_problem("2024-00")),
        ("a,,10", "ledger.csv:2 month: " + month_problem("")),
        ("a,2024-01,ten", "ledger.csv:2 mrr: must be a number, got 'ten'"),
        ("a,2024-01,10 USD", "ledger.csv:2 mrr: must be a number, got '10 USD'"),
        ("a,2024-01,1e16", "ledger.csv:2 mrr: must be at most 1,000,000,000,000,000 (1e15) a month, got '1e16'"),
        (
            "a,2024-01,1,23",
            "ledger.csv:2: has 4 fields, expected 3 (customer_id,month,mrr); a number with a thousands "
            'separator must be quoted ("1,234.50") or the delimiter be ;',
        ),
        (
            'a,2024-01,"1,23"',
            "ledger.csv:2 mrr: cannot be read exactly: '1,23' — a comma separates thousands only before "
            "groups of three digits (1,234.50); with a decimal comma (1.234,50), add --decimal ,",
        ),
        (
            'a,2024-01,"1,2345"',
            "ledger.csv:2 mrr: cannot be read exactly: '1,2345' — a comma separates thousands only "
            "before groups of three digits (1,234.50); with a decimal comma (1.234,50), add --decimal ,",
        ),
        (
            'a,2024-01,"1.234,50"',
            "ledger.csv:2 mrr: cannot be read exactly: '1.234,50' — a comma separates thousands only "
            "before groups of three digits (1,234.50); with a decimal comma (1.234,50), add --decimal ,",
        ),
        ('a,2024-01,"12,34,567"', "ledger.csv:2 mrr: must be a number, got '12,34,567'"),
        ("a,2024-01,$$5", "ledger.csv:2 mrr: must be a number, got '$$5'"),
        ("a,2024-02-30,5", "ledger.csv:2 month: " + month_problem("2024-02-30")),
        ("a,2024-01,", "ledger.csv:2 mrr: must be a number, got ''"),
        ("a,2024-01,-5", "ledger.csv:2 mrr: must be >= 0, got -5"),
        ("a,2024-01,nan", "ledger.csv:2 mrr: must be a finite number, got 'nan'"),
        ("a,2024-01,inf", "ledger.csv:2 mrr: must be a finite number, got 'inf'"),
        (" ,2024-01,10", "ledger.csv:2 customer_id: is empty"),
        ("a,2024-01", "ledger.csv:2: has 2 fields, expected 3 (customer_id,month,mrr)"),
    ],
)
def test_each_malformed_kind_is_refused_with_its_line(row, expected):
    assert refused(f"customer_id,month,mrr\n{row}\nok,2024-02,1\n") == [expected]


def test_every_problem_at_once_in_line_order_with_lines_after_blank_and_multiline_rows():
    text = 'customer_id,month,mrr\n"multi\nline",2024-01,1\n\nb,2024-13,1\nc,2024-01,-1\nd,2024-01,x\n'
    assert refused(text) == [
        "ledger.csv:5 month: " + month_problem("2024-13"),
        "ledger.csv:6 mrr: must be >= 0, got -1",
        "ledger.csv:7 mrr: must be a number, got 'x'",
    ]


def test_a_row_with_two_problems_reports_both():
    assert refused("customer_id,month,mrr\na,2024-99,-1\n") == [
        "ledger.csv:2 month: " + month_problem("2024-99"),
        "ledger.csv:2 mrr: must be >= 0, got -1",
    ]


def test_many_problems_are_counted_beyond_the_first_few():
    text = "customer_id,month,mrr\n" + "a,2024-01,-1\n" * (MAX_REPORTED + 7)
    problems = refused(text)
    assert len(problems) == MAX_REPORTED + 1
    assert problems[0] == "ledger.csv:2 mrr: must be >= 0, got -1"
    assert problems[-1] == "ledger.csv: and 7 more problems"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "ledger.csv:1: is empty: expected the header customer_id,month,mrr"),
        (
            "customer,month,mrr\na,2024-01,1\n",
            "ledger.csv:1: missing column customer_id: the header must name "
            "customer_id,month,mrr (any order, other columns ignored), got 'customer,month,mrr'; for other names, --columns",
        ),
        (
            "a,2024-01,1\n",
            "ledger.csv:1: missing columns customer_id, month, mrr: the header must name "
            "customer_id,month,mrr (any order, other columns ignored), got 'a,2024-01,1'; for other names, --columns",
        ),
        ("customer_id,month,mrr,mrr\n", "ledger.csv:1: column mrr appears more than once"),
        ("customer_id,month,mrr\n", "ledger.csv: has no rows: a ledger needs at least one customer month"),
    ],
)
def test_bad_headers_and_empty_files(text, expected):
    assert refused(text) == [expected]


def test_a_typo_year_spanning_centuries_is_refused():
    problems = refused("customer_id,month,mrr\na,2024-01,1\nb,0024-01,1\n")
    assert problems == [
        "ledger.csv:3 month: 0024-01 is 24001 months before the last month 2024-01; a ledger spans at most 1200 months"
    ]


def test_files_that_cannot_be_read(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_ledger(tmp_path / "missing.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"customer_id,month,mrr\n\xff\xfe,2024-01,1\n")
    with pytest.raises(InputError, match=r"binary.csv:2: is not UTF-8 text"):
        read_ledger(binary)


def test_csv_rows_have_month_then_every_series_and_empty_cells_for_null():
    document = {"months": ["2024-01", "2024-02"], "series": {"customers": [1, 2], "nrr_monthly": [None, 1.5]}}
    assert metrics_csv_rows(document) == [
        ["month", "customers", "nrr_monthly"],
        ["2024-01", 1, ""],
        ["2024-02", 2, 1.5],
    ]


def test_two_hundred_thousand_rows_parse_into_arrays():
    rng = np.random.default_rng(3)
    customers = rng.integers(0, 20_000, 200_000)
    months = rng.integers(0, 24, 200_000)
    lines = [f"c{c},{2022 + m // 12}-{m % 12 + 1:02d},{(c % 7) * 10 + 5}" for c, m in zip(customers, months)]
    ledger = parse_ledger("customer_id,month,mrr\n" + "\n".join(lines) + "\n")
    assert ledger.rows == 200_000
    assert len(ledger.months) == 24
    assert np.array_equal(np.array(ledger.customer_ids)[ledger.customer], np.char.add("c", customers.astype(str)))
    assert np.array_equal(ledger.month, months - months.min())


def test_a_row_with_more_fields_than_the_header_is_refused_not_truncated():
    """Issue 13 item 2: an unquoted ``1,234.50`` split the row and MRR was read as 1.0."""
    problems = refused("customer_id,month,mrr\nA,2024-01,1,234.50\nB,2024-01,5\n")
    assert len(problems) == 1 and problems[0].startswith("ledger.csv:2: has 4 fields, expected 3")


def test_a_row_with_more_fields_than_a_header_with_extra_columns_is_refused():
    problems = refused("customer_id,month,mrr,plan\nA,2024-01,10,pro,x\nB,2024-01,5,basic\n")
    assert len(problems) == 1 and problems[0].startswith("ledger.csv:2: has 5 fields, expected 4")


@pytest.mark.parametrize(
    "amount", ["1e308", "99999999999999999999", pytest.param("9" * 5000, id="5000-digits"), "1e16"]
)
def test_an_amount_beyond_any_monthly_revenue_is_refused_with_its_line(amount):
    problems = refused(f"customer_id,month,mrr\na,2024-01,10\nb,2024-01,{amount}\n")
    assert len(problems) == 1 and problems[0].startswith("ledger.csv:3 mrr: must be at most")
    assert len(problems[0]) < 200  # a 5,000-digit value is not echoed whole


# SPEC 6.1: the same ledger as billing systems and spreadsheets export it.


def test_semicolon_and_tab_delimiters_are_sniffed():
    for delimiter in (";", "\t"):
        text = (
            delimiter.join(["customer_id", "month", "mrr"])
            + "\n"
            + delimiter.join(["Acme, Inc.", "2024-01", "1,234.50"])
        )
        ledger = parse_ledger(text + "\n")
        assert ledger.customer_ids == ("Acme, Inc.",) and ledger.mrr.tolist() == [1234.5]


def test_quoted_amounts_with_currency_signs_and_thousands_separators():
    ledger = parse_ledger('customer_id,month,mrr\na,2024-01,"$1,234.50"\nb,2024-01, "€2,000"\nc,2024-01,£9.99\n')
    assert ledger.mrr.tolist() == [1234.5, 2000.0, 9.99]


def test_a_decimal_comma_with_dots_between_thousands():
    options = ReadOptions(decimal=",")
    ledger = parse_ledger(
        "Kunde;Monat;MRR\na;2024-01;1.234,50 €\nb;2024-01;99,5\n",
        "l.csv",
        ReadOptions(columns={"customer_id": "Kunde", "month": "Monat"}, decimal=","),
    )
    assert ledger.mrr.tolist() == [1234.5, 99.5]
    assert parse_ledger("customer_id;month;mrr\na;2024-01;1234\n", "l.csv", options).mrr.tolist() == [1234.0]


def test_columns_maps_other_header_names_case_insensitively_and_ignores_the_rest():
    text = "Plan,PERIOD,Customer ID,MRR (USD)\npro,2024-01,Acme,100\n"
    options = ReadOptions(columns={"customer_id": "customer id", "month": "Period", "mrr": "mrr (usd)"})
    ledger = parse_ledger(text, "l.csv", options)
    assert ledger.customer_ids == ("Acme",) and ledger.months == ("2024-01",) and ledger.mrr.tolist() == [100.0]


def test_a_mapped_column_that_is_not_there_is_named_as_the_user_wrote_it():
    options = ReadOptions(columns={"customer_id": "Customer ID"})
    with pytest.raises(InputError) as caught:
        parse_ledger("customer_id,month,mrr\na,2024-01,1\n", "l.csv", options)
    assert str(caught.value).startswith("l.csv:1: missing column customer_id (--columns 'Customer ID')")


def test_dates_and_iso_timestamps_give_their_calendar_month():
    text = (
        "customer_id,month,mrr\na,2024-01-31,10\na,2024-02-01T00:00:00Z,10\n"
        "b,2024-02-29 23:59:59,5\nb,2024-03-31T23:30:00-05:00,5\n"
    )
    ledger = parse_ledger(text)
    assert ledger.months == ("2024-01", "2024-02", "2024-03")
    assert ledger.month.tolist() == [0, 1, 1, 2]


def test_a_date_format_reads_other_forms():
    ledger = parse_ledger(
        "customer_id,month,mrr\na,31/01/2024,10\na,01/03/2024,10\n", "l.csv", ReadOptions(date_format="%d/%m/%Y")
    )
    assert ledger.months == ("2024-01", "2024-02", "2024-03") and ledger.month.tolist() == [0, 2]
    with pytest.raises(InputError) as caught:
        parse_ledger("customer_id,month,mrr\na,2024-01,10\n", "l.csv", ReadOptions(date_format="%d/%m/%Y"))
    assert str(caught.value) == "l.csv:2 month: must be a date as %d/%m/%Y (--date-format), got '2024-01'"


def test_rows_of_empty_fields_as_spreadsheets_write_them_are_skipped():
    ledger = parse_ledger("customer_id,month,mrr\na,2024-01,10\n,,\n , ,\n  \nb,2024-02,5\n,,\n")
    assert ledger.customer_ids == ("a", "b") and ledger.customer.tolist() == [0, 1] and ledger.rows == 2


def test_a_row_with_fewer_or_more_fields_is_refused_whatever_the_delimiter():
    assert refused("customer_id;month;mrr\na;2024-01;1;5\nb;2024-01\n") == [
        "ledger.csv:2: has 4 fields, expected 3 (customer_id,month,mrr)",
        "ledger.csv:3: has 2 fields, expected 3 (customer_id,month,mrr)",
    ]


def test_a_trailing_delimiter_is_a_field_too():
    assert refused("customer_id,month,mrr\na,2024-01,5,\n")[0].startswith("ledger.csv:2: has 4 fields, expected 3")
    assert parse_ledger("customer_id,month,mrr,\na,2024-01,5,\n").mrr.tolist() == [5.0]


def test_a_plain_file_and_a_formatted_one_give_the_same_arrays():
    plain = parse_ledger("customer_id,month,mrr\na,2024-01,1234.5\nb,2024-02,99\n")
    formatted = parse_ledger(
        '\ufeffMonth;Customer_ID;MRR;Plan\n2024-01-15;a;"1.234,50 €";pro\n2024-02-01T10:00:00Z;b;99;basic\n',
        "l.csv",
        ReadOptions(decimal=","),
    )
    for name in ("customer_ids", "months"):
        assert getattr(plain, name) == getattr(formatted, name)
    for name in ("customer", "month", "mrr"):
        assert np.array_equal(getattr(plain, name), getattr(formatted, name))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("quoted", [False, True])
def test_plain_and_quoted_files_are_read_alike_with_the_same_lines(newline, quoted):
    """A file without quotes takes the fast path; with one quoted field, the csv module's: same result."""
    first = '"a"' if quoted else "a"
    rows = [
        "customer_id,month,mrr",
        "",
        f"{first},2024-01,10",
        " ",
        "b,2024-13,1",
        "c,2024-02",
        "d,2024-02,1,5",
        "e,2024-02,x",
        ",,",
        "f,2024-03, 7 ",
    ]
    text = newline.join(rows) + newline
    assert refused(text) == [
        "ledger.csv:5 month: " + month_problem("2024-13"),
        "ledger.csv:6: has 2 fields, expected 3 (customer_id,month,mrr)",
        "ledger.csv:7: has 4 fields, expected 3 (customer_id,month,mrr); a number with a thousands separator must be "
        'quoted ("1,234.50") or the delimiter be ;',
        "ledger.csv:8 mrr: must be a number, got 'x'",
    ]
    good = newline.join(row for index, row in enumerate(rows) if index not in (4, 5, 6, 7)) + newline
    ledger = parse_ledger(good)
    assert ledger.customer_ids == ("a", "f") and ledger.mrr.tolist() == [10.0, 7.0] and ledger.month.tolist() == [0, 2]
