"""Summary metrics, 12-month retention and cohorts on scenarios whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from scipy import stats

from saas_sim.analysis.run import result_of
from saas_sim.engine.params import draw_values
from saas_sim.engine.simulate import build_numbers, run_block, simulate_per_path, with_overrides
from saas_sim.model.catalog.metrics import (
    COMPANY_ONLY_SERIES,
    COMPANY_ONLY_SUMMARY,
    SEGMENT_ONLY_SERIES,
    SERIES,
    SERIES_NAMES,
    SUMMARY,
    SUMMARY_METRICS,
)
from saas_sim.model.metrics import in_view
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    Correlation,
    Distribution,
    Event,
    Scenario,
    Segment,
    Simulation,
)
from tests.engine.test_properties import engine_scenarios


def _document(scenario, outputs, elapsed_s: float) -> dict:
    """The result document (SPEC 5) of the blocks' outputs, as --json writes it."""
    return result_of(build_numbers(scenario, outputs, elapsed_s)).to_json()


def one_segment(
    *,
    churn=0.0,
    expansion=0.0,
    contraction=0.0,
    customers=100,
    arpa=1000.0,
    margin=0.8,
    horizon=24,
    cash=500_000.0,
    fixed=100_000.0,
    spend=0.0,
    cac=5000.0,
    paths=4,
    events=(),
):
    seg = Segment(
        name="A",
        arpa_monthly=arpa,
        churn=Churn(monthly=churn),
        gross_margin=margin,
        cac=cac,
        starting_customers=customers,
        expansion_monthly=expansion,
        contraction_monthly=contraction,
    )
    return Scenario(
        name="known",
        horizon_months=horizon,
        company=Company(cash, fixed),
        acquisition=Acquisition(spend),
        segments=(seg,),
        events=tuple(events),
        simulation=Simulation(paths=paths, seed=3),
    )


def test_deterministic_company_cash_runway_and_growth():
    """No churn, no spend: every path is the same and every figure is arithmetic."""
    e = 0.01
    sc = one_segment(expansion=e, horizon=24, fixed=150_000.0)
    company, _ = simulate_per_path(sc)
    s, summary = company["series"], company["summary"]
    mrr = 100_000 * (1 + e) ** np.arange(1, 25)
    np.testing.assert_allclose(s["mrr"][0], mrr, rtol=1e-12)
    np.testing.assert_allclose(s["arr"][0], 12 * mrr, rtol=1e-12)
    cash = 500_000 + np.cumsum(0.8 * mrr - 150_000)
    np.testing.assert_allclose(s["cash"][0], cash, rtol=1e-12)
    assert (cash < 0).any()
    first_negative = int(np.argmax(cash < 0)) + 1
    assert summary["cash_out_month"][0] == first_negative
    assert summary["out_of_cash"][0] == 1.0
    assert summary["cash_min"][0] == pytest.approx(cash.min())
    assert summary["arr_growth_yoy_end"][0] == pytest.approx((1 + e) ** 12 - 1)
    burn = np.maximum(0, -(0.8 * mrr - 150_000))[-12:].sum()
    assert summary["burn_multiple"][0] == pytest.approx(burn / (12 * mrr[-1] - 12 * mrr[-13]))
    operating = (0.8 * mrr - 150_000)[-12:].sum() / mrr[-12:].sum()
    assert summary["rule_of_40"][0] == pytest.approx(100 * ((1 + e) ** 12 - 1) + 100 * operating)
    assert summary["nrr_12m_end"][0] == pytest.approx((1 + e) ** 12)
    assert summary["grr_12m_end"][0] == pytest.approx(1.0)
    np.testing.assert_allclose(s["nrr_monthly"][0], 1 + e)
    np.testing.assert_allclose(s["quick_ratio"][0], np.nan)  # nothing lost: undefined


