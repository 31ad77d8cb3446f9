"""Twelve-month retention with moves between segments follows the accounts (SPEC 2.8; found by the issue-18 tests)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from saas_sim.engine.simulate import simulate_per_path
from saas_sim.model.scenario import Churn, Migration
from tests.engine.test_expectations import make
from tests.engine.test_migrations import cohort_tables_agree, key_accounts, smb


@pytest.mark.parametrize("multiplier", [1.0, 2.0])
def test_twelve_month_retention_with_moves_follows_the_accounts(multiplier):
    """No new accounts and one MRR per account (100, no expansion): the accounts of t - 12 are all there
    is, so the company's nrr_12m (every account followed, moved or not) is mrr_t / mrr_{t-12}, and with
    a multiplier of 1 its grr_12m is customers_t / customers_{t-12}. The source segment's are over its
    accounts of t - 12 that have not moved out by t: customers_t / (customers_{t-12} - moved out since).

    Was: both counted the accounts that move out in month t itself in the numerator (the kernel takes
    the 12-month numerator in phase 0, before the month's moves): the company's nrr_12m at month 12 is
    (mrr_12 + the MRR that moved in month 12) / mrr_0, above mrr_12 / mrr_0 though no account joined;
    segment A's is (customers_12 + movers of month 12) / (customers_0 - movers of months 1..12)."""
    a = smb(
        name="A",
        spend_share=1.0,
        arpa_monthly=100.0,
        starting_customers=600,
        churn=Churn(monthly=0.03),
        expansion_monthly=0.0,
        contraction_monthly=0.0,
        referrals_monthly=0.0,
    )
    b = dataclasses.replace(a, name="B", spend_share=0.0, starting_customers=50, churn=Churn(monthly=0.01))
    sc = dataclasses.replace(make([a, b], horizon=18, paths=50), migrations=(Migration("A", "B", 0.05, multiplier),))
    company, segments = simulate_per_path(sc, workers=1)

    def with_month0(values, start):
        return np.concatenate([np.full((values.shape[0], 1), start), values], axis=1)

    c = company["series"]
    mrr = with_month0(c["mrr"], 650 * 100.0)
    customers = with_month0(c["customers"], 650.0)
    s = segments["A"]["series"]
    a_customers = with_month0(s["customers"], 600.0)
    out = with_month0(s["migrated_out_customers"], 0.0)
    for t in range(12, 19):
        np.testing.assert_allclose(c["nrr_12m"][:, t - 1], mrr[:, t] / mrr[:, t - 12], rtol=1e-12)
        if multiplier == 1.0:
            np.testing.assert_allclose(c["grr_12m"][:, t - 1], customers[:, t] / customers[:, t - 12], rtol=1e-12)
        kept = a_customers[:, t - 12] - out[:, t - 11 : t + 1].sum(axis=1)
        np.testing.assert_allclose(s["nrr_12m"][:, t - 1], a_customers[:, t] / kept, rtol=1e-12)
        np.testing.assert_allclose(s["grr_12m"][:, t - 1], a_customers[:, t] / kept, rtol=1e-12)


FLAT = {"expansion_monthly": 0.0, "contraction_monthly": 0.0}


def test_revenue_retention_of_a_cohort_counts_its_movers_at_their_mrr_after_the_move():
    """SMB accounts (150 each, no expansion) upgrade to key accounts at 6 % a month, MRR x 3. Cohort k's
    revenue retention at tenure a is its accounts' MRR at the end of month k + a, wherever they are
    (SPEC 3.3, 2.8). Was: the kernel added up cohort MRR in phase 0, before the month's moves, so the
    month's movers count at their MRR before the move (x 1, not x 3) and their new group is not counted
    until the next month: cohort 1 at tenure 1 shows 0.97 where its MRR grew (z of hundreds)."""
    up = key_accounts(contract_months=1, billing="monthly", churn=Churn(monthly=0.01), **FLAT)
    sc = dataclasses.replace(
        make([smb(**FLAT), up], horizon=12, paths=500, spend=60_000.0),
        migrations=(Migration("SMB", "Key", 0.06, 3.0),),
    )
    cohort_tables_agree(sc, "revenue_retention")


def test_revenue_retention_of_cohorts_whose_movers_of_one_month_had_different_mrr():
    """Moves both ways at x 1: SMB accounts of 150 join the key accounts (2000 each) and 10 % of key
    accounts move back, 2000s and 150s together. Was: the movers of a month formed one group with one
    MRR per account (their average) and the cohorts shared it by their count in the group (now by their MRR), so a cohort
    of 150s that moved with 2000s is credited with part of the 2000s (revenue z about 70; logos right)."""
    up = key_accounts(contract_months=1, billing="monthly", churn=Churn(monthly=0.01), **FLAT)
    sc = dataclasses.replace(
        make([smb(**FLAT), up], horizon=12, paths=500, spend=60_000.0),
        migrations=(Migration("SMB", "Key", 0.06, 1.0), Migration("Key", "SMB", 0.1, 1.0)),
    )
    cohort_tables_agree(sc, "logo_retention")
    cohort_tables_agree(sc, "revenue_retention")
