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
    #calibrate-line { height: 1; margin: 1 0 0 0; }
    .calibrate-option { height: 1; }
    #calibrate-body Label { width: 12; color: $text-muted; }
    #calibrate-body FieldInput { width: 1fr; }
    #calibrate-report { margin-top: 1; }
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
                with Horizontal(classes="calibrate-option"):  # as saas-sim calibrate's --columns
                    yield Label("columns")
                    yield FieldInput(
                        compact=True,
                        id="calibrate-columns",
                        placeholder="when named otherwise: customer=Customer ID,start=Start Date (UTC)",
                    )
                with Horizontal(classes="calibrate-option"):
                    yield Label("segment by")
                    yield FieldInput(compact=True, id="calibrate-segment-by", placeholder="a column, e.g. Plan")
                yield Static("", id="calibrate-report")
                yield Static("", id="calibrate-problem")
            with Horizontal(id="calibrate-buttons"):  # docked: on screen however long the report (80x24)
                yield Button("Calibrate", id="calibrate-fit", variant="primary")
                yield Button("Create scenario", id="calibrate-create", disabled=True)
                yield Button("Close", id="calibrate-close")

    def on_mount(self) -> None:
        self.query_one("#calibrate-path", Input).focus()  # the path is what a user types first

    @on(Button.Pressed, "#calibrate-fit")
    @on(Input.Submitted, "#calibrate-path, #calibrate-columns, #calibrate-segment-by")
    def _fit(self) -> None:
        from saas_sim.io.tables import parse_columns_option

        path = self.query_one("#calibrate-path", Input).value.strip()
        if not path:
            self.query_one("#calibrate-problem", Static).update("file: give the path of a CSV file")
            return
        try:
            written = self.query_one("#calibrate-columns", Input).value.strip()
            columns = parse_columns_option(written) if written else {}
        except ValueError as error:
            self.query_one("#calibrate-problem", Static).update(f"columns: {error}")
            return
        segment_by = self.query_one("#calibrate-segment-by", Input).value.strip() or None
        self.query_one("#calibrate-problem", Static).update("")
        self.query_one("#calibrate-report", Static).update("Calibrating…")
        self.query_one("#calibrate-create", Button).disabled = True
        self.fit(path, columns, segment_by)

    @FIT
    def fit(self, path: str, columns: dict[str, str], segment_by: str | None) -> None:
        from saas_sim.analysis.calibrate import CalibrateOptions, calibrate_ledger
        from saas_sim.io.ledger import read_ledger_like
        from saas_sim.io.tables import ReadOptions

        job = Job(self.app)
        ledger = read_ledger_like(path, ReadOptions(columns=columns, segment_by=segment_by))
        job.post(self._show, calibrate_ledger(ledger, CalibrateOptions(segment_by=segment_by)))

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
