"""``saas-sim sensitivity``: every numeric input swung down and up, ranked by its effect (a tornado)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from saas_sim.cli.boundary import announce_first_compile, option_problem
from saas_sim.cli.options import FileArgument, JsonOption, PathsOption, SeedOption
from saas_sim.cli.run import STDOUT, check_options, check_output_paths
from saas_sim.errors import InputError, Problem


def sensitivity_command(
    *,
    file: FileArgument,
    metric: Annotated[
        str,
        typer.Option(
            metavar="NAME", help="The summary metric to rank by (SPEC 3.2), read at its p50; out_of_cash at its mean."
        ),
    ] = "arr_end",
    swing: Annotated[
        str,
        typer.Option(metavar="FRACTION", help="How far each input moves down and up: '20%' or '0.2', at most 100 %."),
    ] = "20%",
    json_path: JsonOption = None,
    paths: PathsOption = None,
    seed: SeedOption = None,
) -> None:
    """Rank the inputs by their effect on a metric: a tornado chart.

    Every numeric input is swung down and up, one at a time, with the same random numbers in every run.
    """
    from saas_sim.analysis.fields import check_metric
    from saas_sim.analysis.sensitivity import SensitivityAnalysis
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.result import write_json
    from saas_sim.io.scenario import load_scenario

    check_options(paths=paths, seed=seed, horizon=None)
    check_output_paths(json_path=json_path, csv_path=None)
    fraction = parse_swing(swing)
    with option_errors("--metric"):
        check_metric(metric)
    scenario = with_overrides(load_scenario(file), paths=paths, seed=seed)
    analysis = SensitivityAnalysis(scenario, metric=metric, swing=fraction)
    with LateProgress("Swinging inputs", "runs") as bar:
        for done, total in analysis.progress():
            bar.update(done, total)
    result = analysis.result
    assert result is not None
    if json_path is not None:
        write_json(result.to_json(), json_path)
        if json_path == STDOUT:
            return
    from rich.console import Console

    from saas_sim.render.tornado import Tornado

    console = Console()
    console.print(Tornado(result))
    if json_path is not None:
        console.print(f"Wrote {json_path}", style="dim", highlight=False, markup=False)


def parse_swing(text: str) -> float:
    """``"20%"`` or ``"0.2"`` -> 0.2; refused unless more than 0 and at most 100 %."""
    from saas_sim.io.values import parse_number_text

    value = parse_number_text(text)
    if value is None or not 0 < value <= 1:
        got = f"'{text}'" if value is None else text
        raise InputError(
            [option_problem("--swing", f"must be a share more than 0 and at most 100 % ('20%' or '0.2'), got {got}")]
        )
    return value


@contextmanager
def option_errors(option: str) -> Iterator[None]:
    """Report the bare messages of an :class:`InputError` raised inside as problems of ``option``
    (``saas-sim --metric: ...``)."""
    try:
        yield
    except InputError as error:
        raise InputError([p if isinstance(p, Problem) else option_problem(option, p) for p in error.problems]) from None


class LateProgress:
    """A transient progress bar on stderr, shown only on a terminal once the work has lasted ``delay_s``.

    Without a total (a search) it pulses and counts.
    """

    def __init__(self, description: str, unit: str, delay_s: float = 1.0):
        self.description, self.unit, self.delay_s = description, unit, delay_s
        self.started = time.perf_counter()
        self.bar = None
        self.task = None

    def __enter__(self) -> LateProgress:
        announce_first_compile()
        return self

    def update(self, done: int, total: int | None = None, description: str | None = None) -> None:
        if self.bar is None:
            if not sys.stderr.isatty() or time.perf_counter() - self.started < self.delay_s:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self.unit),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total, description=description or self.description)

    def __exit__(self, *exc) -> bool:
        if self.bar is not None:
            self.bar.stop()
        return False
