"""Hand-made result documents for tests: a partial SPEC 5 document filled in and typed."""

from __future__ import annotations

from typing import Any

from saas_sim.model.result import SCHEMA, STATS, Result, SummaryStatistic

DEFAULTS: dict[str, Any] = {
    "schema": SCHEMA,
    "engine_version": "0.3.0",
    "scenario": {},
    "paths": 0,
    "seed": 1,
    "series": {},
    "segments": {},
    "summary": {},
    "elapsed_s": 0.0,
}


def typed(document: dict[str, Any] | Result) -> Result:
    """The :class:`Result` of a document that may leave out what a test does not look at."""
    if isinstance(document, Result):
        return document
    months = document.get("months", [])
    filled = {
        **DEFAULTS,
        "horizon_months": len(months),
        "months": months,
        "cohorts": {"logo_retention": [], "revenue_retention": []},
        **document,
    }
    diagnosis = filled.get("diagnosis") or {}
    filled["diagnosis"] = {"focus": "", "advice": "", "checks": [], **diagnosis}
    return Result.from_json(filled)


def statistic(stats: dict[str, Any]) -> SummaryStatistic:
    """The summary statistic of a dict that may leave out what a test does not look at (left undefined)."""
    return SummaryStatistic.from_json({**dict.fromkeys((*STATS, "se")), **stats})
