"""Issue 15's table in one command: every figure a user feels, measured, beside its goal.

    python benchmarks/run.py [--repeat N] [--fresh] [--json PATH] [--tiny]

Every figure is the median of ``--repeat`` fresh processes; the processes of
all rows alternate (one of each, then the next round), so that the machine's
load of the moment falls on every row alike.  Whole-process figures are the
wall time of the command as a user starts it (the ``saas-sim`` script
beside this Python), measured from outside; CPU time is the child's user +
system time.  The benchmark cases (a), (b), (c) of
``cases.py`` are timed inside their process (the engine's start-up apart) and
as the whole process, against ``reference.py`` in the same rounds.

Python's bytecode: this machine sets ``PYTHONDONTWRITEBYTECODE``, under which
every process compiles saas-sim's source again; a user's install keeps
bytecode, so the children run with a bytecode cache in a temporary folder
(``PYTHONPYCACHEPREFIX``), filled by one untimed warm-up round.

``--fresh`` adds the first run after a fresh install: a copy of the
checkout (its tracked and untracked files, not the ignored build products)
``pip install``-ed, not editable, into a new virtualenv in a temporary
folder, as pip is configured on the machine; the install, the first and the
second run are timed once each.  ``--tiny`` runs every row at a few paths
and one edit: a test of the benchmark itself, its figures mean nothing.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
STARTER = "scenarios/starter.yaml"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # its neighbours: run, cases, tui_latency
WIDTH = 120


# -- the table ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One figure of the table: what a user does, the median measured, the goal, and how it was measured."""

    key: str  # the figure's name in the JSON
    what: str
    unit: str  # "s", "x" (a ratio) or "MB"
    samples: list[float] = field(default_factory=list)
    goal: float | None = None  # None: reported, no goal
    higher_is_better: bool = False
    how: str = ""  # how it was measured, and the figures beside it

    @property
    def value(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def met(self) -> bool | None:
        value = self.value
        if value is None or self.goal is None:
            return None
        return value >= self.goal if self.higher_is_better else value <= self.goal

    def to_json(self) -> dict:
        return {**asdict(self), "value": self.value, "met": self.met, "verdict": verdict(self)}


def amount(value: float | None, unit: str) -> str:
    """``1.23 s``, ``4.56x``, ``1,234 MB``; ``-`` for no value."""
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.0f} {unit}"


def goal_text(row: Row) -> str:
    if row.goal is None:
        return "(reported)"
    return f"{'>=' if row.higher_is_better else '<='} {amount(row.goal, row.unit)}"


def verdict(row: Row) -> str:
    """``met``, or by how much the goal is missed: ``missed by 0.62 s (2.2x)`` (the measure over the goal)."""
    value, met = row.value, row.met
    if value is None:
        return "not measured"
    if met is None:
        return ""
    if met:
        return "met"
    assert row.goal is not None
    if row.higher_is_better:
        return f"missed: {value / row.goal:.0%} of the goal"
    return f"missed by {amount(value - row.goal, row.unit)} ({value / row.goal:.1f}x)"


COLUMNS = (("what a user does", 64), ("measured", 10), ("goal", 11))


