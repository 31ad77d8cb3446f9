"""The map tab: the vicious/virtuous map (SPEC 8) of the scenario being edited.

One metric over a grid of two inputs, the scenario's own point marked, the diagnosis thresholds as
boundaries (:class:`~saas_sim.render.map.MapHeatmap`).  By default the first segment's churn across and its
CAC up, each from a quarter of the scenario's value to three times it; both fields and the metric are
selectable.  The grid is small and its paths few (9 x 9 at 300 paths) so that it follows the edits.

The main screen hands every valid scenario down (:meth:`MapPanel.show_scenario`) and says when an edit
lands (:meth:`MapPanel.edited`): the map under way is cancelled at once, and the new one starts when the
tab is shown (a hidden tab only remembers that it is behind).  The cells run on the app's process pool
(:meth:`tui.app.SaasSimApp.map_pool`), kept between maps and shut down when the app exits, so that the
process handling keys keeps its processor and its interpreter lock; a map of the pool's that is abandoned
cancels its cells not started.  Without a pool (``map_workers=1``) they run in the worker thread.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import ProgressBar, Select, Static
from textual.worker import Worker

from saas_sim.analysis.fields import SUMMARY_METRICS, InputField, bounds, input_fields, point_value, why_not_varied
from saas_sim.model.scenario import Scenario
from saas_sim.render.format import metric_label
from tui.work import Job, ScreenWork, at_most_every

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from saas_sim.analysis.maps import MapResult

MAP_STEPS = 9  # values along each axis: 81 cells
MAP_PATHS = 300  # paths of every cell: a probability within about 3 points, boundaries smooth (same seed)
LOW_SHARE, HIGH_FACTOR = 0.25, 3.0  # an axis runs from a quarter of the scenario's value to three times it
DEFAULT_METRIC = "out_of_cash"
PROGRESS_EVERY_S = 0.2
MAP = ScreenWork("map", unexpected=lambda error: f"map failed: {error!r}")


def mappable_fields(scenario: Scenario) -> list[InputField]:
    """The scenario's inputs a map may take as an axis: every input the analyses vary, in file order."""
    return [found for found in input_fields(scenario) if why_not_varied(found.path) is None]


def default_axes(scenario: Scenario) -> tuple[str, str]:
    """Churn (across) and CAC (up) of the first segment, whichever way the file gives them; else the first
    two inputs that can be mapped."""
    fields = [found.path for found in mappable_fields(scenario)]
    head = f"segments.{scenario.segments[0].name}." if scenario.segments else "segments."
    churn = [path for path in fields if path.startswith(f"{head}churn.") and not path.endswith(".heterogeneity")]
    preferred = sorted(churn, key=lambda path: (not path.endswith(".monthly"), not path.endswith(".annual")))
    x = preferred[0] if preferred else fields[0]
    costs = [f"{head}cac", f"{head}funnel.cost_per_lead", "acquisition.spend_monthly"]
    y = next((path for path in costs if path in fields and path != x), None)
    if y is None:
        y = next(path for path in fields if path != x)
    return x, y


def axis_range(found: InputField) -> tuple[float, float]:
    """From a quarter of the field's value to three times it, inside what the field allows; from 0 to the
    field's greatest value (or 1) when its value is 0."""
    base = point_value(found.value, found.rule)
    least, most = bounds(found.rule)
    if base == 0:
        low, high = 0.0, most if math.isfinite(most) and most <= 1 else 1.0
    else:
        low, high = sorted((base * LOW_SHARE, base * HIGH_FACTOR))
    low, high = max(low, least), min(high, most)
    if found.whole:
        low, high = math.floor(low), math.ceil(high)
    return float(low), float(high)


def short_field(path: str, segments: int) -> str:
    """A field as a narrow select shows it: ``churn.monthly`` of the only segment, ``SMB churn.monthly`` of
    one of several."""
    if path.startswith("segments."):
        _, segment, rest = path.split(".", 2)
        return rest if segments == 1 else f"{segment} {rest}"
    return path


