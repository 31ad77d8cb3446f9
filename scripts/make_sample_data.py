"""Write the sample history files of ``saas-sim fit`` (and ``saas-sim metrics``) from known parameters.

    python scripts/make_sample_data.py          # rewrites scenarios/data/cohorts.csv and ledger.csv

Both files are drawn from the shifted-beta-geometric churn model (Fader &
Hardie 2007): every customer has its own monthly churn probability
theta ~ Beta(ALPHA, BETA) and leaves in its month T ~ Geometric(theta).  So
``saas-sim fit`` should find ALPHA and BETA again, within its intervals
(docs/fit.md shows it does).  The seed is fixed: the files are the same on
every run.

* ``cohorts.csv``: a cohort survival table, 24 monthly cohorts (2023-01 ..
  2024-12) of 500..2000 customers each, observed up to the start of 2025-01,
  so each cohort is right-censored at a different period (24 for the first,
  1 for the last).
* ``ledger.csv``: an MRR ledger, one row per customer per month with MRR,
  30 months (2023-01 .. 2025-06) of a company acquiring 80 customers a month,
  growing 3 % a month.  New customers pick a plan (PLANS); a customer active
  two months in a row upgrades by 30 % with probability UPGRADE and
  downgrades by 25 % with probability DOWNGRADE each month (expected
  expansion 0.9 % and contraction 0.5 % of MRR a month).  A share
  COME_BACK of the customers who leave return 1..6 months later at their old
  MRR, and then churn again at their own theta (reactivations: the fit
  holds the cohort counts they would raise, see saas_sim/io/cohorts.py).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

# The known parameters.
ALPHA = 0.6  # sBG alpha: mean monthly churn ALPHA / (ALPHA + BETA) = 6.7 %
BETA = 8.4  # sBG beta: heterogeneity 1 / (ALPHA + BETA + 1) = 0.1
SEED = 20240601

COHORT_MONTHS = 24  # cohorts.csv: 2023-01 .. 2024-12, observed to the start of 2025-01
COHORT_SIZE = (500, 2000)

LEDGER_MONTHS = 30  # ledger.csv: 2023-01 .. 2025-06
NEW_CUSTOMERS = 80  # in the first month
NEW_CUSTOMERS_GROWTH = 0.03  # a month
PLANS = {29.0: 0.45, 79.0: 0.35, 199.0: 0.15, 499.0: 0.05}  # MRR of a new customer: probability
UPGRADE, UPGRADE_BY = 0.03, 0.30
DOWNGRADE, DOWNGRADE_BY = 0.02, 0.25
COME_BACK = 0.08

FIRST_YEAR = 2023
OUT = Path(__file__).resolve().parents[1] / "scenarios" / "data"


def month_label(index: int) -> str:
    """Month 0 is January of FIRST_YEAR: ``2023-01``."""
    return f"{FIRST_YEAR + index // 12:04d}-{index % 12 + 1:02d}"


def cohort_table(rng: np.random.Generator) -> list[tuple[str, int, int]]:
    """(cohort, period, active) rows; cohort k (0-based) is observed at periods 0..COHORT_MONTHS - k."""
    rows = []
    for k in range(COHORT_MONTHS):
        size = int(rng.integers(COHORT_SIZE[0], COHORT_SIZE[1] + 1))
        lifetimes = rng.geometric(rng.beta(ALPHA, BETA, size))  # the period in which each customer churns
        last = COHORT_MONTHS - k
        rows.extend((month_label(k), period, int((lifetimes > period).sum())) for period in range(last + 1))
    return rows


def ledger(rng: np.random.Generator) -> list[tuple[str, str, float]]:
    """(customer_id, month, mrr) rows, one per customer per month with MRR."""
    prices, weights = np.array(list(PLANS)), np.array(list(PLANS.values()))
    rows = []
    number = 0
    for start in range(LEDGER_MONTHS):
        joining = int(rng.poisson(NEW_CUSTOMERS * (1 + NEW_CUSTOMERS_GROWTH) ** start))
        for _ in range(joining):
            number += 1
            customer = f"C{number:05d}"
            theta = rng.beta(ALPHA, BETA)
            mrr = float(rng.choice(prices, p=weights))
            month = start
            while month < LEDGER_MONTHS:
                rows.append((customer, month_label(month), round(mrr, 2)))
                month += 1
                if rng.random() < theta:  # churns in this month: no MRR from the next one on
                    if rng.random() >= COME_BACK:
                        break
                    month += int(rng.integers(1, 7))  # comes back after 1..6 months away
                    continue
                change = rng.random()
                if change < UPGRADE:
                    mrr *= 1 + UPGRADE_BY
                elif change < UPGRADE + DOWNGRADE:
                    mrr *= 1 - DOWNGRADE_BY
    rows.sort(key=lambda row: (row[1], row[0]))
    return rows


def write(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"Wrote {path} ({len(rows)} rows)")


def main() -> None:
    cohort_rng, ledger_rng = (np.random.default_rng(seed) for seed in np.random.SeedSequence(SEED).spawn(2))
    write(OUT / "cohorts.csv", ("cohort", "period", "active"), cohort_table(cohort_rng))
    write(OUT / "ledger.csv", ("customer_id", "month", "mrr"), ledger(ledger_rng))


if __name__ == "__main__":
    main()