def format_table(rows: Sequence[Row], heading: str = "") -> str:
    """The rows as a text table at most ``WIDTH`` columns wide; each row's ``how`` indented under it."""
    lines = [heading] if heading else []
    header = " ".join(f"{name:<{width}}" if i == 0 else f"{name:>{width}}" for i, (name, width) in enumerate(COLUMNS))
    lines += [f"{header}  verdict", "-" * WIDTH]
    for row in rows:
        (_, what_w), (_, value_w), (_, goal_w) = COLUMNS
        what = textwrap.wrap(row.what, what_w) or [""]
        first = (
            f"{what[0]:<{what_w}} {amount(row.value, row.unit):>{value_w}} {goal_text(row):>{goal_w}}  {verdict(row)}"
        )
        lines.append(first.rstrip())
        lines += [f"{more}" for more in what[1:]]
        if row.how:
            lines += textwrap.wrap(row.how, WIDTH, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def read_table(text: str) -> list[dict]:
    """The figures back from a printed table: ``what`` (first line), ``measured``, ``goal``, ``verdict``.

    The test's check that what is printed says what was measured (and the lead's way to paste it).
    """
    (_, what_w), (_, value_w), (_, goal_w) = COLUMNS
    rows = []
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-" * WIDTH)) + 1
    for line in lines[start:]:
        if not line.strip():
            break
        if line.startswith(" ") or len(line) <= what_w:
            continue  # a row's how, or the rest of its wrapped label
        end_value = what_w + 1 + value_w
        end_goal = end_value + 1 + goal_w
        rows.append(
            {
                "what": line[:what_w].strip(),
                "measured": line[what_w + 1 : end_value].strip(),
                "goal": line[end_value + 1 : end_goal].strip(),
                "verdict": line[end_goal + 2 :].strip(),
            }
        )
    return rows


# -- processes ---------------------------------------------------------------------------------------


def child_env(pycache: Path | None) -> dict[str, str]:
    """The environment of a measured process: bytecode kept (in ``pycache``), as a user's install keeps it."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.setdefault("COLUMNS", "100")
    return env


def timed_process(argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> dict:
    """Wall and CPU seconds of one process, from outside; its failure raises with its stderr's last line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"{' '.join(argv)} exited with {done.returncode}: {last}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"s": wall, "cpu_s": cpu, "stdout": done.stdout}


# -- what is measured --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    repeat: int = 3
    cli_paths: int | None = None  # None: the scenario's (2,000 for the starter)
    tui_paths: int = 2_000
    tui_edits: int = 3
    case_paths: int | None = None  # None: the cases' own
    cases: tuple[str, ...] = ("a", "b", "c")
    tiny: bool = False  # a test of the benchmark: its figures mean nothing


TINY = Settings(repeat=1, cli_paths=50, tui_paths=50, tui_edits=1, case_paths=200, cases=("a", "c"), tiny=True)
WARM_UP = Settings(repeat=1, cli_paths=20, tui_paths=20, tui_edits=1, case_paths=20)

# goals of issue 15
GOALS = {
    "first_run": 3.0,
    "warm_run": 0.5,
    "tui_fan": 0.35,
    "tui_key": 0.05,
    "sensitivity": 1.5,
    "goal_closed": 0.3,
    "goal_mc": 2.0,
    "tornado": 1.5,
    "a_in_process": 1.2,
    "a_cpu_ratio": 5.0,
    "c_wall": 3.0,
    "c_peak_mb": 2_000.0,
}


def cli_commands(settings: Settings, db: Path) -> dict[str, list[str]]:
    """The whole-process commands, by row key: what a user types (after ``saas-sim``)."""
    paths = ["--paths", str(settings.cli_paths)] if settings.cli_paths else []
    return {
        "startup": ["--version"],
        "warm_run": ["run", STARTER, "--db", str(db), *paths],
        "sensitivity": ["sensitivity", STARTER, *paths],
        "goal_closed": ["goal", STARTER, "--vary", "segments.Freelancers.cac", "--target", "ltv_cac >= 3", *paths],
        "goal_mc": ["goal", STARTER, "--vary", "company.starting_cash", "--target", "out_of_cash <= 10%", *paths],
    }


def saas_sim_command() -> list[str]:
    """What a user types: the ``saas-sim`` script beside this Python (``python -m saas_sim`` without one)."""
    script = Path(sys.executable).parent / "saas-sim"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "saas_sim"]


def tui_process(settings: Settings, env: dict[str, str]) -> dict:
    """The keystroke and tornado figures of one fresh TUI process (``tui_latency.py``)."""
    argv = [sys.executable, str(HERE / "tui_latency.py"), "--paths", str(settings.tui_paths)]
    done = timed_process([*argv, "--edits", str(settings.tui_edits)], cwd=REPOSITORY, env=env)
    return json.loads(done["stdout"].strip().splitlines()[-1])


