"""Coverage of the backtest on histories generated from the model's own assumptions, and with a regime change.

    python benchmarks/coverage.py [--seeds 8] [--paths 1000] [--months 36] [--forecast calibrated oracle]

For each true parameter set (``SETS``), each seed and each of the plain and
the regime-change history (churn doubles, ``min(1, 2 θ)``, from month 24 of
36), ``backtest --rolling`` with M = 12 (13 cut-offs of 36 months):

- ``calibrated``: the forecast ``saas-sim backtest`` makes (calibrate as of
  the cut-off, then simulate);
- ``oracle``: the same simulation with the *true* parameters
  (``tests/histories.true_scenario_text``): what the bands cover when nothing
  is estimated, so that a shortfall of ``calibrated`` below it is the
  estimation error the calibrated scenario leaves out.

Prints, per set, forecast and history, the 80 % and 90 % coverage of each
series pooled over the seeds' rolling origins, and how many seeds' verdicts
named a collapse (and when).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from saas_sim.analysis.backtest import SERIES, BacktestOptions, backtest, pooled
from saas_sim.engine.simulate import simulate_per_path
from saas_sim.io.scenario import parse_scenario
from tests.histories import History, generated_ledger, true_scenario_text

SETS = {
    "sBG a=1.2 b=30": History(),
    "sBG a=0.6 b=10": History(alpha=0.6, beta=10.0, new_per_month=80.0),
    "constant 3 %": History().constant(0.03),
}
REGIME_MONTH = 24


def oracle(history: History):
    def forecast(ledger, cutoff, months, options):
        text = true_scenario_text(history, ledger, cutoff, months, options.paths, options.seed)
        company, _ = simulate_per_path(parse_scenario(text, "truth"))
        return {name: np.asarray(company["series"][name], dtype=float) for name in SERIES}

    return forecast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--forecast", nargs="+", default=["calibrated", "oracle"])
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    args = parser.parse_args()
    for set_name in args.sets:
        truth = SETS[set_name]
        for regime in (False, True):
            history = History(**{**truth.__dict__, "months": args.months})
            if regime:
                history = History(**{**history.__dict__, "churn_doubles_from": REGIME_MONTH})
            for kind in args.forecast:
                started = time.perf_counter()
                results = []
                for seed in range(args.seeds):
                    ledger = generated_ledger(history, seed)
                    options = BacktestOptions(rolling=True, paths=args.paths, seed=seed)
                    results.append(backtest(ledger, options, oracle(history) if kind == "oracle" else None))
                cutoffs = [c for r in results for c in r.cutoffs]
                cells = []
                for name in SERIES:
                    figures = pooled(cutoffs, name)
                    cells.append(f"{name} {100 * figures['coverage_80']:.0f}/{100 * figures['coverage_90']:.0f}")
                flags = [f for c in cutoffs for s in c.series.values() for f in s.inside_80]
                flags90 = [f for c in cutoffs for s in c.series.values() for f in s.inside_90]
                per_seed = [r.verdict.coverage_80 for r in results]
                named = [r.verdict.collapse.last_good_month for r in results if r.verdict.collapse is not None]
                label = f"regime@{ledger.months[REGIME_MONTH]}" if regime else "plain"
                print(
                    f"{set_name:16} {label:16} {kind:10} all {100 * np.mean(flags):.0f}/{100 * np.mean(flags90):.0f} "
                    f"(seeds {100 * min(per_seed):.0f}..{100 * max(per_seed):.0f}) | {' | '.join(cells)} | "
                    f"collapse named {len(named)}/{len(results)} {sorted(set(named))} | "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
