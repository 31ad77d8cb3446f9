"""Programs and customer-success managers (SPEC 2.7): Monte-Carlo means against the exact recursion of
tests/engine/exact.py, and the programs' effects against the exact difference of two recursions."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from saas_sim.engine.simulate import program_effect_per_path, simulate, simulate_per_path, without_program
from saas_sim.model.scenario import Churn, Company, CustomerSuccess, Event, Migration, Program
from tests.engine.exact import expected_series
from tests.engine.test_expectations import assert_mean_matches, make
from tests.engine.test_migrations import COMPANY, SEGMENT, key_accounts, smb

# COMPANY without cs_cost and cash, which the managers' ceiling makes bounds (checked apart)
LINEAR = [(name, key) for name, key in COMPANY if name not in ("cs_cost", "cash")]


def with_programs(scenario, *programs, migrations=(), customer_success=None):
    company = dataclasses.replace(scenario.company, customer_success=customer_success)
    return dataclasses.replace(scenario, company=company, programs=tuple(programs), migrations=tuple(migrations))


def save_key_accounts(**changes) -> Program:
    """From month 4 to 15 of 24: renewals' churn -40 %, expansion +0.5 points, 25k a month."""
    return dataclasses.replace(
        Program(
            name="Save",
            cost_monthly=25_000.0,
            segments=("Key",),
            from_month=4,
            to_month=15,
            churn_change=-0.4,
            expansion_change=0.005,
        ),
        **changes,
    )


def two_segments(**kwargs):
    return make([smb(), key_accounts()], horizon=24, spend=40_000.0, growth=0.01, **kwargs)


def test_a_program_that_starts_and_ends_mid_horizon_agrees_with_exact_recursion():
    """Two programs over annual sBG key accounts and monthly SMB accounts: one from month 4 to 15 on
    the key accounts, one on both from month 10 to the horizon that raises churn (factor 1.2) and
    takes expansion below 0 (clipped to 0); their costs are the company's, not a segment's. An event
    raises the key accounts' churn in month 8, under the first program: its factor applies to the new h(n)."""
    sc = with_programs(
        two_segments(paths=4000, events=[Event(month=8, set=(("segments.Key.churn.annual", 0.2),))]),
        save_key_accounts(),
        Program(
            name="Squeeze",
            cost_monthly=3_000.0,
            segments=("SMB", "Key"),
            from_month=10,
            churn_change=0.2,
            expansion_change=-0.05,
        ),
    )
    company, segments = simulate_per_path(sc)
    exact = expected_series(sc)
    for name, key in COMPANY:
        assert_mean_matches(company["series"][name], exact[key], name)
    for seg in sc.segments:
        for name, key in SEGMENT:
            assert_mean_matches(segments[seg.name]["series"][name], exact[f"{seg.name}.{key}"], f"{seg.name}.{name}")
    # the programs' cost is in the company's cs_cost alone, exactly, on every path
    own = segments["SMB"]["series"]["cs_cost"] + segments["Key"]["series"]["cs_cost"]
    months = np.arange(1, 25)
    program_cost = 25_000.0 * ((months >= 4) & (months <= 15)) + 3_000.0 * (months >= 10)
    np.testing.assert_allclose(company["series"]["cs_cost"] - own, np.broadcast_to(program_cost, own.shape), atol=1e-6)
    # expansion clipped at 0 from month 10 on, in both segments
    for name in ("SMB", "Key"):
        assert (segments[name]["series"]["expansion_mrr"][:, 9:] == 0).all()
        assert (segments[name]["series"]["expansion_mrr"][:, :9] > 0).any()


def test_a_program_halving_churn_of_a_segment_with_migrations_into_it_agrees_with_exact_recursion():
    """The movers' group in the key accounts renews from its own renewal 1 under the program's factor too."""
    sc = with_programs(
        two_segments(paths=3000),
        save_key_accounts(from_month=1, to_month=None, churn_change=-0.5, expansion_change=0.0),
        migrations=[Migration("SMB", "Key", 0.02, 6.0)],
    )
    company, segments = simulate_per_path(sc)
    exact = expected_series(sc)
    for name, key in COMPANY:
        assert_mean_matches(company["series"][name], exact[key], name)
    for name, key in SEGMENT:
        assert_mean_matches(segments["Key"]["series"][name], exact[f"Key.{key}"], f"Key.{name}")


