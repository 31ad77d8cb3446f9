"""The map's pictures (SPEC 8): the terminal heatmap a workshop projects, the HTML page and the PNG."""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from PIL import Image
from rich.cells import cell_len
from rich.console import Console

from saas_sim.analysis.maps import Axis, MapResult
from saas_sim.render.map import BASE_MARK, MapHeatmap, cell_text, grade_ranges, map_html, map_png

CHURN = "segments.Shops.churn.monthly"
CAC = "segments.Shops.cac"


def probability(churn: float, cac: float) -> float:
    """A made-up chance of running out of cash: 0 at low churn and CAC, 1 at high, a smooth band between."""
    z = (churn - 0.04) * 60 + (cac - 3000) / 600
    return round(1 / (1 + math.exp(-z)), 3)


def make_map(
    steps: int = 15,
    *,
    metric: str = "out_of_cash",
    base: tuple[float, float] = (0.015, 3000.0),
    cols: int | None = None,
    value=probability,
    diverged: tuple[tuple[int, int, str], ...] = (),
) -> MapResult:
    xs = tuple(0.01 + 0.07 * i / ((cols or steps) - 1) for i in range(cols or steps))
    ys = tuple(500 + 4500 * i / (steps - 1) for i in range(steps))
    where = {(r, c) for r, c, _ in diverged}
    values = tuple(tuple(None if (r, c) in where else value(x, y) for c, x in enumerate(xs)) for r, y in enumerate(ys))
    return MapResult(
        "Virtuous cycle", "USD", metric, "mean" if metric == "out_of_cash" else "p50",
        Axis(CHURN, xs, False, base[0]), Axis(CAC, ys, False, base[1]),
        values, diverged, 1000, 7, 48,
    )  # fmt: skip


def render(result: MapResult, width: int = 80, *, color: bool = False) -> tuple[list[str], Console]:
    console = Console(
        width=width, record=True, force_terminal=color, color_system="standard" if color else None, file=_Null()
    )
    console.print(MapHeatmap(result))
    return console.export_text(styles=False, clear=False).rstrip("\n").split("\n"), console


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def grid_lines(lines: list[str], result: MapResult) -> dict[str, str]:
    """The grid's lines by their y label (``$5k``), the label cut off."""
    from saas_sim.render.tornado import format_field_value

    labels = [format_field_value(CAC, y) for y in result.y.values]
    width = max(len(label) for label in labels)
    found = {}
    for line in lines:
        head = line[:width].strip()
        if head in labels and line[width : width + 1] == " ":
            found[head] = line[width + 1 :]
    return found


def test_a_15_by_15_map_fits_80_columns_whole():
    result = make_map(15)
    lines, _ = render(result, 80)
    assert all(cell_len(line) <= 80 for line in lines)
    rows = grid_lines(lines, result)
    assert len(rows) == 15  # every row, the highest y on top
    assert list(rows) == [line.split()[0] for line in lines if line.split() and line.split()[0] in rows]
    assert lines.index(next(line for line in lines if line.lstrip().startswith("$5k"))) < lines.index(
        next(line for line in lines if line.lstrip().startswith("$500"))
    )
    for r, y in enumerate(result.y.values):  # every cell's figure, in order
        from saas_sim.render.tornado import format_field_value

        figures = rows[format_field_value(CAC, y)].replace(BASE_MARK, " ").replace("░", " ").replace("▓", " ").split()
        assert figures == [
            cell_text("out_of_cash", v, unit=False, boundaries=(0.1, 0.5), width=3) for v in result.values[r]
        ]
    assert "cells in %" in "\n".join(lines)
    assert lines[0].startswith("Chance of running out of cash")  # said once, not "Out of cash: chance of ..."
    assert "Virtuous cycle" in "\n".join(lines[:2]) and "1,000 paths" in "\n".join(lines[:2])
    assert "Shops.churn.monthly →" in "\n".join(lines) and "↑ Shops.cac" in "\n".join(lines)


@pytest.mark.parametrize(("steps", "cols"), [(15, None), (5, None), (40, None), (200, None), (3, 120)])
@pytest.mark.parametrize("width", [80, 100])
def test_it_fits_a_projector_in_30_rows_and_never_wraps(steps, cols, width):
    result = make_map(steps, cols=cols)
    lines, _ = render(result, width)
    assert len(lines) <= 30
    assert all(cell_len(line) <= width for line in lines)
    text = "\n".join(lines)
    assert f"{BASE_MARK} your plan" in text
    if steps > 15:
        assert f"of {steps} rows" in text  # it says the rows were sampled


