"""The command line as a real process: the console entry point, exit codes, and a light start-up."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from saas_sim import __version__


def saas_sim(*args: object, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "saas_sim", *map(str, args)], capture_output=True, text=True, timeout=120, **kwargs
    )


def test_version_as_a_process():
    done = saas_sim("--version")
    assert done.returncode == 0
    assert done.stdout == f"saas-sim {__version__}\n"


def test_run_as_a_process(scenario_file):
    done = saas_sim("run", scenario_file, "--paths", "200", "--json", "-")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["paths"] == 200
    assert done.stderr == ""  # not a terminal: no progress bar


def test_exit_codes_as_a_process(tmp_path):
    assert saas_sim("run", tmp_path / "missing.yaml").returncode == 2
    assert saas_sim("run", "--no-such-option").returncode == 2


def test_unexpected_failure_as_a_process(scenario_file):
    """main() itself: exit 1 and one line, no traceback."""
    script = textwrap.dedent("""
        import sys
        from saas_sim.engine import simulate
        def broken(self):
            raise ZeroDivisionError("division by zero")
            yield
        simulate.SimulationRun.progress = broken
        from saas_sim.cli import main
        sys.argv = ["saas-sim", *sys.argv[1:]]
        main()
    """)
    done = subprocess.run(
        [sys.executable, "-c", script, "run", str(scenario_file)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr == "saas-sim: error: ZeroDivisionError: division by zero (run with --debug for the traceback)\n"


# Runs the command in-process, then reports what it imported.
IMPORT_PROBE = textwrap.dedent("""
    import json, sys
    REPORT_STACK = ("matplotlib", "jinja2", "openpyxl", "PIL")
    from saas_sim.cli import main
    sys.argv = ["saas-sim", *sys.argv[1:]]
    try:
        main()
    except SystemExit as done:
        code = done.code
    print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules
                      if m.split(".")[0] in ("textual", "scipy", "numpy", "rich", *REPORT_STACK))}), file=sys.stderr)
""")


def _probe(*args: object) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, *map(str, args)], capture_output=True, text=True, timeout=120
    )
    return json.loads(done.stderr.splitlines()[-1])


# The statistics and fitting parts of scipy that saas-sim uses elsewhere must stay out of `run`.
SCIPY_WORK = ("scipy.special", "scipy.stats", "scipy.optimize", "scipy.sparse", "scipy.integrate", "scipy.interpolate")


def test_run_imports_neither_textual_nor_scipy(scenario_file):
    probe = _probe("run", "--quiet", "--json", "-", "--paths", "200", scenario_file)
    assert probe["code"] in (0, None)
    assert "numpy" in probe["modules"]  # it did simulate
    assert not any(m.split(".")[0] == "textual" for m in probe["modules"])
    assert not any(m.startswith(SCIPY_WORK) for m in probe["modules"])


HEAVY = ("numba", "llvmlite")  # the engine is a compiled extension: no JIT is imported, ever


def test_a_run_that_does_not_save_imports_no_store_stack(scenario_file):
    probe = _probe("run", "--quiet", "--no-save", "--paths", "200", scenario_file)
    assert probe["code"] in (0, None)
    assert not any(m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic") for m in probe["modules"])
    assert not any(m.split(".")[0] in HEAVY for m in probe["modules"])
    # the report's stack is the report's (issue 17): a plain run never loads it
    assert not any(m.split(".")[0] in ("matplotlib", "jinja2", "openpyxl", "PIL") for m in probe["modules"])


def test_help_stays_light():
    probe = _probe("--help")
    assert probe["code"] in (0, None)
    assert not any(m.split(".")[0] in ("textual", "scipy", "numpy", *HEAVY) for m in probe["modules"])
    assert not any(m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic") for m in probe["modules"])


@pytest.mark.parametrize(
    "args,expected",
    [
        (["run", "x.yaml", "--bogus"], "saas-sim run: No such option: --bogus (see 'saas-sim run --help')"),
        (["run"], "saas-sim run: Missing argument 'FILE_OR_NAME'. (see 'saas-sim run --help')"),
        (["nope"], "saas-sim: No such command 'nope'. (see 'saas-sim --help')"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args, expected):
    done = saas_sim(*args)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [expected]


@pytest.mark.parametrize("args", [[], ["scenarios"], ["runs"], ["--debug", "scenarios"], ["scenarios", "--debug"]])
def test_a_bare_command_shows_its_help_once(args):
    done = saas_sim(*args)
    assert done.returncode == 2
    usage = f"Usage: {' '.join(['saas-sim', *(arg for arg in args if arg != '--debug')])} "
    assert done.stdout.count("Usage:") == 1 and usage in done.stdout, done.stdout
    assert done.stderr == ""


def test_debug_alone_is_a_missing_command():
    done = saas_sim("--debug")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["saas-sim: Missing command. (see 'saas-sim --help')"]


def test_debug_is_accepted_after_the_command_too(tmp_path):
    done = saas_sim("run", tmp_path / "missing.yaml", "--debug")
    assert done.returncode == 2
    assert "Traceback" in done.stderr and done.stderr.strip().splitlines()[-1].startswith("saas-sim: no such")


def test_a_scenario_that_grows_without_bound_names_its_file(tmp_path):
    path = tmp_path / "boom.yaml"
    path.write_text("""name: x
horizon_months: 36
company: {starting_cash: 1M, fixed_costs_monthly: 10k}
acquisition: {spend_monthly: 10k, reinvest_gross_profit: 1}
segments:
  - {name: A, cac: 10, arpa_monthly: 1000, gross_margin: 1, churn: {monthly: 0.0}}
""")
    done = saas_sim("run", path, "--paths", "10")
    assert done.returncode == 2
    assert done.stderr.startswith(f"{path}: segment A would win over")
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_output_path_that_is_a_directory_is_refused_before_the_run(scenario_file, tmp_path):
    done = saas_sim("run", scenario_file, "--csv", tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"saas-sim --csv: must name a file, got the directory {tmp_path}"]
