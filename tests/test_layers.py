"""The simulator core stays free of the UI stack (STYLE: keep the core free of the UI, and prove it)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ("saas_sim.model", "saas_sim.engine", "saas_sim.io", "saas_sim.analysis")


def test_importing_and_running_the_core_leaves_the_ui_stack_out():
    script = f"""
import json, pkgutil, importlib, sys
import saas_sim
for package in {CORE!r}:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
from saas_sim.io.scenario import load_scenario
from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
result = run_scenario(with_overrides(load_scenario("scenarios/starter.yaml"), paths=50, seed=1))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("rich", "typer", "textual", "sqlmodel", "click"))))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_import_linter_contracts_hold():
    """The contracts declared in pyproject.toml, checked by import-linter itself."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_every_package_has_a_layer():
    """A new package of saas_sim (or the TUI) cannot slip past the layers contract unnamed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    named = {module.strip() for layer in layers for module in layer.replace(":", "|").split("|")}
    packages = {
        f"saas_sim.{path.stem}"
        for path in (ROOT / "saas_sim").iterdir()
        if (path / "__init__.py").exists() or (path.suffix == ".py" and not path.name.startswith("_"))
    }
    assert named == packages | {"tui"}


def test_core_sources_do_not_name_the_ui_stack():
    for package in CORE:
        for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
            text = path.read_text()
            for name in ("rich", "typer", "textual", "sqlmodel"):
                assert f"import {name}" not in text and f"from {name}" not in text, (path, name)
