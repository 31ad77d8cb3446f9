"""The KPI cards at 120x40 in the real app: every title and every range is shown whole, never cut (issue 13, 22)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region

from saas_sim.store import Store
from tests.tui.pilot import settle as settled
from tui.app import create_app
from tui.widgets.results import KpiCard


def drawn(card: KpiCard) -> str:
    """The card as it is drawn on screen: border, title and content."""
    return "\n".join(strip.text for strip in card.render_lines(Region(0, 0, *card.outer_size)))


@pytest.mark.parametrize("scenario", ["scenarios/virtuous-cycle.yaml", "scenarios/vicious-cycle.yaml"])
async def test_card_titles_and_ranges_are_whole_at_120_columns(tmp_path: Path, scenario: str):
    app = create_app(Store(tmp_path / "cards.db"), scenario, seed=1, live_paths=400)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        cards = list(pilot.app.screen.query(KpiCard))
        assert len(cards) == 8
        for card in cards:
            text = drawn(card)
            assert card.value != "—", card.id  # a result is shown
            assert f" {card.border_title} " in text.splitlines()[0], (card.id, text)
            assert card.value in text, (card.id, text)
            if card.detail:
                assert card.detail in text, (card.id, text)
            assert "…" not in text, (card.id, text)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_status_line_is_shown_whole(tmp_path: Path, size: tuple[int, int]):
    """At 80x24 the status was cut to "2,000 paths · seed 7" (and "500 paths (too few" with its note)."""
    from textual.widgets import Static

    app = create_app(Store(tmp_path / "status.db"), "scenarios/starter.yaml", seed=7, live_paths=500)
    async with app.run_test(size=size) as pilot:
        await settled(pilot)
        status = pilot.app.screen.query_one("#results-status", Static)
        text = str(status.render())
        assert "months" in text, text
        shown = "".join(strip.text for strip in status.render_lines(Region(0, 0, *status.outer_size)))
        assert "".join(text.split()) == "".join(shown.split()), (text, shown)
        # every line it takes is on screen, not clipped by the toolbar it sits in
        assert status.region.intersection(status.parent.region) == status.region, (status.region, status.parent.region)


async def test_a_one_line_card_of_a_cash_out_that_never_comes_reads_as_words():
    """At 80x24 a card is one line, its label first: "Cash out at month 34", but "Cash out never"."""
    from textual.app import App, ComposeResult

    class One(App):
        def compose(self) -> ComposeResult:
            yield KpiCard("Cash out at", id="card", classes="-flat")

    app = One()
    async with app.run_test(size=(40, 3)) as pilot:
        card = app.query_one("#card", KpiCard)
        card.styles.height = 1
        card.show("month 34", "p10–p90 31–36", "")
        await pilot.pause()
        assert card.render().plain.startswith("Cash out at month 34")
        card.show("never", "", "")
        await pilot.pause()
        assert card.render().plain == "Cash out never"