def test_burn_multiple_undefined_without_growth_and_metrics_need_a_year():
    company, _ = simulate_per_path(one_segment(horizon=11))
    summary = company["summary"]
    for name in (
        "arr_growth_yoy_end",
        "burn_multiple",
        "rule_of_40",
        "annualized_logo_churn_end",
        "nrr_12m_end",
        "grr_12m_end",
    ):
        assert np.isnan(summary[name]).all(), name
    company, _ = simulate_per_path(one_segment(horizon=30))
    assert np.isnan(company["summary"]["burn_multiple"]).all()  # flat ARR


def test_cash_in_event_and_net_burn():
    sc = one_segment(horizon=6, fixed=200_000.0, events=[Event(month=3, cash_in=1_000_000.0)])
    company, _ = simulate_per_path(sc)
    s = company["series"]
    monthly = 0.8 * 100_000 - 200_000
    np.testing.assert_allclose(
        s["cash"][0], 500_000 + monthly * np.arange(1, 7) + np.where(np.arange(1, 7) >= 3, 1e6, 0)
    )
    np.testing.assert_allclose(s["net_burn"][0], -monthly)  # cash_in is not income


def test_twelve_month_retention_matches_closed_forms():
    """Accounts of a year ago keep (1-m)^12 of themselves and (1+e-c)^12 of their MRR."""
    m, e, c = 0.03, 0.02, 0.01
    sc = one_segment(churn=m, expansion=e, contraction=c, customers=2000, horizon=14, paths=1000, spend=50_000.0)
    company, _ = simulate_per_path(sc)
    assert np.isnan(company["series"]["nrr_12m"][:, :11]).all()
    nrr = company["series"]["nrr_12m"].mean(axis=0)
    grr = company["series"]["grr_12m"].mean(axis=0)
    assert nrr[11] == pytest.approx((1 - m) ** 12 * (1 + e - c) ** 12, rel=0.005)
    assert grr[13] == pytest.approx((1 - m) ** 12 * (1 - c) ** 12, rel=0.005)


def test_cohort_retention_follows_survival():
    m = 0.05
    sc = one_segment(churn=m, customers=0, horizon=18, paths=3000, spend=100_000.0, cac=1000.0)
    sc = with_overrides(sc)
    outputs = [run_block(sc, b, 1000) for b in range(3)]
    result = _document(sc, outputs, 0.0)
    logo = result["cohorts"]["logo_retention"]
    assert len(logo) == 18 and len(logo[0]) == 18 and len(logo[17]) == 1
    assert all(row[0] == 1.0 for row in logo)
    np.testing.assert_allclose(logo[0], (1 - m) ** np.arange(18), rtol=0.01)
    revenue = result["cohorts"]["revenue_retention"]
    np.testing.assert_allclose(revenue[0], logo[0], rtol=1e-12)  # no expansion: MRR follows logos


def test_result_document_has_every_spec_name_and_no_nan():
    sc = with_overrides(one_segment(churn=0.02, horizon=14, spend=20_000.0))
    result = _document(sc, [run_block(sc, 0, 4)], 0.1)
    # every name of the catalog (which tests/model/test_catalog_metrics.py holds to SPEC 3)
    assert set(result["series"]) == set(SERIES_NAMES) - set(SEGMENT_ONLY_SERIES)
    assert set(result["summary"]) == set(SUMMARY_METRICS)
    assert list(result["series"]) == [metric.name for metric in in_view(SERIES, company=True)]
    assert list(result["summary"]) == [metric.name for metric in in_view(SUMMARY, company=True)]
    assert set(result["segments"]["A"]["series"]) == set(SERIES_NAMES) - set(COMPANY_ONLY_SERIES)
    assert set(result["segments"]["A"]["summary"]) == set(SUMMARY_METRICS) - set(COMPANY_ONLY_SUMMARY)
    for name, stats_ in result["summary"].items():
        # every SPEC key; "never" on payback (SPEC 3.2), "n" where fewer than all 4 paths define it
        extra = ({"never"} if name == "payback_months_with_churn" else set()) | ({"n"} if "n" in stats_ else set())
        assert set(stats_) == {"mean", "p5", "p10", "p50", "p90", "p95", "se"} | extra
        assert "n" not in stats_ or stats_["n"] < 4
    for stats_ in result["series"].values():
        assert all(len(v) == 14 for v in stats_.values())
    text = __import__("json").dumps(result, allow_nan=False)  # raises on NaN or Infinity
    assert '"schema": "saas-sim.result/1"' in text
    assert result["series"]["nrr_12m"]["p50"][0] is None  # undefined before month 12


