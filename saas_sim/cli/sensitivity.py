"""``saas-sim sensitivity``: every numeric input swung down and up, ranked by its effect (a tornado)."""

from __future__ import annotations

from typing import Annotated

import typer

from saas_sim.cli.boundary import option_errors, option_problem
from saas_sim.cli.options import FileArgument, JsonOption, PathsOption, SeedOption
from saas_sim.cli.progress import LateProgress
from saas_sim.cli.run import STDOUT, check_options, check_output_paths
from saas_sim.errors import InputError
from saas_sim.model.catalog.metrics import MEAN_METRICS


def sensitivity_command(
    *,
    file: FileArgument,
    metric: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help=f"The summary metric to rank by (SPEC 3.2), read at its p50; {' and '.join(MEAN_METRICS)} at its mean. "
            "Or a program's effect, read at its mean: programs.NAME.roi_arr (cost, saved_customers, saved_arr, "
            "extra_gross_profit, roi, roi_arr, churn_change_pp; with one program the effect alone).",
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
    with option_errors("--metric"):  # a program's effect names one of the scenario's programs
        metric = check_metric(metric, scenario)
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
