"""The workshop screen on a projector (100x30): step through, change a number, see the figures move."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui.screens.workshop import FigureCard, KnobField, StepChart, WorkshopScreen
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


async def test_it_opens_on_step_1_and_n_walks_through_all_six():
    app = create_workshop_app(paths=PATHS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert "Step 1 of 6" in title(screen) and "The leaky bucket" in title(screen)
        assert screen.focused is None  # the keys step through the lesson
        assert figure(screen, 1) == "46.0%"
        seen = []
        for number in range(2, 7):
            await pilot.press("n")
            screen = await settled(pilot)
            assert f"Step {number} of 6" in title(screen)
            assert screen.state.result is not None and screen.query_one(StepChart).chart is not None
            assert all(figure(screen, i) != "…" for i in range(len(screen.step.headline)))
            seen.append(screen.step.title)
        assert seen == [
            "CAC and payback",
            "LTV/CAC above 3",
            "The vicious cycle",
            "The virtuous cycle",
            "NRR above 100 %",
        ]
        await pilot.press("n")  # the last step stays
        assert screen.index == 5
        await pilot.press("left", "p")
        screen = await settled(pilot)
        assert "Step 4 of 6" in title(screen)


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
    app = create_workshop_app(paths=PATHS, start_step=6)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert "Step 6 of 6" in title(screen)
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
