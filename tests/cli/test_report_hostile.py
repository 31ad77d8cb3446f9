"""``saas-sim report`` as a careless or impatient user drives it: tiny horizons, odd names, clashing
outputs, stored runs made differently, options that cannot apply."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FAST = ("--paths", "40", "--seed", "5")


def svg_of(text: str, chart: str) -> str:
    match = re.search(rf'<figure class="chart" id="chart-{chart}".*?</figure>', text, flags=re.S)
    assert match, f"no chart {chart}"
    return match.group(0)


def tick_texts(svg: str) -> list[str]:
    """Every word the chart writes (its SVG keeps text as text)."""
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.strip()]


@pytest.mark.parametrize("horizon", [1, 2, 3])
def test_a_tiny_horizon_counts_months_in_whole_numbers(invoke, scenario_file, tmp_path, horizon):
    out = tmp_path / "r.html"
    done = invoke("report", scenario_file, *FAST, "--horizon", horizon, "--out", out)
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    for chart in ("arr", "customers", "cash", "movements", "cohorts"):
        fractions = [t for t in tick_texts(svg_of(text, chart)) if re.fullmatch(r"[−-]?\d+\.\d+", t)]
        assert fractions == [], f"{chart}: month {fractions}"


def test_a_one_month_horizon_still_draws_its_fans(scenario_file):
    from saas_sim.analysis.report import ReportRun, ends_of, histograms_of
    from saas_sim.analysis.run import ScenarioRun
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import load_scenario
    from saas_sim.render.charts import fan_charts

    scenario = with_overrides(load_scenario(scenario_file), paths=3, seed=5, horizon=1)
    run = ScenarioRun(scenario)
    for _ in run.progress():
        pass
    assert run.result is not None
    for chart in fan_charts([ReportRun(run.result, "x", "x", histograms_of(ends_of(run)))]):
        (ax,) = chart.figure.axes
        p50 = ax.lines[0]
        assert len(p50.get_xdata()) >= 2 or p50.get_marker() not in (None, "None", "", " "), chart.name
        bands = [c for c in ax.collections if any(len(p.vertices) > 2 for p in c.get_paths())]
        assert len(bands) >= 2, f"{chart.name}: the p5–p95 and p10–p90 bands are not drawn"
        low, high = ax.get_xlim()
        assert low < 1 < high


def test_two_runs_made_with_other_paths_are_not_said_to_share_them(invoke, scenario_file, tmp_path):
    assert invoke("run", scenario_file, "--paths", "40", "--seed", "5", "--quiet").exit_code == 0
    assert invoke("run", scenario_file, "--paths", "30", "--seed", "6", "--horizon", "13", "--quiet").exit_code == 0
    out = tmp_path / "r.html"
    done = invoke("report", "1", "2", "--out", out)
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    assert "Both runs use the same seed and paths" not in text
    assert "not made with the same seed and paths" in text
    # two scenarios run now do share them, and the page says so
    done = invoke("report", scenario_file, scenario_file, *FAST, "--out", out)
    assert done.exit_code == 0, done.output
    assert "Both runs use the same seed and paths" in out.read_text(encoding="utf-8")


def test_the_page_and_the_workbook_in_one_file_are_refused(invoke, scenario_file, tmp_path):
    same = tmp_path / "report.out"
    done = invoke("report", scenario_file, *FAST, "--out", same, "--xlsx", same)
    assert done.exit_code == 2
    assert "--xlsx: the same file as --out" in done.output and len(done.output.strip().splitlines()) == 1
    assert not same.exists()


def test_png_into_a_fresh_nested_folder_makes_it(invoke, scenario_file, tmp_path):
    slides = tmp_path / "deck" / "q3" / "charts"
    done = invoke("report", scenario_file, *FAST, "--out", tmp_path / "r.html", "--png", slides, "--quiet")
    assert done.exit_code == 0, done.output
    assert (slides / "arr.png").is_file()


def test_png_under_a_file_is_refused(invoke, scenario_file, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    done = invoke("report", scenario_file, *FAST, "--out", tmp_path / "r.html", "--png", tmp_path / "notes.txt" / "c")
    assert done.exit_code == 2
    assert "--png:" in done.output and len(done.output.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("option", [("--paths", "5"), ("--seed", "3"), ("--horizon", "2")])
def test_a_run_option_for_stored_runs_only_is_refused_not_ignored(invoke, scenario_file, tmp_path, option):
    assert invoke("run", scenario_file, *FAST, "--quiet").exit_code == 0
    out = tmp_path / "r.html"
    done = invoke("report", "1", *option, "--out", out)
    assert done.exit_code == 2
    assert f"{option[0]}:" in done.output and len(done.output.strip().splitlines()) == 1
    assert not out.exists()


FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]  # fmt: skip


def test_a_long_unbroken_name_does_not_push_the_page_sideways(invoke, scenario_file, tmp_path):
    from playwright.sync_api import sync_playwright

    long = tmp_path / "long.yaml"
    long.write_text(scenario_file.read_text().replace("name: Two segments", "name: " + "Wide" * 20), encoding="utf-8")
    out = tmp_path / "long.html"
    done = invoke("report", long, long, *FAST, "--out", out)
    assert done.exit_code == 0, done.output
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser_path, "needs Debian's chromium (.ci/run installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=FLAGS)
        try:
            for width, height in ((1280, 800), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(out.as_uri(), wait_until="load")
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.close()
        finally:
            browser.close()


def test_a_name_that_looks_like_a_formula_stays_text_in_the_workbook(invoke, scenario_file, tmp_path):
    from openpyxl import load_workbook

    sly = tmp_path / "sly.yaml"
    text = scenario_file.read_text().replace("name: Two segments", "name: '=1+2'")
    text = text.replace('name: "SMB [pro]"', "name: '@SUM(A1:A9)'")
    sly.write_text(text + 'description: \'=HYPERLINK("http://evil.example","click")\'\n', encoding="utf-8")
    book = tmp_path / "sly.xlsx"
    done = invoke("report", sly, *FAST, "--out", tmp_path / "r.html", "--xlsx", book)
    assert done.exit_code == 0, done.output
    cells = [cell for sheet in load_workbook(book).worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"=1+2", "@SUM(A1:A9)", '=HYPERLINK("http://evil.example","click")'} <= texts


def _ran(scenario_file: Path, name: str, horizon: int = 13):
    from saas_sim.analysis.report import ReportRun, ends_of, histograms_of
    from saas_sim.analysis.run import ScenarioRun
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import load_scenario

    scenario = with_overrides(load_scenario(scenario_file), paths=20, seed=5, horizon=horizon)
    run = ScenarioRun(scenario)
    for _ in run.progress():
        pass
    assert run.result is not None
    return ReportRun(run.result, name, name, histograms_of(ends_of(run)))


def test_two_long_names_keep_the_charts_words_apart_and_on_the_chart(scenario_file):
    from saas_sim.render.charts import all_charts

    runs = [_ran(scenario_file, "Wide" * 20), _ran(scenario_file, "Other" + "Wide" * 18)]
    for chart in all_charts(runs):
        figure = chart.figure
        figure.draw_without_rendering()
        page = figure.bbox
        texts = [t for ax in figure.axes for t in (ax.title, ax._left_title) if t.get_text()]
        legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
        texts += [t for legend in legends for t in legend.get_texts()]
        boxes = [t.get_window_extent() for t in texts]
        for text, box in zip(texts, boxes, strict=True):
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, f"{chart.name}: {text.get_text()!r} off the chart"
        titles = [b for t, b in zip(texts, boxes, strict=True) if t in [ax._left_title for ax in figure.axes]]
        for i, one in enumerate(titles):
            for other in titles[i + 1 :]:
                assert not one.overlaps(other), f"{chart.name}: panel titles run into each other"


def test_b_in_another_currency_is_written_in_its_own(invoke, scenario_file, tmp_path):
    dollars = tmp_path / "dollars.yaml"
    dollars.write_text(scenario_file.read_text().replace("currency: EUR", "currency: USD"), encoding="utf-8")
    out = tmp_path / "r.html"
    done = invoke("report", scenario_file, dollars, *FAST, "--out", out)
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    a = re.search(r'<td data-run="a" data-metric="arr_end"[^>]*>([^<]*)<', text)
    b = re.search(r'<td data-run="b" data-metric="arr_end"[^>]*>([^<]*)<', text)
    assert a and b
    assert "€" in a.group(1) or "EUR" in a.group(1)
    assert b.group(1).startswith("$"), b.group(1)
    assert "A is in EUR, B in USD: money differences and the charts' money axes mix currencies" in text


def test_a_tornado_where_no_input_moves_the_metric_says_so(invoke, scenario_file, tmp_path):
    out = tmp_path / "r.html"
    done = invoke("report", scenario_file, *FAST, "--horizon", "3", "--tornado", "out_of_cash", "--out", out)
    assert done.exit_code == 0, done.output
    words = " ".join(tick_texts(svg_of(out.read_text(encoding="utf-8"), "tornado")))
    assert "No input moved" in words, words


@pytest.mark.parametrize("option", ["--out", "--xlsx", "--png"])
def test_a_dash_is_not_taken_for_a_file_named_dash(invoke, scenario_file, tmp_path, monkeypatch, option):
    monkeypatch.chdir(tmp_path)
    done = invoke("report", scenario_file, *FAST, option, "-")
    assert done.exit_code == 2
    assert f"{option}:" in done.output and len(done.output.strip().splitlines()) == 1
    assert not (tmp_path / "-").exists()


def test_on_a_phone_an_input_value_is_never_broken_inside_a_word(invoke, scenario_file, tmp_path):
    from playwright.sync_api import sync_playwright

    out = tmp_path / "r.html"
    done = invoke("report", scenario_file, *FAST, "--out", out)
    assert done.exit_code == 0, done.output
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser_path, "needs Debian's chromium (.ci/run installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(out.as_uri(), wait_until="load")
            broken = page.evaluate(
                """() => [...document.querySelectorAll('table.inputs td:nth-child(2)')]
                    .filter(td => !/\\s/.test(td.textContent.trim()))
                    .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                                    return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size > 1; })
                    .map(td => td.textContent.trim())"""
            )
            assert broken == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()


def test_a_fans_legend_never_sits_on_its_median(scenario_file, tmp_path):
    from saas_sim.render.charts import fan_charts

    starter = Path(__file__).resolve().parents[2] / "scenarios" / "starter.yaml"
    falling = tmp_path / "falling.yaml"  # cash falls from the top left corner, where a legend would go
    falling.write_text(starter.read_text().replace("starting_cash: 1.3M", "starting_cash: 10k"), encoding="utf-8")
    for chart in fan_charts([_ran(falling, "falling", horizon=36)]):
        figure = chart.figure
        figure.draw_without_rendering()
        (ax,) = figure.axes
        legend = ax.get_legend().get_window_extent()
        p50 = ax.lines[0]
        points = ax.transData.transform(list(zip(p50.get_xdata(), p50.get_ydata(), strict=True)))
        inside = [tuple(p) for p in points if legend.contains(*p)]
        assert inside == [], f"{chart.name}: the legend covers the median at {len(inside)} months"


def test_a_run_id_with_leading_zeros_names_the_page_after_the_run(invoke, scenario_file, tmp_path, monkeypatch):
    assert invoke("run", scenario_file, *FAST, "--quiet").exit_code == 0
    monkeypatch.chdir(tmp_path)
    done = invoke("report", "001")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "run-1-report.html").is_file()


def test_a_tornado_over_a_program_effect_of_a_plan_without_programs_names_the_option(invoke, scenario_file, tmp_path):
    done = invoke("report", scenario_file, *FAST, "--tornado", "roi_arr", "--out", tmp_path / "r.html")
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and "--tornado" in lines[0] and "has none" in lines[0], done.output
    assert not (tmp_path / "r.html").exists()
