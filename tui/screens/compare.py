"""The scenario being edited (A) against a stored one (B): both run with the same seed and paths."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, ProgressBar, Select, Static
from textual.worker import Worker

from saas_sim.analysis.run import ScenarioRun
from saas_sim.engine.simulate import with_overrides
from saas_sim.errors import InputError, SaasSimError
from saas_sim.io.scenario import parse_scenario
from saas_sim.model.result import Result
from saas_sim.render.compare import compare_fan_chart, differences_table
from saas_sim.render.programs import programs_comparison
from saas_sim.store import Store, StoreError
from tui.report import REPORT
from tui.work import Job, ScreenWork

if TYPE_CHECKING:
    import numpy as np

    from saas_sim.analysis.report import ReportRun

SERIES = (("ARR", "arr"), ("Cash", "cash"), ("Customers", "customers"))
BANDS_MIN_WIDTH = 112  # the differences table's p10–p90 columns need about this much
COMPARE = ScreenWork(
    "compare", expected=SaasSimError, lines=True, unexpected=lambda error: f"{type(error).__name__}: {error}"
)


class CompareScreen(Screen[None]):
    """A = ``current_text`` (labelled ``current_label``, perhaps unsaved), B = a stored scenario or revision.

    B is chosen from a list of ``name`` (the latest revision) and
    ``name@rev`` items; it starts on the stored scenario of A's name, if
    there is one.  Both run in a worker thread with ``seed`` and ``paths``;
    then a fan chart of both (ARR, cash or customers) and the table of
    differences ``B − A``.  Dismissed with None.
    """

    DEFAULT_CSS = """
    CompareScreen #compare-bar {
        height: auto;
        padding: 0 1;
    }
    CompareScreen #compare-bar {
        height: 1;
        margin: 0 0 1 0;
    }
    CompareScreen #compare-bar Label {
        padding: 0 1 0 0;
    }
    CompareScreen #side-a {
        color: #7cc4ff;  /* the chart's colours: saas_sim.render.compare.CompareColors */
        text-style: bold;
    }
    CompareScreen #side-b {
        color: #ffb000;
        text-style: bold;
    }
    CompareScreen #label-a {
        width: auto;
        max-width: 40%;
        padding: 0 2 0 0;
        text-style: bold;
    }
    CompareScreen #against {
        width: 1fr;
        min-width: 20;
    }
    CompareScreen #series {
        width: 16;
        margin: 0 0 0 2;
    }
    CompareScreen #status {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    CompareScreen #status.-error {
        color: $text-error;
    }
    CompareScreen #progress {
        padding: 0 1;
        height: 1;
    }
    CompareScreen #results {
        height: 1fr;
        padding: 0 1;
    }
    CompareScreen #differences {
        padding: 1 0 0 0;
    }
    CompareScreen #programs {
        padding: 1 0 0 0;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="compare.back"),
        Binding("b", "choose_b", "Choose B", id="compare.choose"),
        Binding("s", "next_series", "Next chart", id="compare.series", tooltip="ARR, cash, customers"),
        Binding("r", "run", "Run again", id="compare.run"),
        Binding("f2", "report", "Report", id="compare.report", tooltip="The report of A and B side by side"),
    ]

    def __init__(self, store: Store, current_text: str, current_label: str, seed: int, paths: int):
        super().__init__()
        self.store = store
        self.current_text = current_text
        self.current_label = current_label
        self.seed = seed
        self.paths = paths
        self.results: tuple[Result, Result] | None = None
        self.labels = (current_label, "B")
        self.choices: list[tuple[str, str]] = []  # B's: (prompt, reference)
        self.reference: str | None = None  # B's, as last run
        self._result_a: Result | None = None  # A's result, reused while A stays as it is
        self._ends: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None  # the histograms' paths
        self._ends_a: dict[str, np.ndarray] | None = None

    # -- layout ---------------------------------------------------------------------------

    def _choices(self) -> list[tuple[str, str]]:
        """``(prompt, reference)`` of every stored scenario (latest) and each older revision."""
        choices: list[tuple[str, str]] = []
        try:
            for info in self.store.scenarios():
                choices.append((f"{info.name} (latest)", info.name))
                choices.extend(
                    (f"{info.name}@{number}", f"{info.name}@{number}") for number in range(info.revision - 1, 0, -1)
                )
        except StoreError as error:
            self.notify(str(error), title="Store", severity="error")
        return choices

    def _default_b(self, choices: list[tuple[str, str]]) -> str | None:
        """The stored scenario of A's name: what the edits changed."""
        try:
            name = parse_scenario(self.current_text).name
        except InputError:
            return None
        return name if any(reference == name for _, reference in choices) else None

    def compose(self) -> ComposeResult:
        self.choices = choices = self._choices()
        default = self._default_b(choices)
        with Horizontal(id="compare-bar"):
            yield Label("A", id="side-a")
            yield Label(Text(self.current_label), id="label-a")
            yield Label("B", id="side-b")
            options = [(Text(prompt, no_wrap=True, overflow="ellipsis"), reference) for prompt, reference in choices]
            yield Select(
                options,
                prompt="Choose a stored scenario…",
                id="against",
                compact=True,
                value=default if default is not None else Select.NULL,
            )
            yield Select(SERIES, value="arr", allow_blank=False, id="series", compact=True)
        yield ProgressBar(id="progress", show_eta=False)
        yield Static("", id="status")
        with VerticalScroll(id="results"):
            yield Static(id="chart")
            yield Static(id="differences")
            yield Static(id="programs")  # when either scenario has programs (SPEC 2.7)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        if not self.query_one("#against", Select).is_blank():
            self.query_one("#results").focus()
            self.action_run()
        elif not self.choices:
            self._status("The store holds no scenario to compare with: save one first.")
        else:
            self._status("Choose B, a stored scenario or revision, to compare with A.")
            self.query_one("#against", Select).focus()

    # -- running --------------------------------------------------------------------------

    @on(Select.Changed, "#against")
    def against_changed(self, event: Select.Changed) -> None:
        if event.value != self.reference:  # Select also says so when it sets its first value
            self.action_run()

    def action_run(self) -> None:
        against = self.query_one("#against", Select)
        self.query_one("#chart", Static).update("")
        self.query_one("#differences", Static).update("")
        self._show_programs(None)
        self.results = None
        if against.is_blank():
            self.reference = None
            self.workers.cancel_group(self, COMPARE.group)
            self.query_one("#progress").display = False
            self._status("Choose B, a stored scenario or revision, to compare with A.")
            return
        self.reference = str(against.value)
        progress = self.query_one("#progress", ProgressBar)
        progress.update(total=None, progress=0)
        progress.display = True
        self._status(f"Running {self.current_label} and {against.value} ({self.paths:,} paths each, seed {self.seed})…")
        self.compare(self.reference)

    @COMPARE
    def compare(self, reference: str) -> None:
        """Run A (unless already run) and B; hand both results to the screen."""
        job = Job(self.app)
        revision = self.store.find_revision(reference)
        label_b = f"{revision.name}@{revision.number}"
        scenario_b = with_overrides(parse_scenario(revision.yaml_text, label_b), paths=self.paths, seed=self.seed)
        result_a = self._result_a
        runs = (
            []
            if result_a is not None
            else [
                ScenarioRun(
                    with_overrides(
                        parse_scenario(self.current_text, self.current_label), paths=self.paths, seed=self.seed
                    )
                )
            ]
        )
        runs.append(ScenarioRun(scenario_b))
        total = sum(run.scenario.simulation.paths for run in runs)
        done_before = 0
        for run in runs:
            if not job.drain(run.progress(), partial(self._progress_after, done_before, total)):
                return
            done_before += run.scenario.simulation.paths
        from saas_sim.analysis.report import ends_of

        results = [run.result for run in runs]
        ends = [ends_of(run) for run in runs]
        ends_a = self._ends_a
        if result_a is None:
            result_a = results.pop(0)
            ends_a = ends.pop(0)
        job.post(self._show, result_a, results[0], label_b, (ends_a or {}, ends[0]))

    def _progress(self, done: int, total: int) -> None:
        if self.is_attached:
            self.query_one("#progress", ProgressBar).update(total=total, progress=done)

    def _progress_after(self, before: int, total: int, step: tuple[int, int]) -> None:
        """A run's step, its paths counted after the ``before`` of the runs before it."""
        self._progress(before + step[0], total)

    def _show(
        self,
        result_a: Result,
        result_b: Result,
        label_b: str,
        ends: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None,
    ) -> None:
        if not self.is_attached:
            return
        self._result_a = result_a
        self._ends = ends
        self._ends_a = ends[0] if ends else None
        self.results = (result_a, result_b)
        self.labels = (self.current_label, label_b)
        self.query_one("#progress").display = False
        self._status(f"{self.paths:,} paths each, seed {self.seed}; differences are B − A.")
        self._draw_results()

    def action_report(self) -> None:
        """The report of A and B as shown: side by side, B − A (SPEC 7)."""
        if self.results is None:
            self.notify("Nothing compared yet: the report is written once both runs have finished.", severity="warning")
            return
        from saas_sim.analysis.report import ReportRun, histograms_of
        from tui.report import report_target

        ends = self._ends or ({}, {})
        runs = [
            ReportRun(result, label, label, histograms_of(paths) or None)
            for result, label, paths in zip(self.results, self.labels, ends, strict=True)
        ]
        self.notify(f"Writing the report of A and B to {report_target(*self.labels)}…", timeout=4)
        self.write_report(runs)

    @REPORT
    def write_report(self, runs: list[ReportRun]) -> None:
        from tui.report import write_report

        self.app.call_from_thread(self.notify, write_report(runs), timeout=12)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed run is told: the problem, one line each."""
        report = REPORT.failed(event)
        if report is not None:
            self.notify(f"No report written: {report}", severity="error", timeout=10)
        message = COMPARE.failed(event)
        if message is None:
            return
        self.query_one("#progress").display = False
        self._status(f"Cannot compare:\n{message}", error=True)

    # -- showing --------------------------------------------------------------------------

    def _status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")

    def _chart_height(self) -> int:
        return max(6, min(14, self.size.height - 16))

    def _draw_results(self) -> None:
        if self.results is None:
            return
        result_a, result_b = self.results
        series = str(self.query_one("#series", Select).value)
        self.query_one("#chart", Static).update(
            compare_fan_chart(result_a, result_b, series, labels=self.labels, height=self._chart_height())
        )
        self.query_one("#differences", Static).update(
            differences_table(result_a, result_b, labels=self.labels, bands=self.size.width >= BANDS_MIN_WIDTH)
        )
        self._show_programs(programs_comparison(result_a, result_b, labels=("A", "B")))

    def _show_programs(self, table: RenderableType | None) -> None:
        """The programs' means of A and B side by side; nothing when neither has programs."""
        programs = self.query_one("#programs", Static)
        programs.update(table if table is not None else "")
        programs.display = table is not None

    @on(Select.Changed, "#series")
    def series_changed(self) -> None:
        self._draw_results()

    def on_resize(self) -> None:
        self._draw_results()

    # -- the other actions ----------------------------------------------------------------

    def action_choose_b(self) -> None:
        against = self.query_one("#against", Select)
        against.focus()
        against.action_show_overlay()

    def action_next_series(self) -> None:
        select = self.query_one("#series", Select)
        keys = [key for _, key in SERIES]
        select.value = keys[(keys.index(str(select.value)) + 1) % len(keys)]

    def action_back(self) -> None:
        self.dismiss(None)
