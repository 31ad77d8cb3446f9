"""Per-path invariants of the issue-18 semantics (SPEC 2.5, 2.7, 2.8), over generated scenarios.

``stop_acquisition``, ``shut_down`` and funding are not linear in expectation (a path's cash decides
what it does), so instead of exact means every path is held to what the SPEC says it does: nothing after
a closure, cash frozen, spend 0 in a month that opens with negative cash, funding arriving
``months_to_close`` after a month that triggered an attempt, every MRR bridge, moves that balance.
The scenarios mix those with customer-success managers, programs and migrations, with fixed values (no
uncertain ones), so that scaling every amount of money by a power of two is exact.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim.engine.simulate import program_effect_per_path, simulate_per_path, without_program
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    CustomerSuccess,
    Event,
    Funding,
    Migration,
    Program,
    Scenario,
    Segment,
    Simulation,
)
from tests.engine.test_properties import amounts, floats

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTS = ("customers", "new_customers", "paid_new", "referral_new", "churned_customers", "renewals_due")
MOVES = ("migrated_in_customers", "migrated_out_customers", "migrated_in_mrr", "migrated_out_mrr")


@st.composite
def segments(draw, name: str, share: float) -> Segment:
    kind = draw(st.sampled_from(["monthly", "annual", "sbg"]))
    if kind == "sbg":
        churn = Churn(alpha=draw(floats(0.2, 5.0)), beta=draw(floats(0.5, 20.0)))
    elif kind == "monthly":
        churn = Churn(monthly=draw(floats(0.0, 0.3)), heterogeneity=draw(st.sampled_from([0.0, 0.3])))
    else:
        churn = Churn(annual=draw(floats(0.0, 0.6)), heterogeneity=draw(st.sampled_from([0.0, 0.3])))
    return Segment(
        name=name,
        spend_share=share,
        cac=draw(floats(500.0, 20_000.0)),
        cac_elasticity=draw(st.sampled_from([0.0, 0.0, 0.4])),
        arpa_monthly=draw(floats(10.0, 3_000.0)),
        starting_customers=draw(st.integers(0, 80)),
        starting_tenure_months=draw(st.integers(0, 14)),
        contract_months=draw(st.sampled_from([1, 1, 3, 12])),
        billing=draw(st.sampled_from(["monthly", "upfront"])),
        churn=churn,
        expansion_monthly=draw(floats(0.0, 0.05)),
        contraction_monthly=draw(floats(0.0, 0.03)),
        gross_margin=draw(floats(0.1, 0.95)),
        retention_cost_monthly=draw(st.sampled_from([0.0, 10.0, 60.0])),
        referrals_monthly=draw(st.sampled_from([0.0, 0.0, 0.03])),
    )


@st.composite
def scenarios(draw, policy: str | None = None, funding: bool | None = None) -> Scenario:
    """1..3 segments under any cash policy, with or without funding, managers, programs and migrations;
    cash low enough that many paths run out of it. Amounts of money are 0 or at least 1."""
    n = draw(st.integers(1, 3))
    shares = {1: [1.0], 2: [0.5, 0.5], 3: [0.5, 0.25, 0.25]}[n]
    segs = tuple(draw(segments(f"S{i}", shares[i])) for i in range(n))
    names = [s.name for s in segs]
    horizon = draw(st.integers(1, 24))
    with_funding = draw(st.booleans()) if funding is None else funding
    fund = None
    if with_funding:
        fund = Funding(
            below_cash=draw(amounts(300_000.0)),
            amount=draw(floats(1_000.0, 500_000.0)),
            probability=draw(st.sampled_from([0.0, 0.4, 1.0])),
            months_to_close=draw(st.integers(1, 4)),
            max_rounds=draw(st.integers(1, 3)),
        )
    csm = None
    if draw(st.booleans()):
        csm = CustomerSuccess(draw(floats(50_000.0, 2_000_000.0)), draw(floats(1_000.0, 15_000.0)))
    programs = []
    for k in range(draw(st.integers(0, 2))):
        first = draw(st.integers(1, horizon))
        programs.append(
            Program(
                name=f"P{k}",
                cost_monthly=draw(amounts(30_000.0)),
                segments=tuple(draw(st.lists(st.sampled_from(names), min_size=1, max_size=n, unique=True))),
                from_month=first,
                to_month=draw(st.one_of(st.none(), st.integers(first, horizon))),
                churn_change=draw(floats(-1.0, 1.0)),
                expansion_change=draw(floats(-0.05, 0.05)),
            )
        )
    migrations = []
    if n > 1:
        pairs = [(a, b) for a in names for b in names if a != b]
        for a, b in draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)):
            migrations.append(Migration(a, b, draw(floats(0.0, 0.3)), draw(st.sampled_from([0.5, 1.0, 3.0]))))
    events = []
    if draw(st.booleans()):
        events.append(
            Event(
                month=draw(st.integers(1, horizon)),
                set=(("acquisition.spend_monthly", draw(amounts(150_000.0))),),
                cash_in=draw(st.one_of(st.none(), floats(1_000.0, 300_000.0))),
            )
        )
    return Scenario(
        name="generated",
        horizon_months=horizon,
        company=Company(
            starting_cash=draw(st.one_of(amounts(600_000.0), floats(-50_000.0, -1.0))),
            fixed_costs_monthly=draw(amounts(80_000.0)),
            when_out_of_cash=policy or draw(st.sampled_from(["continue", "stop_acquisition", "shut_down"])),
            funding=fund,
            customer_success=csm,
        ),
        acquisition=Acquisition(
            spend_monthly=draw(amounts(100_000.0)),
            spend_growth_monthly=draw(floats(-0.05, 0.1)),
            reinvest_gross_profit=draw(st.sampled_from([0.0, 0.2])),
        ),
        segments=segs,
        events=tuple(events),
        programs=tuple(programs),
        migrations=tuple(migrations),
        simulation=Simulation(paths=draw(st.integers(1, 30)), seed=draw(st.integers(0, 2**32 - 1))),
    )


def run(scenario: Scenario):
    return simulate_per_path(scenario, workers=1)


def views(company, segments):
    yield "company", company["series"]
    for name, seg in segments.items():
        yield name, seg["series"]


def customers_before(s: dict[str, np.ndarray]) -> np.ndarray:
    """customers_{t-1}; month 0 recovered from month 1's movements (moves included for a segment)."""
    month0 = s["customers"][:, :1] - s["new_customers"][:, :1] + s["churned_customers"][:, :1]
    if "migrated_in_customers" in s:
        month0 = month0 - s["migrated_in_customers"][:, :1] + s["migrated_out_customers"][:, :1]
    return np.concatenate([month0, s["customers"][:, :-1]], axis=1)


