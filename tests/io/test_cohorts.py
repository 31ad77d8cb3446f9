"""History files of ``saas-sim fit``: the cohort table refused line by line, a ledger turned into cohorts."""

from __future__ import annotations

import pytest

from saas_sim.errors import InputError
from saas_sim.io.cohorts import MAX_PROBLEMS, parse_history, read_history
from saas_sim.io.tables import ReadOptions


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_history(text, "h.csv")
    return [str(p) for p in caught.value.problems]


def test_a_cohort_table_in_any_row_order_with_a_bom():
    table = parse_history("\ufeffcohort,period,active\nB,0,50\nA,1,80\nA,0,100\nB,1,45\nA,2,70\n\n", "h.csv")
    assert table.kind == "cohorts" and table.labels == ("B", "A") and table.ledger is None
    assert [list(a) for a in table.active] == [[50, 45], [100, 80, 70]]


def test_wrong_header_is_refused():
    assert problems("cohort,month,active\nA,0,10\n") == [
        "h.csv:1 header: must have the columns cohort,period,active (a cohort table), customer_id,month,mrr "
        "(an MRR ledger), or customer_id,start,end,mrr or customer_id,start,end,amount,interval[,quantity] "
        "(a subscriptions table), got 'cohort,month,active'; for other names, --columns"
    ]


def test_bad_rows_are_refused_with_their_lines():
    text = "cohort,period,active\nA,0,100\nA,1,ten\nA,x,5\nB,1,40\nC,0,10\nC,1,12\nD,0,10\nD,2,5\nE,0,0\nF,0,5,1\n"
    assert problems(text) == [
        "h.csv:3 active: must be a whole number >= 0, got 'ten'",
        "h.csv:4 period: must be a whole number >= 0, got 'x'",
        "h.csv:11: has 4 fields, expected 3 (cohort,period,active); a number with a thousands separator must be "
        'quoted ("1,234.50") or the delimiter be ;',
        "h.csv:5 period: cohort 'B' has no period 0 (the number acquired)",
        "h.csv:7 active: cohort 'C' rises from 10 to 12 at period 1: active customers cannot increase",
        "h.csv:9 period: cohort 'D' jumps from period 0 to 2: periods must be consecutive",
        "h.csv:10 active: cohort 'E' must acquire more than 0 customers at period 0",
    ]


def test_negative_and_fractional_counts_and_duplicates_are_refused():
    assert problems("cohort,period,active\nA,0,10.5\nA,-1,3\nB,0,4\nB,0,4\n") == [
        "h.csv:2 active: must be a whole number >= 0, got '10.5'",
        "h.csv:3 period: must be a whole number >= 0, got '-1'",
        "h.csv:5 period: cohort 'B' already has period 0 (line 4)",
    ]  # no more about A: both its rows are refused already


def test_at_most_twenty_problems_then_a_count():
    found = problems("cohort,period,active\n" + "A,0,x\n" * 25)
    assert len(found) == MAX_PROBLEMS + 1 and found[-1] == "h.csv: and 5 more problems"


def test_an_empty_table_is_refused():
    assert problems("cohort,period,active\n") == ["h.csv:1: has no rows after the header"]
    assert problems("")[0].startswith("h.csv:1 header: must have the columns")


LEDGER = """\
customer_id,month,mrr
a,2024-01,100
b,2024-01,50
c,2024-01,80
a,2024-02,120
b,2024-02,40
d,2024-02,60
a,2024-03,120
c,2024-03,80
d,2024-03,30
d,2024-03,30
"""


def test_a_ledger_becomes_cohorts_by_signup_month():
    table = parse_history(LEDGER, "l.csv")
    assert table.kind == "ledger" and table.labels == ("2024-01", "2024-02")
    # 2024-01: a, b, c; in February a and b; in March a and c (c came back, b left): still 2.
    assert [list(a) for a in table.active] == [[3, 2, 2], [1, 1]]
    assert table.held == 0
    rates = table.ledger
    assert rates.reactivations == 1 and rates.customers == 4
    assert rates.arpa_monthly == pytest.approx((100 + 50 + 80 + 60) / 4)
    # Active two months in a row: a (100->120, 120->120), b (50->40), d (60->60): +20 and -10 on 330.
    assert rates.expansion_monthly == pytest.approx(20 / 330)
    assert rates.contraction_monthly == pytest.approx(10 / 330)
    assert (rates.first_month, rates.last_month) == ("2024-01", "2024-03")


def test_a_reactivation_that_raises_a_cohort_is_held():
    text = "customer_id,month,mrr\na,2024-01,10\nb,2024-01,10\na,2024-02,10\na,2024-04,10\nb,2024-04,10\n"
    table = parse_history(text, "l.csv")
    assert [list(a) for a in table.active] == [[2, 1, 0, 0]]  # 2, 1, 0, then 2 come back: held at 0
    assert table.held == 2


