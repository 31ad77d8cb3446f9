"""The workshop screen on a projector (100x30): step through, change a number, see the figures move."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui.screens.workshop import FigureCard, KnobField, StepChart, StepMapsView, WorkshopScreen
from tui.workshop_app import create_workshop_app

SIZE = (100, 30)
PATHS = 300


async def settled(pilot) -> WorkshopScreen:
    """The screen once no value waits to run, no run is under way and its figures are shown."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WorkshopScreen)
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.02)
        if screen.idle:
            break
    await pilot.pause()
    return screen


def title(screen: WorkshopScreen) -> str:
    return str(screen.query_one("#ws-title", Static).render())


def figure(screen: WorkshopScreen, index: int) -> str:
    return screen.query_one(f"#figure-{index}", FigureCard).big


async def test_it_opens_on_step_1_and_n_walks_through_all_seven():
    app = create_workshop_app(paths=PATHS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert "Step 1 of 7" in title(screen) and "The leaky bucket" in title(screen)
        assert screen.focused is None  # the keys step through the lesson
        assert figure(screen, 1) == "46.0%"
        seen = []
        for number in range(2, 8):
            await pilot.press("n")
            screen = await settled(pilot)
            assert f"Step {number} of 7" in title(screen)
            assert screen.state.result is not None and screen.query_one(StepChart).chart is not None
            assert all(figure(screen, i) != "…" for i in range(len(screen.step.headline)))
            seen.append(screen.step.title)
        assert seen == [
            "CAC and payback",
            "LTV/CAC above 3",
            "The vicious cycle",
            "The virtuous cycle",
            "The map: where each plan stands",
            "NRR above 100 %",
        ]
        await pilot.press("n")  # the last step stays
        assert screen.index == 6
        await pilot.press("left", "p")
        screen = await settled(pilot)
        assert "Step 5 of 7" in title(screen)


async def test_changing_a_knob_moves_the_figures_and_r_resets_them():
    app = create_workshop_app(paths=PATHS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        churn = screen.query_one("#knob-0", Input)
        assert churn.value == "5%"
        churn.focus()
        churn.value = "10%"
        screen = await settled(pilot)
        assert figure(screen, 0) == "10.0%" and figure(screen, 1) == "71.8%"
        assert "71.8%" in str(screen.query_one("#ws-text", Static).render())
        await pilot.press("escape")  # leaves the field, does not quit
        assert app.is_running and screen.focused is None
        await pilot.press("r")
        screen = await settled(pilot)
        assert churn.value == "5%" and figure(screen, 1) == "46.0%"


async def test_an_invalid_value_is_marked_at_its_field_and_nothing_runs():
    app = create_workshop_app(paths=PATHS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        result = screen.state.result
        screen.query_one("#knob-0", Input).value = "150%"
        screen = await settled(pilot)
        knob = screen.query_one("#knob-field-0", KnobField)
        assert knob.has_class("-invalid")
        assert "between 0 and 1, got '150%'" in str(knob.query_one(".knob-problem", Static).render())
        assert screen.has_class("-stale") and screen.state.result is result
        screen.query_one("#knob-0", Input).value = "3%"
        screen = await settled(pilot)
        assert not knob.has_class("-invalid") and figure(screen, 0) == "3.0%"


async def test_a_step_keeps_its_numbers_while_the_lesson_moves_on():
    app = create_workshop_app(paths=PATHS, start_step=7)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert "Step 7 of 7" in title(screen)
        screen.query_one("#knob-0", Input).value = "0%"  # no expansion: NRR falls under 100 %
        await pilot.pause()
        assert not screen.idle  # the value waits out the debounce
        screen.set_focus(None)
        await pilot.press("p", "n")  # before the value had its run
        screen = await settled(pilot)
        assert screen.step.facts(screen.state.result)["nrr"].value < 1
        assert screen.query_one("#knob-0", Input).value == "0%"
        assert screen.query_one("#figure-0", FigureCard).has_class("-bad")


async def test_escape_quits_when_no_field_is_chosen():
    app = create_workshop_app(paths=PATHS)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.is_running


def drawn(widget) -> str:
    from textual.geometry import Region

    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, *widget.outer_size)))


async def test_step_6_shows_each_plan_on_its_own_map_and_a_knob_redraws_the_vicious_one():
    app = create_workshop_app(paths=PATHS, start_step=6)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert "Step 6 of 7" in title(screen) and screen.has_class("-maps")
        assert not screen.query_one(StepChart).display or not screen.query_one(StepChart).region.height
        vicious, virtuous = screen.state.maps["vicious"], screen.state.maps["virtuous"]
        assert (vicious.scenario_name, vicious.x.base, vicious.y.base) == ("Vicious cycle", 0.07, 3000)
        assert (virtuous.scenario_name, virtuous.x.base, virtuous.y.base) == ("Virtuous cycle", 0.015, 3000)
        picture = drawn(screen.query_one(StepMapsView))
        assert picture.count("◆ your plan") == 2  # both plans' points, each on its own map
        assert "Vicious cycle · 200 paths" in picture and "Virtuous cycle · 200 paths" in picture
        assert "rows (--json" not in picture  # every row of both maps on a projector's 100x30
        assert all(figure(screen, i) != "…" for i in range(4))
        text = str(screen.query_one("#ws-text", Static).render())
        assert "Each plan keeps its own spending" in text  # what each map holds fixed, said where it is read
        assert "survives 2.5% churn at most" in text and "up to 8.5%" in text
        screen.query_one("#knob-0", Input).value = "1%"  # spend growing 1 % a month, not 5 %
        screen = await settled(pilot)
        assert screen.state.maps["virtuous"] is virtuous  # the virtuous plan does not change: not mapped again
        redrawn = screen.state.maps["vicious"]
        assert redrawn is not vicious and redrawn.x == vicious.x
        assert sum(v for row in redrawn.values for v in row if v) < sum(v for row in vicious.values for v in row if v)
        assert "survives 4.0% churn at most" in str(screen.query_one("#ws-text", Static).render())
        assert not screen.query_one("#ws-figures").display  # 30 rows: the maps take the figures' rows