@SETTINGS
@given(scenarios())
def test_every_bridge_holds_and_moves_balance_on_every_path(scenario):
    company, segments = run(scenario)
    c = company["series"]
    for label, s in views(company, segments):
        mrr, net_new = s["mrr"], s["net_new_mrr"]
        assert np.array_equal(mrr[:, 1:], mrr[:, :-1] + net_new[:, 1:]), label
        movements = s["new_mrr"] + s["expansion_mrr"] - s["contraction_mrr"] - s["churned_mrr"]
        if label != "company":
            movements = movements + s["migrated_in_mrr"] - s["migrated_out_mrr"]
        scale = 1e-9 * (1 + np.abs(mrr).max())
        np.testing.assert_allclose(net_new, movements, rtol=1e-12, atol=scale, err_msg=label)
        for name in COUNTS:
            assert (s[name] >= 0).all() and np.array_equal(s[name], np.round(s[name])), (label, name)
        assert (s["churned_customers"] <= customers_before(s)).all(), label
        assert (s["mrr"] >= -scale).all(), label
        assert np.array_equal(s["new_customers"], s["paid_new"] + s["referral_new"]), label
    seg = [segments[s.name]["series"] for s in scenario.segments]
    for name in ("customers", "new_customers", "churned_customers"):
        assert np.array_equal(c[name], sum(v[name] for v in seg)), name
    for name in ("mrr", "new_mrr", "churned_mrr", "revenue", "gross_profit", "collections"):
        total = sum(v[name] for v in seg)
        np.testing.assert_allclose(c[name], total, rtol=1e-12, atol=1e-9 * (1 + np.abs(total).max()), err_msg=name)
    if scenario.migrations:
        for name in MOVES:
            assert (sum(v[name] for v in seg) >= 0).all(), name
        assert np.array_equal(
            sum(v["migrated_in_customers"] for v in seg), sum(v["migrated_out_customers"] for v in seg)
        )
        own = sum(v["expansion_mrr"] - v["contraction_mrr"] for v in seg)
        moved = sum(v["migrated_in_mrr"] - v["migrated_out_mrr"] for v in seg)
        np.testing.assert_allclose(
            c["expansion_mrr"] - c["contraction_mrr"],
            own + moved,
            rtol=1e-12,
            atol=1e-9 * (1 + np.abs(c["mrr"]).max()),
        )
    # the company's costs: its segments', plus programs and managers
    extra = c["cs_cost"] - sum(v["cs_cost"] for v in seg)
    if not scenario.programs and scenario.company.customer_success is None:
        np.testing.assert_allclose(extra, 0.0, atol=1e-9 * (1 + np.abs(c["cs_cost"]).max()))
    if scenario.company.customer_success is None:
        assert (c["csm_headcount"] == 0).all()
    assert (c["csm_headcount"] >= 0).all() and np.array_equal(c["csm_headcount"], np.round(c["csm_headcount"]))


