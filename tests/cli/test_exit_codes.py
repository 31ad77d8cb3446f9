"""Exit codes and error messages of SPEC 4: 0 success, 2 invalid input, 1 anything else."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas_sim import __version__
from saas_sim.engine import simulate as engine

FAST = ("--paths", "200")


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"saas-sim {__version__}\n"


@pytest.mark.parametrize("command", [[], ["run"], ["init"]])
def test_every_command_has_help(invoke, command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: saas-sim" in result.stdout


def test_success_is_zero(invoke, scenario_file):
    result = invoke("run", scenario_file, *FAST, "--quiet")
    assert result.exit_code == 0, result.stderr


def test_missing_file_is_two_with_one_line(invoke, tmp_path):
    result = invoke("run", tmp_path / "nope.yaml", *FAST)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("saas-sim: no such scenario file:")
    assert "nope.yaml" in lines[0]
    assert result.stdout == ""


def test_directory_is_two(invoke, tmp_path):
    result = invoke("run", tmp_path, *FAST)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_bad_yaml_is_two_naming_the_file_and_line(invoke, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon_months: 12\nsegments: [\n", encoding="utf-8")
    result = invoke("run", bad, *FAST)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:")
    assert "Traceback" not in result.stderr


def test_invalid_values_are_two_one_line_each(invoke, scenario_file):
    text = scenario_file.read_text().replace('churn: {monthly: "2%..4%"}', "churn: {monthly: 1.2}")
    text = text.replace("horizon_months: 14", "horizon_months: 500")
    scenario_file.write_text(text)
    result = invoke("run", scenario_file, *FAST)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert any(line.startswith(f"{scenario_file}:2 horizon_months:") for line in lines)
    assert any("segments[0].churn.monthly" in line and "1.2" in line for line in lines)


def test_unknown_option_is_two(invoke, scenario_file):
    result = invoke("run", scenario_file, "--bogus")
    assert result.exit_code == 2
    assert "--bogus" in result.stderr


def test_unknown_command_is_two(invoke):
    assert invoke("frobnicate").exit_code == 2


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--paths", "0"),
        ("--paths", "1000001"),
        ("--horizon", "0"),
        ("--horizon", "241"),
        ("--seed", "-1"),
    ],
)
def test_out_of_range_overrides_are_two(invoke, scenario_file, option, value):
    result = invoke("run", scenario_file, option, value)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"saas-sim {option}: must be a whole number")
    assert result.stderr.rstrip().endswith(f"got {value}")


def test_every_bad_override_is_reported_at_once(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "0", "--horizon", "999")
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["saas-sim --paths", "saas-sim --horizon"]


def test_non_number_paths_is_two(invoke, scenario_file):
    result = invoke("run", scenario_file, "--paths", "many")
    assert result.exit_code == 2
    assert "--paths" in result.stderr


def test_output_into_a_missing_directory_is_two_before_simulating(invoke, scenario_file, tmp_path, monkeypatch):
    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = invoke("run", scenario_file, "--json", tmp_path / "no" / "such" / "out.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("saas-sim --json: no such directory")


def test_json_and_csv_cannot_both_take_stdout(invoke, scenario_file):
    result = invoke("run", scenario_file, "--json", "-", "--csv", "-")
    assert result.exit_code == 2
    assert "stdout" in result.stderr


def _explode(self):
    raise RuntimeError("the engine broke")
    yield  # pragma: no cover - makes this a generator like the real one


def test_unexpected_failure_is_one_without_traceback(invoke, scenario_file, monkeypatch):
    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = invoke("run", scenario_file, *FAST)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "saas-sim: error: RuntimeError: the engine broke (run with --debug for the traceback)"
    ]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_debug_shows_the_traceback(invoke, scenario_file, monkeypatch):
    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = invoke("--debug", "run", scenario_file, *FAST)
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: the engine broke" in result.stderr


def test_debug_from_the_environment(scenario_file, monkeypatch):
    from typer.testing import CliRunner

    from saas_sim.cli import app

    monkeypatch.setattr(engine.SimulationRun, "progress", _explode)
    result = CliRunner().invoke(app, ["run", str(scenario_file)], env={"SAAS_SIM_DEBUG": "1"})
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr


def test_debug_keeps_the_input_exit_code(invoke, tmp_path):
    result = invoke("--debug", "run", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "saas-sim: no such scenario file" in result.stderr


# -- any value a user can type: exit 0 or 2 with the field's message ----------------------------


def _fuzz_base() -> str:
    """The starter template with its example events made active: every kind of field, cash-ins too."""
    from importlib import resources

    text = resources.files("saas_sim").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    head, block = text[: text.index("# events:")], text[text.index("# events:") :]
    return head + "".join(line[2:] + "\n" for line in block.splitlines() if line.startswith("# "))


_FUZZ_BASE = _fuzz_base()
# Every "key: value" line, and the value an event sets: what a user replaces (the rest stays).
_VALUE_LINES = [
    (i, match)
    for i, line in enumerate(_FUZZ_BASE.splitlines())
    if (
        match := re.match(
            r"(\s*(?:- )?(?!name|note|currency|description|billing)\w+: )([^#{\s][^#{]*?)(\s+#.*)?$", line
        )
        or re.match(r"(\s*set: \{[\w.]+: )([^}]+)(\}.*)$", line)
    )
]

_EXTREMES = [
    "1e306",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e-320",
    "5e-324",
    "-0",
    "0",
    "1e15",
    "-1e15",
    "1.0000001e15",
    "999999999999999999999",
    "9" * 4301,
    "-" + "9" * 4301,
    "1" * 5000 + ".5",
    ".inf",
    "-.inf",
    ".nan",
    "'$1,000,000,000,000,000'",
    "'€1e15'",
    "'$400k..$600k'",
    "1e-300..1e15",
    "5e-324..1e15",
    "-1e15..1e15",
    "'1e999'",
    "100%",
    "1e15%",
    "2B",
    "999B",
    "'1,00'",
    "6,000",
    "'$6,000'",
    "3",
    "0x10",
    "0o7",
    "1:30",
    "{dist: normal, mean: 1e15, sd: 1e15}",
    "{dist: lognormal, p5: 5e-324, p95: 1e15}",
    "{dist: uniform, low: -1e15, high: 1e15}",
    "{dist: triangular, low: -1e15, mode: 1e15, high: 1e15}",
    "{dist: beta, alpha: 1e-300, beta: 1e15}",
    "{dist: beta, alpha: 1e15, beta: 1e15}",
    "{dist: lognormal, mean: 1e15, sd: 1e-300}",
    "{dist: normal, mean: 0, sd: 1e-320}",
    "[1, 2]",
    "''",
    "~",
]


def _typed_numbers() -> st.SearchStrategy[str]:
    floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    ints = st.integers(-(10**30), 10**30).map(str)
    scale = st.integers(-330, 320).map(lambda e: f"1e{e}")
    single = st.one_of(st.sampled_from(_EXTREMES), floats, ints, scale)
    plain = st.one_of(floats, ints, scale)
    ranges = st.tuples(plain, plain).map(lambda ends: f"'{ends[0]}..{ends[1]}'")
    dists = st.tuples(
        st.sampled_from(
            [
                "normal, mean: {}, sd: {}",
                "lognormal, p5: {}, p95: {}",
                "uniform, low: {}, high: {}",
                "beta, alpha: {}, beta: {}",
            ]
        ),
        plain,
        plain,
    )
    return st.one_of(single, ranges, dists.map(lambda d: "{dist: " + d[0].format(d[1], d[2]) + "}"))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(_VALUE_LINES), _typed_numbers()), min_size=1, max_size=3))
def test_any_typed_value_is_exit_0_or_a_field_error(tmp_path_factory, edits):
    """Whatever a user types for a field (or three): exit 0, or exit 2 with ``file:line field: ...``
    lines; never exit 1, a traceback or a warning."""
    from typer.testing import CliRunner

    from saas_sim.cli import app

    lines = _FUZZ_BASE.splitlines()
    for (index, match), value in edits:
        lines[index] = match[1] + value + (match[3] or "")
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(app, ["run", str(path), "--paths", "30", "--no-save", "--json", "-"])
        shown = CliRunner().invoke(app, ["run", str(path), "--paths", "30", "--no-save"])  # the tables too
    assert (shown.exit_code, shown.stderr) == (result.exit_code, result.stderr)
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr
    assert [str(w.message) for w in caught] == []
    if result.exit_code == 2:
        assert result.stderr.splitlines()
        for message in result.stderr.splitlines():
            assert re.match(rf"{re.escape(str(path))}:\d+ \S+: ", message) or "grows without bound" in message, message
    else:
        json.loads(result.stdout)  # finite numbers only: a JSON document Python reads back


def test_extreme_but_valid_inputs_print_no_warning_as_a_process(tmp_path):
    """numpy's RuntimeWarnings never reach stderr: a subnormal heterogeneity (1/h overflows), a
    lognormal whose upper tail passes the largest float, the largest amounts, all at once."""
    import subprocess
    import sys

    text = _FUZZ_BASE.replace("      heterogeneity: 0.0 ", "      heterogeneity: 5e-324 ")
    text = text.replace("    arpa_monthly: 300 ", "    arpa_monthly: {dist: lognormal, p5: 5e-324, p95: 1e15} ")
    text = text.replace("  starting_cash: 1_000_000 ", "  starting_cash: -1e15 ")
    text = text.replace("    cash_in: 500k ", "    cash_in: 1e15 ")
    path = tmp_path / "extreme.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "saas_sim", "run", str(path), "--paths", "20000", "--no-save"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
