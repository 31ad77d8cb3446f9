"""The workshop screen: one step of the lesson at a time, big figures the audience can move.

Each step shows its title, its text (numbers filled from the simulation), the
rule of thumb, the headline figures in big digits and its chart.  The knobs
under the figures take any value form of the scenario format; a valid value
re-simulates the step in a worker thread (exclusive: a newer value cancels
the run still going) and the figures and chart move; an invalid one is
marked at its field with the validator's words and nothing runs.  Each step
keeps what the audience typed until ``r`` resets it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Digits, Footer, Input, Label, Static
from textual.worker import Worker

from saas_sim.analysis.workshop import PATHS, Chart, Fact, Step, StepMap, knob_problems, knob_text
from saas_sim.errors import InputError, SaasSimError
from saas_sim.model.result import Result
from saas_sim.model.scenario import Scenario
from saas_sim.render.workshop import FittedChart, StepMaps, fact_note, fact_range, format_fact
from tui.widgets.fields import FieldInput
from tui.work import Job, ScreenWork

if TYPE_CHECKING:
    from saas_sim.analysis.maps import MapResult

MAX_FIGURES = 4
MAX_KNOBS = 3
DEBOUNCE_S = 0.1  # keys typed closer together than this run only the last value (as on the main screen)
STATUSES = ("-ok", "-warn", "-bad")
SIMULATE = ScreenWork("workshop", expected=SaasSimError, unexpected=lambda error: f"simulation failed: {error!r}")


def big_text(fact: Fact | None, currency: str) -> str:
    """A figure for the big 3x3 digits: ``46.0%``, ``$14.7M``, ``1.5x``, ``26`` (a month)."""
    text = format_fact(fact, currency)
    if fact is not None and fact.kind == "month":
        text = text.removeprefix("month ")
    return text.replace("×", "x").replace(" mo", "mo")


def text_markup(template: str, facts: dict[str, Fact] | None, currency: str) -> str:
    """A step's text as Textual markup, its numbers bold in the accent colour."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(escape(literal))
        if name:
            parts.append(f"[b $text-accent]{escape(format_fact((facts or {}).get(name), currency))}[/]")
    return "".join(parts)