@SETTINGS
@given(scenarios(policy="shut_down"))
def test_after_a_shut_down_nothing_happens_and_cash_stays_frozen(scenario):
    company, segments = run(scenario)
    c = company["series"]
    H = scenario.horizon_months
    closed, cash = c["closed"], c["cash"]
    assert np.isin(closed, (0.0, 1.0)).all()
    assert (np.diff(closed, axis=1) >= 0).all()  # 0 then 1, never back
    negative = cash < 0
    first_negative = np.where(negative.any(axis=1), negative.argmax(axis=1) + 1, 0)  # 0: never
    for p in range(cash.shape[0]):
        m = first_negative[p]
        expected_closed = np.zeros(H)
        if m:
            expected_closed[m:] = 1.0
        np.testing.assert_array_equal(closed[p], expected_closed)
        if not m or m == H:
            continue
        after = slice(m, H)  # months m + 1 .. H
        for _, s in views(company, segments):
            assert s["churned_customers"][p, m] == s["customers"][p, m - 1]
            assert s["churned_mrr"][p, m] == pytest.approx(s["mrr"][p, m - 1], rel=1e-12, abs=1e-9)
            for name in ("customers", "new_customers", "mrr", "revenue", "acquisition_spend", "cs_cost"):
                assert (s[name][p, after] == 0).all(), name
            for name in ("gross_profit", "collections", "new_mrr", "expansion_mrr", "renewals_due"):
                assert (s[name][p, after] == 0).all(), name
            assert (s["churned_customers"][p, m + 1 :] == 0).all()
        for name in ("fixed_costs", "funding_in", "csm_headcount", "net_burn"):
            assert (c[name][p, after] == 0).all(), name
        assert (cash[p, after] == cash[p, m - 1]).all()
    # out_of_cash is the share of paths that closed by H or first went negative at H
    summary = company["summary"]
    went = (closed[:, -1] == 1) | (summary["cash_out_month"] == H)
    np.testing.assert_array_equal(summary["out_of_cash"], went.astype(float))
    np.testing.assert_array_equal(summary["cash_out_month"][first_negative > 0], first_negative[first_negative > 0])


@SETTINGS
@given(scenarios(policy="stop_acquisition"))
def test_stop_acquisition_buys_nobody_in_a_month_that_opens_with_negative_cash(scenario):
    company, segments = run(scenario)
    c = company["series"]
    opening = np.concatenate(
        [np.full((c["cash"].shape[0], 1), scenario.company.starting_cash), c["cash"][:, :-1]], axis=1
    )
    stopped = opening < 0
    for _, s in views(company, segments):
        assert (s["acquisition_spend"][stopped] == 0).all()
        assert (s["paid_new"][stopped] == 0).all()
    assert (c["closed"] == 0).all()
    if not scenario.events and scenario.acquisition.reinvest_gross_profit == 0:
        t = np.arange(scenario.horizon_months)
        planned = scenario.acquisition.spend_monthly * (1 + scenario.acquisition.spend_growth_monthly) ** t
        np.testing.assert_allclose(c["acquisition_spend"], np.where(stopped, 0.0, planned), rtol=1e-12, atol=1e-9)


