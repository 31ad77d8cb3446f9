import io

from rich.console import Console

from saas_sim.render.fan_chart import FanChart, nice_step
from saas_sim.render.format import format_money


def _bands(months: int, start: float, slope: float, spread: float) -> dict[str, list[float]]:
    p50 = [start + slope * t for t in range(1, months + 1)]
    widths = {"p5": -1.6, "p10": -1.2, "p50": 0.0, "p90": 1.2, "p95": 1.6}
    return {stat: [m + w * spread * t for m, t in zip(p50, range(1, months + 1))] for stat, w in widths.items()}


def _render(chart, width=80, color=False) -> list[str]:
    console = Console(
        width=width,
        record=True,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        file=io.StringIO(),
    )
    console.print(chart)
    return console.export_text(styles=False).splitlines()


def test_fits_the_width_and_height():
    for width in (40, 80, 133):
        lines = _render(FanChart(range(1, 37), _bands(36, 1e6, 5e4, 1e4), title="ARR", height=10), width=width)
        assert len(lines) == 1 + 10 + 2  # title, plot rows, axis and month labels
        assert max(len(line) for line in lines) <= width
        assert len(lines[1]) > width - 5  # the plot uses the width it is given


def test_width_argument_narrows_it():
    lines = _render(FanChart(range(1, 13), _bands(12, 10, 1, 1), width=50), width=100)
    assert max(len(line) for line in lines[1:]) <= 50


def test_bands_and_median_without_colour():
    lines = _render(FanChart(range(1, 25), _bands(24, 1e6, 2e4, 2e4), title="ARR", zero_line=False))
    plot = "\n".join(lines[1:-2])
    assert "░" in plot and "▒" in plot  # p5–p95 and p10–p90
    assert any(mark in plot for mark in "▀▄█")  # the median
    assert lines[0].startswith("ARR")
    assert "p5–p95" in lines[0] and "p10–p90" in lines[0] and "p50" in lines[0]


def test_zero_line_and_axis_labels():
    chart = FanChart(range(1, 25), _bands(24, 1e6, -8e4, 2e4), title="Cash", value_format=format_money)
    lines = _render(chart)
    zero = next(line for line in lines if line.lstrip().startswith("$0 ┤"))
    assert "─" in zero  # the zero line runs across the plot
    assert any(line.lstrip().startswith("-$") for line in lines)  # negative values get labels too
    months = lines[-1].split()
    assert months[0] == "1" and months[-1] == "24"
    assert [int(m) for m in months] == sorted(int(m) for m in months)


def test_colour_uses_half_blocks():
    console = Console(width=60, force_terminal=True, color_system="truecolor", record=True, file=io.StringIO())
    console.print(FanChart(range(1, 13), _bands(12, 100, 10, 3)))
    svg = console.export_svg()
    assert "▀" in svg or "▄" in svg


def test_missing_values_and_a_single_month():
    bands = {"p5": [None, 1.0, 2.0], "p50": [None, 2.0, 3.0], "p95": [None, 3.0, 4.0]}
    lines = _render(FanChart([1, 2, 3], bands, zero_line=False))
    assert len(lines) == 15
    single = _render(FanChart([1], {"p5": [1.0], "p50": [2.0], "p95": [3.0]}))
    assert "1" in single[-1]


def test_too_narrow_says_so():
    lines = _render(FanChart(range(1, 13), _bands(12, 1e6, 1e4, 1e3), value_format=format_money), width=12)
    assert lines[-1].startswith("(too narrow")
    assert max(len(line) for line in lines) <= 12


def test_nice_steps():
    assert nice_step(22e6, 5) == 5e6
    assert nice_step(1.0, 4) == 0.25
    assert nice_step(7, 3) == 2.5
