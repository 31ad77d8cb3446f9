"""Issue 18: the editor edits the cash policy, the funding round, customer success, programs and migrations
like any other field: added and removed as events are, typed key by key, their problems at their inputs."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.widgets import Button, Input, Select

from saas_sim.io.scenario import parse_scenario
from saas_sim.model.paths import set_in
from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.screens.main import MainScreen, checked_document, document_text, scenario_document
from tui.widgets.editor import (
    FieldRow,
    ScenarioEditor,
    _defaults_left_out,
    editable_document,
    field_id,
    field_paths,
    indexed_path,
    named_path,
    problem_row,
    read_written,
    written,
)

SIZE = (120, 40)
TWO_SEGMENTS = """\
name: Two segments
horizon_months: 24
simulation: {paths: 200, seed: 3}
company: {starting_cash: 1M, fixed_costs_monthly: 100k}
acquisition: {spend_monthly: 40k}
segments:
  - {name: SMB, spend_share: 0.8, cac: 2000, arpa_monthly: 400, starting_customers: 200, churn: {monthly: 3%}, gross_margin: 80%}
  - {name: Key, spend_share: 0.2, cac: 20000, arpa_monthly: 3000, starting_customers: 20, churn: {monthly: 1%}, gross_margin: 75%}
"""
ALL_NEW = (
    TWO_SEGMENTS
    + """\
programs:
  - {name: Save, segments: [Key], from_month: 4, cost_monthly: 20k, churn_change: -30%}
migrations:
  - {from: SMB, to: Key, monthly: 1%, mrr_multiplier: 5}
"""
).replace(
    "company: {starting_cash: 1M, fixed_costs_monthly: 100k}",
    "company:\n  starting_cash: 1M\n  fixed_costs_monthly: 100k\n  when_out_of_cash: shut_down\n"
    "  funding: {below_cash: 300k, amount: 2M, probability: 50%, months_to_close: 3, max_rounds: 2}\n"
    "  customer_success: {arr_per_csm: 1M, cost_per_csm_monthly: 10k}",
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "blocks.db")


def app_on(store: Store, tmp_path: Path, text: str):
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    return create_app(store, str(plan), seed=1, live_paths=200)


async def settled(pilot) -> MainScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def press_button(pilot, button_id: str) -> None:
    """Press the button and wait for the editor to lay its fields out again (its edit cancels the run under way:
    :func:`settle` waits for the runs after it)."""
    button = pilot.app.screen.query_one(f"#{button_id}", Button)
    button.press()
    while button.is_attached:
        await pilot.pause(0.05)
    await pilot.pause()
    await settle(pilot)


async def type_keys(pilot, path: str, text: str) -> Input:
    """Empty the field with backspaces, then type ``text`` key by key, as a founder does."""
    field = pilot.app.screen.query_one(f"#{field_id(path)}", Input)
    field.focus()
    await pilot.pause()
    field.cursor_position = len(field.value)
    await pilot.press(*["backspace"] * len(field.value), *text)
    assert field.value == text
    return field


def row_of(screen: MainScreen, path: str) -> FieldRow:
    row = screen.query_one(f"#{field_id(path)}", Input).parent.parent
    assert isinstance(row, FieldRow)
    return row


def editor_scenario(screen: MainScreen):
    """The scenario the editor's own document makes, read back from its YAML."""
    return parse_scenario(document_text(screen.query_one(ScenarioEditor).document))


