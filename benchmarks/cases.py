"""The benchmark scenarios of the performance issue: (a) large, (b) interactive, (c) many paths."""

from __future__ import annotations

from saas_sim.model.scenario import Acquisition, Churn, Company, Scenario, Segment, Simulation

SEGMENTS = (
    Segment(
        name="SMB",
        spend_share=0.5,
        cac=1_500.0,
        arpa_monthly=300.0,
        starting_customers=500,
        churn=Churn(monthly=0.03, heterogeneity=0.3),
        gross_margin=0.8,
    ),
    Segment(
        name="Mid",
        spend_share=0.3,
        cac=5_000.0,
        arpa_monthly=1_000.0,
        starting_customers=200,
        churn=Churn(monthly=0.02),
        gross_margin=0.8,
    ),
    Segment(
        name="Enterprise",
        spend_share=0.2,
        cac=30_000.0,
        arpa_monthly=5_000.0,
        starting_customers=50,
        contract_months=12,
        billing="upfront",
        churn=Churn(annual=0.1),
        gross_margin=0.75,
    ),
)


def scenario(paths: int, horizon: int, segments: tuple[Segment, ...]) -> Scenario:
    if len(segments) == 1:
        segments = (Segment(**{**segments[0].__dict__, "spend_share": 1.0}),)
    return Scenario(
        name="benchmark",
        horizon_months=horizon,
        company=Company(2e6, 1e5),
        acquisition=Acquisition(100_000.0),
        segments=segments,
        simulation=Simulation(paths=paths, seed=1),
    )


CASES = {
    "a": ("10,000 paths x 120 months x 3 segments", scenario(10_000, 120, SEGMENTS)),
    "b": ("5,000 paths x 36 months x 1 segment", scenario(5_000, 36, SEGMENTS[:1])),
    "c": ("100,000 paths x 60 months x 1 segment", scenario(100_000, 60, SEGMENTS[:1])),
}
