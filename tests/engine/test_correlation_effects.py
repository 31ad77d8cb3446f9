"""The effect docs/correlations.md describes: spend and CAC rising together narrow the customer fan,
widen the cash fan over two years and make running out of cash likelier."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "correlations.py"


def _measure():
    spec = importlib.util.spec_from_file_location("correlations_doc", DOCS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure


def test_spend_and_cac_rising_together_widen_the_cash_fan():
    measure = _measure()
    independent, together = measure(0.0, 24, paths=3000), measure(0.8, 24, paths=3000)
    assert together["customers_width"] < 0.7 * independent["customers_width"]
    assert together["cash_width"] > 1.1 * independent["cash_width"]
    assert together["cash_min_p10"] < independent["cash_min_p10"]
    assert together["out_of_cash"] > independent["out_of_cash"]
