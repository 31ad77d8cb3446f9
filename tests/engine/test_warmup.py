"""The first run's one-time compile is detected, so that the command line can say so while it happens."""

from __future__ import annotations

import os
import subprocess
import sys

ASK = "from saas_sim.engine.warmup import compile_pending; print(compile_pending())"


def ask(cache_dir: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    return subprocess.run(
        [sys.executable, "-c", ASK], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_an_empty_cache_means_a_compile_is_pending(tmp_path):
    assert ask(str(tmp_path)) == "True"


def test_the_first_run_says_it_compiles_and_fills_the_cache(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "saas_sim",
        "run",
        "scenarios/starter.yaml",
        "--paths",
        "10",
        "--no-save",
        "--json",
        str(tmp_path / "r.json"),
    ]
    first = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert first.stderr.startswith("Compiling the simulation engine for this machine (once")
    assert ask(str(tmp_path)) == "False"
    second = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert "Compiling" not in second.stderr
