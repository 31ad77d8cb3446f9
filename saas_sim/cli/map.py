"""``saas-sim map``: the vicious/virtuous map, one metric over a grid of two inputs (SPEC 8)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Annotated

import typer

from saas_sim.cli.boundary import option_errors, option_problem
from saas_sim.cli.options import FileArgument, JsonOption, SeedOption
from saas_sim.cli.progress import LateProgress
from saas_sim.cli.run import STDOUT, check_options, check_output_paths
from saas_sim.errors import InputError
from saas_sim.model.catalog.metrics import MEAN_METRICS

EXIT_CANCELLED = 130  # as a shell reports a command ended by ctrl+c
AXIS_HELP = (
    "An input, named as goal and sensitivity name it, and its range, such as segments.SMB.cac=500..5000 "
    "or company.starting_cash=1M..5M."
)


def map_command(
    *,
    file: FileArgument,
    x: Annotated[
        str, typer.Option("--x", metavar="FIELD=LOW..HIGH", show_default=False, help=f"Across the map. {AXIS_HELP}")
    ],
    y: Annotated[str, typer.Option("--y", metavar="FIELD=LOW..HIGH", show_default=False, help="Up the map: as --x.")],
    steps: Annotated[int, typer.Option(metavar="N", help="Values along each axis, 2..200.")] = 15,
    log: Annotated[bool, typer.Option("--log", help="Space the values of both axes evenly on a log scale.")] = False,
    metric: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help=f"The summary metric of every cell (SPEC 3.2), read at its p50; {' and '.join(MEAN_METRICS)} at its "
            "mean (the probability). Or a program's effect, at its mean: programs.NAME.roi_arr.",
        ),
    ] = "out_of_cash",
    paths: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="Monte-Carlo paths of every cell, 1..1000000 (default: the scenario's, at most 1000)."
        ),
    ] = None,
    seed: SeedOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="Local processes running cells (default: one per core, at most 8; 1: this process)."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Run the cells on an existing Dask distributed cluster, tcp://HOST:PORT "
            "(the optional extra: pip install 'saas-sim\\[cluster]').",
        ),
    ] = None,
    json_path: JsonOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE.html|FILE.png", help="Also write the map as an HTML page or a PNG picture."
        ),
    ] = None,
) -> None:
    """Draw the vicious/virtuous map: one metric over a grid of two inputs, with the scenario's own point.

    Every cell runs the scenario with the same seed and paths: the boundaries between ok, warn and bad are the inputs', not noise.
    """
    from saas_sim.analysis.maps import MapAnalysis, make_axis, parse_axis
    from saas_sim.io.result import write_json
    from saas_sim.io.scenario import load_scenario

    check_options(paths=paths, seed=seed, horizon=None)
    check_output_paths(json_path=json_path, csv_path=None)
    problems = []
    if workers is not None and scheduler is not None:
        problems.append(option_problem("--scheduler", "runs the cells on the cluster: give --workers or --scheduler"))
    if workers is not None and workers < 1:
        problems.append(option_problem("--workers", f"must be 1 or more, got {workers}"))
    if scheduler is not None and not _address(scheduler):
        problems.append(
            option_problem(
                "--scheduler", f"must be a scheduler's address such as tcp://10.0.0.5:8786, got '{scheduler}'"
            )
        )
    elif scheduler is not None and (port := _port(scheduler)) is not None and not 1 <= port <= 65535:
        problems.append(option_problem("--scheduler", f"the port of {scheduler} must be 1 to 65535, got {port}"))
    if out is not None:
        problems.extend(_check_out(out))
    problems.extend(_check_overwrites(file, json_path, out))
    axes = []
    for option, text in (("--x", x), ("--y", y)):
        try:
            axes.append(parse_axis(text))
        except InputError as error:
            problems.extend(option_problem(option, str(p)) for p in error.problems)
    if len(axes) == 2 and axes[0][0] == axes[1][0]:
        problems.append(
            option_problem("--y", f"--x and --y name the same input '{axes[0][0]}': a map needs two different inputs")
        )
    if problems:
        raise InputError(problems)
    scenario = load_scenario(file)
    with option_errors("--metric"):
        from saas_sim.analysis.fields import check_metric

        check_metric(metric, scenario)
    for option, axis in (("--x", axes[0]), ("--y", axes[1])):
        with option_errors(option):
            make_axis(scenario, *axis, steps, log)
    with option_errors("--steps"):
        analysis = MapAnalysis(
            scenario,
            x=axes[0],
            y=axes[1],
            steps=steps,
            log=log,
            metric=metric,
            paths=paths,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
        )
    try:
        with (
            _dask_quiet() if scheduler is not None else nullcontext(),
            LateProgress("Mapping", "cells", delay_s=0.5, time_left=True) as bar,
        ):
            for done, total in analysis.progress():
                bar.update(done, total)
    except KeyboardInterrupt:
        print("saas-sim: map cancelled (ctrl+c): its cells were stopped", file=sys.stderr)
        raise typer.Exit(EXIT_CANCELLED) from None
    result = analysis.result
    assert result is not None
    if json_path is not None:
        write_json(result.to_json(), json_path)
    written = []
    if out is not None:
        from saas_sim.render.map import map_html, map_png

        if out.suffix.lower() == ".png":
            out.write_bytes(map_png(result))
        else:
            out.write_text(map_html(result, source=str(file)), encoding="utf-8")
        written.append(f"Wrote {out}")
    if json_path == STDOUT:
        return
    from rich.console import Console

    from saas_sim.render.map import MapHeatmap

    console = Console()
    console.print(MapHeatmap(result))
    if json_path is not None:
        written.append(f"Wrote {json_path}")
    for line in written:
        console.print(line, style="dim", highlight=False, markup=False, soft_wrap=True)


def _address(text: str) -> bool:
    """Whether ``text`` reads as a scheduler's address: ``tcp://HOST:PORT`` (or another Dask protocol)."""
    import re

    return re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://[^\s/:]+(:\d{1,5})?/?", text) is not None


