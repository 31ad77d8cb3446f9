"""The main screen: the editor on the left, the live results on the right.

After each valid edit the scenario is simulated again in a worker thread
(exclusive: a newer edit cancels the older run) that drains the engine's
progress generator; the widgets are updated only from the event loop.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from saas_sim.errors import InputError, Problem
from saas_sim.model.catalog.fields import help_for
from saas_sim.model.result import Result
from saas_sim.model.scenario import Scenario
from saas_sim.store import RevisionInfo, Store
from tui.commands import bindings
from tui.messages import OpenScenario
from tui.report import REPORT
from tui.widgets.editor import ScenarioEditor, rule_of
from tui.widgets.map import MapPanel
from tui.widgets.results import ResultsPanel
from tui.work import Job, ScreenWork, at_most_every

if TYPE_CHECKING:
    import numpy as np

    from saas_sim.analysis.report import ReportRun
    from saas_sim.analysis.sensitivity import Sensitivity
    from tui.screens.goal import GoalAnswer

LIVE_PATHS = 2_000  # the most paths a live preview simulates; enough for steady p10..p90
# Keys typed closer together than this run only the last value.  Short, so that the new fan follows the
# last key quickly (issue 15: within 0.35 s): a run started between two keys is cancelled by the second.
DEBOUNCE_S = 0.1
PROGRESS_EVERY_S = 0.2  # the progress bar of a preview moves at most this often
PROGRESS_AFTER_S = 0.3  # and shows only once a preview has run this long (its coming and going lay out the screen)
PREVIEW_NICENESS = 10  # a preview's threads yield the processor to the one handling keys
SIMULATE = ScreenWork("simulate", unexpected=lambda error: f"simulation failed: {error!r}")


def yield_the_cpu() -> None:
    """Lower the calling thread's priority (and that of the threads it starts): the UI keeps the processor.

    Linux gives each thread its own nice value and new threads inherit it,
    so the simulation's block threads started from here run behind the
    event loop's thread.  Elsewhere (or when refused) it does nothing.
    """
    import contextlib
    import os
    import threading

    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PREVIEW_NICENESS)


def scenario_document(text: str, source: str) -> tuple[Scenario, dict]:
    from saas_sim.io.scenario import parse_scenario, scenario_to_dict

    scenario = parse_scenario(text, source)
    return scenario, scenario_to_dict(scenario)


def document_text(document: dict) -> str:
    import yaml

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def checked_document(document: dict, source: str, edited: str = "") -> tuple[Scenario | None, dict, list[Problem]]:
    """The editor's document checked: ``(scenario, normalized document, [])`` or ``(None, document, problems)``.

    (:func:`checked_text` also gives the YAML text it checked.)

    Never raises for what a field holds: a value the reader did not foresee
    (a number too long to convert, one too deep to write) is a problem of
    the field just ``edited``, so that a paste can never end the app.
    """
    return checked_text(document, source, edited)[:3]


def checked_text(
    document: dict, source: str, edited: str = ""
) -> tuple[Scenario | None, dict, list[Problem], str | None]:
    """:func:`checked_document` and the document's YAML text (None when it cannot be written)."""
    text = None
    try:
        text = document_text(document)
        scenario, normalized = scenario_document(text, source)
    except InputError as error:
        return (
            None,
            document,
            [p if isinstance(p, Problem) else Problem(source, None, "", str(p)) for p in error.problems],
            text,
        )
    except (ValueError, TypeError, ArithmeticError, RecursionError, MemoryError) as error:
        reason = " ".join(str(error).split())[:120] or type(error).__name__
        return None, document, [Problem(source, None, edited, f"cannot be read as a value ({reason})")], text
    return scenario, normalized, [], text


