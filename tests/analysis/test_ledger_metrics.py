"""Metrics of an MRR ledger (SPEC 6): ChartMogul's movements on hand-built ledgers, and the MRR bridge."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_sim.analysis.ledger_metrics import SERIES, ledger_metrics
from saas_sim.io.ledger import parse_ledger
from saas_sim.io.tables import ReadOptions


def metrics(*rows: str) -> dict:
    return ledger_metrics(parse_ledger("customer_id,month,mrr\n" + "\n".join(rows) + "\n"))


def test_first_month_everyone_is_new_and_every_rate_is_null():
    document = metrics("a,2024-01,100", "b,2024-01,50", "a,2024-02,100")
    series = document["series"]
    assert document["months"] == ["2024-01", "2024-02"]
    assert series["customers"] == [2, 1]
    assert series["new_customers"] == [2, 0]
    assert series["new_mrr"] == [150.0, 0.0]
    assert series["churned_customers"] == [0, 1]
    assert series["churned_mrr"] == [0.0, 50.0]
    for rate in ("logo_churn_rate", "nrr_monthly", "grr_monthly", "quick_ratio"):
        assert series[rate][0] is None
    assert series["logo_churn_rate"][1] == 0.5


def test_absent_a_month_is_churned_with_last_months_mrr_then_reactivated():
    series = metrics("a,2024-01,100", "a,2024-03,80", "b,2024-01,10", "b,2024-02,10", "b,2024-03,10")["series"]
    assert series["customers"] == [2, 1, 2]
    assert series["churned_customers"] == [0, 1, 0]
    assert series["churned_mrr"] == [0.0, 100.0, 0.0]
    assert series["reactivated_customers"] == [0, 0, 1]
    assert series["reactivation_mrr"] == [0.0, 0.0, 80.0]
    assert series["new_customers"] == [2, 0, 0]  # a came back: not new
    assert series["mrr"] == [110.0, 10.0, 90.0]


def test_a_month_without_rows_is_kept_everyone_churns_then_comes_back():
    document = metrics("a,2024-01,100", "b,2024-01,50", "a,2024-03,100", "b,2024-03,60")
    series = document["series"]
    assert document["months"] == ["2024-01", "2024-02", "2024-03"]
    assert series["customers"] == [2, 0, 2]
    assert series["mrr"] == [150.0, 0.0, 160.0]
    assert series["churned_customers"] == [0, 2, 0]
    assert series["churned_mrr"] == [0.0, 150.0, 0.0]
    assert series["logo_churn_rate"] == [None, 1.0, None]  # nobody was active in the gap month
    assert series["nrr_monthly"] == [None, 0.0, None]
    assert series["grr_monthly"] == [None, 0.0, None]
    assert series["reactivated_customers"] == [0, 0, 2]
    assert series["reactivation_mrr"] == [0.0, 0.0, 160.0]
    assert series["quick_ratio"] == [None, 0.0, None]  # nothing lost in March: undefined


def test_rows_of_one_customer_in_one_month_are_summed():
    series = metrics("a,2024-01,100", "a,2024-01,20", "a,2024-02,120", "a,2024-02,30")["series"]
    assert series["customers"] == [1, 1]
    assert series["mrr"] == [120.0, 150.0]
    assert series["new_mrr"] == [120.0, 0.0]
    assert series["expansion_mrr"] == [0.0, 30.0]


def test_zero_mrr_means_not_active():
    series = metrics("a,2024-01,100", "a,2024-02,0", "a,2024-03,100", "z,2024-02,0")["series"]
    assert series["customers"] == [1, 0, 1]
    assert series["churned_customers"] == [0, 1, 0]
    assert series["reactivated_customers"] == [0, 0, 1]
    assert series["new_customers"] == [1, 0, 0]


def test_expansion_contraction_and_the_rates_of_spec_3_1():
    document = metrics(
        "up,2024-01,100",
        "up,2024-02,150",  # +50 expansion
        "down,2024-01,200",
        "down,2024-02,120",  # −80 contraction
        "gone,2024-01,100",  # −100 churned
        "fresh,2024-02,40",  # +40 new
        "same,2024-01,100",
        "same,2024-02,100",
    )
    series = document["series"]
    assert series["expansion_mrr"] == [0.0, 50.0]
    assert series["contraction_mrr"] == [0.0, 80.0]
    assert series["churned_mrr"] == [0.0, 100.0]
    assert series["new_mrr"] == [500.0, 40.0]
    assert series["mrr"] == [500.0, 410.0]
    assert series["net_new_mrr"] == [500.0, -90.0]
    assert series["logo_churn_rate"][1] == pytest.approx(1 / 4)
    assert series["nrr_monthly"][1] == pytest.approx((500 + 50 - 80 - 100) / 500)
    assert series["grr_monthly"][1] == pytest.approx((500 - 80 - 100) / 500)
    assert series["quick_ratio"][1] == pytest.approx((40 + 50) / (100 + 80))


def test_quick_ratio_counts_reactivation():
    series = metrics("a,2024-01,100", "b,2024-01,100", "b,2024-02,50", "a,2024-03,30", "b,2024-03,50")["series"]
    # March: a reactivated (+30), nothing lost: undefined; February: b −50, a churned −100.
    assert series["quick_ratio"] == [None, 0.0, None]
    series = metrics("a,2024-01,100", "b,2024-01,100", "b,2024-02,100", "a,2024-03,30", "b,2024-03,50")["series"]
    assert series["quick_ratio"][2] == pytest.approx(30 / 50)


def test_cohort_triangles_by_first_active_month():
    document = metrics(
        "a,2024-01,100",
        "a,2024-02,100",
        "a,2024-03,150",
        "b,2024-01,100",
        "b,2024-03,100",  # gone in February, back in March
        "c,2024-02,50",
    )
    cohorts = document["cohorts"]
    assert cohorts["logo_retention"] == [[1.0, 0.5, 1.0], [1.0, 0.0], [None]]
    assert cohorts["revenue_retention"] == [[1.0, 0.5, 1.25], [1.0, 0.0], [None]]


def test_the_document_is_json_without_nan_and_has_every_series():
    document = metrics("a,2024-01,100", "a,2024-04,100")
    json.dumps(document, allow_nan=False)
    assert list(document) == ["months", "series", "cohorts"]
    assert tuple(document["series"]) == SERIES
    assert all(len(values) == 4 for values in document["series"].values())


LEDGER_ROWS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 9), st.one_of(st.just(0.0), st.floats(0.01, 10_000))),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(LEDGER_ROWS)
def test_the_mrr_bridge_holds_for_any_ledger(rows):
    text = "customer_id,month,mrr\n" + "\n".join(f"c{c},2023-{m + 1:02d},{v!r}" for c, m, v in rows) + "\n"
    series = ledger_metrics(parse_ledger(text))["series"]
    months = len(series["mrr"])
    assert series["new_mrr"][0] == pytest.approx(series["mrr"][0])
    for t in range(1, months):
        bridge = (
            series["mrr"][t - 1]
            + series["new_mrr"][t]
            + series["expansion_mrr"][t]
            + series["reactivation_mrr"][t]
            - series["contraction_mrr"][t]
            - series["churned_mrr"][t]
        )
        assert series["mrr"][t] == pytest.approx(bridge, abs=1e-5)
        assert series["net_new_mrr"][t] == pytest.approx(series["mrr"][t] - series["mrr"][t - 1], abs=1e-5)
        assert series["customers"][t] == (
            series["customers"][t - 1]
            + series["new_customers"][t]
            + series["reactivated_customers"][t]
            - series["churned_customers"][t]
        )
        for rate in ("nrr_monthly", "grr_monthly", "logo_churn_rate"):
            value = series[rate][t]
            assert value is None or (math.isfinite(value) and value >= 0)
        if series["grr_monthly"][t] is not None:
            assert series["grr_monthly"][t] <= series["nrr_monthly"][t] + 1e-12 <= math.inf
            assert series["grr_monthly"][t] <= 1 + 1e-12


def test_two_hundred_thousand_rows_compute_quickly():
    rng = np.random.default_rng(7)
    rows = 200_000
    customer = rng.integers(0, 15_000, rows)
    month = rng.integers(0, 36, rows)
    lines = [f"c{c},{2021 + m // 12}-{m % 12 + 1:02d},{c % 90 + 10}" for c, m in zip(customer, month)]
    document = ledger_metrics(parse_ledger("customer_id,month,mrr\n" + "\n".join(lines) + "\n"))
    assert len(document["months"]) == 36
    expected = np.bincount(month, weights=customer % 90 + 10, minlength=36)
    assert np.allclose(document["series"]["mrr"], expected)


# SPEC 6.1: one ledger in the forms users export, and the metrics to the cent.

EXPORT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["Acme, Inc.", "b", "Café", "d 4"]),
        st.integers(0, 14),
        st.integers(0, 250_000_000),
        st.integers(1, 28),
    ),
    min_size=1,
    max_size=40,
)


def _grouped(cents: int, thousands: str, decimal: str) -> str:
    return f"{cents // 100:,}".replace(",", thousands) + f"{decimal}{cents % 100:02d}"


def _month(index: int) -> tuple[int, int]:
    return 2023 + index // 12, index % 12 + 1


def _exports(rows) -> dict[str, tuple[str, ReadOptions]]:
    """The same rows (customer, month index, cents, day) as a clean file and as exports write them."""

    def month(m):
        year, month_of_year = _month(m)
        return f"{year:04d}-{month_of_year:02d}"

    def day(m, d):
        year, month_of_year = _month(m)
        return f"{year:04d}-{month_of_year:02d}-{d:02d}"

    clean = "customer_id,month,mrr\n" + "".join(
        f'"{c}",{month(m)},{cents // 100}.{cents % 100:02d}\n' for c, m, cents, _ in rows
    )
    european = "\ufeffKunde;Monat;MRR;Tarif\n" + "".join(
        f"{c};{d:02d}.{_month(m)[1]:02d}.{_month(m)[0]};{_grouped(cents, '.', ',')} €;pro\n" for c, m, cents, d in rows
    )
    quoted = "Customer ID,Period,MRR\n" + "".join(
        f'"{c}",{day(m, d)},"${_grouped(cents, ",", ".")}"\n' for c, m, cents, d in rows
    )
    tabbed = "MRR\tcustomer_id\tMonth\n" + "".join(
        f"{_grouped(cents, ',', '.')}\t{c}\t{day(m, d)}T{d % 24:02d}:30:00Z\n" for c, m, cents, d in rows
    )
    return {
        "clean": (clean, ReadOptions()),
        "european": (
            european,
            ReadOptions(columns={"customer_id": "Kunde", "month": "Monat"}, decimal=",", date_format="%d.%m.%Y"),
        ),
        "quoted": (quoted, ReadOptions(columns={"customer_id": "customer id", "month": "period"})),
        "tabbed": (tabbed, ReadOptions()),
    }


@settings(max_examples=60, deadline=None)
@given(EXPORT_ROWS)
def test_the_metrics_of_an_export_are_those_of_the_clean_file_to_the_cent(rows):
    documents = {
        name: ledger_metrics(parse_ledger(text, name, options)) for name, (text, options) in _exports(rows).items()
    }
    clean = documents.pop("clean")
    assert clean["series"]["mrr"][-1] == pytest.approx(
        sum(cents for _, m, cents, _ in rows if m == max(r[1] for r in rows)) / 100, abs=0.005
    )
    for name, document in documents.items():
        assert document == clean, name


@settings(max_examples=60, deadline=None)
@given(LEDGER_ROWS)
def test_summing_in_a_dense_grid_and_by_sorting_give_the_same_document_to_the_bit(rows):
    import saas_sim.analysis.ledger_metrics as module

    text = "customer_id,month,mrr\n" + "".join(f"c{c},2024-{m + 1:02d},{v!r}\n" for c, m, v in rows)
    ledger = parse_ledger(text)
    dense = ledger_metrics(ledger)
    saved = module.DENSE_CELLS_PER_ROW, module.DENSE_CELLS_AT_LEAST
    module.DENSE_CELLS_PER_ROW, module.DENSE_CELLS_AT_LEAST = 0, 0  # the sorting path
    try:
        sorted_ = ledger_metrics(ledger)
    finally:
        module.DENSE_CELLS_PER_ROW, module.DENSE_CELLS_AT_LEAST = saved
    assert dense == sorted_