def test_bad_ledger_rows_are_refused_with_their_lines():
    text = "customer_id,month,mrr\na,2024-13,10\n,2024-01,10\nb,2024-01,-5\nc,24-01,abc\n"
    assert problems(text) == [  # the same reader and words as `saas-sim metrics`
        "h.csv:2 month: must be a month (2024-01), a date (2024-01-31) or an ISO timestamp, got '2024-13'; "
        "for other forms, --date-format",
        "h.csv:3 customer_id: is empty",
        "h.csv:4 mrr: must be >= 0, got -5",
        "h.csv:5 month: must be a month (2024-01), a date (2024-01-31) or an ISO timestamp, got '24-01'; "
        "for other forms, --date-format",
        "h.csv:5 mrr: must be a number, got 'abc'",
    ]


def test_a_ledger_without_any_mrr_is_refused():
    assert problems("customer_id,month,mrr\na,2024-01,0\n") == [
        "h.csv mrr: no customer has MRR > 0: there are no cohorts"
    ]


def test_the_sample_files_read(tmp_path):
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "scenarios" / "data"
    cohorts, ledger = read_history(data / "cohorts.csv"), read_history(data / "ledger.csv")
    assert len(cohorts.labels) == 24 and len(ledger.labels) == 30
    with pytest.raises(InputError, match="not UTF-8"):
        (tmp_path / "x.csv").write_bytes(b"cohort,period,active\n\xff,0,1\n")
        read_history(tmp_path / "x.csv")


def test_a_ledger_row_with_more_fields_than_the_header_is_refused_not_truncated():
    """Issue 13 item 2: ``fit --out`` wrote ``arpa_monthly: 1.0`` from ``A,2024-01,1,234.50``."""
    found = problems("customer_id,month,mrr\nA,2024-01,1,234.50\nB,2024-02,5\n")
    assert len(found) == 1 and found[0].startswith("h.csv:2: has 4 fields, expected 3")


def test_a_ledger_with_an_extra_column_is_read_as_metrics_reads_it():
    plain = parse_history(LEDGER, "l.csv")
    lines = LEDGER.splitlines()
    with_plan = "\n".join([lines[0] + ",plan", *(line + ",pro" for line in lines[1:])]) + "\n"
    table = parse_history(with_plan, "l.csv")
    assert table.kind == "ledger" and table.labels == plain.labels
    assert [list(a) for a in table.active] == [list(a) for a in plain.active]
    assert table.ledger == plain.ledger


@pytest.mark.parametrize(
    ("count", "line"), [("99999999999999999999", 2), pytest.param("9" * 5000, 2, id="5000-digits"), ("1" + "0" * 13, 2)]
)
def test_counts_beyond_a_digit_limit_are_refused_with_their_line(count, line):
    found = problems(f"cohort,period,active\nA,0,{count}\nA,1,5\n")
    assert len(found) == 1 and found[0].startswith(f"h.csv:{line} active: must be a whole number")
    assert "at most" in found[0] and len(found[0]) < 200


def test_a_period_of_five_thousand_digits_is_refused_with_its_line():
    found = problems("cohort,period,active\nA,0,10\nA," + "9" * 5000 + ",5\n")
    assert len(found) == 1 and found[0].startswith("h.csv:3 period: must be a whole number") and len(found[0]) < 200


def test_a_cohort_table_as_spreadsheets_export_it():
    """SPEC 6.1: sniffed delimiter, header in any case and order, extra columns, --columns, "1,200"."""
    plain = parse_history("cohort,period,active\nA,0,1200\nA,1,1000\nB,0,950\n", "h.csv")
    exported = parse_history(
        '\ufeffNote;Signup month;ACTIVE;Month\nx;A;"1.200";0\n;A;1.000;1\n;B;950;0\n',
        "h.csv",
        ReadOptions(columns={"cohort": "signup month", "period": "month"}, decimal=","),
    )
    assert exported.labels == plain.labels
    assert [list(a) for a in exported.active] == [list(a) for a in plain.active]
    tabbed = parse_history('period\tcohort\tactive\n0\tA\t"1,200"\n1\tA\t1000\n0\tB\t950\n', "h.csv")
    assert [list(a) for a in tabbed.active] == [list(a) for a in plain.active]


def test_a_ledger_for_fit_takes_the_same_options_as_metrics():
    from saas_sim.io.ledger import parse_ledger

    text = "Period;Customer ID;MRR;Plan\n" + "".join(
        f"{month}-15;{customer};{mrr};pro\n"
        for customer, month, mrr in (
            ("a", "2024-01", "1.234,50"),
            ("b", "2024-01", "99,00"),
            ("a", "2024-02", "1.300,00"),
        )
    )
    options = ReadOptions(columns={"customer_id": "Customer ID", "month": "Period"}, decimal=",")
    table = parse_history(text, "l.csv", options)
    assert table.kind == "ledger" and [list(a) for a in table.active] == [[2, 1]]
    assert table.ledger.arpa_monthly == pytest.approx((1234.5 + 99) / 2)
    assert parse_ledger(text, "l.csv", options).mrr.tolist() == [1234.5, 99.0, 1300.0]


def test_a_header_with_both_tables_columns_is_refused():
    assert problems("cohort,period,active,customer_id,month,mrr\nA,0,1,a,2024-01,1\n") == [
        "h.csv:1 header: has the columns of both a cohort table and a ledger: keep one set"
    ]
