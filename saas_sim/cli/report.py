"""``saas-sim report``: the report of a run to send (SPEC 7), its charts as PNGs, the plan as a workbook.

A target is a stored run's id (digits that name no file), else a scenario file or a stored scenario's
name, simulated now as ``run`` would (not saved: the report says how to reproduce it).  Two targets are
reported side by side as ``compare`` shows them; two scenarios are run with the same seed and paths.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saas_sim.cli.boundary import invalid_input, option_errors, option_problem
from saas_sim.cli.options import DbOption
from saas_sim.cli.progress import LateProgress
from saas_sim.cli.run import check_options, load, run_with_progress
from saas_sim.cli.store import open_store
from saas_sim.errors import InputError, Problem, SimulationDiverged

if TYPE_CHECKING:
    import numpy as np

    from saas_sim.analysis.report import ReportRun
    from saas_sim.analysis.sensitivity import Sensitivity
    from saas_sim.model.result import Result
    from saas_sim.model.scenario import Scenario


def report_command(
    *,
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_ID|FILE_OR_NAME [B]",
            show_default=False,
            help="A stored run's id, a scenario YAML file or a stored scenario's name; a second one is shown beside it.",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE.html",
            help="Where to write the page (default: NAME-report.html here).",
            dir_okay=False,
        ),
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", metavar="DIR", help="Also write each chart as a 1920×1080 PNG in DIR.")
    ] = None,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", metavar="FILE", help="Also write the plan, the series and the inputs as a workbook."),
    ] = None,
    paths: Annotated[
        int | None, typer.Option(metavar="N", help="Monte-Carlo paths for a scenario run now (default: its own)")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="S", help="Random seed for a scenario run now (default: its own)")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(metavar="M", help="Months to simulate for a scenario run now (default: its own)")
    ] = None,
    tornado: Annotated[
        str | None,
        typer.Option(
            "--tornado",
            metavar="METRIC",
            help="Also swing every input ± 20 % (as 'sensitivity') and show what moves METRIC most.",
        ),
    ] = None,
    db: DbOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Write a report to send: one self-contained HTML page (charts, plan, inputs, diagnosis), PNGs, a workbook."""
    started = time.perf_counter()
    if len(targets) > 2:
        raise InputError([option_problem("RUN_ID|FILE_OR_NAME", f"one or two targets, got {len(targets)}")])
    check_options(paths=paths, seed=seed, horizon=horizon)
    if tornado is not None:
        from saas_sim.analysis.fields import check_metric

        with option_errors("--tornado"):
            check_metric(tornado)
        if len(targets) == 2 or _is_run_id(targets[0]):
            raise InputError([option_problem("--tornado", "takes one scenario (a file or a stored name), run now")])
    if all(_is_run_id(target) for target in targets):  # a stored run is shown as it was made: refused, not ignored
        given = [
            name for name, value in (("--paths", paths), ("--seed", seed), ("--horizon", horizon)) if value is not None
        ]
        if given:
            raise InputError(
                [
                    option_problem(name, "is for a scenario run now; a stored run is shown as it was made")
                    for name in given
                ]
            )
    html_path = out if out is not None else Path(_default_name(targets))
    _check_outputs(html_path, png, xlsx)
    runs: list[ReportRun] = []
    for target in targets:
        shared = runs[0].result if runs else None
        runs.append(_report_run(target, db=db, paths=paths, seed=seed, horizon=horizon, shared=shared))

    if tornado is not None:
        runs[0] = dataclasses.replace(runs[0], sensitivity=_sensitivity(targets[0], runs[0], tornado, db=db))
    from saas_sim.render.charts import all_charts
    from saas_sim.render.report import report_html, write_pngs

    charts = all_charts(runs)
    html_path.write_text(report_html(runs, charts=charts), encoding="utf-8")
    written = [f"Wrote {html_path} ({_size(html_path)})"]
    if png is not None:
        files = write_pngs(charts, png)
        written.append(f"Wrote {len(files)} PNGs (1920×1080) to {png}/: {', '.join(f.name for f in files)}")
    if xlsx is not None:
        from saas_sim.analysis.plan import plan_of
        from saas_sim.render.workbook import write_workbook

        write_workbook(xlsx, runs[0].result, plan_of(runs[0].result))
        written.append(f"Wrote {xlsx} ({_size(xlsx)})" + (" (A's run)" if len(runs) == 2 else ""))
    if not quiet:
        for line in written:
            typer.echo(line)
        typer.echo(f"in {time.perf_counter() - started:.1f} s")


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:,.0f} kB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"


def _default_name(targets: list[str]) -> str:
    from saas_sim.render.names import report_file_name

    return report_file_name(*(_stem(target) for target in targets))


def _stem(target: str) -> str:
    """A stored run: ``run-12``; a file: its stem; a stored scenario: its name."""
    if _is_run_id(target):
        return f"run-{int(target)}"  # run 007 is run 7
    path = Path(target)
    return path.stem if path.suffix.lower() in (".yaml", ".yml") else target


def _is_run_id(target: str) -> bool:
    return target.isdigit() and not Path(target).exists()