def lognormal(p5, p95):
    return Distribution("lognormal", (("p5", p5), ("p95", p95)))


def test_uncertain_values_follow_their_distribution_and_are_clipped():
    seg = Segment(
        name="A",
        arpa_monthly=lognormal(100.0, 400.0),
        gross_margin=Distribution("normal", (("mean", 0.9), ("sd", 0.2))),
        churn=Churn(monthly=0.02),
        cac=1000.0,
    )
    sc = Scenario(
        name="u",
        horizon_months=2,
        company=Company(0.0, 0.0),
        acquisition=Acquisition(0.0),
        segments=(seg,),
        simulation=Simulation(paths=20_000, seed=5),
    )
    values = draw_values(sc, np.random.default_rng(1), 20_000)
    arpa = values["segments.A.arpa_monthly"]
    assert np.percentile(arpa, 5) == pytest.approx(100, rel=0.05)
    assert np.percentile(arpa, 95) == pytest.approx(400, rel=0.05)
    margin = values["segments.A.gross_margin"]
    assert margin.max() == 1.0 and margin.min() >= 0.0  # clipped into 0..1
    assert (margin == 1.0).mean() == pytest.approx(stats.norm.sf(0.1 / 0.2), abs=0.02)


def test_correlations_give_the_requested_rank_correlation():
    seg = Segment(
        name="A",
        arpa_monthly=500.0,
        gross_margin=0.8,
        churn=Churn(monthly=0.02),
        cac=Distribution("uniform", (("low", 1000.0), ("high", 3000.0))),
    )
    sc = Scenario(
        name="c",
        horizon_months=2,
        company=Company(0.0, 0.0),
        acquisition=Acquisition(lognormal(50_000.0, 150_000.0)),
        segments=(seg,),
        simulation=Simulation(
            paths=5000, seed=1, correlations=(Correlation(("acquisition.spend_monthly", "segments.A.cac"), 0.7),)
        ),
    )
    values = draw_values(sc, np.random.default_rng(2), 20_000)
    rho = stats.spearmanr(values["acquisition.spend_monthly"], values["segments.A.cac"]).statistic
    # Spearman's rho of a Gaussian copula with correlation r is (6/pi) asin(r/2).
    assert rho == pytest.approx(6 / math.pi * math.asin(0.7 / 2), abs=0.02)


def test_uncertain_paths_differ_but_fixed_ones_do_not():
    seg = Segment(
        name="A",
        arpa_monthly=lognormal(100.0, 400.0),
        gross_margin=0.8,
        churn=Churn(monthly=0.0),
        cac=1000.0,
        starting_customers=10,
    )
    sc = Scenario(
        name="u",
        horizon_months=3,
        company=Company(0.0, 0.0),
        acquisition=Acquisition(0.0),
        segments=(seg,),
        simulation=Simulation(paths=50, seed=5),
    )
    company, _ = simulate_per_path(sc)
    mrr = company["series"]["mrr"][:, 0]
    assert np.unique(mrr).size == 50
    np.testing.assert_allclose(company["series"]["customers"], 10)


def test_company_unit_economics_weight_segments_by_new_accounts():
    a = Segment(name="A", spend_share=0.5, arpa_monthly=100.0, gross_margin=1.0, churn=Churn(monthly=0.1), cac=100.0)
    b = Segment(name="B", spend_share=0.5, arpa_monthly=100.0, gross_margin=1.0, churn=Churn(monthly=0.1), cac=300.0)
    sc = Scenario(
        name="w",
        horizon_months=6,
        company=Company(0.0, 0.0),
        acquisition=Acquisition(30_000.0),
        segments=(a, b),
        simulation=Simulation(paths=2000, seed=9),
    )
    company, segments = simulate_per_path(sc)
    # A wins three times as many accounts, so company payback is (3*1 + 1*3)/4 = 1.5 months.
    assert np.mean(company["summary"]["payback_months"]) == pytest.approx(1.5, rel=0.01)
    np.testing.assert_allclose(segments["A"]["summary"]["payback_months"], 1.0)


