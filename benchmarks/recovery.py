"""Parameter recovery: ``saas-sim fit``'s sBG fit on ledgers generated with known churn parameters.

    python benchmarks/recovery.py [--seeds 10] [--months 36]

For each true parameter set (``SETS``) and seed, a company is generated from
the model's own assumptions (``tests/histories.py``: Poisson signups, each
account's churn propensity θ ~ Beta(α, β) or a constant p, monthly renewals),
its ledger turned into monthly signup cohorts as ``saas-sim fit`` does
(:func:`~saas_sim.io.cohorts.ledger_cohorts`), and fitted with
:func:`~saas_sim.analysis.fit.fit_sbg`.  Prints true against fitted α, β and
mean churn with their 95 % intervals, whether each interval covers the truth,
and per set how many of the seeds' intervals did (nominal 95 %).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from saas_sim.analysis.fit import Estimate, FitResult, fit_sbg
from saas_sim.io.cohorts import dense_ledger, ledger_cohorts
from tests.histories import History, generated_ledger

SETS = {
    "sBG a=1.2 b=30 (mean 3.8 %)": History(),
    "sBG a=0.6 b=10 (mean 5.7 %)": History(alpha=0.6, beta=10.0, new_per_month=80.0),
    "sBG a=2 b=40, base 500 (mean 4.8 %)": History(alpha=2.0, beta=40.0, starting_customers=500, new_per_month=40.0),
    "constant 3 %": History().constant(0.03),
}


def fitted(history: History, seed: int) -> FitResult:
    ledger = generated_ledger(history, seed)
    return fit_sbg(ledger_cohorts(ledger.source, dense_ledger(ledger)).active)


def covers(estimate: Estimate, truth: float) -> bool | None:
    if estimate.low is None or estimate.high is None:
        return None
    return estimate.low <= truth <= estimate.high


def _shown(estimate: Estimate, truth: float, digits: int = 3) -> str:
    hit = covers(estimate, truth)
    mark = "?" if hit is None else ("yes" if hit else "NO")
    low = "-" if estimate.low is None else f"{estimate.low:.{digits}g}"
    high = "-" if estimate.high is None else f"{estimate.high:.{digits}g}"
    return f"{truth:.{digits}g} vs {estimate.value:.{digits}g} [{low}, {high}] {mark}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    for name, truth in SETS.items():
        history = History(**{**truth.__dict__, "months": args.months})
        print(f"{name}: {args.months} months, {history.new_per_month:g} signups a month")
        hits: dict[str, list[bool]] = {"alpha": [], "beta": [], "mean_churn": []}
        for seed in range(args.seeds):
            fit = fitted(history, seed)
            row = [f"  seed {seed:2}: mean churn {_shown(fit.mean_churn, history.mean_churn)}"]
            hit = covers(fit.mean_churn, history.mean_churn)
            if hit is not None:
                hits["mean_churn"].append(hit)
            if history.alpha is not None and history.beta is not None:
                for key, value in (("alpha", history.alpha), ("beta", history.beta)):
                    estimate = getattr(fit, key)
                    row.append(f"{key} {_shown(estimate, value)}")
                    hit = covers(estimate, value)
                    if hit is not None:
                        hits[key].append(hit)
            row.append(f"LR p {fit.lr_p_value:.2g}")
            print("; ".join(row))
        summary = ", ".join(f"{key} {sum(flags)}/{len(flags)}" for key, flags in hits.items() if flags)
        print(f"  95 % intervals covering the truth: {summary}")


if __name__ == "__main__":
    main()