def funding_arrivals(scenario: Scenario, cash: np.ndarray) -> list[int]:
    """The months a round may arrive in (SPEC 2.5), read from one path's cash: ``months_to_close`` after
    a month whose end triggers an attempt, within the horizon and while the company is open."""
    fund = scenario.company.funding
    assert fund is not None
    H = scenario.horizon_months
    attempts: list[int] = []
    last_open = H
    for t in range(1, H + 1):
        if scenario.company.when_out_of_cash == "shut_down" and cash[t - 1] < 0:
            last_open = t  # the company closes at the end of t: no attempt, nothing arrives after
            break
        if (
            cash[t - 1] < fund.below_cash
            and len(attempts) < fund.max_rounds
            and (not attempts or t - attempts[-1] >= fund.months_to_close)
        ):
            attempts.append(t)
    return [t + fund.months_to_close for t in attempts if t + fund.months_to_close <= last_open]


@SETTINGS
@given(scenarios(funding=True))
def test_funding_arrives_months_to_close_after_a_month_that_triggered_an_attempt(scenario):
    company, _ = run(scenario)
    fund = scenario.company.funding
    H = scenario.horizon_months
    received = company["series"]["funding_in"]
    cash = company["series"]["cash"]
    assert np.isin(received, (0.0, fund.amount)).all()
    assert ((received > 0).sum(axis=1) <= fund.max_rounds).all()
    for p in range(received.shape[0]):
        arrivals = funding_arrivals(scenario, cash[p])
        got = list(np.flatnonzero(received[p] > 0) + 1)
        assert set(got) <= set(arrivals), (got, arrivals)
        if fund.probability == 1.0:
            assert got == arrivals
        if fund.probability == 0.0:
            assert got == []
    # the cash it brings is in cash and left out of net burn
    if H > 1:
        flows = cash[:, 1:] - cash[:, :-1]
        burn = np.maximum(0.0, -(flows - received[:, 1:]))
        open_month = company["series"]["closed"][:, 1:] == 0
        event_cash = np.zeros(H)
        for e in scenario.events:
            event_cash[e.month - 1] += e.cash_in or 0.0
        open_month &= event_cash[None, 1:] == 0
        np.testing.assert_allclose(
            company["series"]["net_burn"][:, 1:][open_month],
            burn[open_month],
            rtol=1e-9,
            atol=1e-6 * (1 + np.abs(cash).max()),
        )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_same_seed_reproduces_whatever_the_threads(scenario):
    scenario = dataclasses.replace(
        scenario,
        horizon_months=min(scenario.horizon_months, 12),
        events=tuple(e for e in scenario.events if e.month <= 12),
        programs=tuple(
            dataclasses.replace(p, to_month=None if p.to_month is None else min(p.to_month, 12))
            for p in scenario.programs
            if p.from_month <= 12
        ),
        simulation=dataclasses.replace(scenario.simulation, paths=1_100),
    )
    one, seg_one = simulate_per_path(scenario, workers=1)
    two, seg_two = simulate_per_path(scenario, workers=2)
    for name in one["series"]:
        assert np.array_equal(one["series"][name], two["series"][name], equal_nan=True), name
    for name in one["summary"]:
        assert np.array_equal(one["summary"][name], two["summary"][name], equal_nan=True), name
    for seg in seg_one:
        for name in seg_one[seg]["series"]:
            assert np.array_equal(seg_one[seg]["series"][name], seg_two[seg]["series"][name], equal_nan=True)


MONEY = (
    "mrr",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "acquisition_spend",
    "revenue",
    "gross_profit",
    "cs_cost",
    "collections",
    "fixed_costs",
    "cash",
    "net_burn",
    "funding_in",
)
UNSCALED = ("customers", "new_customers", "churned_customers", "renewals_due", "closed", "csm_headcount")