def test_a_program_removing_all_churn_keeps_every_account():
    """churn_change -100 %: while active nobody churns; the factor is 0, not a rate below 0."""
    seg = smb(spend_share=1.0, churn=Churn(monthly=0.3, heterogeneity=0.5))
    sc = with_programs(
        make([seg], horizon=12, paths=200, spend=10_000.0),
        Program(name="All", cost_monthly=1.0, segments=("SMB",), from_month=3, to_month=8, churn_change=-1.0),
    )
    company, _ = simulate_per_path(sc, workers=1)
    churned = company["series"]["churned_customers"]
    assert (churned[:, 2:8] == 0).all()
    assert (churned[:, :2] > 0).all() and (churned[:, 8:] > 0).all()


def test_managers_for_a_certain_arr_are_its_ceiling_on_every_path():
    """No churn, no spend, no expansion: ARR is 12 x 120 x 1000 = 1.44M every month; at 500k per manager
    that is ceil(2.88) = 3 managers, whose cost is the company's; 1.5M per manager is exactly one."""
    seg = smb(
        spend_share=1.0,
        starting_customers=120,
        arpa_monthly=1_000.0,
        churn=Churn(monthly=0.0),
        expansion_monthly=0.0,
        contraction_monthly=0.0,
        referrals_monthly=0.0,
    )
    base = make([seg], horizon=6, paths=50)
    for arr_per_csm, headcount in ((500_000.0, 3), (1_440_000.0, 1), (1_000_000.0, 2)):
        sc = with_programs(base, customer_success=CustomerSuccess(arr_per_csm, 9_000.0))
        company, segments = simulate_per_path(sc, workers=1)
        exact = expected_series(sc)
        assert exact["csm_exact"] == [headcount] * 6
        assert (company["series"]["csm_headcount"] == headcount).all()
        own = segments["SMB"]["series"]["cs_cost"]
        np.testing.assert_array_equal(company["series"]["cs_cost"], own + 9_000.0 * headcount)
        cash = company["series"]["cash"]
        step = cash[:, 1:] - cash[:, :-1]
        np.testing.assert_allclose(step, np.broadcast_to(step[:, :1], step.shape), rtol=1e-12)


def test_managers_for_an_uncertain_arr_cost_between_the_exact_bounds():
    """E[ceil(X)] is in [E[X], E[X] + 1): the mean headcount of each month within the exact recursion's
    bounds of last month's expected ARR (widened by 5 standard errors), and so the cost and the cash."""
    cost = 10_000.0
    sc = with_programs(
        two_segments(paths=3000),
        save_key_accounts(),
        customer_success=CustomerSuccess(400_000.0, cost),
        migrations=[Migration("SMB", "Key", 0.02, 6.0)],
    )
    company, _ = simulate_per_path(sc)
    exact = expected_series(sc)
    ratio = np.asarray(exact["csm_ratio"])
    assert ratio[0] == pytest.approx(12 * (400 * 150 + 25 * 2_000) / 400_000)  # ARR_0 from the starting MRR
    s = company["series"]
    n = s["csm_headcount"].shape[0]
    for name, low, high in (
        ("csm_headcount", ratio, ratio + 1),
        ("cs_cost", np.asarray(exact["cs_cost"]), np.asarray(exact["cs_cost"]) + cost),
        ("cash", np.asarray(exact["cash"]) - cost * np.arange(1, 25), np.asarray(exact["cash"])),
    ):
        mean = s[name].mean(axis=0)
        se = s[name].std(axis=0, ddof=1) / math.sqrt(n)
        assert (mean >= low - 5 * se - 1e-9 * np.abs(low)).all(), name
        assert (mean < high + 5 * se + 1e-9 * np.abs(high)).all(), name
    assert (s["csm_headcount"] == np.round(s["csm_headcount"])).all()
    # the rest of the company is linear and exact
    for name, key in LINEAR:
        assert_mean_matches(s[name], exact[key], name)


