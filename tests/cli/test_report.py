"""``saas-sim report``: one self-contained page whose every figure is the run's (SPEC 7)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from saas_sim.model.result import Result
from saas_sim.render.format import format_rate, formatter_for

FAST = ("--paths", "300", "--seed", "5")


class Page(HTMLParser):
    """What a reader's tool sees of the page: cells with their numbers, figures, links and the data."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[dict[str, str], str]] = []  # (attributes, text) of every cell with a data-value
        self.figures: list[dict[str, str]] = []
        self.fetches: list[str] = []  # anything that would fetch: src=, href= to elsewhere, <link>
        self.data = ""
        self._cell: dict[str, str] | None = None
        self._text: list[str] = []
        self._in_data = False
        self._svgs_in_figure = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-value" in a:
            self._cell, self._text = a, []
        if tag == "figure":
            self.figures.append(a)
        if tag == "svg" and self.figures:
            self.figures[-1]["svgs"] = str(int(self.figures[-1].get("svgs", "0")) + 1)
        if tag == "link" or "src" in a or ("href" in a and not a["href"].startswith("#")):
            self.fetches.append(f"<{tag} {a}>")
        if tag == "script":
            assert a.get("type") == "application/json", f"a script that runs: {a}"
            self._in_data = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell, "".join(self._text).strip()))
            self._cell = None
        if tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text.append(data)
        if self._in_data:
            self.data += data


def written(invoke, *args: object) -> tuple[Page, str]:
    done = invoke("report", *args)
    assert done.exit_code == 0, done.output
    out = Path(str(args[args.index("--out") + 1]))
    text = out.read_text(encoding="utf-8")
    return Page(text), text


def test_every_figure_on_the_page_is_the_runs(invoke, scenario_file, tmp_path):
    page, text = written(invoke, scenario_file, *FAST, "--out", tmp_path / "r.html")
    result = Result.from_json(json.loads(page.data))
    assert result.paths == 300 and result.seed == 5
    # the same run as `run` gives, to the bit
    done = invoke("run", scenario_file, *FAST, "--no-save", "--quiet", "--json", tmp_path / "run.json")
    assert done.exit_code == 0
    assert result.to_json() | {"elapsed_s": 0} == json.loads((tmp_path / "run.json").read_text()) | {"elapsed_s": 0}
    currency = result.scenario["currency"]
    summary_cells = [(a, t) for a, t in page.cells if a.get("data-stat")]
    assert len(summary_cells) > 20
    for attributes, shown in summary_cells:
        metric, stat = attributes["data-metric"], attributes["data-stat"]
        value = result.summary[metric].stat(stat)
        assert attributes["data-value"] == ("" if value is None else repr(float(value))), (metric, stat)
        fmt = format_rate if stat == "mean" else formatter_for(metric, currency)
        assert shown in (fmt(value), "never"), (metric, stat, shown)
    # the plan's ARR cells are the p50 of ARR at each month (and the year rows at their last month)
    months = [(a, t) for a, t in page.cells if not a.get("data-stat") and not a.get("data-metric")]
    arr_p50 = {repr(float(v)) for v in result.series["arr"].p50 if v is not None}
    assert sum(1 for a, _ in months if a["data-value"] in arr_p50) >= result.horizon_months
    for name in ("Key metrics", "Diagnosis", "The plan", "Inputs", result.diagnosis.focus):
        assert name in text
    assert f"seed {result.seed}" in text and result.engine_version in text


def test_the_page_fetches_nothing_and_runs_no_script(invoke, scenario_file, tmp_path):
    page, text = written(invoke, scenario_file, *FAST, "--out", tmp_path / "r.html")
    assert page.fetches == []
    # local references (url(#clip), data: images) and the SVG namespaces only
    assert not re.search(r"url\((?!#)|@import|https?://(?!www\.w3\.org/)", text)


def test_each_chart_is_an_inline_svg(invoke, scenario_file, tmp_path):
    page, _ = written(invoke, scenario_file, *FAST, "--out", tmp_path / "r.html")
    names = [figure["data-chart"] for figure in page.figures]
    assert names == ["arr", "customers", "cash", "movements", "cohorts", "arr_end", "cash_end"]
    assert all(figure.get("svgs") == "1" for figure in page.figures)


def test_two_scenarios_side_by_side_with_the_same_seed_and_paths(invoke, scenario_file, tmp_path):
    other = tmp_path / "cheaper.yaml"
    other.write_text(scenario_file.read_text().replace("cac: 1_500", "cac: 900"), encoding="utf-8")
    page, text = written(invoke, scenario_file, other, *FAST, "--out", tmp_path / "ab.html")
    data = json.loads(page.data)
    a, b = Result.from_json(data["a"]), Result.from_json(data["b"])
    assert (a.seed, a.paths) == (b.seed, b.paths) == (5, 300)
    assert "B − A" in text
    for attributes, _ in page.cells:
        run = attributes.get("data-run")
        if run in ("a", "b") and attributes.get("data-stat"):
            value = (a if run == "a" else b).summary[attributes["data-metric"]].stat(attributes["data-stat"])
            assert attributes["data-value"] == ("" if value is None else repr(float(value)))