class MainScreen(Screen):
    """Edit a scenario, watch its future."""

    BINDINGS = bindings()
    # The header reads these.  A change must not repaint the whole screen (a reactive's default): the
    # first key of an edit changes the sub-title ("unsaved changes"), and would wait for that repaint.
    title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)
    sub_title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)

    def __init__(self, store: Store, opening: OpenScenario, *, live_paths: int = LIVE_PATHS, seed: int | None = None):
        super().__init__()
        self.store = store
        self.live_paths = live_paths
        self.session_seed = seed if seed is not None else random.randrange(2**32)
        self._timer: Timer | None = None
        self._generation = 0
        self.result: Result | None = None
        self._ends: dict[str, np.ndarray] | None = None  # the on-screen run's per-path ends (its report's histograms)
        self._load(opening)

    def _load(self, opening: OpenScenario) -> None:
        """Take a scenario text as the one being edited."""
        source = f"{opening.revision.name}@{opening.revision.number}" if opening.revision else "new scenario"
        if opening.action == "new":
            opening = self._unique_name(opening)
        self.problems: list[Problem] = []
        if opening.action == "import":
            from saas_sim.io.values import typed_value
            from tui.widgets.editor import editable_document

            document = editable_document(typed_value(opening.text))
            assert document is not None, "opening_for opens only a file the editor can show"
            self.scenario, self.document, self.problems = checked_document(document, "new scenario")
        else:
            self.scenario, self.document = scenario_document(opening.text, source)
        self.text = opening.text
        self.revision: RevisionInfo | None = opening.revision
        self.saved_document = self.document if opening.action == "open" else None

    def _unique_name(self, opening: OpenScenario) -> OpenScenario:
        """A new scenario never saves into a stored one: "Starter" becomes "Starter (2)" when taken."""
        from saas_sim.io.scenario import parse_scenario, renamed_scenario_text

        name = parse_scenario(opening.text, "new scenario").name
        taken = {info.name for info in self.store.scenarios(include_archived=True)}
        if name not in taken:
            return opening
        number = 2
        while f"{name} ({number})" in taken:
            number += 1
        text, _ = renamed_scenario_text(opening.text, f"{name} ({number})")
        return OpenScenario("new", text)

    # layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="editor-pane"):
                yield ScenarioEditor(self.document, id="editor")
                yield Static("", id="field-help")
            with Vertical(id="results-pane"):
                yield ResultsPanel(id="results")
        yield Footer(compact=True)  # every key and its label fit 120 columns, Quit included

    def on_mount(self) -> None:
        self._refresh_titles()
        if self.problems:  # a file opened to be fixed: its problems at the fields
            self.call_after_refresh(self._show_opening_problems)
        self.simulate_now()

    def _show_opening_problems(self) -> None:
        self.query_one(ScenarioEditor).show_problems(self.problems)
        count = len(self.problems)
        self.query_one(ResultsPanel).show_invalid(
            f"{count} problem{'s' if count > 1 else ''} in the file: fix {'them' if count > 1 else 'it'} here to see "
            "results; ctrl+s then saves it"
        )

    @property
    def dirty(self) -> bool:
        """Unsaved: never stored, invalid, or different from the stored revision."""
        return self.scenario is None or self.saved_document != self.document

    def _refresh_titles(self) -> None:
        name = self.document.get("name") or "untitled"
        where = f"revision {self.revision.number}" if self.revision else "not saved yet"
        self.title = f"saas-sim · {name}"
        self.sub_title = f"{where}{' · ● unsaved changes' if self.dirty and self.revision else ''}"
        self.app.title, self.app.sub_title = self.title, self.sub_title

    @property
    def live_seed(self) -> int:
        seed = self.scenario.simulation.seed if self.scenario else None
        return seed if seed is not None else self.session_seed

    # editing

    @on(ScenarioEditor.Edited)
    def _edited(self, event: ScenarioEditor.Edited) -> None:
        source = self.revision.name if self.revision else "new scenario"
        self.scenario, self.document, self.problems, text = checked_text(event.document, source, event.path)
        if self.scenario is not None and text is not None:
            self.text = text  # the text of the editor's document, as checked
        editor = self.query_one(ScenarioEditor)
        editor.show_problems(self.problems)
        self._refresh_titles()
        if self._timer is not None:
            self._timer.stop()
        # A run of an earlier state is of no use any more: it stops now, leaving the processor to the keys
        # (the next run starts once typing pauses), and its result is never drawn.
        self._generation += 1
        self.workers.cancel_group(self, SIMULATE.group)
        self.query_one(MapPanel).edited()  # the map of the earlier state stops too
        # Dimming the results (and undimming them) restyles the whole panel: a value invalid only
        # between two keys (a field emptied to be retyped) is not worth it, so the results say so
        # once typing pauses, as a run would start.
        self._timer = self.set_timer(DEBOUNCE_S, self.simulate_now if self.scenario is not None else self._show_invalid)

    def _show_invalid(self) -> None:
        count = len(self.problems)
        self.query_one(ResultsPanel).show_invalid(
            f"{count} problem{'s' if count > 1 else ''} in the scenario: fix {'them' if count > 1 else 'it'}"
            " to see results"
        )

    @on(ScenarioEditor.Focused)
    def _focused(self, event: ScenarioEditor.Focused) -> None:
        found = help_for(event.path)
        rule = rule_of(event.path)
        allowed = f" Allowed: {rule.allowed().removeprefix('must be ')}." if rule else ""
        # Not markup: help such as "e.g. [Enterprise]" is shown as written.
        text = Content.assemble((event.path, "bold"), f" ({found[0]}): {found[1]}{allowed}") if found else event.path
        self.query_one("#field-help", Static).update(text)

    # simulation

    def simulate_now(self) -> None:
        if self.scenario is None:
            return
        from saas_sim.engine.simulate import with_overrides

        paths = min(self.scenario.simulation.paths, self.live_paths)
        self._generation += 1
        self.simulate(with_overrides(self.scenario, paths=paths, seed=self.live_seed), self._generation)
        self.query_one(MapPanel).show_scenario(with_overrides(self.scenario, seed=self.live_seed))

    @SIMULATE
    def simulate(self, scenario: Scenario, generation: int) -> None:
        from saas_sim.analysis.run import ScenarioRun

        job = Job(self.app)
        yield_the_cpu()
        run = ScenarioRun(scenario)
        # a bar drawn for each block would cost the keys their turn
        due = at_most_every(PROGRESS_EVERY_S, after_s=PROGRESS_AFTER_S)
        finished = job.drain(
            run.progress(),  # closed when the run is abandoned: the blocks not started are cancelled
            lambda step: self._progress(*step, generation),
            when=lambda step: step[0] < step[1] and due(step),
        )
        if finished and run.result is not None:
            from saas_sim.analysis.report import ends_of

            job.post(self._show, run.result, generation, ends_of(run))

    def _progress(self, done: int, total: int, generation: int) -> None:
        if generation == self._generation:
            self.query_one(ResultsPanel).show_progress(done, total)

    def _show(self, result: Result, generation: int, ends: dict[str, np.ndarray] | None = None) -> None:
        if generation != self._generation:
            return  # an older run that finished before its cancellation was seen
        self.result, self._ends = result, ends
        from saas_sim.engine.aggregate import tails_unstable

        total = self.scenario.simulation.paths if self.scenario else result.paths
        note = f"preview of {total:,}" if result.paths < total else ""
        if tails_unstable(result.paths):
            note = "too few paths for steady p5/p95"
        self.query_one(ResultsPanel).show_result(result, note)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = SIMULATE.failed(event)
        if message is not None:
            self.query_one(ResultsPanel).show_invalid(message)
            self.notify(message, severity="error", timeout=8)
        message = REPORT.failed(event)
        if message is not None:
            self.notify(f"No report written: {message}", severity="error", timeout=10)

    # the report (SPEC 7) of what is on screen

    def action_report(self, tornado: tuple[Scenario, Sensitivity] | None = None) -> None:
        """Write the report of the result on screen; with ``tornado`` (from the tornado screen's F2) when that
        tornado swung this very scenario's inputs."""
        if self.result is None:
            self.notify("No result on screen yet: the report is written once the run has finished.", severity="warning")
            return
        from saas_sim.analysis.report import ReportRun, histograms_of
        from saas_sim.io.scenario import scenario_to_dict
        from tui.report import report_target

        sensitivity = None
        if tornado is not None:
            inputs = {k: v for k, v in self.result.scenario.items() if k != "simulation"}
            swung = {k: v for k, v in scenario_to_dict(tornado[0]).items() if k != "simulation"}
            if swung == inputs:
                sensitivity = tornado[1]
            else:
                self.notify("The tornado is of other inputs than the result on screen: the report leaves it out.")
        name = str(self.result.scenario.get("name") or "scenario")
        histograms = histograms_of(self._ends) if self._ends else None
        run = ReportRun(
            self.result,
            name,
            name,
            histograms,
            note=None if histograms else "no histograms: no paths kept",
            sensitivity=sensitivity,
        )
        if self.scenario is None:  # the inputs on screen are invalid: the results shown are the last valid run's
            self.notify(f"Writing the report of the last valid run to {report_target(name)}…", timeout=6)
        else:
            self.notify(f"Writing the report of what is on screen to {report_target(name)}…", timeout=4)
        self.write_report(run)

    @REPORT
    def write_report(self, run: ReportRun) -> None:
        from tui.report import write_report

        self.app.call_from_thread(self.notify, write_report([run]), timeout=12)

    # actions

    def action_save(self) -> None:
        self.save()

    def save(self, then: Callable[[], object] | None = None) -> None:
        """Save the scenario as a revision, with its latest run when that run is of this very scenario; then ``then``.

        A store another program holds is waited for on screen (the user may
        give up: nothing is saved and ``then`` is not run), never on the
        event loop.
        """
        if self.scenario is None:
            self.notify(
                "Fix the problems marked in the editor first: an invalid scenario is never saved.", severity="error"
            )
            return
        result = self.result if self.result and self.result.scenario == self._run_document() else None
        if not self.dirty:
            assert self.revision is not None
            if result is None or self.revision.runs:  # one run is kept, so listings show its figures
                self.notify("No changes to save.")
                if then is not None:
                    then()
                return
        write = partial(self._write, self.text, self.scenario, self.document, result)
        from tui.store_wait import lock_free

        if lock_free(self.store.path):
            if self._saved(write) and then is not None:
                then()
            return
        self.run_worker(self._save_when_free(write, then), group="store", exclusive=True)

    async def _save_when_free(self, write: Callable[[], None], then: Callable[[], object] | None) -> None:
        from tui.store_wait import wait_for_store

        name = self.document.get("name") or "untitled"
        if not await wait_for_store(self.app, self.store.path, f"save '{name}'"):
            self.notify("Not saved: the store is still busy. ctrl+s tries again.", severity="warning")
            return
        if self._saved(write) and then is not None:
            then()

    def _saved(self, write: Callable[[], None]) -> bool:
        from saas_sim.errors import SaasSimError

        try:
            write()
        except SaasSimError as error:
            self.notify(f"Not saved: {' '.join(str(error).split())}", severity="error", timeout=10)
            return False
        return True

    def _write(self, text: str, scenario: Scenario, document: dict, result: Result | None) -> None:
        """The store's part of :meth:`save`, for the scenario as it stood when saving began."""
        if self.revision is not None and self.saved_document == document:
            assert result is not None
            run = self.store.save_run_of(self.revision.id, result)
            self.revision = self.store.find_revision(f"{run.name}@{run.revision}")
            self.notify(f"No changes; saved run {run.id} of revision {run.revision}.")
            return
        if result is not None:
            saved, _ = self.store.save_run(text, scenario, result)
        else:
            saved = self.store.save_revision(text, scenario)
        self.revision, self.saved_document = saved.revision, document
        self._refresh_titles()
        self.notify(
            f"Saved '{saved.revision.name}' as revision {saved.revision.number}"
            if saved.created
            else f"'{saved.revision.name}' is unchanged: revision {saved.revision.number}"
        )

    def _run_document(self) -> dict:
        """The normalized scenario a live run of the current scenario embeds."""
        from saas_sim.engine.simulate import with_overrides
        from saas_sim.io.scenario import scenario_to_dict

        assert self.scenario is not None
        paths = min(self.scenario.simulation.paths, self.live_paths)
        return scenario_to_dict(with_overrides(self.scenario, paths=paths, seed=self.live_seed))

    def action_show_map(self) -> None:
        """F3: the results' map tab."""
        from textual.widgets import TabbedContent

        self.query_one("#results-tabs", TabbedContent).active = "tab-map"

    def action_rerun(self) -> None:
        self.session_seed = random.randrange(2**32)
        if self.scenario is not None and self.scenario.simulation.seed is not None:
            self.notify("This scenario fixes its seed (simulation.seed); clear it to draw new futures.")
        self.simulate_now()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        keys = [
            (self.app.get_key_display(active.binding), active.binding.tooltip or active.binding.description)
            for active in self.app.active_bindings.values()
            if active.binding.show
        ]
        self.app.push_screen(HelpScreen(keys))

    def action_open_browser(self) -> None:
        from tui.screens.browser import BrowserScreen

        self._after_unsaved(
            "open another scenario", lambda: self.app.push_screen(BrowserScreen(self.store), self._open_chosen)
        )

    def action_history(self) -> None:
        if self.revision is None:
            self.notify("This scenario is not saved yet: ctrl+s saves its first revision.")
            return
        from tui.screens.history import HistoryScreen

        name = self.revision.name
        self._after_unsaved(
            "look at its history", lambda: self.app.push_screen(HistoryScreen(self.store, name), self._open_chosen)
        )

    def action_compare(self) -> None:
        if self.scenario is None:
            self.notify("Fix the scenario's problems before comparing it.", severity="error")
            return
        from tui.screens.compare import CompareScreen

        label = self.document.get("name") or "this scenario"
        if self.revision is not None:
            label = f"{label}@{self.revision.number}" + (" (edited)" if self.dirty else "")
        paths = min(self.scenario.simulation.paths, self.live_paths)
        self.app.push_screen(CompareScreen(self.store, self.text, label, self.live_seed, paths))

    def _renamed_meanwhile(self) -> OpenScenario | None:
        """The open scenario's newest revision when the browser renamed it (or restored an older one)."""
        if self.revision is None or self.dirty:
            return None
        latest = self.store.latest_revision_of(self.revision.scenario_id)
        if latest.id == self.revision.id:
            return None
        return OpenScenario("open", latest.yaml_text, latest)

    def action_sensitivity(self) -> None:
        if self.scenario is None:
            self.notify("Fix the scenario's problems before the tornado.", severity="error")
            return
        from saas_sim.engine.simulate import with_overrides
        from tui.screens.sensitivity import SensitivityScreen

        paths = min(self.scenario.simulation.paths, self.live_paths)
        scenario = with_overrides(self.scenario, paths=paths, seed=self.live_seed)
        self.app.push_screen(SensitivityScreen(scenario, self.document.get("name") or "this scenario"))

    def action_goal(self) -> None:
        if self.scenario is None:
            self.notify("Fix the scenario's problems before a goal seek.", severity="error")
            return
        from saas_sim.engine.simulate import with_overrides
        from tui.screens.goal import GoalDialog
        from tui.widgets.editor import named_path

        focused = self.app.focused
        editor = self.query_one(ScenarioEditor)
        path = editor.paths.get(focused.id or "", "") if focused is not None else ""
        field = (
            named_path(path, self.document)
            if path
            else "segments."
            + self.document["segments"][0]["name"]
            + ".churn."
            + next(iter(self.document["segments"][0]["churn"]))
        )
        paths = min(self.scenario.simulation.paths, self.live_paths)
        scenario = with_overrides(self.scenario, paths=paths, seed=self.live_seed)
        self.app.push_screen(GoalDialog(scenario, field), self._apply_goal)

    def _apply_goal(self, answer: GoalAnswer | None) -> None:
        if answer is None:
            return
        from textual.css.query import NoMatches
        from textual.widgets import Input

        from tui.widgets.editor import field_id, indexed_path, written

        try:
            path = indexed_path(answer.field, self.document)
            field = self.query_one(f"#{field_id(path)}", Input)
        except (KeyError, NoMatches):  # a field the editor shows inside another (an event's set value), or none
            self.notify(f"Set {answer.field} to {answer.value:g} in the editor.", timeout=10)
            return
        field.value = written(path, answer.value)
        field.focus()
        self.notify(f"{answer.field} set to {field.value}")

    def action_calibrate(self) -> None:
        from tui.screens.calibrate import CalibrateDialog

        self._after_unsaved(
            "calibrate a new scenario", lambda: self.app.push_screen(CalibrateDialog(), self._open_chosen)
        )

    def action_quit_app(self) -> None:
        self._after_unsaved("quit", self.app.exit)

    def _after_unsaved(self, doing: str, then: Callable[[], object]) -> None:
        """Run ``then`` now, or after asking what to do with unsaved changes."""
        if not self.dirty:
            then()
            return
        from tui.screens.dialogs import UnsavedChanges

        def answered(answer: str | None) -> None:
            if answer == "discard":
                then()
            elif answer == "save":
                self.save(then)

        self.app.push_screen(UnsavedChanges(self.document.get("name") or "untitled", doing), answered)

    async def _open_chosen(self, chosen: OpenScenario | None) -> None:
        if chosen is None:
            chosen = self._renamed_meanwhile()
            if chosen is None:
                return
        self._load(chosen)
        self.result = None
        old = self.query_one(ScenarioEditor)
        await old.remove()
        await self.query_one("#editor-pane").mount(ScenarioEditor(self.document, id="editor"), before=0)
        self._refresh_titles()
        self.simulate_now()
