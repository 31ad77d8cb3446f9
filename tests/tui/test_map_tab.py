"""The map tab (issue 19, item 2): the vicious/virtuous map of the scenario being edited, following the edits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual import events
from textual.geometry import Region
from textual.widgets import Input, Select, TabbedContent

from saas_sim.analysis.fields import find_field, point_value
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store
from tests.tui.pilot import settle
from tui.app import create_app
from tui.widgets.editor import field_id
from tui.widgets.map import MAP_PATHS, MAP_STEPS, MapPanel, MapView, axis_range, default_axes, mappable_fields
from tui.widgets.results import ResultsPanel

SIZE = (120, 40)
CHURN = "segments.Freelancers.churn.monthly"
CAC = "segments.Freelancers.cac"
CHARACTERS = {"backspace": "\x7f", "end": None, "home": None}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "map.db")


def panel_of(app) -> MapPanel:
    return app.screen.query_one(MapPanel)


def drawn(widget) -> str:
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, *widget.outer_size)))


def burst(app, *keys: str) -> None:
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key)))


async def test_the_map_tab_maps_churn_and_cac_of_the_current_scenario_around_its_point(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = panel_of(app)
        assert panel.result is None  # nothing computed while the tab is hidden
        await pilot.press("f3")
        assert app.screen.query_one("#results-tabs", TabbedContent).active == "tab-map"
        await settle(pilot)
        result = panel.result
        assert result is not None
        scenario = app.screen.scenario
        churn = point_value(find_field(scenario, CHURN).value, find_field(scenario, CHURN).rule)
        assert (result.x.field, result.y.field, result.metric) == (CHURN, CAC, "out_of_cash")
        assert len(result.x.values) == len(result.y.values) == MAP_STEPS and result.paths == MAP_PATHS
        assert result.x.base == pytest.approx(churn) and result.y.base == 1200
        assert result.x.values[0] == pytest.approx(churn / 4) and result.x.values[-1] == pytest.approx(churn * 3)
        assert (result.y.values[0], result.y.values[-1]) == (300, 3600)
        picture = drawn(app.screen.query_one(MapView))
        assert "◆" in picture and "Freelancers.cac" in picture


async def test_an_edit_maps_again_and_the_point_moves(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        first = panel_of(app).result
        assert first is not None and first.y.base == 1200
        app.screen.query_one(f"#{field_id('segments[0].cac')}", Input).value = "2k"
        await settle(pilot)
        second = panel_of(app).result
        assert second is not None and second is not first
        assert second.y.base == 2000 and second.y.values == first.y.values  # the range stays while the point is in it
        # an edit of an input the map does not vary changes the cells, not the axes
        app.screen.query_one(f"#{field_id('company.starting_cash')}", Input).value = "5M"
        await settle(pilot)
        third = panel_of(app).result
        assert third is not None and third.values != second.values
        assert (third.x, third.y) == (second.x, second.y)
        assert sum(v for row in third.values for v in row if v) < sum(v for row in second.values for v in row if v)


async def test_a_point_outside_the_range_centres_the_axis_on_it_again(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        app.screen.query_one(f"#{field_id('segments[0].cac')}", Input).value = "10k"
        await settle(pilot)
        result = panel_of(app).result
        assert result is not None and (result.y.values[0], result.y.values[-1]) == (2500, 30000)


async def test_an_edit_while_the_tab_is_hidden_is_mapped_when_it_is_shown(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        first = panel_of(app).result
        app.screen.query_one("#results-tabs", TabbedContent).active = "tab-arr"
        await pilot.pause()
        app.screen.query_one(f"#{field_id('segments[0].cac')}", Input).value = "1.5k"
        await settle(pilot)
        assert panel_of(app).result is first  # hidden: not mapped
        await pilot.press("f3")
        await settle(pilot)
        result = panel_of(app).result
        assert result is not None and result is not first and result.y.base == 1500


async def test_the_fields_and_the_metric_are_selectable(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        fields = [found.path for found in mappable_fields(screen.scenario)]
        x_select = screen.query_one("#map-x", Select)
        assert [value for _, value in x_select._options if value is not Select.NULL] == fields
        assert "segments.Freelancers.spend_share" not in fields  # what the analyses never vary is not offered
        x_select.value = "acquisition.spend_monthly"
        await settle(pilot)
        result = panel_of(app).result
        assert result is not None and (result.x.field, result.y.field) == ("acquisition.spend_monthly", CAC)
        assert (result.x.values[0], result.x.values[-1]) == (5000, 60000)
        screen.query_one("#map-metric", Select).value = "arr_end"
        await settle(pilot)
        result = panel_of(app).result
        assert result is not None and result.metric == "arr_end" and result.statistic == "p50"
        screen.query_one("#map-y", Select).value = "acquisition.spend_monthly"  # the same input both ways: swapped
        await settle(pilot)
        result = panel_of(app).result
        assert result is not None and (result.x.field, result.y.field) == (CAC, "acquisition.spend_monthly")
        # the choice stays through an edit
        screen.query_one(f"#{field_id('company.starting_cash')}", Input).value = "2M"
        await settle(pilot)
        result = panel_of(app).result
        assert result is not None and (result.x.field, result.y.field, result.metric) == (
            CAC,
            "acquisition.spend_monthly",
            "arr_end",
        )


async def test_keys_typed_while_mapping_are_all_kept_and_the_last_value_is_mapped(store):
    """Bursts into the CAC field while maps run (on the app's processes): every key lands, the last one wins."""
    app = create_app(store, seed=1)  # the app's default: a pool of processes
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        panel = panel_of(app)
        field = app.screen.query_one(f"#{field_id('segments[0].cac')}", Input)
        field.focus()
        await pilot.pause()
        seen_running = 0
        for typed in ("900", "1500", "2100", "1750"):
            panel.start()  # a map under way when the keys come
            seen_running += panel.running
            burst(app, "end", *["backspace"] * 6, *typed)
            await asyncio.sleep(0.15)  # the map of the previous value starts meanwhile
            await pilot.pause()
            assert field.value == typed
        assert seen_running
        await settle(pilot)
        assert field.value == "1750" and app.screen.document["segments"][0]["cac"] == 1750
        result = panel.result
        assert result is not None and result.y.base == 1750


async def test_the_pool_is_kept_between_maps_and_stopped_when_the_app_exits(store):
    app = create_app(store, seed=1, map_workers=2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        pool = app.map_pool()
        assert pool is not None
        app.screen.query_one(f"#{field_id('segments[0].cac')}", Input).value = "2k"
        await settle(pilot)
        assert app.map_pool() is pool
        result = panel_of(app).result
        assert result is not None and result.y.base == 2000, result
        processes = list(pool._processes.values())
        assert processes and all(p.is_alive() for p in processes), processes
    assert not any(p.is_alive() for p in processes), processes


async def test_an_invalid_scenario_stops_the_map_and_dims_it(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        shown = panel_of(app).result
        app.screen.query_one(f"#{field_id('segments[0].cac')}", Input).value = "-5"
        await settle(pilot)
        assert panel_of(app).result is shown and not panel_of(app).running
        assert app.screen.query_one(ResultsPanel).has_class("-stale")


async def test_at_80x24_the_map_takes_the_cards_rows_and_shows_every_row(store):
    app = create_app(store, seed=1, map_workers=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert not app.screen.query_one("#results-cards").display
        picture = drawn(app.screen.query_one(MapView))
        assert "◆" in picture and "of 9 rows" not in picture
        for label in ("$3.6k", "$300"):
            assert label in picture


def test_default_axes_take_the_first_segments_churn_however_given_and_its_cost():
    annual = parse_scenario(
        "name: A\nhorizon_months: 12\ncompany: {starting_cash: 1M, fixed_costs_monthly: 10k}\nacquisition: {spend_monthly: 10k}\n"
        "segments:\n  - {name: Big, cac: 9k, arpa_monthly: 900, churn: {annual: 12%}, gross_margin: 80%, spend_share: 50%}\n"
        "  - {name: Small, cac: 1k, arpa_monthly: 90, churn: {monthly: 3%}, gross_margin: 80%, spend_share: 50%}\n"
    )
    assert default_axes(annual) == ("segments.Big.churn.annual", "segments.Big.cac")


def test_an_axis_runs_from_a_quarter_to_three_times_within_the_fields_range():
    scenario = parse_scenario(
        "name: A\nhorizon_months: 12\ncompany: {starting_cash: 1M, fixed_costs_monthly: 10k}\nacquisition: {spend_monthly: 0}\n"
        "segments:\n  - {name: S, cac: 1k, arpa_monthly: 90, churn: {monthly: 40%}, starting_customers: 7, gross_margin: 80%}\n"
    )
    fields = {found.path: found for found in mappable_fields(scenario)}
    low, high = axis_range(fields["segments.S.churn.monthly"])
    assert (low, high) == (pytest.approx(0.1), 1)  # churn no more than 100 %
    assert axis_range(fields["segments.S.starting_customers"]) == (1, 21)  # whole customers
    assert axis_range(fields["acquisition.spend_monthly"]) == (0, 1)  # from 0: a range at all


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_map_tab_snapshot(snap_compare, store, size):
    """The map tab of the starter, as docs/tui-map.svg shows it (120x40) and on a small terminal."""
    from saas_sim.io.examples import examples

    starter = examples()[0]
    store.save_revision(starter.text, parse_scenario(starter.text, starter.file_name))
    app = create_app(store, starter.name, seed=1, live_paths=500, map_workers=1)

    async def open_map(pilot) -> None:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=size, run_before=open_map)


async def test_a_pool_whose_process_was_killed_is_replaced_and_the_map_drawn(store):
    app = create_app(store, seed=1, map_workers=2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        pool = app.map_pool()
        assert pool is not None
        next(iter(pool._processes.values())).kill()  # as the kernel's OOM killer would
        app.screen.query_one(f"#{field_id('segments[0].cac')}", Input).value = "2k"
        await settle(pilot)
        result = panel_of(app).result  # the map started on the broken pool is started again on a new one
        assert app.map_pool() is not pool
        assert result is not None and result.y.base == 2000


async def test_a_process_killed_while_mapping_is_replaced_and_the_map_drawn(store):
    app = create_app(store, seed=1, map_workers=2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        pool, panel = app.map_pool(), panel_of(app)
        assert pool is not None
        panel.show_scenario(app.screen.scenario)  # a map under way
        assert panel.running
        next(iter(pool._processes.values())).kill()
        await settle(pilot)
        assert app.map_pool() is not pool
        assert not panel.query_one("#map-status").has_class("-failed") and panel._retried == panel._generation
        assert panel.result is not None and panel.result.y.base == 1200