def test_more_columns_than_fit_shrink_to_colour_and_say_so():
    result = make_map(40)
    lines, _ = render(result, 80)
    text = "\n".join(lines)
    assert "too narrow for figures: shade only" in text
    assert "%" not in "".join(grid_lines(lines, result).values())  # no figures in the cells
    assert "▓" in text and "░" in text  # the grades still read, without colour
    wide = make_map(15)
    assert "99%" in "".join(grid_lines(render(wide, 100)[0], wide).values())  # at 100 columns with their unit


def test_the_plan_is_marked_on_its_nearest_cell():
    result = make_map(15, base=(0.0162, 2900.0))  # between grid values: nearest 1.5 % and $2.75k
    lines, _ = render(result, 80)
    rows = grid_lines(lines, result)
    marked = [label for label, line in rows.items() if BASE_MARK in line]
    assert marked == ["$2.75k"]
    line = rows["$2.75k"]
    cell_width = len(line) // 15 if len(line) % 15 == 0 else None
    assert cell_width is not None
    assert line.index(BASE_MARK) // cell_width == 1  # the second column: 1.5 %
    legend = "\n".join(lines)
    assert f"{BASE_MARK} your plan: Shops.churn.monthly 1.62%, Shops.cac $2.9k (the nearest cell)" in legend


def test_a_plan_on_the_grid_is_not_called_nearest():
    result = make_map(15, base=(0.01, 500.0))
    lines, _ = render(result, 80)
    rows = grid_lines(lines, result)
    assert BASE_MARK in rows["$500"] and rows["$500"].index(BASE_MARK) < 4
    assert "nearest" not in "\n".join(lines)


def test_a_plan_outside_the_grid_marks_no_cell():
    result = make_map(15, base=(0.09, 3000.0))
    lines, _ = render(result, 80)
    assert not any(BASE_MARK in line for line in grid_lines(lines, result).values())
    assert "your plan (Shops.churn.monthly 9%, Shops.cac $3k) lies outside the map: no cell marked" in " ".join(lines)


def test_grades_read_without_colour_by_their_shade():
    result = make_map(15)
    lines, _ = render(result, 80)
    grades = result.grades()
    assert grades is not None
    rows = grid_lines(lines, result)
    from saas_sim.render.tornado import format_field_value

    for r, y in enumerate(result.y.values):
        line = rows[format_field_value(CAC, y)]
        cells = [line[i * 4 : (i + 1) * 4] for i in range(15)]
        for cell, status in zip(cells, grades[r], strict=True):
            assert ("░" in cell) == (status == "warn") and ("▓" in cell) == (status == "bad"), (cell, status)
    legend = "\n".join(lines)
    assert "ok ≤ 10% · ░░ warn 10–50% · ▓▓ bad > 50%" in legend


def test_grades_are_coloured_as_the_terminal_colours_ok_warn_bad():
    result = make_map(5)
    _, console = render(result, 100, color=True)
    html = console.export_html(inline_styles=True)
    grades = result.grades()
    assert grades is not None and {"ok", "warn", "bad"} <= {g for row in grades for g in row}
    for colour in ("#008000", "#808000", "#800000"):  # green, yellow, red backgrounds of the standard palette
        assert f"background-color: {colour}" in html
    text = console.export_text()
    assert "░" not in text and "▓" not in text  # with colour, the colour alone
    legend = next(line for line in html.split("\n") if "warn 10–50%" in line)
    words = re.search(r'<span style="([^"]*)">\s*warn 10–50%', legend) or re.search(r"(\s)warn 10–50%", legend)
    assert words is not None and "background" not in words.group(1)  # the swatch coloured, not the words


def test_never_and_diverged_cells_and_the_legend_says_what_they_are():
    def payback(churn: float, cac: float) -> float:
        return cac / 150 / (1 - 12 * churn) if churn < 0.05 else math.inf

    result = make_map(6, metric="payback_months_with_churn", value=payback, diverged=((0, 0, "diverged: NaN"),))
    lines, _ = render(result, 80)
    text = "\n".join(lines)
    rows = grid_lines(lines, result)
    assert "∞" in rows["$5k"] and "✗" in rows["$500"]
    assert "∞ never pays back" in text and "✗ diverged: 1 cell failed" in text
    assert "ok ≤ 12 mo" in text and "bad > 24 mo or never" in text