def scale_money(scenario: Scenario, k: float) -> Scenario:
    """Every amount of money x k: the company's, acquisition's, segments', events', funding's, the
    managers' (ARR per manager too, so the headcount stays) and the programs' costs."""
    company = scenario.company
    fund = company.funding
    csm = company.customer_success
    return dataclasses.replace(
        scenario,
        company=dataclasses.replace(
            company,
            starting_cash=company.starting_cash * k,
            fixed_costs_monthly=company.fixed_costs_monthly * k,
            funding=None
            if fund is None
            else dataclasses.replace(fund, below_cash=fund.below_cash * k, amount=fund.amount * k),
            customer_success=None
            if csm is None
            else CustomerSuccess(csm.arr_per_csm * k, csm.cost_per_csm_monthly * k),
        ),
        acquisition=dataclasses.replace(scenario.acquisition, spend_monthly=scenario.acquisition.spend_monthly * k),
        segments=tuple(
            dataclasses.replace(
                s, cac=s.cac * k, arpa_monthly=s.arpa_monthly * k, retention_cost_monthly=s.retention_cost_monthly * k
            )
            for s in scenario.segments
        ),
        events=tuple(
            dataclasses.replace(
                e,
                set=tuple((path, v * k) for path, v in e.set),  # only acquisition.spend_monthly is set here
                cash_in=None if e.cash_in is None else e.cash_in * k,
            )
            for e in scenario.events
        ),
        programs=tuple(dataclasses.replace(p, cost_monthly=p.cost_monthly * k) for p in scenario.programs),
    )


@SETTINGS
@given(scenarios(), st.sampled_from([0.25, 4.0, 1024.0]))
def test_scaling_all_money_by_a_power_of_two_scales_money_and_keeps_every_verdict(scenario, k):
    """A power of two scales floats exactly, so every comparison (cash < 0, cash < below_cash, the
    managers' ceiling of ARR / arr_per_csm) decides the same on every path. With another factor the
    money still scales within rounding, but a path whose ratio or cash sits on a boundary may flip:
    the managers' headcount is a ceiling (a ratio of 3 x (1 + 1e-16) is 4 managers)."""
    base, base_seg = run(scenario)
    scaled, scaled_seg = run(scale_money(scenario, k))
    for name in MONEY:
        np.testing.assert_allclose(
            scaled["series"][name], k * base["series"][name], rtol=1e-9, atol=1e-6 * k, err_msg=name
        )
    for name in UNSCALED:
        np.testing.assert_array_equal(scaled["series"][name], base["series"][name], err_msg=name)
    for seg in base_seg:
        for name in MOVES:
            factor = k if name.endswith("mrr") else 1.0
            np.testing.assert_allclose(
                scaled_seg[seg]["series"][name], factor * base_seg[seg]["series"][name], rtol=1e-9, atol=1e-6 * k
            )
    np.testing.assert_array_equal(scaled["summary"]["out_of_cash"], base["summary"]["out_of_cash"])


def test_referrals_go_on_while_acquisition_is_stopped():
    """A company that opens every month after the first with negative cash buys nobody but keeps its
    word of mouth; under shut_down it would have closed after month 1."""
    seg = Segment(
        name="A",
        arpa_monthly=100.0,
        churn=Churn(monthly=0.02),
        gross_margin=0.8,
        cac=1_000.0,
        starting_customers=500,
        referrals_monthly=0.05,
    )
    scenario = Scenario(
        name="stopped",
        horizon_months=6,
        company=Company(starting_cash=10_000.0, fixed_costs_monthly=200_000.0, when_out_of_cash="stop_acquisition"),
        acquisition=Acquisition(spend_monthly=50_000.0),
        segments=(seg,),
        simulation=Simulation(paths=200, seed=3),
    )
    company, _ = run(scenario)
    s = company["series"]
    assert (s["acquisition_spend"][:, 0] == 50_000.0).all() and (s["acquisition_spend"][:, 1:] == 0).all()
    assert (s["paid_new"][:, 1:] == 0).all() and s["paid_new"][:, 0].mean() == pytest.approx(50, rel=0.1)
    # word of mouth: 5 % of the accounts that survive month 2's churn, 2 %
    assert s["referral_new"][:, 1].mean() == pytest.approx(0.05 * 0.98 * s["customers"][:, 0].mean(), rel=0.05)
    assert (s["referral_new"][:, 1:].sum(axis=0) > 0).all()
    shut, _ = run(
        dataclasses.replace(scenario, company=dataclasses.replace(scenario.company, when_out_of_cash="shut_down"))
    )
    assert (shut["series"]["closed"][:, 1:] == 1).all() and (shut["series"]["customers"][:, 1:] == 0).all()


