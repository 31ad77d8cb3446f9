"""``calibrate_ledger`` (SPEC 6.3): a whole scenario from a ledger, the starting base exactly the file's."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas_sim.analysis.calibrate import (
    CalibrateOptions,
    calibrate_ledger,
    segment_names,
    summary_lines,
)
from saas_sim.analysis.ledger_metrics import ledger_metrics
from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
from saas_sim.errors import InputError
from saas_sim.io.ledger import Ledger, month_label, read_ledger
from saas_sim.io.scenario import parse_scenario

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"
FIRST = 2024 * 12  # 2024-01


def ledger_of(rows: list[tuple[str, int, float]], months: int | None = None, source: str = "test.csv") -> Ledger:
    """A ledger of ``(customer, month index from 2024-01, mrr)`` rows."""
    ids = list(dict.fromkeys(customer for customer, _, _ in rows))
    count = months if months is not None else max(month for _, month, _ in rows) + 1
    return Ledger(
        source,
        tuple(ids),
        tuple(month_label(FIRST + m) for m in range(count)),
        np.array([ids.index(c) for c, _, _ in rows], dtype=np.int64),
        np.array([m for _, m, _ in rows], dtype=np.int64),
        np.array([v for _, _, v in rows], dtype=np.float64),
    )


def active_span(customer: str, start: int, stop: int, mrr: float) -> list[tuple[str, int, float]]:
    return [(customer, month, mrr) for month in range(start, stop)]


def test_the_sample_ledger_starts_at_its_last_month_exactly():
    ledger = read_ledger(DATA / "ledger.csv")
    calibration = calibrate_ledger(ledger, CalibrateOptions())
    series = ledger_metrics(ledger)["series"]
    segment = calibration.scenario.segments[0]
    assert calibration.as_of == ledger.months[-1] == "2025-06"
    assert segment.starting_customers == series["customers"][-1] == 2387
    assert abs(float(segment.starting_mrr) - series["mrr"][-1]) < 0.005
    assert calibration.scenario.name == "Calibrated from ledger.csv"
    arpa = segment.arpa_monthly  # the mean first-month MRR, with its standard error as a 90 % interval
    assert (arpa.param("p5") * arpa.param("p95")) ** 0.5 == pytest.approx(93.64, rel=1e-4)
    # Every tenure group as the metrics' cohorts count it: cohort k at age (last - k).
    retention = ledger_metrics(ledger)["cohorts"]["logo_retention"]
    assert segment.starting_cohorts is not None
    last = len(ledger.months) - 1
    for group in segment.starting_cohorts:
        k = last - group.tenure_months
        new_in_k = series["new_customers"][k]
        assert group.customers == round(retention[k][group.tenure_months] * new_in_k)


def test_the_calibrated_scenario_runs():
    calibration = calibrate_ledger(read_ledger(DATA / "ledger.csv"), CalibrateOptions(horizon=6))
    result = run_scenario(with_overrides(calibration.scenario, paths=200, seed=3))
    customers = result.series["customers"].p50
    assert len(customers) == 6
    assert 2000 < customers[0] < 2800  # 2,387 at the start, about 160 churn and 167 join a month


def test_every_tenure_group_holds_its_customers_and_mrr_to_the_cent():
    rows = [
        *active_span("a", 0, 6, 10.10),  # tenure 5 at 2024-06
        *active_span("b", 2, 6, 20.01),  # tenure 3
        *active_span("c", 2, 6, 0.07),  # tenure 3
        *active_span("d", 1, 3, 99.0),  # churned in 2024-04
        ("e", 5, 1234.56),  # new in the last month: tenure 0
        ("e", 5, 0.01),  # a second row of e in the same month: summed
    ]
    calibration = calibrate_ledger(ledger_of(rows), CalibrateOptions())
    cohorts = calibration.scenario.segments[0].starting_cohorts
    assert cohorts is not None
    assert [(c.tenure_months, c.customers, c.mrr) for c in cohorts] == [(0, 1, 1234.57), (3, 2, 20.08), (5, 1, 10.1)]
    assert "mrr: 20.08}" in calibration.text


def test_a_months_after_the_cutoff_are_not_read():
    rows = [*active_span("a", 0, 12, 10.0), *active_span("b", 3, 8, 25.0), *active_span("c", 5, 12, 40.0)]
    full = calibrate_ledger(ledger_of(rows), CalibrateOptions(as_of="2024-06"))
    cut = calibrate_ledger(ledger_of([r for r in rows if r[1] <= 5]), CalibrateOptions(as_of="2024-06"))
    assert without_header(full.text) == without_header(cut.text)
    assert full.as_of == "2024-06" and "6 later months are not used" in full.text


def without_header(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "later months" not in line and "history (" not in line)


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2023-01", "as-of 2023-01 is before the first month 2024-01 of test.csv"),
        ("2025-01", "as-of 2025-01 is after the last month 2024-03 of test.csv"),
        ("2024-13", "--as-of: must be a month YYYY-MM, got '2024-13'"),
        ("June", "--as-of: must be a month YYYY-MM, got 'June'"),
    ],
)
def test_an_as_of_outside_the_file_is_refused(as_of, message):
    with pytest.raises(InputError) as error:
        calibrate_ledger(ledger_of(active_span("a", 0, 3, 5.0)), CalibrateOptions(as_of=as_of))
    assert message in str(error.value)


def test_without_churn_the_churn_is_zero_and_says_so():
    rows = [row for i in range(20) for row in active_span(f"c{i}", i % 5, 8, 50.0)]
    calibration = calibrate_ledger(ledger_of(rows), CalibrateOptions())
    segment = calibration.scenario.segments[0]
    assert segment.churn.monthly == 0
    assert re.search(r"no account churned in [\d,]+ account-months .* upper bound", calibration.text)


def test_one_month_of_history_gives_a_valid_scenario_with_nothing_measured():
    calibration = calibrate_ledger(ledger_of([("a", 0, 30.0), ("b", 0, 70.0)]), CalibrateOptions())
    segment = calibration.scenario.segments[0]
    assert segment.starting_customers == 2 and segment.starting_mrr == 100.0
    assert segment.churn.monthly == 0 and "NOT MEASURED" in calibration.text
    assert calibration.scenario.acquisition.spend_monthly == 0
    assert any("one month of history" in note for note in calibration.notes)


def test_constant_churn_is_written_as_its_90_percent_interval():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(3000):
        start = int(rng.integers(0, 18))
        life = int(rng.geometric(0.05))
        rows += active_span(f"c{i}", start, min(start + life, 18), 100.0)
    calibration = calibrate_ledger(ledger_of(rows, months=18), CalibrateOptions())
    churn = calibration.scenario.segments[0].churn.monthly
    low, high = churn.param("p5"), churn.param("p95")
    assert low < 0.05 < high and high / low < 1.3
    assert "Constant churn kept: likelihood-ratio test" in calibration.text


def test_annual_plans_renew_in_their_real_months():
    rng = np.random.default_rng(7)
    rows = []
    for i in range(800):
        start = int(rng.integers(0, 30))
        years = int(rng.geometric(0.3))
        rows += active_span(f"c{i}", start, min(start + 12 * years, 36), 1200.0 / 12)
    calibration = calibrate_ledger(ledger_of(rows, months=36), CalibrateOptions())
    segment = calibration.scenario.segments[0]
    assert segment.contract_months == 12
    assert "annual plans" in calibration.text
    # A group of tenure 11 at the end of month 0 renews in month 1: ledger customers of tenure 11 all had
    # their first month 11 months before the as-of month.
    ledger = ledger_of(rows, months=36)
    first = {}
    for customer, month, _ in rows:
        first.setdefault(customer, month)
    active_last = {c for c, m, _ in rows if m == 35}
    tenure_11 = sum(1 for c in active_last if 35 - first[c] == 11)
    assert segment.starting_cohorts is not None
    assert {c.tenure_months: c.customers for c in segment.starting_cohorts}.get(11, 0) == tenure_11
    assert ledger.months[-1] == calibration.as_of


def test_the_spend_given_sets_cac_to_spend_per_new_account():
    rows = [row for i in range(60) for row in active_span(f"c{i}", 1 + i % 6, 7, 50.0)]  # 10 new a month, months 1..6
    calibration = calibrate_ledger(ledger_of(rows), CalibrateOptions(spend_monthly=5000))
    assert calibration.scenario.acquisition.spend_monthly == 5000
    cac = calibration.scenario.segments[0].cac
    assert (cac.param("p5") * cac.param("p95")) ** 0.5 == pytest.approx(500, rel=1e-3)  # 5000 / 10 a month


def test_without_spend_acquisition_reproduces_the_pace():
    rows = [row for i in range(60) for row in active_span(f"c{i}", 1 + i % 6, 7, 50.0)]
    calibration = calibrate_ledger(ledger_of(rows), CalibrateOptions())
    assert calibration.scenario.acquisition.spend_monthly == 10
    assert "cac 1" in calibration.text


def test_cash_and_fixed_costs_come_from_the_options_else_zero_said():
    rows = active_span("a", 0, 3, 5.0)
    given = calibrate_ledger(ledger_of(rows), CalibrateOptions(cash=400_000, fixed_costs=25_000.5))
    assert given.scenario.company.starting_cash == 400_000 and given.scenario.company.fixed_costs_monthly == 25_000.5
    absent = calibrate_ledger(ledger_of(rows), CalibrateOptions())
    assert absent.scenario.company.starting_cash == 0
    assert "--cash not given): set yours" in absent.text and "--fixed-costs not given): set yours" in absent.text


def test_horizon_paths_and_seed_are_written():
    calibration = calibrate_ledger(
        ledger_of(active_span("a", 0, 3, 5.0)), CalibrateOptions(horizon=7, paths=300, seed=None)
    )
    assert calibration.scenario.horizon_months == 7 and calibration.scenario.simulation.paths == 300
    assert calibration.scenario.simulation.seed is None


def segmented(rows: list[tuple[str, int, float, str]]) -> Ledger:
    """A ledger with the per-row segment codes the reader keeps for --segment-by."""
    base = ledger_of([(c, m, v) for c, m, v, _ in rows])
    labels = list(dict.fromkeys(label for *_, label in rows))
    codes = np.array([labels.index(label) for *_, label in rows], dtype=np.int64)
    return dataclasses.replace(base, segment=codes, segment_labels=tuple(labels))


def test_segments_by_a_column_take_the_as_of_months_value():
    rows = [
        *[(c, m, v, "basic") for c, m, v in active_span("a", 0, 4, 10.0)],
        *[(c, m, v, "pro.plan") for c, m, v in active_span("a", 4, 6, 50.0)],  # upgraded: in pro at the end
        *[(c, m, v, "basic") for c, m, v in active_span("b", 1, 6, 10.0)],
        *[(c, m, v, "pro.plan") for c, m, v in active_span("c", 2, 6, 60.0)],
        *[(c, m, v, "gone") for c, m, v in active_span("d", 0, 2, 60.0)],  # churned long ago: left out
    ]
    calibration = calibrate_ledger(segmented(rows), CalibrateOptions(segment_by="plan"))
    segments = {s.name: s for s in calibration.scenario.segments}
    assert set(segments) == {"basic", "pro_plan"}
    assert segments["pro_plan"].starting_customers == 2 and segments["pro_plan"].starting_mrr == 110.0
    assert segments["basic"].starting_customers == 1
    assert sum(s.spend_share for s in segments.values()) == pytest.approx(1.0, abs=1e-12)
    assert any("left out" in note for note in calibration.notes)
    assert any('"pro.plan" is named "pro_plan"' in note for note in calibration.notes)
    assert len(summary_lines(calibration)) == 1 + 2 + len(calibration.notes)


def test_segment_by_without_the_column_read_is_refused():
    with pytest.raises(InputError, match="--segment-by"):
        calibrate_ledger(ledger_of(active_span("a", 0, 3, 5.0)), CalibrateOptions(segment_by="plan"))


def test_segment_names_are_made_valid_and_unique():
    names, notes = segment_names(["a.b", "a_b", "  ", "ok"])
    assert names == ["a_b", "a_b 2", "(blank)", "ok"]
    assert len(notes) == 3
    text = "\n".join(f"  - {{name: {n!r}}}" for n in names)
    assert text  # each is a name the loader takes (checked through a whole scenario below)
    calibration = calibrate_ledger(
        segmented([("x", 0, 5.0, "a.b"), ("y", 0, 5.0, "a_b"), ("z", 0, 5.0, "yes")]), CalibrateOptions(segment_by="p")
    )
    assert [s.name for s in calibration.scenario.segments] == ["a_b", "a_b 2", "yes"]


# --- properties ---------------------------------------------------------------------------------------------


@st.composite
def small_ledgers(draw):
    months = draw(st.integers(1, 14))
    customers = draw(st.integers(1, 12))
    rows = []
    for c in range(customers):
        start = 0 if c == 0 else draw(st.integers(0, months - 1))  # a file's first month has an account
        stop = draw(st.integers(start + 1, months))
        cents = draw(st.integers(1, 1_000_000))
        rows += active_span(f"c{c}", start, stop, cents / 100)
    as_of = draw(st.integers(0, months - 1))
    return rows, months, as_of


@settings(max_examples=30, deadline=None)
@given(small_ledgers())
def test_the_starting_base_is_the_ledgers_as_of_month(case):
    rows, months, as_of = case
    ledger = ledger_of(rows, months=months)
    calibration = calibrate_ledger(ledger, CalibrateOptions(as_of=ledger.months[as_of]))
    series = ledger_metrics(ledger)["series"]
    segment = calibration.scenario.segments[0]
    assert segment.starting_customers == series["customers"][as_of]
    assert abs(float(segment.starting_mrr or 0.0) - series["mrr"][as_of]) < 0.005


@settings(max_examples=20, deadline=None)
@given(small_ledgers(), st.randoms(use_true_random=False))
def test_rows_after_the_as_of_month_change_nothing(case, random):
    rows, months, as_of = case
    changed = [(c, m, v if m <= as_of else round(random.uniform(0.01, 999), 2)) for c, m, v in rows]
    changed += [("late", m, 7.0) for m in range(as_of + 1, months)]
    first = calibrate_ledger(ledger_of(rows, months=months), CalibrateOptions(as_of=month_label(FIRST + as_of)))
    second = calibrate_ledger(ledger_of(changed, months=months), CalibrateOptions(as_of=month_label(FIRST + as_of)))
    assert first.text == second.text
    assert parse_scenario(first.text).name == "Calibrated from test.csv"


def test_a_segment_whose_recent_accounts_all_left_starts_empty_but_keeps_its_pace():
    rows = [
        *[(c, m, v, "main") for c, m, v in active_span("a", 0, 8, 10.0)],
        *[(c, m, v, "trial") for c, m, v in active_span("t1", 3, 5, 5.0)],  # new in the window, gone by the end
    ]
    calibration = calibrate_ledger(segmented(rows), CalibrateOptions(segment_by="plan"))
    trial = next(s for s in calibration.scenario.segments if s.name == "trial")
    assert trial.starting_customers == 0 and trial.starting_cohorts is None
    assert "no account active in 2024-08: the segment starts empty" in calibration.text
    assert trial.spend_share == 1.0  # the only new account of the window


@pytest.mark.parametrize("seed", [0, 1])
def test_a_generated_company_is_recovered(seed):
    """Histories drawn from the model's own assumptions (tests/histories.py): the calibrated churn's interval
    holds the truth, annual plans are found, the pace is the true one within its Poisson error."""
    from tests.histories import History, generated_ledger

    constant = calibrate_ledger(generated_ledger(History().constant(0.03), seed), CalibrateOptions())
    churn = constant.scenario.segments[0].churn.monthly
    assert constant.scenario.segments[0].contract_months == 1
    assert churn.param("p5") < 0.03 < churn.param("p95")
    assert constant.segments[0].new_per_month == pytest.approx(60, abs=4 * math.sqrt(360) / 6)
    annual = calibrate_ledger(
        generated_ledger(History(alpha=2.0, beta=6.0, contract_months=12, months=48), seed), CalibrateOptions()
    )
    segment = annual.scenario.segments[0]
    assert segment.contract_months == 12 and segment.churn.alpha is not None
    fit = annual.segments[0].fit
    assert fit is not None and fit.mean_churn.low < 0.25 < fit.mean_churn.high


def test_a_spend_of_zero_gives_a_valid_scenario_without_paid_accounts():
    rows = [row for i in range(12) for row in active_span(f"c{i}", 1 + i % 6, 7, 50.0)]
    for segment_by in (None, "plan"):
        ledger = segmented([(c, m, v, "a" if c < "c5" else "b") for c, m, v in rows])
        calibration = calibrate_ledger(ledger, CalibrateOptions(spend_monthly=0.0, segment_by=segment_by))
        assert calibration.scenario.acquisition.spend_monthly == 0
        assert all(segment.cac == 1 for segment in calibration.scenario.segments)


def test_one_price_paid_by_every_new_account_is_a_point_despite_float_noise():
    rows = [row for i in range(30) for row in active_span(f"c{i}", 1 + i % 6, 7, 1490 / 12)]
    rows += [("n", 6, 1490 / 12 * (1 + 1e-15))]
    calibration = calibrate_ledger(ledger_of(rows), CalibrateOptions())
    assert calibration.scenario.segments[0].arpa_monthly == pytest.approx(1490 / 12, rel=1e-5)


def test_a_company_with_no_recent_account_in_any_segment_keeps_them_all():
    # Found by the property below in CI: every segment left out gave a scenario with no segments.
    ledger = segmented([("c0", 0, 0.01, "basic"), ("c1", 0, 0.01, "pro")])
    ledger = dataclasses.replace(ledger, months=(month_label(FIRST), month_label(FIRST + 1)))
    calibration = calibrate_ledger(ledger, CalibrateOptions(segment_by="plan"))
    assert [s.name for s in calibration.scenario.segments] == ["basic", "pro"]
    assert all(s.starting_customers == 0 for s in calibration.scenario.segments)
    assert any("no segment has an account active" in note for note in calibration.notes)


@settings(max_examples=25, deadline=None)
@given(small_ledgers(), st.lists(st.sampled_from(["basic", "pro", "pro.v2", ""]), min_size=1, max_size=200))
def test_segments_share_out_the_as_of_base_exactly(case, plans):
    rows, months, as_of = case
    ledger = segmented([(c, m, v, plans[i % len(plans)]) for i, (c, m, v) in enumerate(rows)])
    ledger = dataclasses.replace(ledger, months=tuple(month_label(FIRST + m) for m in range(months)))
    calibration = calibrate_ledger(ledger, CalibrateOptions(segment_by="plan", as_of=ledger.months[as_of]))
    series = ledger_metrics(ledger)["series"]
    segments = calibration.scenario.segments
    assert sum(s.starting_customers for s in segments) == series["customers"][as_of]
    assert abs(sum(float(s.starting_mrr or 0.0) for s in segments) - series["mrr"][as_of]) < 0.005
    assert len({s.name for s in segments}) == len(segments)
