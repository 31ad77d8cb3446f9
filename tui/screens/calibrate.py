"""Create a scenario calibrated from a billing history: the whole company (``saas-sim calibrate``, SPEC 6.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker

from tui.messages import OpenScenario
from tui.widgets.fields import FieldInput
from tui.work import Job, ScreenWork

if TYPE_CHECKING:
    from saas_sim.analysis.calibrate import Calibration

FIT = ScreenWork("calibrate", lines=True)


class CalibrateDialog(ModalScreen[OpenScenario | None]):
    """Ask for a billing history, calibrate the whole company on it, and hand back the new scenario."""

    BINDINGS = [Binding("escape", "close", "Close", id="calibrate.close")]
    DEFAULT_CSS = """
    CalibrateDialog { align: center middle; }
    #calibrate-dialog { width: 90; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                        background: $surface; padding: 0 1; }
    #calibrate-body { height: auto; max-height: 100%; }
    #calibrate-line { height: 1; margin: 1 0; }
    #calibrate-line Label { width: 6; color: $text-muted; }
    #calibrate-path { width: 1fr; }
    #calibrate-report { height: auto; margin-bottom: 1; }
    #calibrate-problem { color: $error; height: auto; }
    #calibrate-buttons { height: auto; dock: bottom; margin-top: 1; }
    #calibrate-buttons Button { margin-right: 2; }
    """

    def __init__(self, path: str = ""):
        super().__init__()
        self.path = path
        self.calibration: Calibration | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="calibrate-dialog"):
            with VerticalScroll(id="calibrate-body"):
                yield Static(
                    "[b]Calibrate from history[/b]: an MRR ledger (customer_id,month,mrr) or a subscriptions"
                    " table, as billing systems export them. The new scenario starts where the company is at"
                    " the last month (customers, MRR, tenures) with churn fitted, expansion, ARPA and the pace"
                    " of new accounts read from it, as saas-sim calibrate writes it."
                )
                with Horizontal(id="calibrate-line"):
                    yield Label("file")
                    yield FieldInput(
                        self.path, compact=True, id="calibrate-path", placeholder="scenarios/data/ledger.csv"
                    )
                yield Static("", id="calibrate-report")
                yield Static("", id="calibrate-problem")
            with Horizontal(id="calibrate-buttons"):  # docked: on screen however long the report (80x24)
                yield Button("Calibrate", id="calibrate-fit", variant="primary")
                yield Button("Create scenario", id="calibrate-create", disabled=True)
                yield Button("Close", id="calibrate-close")

    def on_mount(self) -> None:
        self.query_one("#calibrate-path", Input).focus()  # the path is what a user types first

    @on(Button.Pressed, "#calibrate-fit")
    @on(Input.Submitted, "#calibrate-path")
    def _fit(self) -> None:
        path = self.query_one("#calibrate-path", Input).value.strip()
        if not path:
            self.query_one("#calibrate-problem", Static).update("file: give the path of a CSV file")
            return
        self.query_one("#calibrate-problem", Static).update("")
        self.query_one("#calibrate-report", Static).update("Calibrating…")
        self.query_one("#calibrate-create", Button).disabled = True
        self.fit(path)

    @FIT
    def fit(self, path: str) -> None:
        from saas_sim.analysis.calibrate import CalibrateOptions, calibrate_ledger
        from saas_sim.io.ledger import read_ledger_like

        job = Job(self.app)
        job.post(self._show, calibrate_ledger(read_ledger_like(path), CalibrateOptions()))

    def _show(self, calibration: Calibration) -> None:
        from rich.text import Text

        from saas_sim.analysis.calibrate import summary_lines

        self.calibration = calibration
        self.query_one("#calibrate-report", Static).update(Text("\n".join(summary_lines(calibration))))
        self.query_one("#calibrate-create", Button).disabled = False

    @on(Button.Pressed, "#calibrate-create")
    def _create(self) -> None:
        if self.calibration is not None:
            self.dismiss(OpenScenario("new", self.calibration.text))

    @on(Button.Pressed, "#calibrate-close")
    def action_close(self) -> None:
        self.workers.cancel_group(self, FIT.group)
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = FIT.failed(event)
        if message is not None:
            self.query_one("#calibrate-problem", Static).update(message)
            self.query_one("#calibrate-report", Static).update("")