def test_a_stored_run_is_reported_as_stored_with_its_histograms(invoke, scenario_file, tmp_path):
    done = invoke("run", scenario_file, *FAST, "--quiet")
    assert done.exit_code == 0
    page, text = written(invoke, "1", "--out", tmp_path / "stored.html")
    stored, _ = written(invoke, scenario_file, *FAST, "--out", tmp_path / "file.html")
    assert json.loads(page.data) == json.loads(stored.data) | {"elapsed_s": json.loads(page.data)["elapsed_s"]}
    assert "stored run 1" in text
    assert [f["data-chart"] for f in page.figures] == [f["data-chart"] for f in stored.figures]


def test_png_and_workbook_beside_the_page(invoke, scenario_file, tmp_path):
    done = invoke(
        "report", scenario_file, *FAST, "--out", tmp_path / "r.html", "--png", tmp_path / "slides",
        "--xlsx", tmp_path / "plan.xlsx",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    pngs = sorted(p.name for p in (tmp_path / "slides").iterdir())
    assert pngs == sorted(
        f"{n}.png" for n in ("arr", "customers", "cash", "movements", "cohorts", "arr_end", "cash_end")
    )
    from PIL import Image

    with Image.open(tmp_path / "slides" / "arr.png") as image:
        assert image.size == (1920, 1080)
        assert len(np.unique(np.asarray(image.convert("L")))) > 10  # drawn, not blank
    assert (tmp_path / "plan.xlsx").stat().st_size > 0


def test_the_default_file_is_named_after_the_scenario(invoke, scenario_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = invoke("report", scenario_file, *FAST)
    assert done.exit_code == 0, done.output
    assert (tmp_path / "two-segments-report.html").is_file()
    assert "Wrote two-segments-report.html" in done.output


@pytest.mark.parametrize(
    "args,message",
    [
        (("--out", "/no/such/dir/r.html"), "--out: no such directory for /no/such/dir/r.html"),
        (("--png", "FILE"), "--png: must name a directory, got the file"),
        (("--paths", "0"), "--paths:"),
    ],
)
def test_what_cannot_be_written_is_refused_before_any_work(invoke, scenario_file, tmp_path, args, message):
    (tmp_path / "FILE").write_text("x")
    args = tuple(str(tmp_path / "FILE") if a == "FILE" else a for a in args)
    done = invoke("report", scenario_file, *args)
    assert done.exit_code == 2
    assert message in done.output and len(done.output.strip().splitlines()) == 1


def test_an_unknown_run_or_three_targets_are_refused(invoke, scenario_file, tmp_path):
    done = invoke("report", "99", "--out", tmp_path / "r.html")
    assert done.exit_code == 2 and "99" in done.output
    done = invoke("report", scenario_file, scenario_file, scenario_file)
    assert done.exit_code == 2 and "one or two" in done.output
    assert not (tmp_path / "r.html").exists()


def test_dollar_signs_in_chart_text_are_text_not_tex(tmp_path):
    # A tornado label "$2.4k – $3.6k" lost its dollars to matplotlib's TeX ("2.4k–3.6k", the k in italics),
    # and so would a scenario named "$5 plan $".
    from matplotlib.figure import Figure

    import saas_sim.render.charts as charts

    figure = Figure()
    figure.text(0.1, 0.5, "$2.4k – $3.6k")
    svg = re.sub(r"<!--.*?-->", "", charts.svg_text(charts.Chart("t", "t", figure)), flags=re.S)
    assert "$2.4k – $3.6k" in svg  # one text, as written


def test_a_tornado_metric_undefined_on_every_path_names_the_report_option(invoke, scenario_file, tmp_path):
    # It said "choose another --metric": sensitivity's option, not report's.
    done = invoke(
        "report", scenario_file, *FAST, "--horizon", "6", "--tornado", "nrr_12m_end", "--out", tmp_path / "r.html"
    )
    assert done.exit_code == 2
    assert "--tornado" in done.output and "--metric" not in done.output
    assert len(done.output.strip().splitlines()) == 1 and not (tmp_path / "r.html").exists()


def test_programs_are_on_the_page_as_the_run_gives_them(invoke, tmp_path):
    """Issue 18: each program against the plan without it, every mean shown as the terminal writes it."""
    from saas_sim.render.programs import EFFECTS

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "customer-success.yaml"
    page, text = written(invoke, scenario, *FAST, "--out", tmp_path / "cs.html")
    result = Result.from_json(json.loads(page.data))
    assert list(result.programs) == ["Save-at-risk"]
    cells = {(a["data-program"], a["data-effect"]): (a, shown) for a, shown in page.cells if a.get("data-program")}
    assert sorted(cells) == sorted(("Save-at-risk", effect.name) for effect in EFFECTS)
    for effect in EFFECTS:
        attributes, shown = cells["Save-at-risk", effect.name]
        mean = result.programs["Save-at-risk"][effect.name].mean
        assert attributes["data-value"] == ("" if mean is None else repr(float(mean))), effect.name
        assert shown.startswith(effect.formatter(result.currency)(mean)), (effect.name, shown)
    assert "Programs" in text and "same plan without it" in text


def test_a_plan_without_programs_has_no_programs_section(invoke, scenario_file, tmp_path):
    _, text = written(invoke, scenario_file, *FAST, "--out", tmp_path / "r.html")
    assert 'id="programs"' not in text