def test_program_effects_means_are_the_exact_difference_of_the_two_recursions():
    """cost, saved customers, saved ARR and extra gross profit as the run reports them (Numbers.programs:
    the run with the program against the same scenario without it): their mean within 5 of their own
    standard errors of the exact recursion with the program minus without."""
    sc = with_programs(
        two_segments(paths=3000, reinvest=0.1),
        save_key_accounts(),
        Program(name="Onboarding", cost_monthly=5_000.0, segments=("SMB",), from_month=2, churn_change=-0.25),
        migrations=[Migration("SMB", "Key", 0.01, 6.0)],
    )
    sc = dataclasses.replace(sc, company=Company(starting_cash=1e6, fixed_costs_monthly=20_000.0))
    reported = simulate(sc).programs
    for k, program in enumerate(sc.programs):
        with_it, without = expected_series(sc), expected_series(without_program(sc, k))
        exact = {
            "cost": program.cost_monthly * ((program.to_month or 24) - program.from_month + 1),
            "saved_customers": with_it["customers"][-1] - without["customers"][-1],
            "saved_arr": 12 * (with_it["mrr"][-1] - without["mrr"][-1]),
            "extra_gross_profit": sum(with_it["gross_profit"]) - sum(without["gross_profit"]),
        }
        assert exact["saved_customers"] > 0 and exact["saved_arr"] > 0
        for effect, value in exact.items():
            stat = reported[program.name][effect]
            assert abs(stat.mean - value) <= 5 * stat.se + 1e-9 * abs(value), (program.name, effect, stat, value)
    # the program's per-path effect (what goal and sensitivity read) is the one the run reports
    per_path = program_effect_per_path(sc, "Save", "saved_arr")
    assert per_path.mean() == pytest.approx(reported["Save"]["saved_arr"].mean, rel=1e-9)


def test_a_program_that_changes_nothing_has_no_effect_on_any_path():
    sc = with_programs(
        two_segments(paths=200), Program(name="Idle", cost_monthly=7_000.0, segments=("Key",), from_month=5)
    )
    for effect in ("saved_customers", "saved_arr", "extra_gross_profit"):
        assert (program_effect_per_path(sc, "Idle", effect, workers=1) == 0).all(), effect
    np.testing.assert_array_equal(program_effect_per_path(sc, "Idle", "cost", workers=1), 7_000.0 * 20)


def test_segments_own_unit_economics_leave_programs_out():
    """LTV and payback are month-1 unit economics of each segment: a program does not change them.

    (The company's are weighted by each path's new accounts, which the program's draws move.)"""
    sc = two_segments(paths=50)
    _, base = simulate_per_path(sc, workers=1)
    _, programmed = simulate_per_path(with_programs(sc, save_key_accounts(from_month=1)), workers=1)
    for seg in ("SMB", "Key"):
        for name in ("ltv", "ltv_simple", "ltv_cac", "payback_months", "payback_months_with_churn"):
            np.testing.assert_array_equal(base[seg]["summary"][name], programmed[seg]["summary"][name], err_msg=name)


def test_a_program_costs_nothing_once_the_company_has_shut_down():
    """Program cost per path (SPEC 2.7) = cost_monthly x its months while the company is open: a path
    that closes after month m pays for months from_month..min(to_month, m), and its cs_cost is 0 after."""
    sc = with_programs(
        dataclasses.replace(
            two_segments(paths=300),
            company=Company(starting_cash=150_000.0, fixed_costs_monthly=45_000.0, when_out_of_cash="shut_down"),
        ),
        save_key_accounts(from_month=2, to_month=20),
    )
    company, _ = simulate_per_path(sc, workers=1)
    closed = company["series"]["closed"]
    assert 0.2 < closed[:, -1].mean() < 0.9  # some paths close (in months 5 to 16), some do not
    months_open = (1 - closed[:, 1:20]).sum(axis=1)  # months 2..20
    cost = program_effect_per_path(sc, "Save", "cost", workers=1)
    np.testing.assert_array_equal(cost, 25_000.0 * months_open)
    assert (company["series"]["cs_cost"][closed == 1] == 0).all()
