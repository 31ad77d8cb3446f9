"""Output as a pipe or a colourless terminal shows it (issue 13, 22): figures whole, legends told apart."""

from __future__ import annotations

import itertools

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
        assert all(
            line.endswith(("41.8%", "± 0.035 pp")) or line == "NRR 12m end" or line.startswith("NRR") for line in lines
        ), lines


def _tornado_result():
    from saas_sim.analysis.sensitivity import sensitivity
    from saas_sim.io.scenario import load_scenario

    return sensitivity(load_scenario("scenarios/vicious-cycle.yaml"), metric="cash_min", workers=1, parallel=False)


def _consoles(monkeypatch):
    """A pipe (no colour system) and a terminal with ``NO_COLOR=1``."""
    import io

    from rich.console import Console

    monkeypatch.setenv("NO_COLOR", "1")
    yield Console(file=io.StringIO(), width=100, color_system=None, record=True)
    yield Console(file=io.StringIO(), width=100, force_terminal=True, color_system="truecolor", record=True)


def test_the_tornado_tells_its_sides_apart_without_colour(monkeypatch):
    from saas_sim.render.tornado import Tornado

    result = _tornado_result()
    down = [s.field for s in result.inputs if s.low.metric is not None and s.low.metric < result.base]
    for console in _consoles(monkeypatch):
        console.print(Tornado(result))
        text = console.export_text(styles=False)
        legend = text.splitlines()[1]
        assert "░ input −20%" in legend and "▓ input +20%" in legend, legend
        rows = {line.split()[0]: line for line in text.splitlines() if "│" in line}
        assert rows, text
        for line in rows.values():  # each bar in its side's glyph: ░ on the side swung down
            assert "█" not in line and ("░" in line or "▓" in line), line
        first = next(label for label in rows if any(field.endswith(label) for field in down))
        left, right = rows[first].split("│")
        assert "░" in left and "░" not in right  # cash_min falls with that input swung down
        assert broken_figures(text) == []


def test_the_tornado_keeps_its_colours_on_a_terminal(monkeypatch):
    import io

    from rich.console import Console

    from saas_sim.render.tornado import Tornado

    monkeypatch.delenv("NO_COLOR", raising=False)
    console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system="truecolor", record=True)
    console.print(Tornado(_tornado_result()))
    legend = console.export_text(styles=False).splitlines()[1]
    assert legend.count("█") == 2  # the colour tells the sides apart


def test_the_compare_legend_tells_its_runs_apart_without_colour(monkeypatch):
    from saas_sim.analysis.run import run_scenario
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import load_scenario
    from saas_sim.render.compare import compare_fan_chart

    a, b = (
        run_scenario(with_overrides(load_scenario(f"scenarios/{name}.yaml"), paths=200, seed=1), workers=1)
        for name in ("vicious-cycle", "virtuous-cycle")
    )
    for console in _consoles(monkeypatch):
        console.print(compare_fan_chart(a, b, "arr", labels=("A", "B"), height=8))
        legend = console.export_text(styles=False).splitlines()[1]
        marks = [legend[legend.index(name) - 2] for name in ("A p10–p90", "B p10–p90", "both")]
        assert len(set(marks)) == 3 and " " not in marks, legend  # three different glyphs
        assert legend.count("█") <= 1, legend  # A's median may be a block; no two entries alike


def _split_words(text: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Which of ``pairs`` of words, consecutive in the text, ended up on two lines."""
    lines = [line.strip(" │") for line in text.splitlines()]
    return [
        (a, b)
        for first, second in itertools.pairwise(lines)
        for a, b in pairs
        if first.endswith(a) and second.startswith(b)
    ]


def test_keep_figures_joins_a_never_share_a_difference_and_a_month():
    """Issue 13, 22, as a pipe showed them: ``63%⏎never``, ``B⏎− A``, ``8.70k in⏎2024-12``."""
    from hypothesis import given
    from hypothesis import strategies as st

    from saas_sim.render.figures import KeepFigures

    sentence = (
        "Payback 42.2 mo ± 0.69 mo; 63% never; differences are B − A; MRR 8.70k in 2024-12; "
        "2023-01 – 2025-06 · 2,387 customers"
    )
    pairs = [
        ("63%", "never"),
        ("B", "− A"),
        ("B −", "A"),
        ("in", "2024-12"),
        ("2023-01", "– 2025-06"),
        ("2023-01 –", "2025-06"),
        ("2,387", "customers"),
    ]

    @given(st.integers(min_value=20, max_value=100))
    def wraps(width):
        text = _printed(KeepFigures(sentence), width)
        assert _split_words(text, pairs) == [] and broken_figures(text) == []
        assert " ".join(text.split()) == sentence

    wraps()


def test_the_ledger_heading_keeps_its_month_with_its_figure():
    from saas_sim.analysis.ledger_metrics import ledger_metrics
    from saas_sim.io.ledger import read_ledger
    from saas_sim.render.ledger import ledger_report

    document = ledger_metrics(read_ledger("scenarios/data/ledger.csv"))
    for width in range(40, 100):
        text = _printed(ledger_report(document, source="scenarios/data/ledger.csv", charts=False), width)
        heading = text.split("\n\n")[0]
        assert _split_words(heading, [("in", "2025-06"), ("2,387", "customers")]) == [], heading
