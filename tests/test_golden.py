"""Seeded results do not change under refactoring: documents and printed outputs stored before it.

The files under ``tests/data/golden/`` were written by the commands below on the code before
the catalog/typed-result refactoring (issue 14).  A seeded run must give the same document,
float for float, and the same printed text; only the elapsed time may differ.  When a change
*means* to change numbers, ``ENGINE_VERSION`` changes with it and these files are written anew
(``python tests/test_golden.py``), saying so in the commit.
"""

from __future__ import annotations

import gzip
import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saas_sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"

DOCUMENTS = {
    "starter": "run scenarios/starter.yaml --no-save --paths 300 --seed 11 --json -",
    "vicious-cycle": "run scenarios/vicious-cycle.yaml --no-save --paths 300 --seed 11 --json -",
    "virtuous-cycle": "run scenarios/virtuous-cycle.yaml --no-save --paths 300 --seed 11 --json -",
    "enterprise-annual": "run scenarios/enterprise-annual.yaml --no-save --paths 300 --seed 11 --json -",
    "plg-funnel": "run scenarios/plg-funnel.yaml --no-save --paths 300 --seed 11 --json -",
    "compare-cycles": "compare scenarios/vicious-cycle.yaml scenarios/virtuous-cycle.yaml --json -",
    "sensitivity-vicious-cycle": "sensitivity scenarios/vicious-cycle.yaml --json -",
    "goal-starter": "goal scenarios/starter.yaml --vary segments.Freelancers.churn.monthly "
    "--target 'ltv_cac >= 3' --json -",
    "customer-success": "run scenarios/customer-success.yaml --no-save --paths 300 --seed 11 --json -",
    "upgrades": "run scenarios/upgrades.yaml --no-save --paths 300 --seed 11 --json -",
}

TEXTS = {
    "run-starter": "run scenarios/starter.yaml --no-save --paths 300 --seed 11",
    "run-enterprise-csv": "run scenarios/enterprise-annual.yaml --no-save --paths 300 --seed 11 --csv -",
    "compare-cycles": "compare scenarios/vicious-cycle.yaml scenarios/virtuous-cycle.yaml",
    "sensitivity-vicious": "sensitivity scenarios/vicious-cycle.yaml",
    "goal-starter": "goal scenarios/starter.yaml --vary segments.Freelancers.churn.monthly --target 'ltv_cac >= 3'",
    "metrics-ledger": "metrics scenarios/data/ledger.csv",
    "fit-cohorts": "fit scenarios/data/cohorts.csv",
    "workshop-step-5": "workshop --print --step 5 --width 80",
    "run-customer-success": "run scenarios/customer-success.yaml --no-save --paths 300 --seed 11",
    "run-vicious": "run scenarios/vicious-cycle.yaml --no-save --paths 300 --seed 11",
}

ELAPSED = re.compile(r"\d+(\.\d+)? s\b")


def invoke(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    done = CliRunner().invoke(app, shlex.split(command))
    assert done.exit_code == 0, done.output
    return done.stdout


def without_elapsed(document: object) -> object:
    if isinstance(document, dict):
        return {key: without_elapsed(value) for key, value in document.items() if key != "elapsed_s"}
    if isinstance(document, list):
        return [without_elapsed(value) for value in document]
    return document


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_seeded_document_is_the_one_stored_before(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = json.loads(gzip.decompress((GOLDEN / f"{name}.json.gz").read_bytes()))
    now = json.loads(invoke(DOCUMENTS[name], monkeypatch))
    assert without_elapsed(now) == without_elapsed(stored)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_printed_output_is_the_one_stored_before(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = (GOLDEN / "text" / f"{name}.txt").read_text()
    now = invoke(TEXTS[name], monkeypatch)
    assert ELAPSED.sub("<elapsed>", now) == ELAPSED.sub("<elapsed>", stored)


if __name__ == "__main__":  # write the golden files anew: only with a new ENGINE_VERSION
    mp = pytest.MonkeyPatch()
    for name, command in DOCUMENTS.items():
        (GOLDEN / f"{name}.json.gz").write_bytes(gzip.compress(invoke(command, mp).encode(), mtime=0))
    (GOLDEN / "text").mkdir(exist_ok=True)
    for name, command in TEXTS.items():
        (GOLDEN / "text" / f"{name}.txt").write_text(invoke(command, mp))
    mp.undo()
    sys.exit(0)
