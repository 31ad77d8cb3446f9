"""A scenario calibrated from history: churn fitted to cohorts (and, from a ledger, ARPA and expansion).

The TUI's "calibrate" starts from an example scenario and puts the fit into
its first segment, in the same form ``saas-sim fit --out`` writes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from saas_sim.analysis.fit import FitResult, fit_sbg
from saas_sim.errors import InputError, Problem
from saas_sim.io.cohorts import CohortTable, read_history
from saas_sim.io.scenario import parse_scenario, scenario_to_dict


@dataclass(frozen=True)
class Calibration:
    text: str  # the calibrated scenario's YAML
    fit: FitResult
    history: CohortTable


def _rounded(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


def segment_values(fit: FitResult, history: CohortTable, contract_months: int = 1) -> dict:
    """What a segment takes from the fit: churn per month and heterogeneity (alpha and beta when a period is a
    contract term of several months), and from a ledger ``arpa_monthly``, ``expansion_monthly`` and
    ``contraction_monthly``."""
    if contract_months == 1:
        churn = {"monthly": _rounded(fit.mean_churn.value), "heterogeneity": _rounded(fit.heterogeneity.value)}
    else:
        churn = {"alpha": _rounded(fit.alpha.value), "beta": _rounded(fit.beta.value)}
    values: dict[str, object] = {"churn": churn}
    if history.ledger is not None:
        values["arpa_monthly"] = _rounded(history.ledger.arpa_monthly, 6)
        values["expansion_monthly"] = _rounded(history.ledger.expansion_monthly)
        values["contraction_monthly"] = _rounded(history.ledger.contraction_monthly)
    return values


def calibrate(base_text: str, history_path: str | os.PathLike[str]) -> Calibration:
    """``base_text`` (a valid scenario) with its first segment calibrated from a cohort table or a ledger."""
    history = read_history(history_path)
    try:
        fit = fit_sbg(history.active)
    except InputError as error:
        raise InputError([Problem(history.source, None, "", str(p)) for p in error.problems]) from None
    document = scenario_to_dict(parse_scenario(base_text, "base scenario"))
    segment = document["segments"][0]
    values = segment_values(fit, history, int(segment.get("contract_months") or 1))
    segment.update(values)
    if "arpa_monthly" in values and segment.get("starting_mrr") is not None:
        segment["starting_mrr"] = None  # follows the calibrated ARPA
    document["name"] = f"Calibrated from {Path(history_path).name}"
    document["description"] = (
        f"Churn fitted to {history.source} (shifted-beta-geometric, {fit.cohorts} cohorts, "
        f"{fit.acquired:,} customers) by saas-sim."
    )
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    parse_scenario(text, "calibrated scenario")  # what the editor gets is always valid
    return Calibration(text, fit, history)