def measure_all(
    settings: Settings, progress: Callable[[str], None] = lambda _: None, failures: list[str] | None = None
) -> dict[str, list]:
    """Every measurement, ``settings.repeat`` alternating rounds of fresh processes: samples by name.

    A process that fails (the checkout changed under it, say) is told in ``failures`` and left out:
    its row has one sample fewer, or says "not measured".
    """
    failures = [] if failures is None else failures

    def attempt(name: str, job: Callable[[], object], round_name: str) -> object | None:
        try:
            return job()
        except (RuntimeError, ValueError, OSError) as error:  # a failed child, its output unreadable
            failures.append(f"{name} ({round_name}): {error}")
            progress(f"FAILED {name} ({round_name}): {error}")
            return None

    from run import measure as measure_case

    samples: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="saas-sim-bench-") as folder:
        env = child_env(Path(folder) / "pycache")

        def jobs_of(settings: Settings) -> dict[str, Callable[[], object]]:
            jobs: dict[str, Callable[[], object]] = {
                name: lambda argv=argv: timed_process([*saas_sim_command(), *argv], cwd=REPOSITORY, env=env)
                for name, argv in cli_commands(settings, Path(folder) / "bench.db").items()
            }
            jobs["tui"] = lambda: tui_process(settings, env)
            for case in settings.cases:
                for which in ("engine", "reference"):
                    jobs[f"{case}/{which}"] = lambda case=case, which=which: measure_case(
                        case, which, paths=settings.case_paths, env=env
                    )
            return jobs

        progress("warm-up round (untimed, few paths): bytecode, the store, compiled caches")
        for name, job in jobs_of(WARM_UP).items():
            if not name.endswith("/reference"):
                attempt(name, job, "warm-up")
        jobs = jobs_of(settings)
        for round_number in range(settings.repeat):
            for name, job in jobs.items():
                progress(f"round {round_number + 1}/{settings.repeat}: {name}")
                sample = attempt(name, job, f"round {round_number + 1}")
                samples.setdefault(name, [])
                if sample is not None:
                    samples[name].append(sample)
    return samples


def rows_of(samples: dict[str, list], settings: Settings, fresh: dict | None = None) -> list[Row]:
    """The table's rows from the samples of :func:`measure_all` (and of :func:`fresh_install`)."""

    def seconds(name: str, key: str = "s") -> list[float]:
        return [sample[key] for sample in samples.get(name, [])]

    def median(values: Sequence[float]) -> float:
        return statistics.median(values) if values else float("nan")

    from tui_latency import KEY_GAP_S

    paths = f"{settings.cli_paths:,} paths" if settings.cli_paths else "the scenario's 2,000 paths"
    rows: list[Row] = []
    if fresh is not None:
        rows += [
            Row(
                "install",
                "fresh install: python -m venv, pip install . (a copy)",
                "s",
                [fresh["venv_s"] + fresh["install_s"]],
                how=f"once: venv {fresh['venv_s']:.1f} s, pip install {fresh['install_s']:.1f} s (its builds included)",
            ),
            Row(
                "first_run",
                "first `saas-sim run scenarios/starter.yaml` after it",
                "s",
                [fresh["first_s"]],
                GOALS["first_run"],
                how=f"once, whole process, a new store; CPU {fresh['first_cpu_s']:.2f} s",
            ),
            Row(
                "second_run",
                "second run after the fresh install",
                "s",
                [fresh["second_s"]],
                GOALS["warm_run"],
                how=f"once, whole process; CPU {fresh['second_cpu_s']:.2f} s",
            ),
        ]
    rows.append(
        Row(
            "startup",
            "start-up floor: `saas-sim --version` (for scale)",
            "s",
            seconds("startup"),
            how="whole process: Python, the CLI's imports, nothing simulated",
        )
    )
    rows.append(
        Row(
            "warm_run",
            "`saas-sim run scenarios/starter.yaml` (warm, with saving)",
            "s",
            seconds("warm_run"),
            GOALS["warm_run"],
            how=f"whole process, {paths}, into a temporary --db holding earlier runs, summary printed to a pipe;"
            f" CPU {median(seconds('warm_run', 'cpu_s')):.2f} s",
        )
    )
    tui = samples.get("tui", [])
    fan = [statistics.median(one["fan_s"]) for one in tui]
    keys = [max(one["key_wait_s"]) for one in tui if one["key_wait_s"]]
    rows.append(
        Row(
            "tui_fan",
            f"TUI: last keystroke -> new fan on screen, {settings.tui_paths:,} paths",
            "s",
            fan,
            GOALS["tui_fan"],
            how=f"Pilot, headless 120x40, keys sent from a thread {1 / KEY_GAP_S:.0f}/s; median of {settings.tui_edits}"
            " edits of acquisition.spend_monthly per process, from the last key sent to the ARR fan drawn with the"
            " new result (debounce included)",
        )
    )
    rows.append(
        Row(
            "tui_key",
            "TUI: longest wait of a key while previews run",
            "s",
            keys,
            GOALS["tui_key"],
            how="the same edits: per key, sent -> the field's value changed; the longest of each process",
        )
    )
    rows.append(
        Row(
            "sensitivity",
            "`saas-sim sensitivity scenarios/starter.yaml`",
            "s",
            seconds("sensitivity"),
            GOALS["sensitivity"],
            how=f"whole process, {paths}; CPU {median(seconds('sensitivity', 'cpu_s')):.2f} s",
        )
    )
    rows.append(
        Row(
            "goal_closed",
            'saas-sim goal --vary segments.Freelancers.cac "ltv_cac >= 3"',
            "s",
            seconds("goal_closed"),
            GOALS["goal_closed"],
            how=f"a closed-form target; whole process, {paths}; CPU {median(seconds('goal_closed', 'cpu_s')):.2f} s",
        )
    )
    rows.append(
        Row(
            "goal_mc",
            'saas-sim goal --vary company.starting_cash "out_of_cash <= 10%"',
            "s",
            seconds("goal_mc"),
            GOALS["goal_mc"],
            how=f"a Monte-Carlo target; whole process, {paths}; CPU {median(seconds('goal_mc', 'cpu_s')):.2f} s",
        )
    )
    rows.append(
        Row(
            "tornado",
            f"TUI tornado ({settings.tui_paths:,} paths)",
            "s",
            [one["tornado_s"] for one in tui],
            GOALS["tornado"],
            how="Pilot: the main screen's action_sensitivity (its key) until the tornado screen holds its result, drawn",
        )
    )
    rows += case_rows(samples, settings)
    return rows


