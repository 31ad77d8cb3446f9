"""``saas-sim run``: validate a scenario, simulate it, show or write the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.boundary import invalid_input, option_problem
from saas_sim.cli.options import DbOption
from saas_sim.cli.progress import LateProgress
from saas_sim.cli.store import open_store
from saas_sim.errors import InputError, Problem, SimulationDiverged
from saas_sim.model.catalog.fields import TOP_LEVEL

if TYPE_CHECKING:
    from saas_sim.analysis.run import ScenarioRun
    from saas_sim.model.result import Result
    from saas_sim.model.scenario import Scenario
    from saas_sim.store import RevisionInfo, Store

STDOUT = "-"
SCENARIO_SUFFIXES = (".yaml", ".yml")

# Each override obeys the rule of the scenario field it replaces.
OVERRIDE_FIELDS = {"--paths": "simulation.paths", "--seed": "simulation.seed", "--horizon": "horizon_months"}


@dataclass(frozen=True)
class Loaded:
    """A scenario to run: from a file (``text`` is saved as a revision) or a stored revision."""

    scenario: Scenario
    text: str
    revision: RevisionInfo | None  # set when it came from the store
    store: Store | None  # the store it came from


def run_command(
    *,
    file_or_name: Annotated[
        str,
        typer.Argument(
            metavar="FILE_OR_NAME",
            show_default=False,
            help="A scenario YAML file, or a stored scenario's name (NAME@REV for an older revision).",
        ),
    ],
    paths: Annotated[
        int | None, typer.Option(metavar="N", help="Monte-Carlo paths, 1..1000000 (default: the scenario's)")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(metavar="S", help="Random seed, >= 0 (default: the scenario's, else a fresh one, reported)"),
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(metavar="M", help="Months to simulate, 1..240 (default: the scenario's)")
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json", metavar="PATH|-", help="Write the result document as JSON; '-' prints it, and only it, to stdout."
        ),
    ] = None,
    csv_path: Annotated[
        str | None,
        typer.Option(
            "--csv",
            metavar="PATH|-",
            help="Write the company series as CSV, one row per month (with --plan: the plan); '-' writes to stdout.",
        ),
    ] = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Show the p50 plan, a row per month and per year, instead of the summary; with --csv, write it.",
        ),
    ] = False,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Do not save the scenario's revision and the run in the store.")
    ] = False,
    db: DbOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on success; files are still written.")
    ] = False,
) -> None:
    """Validate a scenario, simulate it, print a summary (charts on a terminal) and save the run."""
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.result import write_csv, write_json

    check_options(paths=paths, seed=seed, horizon=horizon)
    check_output_paths(json_path=json_path, csv_path=csv_path)
    if plan and json_path == STDOUT:
        raise InputError(
            [option_problem("--plan", "shows a table, and --json - prints only the document: use --json FILE")]
        )
    store = None
    loaded = load(file_or_name, db=db, write=not no_save)
    if not no_save:  # a damaged or read-only store is refused now, not after the run
        store = loaded.store if loaded.store is not None else open_store(db)
    scenario = with_overrides(loaded.scenario, paths=paths, seed=seed, horizon=horizon)
    try:
        result = simulate_with_progress(scenario, quiet=quiet)
    except SimulationDiverged as error:  # say which file grows without bound
        raise InputError([Problem(str(file_or_name), None, "", str(p)) for p in error.problems]) from None
    if json_path is not None:
        write_json(result, json_path)
    if csv_path is not None and plan:
        write_plan_csv(result, csv_path)
    elif csv_path is not None:
        write_csv(result, csv_path)
    notes = [f"Wrote {p}" for p in (json_path, csv_path) if p is not None]
    if store is not None:
        notes.append(save(store, loaded, result))
    if quiet or STDOUT in (json_path, csv_path):
        return
    if plan:
        print_plan(result, notes=notes)
    else:
        print_summary(result, notes=notes)


def check_options(*, paths: int | None, seed: int | None, horizon: int | None) -> None:
    """Refuse bad override values before any work starts, every problem at once."""
    problems = []
    for option, value in (("--paths", paths), ("--seed", seed), ("--horizon", horizon)):
        rule = TOP_LEVEL[OVERRIDE_FIELDS[option]]
        if value is not None and not rule.contains(value):
            problems.append(option_problem(option, f"{rule.allowed()}, got {value}"))
    if problems:
        raise InputError(problems)


def check_output_paths(*, json_path: str | None, csv_path: str | None) -> None:
    """Refuse output paths that cannot be written before any work starts."""
    problems = []
    if json_path == STDOUT and csv_path == STDOUT:
        problems.append(option_problem("--csv", "only one of --json and --csv can write to stdout ('-')"))
    for option, target in (("--json", json_path), ("--csv", csv_path)):
        if target not in (None, STDOUT) and not Path(target).resolve().parent.is_dir():
            problems.append(option_problem(option, f"no such directory for {target}"))
        elif target not in (None, STDOUT) and Path(target).is_dir():
            problems.append(option_problem(option, f"must name a file, got the directory {target}"))
    if problems:
        raise InputError(problems)


def load(file_or_name: str, *, db: Path | None = None, write: bool = False) -> Loaded:
    """The validated scenario of a YAML file, else of a stored scenario (``NAME`` or ``NAME@REV``).

    A path that exists is always read as a file; a missing ``*.yaml`` path is
    reported as a missing file without opening the store.  A name is looked
    up without creating a store; with ``write`` (the run is saved in it) an
    existing store is opened for writing, so checked before the run.
    """
    from saas_sim.io.scenario import parse_scenario, read_scenario_file

    path = Path(file_or_name)
    if path.exists():
        text, scenario = read_scenario_file(path)
        return Loaded(scenario, text, None, None)
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        raise invalid_input(f"no such scenario file: {file_or_name}")
    try:
        store = open_store(db, write=write, create=False)
        revision = store.find_revision(file_or_name)
    except InputError as error:
        if isinstance(error.problems[0], Problem):
            raise  # the store itself is refused: that is the news
        raise invalid_input(f"no such scenario file, and {error.problems[0]}") from None
    source = f"{revision.name}@{revision.number}"
    return Loaded(parse_scenario(revision.yaml_text, source), revision.yaml_text, revision, store)


def save(store: Store, loaded: Loaded, result: Result) -> str:
    """Save the run (and the file's revision) in one transaction; what to tell the user."""
    if loaded.revision is not None:
        run = store.save_run_of(loaded.revision.id, result)
        return f"Saved run {run.id} of '{run.name}' revision {run.revision}"
    saved, run = store.save_run(loaded.text, loaded.scenario, result)
    if saved.created and saved.revision.number > 1:
        what = f"new revision {run.revision} (the file changed)"
    else:
        what = f"revision {run.revision}"
    restored = " (restored from the archive)" if saved.restored else ""
    return f"Saved run {run.id} of '{run.name}' {what}{restored}"


def simulate_with_progress(scenario: Scenario, *, quiet: bool = False) -> Result:
    """The scenario's result document, its run drained behind a :class:`LateProgress` bar."""
    result = run_with_progress(scenario).result
    assert result is not None
    return result


def run_with_progress(scenario: Scenario) -> ScenarioRun:
    """Drain the engine's progress generator behind a :class:`LateProgress` bar; the finished run (its
    result, and what it kept of its paths for a report)."""
    from saas_sim.analysis.run import ScenarioRun

    run = ScenarioRun(scenario)
    with LateProgress("Simulating", "paths", time_left=True) as bar:
        for done, total in run.progress():
            # After the last block come the statistics over paths: say so rather than sit at 100 %.
            bar.update(done, total, description="Computing statistics" if done == total else None)
    assert run.result is not None
    return run


def print_summary(result: Result, *, notes: list[str]) -> None:
    """The rich summary on stdout; charts only on a terminal."""
    from rich.console import Console

    from saas_sim.render.summary import company_notes, run_report

    console = Console()
    console.print(run_report(result, charts=console.is_terminal))
    for note in company_notes(result):  # what running out of cash and funding did: news, not dim
        console.print(note, highlight=False, markup=False, soft_wrap=False)
    for note in notes:
        console.print(note, style="dim", highlight=False, markup=False, soft_wrap=True)


def write_plan_csv(result: Result, path: str) -> None:
    """The plan's CSV to ``path`` (``-``: stdout, and only it)."""
    import sys

    from saas_sim.analysis.plan import plan_of
    from saas_sim.render.plan import plan_csv

    text = plan_csv(plan_of(result))
    if path == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(path).write_text(text, encoding="utf-8", newline="")


def print_plan(result: Result, *, notes: list[str]) -> None:
    """The plan's table on stdout (in place of the summary: what a founder pastes into a deck)."""
    from rich.console import Console

    from saas_sim.analysis.plan import plan_of
    from saas_sim.render.plan import plan_view

    console = Console()
    console.print(plan_view(plan_of(result)))
    for note in notes:
        console.print(note, style="dim", highlight=False, markup=False, soft_wrap=True)