async def test_a_program_and_a_migration_added_and_typed_key_by_key_are_in_the_document(store, tmp_path):
    app = app_on(store, tmp_path, TWO_SEGMENTS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.document["programs"] == [] and screen.document["migrations"] == []
        await press_button(pilot, "add-program")
        await press_button(pilot, "add-migration")
        screen = await settled(pilot)
        assert screen.scenario is not None, screen.problems  # what the buttons add is valid at once
        assert screen.query_one("#group-programs").title == "Programs (1)"
        await type_keys(pilot, "programs[0].name", "Rescue")
        await type_keys(pilot, "programs[0].segments", "Key")
        await type_keys(pilot, "programs[0].from_month", "4")
        await type_keys(pilot, "programs[0].to_month", "18")
        await type_keys(pilot, "programs[0].cost_monthly", "20k")
        await type_keys(pilot, "programs[0].churn_change", "-30%")
        await type_keys(pilot, "programs[0].expansion_change", "0.5%")
        await type_keys(pilot, "migrations[0].from", "SMB")
        await type_keys(pilot, "migrations[0].to", "Key")
        await type_keys(pilot, "migrations[0].monthly", "1%")
        await type_keys(pilot, "migrations[0].mrr_multiplier", "5")
        screen = await settled(pilot)
        assert screen.scenario is not None, screen.problems
        assert screen.document["programs"] == [
            {
                "name": "Rescue",
                "segments": ["Key"],
                "from_month": 4,
                "to_month": 18,
                "cost_monthly": 20_000.0,
                "churn_change": -0.3,
                "expansion_change": 0.005,
            }
        ]
        assert screen.document["migrations"] == [{"from": "SMB", "to": "Key", "monthly": 0.01, "mrr_multiplier": 5.0}]
        scenario = editor_scenario(screen)
        assert scenario == screen.scenario
        assert [program.name for program in scenario.programs] == ["Rescue"]
        assert screen.result is not None and "Rescue" in screen.result.programs  # the run has the program's effect


async def test_programs_and_migrations_removed_leave_the_document(store, tmp_path):
    app = app_on(store, tmp_path, ALL_NEW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert [p["name"] for p in screen.document["programs"]] == ["Save"]
        await press_button(pilot, "add-program")
        await type_keys(pilot, "programs[1].name", "Second")
        await press_button(pilot, "remove-program-0")  # the first one: the second takes its place
        screen = await settled(pilot)
        assert [p["name"] for p in screen.document["programs"]] == ["Second"]
        assert screen.query_one(f"#{field_id('programs[0].name')}", Input).value == "Second"
        await press_button(pilot, "remove-program-0")
        await press_button(pilot, "remove-migration-0")
        screen = await settled(pilot)
        assert screen.scenario is not None, screen.problems
        assert screen.document["programs"] == [] and screen.document["migrations"] == []
        assert screen.query_one("#group-programs").title == "Programs (0)"
        assert not [path for path in screen.query_one(ScenarioEditor).paths.values() if path.startswith("programs")]
        scenario = editor_scenario(screen)
        assert scenario.programs == () and scenario.migrations == ()


async def test_funding_and_customer_success_are_added_and_removed(store, tmp_path):
    app = app_on(store, tmp_path, TWO_SEGMENTS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.document["company"]["funding"] is None
        assert not screen.query(f"#{field_id('company.funding.amount')}")
        await press_button(pilot, "add-funding")
        await press_button(pilot, "add-customer_success")
        screen = await settled(pilot)
        assert screen.scenario is not None, screen.problems
        funding = screen.document["company"]["funding"]
        # six and eighteen months of the 100k fixed costs; the catalog's defaults for the rest
        assert funding == {
            "below_cash": 600_000.0,
            "amount": 1_800_000.0,
            "probability": 1.0,
            "months_to_close": 3,
            "max_rounds": 1,
        }
        assert screen.query_one(f"#{field_id('company.funding.probability')}", Input).value == "100%"
        await type_keys(pilot, "company.funding.probability", "60%")
        await type_keys(pilot, "company.customer_success.arr_per_csm", "1.5M")
        screen = await settled(pilot)
        assert screen.document["company"]["funding"]["probability"] == 0.6
        assert screen.document["company"]["customer_success"] == {
            "arr_per_csm": 1_500_000.0,
            "cost_per_csm_monthly": 12_000.0,
        }
        await press_button(pilot, "remove-funding")
        await press_button(pilot, "remove-customer_success")
        screen = await settled(pilot)
        assert screen.scenario is not None
        assert screen.document["company"]["funding"] is None and screen.document["company"]["customer_success"] is None
        assert screen.query_one("#add-funding", Button) and screen.query_one("#add-customer_success", Button)
        assert not [path for path in screen.query_one(ScenarioEditor).paths.values() if ".funding" in path]


async def test_bad_values_show_their_problems_on_their_own_inputs(store, tmp_path):
    app = app_on(store, tmp_path, ALL_NEW)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await press_button(pilot, "add-migration")
        await type_keys(pilot, "programs[0].churn_change", "-150%")
        await type_keys(pilot, "company.funding.amount", "-2M")
        await type_keys(pilot, "migrations[1].to", "Enterprize")
        screen = await settled(pilot)
        assert screen.scenario is None
        problems = {path: row_of(screen, path).problem for path in screen.query_one(ScenarioEditor).rows}
        shown = {path: problem for path, problem in problems.items() if problem}
        assert set(shown) == {"programs[0].churn_change", "company.funding.amount", "migrations[1].to"}, shown
        assert shown["programs[0].churn_change"].startswith(
            "programs[0].churn_change: must be a number between -1 and 1"
        )
        assert shown["company.funding.amount"].startswith("company.funding.amount: must be")
        assert shown["migrations[1].to"].startswith("migrations[1].to: ") and "Enterprize" in shown["migrations[1].to"]
        assert all(row_of(screen, path).has_class("-invalid") for path in shown)
        await type_keys(pilot, "programs[0].churn_change", "-15%")
        await type_keys(pilot, "company.funding.amount", "2M")
        await type_keys(pilot, "migrations[1].from", "Key")  # SMB to Key once is enough: Key back down to SMB
        await type_keys(pilot, "migrations[1].to", "SMB")
        screen = await settled(pilot)
        assert screen.scenario is not None, screen.problems
        assert not any(row_of(screen, path).has_class("-invalid") for path in shown)


async def test_switching_when_out_of_cash(store, tmp_path):
    app = app_on(store, tmp_path, TWO_SEGMENTS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        policy = screen.query_one("#cash-policy", Select)
        assert policy.value == "continue" and screen.document["company"]["when_out_of_cash"] == "continue"
        edited: list[str] = []
        screen.watch(
            screen,
            "sub_title",
            lambda _: edited.append(screen.query_one(ScenarioEditor).document["company"]["when_out_of_cash"]),
            init=False,
        )
        for choice in ("shut_down", "stop_acquisition", "continue", "shut_down"):
            policy.value = choice
            screen = await settled(pilot)
            assert screen.scenario is not None and screen.scenario.company.when_out_of_cash == choice
            assert screen.document["company"]["when_out_of_cash"] == choice
        assert editor_scenario(screen).company.when_out_of_cash == "shut_down"
        assert screen.dirty


async def test_an_empty_to_month_or_segments_is_left_out_the_horizon_and_every_segment(store, tmp_path):
    app = app_on(store, tmp_path, ALL_NEW)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        segments = await type_keys(pilot, "programs[0].segments", "")
        to_month = await type_keys(pilot, "programs[0].to_month", "")
        screen = await settled(pilot)
        assert screen.scenario is not None, screen.problems
        assert segments.placeholder == "every segment" and to_month.placeholder == "the horizon"
        program = screen.query_one(ScenarioEditor).document["programs"][0]
        assert "segments" not in program and "to_month" not in program
        assert screen.document["programs"][0]["segments"] == ["SMB", "Key"]
        assert screen.document["programs"][0]["to_month"] == 24
        await type_keys(pilot, "programs[0].segments", "SMB, Key")
        screen = await settled(pilot)
        assert screen.query_one(ScenarioEditor).document["programs"][0]["segments"] == ["SMB", "Key"]


async def test_a_burst_of_keys_into_a_program_cost_leaves_what_was_typed(store, tmp_path):
    app = app_on(store, tmp_path, ALL_NEW)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        field = app.screen.query_one(f"#{field_id('programs[0].cost_monthly')}", Input)
        field.focus()
        await pilot.pause()
        for typed in ("35k", "5k", "120k"):
            for key in ("end", *["backspace"] * 4, *typed):
                app.post_message(events.Key(key, {"backspace": "\x7f", "end": None}.get(key, key)))
            await asyncio.sleep(0.3)  # a preview of the previous value runs meanwhile
            await pilot.pause()
            assert field.value == typed
        screen = await settled(pilot)
        assert field.value == "120k" and screen.document["programs"][0]["cost_monthly"] == 120_000.0


@pytest.mark.parametrize("policy", ["shutdown", "null"])
async def test_a_file_with_a_misspelt_cash_policy_opens_with_it_in_an_input_to_be_fixed(store, tmp_path, policy):
    app = app_on(store, tmp_path, ALL_NEW.replace("when_out_of_cash: shut_down", f"when_out_of_cash: {policy}"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.scenario is None and not screen.query("#cash-policy")
        row = row_of(screen, "company.when_out_of_cash")
        assert row.has_class("-invalid") and row.problem.startswith("company.when_out_of_cash: ")
        await type_keys(pilot, "company.when_out_of_cash", "shut_down")
        screen = await settled(pilot)
        assert screen.scenario is not None and screen.scenario.company.when_out_of_cash == "shut_down"


# the document as the editor shows it, without an app


def shown_document() -> dict:
    return _defaults_left_out(copy.deepcopy(scenario_document(ALL_NEW, "all")[1]))


def test_the_new_fields_are_shown_in_order_and_each_problem_path_has_its_input():
    paths = field_paths(shown_document())
    new = [
        path
        for path in paths
        if path.startswith(("company.funding", "company.customer_success", "programs", "migrations"))
    ]
    assert new == [
        "company.funding.below_cash",
        "company.funding.amount",
        "company.funding.probability",
        "company.funding.months_to_close",
        "company.funding.max_rounds",
        "company.customer_success.arr_per_csm",
        "company.customer_success.cost_per_csm_monthly",
        *(
            f"programs[0].{key}"
            for key in (
                "name",
                "segments",
                "from_month",
                "to_month",
                "cost_monthly",
                "churn_change",
                "expansion_change",
            )
        ),
        *(f"migrations[0].{key}" for key in ("from", "to", "monthly", "mrr_multiplier")),
    ]
    assert "company.when_out_of_cash" not in paths  # a select, not an input
    for path in new:
        assert problem_row(path, paths) == path
    assert problem_row("programs[0]", paths) == "programs[0].name"
    assert problem_row("company.funding", paths) == "company.funding.below_cash"


def test_every_new_field_as_the_editor_writes_it_reads_back_the_same():
    shown = shown_document()
    _, before, problems = checked_document(shown, "all")
    assert not problems
    assert written("programs[0].segments", ["Key"]) == "Key"
    assert written("programs[0].churn_change", -0.3) == "-30%"
    assert written("migrations[0].monthly", 0.01) == "1%"
    assert written("company.funding.probability", 0.5) == "50%"
    assert written("company.funding.amount", 2_000_000.0) == "2M"
    assert written("programs[0].to_month", 24) == "24"
    for path in field_paths(shown):
        value = _value_at(shown, path)
        retyped = copy.deepcopy(shown)
        set_in(retyped, path, read_written(path, written(path, value)))
        _, after, problems = checked_document(retyped, "all")
        assert not problems and after == before, (path, written(path, value), problems)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("SMB, Key", ["SMB", "Key"]),
        ("SMB,Key,", ["SMB", "Key"]),
        (" Key ", ["Key"]),
        ("", None),
        ("[SMB, 'Key, large']", ["SMB", "Key, large"]),
        ("123", ["123"]),  # a name, not a number
    ],
)
def test_a_programs_segments_are_names_between_commas(text, names):
    assert read_written("programs[0].segments", text) == names


def test_names_that_commas_cannot_write_are_written_as_a_list():
    assert written("programs[0].segments", ["SMB", "Key, large"]) == "[SMB, 'Key, large']"
    assert read_written("programs[0].segments", "[SMB, 'Key, large']") == ["SMB", "Key, large"]


def test_a_file_whose_programs_or_migrations_are_no_list_of_mappings_is_not_editable():
    raw = {"segments": [{"name": "A"}]}
    assert editable_document(raw) is not None
    assert editable_document(raw)["programs"] == [] and editable_document(raw)["migrations"] == []
    assert editable_document({**raw, "programs": {"name": "Save"}}) is None
    assert editable_document({**raw, "migrations": ["SMB"]}) is None


def _value_at(document: dict, path: str):
    from saas_sim.model.paths import split

    target = document
    for part in split(path):
        target = target[part]
    return target


async def test_the_help_line_of_a_programs_segments_and_of_the_cash_policy(store, tmp_path):
    """The catalog's help as it is written: ``e.g. [Enterprise]`` was read as markup and shown ``e.g. .``."""
    from textual.widgets import Static

    app = app_on(store, tmp_path, ALL_NEW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        screen.query_one(f"#{field_id('programs[0].segments')}", Input).focus()
        await pilot.pause()
        shown = str(screen.query_one("#field-help", Static).render())
        assert "e.g. [Enterprise]. Empty: every segment." in shown and shown.startswith("programs[0].segments")
        screen.query_one("#cash-policy", Select).focus()
        await pilot.pause()
        shown = str(screen.query_one("#field-help", Static).render())
        assert shown.startswith("company.when_out_of_cash (continue|stop_acquisition|shut_down): What the company")


NEW_FIELDS = [
    path
    for path in field_paths(shown_document())
    if path.startswith(("company.funding", "company.customer_success", "programs", "migrations"))
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(NEW_FIELDS),
    text=st.text(max_size=40) | st.sampled_from(["[", "[SMB", "[[]]", "{a: 1}", ",,,", "1e309", "9" * 5_000, "nan"]),
)
def test_any_text_in_a_new_field_is_a_scenario_or_problems(path, text):
    document = shown_document()
    set_in(document, path, read_written(path, text))
    scenario, _, problems = checked_document(document, "all")
    assert (scenario is None) == bool(problems)
    for problem in problems:  # each at an input of the editor, or at the top
        assert problem_row(problem.field, field_paths(document)) is not None or not problem.field, problem


def test_an_editor_path_and_the_name_events_and_analyses_give_it():
    document = shown_document()
    for path, named in (
        ("programs[0].cost_monthly", "programs.Save.cost_monthly"),
        ("segments[1].churn.monthly", "segments.Key.churn.monthly"),
        ("migrations[0].monthly", "migrations[0].monthly"),
        ("company.funding.amount", "company.funding.amount"),
    ):
        assert named_path(path, document) == named and indexed_path(named, document) == path
    with pytest.raises(KeyError):
        named_path("programs[1].cost_monthly", document)
    with pytest.raises(KeyError):
        indexed_path("programs.Nobody.cost_monthly", document)


async def test_goal_seek_from_a_program_field_names_the_program_and_its_answer_lands_in_the_field(store, tmp_path):
    from tui.screens.goal import GoalAnswer, GoalDialog

    app = app_on(store, tmp_path, ALL_NEW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        cost = screen.query_one(f"#{field_id('programs[0].cost_monthly')}", Input)
        cost.focus()
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GoalDialog) and dialog.query_one("#goal-field", Input).value == (
            "programs.Save.cost_monthly"
        )
        dialog.dismiss(GoalAnswer("programs.Save.cost_monthly", 35_000.0))
        screen = await settled(pilot)
        assert cost.value == "35k" and screen.document["programs"][0]["cost_monthly"] == 35_000.0