def case_label(case: str, settings: Settings) -> str:
    from cases import CASES

    scenario = CASES[case][1]
    paths = settings.case_paths or scenario.simulation.paths
    return f"({case}) {paths:,} x {scenario.horizon_months} x {len(scenario.segments)}"


def case_rows(samples: dict[str, list], settings: Settings) -> list[Row]:
    rows = []
    for case in settings.cases:
        engine, reference = samples.get(f"{case}/engine", []), samples.get(f"{case}/reference", [])
        if not engine:
            continue
        label = case_label(case, settings)

        def med(runs: list[dict], key: str) -> float:
            return statistics.median(run[key] for run in runs) if runs else float("nan")

        alongside = (
            f"whole process {med(engine, 'process_s'):.2f} s (start-up {med(engine, 'startup_s'):.2f} s);"
            f" CPU {med(engine, 'cpu_s'):.2f} s; reference {med(reference, 's'):.2f} s wall,"
            f" {med(reference, 'cpu_s'):.2f} s CPU, whole process {med(reference, 'process_s'):.2f} s;"
            f" wall ratio {med(reference, 's') / med(engine, 's'):.2f}x; peak {med(engine, 'peak_mb'):,.0f} MB"
            f" (reference {med(reference, 'peak_mb'):,.0f} MB)"
        )
        rows.append(
            Row(
                f"{case}_in_process",
                f"{label}, in-process",
                "s",
                [run["s"] for run in engine],
                GOALS["a_in_process"] if case == "a" else GOALS["c_wall"] if case == "c" else None,
                how=alongside,
            )
        )
        if case == "a" and reference:
            rows.append(
                Row(
                    f"{case}_cpu_ratio",
                    f"{label}, CPU time: reference / engine",
                    "x",
                    [ref["cpu_s"] / run["cpu_s"] for ref, run in zip(reference, engine)],
                    GOALS["a_cpu_ratio"],
                    higher_is_better=True,
                    how="each round's reference CPU over the engine's, same round",
                )
            )
        if case == "c":
            rows.append(
                Row(
                    f"{case}_peak_mb",
                    f"{label}, peak memory",
                    "MB",
                    [run["peak_mb"] for run in engine],
                    GOALS["c_peak_mb"],
                )
            )
    return rows


