"""``saas-sim compare A B``: two scenarios side by side, with the same seed and paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.options import DbOption
from saas_sim.cli.run import STDOUT, Loaded, check_options, check_output_paths, load, simulate_with_progress

if TYPE_CHECKING:
    from saas_sim.model.result import Result


def compare_command(
    *,
    a: Annotated[
        str,
        typer.Argument(
            metavar="A", show_default=False, help="The first scenario: a YAML file or a stored name (NAME@REV)."
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(metavar="B", show_default=False, help="The second scenario, compared with the first (B − A)."),
    ],
    paths: Annotated[int | None, typer.Option(metavar="N", help="Monte-Carlo paths for both (default: A's)")] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="S", help="Random seed for both (default: A's, else a fresh one, reported)")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(metavar="M", help="Months to simulate for both (default: each scenario's own)")
    ] = None,
    json_path: Annotated[
        str | None,
        typer.Option(
            "--json", metavar="PATH|-", help='Write {"a": result, "b": result}; \'-\' prints it, and only it.'
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Simulate two scenarios with the same seed and paths; every summary metric side by side with B − A."""
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.result import write_json

    check_options(paths=paths, seed=seed, horizon=horizon)
    check_output_paths(json_path=json_path, csv_path=None)
    first, second = load(a, db=db), load(b, db=db)
    # Common random numbers: one seed and one path count, so the difference is the scenarios', not the noise's.
    scenario_a = with_overrides(first.scenario, paths=paths, seed=seed, horizon=horizon)
    shared = scenario_a.simulation
    scenario_b = with_overrides(second.scenario, paths=shared.paths, seed=shared.seed, horizon=horizon)
    result_a = simulate_with_progress(scenario_a)
    result_b = simulate_with_progress(scenario_b)
    if json_path is not None:
        write_json({"a": result_a.to_json(), "b": result_b.to_json()}, json_path)
        if json_path == STDOUT:
            return
    print_comparison(result_a, result_b, labels=(_label(first), _label(second)))


def _label(loaded: Loaded) -> str:
    if loaded.revision is not None:
        return f"{loaded.revision.name}@{loaded.revision.number}"
    return loaded.scenario.name


def print_comparison(result_a: Result, result_b: Result, *, labels: tuple[str, str]) -> None:
    from rich.console import Console
    from rich.text import Text

    from saas_sim.render.compare import compare_fan_chart, differences_table
    from saas_sim.render.figures import KeepFigures
    from saas_sim.render.programs import programs_comparison
    from saas_sim.render.summary import tail_warning

    console = Console()
    header = Text(f"A: {labels[0]}   B: {labels[1]}", style="bold")
    header.append(f"   {result_a.paths:,} paths · seed {result_a.seed} for both; differences are B − A", style="dim")
    console.print(KeepFigures(header))  # never "B⏎− A" on a pipe
    warning = tail_warning(result_a)
    if warning is not None:
        console.print(warning)
    if console.is_terminal:
        console.print()
        console.print(compare_fan_chart(result_a, result_b, "arr", labels=labels, height=12))
        console.print(compare_fan_chart(result_a, result_b, "cash", labels=labels, height=10))
    console.print()
    # "A" and "B" head the columns (the line above names them), so that long names never squeeze the figures.
    console.print(differences_table(result_a, result_b, labels=("A", "B"), bands=console.width >= 112))
    programs = programs_comparison(result_a, result_b, labels=("A", "B"))
    if programs is not None:
        console.print()
        console.print(programs)