def _check_outputs(html: Path, png: Path | None, xlsx: Path | None) -> None:
    """Refuse what cannot be written before any work starts, every problem at once."""
    problems = []
    for option, target in (("--out", html), ("--xlsx", xlsx), ("--png", png)):
        if target is not None and str(target) == "-":  # not stdout, and surely not a file named "-"
            problems.append(option_problem(option, "must name a file or folder; '-' (stdout) is not one here"))
    if problems:
        raise InputError(problems)
    for option, target in (("--out", html), ("--xlsx", xlsx)):
        if target is None:
            continue
        if target.is_dir():
            problems.append(option_problem(option, f"must name a file, got the directory {target}"))
        elif not target.resolve().parent.is_dir():
            problems.append(option_problem(option, f"no such directory for {target}"))
    if xlsx is not None and xlsx.resolve() == html.resolve():
        problems.append(option_problem("--xlsx", f"the same file as --out, {xlsx}: give each its own"))
    if png is not None:  # made if missing, with its parents; every existing one must be a directory
        existing = next(p for p in (png.resolve(), *png.resolve().parents) if p.exists())
        if existing.is_dir():
            pass  # there, or made under it
        elif existing == png.resolve():
            problems.append(option_problem("--png", f"must name a directory, got the file {png}"))
        else:
            problems.append(option_problem("--png", f"cannot make a directory under the file {existing}"))
    if problems:
        raise InputError(problems)


def _report_run(
    target: str,
    *,
    db: Path | None,
    paths: int | None,
    seed: int | None,
    horizon: int | None,
    shared: Result | None,
) -> ReportRun:
    from saas_sim.analysis.report import ReportRun, histograms_of

    if _is_run_id(target):
        return _stored_run(int(target), db=db)
    from saas_sim.engine.simulate import with_overrides

    loaded = load(target, db=db)
    if shared is not None:  # B: A's seed and paths (common random numbers), as compare does
        paths, seed = shared.paths, shared.seed
    scenario = with_overrides(loaded.scenario, paths=paths, seed=seed, horizon=horizon)
    source = target if loaded.revision is None else f"{loaded.revision.name}@{loaded.revision.number}"
    result, ends = _simulate(scenario, source)
    return ReportRun(result, scenario.name, source, histograms_of(ends))


def _simulate(scenario: Scenario, source: str) -> tuple[Result, dict[str, np.ndarray]]:
    """The run's result and the per-path ends it kept (its histograms)."""
    from saas_sim.analysis.report import ends_of

    try:
        run = run_with_progress(scenario)
    except SimulationDiverged as error:  # say which file grows without bound, as run does
        raise InputError([Problem(source, None, "", str(p)) for p in error.problems]) from None
    assert run.result is not None
    return run.result, ends_of(run)


def _stored_run(run_id: int, *, db: Path | None) -> ReportRun:
    from saas_sim.analysis.report import ReportRun, rerun_ends
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import parse_scenario

    try:
        store = open_store(db, write=False, create=False)
    except InputError as error:
        if isinstance(error.problems[0], Problem):
            raise  # the store itself is refused: that is the news
        raise invalid_input(f"no stored run {run_id}: {error.problems[0]}") from None
    info = store.run(run_id)
    result = store.result(run_id)
    source = f"{info.name}@{info.revision}"
    note = None
    histograms = None
    try:
        revision = store.find_revision(source)
        scenario = with_overrides(
            parse_scenario(revision.yaml_text, source),
            paths=result.paths,
            seed=result.seed,
            horizon=result.horizon_months,
        )
        histograms = rerun_ends(scenario, result)
        if histograms is None:
            note = (
                f"the histograms of where ARR and cash end need the run's every path; run again with engine "
                f"{_engine()}, its scenario gives other numbers than stored run {run_id} (engine "
                f"{result.engine_version}): run it again to see them"
            )
    except InputError as error:
        note = f"the histograms could not be redrawn: {error.problems[0]}"
    return ReportRun(result, info.name, source, histograms, note=note, run_id=run_id)


def _sensitivity(target: str, run: ReportRun, metric: str, *, db: Path | None) -> Sensitivity:
    """The tornado of the run's scenario: its seed and paths for every swing (common random numbers)."""
    from saas_sim.analysis.sensitivity import SensitivityAnalysis
    from saas_sim.engine.simulate import with_overrides

    result = run.result
    scenario = with_overrides(
        load(target, db=db).scenario, paths=result.paths, seed=result.seed, horizon=result.horizon_months
    )
    with option_errors("--tornado"):  # a program's effect is checked against the plan here
        analysis = SensitivityAnalysis(scenario, metric=metric)
    try:
        with LateProgress("Swinging inputs", "runs") as bar:
            for done, total in analysis.progress():
                bar.update(done, total)
    except InputError as error:  # sensitivity's words name its own option: here the metric is --tornado's
        raise InputError(
            [p.replace("--metric", "--tornado") if isinstance(p, str) else p for p in error.problems]
        ) from None
    assert analysis.result is not None
    return analysis.result


def _engine() -> str:
    from saas_sim.engine.simulate import ENGINE_VERSION

    return ENGINE_VERSION
