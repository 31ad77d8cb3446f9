"""Issue 13 item 21: an invalid scenario file opens in the TUI with its problems at the fields, to be fixed there."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from saas_sim.errors import InputError
from saas_sim.io.examples import examples
from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.screens.main import MainScreen
from tui.widgets.editor import FieldRow, field_id

STARTER = examples()[0]
CHURN = field_id("segments[0].churn.monthly")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "invalid.db")


async def test_an_invalid_file_opens_with_its_problems_at_the_fields_and_saves_once_fixed(store, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        STARTER.text.replace('monthly: "2%..4%"', "monthly: 150%").replace("gross_margin: 80%", "gross_margin: 180%")
    )
    assert "150%" in plan.read_text() and "180%" in plan.read_text()
    app = create_app(store, str(plan), seed=1, live_paths=200)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.scenario is None and screen.revision is None
        churn = screen.query_one(f"#{CHURN}", Input)
        assert churn.value == "150%"
        row = churn.parent.parent
        assert isinstance(row, FieldRow) and row.has_class("-invalid") and "150%" in row.problem
        assert store.scenarios() == []  # nothing imported while invalid
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.scenarios() == []
        churn.value = "3%"
        await settle(pilot)
        assert screen.scenario is None  # the margin is still wrong
        margin = screen.query_one(f"#{field_id('segments[0].gross_margin')}", Input)
        assert margin.parent.parent.has_class("-invalid")
        margin.value = "80%"
        await settle(pilot)
        assert screen.scenario is not None and screen.result is not None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [info.name for info in store.scenarios()] == [STARTER.name]


def test_a_file_that_is_not_a_scenario_at_all_is_still_refused(store, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: [unclosed\n")
    with pytest.raises(InputError):
        create_app(store, str(plan))


def test_a_file_refused_as_a_whole_is_refused_not_opened_to_fix(store, tmp_path):
    """A review found a 1 KB alias bomb opened "to be fixed": the editor walked its billion leaves and hung.

    Only problems of fields are fixed at the fields; a file refused whole (too many values through
    aliases, too deep, too large) is refused by the TUI as by ``run``.
    """
    levels = "".join(f"  a{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 10)}]\n" for k in range(1, 6))
    plan = tmp_path / "bomb.yaml"
    plan.write_text(
        STARTER.text.replace("company:\n", "company:\n  a0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + levels, 1)
    )
    with pytest.raises(InputError, match="through YAML aliases"):
        create_app(store, str(plan), seed=1, live_paths=200)