def test_a_run_too_big_for_memory_is_refused_before_any_work(monkeypatch):
    from saas_sim.engine import simulate as engine
    from saas_sim.errors import InputError

    sc = one_segment(paths=10_000, horizon=24)
    monkeypatch.setattr(engine.os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 14_000}[name])
    monkeypatch.setattr(engine, "default_workers", lambda: 2)  # the estimate counts each worker's arrays
    monkeypatch.setattr(engine, "run_block", lambda *a: pytest.fail("no block may run"))
    with pytest.raises(InputError, match=r"10,000 paths x 24 months need about 0\.1 GB .* at most about 5,\d{3} paths"):
        simulate_per_path(sc)


def test_company_unit_economics_without_new_accounts_weigh_segments_equally():
    a = Segment(
        name="A",
        spend_share=0.5,
        arpa_monthly=100.0,
        gross_margin=1.0,
        churn=Churn(monthly=0.1),
        cac=100.0,
        starting_customers=5,
    )
    b = Segment(
        name="B",
        spend_share=0.5,
        arpa_monthly=100.0,
        gross_margin=1.0,
        churn=Churn(monthly=0.1),
        cac=300.0,
        starting_customers=5,
    )
    for segs, expected in (((a, b), 2.0), ((a,), 1.0)):
        sc = Scenario(
            name="w",
            horizon_months=3,
            company=Company(0.0, 0.0),
            acquisition=Acquisition(0.0),
            segments=segs,
            simulation=Simulation(paths=20, seed=9),
        )
        company, _ = simulate_per_path(sc)
        np.testing.assert_allclose(company["summary"]["payback_months"], expected)


def test_one_segment_reports_the_same_numbers_as_the_company_view_of_it():
    """build_numbers describes a lone segment once, through the company: check that is exact."""
    from saas_sim.engine.simulate import _described, raw_per_path, view

    sc = with_overrides(
        one_segment(churn=0.03, expansion=0.01, contraction=0.004, horizon=15, spend=30_000.0, paths=300)
    )
    numbers = build_numbers(sc, [run_block(sc, 0, 300)], 0.0)
    seg_raw, _ = raw_per_path(sc, [run_block(sc, 0, 300)])
    direct = _described(view(seg_raw["A"], company=False))
    assert numbers.segments["A"] == direct


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=engine_scenarios())
def test_series_described_one_at_a_time_equal_those_described_all_at_once(scenario):
    """build_numbers makes, describes and drops each derived series in turn (LazySeries): the same
    statistics, to the bit, as describing every series of a view held in memory at once."""
    from saas_sim.engine.simulate import _described, raw_per_path, view

    scenario = with_overrides(scenario)
    paths = scenario.simulation.paths
    numbers = build_numbers(scenario, [run_block(scenario, 0, paths)], 0.0)
    seg_raw, raw = raw_per_path(scenario, [run_block(scenario, 0, paths)])
    company = _described(view(raw, company=True))
    assert numbers.series == company.series and numbers.summary == company.summary
    if len(seg_raw) > 1:
        for name, seg in seg_raw.items():
            assert numbers.segments[name] == _described(view(seg, company=False))


def test_the_memory_estimate_grows_with_the_statistics_workers(monkeypatch):
    from saas_sim.engine import simulate as engine

    sc = one_segment(paths=10_000, horizon=24)
    monkeypatch.setattr(engine, "default_workers", lambda: 2)
    two = engine.memory_needed(sc)
    monkeypatch.setattr(engine, "default_workers", lambda: 8)
    assert engine.memory_needed(sc) - two == 6 * engine.ARRAYS_PER_WORKER * 8 * 10_000 * 24