class MapPanel(Widget):
    """The map of the current scenario: three selects (across, up, metric), progress, the heatmap."""

    DEFAULT_CSS = """
    MapPanel {
        height: 1fr;
        layout: vertical;
        #map-controls { height: 1; }
        #map-controls Select { width: 1fr; margin-right: 1; }
        #map-controls SelectCurrent Static#label { text-wrap: nowrap; text-overflow: ellipsis; }
        #map-metric { max-width: 24; }
        /* shown while a map runs, or when it failed; toggled by display, not by a class of the panel, whose
           change would restyle every node under it (its selects' lists): 30 ms of the keys' time */
        #map-state { height: auto; display: none; }
        #map-status { width: auto; margin-right: 1; color: $foreground-muted; }
        #map-status.-failed { width: 1fr; color: $text-error; }
        #map-progress { width: auto; }
        #map-heatmap { height: 1fr; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.scenario: Scenario | None = None
        self.result: MapResult | None = None
        self.x: str | None = None  # the fields chosen; None: the default of the scenario
        self.y: str | None = None
        self.metric = DEFAULT_METRIC
        self._ranges: dict[str, tuple[float, float]] = {}  # each field's range, kept while its value is inside
        self._fields: list[str] = []  # the fields the selects offer
        self._retried = -1  # the generation whose map was started again after its pool broke
        self._generation = 0
        self._behind = True  # the map shown is not of the current scenario and choices

    # -- public API ---------------------------------------------------------------------------

    def show_scenario(self, scenario: Scenario) -> None:
        """A valid scenario to map: mapped now if the tab is shown, else once it is."""
        self.scenario = scenario
        self._behind = True
        self._update_options()
        if self.shown:
            self.start()

    def edited(self) -> None:
        """An edit landed: the map under way is of no use any more (its cells not started are cancelled)."""
        self._generation += 1
        self._behind = True
        self.workers.cancel_group(self, MAP.group)
        self._state(None)

    def tab_shown(self) -> None:
        """The tab was opened: map the scenario if the map on screen is behind it."""
        if self._behind:
            self.start()

    @property
    def shown(self) -> bool:
        """Whether the panel's tab is the one shown (a panel outside tabs always is)."""
        from textual.widgets import TabbedContent, TabPane

        pane = next((node for node in self.ancestors if isinstance(node, TabPane)), None)
        tabs = next((node for node in self.ancestors if isinstance(node, TabbedContent)), None)
        return pane is None or tabs is None or tabs.active == pane.id

    @property
    def running(self) -> bool:
        return any(not w.is_finished for w in self.workers if w.group == MAP.group and w.node is self)

    # -- composition --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="map-controls"):
            yield Select([], prompt="across", compact=True, id="map-x", tooltip="The input across (x)")
            yield Select([], prompt="up", compact=True, id="map-y", tooltip="The input up (y)")
            yield Select(
                [(metric_label(m), m) for m in SUMMARY_METRICS],
                value=self.metric,
                allow_blank=False,
                compact=True,
                id="map-metric",
                tooltip="The metric of every cell: its p50, or the share of paths for out of cash",
            )
        with Horizontal(id="map-state"):
            yield Static("", id="map-status", markup=False)
            yield ProgressBar(show_eta=False, id="map-progress")
        yield MapView(id="map-heatmap")

    def _update_options(self) -> None:
        assert self.scenario is not None
        fields = [found.path for found in mappable_fields(self.scenario)]
        x, y = default_axes(self.scenario)
        if self.x in fields and self.y in fields and self.x != self.y:
            x, y = self.x, self.y
        self.x, self.y = x, y
        options = [(Text(short_field(path, len(self.scenario.segments))), path) for path in fields]
        new_fields, self._fields = fields != self._fields, fields
        for select_id, value in (("#map-x", x), ("#map-y", y)):
            select = self.query_one(select_id, Select)
            with select.prevent(Select.Changed):
                if new_fields:
                    select.set_options(options)
                select.value = value

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if event.value == Select.BLANK or self.scenario is None:
            return
        value = str(event.value)
        if event.select.id == "map-metric":
            changed = value != self.metric
            self.metric = value
        elif event.select.id in ("map-x", "map-y"):
            across = event.select.id == "map-x"
            other = self.y if across else self.x
            if value == other:  # the same input both ways: the two swap
                self.x, self.y = self.y, self.x
            elif across:
                self.x = value
            else:
                self.y = value
            changed = True
            self._update_options()
        else:
            return
        if changed:
            self._behind = True
            self.start()

    # -- the map ------------------------------------------------------------------------------

    def _axis(self, path: str) -> tuple[str, float, float]:
        """The field and its range: kept from the last map while the scenario's value stays inside it."""
        assert self.scenario is not None
        found = next(f for f in mappable_fields(self.scenario) if f.path == path)
        base = point_value(found.value, found.rule)
        kept = self._ranges.get(path)
        if kept is None or not kept[0] <= base <= kept[1]:
            kept = self._ranges[path] = axis_range(found)
        return path, *kept

    def start(self) -> None:
        """Map the current scenario now (a map under way is cancelled)."""
        if self.scenario is None:
            return
        self.edited()
        assert self.x is not None and self.y is not None
        try:
            x, y = self._axis(self.x), self._axis(self.y)
        except StopIteration:
            self._update_options()
            return
        self._behind = False
        self.query_one("#map-progress", ProgressBar).update(total=MAP_STEPS * MAP_STEPS, progress=0)
        self._state("Mapping…" if self.result is None else "Updating the map…")
        from tui.app import SaasSimApp

        pool = self.app.map_pool() if isinstance(self.app, SaasSimApp) else None
        self.compute(self.scenario, x, y, self.metric, pool, self._generation)

    @MAP
    def compute(
        self,
        scenario: Scenario,
        x: tuple[str, float, float],
        y: tuple[str, float, float],
        metric: str,
        pool: ProcessPoolExecutor | None,
        generation: int,
    ) -> None:
        from concurrent.futures.process import BrokenProcessPool

        from saas_sim.analysis.maps import MapAnalysis
        from tui.screens.main import yield_the_cpu

        job = Job(self.app)
        if pool is None:
            yield_the_cpu()  # the cells run in this thread: behind the keys
        analysis = MapAnalysis(
            scenario, x=x, y=y, steps=MAP_STEPS, metric=metric, paths=MAP_PATHS, workers=1, pool=pool
        )
        due = at_most_every(PROGRESS_EVERY_S)
        try:
            finished = job.drain(
                analysis.progress(),
                lambda step: self._progress(*step, generation),
                when=lambda step: step[0] < step[1] and due(step),
            )
        except BrokenProcessPool:
            if self._retried == generation:
                raise
            self._retried = generation  # a process of the pool died: once more, on a new pool
            job.post(self._again, generation)
            return
        if finished and analysis.result is not None:
            job.post(self._show, analysis.result, generation)

    def _again(self, generation: int) -> None:
        if generation == self._generation:
            self.start()
            self._retried = self._generation

    def _progress(self, done: int, total: int, generation: int) -> None:
        if generation == self._generation:
            self.query_one("#map-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _show(self, result: MapResult, generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return  # a map of an earlier state, finished before its cancellation was seen
        self.result = result
        self._state(None)
        self.query_one(MapView).show(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = MAP.failed(event)
        if message is not None and event.worker.node is self:
            self._state(f"No map: {message}", failed=True)

    def _state(self, message: str | None, *, failed: bool = False) -> None:
        """The line over the map: ``message`` and the progress of the map under way (or why it failed); none
        (``None``) when the map shown is the last word."""
        state = self.query_one("#map-state")
        if message is None:
            if state.display:
                state.display = False
            return
        status = self.query_one("#map-status", Static)
        status.update(message)
        status.set_class(failed, "-failed")
        self.query_one("#map-progress").display = not failed
        state.display = True


class MapView(Widget):
    """The heatmap of a map, in the rows the widget has (more grid rows than fit are sampled, and it says so)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: MapResult | None = None

    def show(self, result: MapResult) -> None:
        self.result = result
        self.refresh()

    def render(self) -> RenderableType:
        if self.result is None:
            return Text("")
        from saas_sim.render.map import MapHeatmap

        return MapHeatmap(self.result, max_rows=max(self.content_size.height, 8))
