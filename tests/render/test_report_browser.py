"""The report as a reader sees it: Debian's chromium (``.ci/run`` installs it), driven by playwright,
opens the page from a file with the network closed, on a laptop and on a phone."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from saas_sim.cli import app

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "virtuous-cycle.yaml"
CHARTS = ["arr", "customers", "cash", "movements", "cohorts", "arr_end", "cash_end"]
# As root in a container, without the background services that call Google (refused here, one error each).
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]  # fmt: skip


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "the browser test needs Debian's chromium: apt-get install chromium (.ci/run does)"
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "virtuous-cycle-report.html"
    done = CliRunner().invoke(app, ["report", str(SCENARIO), "--paths", "400", "--out", str(out), "--quiet"])
    assert done.exit_code == 0, done.output
    return out


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_the_page_opens_whole_offline_and_every_chart_is_drawn(report, viewport, tmp_path):
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
            page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
            page.goto(report.as_uri(), wait_until="load")
            assert errors == []
            assert requests == [report.as_uri()]  # the page itself, nothing else
            # nothing wider than the screen: no sideways scrolling of the page
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(tmp_path / f"page-{width}.png"), full_page=True)
            names = page.eval_on_selector_all("figure.chart", "nodes => nodes.map(n => n.dataset.chart)")
            assert names == CHARTS
            for name in CHARTS:
                figure = page.locator(f"#chart-{name} svg")
                figure.scroll_into_view_if_needed()
                assert figure.is_visible()
                box = figure.bounding_box()
                assert box is not None and box["width"] >= 0.8 * min(width - 40, 1060) and box["height"] > 150
                shot = Image.open(io.BytesIO(figure.screenshot())).convert("L")
                stat = ImageStat.Stat(shot)
                assert stat.stddev[0] > 10, f"{name} looks blank"  # ink on paper, not an empty box
                assert len(np.unique(np.asarray(shot))) > 20, f"{name} has almost no shades"
        finally:
            browser.close()


def test_printed_every_month_of_the_plan_is_on_paper_and_no_chart_is_cut(report):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(report.as_uri(), wait_until="load")
            assert not page.locator(".print-only table.plan").is_visible()  # on screen: under "Every month"
            page.emulate_media(media="print")
            months = page.locator(".print-only table.plan tr.month")
            assert months.count() == 48 and months.last.is_visible()
            assert not page.locator("details.months").is_visible()
            kept = page.eval_on_selector_all("figure.chart", "nodes => nodes.map(n => getComputedStyle(n).breakInside)")
            assert kept == ["avoid"] * len(CHARTS)
            assert len(page.pdf(format="A4")) > 50_000  # it prints
        finally:
            browser.close()
