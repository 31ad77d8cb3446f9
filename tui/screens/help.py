"""Help: the key bindings and a glossary of every metric (SPEC 3), in a scrollable dialog."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from saas_sim.model.glossary import FORMULAS, GLOSSARY, GROUPS

NAME_WIDTH = max(len(name) for name in GLOSSARY)  # one name column width, so that the groups line up


def keys_table(bindings: list[tuple[str, str]]) -> Table:
    """The key bindings, one per row: the key as displayed, then what it does."""
    table = Table(
        title="Keys", title_justify="left", title_style="bold", box=None, show_header=False, padding=(0, 2, 0, 0)
    )
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("does")
    for key, description in bindings:
        table.add_row(Text(key), Text(description))
    return table


def glossary_table(title: str, names: tuple[str, ...]) -> Table:
    """One group of metrics: the name as in the result document, what it tells, and its formula."""
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        show_header=False,
        expand=True,
        padding=(0, 1, 0, 0),
    )
    table.add_column("metric", style="bold cyan", no_wrap=True, min_width=NAME_WIDTH)
    table.add_column("meaning", ratio=1)
    for name in names:
        meaning = Text(GLOSSARY[name])
        meaning.append(f"\n{FORMULAS[name]}", style="dim italic")
        table.add_row(name, meaning)
    return table


class HelpScreen(ModalScreen[None]):
    """The keys (given as ``(key display, description)`` pairs) and the metric glossary; Escape or q closes."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        #help {
            width: 90%;
            max-width: 110;
            height: 90%;
            padding: 0 1;
            border: round $primary;
            border-title-style: bold;
            border-subtitle-color: $foreground-muted;
            background: $surface;
        }
        .help-section { margin-bottom: 1; }
    }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Close", show=False)]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.key_bindings = list(bindings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as scroll:
            scroll.border_title = "Help"
            scroll.border_subtitle = "Esc or q closes · ↑ ↓ PgUp PgDn scroll"
            yield Static(keys_table(self.key_bindings), id="help-keys", classes="help-section")
            yield Static(Text("Metrics", style="bold underline"), classes="help-section")
            yield Static(
                Text(
                    "Every metric is computed on each simulated path, then described over all paths: "
                    "p50 is the median future, p10–p90 the range 80 % of futures fall into. "
                    "Names are those of the result JSON and CSV; (t−1) means last month."
                ),
                classes="help-section",
            )
            for title, names in GROUPS:
                yield Static(glossary_table(title, names), classes="help-section help-glossary")