def test_a_metric_without_boundaries_has_four_bands_the_darkest_better():
    result = make_map(8, metric="arr_end", value=lambda churn, cac: 1e9 / cac / churn)
    assert result.grades() is None
    lines, _ = render(result, 80)
    text = "\n".join(lines)
    assert "a quarter of the cells each; darker: better (higher)" in text
    rows = grid_lines(lines, result)
    assert "▓" in rows["$500"] and "▓" not in rows["$5k"]  # the highest ARR at the lowest CAC
    assert all(cell_len(line) <= 80 for line in lines)


def test_cell_text():
    assert cell_text("out_of_cash", 0.123) == "12%"
    assert cell_text("out_of_cash", 0.001) == "<1%" and cell_text("out_of_cash", 0.0) == "0%"
    assert cell_text("out_of_cash", 0.998) == ">99%" and cell_text("out_of_cash", 1.0) == "100%"
    assert cell_text("out_of_cash", 0.5, unit=False) == "50"
    assert cell_text("ltv_cac", 3.43) == "3.4×" and cell_text("ltv_cac", 3.43, unit=False) == "3.4"
    assert cell_text("arr_end", 1_234_567) == "$1.2M" and cell_text("arr_end", -350_000, "EUR") == "-€350k"
    assert cell_text("payback_months_with_churn", math.inf) == "∞"
    assert cell_text("nrr_12m_end", 1.054) == "105%" and cell_text("annualized_logo_churn_end", 0.025) == "2.5%"
    assert cell_text("ltv_cac", None) == "—"


def test_a_figure_that_would_read_as_a_threshold_takes_a_digit_more():
    # 2.98 is warn, and "3×" would read as ok (≥ 3×); 0.099 is ok, and "10%" would read as its edge
    assert cell_text("ltv_cac", 2.98, boundaries=(1.0, 3.0)) == "2.98×"
    assert cell_text("ltv_cac", 3.0, boundaries=(1.0, 3.0)) == "3×"
    assert cell_text("out_of_cash", 0.099, boundaries=(0.1, 0.5)) == "9.9%"
    assert cell_text("out_of_cash", 0.503, boundaries=(0.1, 0.5), unit=False) == "50.3"
    assert cell_text("out_of_cash", 0.2, boundaries=(0.1, 0.5)) == "20%"
    assert cell_text("payback_months_with_churn", 12.04, boundaries=(12.0, 24.0)) == "12.04"
    assert cell_text("payback_months_with_churn", 11.96, boundaries=(12.0, 24.0)) == "11.96"
    assert cell_text("payback_months_with_churn", 12.3, boundaries=(12.0, 24.0)) == "12.3"
    assert cell_text("payback_months_with_churn", 13.4, boundaries=(12.0, 24.0)) == "13"
    # no room for the digits: which side of the threshold
    assert cell_text("out_of_cash", 0.503, boundaries=(0.1, 0.5), unit=False, width=3) == ">50"
    assert cell_text("out_of_cash", 0.099, boundaries=(0.1, 0.5), unit=False, width=3) == "9.9"
    assert cell_text("out_of_cash", 0.104, boundaries=(0.1, 0.5), unit=False, width=3) == ">10"
    assert cell_text("ltv_cac", 2.98, boundaries=(1.0, 3.0), width=4) == "<3×"


def test_grade_ranges_follow_the_diagnosis():
    assert grade_ranges("out_of_cash", (0.1, 0.5), "lower") == {"ok": "≤ 10%", "warn": "10–50%", "bad": "> 50%"}
    assert grade_ranges("ltv_cac", (1.0, 3.0), "higher") == {"ok": "≥ 3×", "warn": "1×–3×", "bad": "< 1×"}
    assert grade_ranges("annualized_logo_churn_end", (0.1, 0.3), "lower")["ok"] == "< 10%"
    assert grade_ranges("nrr_12m_end", (0.9, 1.0), "higher") == {"ok": "≥ 100%", "warn": "90–100%", "bad": "< 90%"}