def test_funding_that_always_closes_keeps_a_company_open():
    """Cash under 100k at the end of month 2 triggers a round of 1M that arrives in month 4: with
    probability 1 on every path, with probability 0 on none (and the company shuts down)."""
    seg = Segment(name="A", arpa_monthly=100.0, churn=Churn(monthly=0.02), gross_margin=0.8, cac=1_000.0)
    base = Scenario(
        name="funded",
        horizon_months=8,
        company=Company(
            starting_cash=250_000.0,
            fixed_costs_monthly=80_000.0,
            when_out_of_cash="shut_down",
            funding=Funding(below_cash=100_000.0, amount=1_000_000.0, probability=1.0, months_to_close=2),
        ),
        acquisition=Acquisition(spend_monthly=0.0),
        segments=(seg,),
        simulation=Simulation(paths=100, seed=5),
    )
    company, _ = run(base)
    received = company["series"]["funding_in"]
    assert (received[:, 3] == 1_000_000.0).all() and received.sum() == 100 * 1_000_000.0
    assert (company["series"]["closed"] == 0).all()
    never = dataclasses.replace(
        base,
        company=dataclasses.replace(base.company, funding=dataclasses.replace(base.company.funding, probability=0.0)),
    )
    company, _ = run(never)
    assert (company["series"]["funding_in"] == 0).all()
    # cash 170k, 90k, 10k, then -70k at the end of month 4: closed from month 5
    np.testing.assert_array_equal(company["series"]["closed"], np.broadcast_to([0, 0, 0, 0, 1, 1, 1, 1], (100, 8)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(policy="continue", funding=False), floats(1.0, 50_000.0), st.integers(1, 24), st.integers(0, 24))
def test_a_program_that_changes_nothing_saves_nothing_on_any_path(scenario, cost, first, length):
    """Against the same scenario without it (SPEC 2.7, common random numbers): a program whose only
    effect is its cost saves no customer, ARR or gross profit on any path while cash decides nothing
    (``continue``, no funding), and costs cost_monthly x its months."""
    H = scenario.horizon_months
    first = min(first, H)
    last = min(first + length, H)
    idle = Program(
        name="Idle", cost_monthly=cost, segments=(scenario.segments[0].name,), from_month=first, to_month=last
    )
    scenario = dataclasses.replace(scenario, programs=(*scenario.programs, idle))
    for effect in ("saved_customers", "saved_arr", "extra_gross_profit"):
        assert (program_effect_per_path(scenario, "Idle", effect, workers=1) == 0).all(), effect
    np.testing.assert_allclose(program_effect_per_path(scenario, "Idle", "cost", workers=1), cost * (last - first + 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(policy="continue", funding=False))
def test_a_program_on_one_segment_leaves_the_others_as_they_were_on_every_path(scenario):
    """Without moves between segments, reinvested gross profit or cash deciding anything, the segments
    share nothing but a plan of spend: against its counterfactual (the same scenario with the program
    idle, SPEC 2.7), a program on S0 changes no other segment's numbers on any path."""
    scenario = dataclasses.replace(
        scenario,
        migrations=(),
        acquisition=dataclasses.replace(scenario.acquisition, reinvest_gross_profit=0.0),
    )
    with_it = dataclasses.replace(
        scenario,
        programs=(
            *scenario.programs,
            Program(name="Save", cost_monthly=1_000.0, segments=("S0",), churn_change=-0.5, expansion_change=0.01),
        ),
    )
    _, before = run(without_program(with_it, len(with_it.programs) - 1))
    _, after = run(with_it)
    for seg in scenario.segments[1:]:
        for name, values in before[seg.name]["series"].items():
            assert np.array_equal(values, after[seg.name]["series"][name], equal_nan=True), (seg.name, name)
