"""Subscriptions tables (SPEC 6.2) read as ledgers, segments kept per row, and one reader for both kinds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import saas_sim.io.tables as tables
from saas_sim.analysis.ledger_metrics import ledger_metrics
from saas_sim.errors import InputError
from saas_sim.io.cohorts import parse_history
from saas_sim.io.ledger import Ledger, parse_ledger
from saas_sim.io.subscriptions import INTERVAL_TO_MONTHLY, parse_ledger_like
from saas_sim.io.tables import ReadOptions


def refused(text: str, options: ReadOptions | None = None) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_ledger_like(text, "s.csv", options or ReadOptions())
    return [str(problem) for problem in caught.value.problems]


def entries(ledger: Ledger) -> list[tuple[str, str, float]]:
    """(customer, month, mrr) of every row, sorted."""
    return sorted(
        (ledger.customer_ids[c], ledger.months[m], round(float(v), 9))
        for c, m, v in zip(ledger.customer, ledger.month, ledger.mrr, strict=True)
    )


def test_a_subscription_counts_from_its_start_month_to_the_month_before_its_end():
    ledger = parse_ledger_like("customer_id,start,end,mrr\na,2024-01-15,2024-04-01,100\nb,2024-02-10,,50\n")
    assert ledger.kind == "subscriptions"
    assert ledger.months == ("2024-01", "2024-02", "2024-03", "2024-04")  # to the latest date's month
    assert entries(ledger) == [
        ("a", "2024-01", 100.0),
        ("a", "2024-02", 100.0),
        ("a", "2024-03", 100.0),
        ("b", "2024-02", 50.0),
        ("b", "2024-03", 50.0),
        ("b", "2024-04", 50.0),
    ]


def test_one_that_starts_and_ends_in_one_month_counts_in_that_month():
    ledger = parse_ledger_like("customer_id,start,end,mrr\na,2024-03-02,2024-03-20,30\nb,2024-01-01,2024-05-01,1\n")
    assert [e for e in entries(ledger) if e[0] == "a"] == [("a", "2024-03", 30.0)]


def test_an_end_before_its_start_in_the_same_month_is_refused_and_one_on_the_same_day_is_not():
    assert refused("customer_id,start,end,mrr\na,2024-03-20,2024-03-05,1\nb,2024-03-20T10:00,2024-03-20T09:59,1\n") == [
        "s.csv:2 end: is before start: 2024-03-05 < 2024-03-20",
        "s.csv:3 end: is before start: 2024-03-20T09:59 < 2024-03-20T10:00",
    ]
    ledger = parse_ledger_like("customer_id,start,end,mrr\na,2024-03-20,2024-03-20,1\n")
    assert entries(ledger) == [("a", "2024-03", 1.0)]


def test_subscriptions_of_one_customer_add_up_and_an_upgrade_is_continuous():
    text = "customer_id,start,end,mrr\na,2024-01-05,2024-03-05,49\na,2024-03-05,,149\na,2024-02-01,,10\n"
    document = ledger_metrics(parse_ledger_like(text))
    assert document["series"]["mrr"] == [49.0, 59.0, 159.0]
    assert document["series"]["customers"] == [1, 1, 1]
    assert document["series"]["expansion_mrr"] == [0.0, 10.0, 100.0]
    assert document["series"]["churned_customers"] == [0, 0, 0]


def test_amount_and_interval_with_quantity_normalised_to_a_month():
    text = (
        "Customer_ID,Start,End,Amount,Interval,Quantity\n"
        'a,2024-01-01,,"$1,200.00",year,1\n'
        "b,2024-01-01,,10,week,3\n"
        "c,2024-01-01,,2,day,1\n"
        "d,2024-01-01,,29,Month,4\n"
    )
    ledger = parse_ledger_like(text)
    assert entries(ledger) == [
        ("a", "2024-01", 100.0),
        ("b", "2024-01", round(30 * 52 / 12, 9)),
        ("c", "2024-01", round(2 * 365 / 12, 9)),
        ("d", "2024-01", 116.0),
    ]
    assert INTERVAL_TO_MONTHLY == {"month": 1.0, "year": 1 / 12, "week": 52 / 12, "day": 365 / 12}


def test_without_a_quantity_column_the_amount_is_the_price():
    ledger = parse_ledger_like("customer_id,start,end,amount,interval\na,2024-01,,120,year\n")
    assert entries(ledger) == [("a", "2024-01", 10.0)]


def test_mrr_is_read_when_a_file_has_both_mrr_and_amount():
    ledger = parse_ledger_like("customer_id,start,end,mrr,amount,interval\na,2024-01,,7,1200,year\n")
    assert entries(ledger) == [("a", "2024-01", 7.0)]


def test_other_names_dates_and_decimal_comma_as_exports_write_them():
    text = "\ufeffKunde;Beginn;Ende;Betrag;Intervall\nk1;15.01.2024;;1.200,00 €;year\nk2;03.02.2024;01.03.2024;49,50 €;month\n"
    options = ReadOptions(
        columns={"customer_id": "Kunde", "start": "Beginn", "end": "Ende", "amount": "Betrag", "interval": "Intervall"},
        decimal=",",
        date_format="%d.%m.%Y",
    )
    ledger = parse_ledger_like(text, "s.csv", options)
    assert entries(ledger) == [
        ("k1", "2024-01", 100.0),
        ("k1", "2024-02", 100.0),
        ("k1", "2024-03", 100.0),
        ("k2", "2024-02", 49.5),
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("a,2024-03-01,2024-01-31,1200,year,1", "s.csv:2 end: is before start: 2024-01-31 < 2024-03-01"),
        ("a,2024-03-01,,1200,fortnight,1", "s.csv:2 interval: must be month, year, week or day, got 'fortnight'"),
        ("a,2024-03-01,,1200,year,0", "s.csv:2 quantity: must be a number > 0, got '0'"),
        ("a,2024-03-01,,1200,year,-2", "s.csv:2 quantity: must be a number > 0, got '-2'"),
        ("a,2024-03-01,,1200,year,", "s.csv:2 quantity: must be a number, got ''"),
        ("a,2024-03-01,,1200,year,two", "s.csv:2 quantity: must be a number, got 'two'"),
        ("a,2024-03-01,,-5,year,1", "s.csv:2 amount: must be >= 0, got -5"),
        (
            "a,,,5,year,1",
            "s.csv:2 start: must be a month (2024-01), a date (2024-01-31) or an ISO timestamp, got ''; "
            "for other forms, --date-format",
        ),
        (
            "a,2024-03-01,soon,5,year,1",
            "s.csv:2 end: must be a month (2024-01), a date (2024-01-31) or an ISO "
            "timestamp, got 'soon'; for other forms, --date-format",
        ),
        (",2024-03-01,,5,year,1", "s.csv:2 customer_id: is empty"),
        ("a,2024-03-01,,5,year", "s.csv:2: has 5 fields, expected 6 (customer_id,start,end,amount,interval,quantity)"),
        (
            "a,2024-03-01,,1e15,day,1",
            "s.csv:2 amount: amount × quantity is 30,416,666,666,666,668 a month, more "
            "than 1,000,000,000,000,000 (1e15)",
        ),
    ],
)
def test_each_bad_subscription_is_refused_with_its_line(row, expected):
    text = f"customer_id,start,end,amount,interval,quantity\n{row}\nok,2024-01-01,,10,month,1\n"
    assert refused(text) == [expected]


def test_every_problem_at_once_in_line_order():
    text = "customer_id,start,end,mrr\na,2024-05,2024-01,1\n\nb,2024-01,,x\nc,2024-13,,1\n"
    assert refused(text) == [
        "s.csv:2 end: is before start: 2024-01 < 2024-05",
        "s.csv:4 mrr: must be a number, got 'x'",
        "s.csv:5 start: must be a month (2024-01), a date (2024-01-31) or an ISO timestamp, got '2024-13'; "
        "for other forms, --date-format",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "",
            "s.csv:1: is empty: expected the header customer_id,month,mrr (a ledger) or customer_id,start,end,mrr "
            "or customer_id,start,end,amount,interval[,quantity] (a subscriptions table)",
        ),
        (
            "customer,start,end,mrr\n",
            "s.csv:1: is a subscriptions table (it has start or end) without the column customer_id: the header "
            "must name customer_id,start,end,mrr (any order, other columns ignored), got 'customer,start,end,mrr'; "
            "for other names, --columns",
        ),
        (
            "customer_id,month,mrr,start,end\n",
            "s.csv:1: has the columns of both a ledger and a subscriptions table: keep one set",
        ),
        ("customer_id,start,end,mrr\n", "s.csv: has no rows: a subscriptions table needs at least one subscription"),
    ],
)
def test_headers_that_are_neither_kind_or_both(text, expected):
    assert refused(text) == [expected]


def test_a_ledger_is_read_as_a_ledger_by_the_same_reader():
    text = "customer_id,month,mrr\na,2024-01,10\na,2024-02,12\n"
    ledger = parse_ledger_like(text)
    assert ledger.kind == "ledger" and entries(ledger) == entries(parse_ledger(text))


def test_fit_reads_a_subscriptions_table_as_its_ledger():
    subscriptions = "customer_id,start,end,mrr\na,2024-01,2024-03,10\nb,2024-01,,20\nc,2024-02,,5\n"
    ledger = "customer_id,month,mrr\na,2024-01,10\na,2024-02,10\nb,2024-01,20\nb,2024-02,20\nb,2024-03,20\n" + (
        "c,2024-02,5\nc,2024-03,5\n"
    )
    from_subscriptions, from_ledger = parse_history(subscriptions, "s.csv"), parse_history(ledger, "l.csv")
    assert from_subscriptions.kind == "ledger"
    assert from_subscriptions.labels == from_ledger.labels
    assert [list(a) for a in from_subscriptions.active] == [list(a) for a in from_ledger.active] == [[2, 2, 1], [1, 1]]


# ---------------------------------------------------------------- segments


def test_a_ledger_keeps_the_segment_column_as_codes_per_row():
    text = "customer_id,month,mrr,Plan\na,2024-01,10,pro\nb,2024-01,5,basic\na,2024-02,10, pro\n"
    ledger = parse_ledger(text, "l.csv", ReadOptions(segment_by="plan"))
    assert ledger.segment_labels == ("pro", "basic")
    assert ledger.segment is not None and ledger.segment.tolist() == [0, 1, 0]
    assert parse_ledger(text, "l.csv").segment is None


def test_every_month_of_a_subscription_carries_its_segment():
    text = "customer_id,start,end,mrr,plan\na,2024-01,2024-03,10,monthly\nb,2024-02,,100,annual\n"
    ledger = parse_ledger_like(text, "s.csv", ReadOptions(segment_by="plan"))
    assert ledger.segment is not None
    by_row = sorted(
        (ledger.customer_ids[c], ledger.months[m], ledger.segment_labels[s])
        for c, m, s in zip(ledger.customer, ledger.month, ledger.segment, strict=True)
    )
    assert by_row == [
        ("a", "2024-01", "monthly"),
        ("a", "2024-02", "monthly"),
        ("b", "2024-02", "annual"),
        ("b", "2024-03", "annual"),
    ]


def test_a_missing_segment_column_is_one_line_naming_the_file_and_the_header():
    for text in ("customer_id,month,mrr\na,2024-01,1\n", "customer_id,start,end,mrr\na,2024-01,,1\n"):
        header = text.split("\n")[0]
        assert refused(text, ReadOptions(segment_by="plan")) == [
            f"s.csv:1: has no column 'plan' to segment by (--segment-by): the header is {header!r}"
        ]


def test_an_empty_segment_value_is_a_segment_of_its_own():
    """A blank plan cell (free or legacy accounts) is common in exports: calibrate names that segment "(blank)"."""
    text = "customer_id,month,mrr,plan\na,2024-01,10,pro\nb,2024-01,5, \n"
    ledger = parse_ledger_like(text, "s.csv", ReadOptions(segment_by="plan"))
    assert ledger.segment is not None
    assert [ledger.segment_labels[code].strip() for code in ledger.segment] == ["pro", ""]


# ---------------------------------------------------------------- the expansion against a month-by-month count

_subscription = st.tuples(
    st.integers(0, 4),  # customer
    st.integers(0, 23),  # start month
    st.one_of(st.none(), st.integers(0, 30)),  # end month after start (None: active)
    st.integers(1, 28),  # day of both dates
    st.integers(0, 100_000),  # cents a month
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_subscription, min_size=1, max_size=12))
def test_the_expansion_matches_counting_month_by_month(subscriptions):
    lines = ["customer_id,start,end,mrr"]
    for customer, start, end, day, cents in subscriptions:
        end_text = "" if end is None else f"{2020 + (start + end) // 12}-{(start + end) % 12 + 1:02d}-{day:02d}"
        lines.append(f"c{customer},{2020 + start // 12}-{start % 12 + 1:02d}-{day:02d},{end_text},{cents / 100:.2f}")
    ledger = parse_ledger_like("\n".join(lines) + "\n")
    last = max(max(start, start + (end or 0)) for _, start, end, _, _ in subscriptions)
    first = min(start for _, start, _, _, _ in subscriptions)
    expected: dict[tuple[str, int], float] = {}
    for customer, start, end, _, cents in subscriptions:
        for month in range(first, last + 1):
            stop = last + 1 if end is None else max(start + end, start + 1)
            if start <= month < stop:
                key = (f"c{customer}", month - first)
                expected[key] = expected.get(key, 0.0) + cents / 100
    got: dict[tuple[str, int], float] = {}
    for c, m, v in zip(ledger.customer, ledger.month, ledger.mrr, strict=True):
        key = (ledger.customer_ids[c], int(m))
        got[key] = got.get(key, 0.0) + float(v)
    assert len(ledger.months) == last - first + 1
    assert got.keys() == expected.keys()
    assert all(abs(got[key] - expected[key]) < 1e-6 for key in got)


# ---------------------------------------------------------------- chunks


def _read_both(text: str, options: ReadOptions, monkeypatch) -> tuple[object, object]:
    def read() -> object:
        try:
            ledger = parse_ledger_like(text, "s.csv", options)
        except InputError as error:
            return [str(problem) for problem in error.problems]
        segment = None if ledger.segment is None else ledger.segment.tolist()
        return (entries(ledger), ledger.months, segment, ledger.segment_labels)

    whole = read()
    with monkeypatch.context() as patch:
        patch.setattr(tables, "CHUNK_CHARACTERS", 7)
        patch.setattr(tables, "CHUNK_RECORDS", 2)
        chunked = read()
    return whole, chunked


@pytest.mark.parametrize(
    "text",
    [
        "customer_id,month,mrr,plan\na,2024-01,10,x\n\nb,2024-02,5,y\r\nc,2024-02,1,x\n a ,2024-03,2,x\n,,,\n",
        'customer_id,month,mrr,plan\n"a",2024-01,"$1,000.00",x\nb,2024-02,5,y\n"c\nd",2024-03,1,x\n',
        "customer_id,month,mrr,plan\na,2024-01,10,x\nb,2024-13,5,y\nc,2024-02,-1,x\nd,2024-02,1\ne,2024-02,1,\n",
        "customer_id,start,end,amount,interval,quantity,plan\na,2024-01,,12,year,1,x\nb,2024-02,2024-01,5,month,1,y\n"
        "c,2024-02,,1,fortnight,1,x\nd,2024-02,,1,month,0,x\n",
        "customer_id,start,end,amount,interval,plan\na,2024-01,,12,year,x\nb,2024-02,2024-05,5,month,y\n"
        "c,2024-02,,1,day,x\n\n\nd,2024-03-31T23:59:00Z,,1,week,x\n",
    ],
)
def test_chunks_of_a_few_records_read_as_the_whole_file(text, monkeypatch):
    whole, chunked = _read_both(text, ReadOptions(segment_by="plan"), monkeypatch)
    assert chunked == whole


def test_a_large_plain_ledger_read_in_chunks_keeps_every_row():
    rng = np.random.default_rng(3)
    count = 250_000  # several chunks of the default size
    customers, months = rng.integers(0, 5000, count), rng.integers(0, 24, count)
    lines = [f"c{c},{2024 + m // 12}-{m % 12 + 1:02d},{c % 97}.5" for c, m in zip(customers, months, strict=True)]
    ledger = parse_ledger("customer_id,month,mrr\n" + "\n".join(lines) + "\n")
    assert ledger.rows == count
    assert np.array_equal(ledger.mrr, (customers % 97) + 0.5)
    assert [ledger.customer_ids[code] for code in ledger.customer[:3]] == [f"c{c}" for c in customers[:3]]
    assert np.array_equal(ledger.month, months - months.min())