# -- a fresh install ---------------------------------------------------------------------------------


def checkout_files() -> list[str]:
    """The checkout's files as a user has them: tracked and untracked, not what .gitignore leaves out."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        name
        for name in listed.stdout.split("\0")
        if name and ((REPOSITORY / name).is_symlink() or (REPOSITORY / name).is_file())
    ]


def copy_checkout(destination: Path) -> None:
    """A copy of the checkout's files (:func:`checkout_files`) at ``destination``; a link stays a link."""
    for name in checkout_files():
        source, target = REPOSITORY / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)


def fresh_install(progress: Callable[[str], None] = lambda _: None) -> dict:
    """A new virtualenv, ``pip install`` of a copy of the checkout, then the first and second runs: seconds."""
    with tempfile.TemporaryDirectory(prefix="saas-sim-fresh-") as folder:
        root = Path(folder)
        source = root / "saas-sim"
        copy_checkout(source)
        env = child_env(None)
        env.pop("VIRTUAL_ENV", None)
        python = getattr(sys, "_base_executable", sys.executable)
        progress("fresh: python -m venv")
        venv = timed_process([python, "-m", "venv", str(root / "venv")], cwd=root, env=env)
        progress("fresh: pip install (a copy of the checkout, not editable)")
        install = timed_process([str(root / "venv" / "bin" / "pip"), "install", "-q", str(source)], cwd=root, env=env)
        command = [str(root / "venv" / "bin" / "saas-sim"), "run", STARTER, "--db", str(root / "fresh.db")]
        progress("fresh: first run")
        first = timed_process(command, cwd=source, env=env)
        progress("fresh: second run")
        second = timed_process(command, cwd=source, env=env)
    return {
        "venv_s": venv["s"],
        "install_s": install["s"],
        "first_s": first["s"],
        "first_cpu_s": first["cpu_s"],
        "second_s": second["s"],
        "second_cpu_s": second["cpu_s"],
    }


# -- the command -------------------------------------------------------------------------------------


def machine() -> str:
    load = ", ".join(f"{one:.2f}" for one in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def heading(settings: Settings, fresh: bool) -> str:
    tiny = "  [--tiny: a test of the benchmark, its figures mean nothing]" if settings.tiny else ""
    text = (
        f"Issue 15: speed users feel. Median of {settings.repeat} alternating fresh processes"
        f"{'' if fresh else '; without --fresh (the first run after a fresh install)'}.{tiny}"
    )
    when = f"{machine()} at start; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    return "\n".join([*textwrap.wrap(text, WIDTH), *textwrap.wrap(when, WIDTH)])


def run_table(settings: Settings, *, fresh: bool, json_path: Path | None, quiet: bool = False) -> bool:
    """Measure, print the table (and write the JSON); whether every process succeeded."""

    def progress(message: str) -> None:
        if not quiet:
            print(f"  ... {message}", file=sys.stderr, flush=True)

    title = heading(settings, fresh)
    failures: list[str] = []
    installed = None
    if fresh:
        try:
            installed = fresh_install(progress)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            failures.append(f"fresh install: {error}")
    samples = measure_all(settings, progress, failures)
    rows = rows_of(samples, settings, installed)
    print(format_table(rows, title), flush=True)
    finished = f"load average at the end: {', '.join(f'{one:.2f}' for one in os.getloadavg())} (1, 5, 15 minutes)"
    print(f"\n{finished}")
    if failures:
        print(f"\n{len(failures)} process{'es' if len(failures) > 1 else ''} failed, left out of the medians:")
        for failure in failures:
            print(f"  {textwrap.shorten(failure, WIDTH - 2)}")
    if json_path is not None:
        document = {
            "heading": title,
            "finished": finished,
            "settings": asdict(settings),
            "rows": [row.to_json() for row in rows],
            "fresh": installed,
            "failures": failures,
        }
        text = json.dumps(document, indent=2)
        if str(json_path) == "-":
            print(text)
        else:
            json_path.write_text(text + "\n")
    return not failures