# --- the page and the picture ------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The map page's table cells (``data-value`` and text by row), its scripts and every address it names."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str, list[str]]]] = []
        self.addresses: list[str] = []
        self.scripts: list[str | None] = []
        self._in_table = False
        self._cell: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.addresses += [value or "" for name, value in attrs if name in ("src", "href", "xlink:href", "action")]
        if tag == "script":
            self.scripts.append(found.get("type"))
        if tag == "table" and "map" in (found.get("class") or "").split():
            self._in_table = True
        if self._in_table and tag == "tr" and "data-y" in found:
            self.rows.append([])
        if self._in_table and tag == "td" and self.rows:
            self._cell = [found.get("data-value") or "", "", (found.get("class") or "").split()]
            self.rows[-1].append(self._cell)  # type: ignore[arg-type]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1] += data


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_the_page_fetches_nothing_and_runs_no_script():
    page = map_html(make_map(5))
    parsed = parse(page)
    assert all(not re.match(r"\s*(https?:)?//", address) for address in parsed.addresses), parsed.addresses
    assert parsed.scripts == ["application/json"]  # the map's JSON, which a browser never runs
    assert "<svg" in page and "@import" not in page
    assert re.findall(r"url\((?!#)", page) == []  # only the SVG's own clip paths


def test_the_page_table_holds_every_cell_highest_y_on_top():
    result = make_map(6, base=(0.0162, 2900.0), diverged=((1, 2, "diverged: NaN"),))
    parsed = parse(map_html(result, source="scenarios/virtuous-cycle.yaml"))
    assert len(parsed.rows) == 6 and all(len(row) == 6 for row in parsed.rows)
    for shown, r in zip(parsed.rows, reversed(range(6)), strict=True):
        for (value, text, classes), c in zip(shown, range(6), strict=True):
            expected = result.values[r][c]
            if expected is None:
                assert value == "" and text == "✗" and "grade-diverged" in classes
            else:
                assert float(value) == expected
                assert text.replace("◆", "").strip() == cell_text("out_of_cash", expected, boundaries=(0.1, 0.5))
                grades = result.grades()
                assert grades is not None and f"grade-{grades[r][c]}" in classes
    planned = [(i, j) for i, row in enumerate(parsed.rows) for j, cell in enumerate(row) if "plan" in cell[2]]
    assert planned == [(2, 0)]  # 2,900 nearest $3.2k (the third row from the top), 1.62 % nearest 1 %
    page = map_html(result, source="scenarios/virtuous-cycle.yaml")
    assert (
        "saas-sim map scenarios/virtuous-cycle.yaml --x segments.Shops.churn.monthly=0.01..0.08 "
        "--y segments.Shops.cac=500..5000 --steps 6 --metric out_of_cash --paths 1000 --seed 7"
    ) in page
    data = re.search(r'<script type="application/json" id="saas-sim-map">(.*?)</script>', page, re.S)
    assert data is not None and json.loads(data.group(1))["values"][0][0] == result.values[0][0]
    assert "engine" in page and "seed 7" in page


def test_the_page_says_when_the_plan_lies_outside():
    page = map_html(make_map(5, base=(0.2, 3000.0)))
    assert "lies outside the map" in page and 'class="grade-ok plan"' not in page
    assert not any("plan" in cell[2] for row in parse(page).rows for cell in row)


@pytest.mark.parametrize(
    "result",
    [
        make_map(15),
        make_map(2, base=(0.5, 3000.0)),
        make_map(40, metric="arr_end", value=lambda churn, cac: 1e9 / cac / churn),
        make_map(
            6,
            metric="payback_months_with_churn",
            value=lambda churn, cac: cac / 150 / (1 - 12 * churn) if churn < 0.05 else math.inf,
            diverged=((0, 0, "diverged"),),
        ),
        make_map(5, metric="ltv_cac", value=lambda churn, cac: 150 / churn / cac),
    ],
    ids=["15x15", "2x2-outside", "40x40-no-boundaries", "payback-never-diverged", "ltv-cac"],
)
def test_the_png_is_a_1920_by_1080_slide(result):
    png = map_png(result)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1920, 1080)


