"""Goal seek from the editor: which value of a field reaches a target (``ltv_cac >= 3``)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from saas_sim.io.values import parse_number_text
from saas_sim.model.scenario import Scenario
from tui.widgets.fields import FieldInput
from tui.work import Job, ScreenWork

if TYPE_CHECKING:
    from saas_sim.analysis.goal import Goal

SEEK = ScreenWork("goal")


@dataclass(frozen=True)
class GoalAnswer:
    """Set ``field`` (a dotted path as in events) to ``value`` in the editor."""

    field: str
    value: float


class GoalDialog(ModalScreen[GoalAnswer | None]):
    """Vary one field until a metric meets a target; apply the value found to the editor."""

    BINDINGS = [Binding("escape", "close", "Close", id="goal.close")]
    DEFAULT_CSS = """
    GoalDialog { align: center middle; }
    #goal-dialog { width: 84; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                   background: $surface; padding: 0 1; }
    #goal-body { height: auto; max-height: 100%; }
    #goal-dialog .goal-line { height: 1; margin-bottom: 1; }
    #goal-dialog .goal-line Label { width: 10; color: $text-muted; }
    #goal-dialog Input { width: 1fr; }
    #goal-answer { height: auto; margin: 1 0; }
    #goal-problem { color: $error; height: auto; }
    #goal-progress { display: none; }
    #goal-progress.-searching { display: block; }
    #goal-buttons { height: auto; dock: bottom; margin-top: 1; }
    #goal-buttons Button { margin-right: 2; }
    """

    def __init__(self, scenario: Scenario, field: str, target: str = "ltv_cac >= 3"):
        super().__init__()
        self.scenario = scenario
        self.field = field
        self.target = target
        self.found: float | None = None  # the value found, rounded as the answer shows it
        self.shown_value = ""  # the value found as the answer writes it ("2.97%")

    def compose(self) -> ComposeResult:
        with Vertical(id="goal-dialog"):
            with VerticalScroll(id="goal-body"):
                yield Static(
                    "[b]Goal seek[/b]: the value of a field that reaches a target, searched over the"
                    " field's valid range with the same seed at every step."
                )
                with Horizontal(classes="goal-line"):
                    yield Label("vary")
                    yield FieldInput(self.field, compact=True, id="goal-field")
                with Horizontal(classes="goal-line"):
                    yield Label("target")
                    yield FieldInput(
                        self.target,
                        compact=True,
                        id="goal-target",
                        placeholder="METRIC OP VALUE, e.g. out_of_cash <= 10%",
                    )
                with Horizontal(classes="goal-line"):
                    yield Label("prob")
                    yield FieldInput(
                        "",
                        compact=True,
                        id="goal-prob",
                        placeholder="empty: the p50 meets it; 0.9: 90 % of paths meet it",
                    )
                yield ProgressBar(id="goal-progress", show_eta=False, total=None)
                yield Static("", id="goal-answer")
                yield Static("", id="goal-problem")
            with Horizontal(id="goal-buttons"):  # docked: on screen however long the answer (80x24)
                yield Button("Search", id="goal-search", variant="primary")
                yield Button("Apply", id="goal-apply", disabled=True)
                yield Button("Close", id="goal-close")

    @on(Button.Pressed, "#goal-search")
    @on(Input.Submitted)
    def _search(self) -> None:
        prob_text = self.query_one("#goal-prob", Input).value.strip()
        prob = parse_number_text(prob_text) if prob_text else None
        if prob_text and prob is None:
            self.query_one("#goal-problem", Static).update(f"prob: must be a number between 0 and 1, got '{prob_text}'")
            return
        self.query_one("#goal-problem", Static).update("")
        self.query_one("#goal-answer", Static).update("Searching…")
        self.query_one("#goal-apply", Button).disabled = True
        self.query_one("#goal-progress", ProgressBar).add_class("-searching")
        self.seek(
            self.query_one("#goal-field", Input).value.strip(),
            self.query_one("#goal-target", Input).value.strip(),
            prob,
        )

    @on(Button.Pressed, "#goal-apply")
    def _apply(self) -> None:
        if self.found is not None:
            self.dismiss(GoalAnswer(self.query_one("#goal-field", Input).value.strip(), self.found))

    @on(Button.Pressed, "#goal-close")
    def action_close(self) -> None:
        self.workers.cancel_group(self, SEEK.group)
        self.dismiss(None)

    @SEEK
    def seek(self, field: str, target: str, prob: float | None) -> None:
        from saas_sim.analysis.goal import GoalSeek

        job = Job(self.app)
        search = GoalSeek(self.scenario, field, target, prob=prob)
        if job.drain(search.progress(), lambda step: self._progress(step[0])) and search.result is not None:
            job.post(self._show, search.result)

    def _progress(self, evaluations: int) -> None:
        self.query_one("#goal-answer", Static).update(f"Searching… {evaluations} simulations so far")

    def _show(self, goal: Goal) -> None:
        from saas_sim.render.goal import explain
        from saas_sim.render.tornado import format_field_value

        self._stop_progress()
        self.found = None if goal.value is None else as_shown(goal.value, base=goal.base_value)
        shown = goal if self.found is None else dataclasses.replace(goal, value=self.found)  # the value applied
        self.query_one("#goal-answer", Static).update("\n".join(explain(shown)))
        self.shown_value = "" if self.found is None else format_field_value(goal.field, self.found, goal.currency)
        self.query_one("#goal-apply", Button).disabled = goal.value is None

    def _stop_progress(self) -> None:
        """The search is over (answered, failed or cancelled): the bar stops pulsing."""
        self.query_one("#goal-progress", ProgressBar).remove_class("-searching")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == SEEK.group and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._stop_progress()
        message = SEEK.failed(event)
        if message is not None:
            self.query_one("#goal-problem", Static).update(message)
            self.query_one("#goal-answer", Static).update("")


def as_shown(value: float, *, base: float) -> float:
    """A value found, at the three significant digits the answer shows (2.97466 % → 2.97 %), rounded away from ``base``.

    The search walks from the base until the target is met, so the boundary lies between the base and
    the value found: rounding away from the base keeps the target met, where rounding to the nearest
    could step back over it (a CAC of 2,996.4 that meets LTV/CAC >= 3 is not met at 3,000).
    """
    if value == 0 or not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(math.floor(math.log10(abs(value))) - 2)
    rounding = ROUND_CEILING if value > base else ROUND_FLOOR
    return float(Decimal(repr(value)).quantize(quantum, rounding=rounding))