class FigureCard(Widget):
    """A headline figure: its label in the border, the value in big digits, a note, the p10–p90 range below.

    The digits give way to one bold line when the card is too narrow for them.
    Colour it with ``-ok``, ``-warn`` or ``-bad``.
    """

    DEFAULT_CSS = """
    FigureCard {
        height: 6;
        padding: 0 1;
        border: round $foreground 30%;
        border-title-color: $foreground;
        border-title-style: bold;
        border-subtitle-color: $foreground-muted;
        border-subtitle-align: left;
        &.-ok { border: round $success; border-title-color: $text-success; }
        &.-warn { border: round $warning; border-title-color: $text-warning; }
        &.-bad { border: round $error; border-title-color: $text-error; }
        Digits { text-style: bold; width: auto; }
        &.-ok Digits, &.-ok .figure-plain { color: $text-success; }
        &.-warn Digits, &.-warn .figure-plain { color: $text-warning; }
        &.-bad Digits, &.-bad .figure-plain { color: $text-error; }
        .figure-plain { display: none; text-style: bold; height: 3; content-align: left middle; }
        &.-narrow Digits { display: none; }
        &.-narrow .figure-plain { display: block; }
        .figure-note { height: 1; color: $foreground-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.big = ""
        self.range = ""

    def compose(self) -> ComposeResult:
        yield Digits("", classes="figure-digits")
        yield Static("", classes="figure-plain", markup=False)
        yield Static("", classes="figure-note", markup=False)

    def show(self, fact: Fact | None, facts: dict[str, Fact], currency: str, label: str) -> None:
        self.border_title = fact.label if fact is not None else label
        self.big = big_text(fact, currency)
        self.query_one(Digits).update(self.big)
        self.query_one(".figure-plain", Static).update(format_fact(fact, currency))
        self.query_one(".figure-note", Static).update(fact_note(fact, facts, currency) if fact else "")
        self.range = fact_range(fact, currency) if fact else ""
        self.remove_class(*STATUSES)
        if fact is not None and fact.status:
            self.add_class(f"-{fact.status}")
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        from textual.renderables.digits import Digits as DigitsRenderable

        width = self.content_size.width
        self.set_class(DigitsRenderable.get_width(self.big) > width, "-narrow")
        if len(self.range) + 4 > width:  # the border keeps its corners and a gap each side
            self.border_subtitle = self.range.removeprefix("p10–p90 ")
        else:
            self.border_subtitle = self.range


class StepChart(Static):
    """The step's chart, filling the widget's height."""

    DEFAULT_CSS = """
    StepChart {
        height: 1fr;
        min-height: 6;
        color: $foreground-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chart: Chart | None = None
        self.currency = "USD"
        self.message = "Simulating…"

    def show(self, chart: Chart, currency: str) -> None:
        self.chart, self.currency = chart, currency
        self.refresh()

    def show_message(self, message: str) -> None:
        self.chart, self.message = None, message
        self.refresh()

    def render(self) -> Text | FittedChart:
        if self.chart is None:
            return Text(self.message, style="italic")
        return FittedChart(self.chart, self.currency, lines=max(self.content_size.height, 6))


class StepMapsView(Static):
    """A step's maps (step 6: where each plan stands), filling the widget's height; drawn instead of the chart."""

    DEFAULT_CSS = """
    StepMapsView {
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plans: tuple[StepMap, ...] = ()
        self.maps: list[MapResult | None] = []

    def show(self, plans: tuple[StepMap, ...], maps: list[MapResult | None]) -> None:
        self.plans, self.maps = plans, maps
        self.refresh()

    def render(self) -> StepMaps:
        return StepMaps(self.plans, self.maps, rows=max(self.content_size.height, 10))


class KnobField(Vertical):
    """A knob: its label and input on one line, the problem with the typed value under them."""

    DEFAULT_CSS = """
    KnobField {
        height: auto;
        width: 1fr;
        margin-right: 2;
        .knob-line { height: 1; }
        .knob-label { width: auto; color: $text-accent; text-style: bold; padding-right: 1; }
        Input { width: 1fr; min-width: 8; }
        .knob-problem { display: none; color: $text-error; height: auto; }
        &.-invalid .knob-problem { display: block; }
        &.-invalid Input { background: $error 30%; }
    }
    """

    def __init__(self, index: int) -> None:
        super().__init__(id=f"knob-field-{index}")
        self.index = index
        self.field = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="knob-line"):
            yield Label("", classes="knob-label")
            yield FieldInput(id=f"knob-{self.index}", compact=True, select_on_focus=True)
        yield Static("", classes="knob-problem", markup=False)

    def set_knob(self, label: str, dotted: str, value: str, problems: list[str]) -> None:
        self.field = dotted
        self.query_one(".knob-label", Label).update(label)
        field_input = self.query_one(Input)
        field_input.tooltip = f"{dotted}: any value form, e.g. 5%, 2k, 1.5M or a range 3%..6%"
        if field_input.value != value:
            with field_input.prevent(Input.Changed):
                field_input.value = value
        self.show_problems(problems)

    def show_problems(self, problems: list[str]) -> None:
        self.query_one(".knob-problem", Static).update("\n".join(problems))
        self.set_class(bool(problems), "-invalid")


@dataclass
class StepState:
    """What the audience did to a step: the knobs' texts, and the latest valid run of them."""

    initial: dict[str, str]
    values: dict[str, str]
    result: Result | None = None
    baseline: Result | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    result_of: dict[str, str] | None = None  # the changed values the result was simulated with
    maps: dict[str, MapResult] = field(default_factory=dict)  # the step's maps by key, as far as drawn

    @property
    def changed(self) -> dict[str, str]:
        return {name: text for name, text in self.values.items() if text != self.initial[name]}


class WorkshopScreen(Screen[None]):
    """The steps of the workshop, one at a time (``steps`` from :func:`saas_sim.analysis.workshop.steps`)."""

    # Nothing focused at first (None would mean the app's "*"): the keys step through the lesson
    # until a number field is chosen, with tab or a click.
    AUTO_FOCUS = ""

    DEFAULT_CSS = """
    WorkshopScreen {
        layout: vertical;
        #ws-bar { height: 1; background: $primary; color: $text; }
        #ws-title { width: 1fr; text-style: bold; padding: 0 1; }
        #ws-status { width: auto; padding: 0 1; color: $text 70%; }
        #ws-body { height: 1fr; padding: 0 1; }
        #ws-text { height: auto; margin-top: 1; }
        #ws-rule { height: auto; color: $text-accent; margin-bottom: 1; }
        #ws-figures { height: 6; layout: grid; grid-size: 4; grid-gutter: 0 1; }
        #ws-knobs { height: auto; margin-top: 1; }
        #ws-loose { display: none; color: $text-error; height: auto; }
        #ws-loose.-visible { display: block; }
        &.-stale #ws-figures, &.-stale #ws-chart, &.-stale #ws-maps { opacity: 0.6; }
        #ws-chart, #ws-maps { margin-top: 1; }
        #ws-maps { display: none; }
        &.-maps #ws-maps { display: block; }
        &.-maps #ws-chart { display: none; }
        /* a projector's 100x30: the maps take the figures' rows (the text says the same numbers) */
        &.-maps.-short #ws-figures { display: none; }
    }
    """

    BINDINGS = [
        Binding("right,n", "next_step", "Next", id="workshop.next", tooltip="The next step"),
        Binding("left,p", "previous_step", "Previous", id="workshop.previous", tooltip="The previous step"),
        Binding("r", "reset_step", "Reset", id="workshop.reset", tooltip="Put this step's numbers back"),
        Binding("f1", "help", "Help", id="workshop.help", tooltip="The keys"),
        Binding(
            "escape",
            "leave",
            "Quit",
            id="workshop.leave",
            tooltip="Leave the number being typed; elsewhere quit the workshop",
        ),
    ]

    def __init__(self, steps: list[Step], *, start: int = 1, paths: int | None = PATHS, seed: int | None = None):
        super().__init__()
        self.steps = steps
        self.index = min(max(start, 1), len(steps)) - 1
        self.paths = paths
        self.seed = seed
        self.states = [self._fresh_state(step) for step in steps]
        self._generation = 0
        self._timer: Timer | None = None
        self._waiting = False  # a value typed is waiting out the debounce

    @staticmethod
    def _fresh_state(step: Step) -> StepState:
        initial = {knob.field: knob_text(step.scenario_text, knob.field) for knob in step.knobs}
        return StepState(initial, dict(initial))

    @property
    def step(self) -> Step:
        return self.steps[self.index]

    @property
    def state(self) -> StepState:
        return self.states[self.index]

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="ws-bar"):
            yield Static("", id="ws-title")
            yield Static("", id="ws-status", markup=False)
        with Vertical(id="ws-body"):
            yield Static("", id="ws-text")
            yield Static("", id="ws-rule")
            with Widget(id="ws-figures"):
                for index in range(MAX_FIGURES):
                    yield FigureCard(id=f"figure-{index}")
            with Horizontal(id="ws-knobs"):
                for index in range(MAX_KNOBS):
                    yield KnobField(index)
            yield Static("", id="ws-loose", markup=False)
            yield StepChart(id="ws-chart")
            yield StepMapsView(id="ws-maps")
        yield Footer()

    SHORT_BELOW = 40  # rows: under this the step of the maps leaves out the figures

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < self.SHORT_BELOW, "-short")

    def on_mount(self) -> None:
        self.app.sub_title = "workshop"
        self._show_step()

    # -- showing a step -------------------------------------------------------------------

    def _show_step(self) -> None:
        """Draw the current step as far as it is known, and simulate it when it has no run of its values."""
        step, state = self.step, self.state
        dots = " ".join("●" if i == self.index else "○" for i in range(len(self.steps)))
        title = Text(f"Step {step.number} of {len(self.steps)}  ", style="bold")
        title.append(step.title, style="bold")
        title.append(f"   {dots}", style="not bold")
        self.query_one("#ws-title", Static).update(title)
        rule = Text("Rule of thumb: ", style="bold")
        rule.append(step.rule)
        self.query_one("#ws-rule", Static).update(rule)
        for index, knob_field in enumerate(self.query(KnobField)):
            knob_field.display = index < len(step.knobs)
            if index < len(step.knobs):
                knob = step.knobs[index]
                knob_field.set_knob(
                    knob.label, knob.field, state.values[knob.field], state.problems.get(knob.field, [])
                )
        self._show_loose_problems()
        self._draw_figures()
        if not state.problems and (state.result is None or state.result_of != state.changed):
            self._simulate_now()

    def _draw_figures(self) -> None:
        step, state = self.step, self.state
        maps = [state.maps.get(plan.key) for plan in step.maps]
        facts = step.facts(state.result, state.baseline, maps) if state.result is not None else None
        currency = state.result.currency if state.result is not None else "USD"
        self.query_one("#ws-text", Static).update(text_markup(step.text, facts, currency))
        for index, card in enumerate(self.query(FigureCard)):
            card.display = index < len(step.headline)
            if index < len(step.headline):
                key = step.headline[index]
                card.show(facts.get(key) if facts else None, facts or {}, currency, key)
        chart = self.query_one(StepChart)
        if state.result is not None:
            chart.show(step.chart(state.result, state.baseline), currency)
        else:
            chart.show_message("Simulating…")
        self.set_class(bool(step.maps), "-maps")
        if step.maps:
            self.query_one(StepMapsView).show(step.maps, maps)
        self.set_class(bool(state.problems), "-stale")
        self._status()

    def _status(self, running: bool = False, mapping: tuple[int, int] | None = None) -> None:
        result = self.state.result
        if mapping is not None:
            text = f"mapping {mapping[0]}/{mapping[1]} cells…"
        elif running:
            text = "simulating…"
        elif self.state.problems:
            text = "fix the marked value"
        elif result is not None:
            text = f"{result.paths:,} paths · seed {result.seed}"
        else:
            text = ""
        self.query_one("#ws-status", Static).update(text)

    def _show_loose_problems(self) -> None:
        loose = self.state.problems.get("", [])
        widget = self.query_one("#ws-loose", Static)
        widget.update("\n".join(loose))
        widget.set_class(bool(loose), "-visible")

    # -- the knobs ------------------------------------------------------------------------

    @on(Input.Changed)
    def _knob_changed(self, event: Input.Changed) -> None:
        event.stop()
        knob_field = next((k for k in self.query(KnobField) if k.query_one(Input) is event.input), None)
        if knob_field is None or knob_field.field not in self.state.values or event.value != event.input.value:
            return  # not a knob of this step, or an edit the input has moved on from
        state = self.state
        if state.values.get(knob_field.field) == event.value:
            return  # the input showing its value, not an edit
        state.values[knob_field.field] = event.value
        self._validate_and_schedule()

    @on(Input.Submitted)
    def _knob_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_focus(None)  # the arrows step through the lesson again

    def _validate_and_schedule(self) -> None:
        from saas_sim.analysis.workshop import step_scenario

        state = self.state
        try:
            step_scenario(self.step, state.changed, paths=self.paths, seed=self.seed)
            state.problems = {}
        except InputError as error:
            state.problems = knob_problems(self.step, error)
        for knob_field in self.query(KnobField):
            if knob_field.display:
                knob_field.show_problems(state.problems.get(knob_field.field, []))
        self._show_loose_problems()
        self._stop_timer()
        if state.problems:
            self._generation += 1  # a run of an earlier, valid value must not show as current
            self.workers.cancel_group(self, SIMULATE.group)
            self.set_class(True, "-stale")
            self._status()
            return
        self._waiting = True
        self._timer = self.set_timer(DEBOUNCE_S, self._simulate_now)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._waiting = False

    @property
    def idle(self) -> bool:
        """No value waiting to run and no run under way: what is shown is the current step's last word."""
        return not self._waiting and all(w.is_finished for w in self.workers if w.group == SIMULATE.group)

    # -- simulation -----------------------------------------------------------------------

    def _simulate_now(self) -> None:
        from saas_sim.analysis.workshop import baseline_scenario, step_scenario

        self._waiting = False
        state = self.state
        try:
            scenario = step_scenario(self.step, state.changed, paths=self.paths, seed=self.seed)
        except InputError:
            return  # marked already
        baseline = None
        if state.baseline is None:
            baseline = baseline_scenario(self.step, paths=self.paths, seed=self.seed)
        self._generation += 1
        self._status(running=True)
        self.simulate(self.index, dict(state.changed), scenario, baseline, self._generation)

    @SIMULATE
    def simulate(
        self, index: int, values: dict[str, str], scenario: Scenario, baseline: Scenario | None, generation: int
    ) -> None:
        """Run the step's scenario (and, the first time, the one it compares with); hand the results over."""
        from saas_sim.analysis.run import ScenarioRun

        job = Job(self.app)
        results: list[Result | None] = []
        for each in (scenario, baseline):
            if each is None:
                results.append(None)
                continue
            run = ScenarioRun(each)
            if not job.drain(run.progress()):
                return
            results.append(run.result)
        job.post(self._show_result, index, values, generation, results[0], results[1])
        self._map(job, index, values, generation)

    def _map(self, job: Job, index: int, values: dict[str, str], generation: int) -> None:
        """In the worker, after the runs: the step's maps, each handed over when drawn (the baseline's once)."""
        from saas_sim.analysis.workshop import map_analyses

        step, state = self.steps[index], self.states[index]
        if not step.maps:
            return
        # the maps of the baseline do not change with the room's values: drawn once
        wanted = [(plan, analysis) for plan, analysis in zip(step.maps, map_analyses(step, values, seed=self.seed))]
        wanted = [(p, a) for p, a in wanted if p.plan == "step" or p.key not in state.maps]
        total = sum(len(a.cells) for _, a in wanted)
        done = 0
        for plan, analysis in wanted:
            before = done
            progress = (before + cells for cells, _ in analysis.progress())
            if not job.drain(progress, lambda cells: self._mapping(index, generation, cells, total)):
                return
            done = before + len(analysis.cells)
            job.post(self._show_map, index, values, generation, plan.key, analysis.result)

    def _show_result(
        self, index: int, values: dict[str, str], generation: int, result: Result, baseline: Result | None
    ) -> None:
        if generation != self._generation or not self.is_attached:
            return  # an older run that finished before its cancellation was seen
        state = self.states[index]
        if state.result_of != values:  # the maps of the room's earlier values are not of these
            for plan in self.steps[index].maps:
                if plan.plan == "step":
                    state.maps.pop(plan.key, None)
        state.result, state.result_of = result, values
        if baseline is not None:
            state.baseline = baseline
        if index == self.index:
            self._draw_figures()

    def _mapping(self, index: int, generation: int, done: int, total: int) -> None:
        if generation == self._generation and index == self.index and self.is_attached:
            self._status(mapping=(done, total))

    def _show_map(
        self, index: int, values: dict[str, str], generation: int, key: str, result: MapResult | None
    ) -> None:
        if generation != self._generation or not self.is_attached or result is None:
            return
        state = self.states[index]
        if state.result_of != values:
            return  # a map of values the figures are not of
        state.maps[key] = result
        if index == self.index:
            self._draw_figures()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = SIMULATE.failed(event)
        if message is None:
            return
        self.query_one(StepChart).show_message(message)
        self.query_one("#ws-status", Static).update("failed")
        self.notify(message, severity="error", timeout=8)

    # -- actions --------------------------------------------------------------------------

    def _go(self, index: int) -> None:
        if index == self.index or not 0 <= index < len(self.steps):
            return
        self._stop_timer()
        self._generation += 1
        self.workers.cancel_group(self, SIMULATE.group)
        self.index = index
        self.set_focus(None)
        self._show_step()

    def action_next_step(self) -> None:
        self._go(self.index + 1)

    def action_previous_step(self) -> None:
        self._go(self.index - 1)

    def action_reset_step(self) -> None:
        state = self.state
        if not state.changed and not state.problems:
            self.notify("This step shows its own numbers already.")
            return
        self._stop_timer()
        fresh = self._fresh_state(self.step)
        fresh.baseline = state.baseline
        self.states[self.index] = fresh
        self._generation += 1
        self.workers.cancel_group(self, SIMULATE.group)
        self._show_step()

    def action_leave(self) -> None:
        if isinstance(self.focused, Input):
            self.set_focus(None)
            return
        self.quit_asking()

    def quit_asking(self) -> None:
        """Quit; when the room changed numbers, only after asking (they are lost on quitting)."""
        changed = [str(number) for number, state in enumerate(self.states, 1) if state.changed]
        if not changed:
            self.app.exit()
            return
        from tui.screens.dialogs import ConfirmQuit

        where = f"step{'s' if len(changed) > 1 else ''} {', '.join(changed)}"
        self.app.push_screen(
            ConfirmQuit(f"The numbers changed in {where} are lost when the workshop quits."),
            lambda quit_now: self.app.exit() if quit_now else None,
        )

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        keys = [
            (self.app.get_key_display(active.binding), active.binding.tooltip or active.binding.description)
            for active in self.app.active_bindings.values()
            if active.binding.show
        ]
        keys.append(("tab", "Choose a number to change; enter or escape leaves it"))
        self.app.push_screen(HelpScreen(keys))
