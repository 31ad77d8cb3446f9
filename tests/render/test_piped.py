"""Output as a pipe or a colourless terminal shows it (issue 13, 22): figures whole, legends told apart."""

from __future__ import annotations

from tests.figures import broken_figures


def test_the_check_finds_what_a_pipe_broke():
    assert broken_figures("   NRR 12m end   41.8% ± 0.035 \n                        pp \n") != []
    assert broken_figures(" LTV/CAC   1.5× ± \n    0.000000000000… \n") != []
    assert broken_figures("│ earned back within 12 │\n│ months, churn   │") != []
    assert broken_figures("swung ±20\n% one at a time") != []
    assert broken_figures("   NRR 12m end   41.8% \n  ± 0.035 pp\n 12 paths\n") == []


def _printed(renderable, width: int) -> str:
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_keep_figures_wraps_between_words_only():
    from hypothesis import given
    from hypothesis import strategies as st

    from saas_sim.render.figures import KeepFigures

    sentence = "CAC is earned back within 12 months, churn included; cash out at month 25 ± 0.35 mo, swung ±20 %"

    @given(st.integers(min_value=12, max_value=100))
    def wraps(width):
        text = _printed(KeepFigures(sentence), width)
        assert broken_figures(text) == []
        assert " ".join(text.split()) == sentence  # every word, in order, nothing cut
        assert max(len(line) for line in text.splitlines()) <= width

    wraps()


def test_a_table_cell_of_figures_breaks_before_the_plus_minus_only():
    from rich.table import Table

    from saas_sim.render.figures import KeepFigures

    for width in range(25, 40):  # room for the label beside the widest piece and the padding
        table = Table(box=None, show_header=False, width=width)
        table.add_column("metric", no_wrap=True)  # as in the summary: the figures' column is the one that gives
        table.add_column("mean ± se", justify="right")
        table.add_row("NRR 12m end", KeepFigures("41.8% ± 0.035 pp"))
        lines = [line.strip() for line in _printed(table, width).splitlines()]
        assert "41.8% ± 0.035 pp" in " ".join(lines)
        assert all(line.endswith(("41.8%", "± 0.035 pp")) or line == "NRR 12m end" or line.startswith("NRR")
                   for line in lines), lines
