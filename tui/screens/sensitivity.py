"""Sensitivity as a tornado: every input swung ± a share, one at a time, with common random numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker

if TYPE_CHECKING:
    from saas_sim.analysis.sensitivity import Sensitivity

from saas_sim.analysis.fields import SUMMARY_METRICS
from saas_sim.io.values import parse_number_text
from saas_sim.model.scenario import Scenario
from saas_sim.render.format import metric_label
from tui.work import Job, ScreenWork

DEFAULT_SWING = 0.2
ANALYSE = ScreenWork("sensitivity")


def choose_metric(metrics: Sequence[str]) -> str:
    """Where a metric is pinned at 0 or 100 %: ``choose Cash out month or Cash min as the metric``."""
    return f"choose {' or '.join(metric_label(metric) for metric in metrics)} as the metric"


class SensitivityScreen(Screen[None]):
    """The tornado of one metric for the scenario being edited."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="sensitivity.back"),
        Binding("r", "run", "Run again", id="sensitivity.run"),
        Binding("f2", "report", "Report", id="sensitivity.report", tooltip="The report, with this tornado"),
    ]
    DEFAULT_CSS = """
    SensitivityScreen {
        #sensitivity-controls { height: 1; margin: 1 1 0 1; }
        #sensitivity-controls Label { width: auto; margin-right: 1; color: $text-muted; }
        #sensitivity-metric { width: 34; margin-right: 2; }
        #sensitivity-swing { width: 10; }
        #sensitivity-progress { margin: 0 1; }
        #sensitivity-problem { color: $error; margin: 0 1; height: auto; }
        #sensitivity-scroll { height: 1fr; padding: 0 1; }
    }
    """

    def __init__(self, scenario: Scenario, label: str, *, metric: str = "arr_end", swing: float = DEFAULT_SWING):
        super().__init__()
        self.scenario = scenario
        self.label = label
        self.metric = metric
        self.swing = swing
        self.result: Sensitivity | None = None  # the Sensitivity shown

    def compose(self) -> ComposeResult:
        with Horizontal(id="sensitivity-controls"):
            yield Label("metric")
            yield Select(
                [(metric_label(m), m) for m in SUMMARY_METRICS],
                value=self.metric,
                allow_blank=False,
                compact=True,
                id="sensitivity-metric",
            )
            yield Label("swing ±")
            yield Input(f"{self.swing * 100:g}%", compact=True, id="sensitivity-swing")
        yield ProgressBar(id="sensitivity-progress", show_eta=False)
        yield Static("", id="sensitivity-problem")
        with VerticalScroll(id="sensitivity-scroll"):
            yield Static(f"Swinging every input of {self.label}…", id="sensitivity-tornado")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Sensitivity · {self.label}"
        self.action_run()

    def action_back(self) -> None:
        self.workers.cancel_group(self, ANALYSE.group)
        self.dismiss(None)

    def action_run(self) -> None:
        self.query_one("#sensitivity-problem", Static).update("")
        self.analyse(self.metric, self.swing)

    @on(Select.Changed, "#sensitivity-metric")
    def _metric(self, event: Select.Changed) -> None:
        if event.value != self.metric:
            self.metric = str(event.value)
            self.action_run()

    @on(Input.Submitted, "#sensitivity-swing")
    def _swing(self, event: Input.Submitted) -> None:
        value = parse_number_text(event.value.strip()) if event.value.strip() else None
        if value is None or not 0 < value <= 1:
            self.query_one("#sensitivity-problem", Static).update(
                f"swing: must be a share more than 0 and at most 100 %, got '{event.value}'"
            )
            return
        self.swing = value
        self.action_run()

    @ANALYSE
    def analyse(self, metric: str, swing: float) -> None:
        from saas_sim.analysis.sensitivity import SensitivityAnalysis

        job = Job(self.app)
        analysis = SensitivityAnalysis(self.scenario, metric=metric, swing=swing)
        if job.drain(analysis.progress(), lambda step: self._progress(*step)) and analysis.result is not None:
            job.post(self._show, analysis.result)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#sensitivity-progress", ProgressBar).update(total=total, progress=done)

    def _show(self, result: Sensitivity) -> None:
        from saas_sim.render.tornado import Tornado

        self.result = result
        self.query_one("#sensitivity-tornado", Static).update(Tornado(result, suggest=choose_metric))

    def action_report(self) -> None:
        """The main screen's report (F2 there), with this tornado when it is of the result on that screen."""
        from tui.screens.main import MainScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, MainScreen):
                screen.action_report(tornado=(self.scenario, self.result) if self.result is not None else None)
                return

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = ANALYSE.failed(event)
        if message is not None:
            self.query_one("#sensitivity-problem", Static).update(message)
