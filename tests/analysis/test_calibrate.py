"""A scenario calibrated from the sample history takes the fit's churn and the ledger's ARPA."""

from __future__ import annotations

from pathlib import Path

import pytest

from saas_sim.analysis.calibrate import calibrate
from saas_sim.errors import InputError
from saas_sim.io.examples import examples
from saas_sim.io.scenario import parse_scenario

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"


def test_from_a_ledger_churn_arpa_and_expansion_come_from_the_history():
    calibration = calibrate(examples()[0].text, DATA / "ledger.csv")
    segment = parse_scenario(calibration.text).segments[0]
    assert segment.churn.monthly == pytest.approx(calibration.fit.mean_churn.value, rel=1e-3)
    assert segment.churn.heterogeneity == pytest.approx(calibration.fit.heterogeneity.value, rel=1e-3)
    assert segment.arpa_monthly == pytest.approx(calibration.history.ledger.arpa_monthly, rel=1e-5)
    assert segment.expansion_monthly == pytest.approx(calibration.history.ledger.expansion_monthly, rel=1e-3)
    assert parse_scenario(calibration.text).name == "Calibrated from ledger.csv"


def test_from_a_cohort_table_only_the_churn_changes():
    base = parse_scenario(examples()[0].text)
    calibration = calibrate(examples()[0].text, DATA / "cohorts.csv")
    segment = parse_scenario(calibration.text).segments[0]
    assert segment.arpa_monthly == base.segments[0].arpa_monthly
    assert 0.05 < segment.churn.monthly < 0.09  # drawn from 6.67 %


def test_a_bad_history_is_refused_with_its_lines(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("cohort,period,active\n2024-01,0,100\n2024-01,1,120\n")
    with pytest.raises(InputError) as error:
        calibrate(examples()[0].text, bad)
    assert any("bad.csv:3" in str(p) for p in error.value.problems)
