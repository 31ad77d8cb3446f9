"""``saas-sim workshop``: the vicious and the virtuous cycle in seven steps, in the TUI or printed."""

from __future__ import annotations

from typing import Annotated

import typer

from saas_sim.cli.boundary import option_problem
from saas_sim.errors import InputError

STEPS = 7
MIN_WIDTH, MAX_WIDTH = 60, 100


def workshop_command(
    *,
    print_steps: Annotated[
        bool,
        typer.Option(
            "--print",
            help="Print every step (simulated) to stdout instead of opening the TUI: for handouts and scripts.",
        ),
    ] = False,
    step: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            show_default=False,
            help=f"Only step N (1..{STEPS}) with --print; without it, the step the TUI opens on.",
        ),
    ] = None,
    width: Annotated[
        int | None,
        typer.Option(
            metavar="COLUMNS",
            show_default=False,
            help=f"Columns of --print, {MIN_WIDTH}..{MAX_WIDTH} (default: the terminal's, at most {MAX_WIDTH}; "
            "80 when piped).",
        ),
    ] = None,
) -> None:
    """A guided lesson: the leaky bucket, CAC and payback, LTV/CAC, the vicious and the virtuous cycle, NRR."""
    problems = []
    if step is not None and not 1 <= step <= STEPS:
        problems.append(option_problem("--step", f"must be a whole number between 1 and {STEPS}, got {step}"))
    if width is not None and not MIN_WIDTH <= width <= MAX_WIDTH:
        problems.append(
            option_problem("--width", f"must be a whole number between {MIN_WIDTH} and {MAX_WIDTH}, got {width}")
        )
    if problems:
        raise InputError(problems)
    if print_steps:
        print_workshop(step, width)
        return
    from tui.workshop_app import create_workshop_app

    create_workshop_app(start_step=step or 1).run()


def print_workshop(only: int | None, width: int | None) -> None:
    """Simulate each step and print it; colour only on a terminal."""
    from rich.console import Console
    from rich.text import Text

    from saas_sim.analysis.workshop import run_step, steps
    from saas_sim.render.workshop import MAX_WIDTH as WIDEST
    from saas_sim.render.workshop import render_step

    console = Console(width=width) if width is not None else Console()
    if width is None:
        console.width = min(console.width, WIDEST)
    lesson = steps()
    for index, step in enumerate(lesson):
        if only is not None and step.number != only:
            continue
        run = run_step(step)
        if index and only is None:
            console.print(Text())
        console.print(
            render_step(step, run.result, run.baseline, width=console.width, total=len(lesson), maps=run.maps)
        )
