"""The command line runs numpy's BLAS on one thread unless the user says otherwise (see saas_sim/cli)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import os, saas_sim.cli; print(os.environ['OPENBLAS_NUM_THREADS'])"


def _threads(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_one_blas_thread_by_default_and_the_users_setting_wins():
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    assert _threads(env) == "1"
    assert _threads({**env, "OPENBLAS_NUM_THREADS": "2"}) == "2"
