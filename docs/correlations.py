"""Why correlations matter: the table in docs/correlations.md, measured.  ``python docs/correlations.py``.

The starter company with an uncertain budget (10k..40k a month) and an
uncertain CAC (700..2,000), simulated with the two independent, moving
together (rho 0.8) and moving apart (rho -0.8).
"""

from __future__ import annotations

from pathlib import Path

from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
from saas_sim.io.scenario import parse_scenario

STARTER = (Path(__file__).resolve().parents[1] / "scenarios" / "starter.yaml").read_text()
UNCERTAIN = STARTER.replace("spend_monthly: 20k", "spend_monthly: 10k..40k").replace("cac: 1_200", "cac: 700..2_000")
PAIR = "[acquisition.spend_monthly, segments.Freelancers.cac]"


def scenario_text(rho: float) -> str:
    """The starter with spend and CAC uncertain, correlated by ``rho``."""
    if rho == 0:
        return UNCERTAIN
    return UNCERTAIN.replace(
        "simulation:\n", f"simulation:\n  correlations:\n    - between: {PAIR}\n      rho: {rho}\n", 1
    )


def measure(rho: float, horizon: int, paths: int = 4000) -> dict:
    """The cash and customer fans at the horizon (p10–p90 widths) and the chance of running out of cash."""
    result = run_scenario(
        with_overrides(parse_scenario(scenario_text(rho), "correlations"), horizon=horizon, paths=paths)
    )
    summary = result.summary
    return {
        "cash_width": summary["cash_end"].p90 - summary["cash_end"].p10,
        "cash_min_p10": summary["cash_min"].p10,
        "customers_width": summary["customers_end"].p90 - summary["customers_end"].p10,
        "out_of_cash": summary["out_of_cash"].mean,
    }


if __name__ == "__main__":
    print(
        "| months | rho | cash at the end, p10–p90 width | cash low point, p10 | customers, p10–p90 width"
        " | out of cash |"
    )
    print("|---|---|---|---|---|---|")
    for horizon in (24, 36):
        for rho in (-0.8, 0.0, 0.8):
            m = measure(rho, horizon)
            print(
                f"| {horizon} | {rho:+.1f} | {m['cash_width'] / 1000:,.0f}k | {m['cash_min_p10'] / 1000:,.0f}k"
                f" | {m['customers_width']:,.0f} | {m['out_of_cash']:.1%} |"
            )
