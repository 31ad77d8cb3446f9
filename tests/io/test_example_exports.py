"""The example exports of scenarios/data are what make_examples.py writes, and read as SPEC 6.1/6.2 say."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from saas_sim.io.ledger import read_ledger_like
from saas_sim.io.tables import ReadOptions

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"


def _make_examples():
    spec = importlib.util.spec_from_file_location("make_examples", DATA / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_exports_are_exactly_what_the_script_writes(tmp_path):
    for path in _make_examples().write_examples(tmp_path):
        assert path.read_bytes() == (DATA / path.name).read_bytes(), (
            f"run python scenarios/data/make_examples.py ({path.name})"
        )


def test_the_subscriptions_export_is_stripe_shaped_with_annual_plans_upgrades_and_churn():
    text = (DATA / "subscriptions.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeffid,Customer ID,")
    assert '"$1,490.00"' in text and ",year," in text and ",month," in text
    options = ReadOptions(columns={"customer_id": "Customer ID", "start": "Start Date (UTC)", "end": "Ended At (UTC)"})
    ledger = read_ledger_like(DATA / "subscriptions.csv", options)
    rows = text.count("\n") - 1
    assert ledger.kind == "subscriptions" and 150 <= len(ledger.customer_ids) <= 400
    assert len(ledger.customer_ids) < rows  # some customers have a second subscription (an upgrade)
    assert 24 <= len(ledger.months) <= 30


def test_the_european_ledger_needs_its_options_and_reads_with_them():
    text = (DATA / "ledger-eu.csv").read_bytes().decode("utf-8")
    assert text.startswith("Kundennummer;Kunde;Datum;MRR\r\n") and " €" in text and ".2" in text
    options = ReadOptions(
        columns={"customer_id": "Kundennummer", "month": "Datum", "mrr": "MRR"}, decimal=",", date_format="%d.%m.%Y"
    )
    ledger = read_ledger_like(DATA / "ledger-eu.csv", options)
    assert ledger.kind == "ledger" and ledger.months[0] == "2023-07" and ledger.months[-1] == "2025-12"
    assert ledger.mrr.max() > 1000  # amounts with a thousands separator
