"""Export then import reproduces a scenario exactly: the same text, the same scenario, the same results."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from saas_sim.cli import app
from saas_sim.engine.simulate import with_overrides
from saas_sim.io.scenario import parse_scenario, read_scenario_file, scenario_to_dict
from saas_sim.store import Store
from saas_sim.store.database import dispose_engines
from tests.store.conftest import SCENARIOS
from tests.strategies import scenario_texts


def cli(*args: object) -> str:
    done = CliRunner().invoke(app, [str(a) for a in args])
    assert done.exit_code == 0, (done.stdout, done.stderr)
    return done.stdout


@settings(max_examples=30, deadline=None)
@given(text=scenario_texts(), crlf=st.booleans())
def test_a_saved_text_comes_back_as_written(text, crlf):
    if crlf:
        text = text.replace("\n", "\r\n")
    scenario = parse_scenario(text)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "store.db"
        try:
            store = Store(path)
            saved = store.save_revision(text, scenario)
            assert saved.created and saved.revision.number == 1
            revision = store.find_revision(scenario.name)
            assert revision.yaml_text == text
            assert parse_scenario(revision.yaml_text) == scenario
            assert revision.normalized == scenario_to_dict(scenario)
            again = store.save_revision(revision.yaml_text, parse_scenario(revision.yaml_text))
            assert again.created is False and again.revision.id == saved.revision.id
            # The command line's export writes the bytes that import read.
            original = Path(directory) / "original.yaml"
            original.write_bytes(text.encode("utf-8"))
            exported = Path(directory) / "exported.yaml"
            cli("scenarios", "export", scenario.name, exported, "--db", path)
            assert exported.read_bytes() == original.read_bytes()
            assert "unchanged" in cli("scenarios", "import", exported, "--db", path)
            assert [r.number for r in store.history(scenario.name)] == [1]
            assert read_scenario_file(exported) == (text, scenario)
        finally:
            dispose_engines()


@pytest.mark.parametrize(("file", "paths"), [("starter.yaml", 200), ("enterprise-annual.yaml", 500)])
def test_export_then_import_into_another_store_gives_the_same_results(tmp_path, file, paths):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    source = SCENARIOS / file
    cli("scenarios", "import", source, "--db", first)
    name = parse_scenario(source.read_text(encoding="utf-8")).name
    exported = tmp_path / "exported.yaml"
    cli("scenarios", "export", name, exported, "--db", first)
    assert exported.read_bytes() == source.read_bytes()
    assert "as revision 1" in cli("scenarios", "import", exported, "--db", second)

    texts = [Store(db).find_revision(name).yaml_text for db in (first, second)]
    assert texts[0] == texts[1] == source.read_text(encoding="utf-8")
    # Run the stored scenario (by name) from each store, with the same seed.
    results = []
    for db in (first, second):
        out = tmp_path / f"{db.stem}.json"
        cli("run", name, "--paths", paths, "--seed", 20_240, "--json", out, "--quiet", "--db", db)
        result = json.loads(out.read_text(encoding="utf-8"))
        [run], _ = Store(db).runs()
        assert Store(db).result(run.id).to_json() == result
        assert (run.paths, run.seed, run.revision) == (paths, 20_240, 1)
        assert result.pop("elapsed_s") >= 0
        results.append(result)
    assert results[0] == results[1]
    expected = with_overrides(parse_scenario(texts[0]), paths=paths, seed=20_240)
    assert results[0]["scenario"] == scenario_to_dict(expected)
