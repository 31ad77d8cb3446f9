"""The checks engineers lean on (issue 14, item 6): CI runs ruff, mypy and the import contracts after the
tests, the README's install brings those tools, and the core (model, engine, io) is checked with every flag
of ``mypy --strict``.  The checks themselves run in ``.ci/run``, not here."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CORE = ["saas_sim.model.*", "saas_sim.engine.*", "saas_sim.io.*"]
CHECKS = (
    ".venv/bin/ruff check .",
    ".venv/bin/ruff format --check .",
    ".venv/bin/mypy",
    ".venv/bin/lint-imports",
)


def test_ci_runs_every_check_after_the_tests():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tests = script.index('bash -euo pipefail -c "${commands[1]}"')
    for check in CHECKS:
        found = re.search(rf"^{re.escape(check)}$", script, re.MULTILINE)
        assert found, f"{check} is not a step of .ci/run"
        assert found.start() > tests, f"{check} runs before the tests"


def test_the_test_install_brings_the_checkers_and_the_stubs():
    requirements = PYPROJECT["project"]["optional-dependencies"]["test"]
    names = {re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}
    assert {"ruff", "mypy", "types-pyyaml", "import-linter"} <= names


def _strict_flags() -> dict[str, bool]:
    """The settings ``mypy --strict`` turns on, read from mypy's own help: ``{"warn_return_any": True, ...}``."""
    help_text = subprocess.run(
        [sys.executable, "-m", "mypy", "--help"], capture_output=True, text=True, check=True
    ).stdout
    lines = help_text.split("  --strict ", 1)[1].splitlines()
    block = [lines[0]]
    for line in lines[1:]:
        if re.match(r"\s{2}-", line):  # the next option
            break
        block.append(line)
    listed = re.sub(r"\s+", "", " ".join(block)).split("flags:", 1)[1]
    flags = [flag.removeprefix("--") for flag in listed.split(",")]
    assert len(flags) >= 10 and all(re.fullmatch(r"[a-z-]+", flag) for flag in flags), flags
    return {flag.removeprefix("no-").replace("-", "_"): not flag.startswith("no-") for flag in flags}


def test_the_core_is_type_checked_with_every_strict_flag():
    config = PYPROJECT["tool"]["mypy"]
    overrides = [o for o in config.get("overrides", []) if set(CORE) <= set(o["module"])]
    assert len(overrides) == 1, "one override names model, engine and io"
    core = {**config, **overrides[0]}
    missing = {flag: value for flag, value in _strict_flags().items() if core.get(flag) != value}
    assert not missing, f"the core is not checked with these --strict settings: {missing}"
    assert "strict" not in config and "strict" not in overrides[0], "strict = true would reach every module"
