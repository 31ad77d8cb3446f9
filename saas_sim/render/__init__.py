"""Rich renderables for results: fan charts, tables, the diagnosis (shared by the CLI and the TUI)."""

from saas_sim.render.fan_chart import FanChart
from saas_sim.render.format import format_compact, format_money, format_months, format_rate
from saas_sim.render.summary import diagnosis_panel, fan_charts, run_report, segment_table, summary_table

__all__ = [
    "FanChart",
    "diagnosis_panel",
    "fan_charts",
    "format_compact",
    "format_money",
    "format_months",
    "format_rate",
    "run_report",
    "segment_table",
    "summary_table",
]
