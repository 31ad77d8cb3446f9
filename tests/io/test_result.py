import csv
import json
import math

import pytest

from saas_sim.io.result import result_to_csv_rows, result_to_json, write_csv, write_json
from saas_sim.model.result import STATS, Cohorts, Diagnosis, Result, Statistic


def _result() -> Result:
    series = {
        "arr": Statistic(*([1.0, 2.0] for _ in STATS)),
        "nrr_12m": Statistic(*([None, 0.9] for _ in STATS)),
    }
    return Result(
        engine_version="0.2.0",
        scenario={"name": "Two months"},
        paths=10,
        seed=1,
        horizon_months=2,
        months=[1, 2],
        series=series,
        segments={},
        summary={},
        cohorts=Cohorts([[1.0, 1.0], [1.0]], [[1.0, 1.0], [1.0]]),
        diagnosis=Diagnosis("scale", "Grow.", []),
        elapsed_s=0.5,
    )


def test_nan_never_reaches_json():
    with pytest.raises(ValueError):
        result_to_json({"value": math.nan})
    with pytest.raises(ValueError):
        result_to_json({"value": [math.inf]})


def test_json_round_trip(tmp_path, capsys):
    write_json(_result(), tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == _result().to_json()
    assert Result.from_json(json.loads((tmp_path / "r.json").read_text())) == _result()
    write_json(_result(), "-")
    assert json.loads(capsys.readouterr().out) == _result().to_json()


def test_csv_rows():
    rows = result_to_csv_rows(_result())
    assert rows[0] == ["month"] + [f"arr_{s}" for s in STATS] + [f"nrr_12m_{s}" for s in STATS]
    assert rows[1] == [1] + [1.0] * 6 + [""] * 6
    assert rows[2] == [2] + [2.0] * 6 + [0.9] * 6


def test_write_csv(tmp_path):
    write_csv(_result(), tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(newline="") as handle:
        assert list(csv.reader(handle)) == [[str(c) for c in row] for row in result_to_csv_rows(_result())]