def _port(address: str) -> int | None:
    import re

    found = re.search(r":(\d+)/?$", address)
    return None if found is None else int(found[1])


@contextmanager
def _dask_quiet() -> Iterator[None]:
    """While the map runs on a cluster, Dask's own messages stay off stderr: its logging (connections opened and
    closed, a worker lost) and its warnings (a package's version that differs between this machine and the
    cluster's).  What matters comes back as the map's own one-line errors, a different saas-sim engine on the
    workers among them."""
    import logging
    import warnings

    with suppress(ImportError):  # without it, the map says which extra to install
        import distributed  # noqa: F401  # its logging set up first: the levels below are set over it
    names = {"distributed", "tornado"} | {
        n for n in logging.root.manager.loggerDict if n.split(".")[0] in ("distributed", "tornado")
    }
    loggers = {name: logging.getLogger(name) for name in names}
    levels = {name: logger.level for name, logger in loggers.items()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"(distributed|tornado|dask)(\.|$)")
        for logger in loggers.values():
            logger.setLevel(logging.CRITICAL + 1)
        try:
            yield
        finally:
            for name, level in levels.items():
                loggers[name].setLevel(level)


def _check_out(out: Path) -> list:
    problems = []
    if out.is_dir():
        problems.append(option_problem("--out", f"must name a file, got the directory {out}"))
    elif out.suffix.lower() not in (".html", ".htm", ".png"):
        problems.append(option_problem("--out", f"must end in .html or .png, got {out.name}"))
    elif not out.resolve().parent.is_dir():
        problems.append(option_problem("--out", f"no such directory for {out}"))
    return problems


def _check_overwrites(file: Path, json_path: str | None, out: Path | None) -> list:
    """--json and --out on one file (the page would overwrite the map's JSON), or either on the scenario's file."""
    problems = []
    targets = [("--json", Path(json_path)) if json_path not in (None, STDOUT) else None]
    targets.append(("--out", out) if out is not None else None)
    given = [target for target in targets if target is not None]
    source = Path(file)
    for option, path in given:
        if source.is_file() and path.exists() and path.resolve() == source.resolve():
            problems.append(option_problem(option, f"would overwrite the scenario file {file}"))
    if len(given) == 2 and given[0][1].resolve() == given[1][1].resolve():
        problems.append(option_problem("--out", f"names the file --json writes, {out}: give each its own file"))
    return problems
