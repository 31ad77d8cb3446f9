"""Every test gets its own store: nothing is written to the user's data directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """``$SAAS_SIM_DB`` points at a fresh file; its engines are closed afterwards."""
    path = tmp_path_factory.mktemp("store") / "saas-sim.db"
    monkeypatch.setenv("SAAS_SIM_DB", str(path))
    yield path
    from saas_sim.store.database import dispose_engines

    dispose_engines()
