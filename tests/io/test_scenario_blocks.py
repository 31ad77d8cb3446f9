"""The blocks of SPEC 2.5, 2.7 and 2.8 in a scenario file: the cash policy, funding, customer
success, programs and migrations — each check with its one-line message, the defaults the loader
fills in, the normalized form and its round trip."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import Phase, find, settings
from hypothesis.errors import NoSuchExample

from saas_sim.errors import InputError
from saas_sim.io.scenario import dump_scenario_yaml, parse_scenario, scenario_to_dict
from saas_sim.model.scenario import CustomerSuccess, Distribution, Funding, Migration, Program, Scenario
from tests.strategies import scenarios

# Two segments, ten lines.
BASE = """\
name: Test
horizon_months: 24
company:
  starting_cash: 100_000
  fixed_costs_monthly: 10_000
acquisition:
  spend_monthly: 5_000
segments:
  - {name: SMB, spend_share: 0.5, cac: 1k, arpa_monthly: 100, gross_margin: 0.8, churn: {monthly: 0.03}}
  - {name: Enterprise, spend_share: 0.5, cac: 30k, arpa_monthly: 4k, gross_margin: 0.8, churn: {annual: 0.1}}
"""
COMPANY_LINE = 3


def parse(text: str):
    return parse_scenario(text, "x.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as raised:
        parse(text)
    return [str(problem) for problem in raised.value.problems]


def company(*lines: str) -> str:
    """BASE with more lines in its company block (from line 6)."""
    head, tail = BASE.split("acquisition:", 1)
    return head + "".join(f"  {line}\n" for line in lines) + "acquisition:" + tail


def programs(*items: str) -> str:
    """BASE with a program a line (the first at line 12)."""
    return BASE + "programs:\n" + "".join(f"  - {item}\n" for item in items)


def migrations(*items: str) -> str:
    """BASE with a migration a line (the first at line 12)."""
    return BASE + "migrations:\n" + "".join(f"  - {item}\n" for item in items)


# -- defaults and values -----------------------------------------------------------------------


def test_without_the_blocks_the_company_continues_and_nothing_else_runs():
    scenario = parse(BASE)
    assert scenario.company.when_out_of_cash == "continue"
    assert scenario.company.funding is None and scenario.company.customer_success is None
    assert scenario.programs == () and scenario.migrations == ()


def test_null_means_not_given():
    text = company("funding: null", "customer_success: null")
    scenario = parse(text + "programs: null\nmigrations: null\n")
    assert scenario == parse(BASE)


def test_the_loader_fills_in_every_default():
    text = company("when_out_of_cash: shut_down", "funding: {below_cash: -100k, amount: 2M}")
    scenario = parse(
        text
        + "programs:\n  - {name: Save, cost_monthly: 8k}\nmigrations:\n  - {from: SMB, to: Enterprise, monthly: 1%}\n"
    )
    assert scenario.company.when_out_of_cash == "shut_down"
    assert scenario.company.funding == Funding(
        below_cash=-100_000, amount=2_000_000, probability=1.0, months_to_close=3, max_rounds=1
    )
    # Every segment in scenario order, to the horizon; no effect unless given.
    assert scenario.programs == (
        Program(
            name="Save",
            cost_monthly=8_000,
            segments=("SMB", "Enterprise"),
            from_month=1,
            to_month=24,
            churn_change=0.0,
            expansion_change=0.0,
        ),
    )
    assert scenario.migrations == (Migration(source="SMB", target="Enterprise", monthly=0.01, mrr_multiplier=1.0),)


def test_values_in_every_form_and_uncertain_where_allowed():
    text = company(
        "when_out_of_cash: stop_acquisition",
        "funding: {below_cash: '$500k', amount: 2M..4M, probability: 70%, months_to_close: 6, max_rounds: 3}",
        "customer_success: {arr_per_csm: 1.5M..2.5M, cost_per_csm_monthly: '€12,000'}",
    )
    text += "programs:\n  - {name: Save, segments: [Enterprise], from_month: 4, to_month: 20, cost_monthly: 80k,"
    text += " churn_change: -20%..-10%, expansion_change: 0.3%}\n"
    text += "migrations:\n  - {from: SMB, to: Enterprise, monthly: 0.2%..0.8%, mrr_multiplier: 8}\n"
    scenario = parse(text)
    funding = scenario.company.funding
    assert funding is not None and funding.below_cash == 500_000 and funding.probability == 0.7
    assert isinstance(funding.amount, Distribution) and (funding.months_to_close, funding.max_rounds) == (6, 3)
    assert isinstance(scenario.company.customer_success.arr_per_csm, Distribution)  # type: ignore[union-attr]
    assert scenario.company.customer_success.cost_per_csm_monthly == 12_000  # type: ignore[union-attr]
    (program,) = scenario.programs
    assert (program.segments, program.from_month, program.to_month, program.cost_monthly) == (
        ("Enterprise",),
        4,
        20,
        80_000,
    )
    assert isinstance(program.churn_change, Distribution) and program.churn_change.dist == "normal"  # below 0
    assert program.churn_change.param("mean") == pytest.approx(-0.15)
    assert program.expansion_change == pytest.approx(0.003)
    (migration,) = scenario.migrations
    assert isinstance(migration.monthly, Distribution) and migration.mrr_multiplier == 8


# -- problems, one line each -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["when_out_of_cash: shutdown"],
            "x.yaml:6 company.when_out_of_cash: must be continue, stop_acquisition or shut_down, got 'shutdown', "
            "did you mean 'shut_down'?",
        ),
        (
            ["when_out_of_cash: borrow"],
            "x.yaml:6 company.when_out_of_cash: must be continue, stop_acquisition or shut_down, got 'borrow'",
        ),
        (
            ["when_out_of_cash:"],
            "x.yaml:6 company.when_out_of_cash: must be continue, stop_acquisition or shut_down, got nothing",
        ),
        (
            ["when_out_of_cash: 0"],
            "x.yaml:6 company.when_out_of_cash: must be continue, stop_acquisition or shut_down, got 0",
        ),
        (["funding: {amount: 1M}"], "x.yaml:6 company.funding.below_cash: is required"),
        (["funding: 3M"], "x.yaml:6 company.funding: must be a mapping of keys to values, got '3M'"),
        (
            ["funding: {below_cash: 0, amount: -1M}"],
            "x.yaml:6 company.funding.amount: must be a number between 0 and 1e15, got '-1M'",
        ),
        (
            ["funding: {below_cash: 0, amount: 1M, probability: 70}"],
            "x.yaml:6 company.funding.probability: must be a number between 0 and 1, got 70; write 70% or 0.7",
        ),
        (
            ["funding: {below_cash: 0, amount: 1M, months_to_close: 0}"],
            "x.yaml:6 company.funding.months_to_close: must be a whole number between 1 and 120, got 0",
        ),
        (
            ["funding: {below_cash: 0, amount: 1M, max_rounds: 1..3}"],
            "x.yaml:6 company.funding.max_rounds: must be a whole number, got '1..3'",
        ),
        (
            ["funding: {below_cash: 0, amount: 1M, arr_per_csm: 1M}"],
            "x.yaml:6 company.funding: unknown key 'arr_per_csm', did you mean company.customer_success.arr_per_csm? "
            "(it belongs under customer_success:)",
        ),
        (
            ["customer_success: {arr_per_csm: 0, cost_per_csm_monthly: 10k}"],
            "x.yaml:6 company.customer_success.arr_per_csm: must be a number between 1 and 1e15, got 0",
        ),
        (
            ["customer_success: {arr_per_csm: 2M}"],
            "x.yaml:6 company.customer_success.cost_per_csm_monthly: is required",
        ),
        (
            ["below_cash: 1M"],
            "x.yaml:6 company: unknown key 'below_cash', did you mean company.funding.below_cash? "
            "(it belongs under funding:)",
        ),
    ],
)
def test_company_problems(lines, message):
    assert problems(company(*lines)) == [message]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["{cost_monthly: 1k}"], "x.yaml:12 programs[0].name: is required"),
        (["{name: Save}"], "x.yaml:12 programs[0].cost_monthly: is required"),
        (
            ["{name: Save, cost_monthly: 1k}", "{name: Save, cost_monthly: 2k}"],
            "x.yaml:13 programs[1].name: must be unique, got 'Save' a second time",
        ),
        (
            ["{name: Save.it, cost_monthly: 1k}"],
            "x.yaml:12 programs[0].name: must be text of 1 to 80 characters without '.', got 'Save.it'",
        ),
        (
            [f"{{name: {'x' * 81}, cost_monthly: 1k}}"],
            f"x.yaml:12 programs[0].name: must be text of 1 to 80 characters without '.', got '{'x' * 57}...'",
        ),
        (
            ["{name: 2025, cost_monthly: 1k}"],
            "x.yaml:12 programs[0].name: must be text of 1 to 80 characters without '.', got 2025; "
            'put it in quotes: name: "2025"',
        ),
        (
            ["{name: Save, cost_monthly: 1k, segments: [Entreprise]}"],
            "x.yaml:12 programs[0].segments[0]: names no segment 'Entreprise', did you mean 'Enterprise'?",
        ),
        (
            ["{name: Save, cost_monthly: 1k, segments: [Agencies]}"],
            "x.yaml:12 programs[0].segments[0]: names no segment 'Agencies'; the segments are SMB, Enterprise",
        ),
        (
            ["{name: Save, cost_monthly: 1k, segments: []}"],
            "x.yaml:12 programs[0].segments: must name at least one segment (leave it out for every segment), got []",
        ),
        (
            ["{name: Save, cost_monthly: 1k, segments: [SMB, Enterprise, SMB]}"],
            "x.yaml:12 programs[0].segments[2]: names segment 'SMB' a second time",
        ),
        (
            ["{name: Save, cost_monthly: 1k, segments: SMB}"],
            "x.yaml:12 programs[0].segments: must be a list of segment names, got 'SMB'",
        ),
        (
            ["{name: Save, cost_monthly: 1k, from_month: 10, to_month: 9}"],
            "x.yaml:12 programs[0].to_month: must be at least from_month (10), got 9",
        ),
        (
            ["{name: Save, cost_monthly: 1k, from_month: 25}"],
            "x.yaml:12 programs[0].from_month: must be a whole number between 1 and 24, got 25",
        ),
        (
            ["{name: Save, cost_monthly: 1k, to_month: 0}"],
            "x.yaml:12 programs[0].to_month: must be a whole number between 1 and 24, got 0",
        ),
        (
            ["{name: Save, cost_monthly: 1k, churn_change: -150%}"],
            "x.yaml:12 programs[0].churn_change: must be a number between -1 and 1, got '-150%'",
        ),
        (
            ["{name: Save, cost_monthly: 1k, expansion_change: 2}"],
            "x.yaml:12 programs[0].expansion_change: must be a number between -1 and 1, got 2; write 2% or 0.02",
        ),
        (
            ["{name: Save, cost_monthly: 1k, monthly: 3%}"],
            "x.yaml:12 programs[0]: unknown key 'monthly', did you mean churn.monthly? (it belongs under churn:)",
        ),
        (
            ["{name: Save, cost_monthly: 1k, mrr_multiplier: 3}"],
            "x.yaml:12 programs[0]: unknown key 'mrr_multiplier', it belongs to a migration (under migrations:)",
        ),
        (
            ["{name: Save, cost_monthly: 1k, churn_chang: 3%}"],
            "x.yaml:12 programs[0]: unknown key 'churn_chang', did you mean 'churn_change'?",
        ),
    ],
)
def test_program_problems(items, message):
    assert problems(programs(*items)) == [message]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["{to: SMB, monthly: 1%}"], "x.yaml:12 migrations[0].from: is required"),
        (["{from: SMB, to: Enterprise}"], "x.yaml:12 migrations[0].monthly: is required"),
        (
            ["{from: SMB, to: SMB, monthly: 1%}"],
            "x.yaml:12 migrations[0].to: must name a segment other than its from, got 'SMB' for both",
        ),
        (
            ["{from: SMB, to: Enterprise, monthly: 1%}", "{from: SMB, to: Enterprise, monthly: 2%}"],
            "x.yaml:13 migrations[1]: must not move accounts from SMB to Enterprise again (see line 12)",
        ),
        (
            ["{from: Smb, to: Enterprise, monthly: 1%}"],
            "x.yaml:12 migrations[0].from: names no segment 'Smb', did you mean 'SMB'?",
        ),
        (
            ["{from: SMB, to: Ent, monthly: 1%}"],
            "x.yaml:12 migrations[0].to: names no segment 'Ent', did you mean 'Enterprise'?",
        ),
        (
            ["{from: SMB, to: Enterprise, monthly: 3}"],
            "x.yaml:12 migrations[0].monthly: must be a number between 0 and 1, got 3; write 3% or 0.03",
        ),
        (
            ["{from: SMB, to: Enterprise, monthly: 1%, mrr_multiplier: 0}"],
            "x.yaml:12 migrations[0].mrr_multiplier: must be a number > 0 and <= 1000, got 0",
        ),
        (
            ["{from: SMB, to: Enterprise, monthly: 1%, cost_monthly: 1k}"],
            "x.yaml:12 migrations[0]: unknown key 'cost_monthly', it belongs to a program (under programs:)",
        ),
    ],
)
def test_migration_problems(items, message):
    assert problems(migrations(*items)) == [message]


def test_the_way_back_is_another_migration():
    scenario = parse(migrations("{from: SMB, to: Enterprise, monthly: 1%}", "{from: Enterprise, to: SMB, monthly: 2%}"))
    assert [(m.source, m.target) for m in scenario.migrations] == [("SMB", "Enterprise"), ("Enterprise", "SMB")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + "programs: {name: Save}\n", "x.yaml:11 programs: must be a list of program mappings, got {name: Save}"),
        (BASE + "migrations: 3\n", "x.yaml:11 migrations: must be a list of migration mappings, got 3"),
        (BASE + "from_month: 3\n", "x.yaml:11: unknown key 'from_month', it belongs to a program (under programs:)"),
        (
            BASE + "arr_per_csm: 2M\n",
            "x.yaml:11: unknown key 'arr_per_csm', did you mean company.customer_success.arr_per_csm? (it belongs under customer_success:)",
        ),
    ],
)
def test_misplaced_blocks_and_keys(text, message):
    assert problems(text) == [message]


def test_events_cannot_change_the_new_fields_and_are_told_so():
    text = programs("{name: Save, cost_monthly: 1k}")
    text = text.replace(
        "programs:",
        "events:\n  - month: 3\n    set:\n"
        "      programs.Save.cost_monthly: 2k\n"
        "      programs.Sav.cost_monthly: 2k\n"
        "      migrations[0].monthly: 1%\n"
        "      company.funding.amount: 1M\n"
        "      company.when_out_of_cash: shut_down\n"
        "programs:",
    )
    assert problems(text) == [
        "x.yaml:14 events[0].set.programs.Save.cost_monthly: cannot be changed by an event",
        "x.yaml:15 events[0].set.programs.Sav.cost_monthly: names no program 'Sav', did you mean "
        "'programs.Save.cost_monthly'?",
        "x.yaml:16 events[0].set.migrations[0].monthly: names no migration: the scenario lists none",
        "x.yaml:17 events[0].set.company.funding.amount: cannot be changed by an event",
        "x.yaml:18 events[0].set.company.when_out_of_cash: cannot be changed by an event",
    ]


def test_uncertain_values_of_the_new_blocks_may_be_correlated():
    text = company("funding: {below_cash: 0, amount: 2M..4M}")
    text += "simulation:\n  correlations:\n"
    text += "    - {between: [company.funding.amount, programs.Save.cost_monthly], rho: 0.5}\n"
    text += "    - {between: ['migrations[0].monthly', programs.Save.churn_change], rho: -0.3}\n"
    text += "programs:\n  - {name: Save, cost_monthly: 50k..90k, churn_change: -20%..-10%}\n"
    text += "migrations:\n  - {from: SMB, to: Enterprise, monthly: 1%..2%}\n"
    correlations = parse(text).simulation.correlations
    assert [c.between for c in correlations] == [
        ("company.funding.amount", "programs.Save.cost_monthly"),
        ("migrations[0].monthly", "programs.Save.churn_change"),
    ]
    fixed = text.replace("monthly: 1%..2%", "monthly: 1%")
    assert problems(fixed) == [
        "x.yaml:15 simulation.correlations[1].between[0]: must name a field that is uncertain in this scenario, "
        "got 'migrations[0].monthly'"
    ]


def test_every_problem_of_the_new_blocks_at_once_in_line_order():
    text = company("when_out_of_cash: never") + "programs:\n  - {name: A, cost_monthly: -1}\n"
    text += "migrations:\n  - {from: SMB, to: Nope, monthly: 1%}\n"
    assert problems(text) == [
        "x.yaml:6 company.when_out_of_cash: must be continue, stop_acquisition or shut_down, got 'never'",
        "x.yaml:13 programs[0].cost_monthly: must be a number between 0 and 1e15, got -1",
        "x.yaml:15 migrations[0].to: names no segment 'Nope'; the segments are SMB, Enterprise",
    ]


# -- the normalized form -----------------------------------------------------------------------

FULL = (
    company(
        "when_out_of_cash: shut_down",
        "funding: {below_cash: 500k, amount: 3M, probability: 70%}",
        "customer_success: {arr_per_csm: 2M, cost_per_csm_monthly: 12k}",
    )
    + "programs:\n  - {name: Save at-risk accounts, segments: [Enterprise], from_month: 4, cost_monthly: 80k,"
    " churn_change: -15%, expansion_change: 0.3%}\n  - {name: Onboarding, cost_monthly: 5k..9k}\n"
    + "migrations:\n  - {from: SMB, to: Enterprise, monthly: 0.5%, mrr_multiplier: 8}\n"
)


def test_the_normalized_form_has_every_default_filled_in():
    data = scenario_to_dict(parse(FULL))
    assert data["company"] == {
        "starting_cash": 100_000,
        "fixed_costs_monthly": 10_000,
        "discount_rate_annual": 0,
        "ltv_horizon_months": 60,
        "when_out_of_cash": "shut_down",
        "funding": {
            "below_cash": 500_000.0,
            "amount": 3_000_000.0,
            "probability": 0.7,
            "months_to_close": 3,
            "max_rounds": 1,
        },
        "customer_success": {"arr_per_csm": 2_000_000.0, "cost_per_csm_monthly": 12_000.0},
    }
    assert list(data)[-3:] == ["events", "programs", "migrations"]
    assert data["programs"] == [
        {
            "name": "Save at-risk accounts",
            "segments": ["Enterprise"],
            "from_month": 4,
            "to_month": 24,
            "cost_monthly": 80_000.0,
            "churn_change": -0.15,
            "expansion_change": 0.003,
        },
        {
            "name": "Onboarding",
            "segments": ["SMB", "Enterprise"],
            "from_month": 1,
            "to_month": 24,
            "cost_monthly": {"dist": "lognormal", "p5": 5_000.0, "p95": 9_000.0},
            "churn_change": 0.0,
            "expansion_change": 0.0,
        },
    ]
    assert data["migrations"] == [{"from": "SMB", "to": "Enterprise", "monthly": 0.005, "mrr_multiplier": 8.0}]
    assert isinstance(data["programs"][0]["from_month"], int)
    assert isinstance(data["company"]["funding"]["months_to_close"], int)


def test_the_normalized_form_reads_back_as_the_same_scenario():
    scenario = parse(FULL)
    data = scenario_to_dict(scenario)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert parse_scenario(yaml.safe_dump(data)) == scenario
    assert parse_scenario(json.dumps(data)) == scenario
    dumped = dump_scenario_yaml(scenario)
    assert parse_scenario(dumped) == scenario
    assert dump_scenario_yaml(parse_scenario(dumped)) == dumped
    assert "  segments: [Enterprise]\n" in dumped  # a program's segments on one line


def test_customer_success_and_a_program_on_their_own():
    text = company("customer_success: {arr_per_csm: 2M, cost_per_csm_monthly: 12k}")
    scenario = parse(text)
    assert scenario.company.customer_success == CustomerSuccess(arr_per_csm=2_000_000, cost_per_csm_monthly=12_000)
    assert scenario_to_dict(scenario)["company"]["funding"] is None


def test_the_shared_strategy_draws_every_new_block():
    """The round-trip and paths properties (tests/strategies.py) meet the new blocks too, unless told not to."""
    quick = settings(max_examples=1_000, database=None, phases=[Phase.generate])
    for has_it in (
        lambda s: s.company.when_out_of_cash != "continue",
        lambda s: s.company.funding is not None,
        lambda s: s.company.customer_success is not None,
        lambda s: s.programs != (),
        lambda s: s.migrations != (),
    ):
        assert has_it(find(scenarios(), has_it, settings=quick))
    with pytest.raises(NoSuchExample):
        find(scenarios(blocks=False), has_a_block, settings=settings(quick, max_examples=100))


def has_a_block(s: Scenario) -> bool:
    company = s.company
    return bool(
        company.when_out_of_cash != "continue"
        or company.funding
        or company.customer_success
        or s.programs
        or s.migrations
    )


def test_at_most_50_programs_and_100_migrations():
    many = programs(*(f"{{name: P{i}, cost_monthly: 1k}}" for i in range(50)))
    assert len(parse(many).programs) == 50
    assert problems(many + "  - {name: P50, cost_monthly: 1k}\n") == [
        "x.yaml:12 programs: must list at most 50 programs, got 51"
    ]
    moves = migrations(*("{from: SMB, to: Enterprise, monthly: 1%}" for _ in range(101)))
    assert problems(moves) == ["x.yaml:12 migrations: must list at most 100 migrations, got 101"]


def test_arr_per_manager_under_one_unit_of_money_is_refused():
    """A manager per 1e-300 of ARR staffs more managers than a float holds: the cash went to inf and the run
    failed writing its JSON (found by the hostile tester). One unit of money per manager is the floor."""
    from saas_sim.errors import InputError
    from saas_sim.io.scenario import parse_scenario

    text = """name: X
horizon_months: 12
company:
  starting_cash: 1M
  fixed_costs_monthly: 10k
  customer_success: {arr_per_csm: 1e-300, cost_per_csm_monthly: 10k}
acquisition: {spend_monthly: 10k}
segments:
  - {name: A, cac: 1k, arpa_monthly: 100, churn: {monthly: 3%}, gross_margin: 80%}
"""
    try:
        parse_scenario(text, "x.yaml")
    except InputError as error:
        assert [str(p) for p in error.problems] == [
            "x.yaml:6 company.customer_success.arr_per_csm: must be a number between 1 and 1e15, got '1e-300'"
        ]
    else:
        raise AssertionError("accepted")
    parse_scenario(text.replace("1e-300", "1"), "x.yaml")  # one unit of money per manager: allowed