def test_a_log_axis_draws_the_plan_where_it_is():
    import numpy as np

    from saas_sim.render.map import map_chart

    result = make_map(5, base=(0.0162, 2900.0))
    log = MapResult(
        result.scenario_name, result.currency, result.metric, result.statistic,
        Axis(CHURN, tuple(np.geomspace(0.01, 0.08, 5)), True, 0.0162), Axis(CAC, result.y.values, False, 2900.0),
        result.values, (), 1000, 7, 48,
    )  # fmt: skip
    chart = map_chart(log)
    ax = chart.figure.axes[0]
    assert ax.get_xscale() == "log"
    plan = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(plan) == 1 and list(plan[0].get_xdata()) == [0.0162] and list(plan[0].get_ydata()) == [2900.0]


def test_importing_the_heatmap_leaves_matplotlib_and_jinja2_out():
    code = (
        "import sys, saas_sim.render.map; "
        "heavy = [m for m in ('matplotlib', 'jinja2') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_large_map_is_a_picture_inside_the_svg_and_stays_light():
    page = map_html(make_map(60))
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'href="data:image/png;base64,' in svg  # embedded, nothing fetched
    assert len(svg) < 500_000  # 3,600 shapes as text would be megabytes
    assert len(parse(page).rows) == 60  # the table keeps every cell
    small = map_html(make_map(5))
    small_svg = small[small.index("<svg") : small.index("</svg>")]
    # a small map's cells stay shapes: only the colour bar (matplotlib's own) is a picture there
    assert svg.count("<image") == small_svg.count("<image") + 1


def test_the_colour_bar_of_a_probability_spans_0_to_100_percent_with_the_thresholds():
    from saas_sim.render.map import map_chart

    result = make_map(5, value=lambda churn, cac: 0.2 + 0.5 * churn)  # 20-24 %: warn everywhere
    bar = map_chart(result).figure.axes[1]
    assert bar.get_ylim() == (0.0, 1.0)
    assert [round(float(t), 6) for t in bar.get_yticks()] == [0.0, 0.1, 0.5, 1.0]
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0%", "10%", "50%", "100%"]


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_the_page_opens_offline_in_a_browser_with_its_chart_drawn(viewport, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.render.test_report_browser import FLAGS, chromium

    path = tmp_path / "map.html"
    path.write_text(map_html(make_map(15)), encoding="utf-8")
    width, height = viewport
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(path.as_uri(), wait_until="load")
            assert errors == [] and requests == [path.as_uri()]  # the page itself, nothing else
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
            figure = page.locator("#chart-map svg")
            figure.scroll_into_view_if_needed()
            box = figure.bounding_box()
            assert box is not None and box["height"] > 150
            shot = Image.open(io.BytesIO(figure.screenshot())).convert("RGB")
            colours = {colour for _, colour in shot.getcolors(maxcolors=1 << 20) or []}
            assert len(colours) > 50  # drawn: the grades' colours, the lines, the words
            assert page.locator("table.map td.plan").count() == 1
        finally:
            browser.close()


def test_a_200_by_200_map_without_boundaries_fits_too():
    # its bands' edges are the quartiles of 40,000 cells: found once, not once per cell
    result = make_map(200, metric="arr_end", value=lambda churn, cac: 1e9 / cac / churn)
    lines, _ = render(result, 100)
    assert len(lines) <= 30 and all(cell_len(line) <= 100 for line in lines)
    assert "showing 93 of 200 columns, 21 of 200 rows" in "\n".join(lines)


def test_sampled_rows_and_columns_keep_the_plans_own():
    """A map with more rows and columns than fit shows a sample of them; the plan's nearest row and column are
    in it (a neighbour's row was marked instead: $3.5k for $3k)."""
    from saas_sim.render.map import sample

    assert 4 not in sample(9, 6) and 4 in sample(9, 6, keep=4) and len(sample(9, 6, keep=4)) == 6
    assert sample(40, 10, keep=17)[0] == 0 and sample(40, 10, keep=17)[-1] == 39 and len(sample(40, 10, keep=17)) == 10
    result = make_map(40, base=(0.0312, 4430.0))  # nearest row 34 ($4.42k), which an even sample of 40 leaves out
    lines, _ = render(result, 80)
    rows = grid_lines(lines, result)
    assert len(rows) < 40  # sampled
    from saas_sim.render.tornado import format_field_value

    nearest = min(result.y.values, key=lambda y: abs(y - 4430.0))
    marked = [label for label, line in rows.items() if BASE_MARK in line]
    assert marked == [format_field_value(CAC, nearest)]
