"""The workshop (``saas-sim workshop``): the vicious and the virtuous cycle in seven steps.

Each step is data: a title, a few sentences in a founder's words with the
literature's rule of thumb, a small scenario (one segment, a fixed seed, few
paths), the fields the audience may change on the spot (:class:`Knob`), and
two functions that read the step's key statements (:class:`Fact`) and its
chart from the simulation result and the model's formulas.

No number in a text is typed in: a text names facts as ``{placeholders}``,
and whoever shows the step fills them from :meth:`Step.facts`, so what the
audience reads is what the engine (or the formula the engine composes) says,
whatever they changed.  The thresholds of the rules of thumb are the
benchmarks of SPEC 3.4.

1. the leaky bucket: 5 % a month is 46 % a year, 100 customers become 54;
2. CAC and payback: spend / new customers; payback with churn under 12 months, target 6;
3. LTV/CAC above 3, and why heterogeneous churn moves LTV away from ARPA / churn;
4. the vicious cycle: aggressive spend on a leaky bucket runs out of cash (``vicious-cycle.yaml``);
5. the virtuous cycle: churn fixed first, spend reinvested from gross profit (``virtuous-cycle.yaml``);
6. the map: where the two sit on churn × CAC, each on the map of its own plan (SPEC 8, :class:`StepMap`);
7. NRR above 100 %: expansion outgrows churn, revenue grows with no new customer.

A step may draw maps instead of its chart (step 6): each :class:`StepMap` is a small grid (7 × 7 cells of 200
paths, in this process) over two inputs of the step's scenario or of its baseline, the plan's own point
marked; :func:`step_maps` runs them and :meth:`Step.facts` reads their facts too (``{afford}``: the most
churn the plan survives at its CAC).
"""

from __future__ import annotations

import copy
import math
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml

from saas_sim.analysis.diagnosis import CHECKS
from saas_sim.errors import InputError, Problem
from saas_sim.io.forms import central
from saas_sim.io.values import typed_value
from saas_sim.model.catalog.fields import FIELD
from saas_sim.model.catalog.metrics import METRICS
from saas_sim.model.paths import by_index, set_in, split
from saas_sim.model.result import NO_STATISTIC, Result, SummaryStatistic
from saas_sim.model.scenario import Scenario

if TYPE_CHECKING:
    from saas_sim.analysis.maps import MapAnalysis, MapResult

PATHS = 1_000  # paths a step simulates: steady medians in well under a second
YEAR = 12

Kind = str  # how a fact reads: "count" | "rate" | "money" | "months" | "month" | "multiple" | "number"


@dataclass(frozen=True)
class Fact:
    """One statement of a step: a value and how it reads.

    ``note`` says where it comes from (a formula in symbols, "of {start}");
    it may name other facts as ``{key}``.  ``low`` and ``high`` are p10 and
    p90 when the value is the median of simulated paths.  ``status`` grades
    it against the benchmark of SPEC 3.4 when there is one.  ``inf`` means
    "never" (a payback that never happens, a cash that never runs out).
    """

    label: str
    value: float | None
    kind: Kind
    note: str = ""
    low: float | None = None
    high: float | None = None
    status: str | None = None  # "ok" | "warn" | "bad"


@dataclass(frozen=True)
class Chart:
    """What a step draws: one series' spread over paths, or two on one set of axes.

    ``bands`` and ``other`` map ``p5``..``p95`` (any of them; ``p50`` alone
    is a line) to values by month.
    """

    title: str
    kind: Kind
    months: list[int]
    bands: dict[str, list[float | None]]
    label: str = ""
    other: dict[str, list[float | None]] | None = None
    other_label: str = ""
    zero_line: bool = False


@dataclass(frozen=True)
class Knob:
    """A field the audience may change on the spot, named as in events: ``segments.Bucket.churn.monthly``."""

    field: str
    label: str


@dataclass(frozen=True)
class StepMap:
    """A map a step draws (SPEC 8): ``metric`` over ``x`` (across) and ``y`` (up), ``(field, low, high)`` each,
    of the step's scenario with the room's values (``plan="step"``) or of its baseline (``plan="baseline"``).

    ``key`` names its facts: ``afford_<key>``, the most churn the plan survives at its own CAC.
    """

    title: str
    plan: str  # "step" | "baseline"
    key: str
    x: tuple[str, float, float]
    y: tuple[str, float, float]
    steps: int = 7
    paths: int = 200
    metric: str = "out_of_cash"


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    text: str  # a few sentences; numbers only as {fact} placeholders
    rule: str  # the literature's rule of thumb, one line
    source: str  # where the rule comes from
    scenario_text: str  # YAML, as a file would hold it
    knobs: tuple[Knob, ...]
    headline: tuple[str, ...]  # the facts shown big, in order
    facts_of: Callable[[Result, Result | None], dict[str, Fact]] = field(repr=False, compare=False)
    chart_of: Callable[[Result, Result | None], Chart] = field(repr=False, compare=False)
    baseline_text: str | None = None  # a second scenario simulated beside this one, unchanged by the knobs
    labels: tuple[str, str] = ("", "")  # (baseline, this step's scenario) in comparisons
    maps: tuple[StepMap, ...] = ()  # drawn instead of the chart where there is room for them

    def facts(
        self, result: Result, baseline: Result | None = None, maps: Sequence[MapResult | None] | None = None
    ) -> dict[str, Fact]:
        """Every fact the text, the notes and the headline name, from the result (and the baseline's, and the
        maps' once they are drawn: until then their facts are missing, and read as pending)."""
        facts = self.facts_of(result, baseline)
        if maps:
            for plan, drawn in zip(self.maps, maps):
                if drawn is not None:
                    facts.update(map_facts(plan, drawn))
        return facts

    def chart(self, result: Result, baseline: Result | None = None) -> Chart:
        return self.chart_of(result, baseline)

    def placeholders(self) -> set[str]:
        """The fact keys the text names."""
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}


# -- reading a result -----------------------------------------------------------------------------


def _segment(result: Result) -> dict:
    return result.scenario["segments"][0]


def _stats(result: Result, metric: str) -> SummaryStatistic:
    return result.summary.get(metric, NO_STATISTIC)


def _grade(metric: str, value: float | None) -> str | None:
    """The status of a value against the benchmark of SPEC 3.4 for ``metric``."""
    if value is None or math.isnan(value):
        return None
    check = next((c for c in CHECKS if c.metric == metric), None)
    return check.grade(value) if check is not None else None


def _simulated(
    label: str, result: Result, metric: str, note: str = "", *, graded: bool = True, never: bool = False
) -> Fact:
    """The p50 over paths of a summary metric, with its p10–p90, read as the catalog's kind says.

    A payback percentile that lands on a path that never pays back is
    ``inf`` (the statistic's ``never``, SPEC 3.2).  ``never``: a metric no
    path reaches (the month cash runs out) reads an undefined p50 as ``inf``.
    A conditional statistic of too few paths says so in its note.
    """
    from saas_sim.engine.aggregate import rests_on_too_few
    from saas_sim.model.catalog.metrics import NEVER_SUMMARY

    stats = _stats(result, metric)
    value, low, high = stats.p50, stats.p10, stats.p90
    if metric in NEVER_SUMMARY and stats.never:
        value, low, high = (math.inf if v is None else v for v in (value, low, high))
    elif value is None and never:
        value = math.inf
    if rests_on_too_few(stats, result.paths):
        note = f"{stats.n} path{'s' if stats.n != 1 else ''} only: too few to forecast"
    return Fact(label, value, METRICS[metric].kind, note, low, high, _grade(metric, value) if graded else None)


def _probability(label: str, result: Result, metric: str, note: str = "") -> Fact:
    """The mean of a 0/1 metric: the share of paths where it happens."""
    value = _stats(result, metric).mean
    return Fact(label, value, "rate", note, status=_grade(metric, value))


def _series_at(result: Result, series: str, month: float | None, stat: str = "p50") -> float | None:
    if month is None or not math.isfinite(month):
        return None
    values = result.series[series].stat(stat)
    index = min(max(int(round(month)) - 1, 0), len(values) - 1)
    return values[index]


def _value(result: Result, path: str, default: float = math.nan) -> float:
    """A scenario value (its centre when uncertain): ``segment.churn.monthly``, ``acquisition.spend_monthly``."""
    head, _, rest = path.partition(".")
    node: object = _segment(result) if head == "segment" else result.scenario[head]
    for key in rest.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return central(node, default)


def _input(label: str, result: Result, path: str, default: float = math.nan) -> Fact:
    """A scenario value as a fact, read as its catalog field is: money, a percent, a count or a number."""
    field = FIELD[path.replace("segment.", "segments.", 1)]
    whole = field.rule is not None and (field.rule.integer or field.rule.whole)
    kind = {"money": "money", "rate": "rate", "share": "rate"}.get(field.unit, "count" if whole else "number")
    return Fact(label, _value(result, path, default), kind)


def _monthly_churn(result: Result) -> float:
    """The segment's monthly churn at the first renewal, whichever form it is given in."""
    churn = _segment(result)["churn"]
    contract = _segment(result)["contract_months"]
    if "monthly" in churn:
        return central(churn["monthly"], math.nan)
    if "annual" in churn:
        return 1.0 - (1.0 - central(churn["annual"], math.nan)) ** (1.0 / 12.0)
    p = central(churn.get("alpha"), math.nan) / (
        central(churn.get("alpha"), math.nan) + central(churn.get("beta"), math.nan)
    )
    return 1.0 - (1.0 - p) ** (1.0 / contract)


def annualized_churn(monthly: float) -> float:
    """The share of customers lost in a year at a constant monthly rate.

    .. math:: a = 1 - (1 - m)^{12}
    """
    return 1.0 - (1.0 - monthly) ** YEAR


def survivors(start: float, monthly: float, months: int) -> float:
    """Customers left after ``months`` of churn ``monthly`` with no one new.

    .. math:: N_t = N_0 (1 - m)^t
    """
    return start * (1.0 - monthly) ** months


def net_revenue_retention(monthly_churn: float, expansion: float, contraction: float) -> float:
    """Twelve-month NRR of a base with constant churn, expansion and contraction (SPEC 2.3).

    .. math:: NRR_{12} = \\big((1 - m)(1 + e - c)\\big)^{12}
    """
    return ((1.0 - monthly_churn) * (1.0 + expansion - contraction)) ** YEAR


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return None
    return a / b


# -- step 1: the leaky bucket ---------------------------------------------------------------------

BUCKET = """\
# The leaky bucket: 100 customers, nobody new, 5 % leave every month.
name: The leaky bucket
horizon_months: 12
currency: USD
simulation: {paths: 1000, seed: 1}
company: {starting_cash: 0, fixed_costs_monthly: 0}
acquisition: {spend_monthly: 0}
segments:
  - name: Customers
    cac: 1000
    arpa_monthly: 100
    starting_customers: 100
    churn: {monthly: 5%}
    gross_margin: 80%
"""


def _bucket_facts(result: Result, _: Result | None) -> dict[str, Fact]:
    monthly = _monthly_churn(result)
    start = float(_segment(result)["starting_customers"])
    months = result.horizon_months
    mrr_start = float(_segment(result)["starting_mrr"])
    a_year = annualized_churn(monthly)
    return {
        "churn_monthly": Fact("Churn a month", monthly, "rate", "given"),
        "churn_annual": Fact(
            "Churn a year", a_year, "rate", "1 − (1 − m)¹²", status=_grade("annualized_logo_churn_end", a_year)
        ),
        "start": Fact("Customers at the start", start, "count"),
        "months": Fact("Months", float(months), "count"),
        "left": _simulated("Customers left", result, "customers_end", "of {start} at month {months}"),
        "left_formula": Fact("Formula", survivors(start, monthly, months), "count", "N₀ (1 − m)ᵗ"),
        "mrr_left": _simulated("MRR left", result, "mrr_end", "of {mrr_start}"),
        "mrr_start": Fact("MRR at the start", mrr_start, "money"),
    }


def _bucket_chart(result: Result, _: Result | None) -> Chart:
    return Chart(
        "Customers: nobody new, the bucket drains", "count", result.months, result.series["customers"].to_json()
    )


# -- step 2: CAC and payback ----------------------------------------------------------------------

PAYBACK = """\
# CAC and payback: a steady marketing budget and what it buys.
name: CAC and payback
horizon_months: 24
currency: USD
simulation: {paths: 1000, seed: 2}
company: {starting_cash: 300k, fixed_costs_monthly: 0}   # only acquisition, to see its payback
acquisition: {spend_monthly: 20k}
segments:
  - name: Customers
    cac: 1000
    arpa_monthly: 125
    churn: {monthly: 3%}
    gross_margin: 80%
"""


def _payback_facts(result: Result, _: Result | None) -> dict[str, Fact]:
    new = [v for v in result.series["new_customers"].mean if v is not None]
    cash = result.series["cash"].p50
    low_point = min(range(len(cash)), key=lambda i: (cash[i] is None, cash[i] if cash[i] is not None else 0.0))
    return {
        "spend": _input("Spend a month", result, "acquisition.spend_monthly"),
        "new_per_month": Fact("New customers a month", sum(new) / len(new) if new else None, "count", "mean"),
        "cac": _simulated("CAC", result, "cac", "S&M ÷ new customers"),
        "arpa": _input("ARPA", result, "segment.arpa_monthly"),
        "margin": _input("Gross margin", result, "segment.gross_margin"),
        "churn_monthly": Fact("Churn a month", _monthly_churn(result), "rate"),
        "payback": _simulated("Payback", result, "payback_months", "CAC ÷ (ARPA × GM)", graded=False),
        "payback_churn": _simulated("With churn", result, "payback_months_with_churn", "target 6, max 12"),
        "low_point": Fact("Cash low point", float(result.months[low_point]), "month", "p50 cash"),
    }


def _payback_chart(result: Result, _: Result | None) -> Chart:
    cash = result.series["cash"].to_json()
    below_zero = any(v is not None and v < 0 for v in cash.get("p5", []))
    return Chart(
        "Cash: spend goes out first, gross profit comes back", "money", result.months, cash, zero_line=below_zero
    )


# -- step 3: LTV/CAC -----------------------------------------------------------------------------

LTV = """\
# LTV/CAC: the same first-month churn, but customers who stay settle in.
name: LTV and CAC
horizon_months: 36
currency: USD
simulation: {paths: 1000, seed: 3}
company: {starting_cash: 500k, fixed_costs_monthly: 0, ltv_horizon_months: 60}
acquisition: {spend_monthly: 20k}
segments:
  - name: Customers
    cac: 800
    arpa_monthly: 100
    churn: {monthly: 4%, heterogeneity: 0.3}
    gross_margin: 80%
"""


def _ltv_facts(result: Result, _: Result | None) -> dict[str, Fact]:
    cac = _value(result, "segment.cac")
    simple = _simulated("Simple LTV", result, "ltv_simple", "ARPA × GM ÷ churn", graded=False)
    simple_ratio = _ratio(simple.value, cac)
    return {
        "churn_monthly": Fact("Churn in the first month", _monthly_churn(result), "rate"),
        "heterogeneity": _input("Heterogeneity", result, "segment.churn.heterogeneity", 0.0),
        "cac": Fact("CAC", cac, "money"),
        "ltv_months": _input("LTV horizon", result, "company.ltv_horizon_months"),
        "ltv_simple": simple,
        "ltv_cac_simple": Fact(
            "Simple LTV/CAC", simple_ratio, "multiple", "everyone alike", status=_grade("ltv_cac", simple_ratio)
        ),
        "ltv": _simulated("Cohort LTV", result, "ltv", "{ltv_months} months, sBG", graded=False),
        "ltv_cac": _simulated("Cohort LTV/CAC", result, "ltv_cac", "customers differ"),
    }


def _ltv_chart(result: Result, _: Result | None) -> Chart:
    """The classic assumption, (1 − m)^a, against the first cohort's simulated survival."""
    cohort = result.cohorts.logo_retention[0]
    monthly = _monthly_churn(result)
    ages = list(range(len(cohort)))
    classic: list[float | None] = [(1.0 - monthly) ** age for age in ages]
    return Chart(
        "Customers of month 1 still active, by months since they joined",
        "rate",
        ages,
        {"p50": classic},
        "everyone alike",
        {"p50": cohort},
        "customers differ",
    )


# -- steps 4 and 5: the vicious and the virtuous cycle --------------------------------------------


def _example_text(file_name: str) -> str:
    from saas_sim.io.examples import examples

    return next(e.text for e in examples() if e.file_name == file_name)


def _cycle_facts(result: Result) -> dict[str, Fact]:
    out_month = _simulated(
        "Cash runs out", result, "cash_out_month", "ARR then {arr_at_cash_out}", graded=False, never=True
    )
    return {
        "churn_monthly": Fact("Churn a month", _monthly_churn(result), "rate"),
        "churn_annual": _simulated("Churn a year", result, "annualized_logo_churn_end", "simulated"),
        "growth": _input("Spend growth a month", result, "acquisition.spend_growth_monthly"),
        "reinvest": _input("Gross profit reinvested", result, "acquisition.reinvest_gross_profit"),
        "expansion": _input("Expansion a month", result, "segment.expansion_monthly"),
        "ltv_cac": _simulated("LTV/CAC", result, "ltv_cac", "simulated"),
        "out_of_cash": _probability("Out of cash", result, "out_of_cash", "of futures"),
        "cash_out_month": out_month,
        "arr_at_cash_out": Fact("ARR then", _series_at(result, "arr", out_month.value), "money", "p50"),
        "arr_end": _simulated("ARR at the end", result, "arr_end", "month {months}", graded=False),
        "cash_min": _simulated("Lowest cash", result, "cash_min", "p50", graded=False),
        "months": Fact("Months", float(result.horizon_months), "count"),
    }


def _vicious_facts(result: Result, _: Result | None) -> dict[str, Fact]:
    return _cycle_facts(result)


def _vicious_chart(result: Result, _: Result | None) -> Chart:
    # The ARR fan: bought with the bank's money, it falls to nothing where the money ends (shut_down).
    return Chart("ARR: bought, then gone with the cash", "money", result.months, result.series["arr"].to_json())


def _virtuous_facts(result: Result, baseline: Result | None) -> dict[str, Fact]:
    facts = _cycle_facts(result)
    notes = {
        "arr_end": "vicious: {arr_end_vicious}",
        "out_of_cash": "vicious: {out_of_cash_vicious}",
        "ltv_cac": "vicious: {ltv_cac_vicious}",
        "churn_annual": "vicious: {churn_annual_vicious}",
    }
    if baseline is not None:
        for key, fact in _cycle_facts(baseline).items():
            facts[f"{key}_vicious"] = fact
        for key, note in notes.items():
            fact = facts[key]
            facts[key] = Fact(fact.label, fact.value, fact.kind, note, fact.low, fact.high, fact.status)
    return facts


def _two_plans_chart(
    series: str, title: str, result: Result, baseline: Result | None, labels: tuple[str, str], *, zero_line: bool
) -> Chart:
    """``series`` of this step's plan alone (``title`` its first word), or with the other plan's beside it:
    ``labels`` name the baseline's and this result's, in that order."""
    if baseline is None:
        return Chart(title.split(":")[0], "money", result.months, result.series[series].to_json(), zero_line=zero_line)
    return Chart(
        title,
        "money",
        result.months,
        baseline.series[series].to_json(),
        labels[0],
        result.series[series].to_json(),
        labels[1],
        zero_line=zero_line,
    )


def _virtuous_chart(result: Result, baseline: Result | None) -> Chart:
    return _two_plans_chart(
        "arr", "ARR: the same company, two ways to grow", result, baseline, ("vicious", "virtuous"), zero_line=False
    )


# -- step 6: the map ------------------------------------------------------------------------------

# Churn from 1 % to 10 % a month in steps of 1.5 points, CAC from 1,500 to 4,500 in steps of 500: the vicious
# plan's point (7 %, 3,000) on the grid, the virtuous one's (1.5 %) on its nearest cell; 7 x 7 cells of 200
# paths keep the step within a few seconds and each map, whole, within a projector's 30 rows.
MAP_CHURN = ("segments.Shops.churn.monthly", 0.01, 0.10)
MAP_CAC = ("segments.Shops.cac", 1500.0, 4500.0)
SURVIVES = 0.1  # out of cash in fewer futures than this: the diagnosis's "ok" (SPEC 3.4)


def affordable_churn(result: MapResult, limit: float = SURVIVES) -> float | None:
    """The most churn (the map's x) the plan survives at its own CAC: on the row nearest the plan's y, the
    highest x before the first cell that runs out of cash in ``limit`` of futures or more; None when even the
    first does.  The map's greatest x when no cell of the row does (the plan survives the whole map)."""
    row = min(range(len(result.y.values)), key=lambda r: abs(result.y.values[r] - result.y.base))
    order = sorted(range(len(result.x.values)), key=lambda c: result.x.values[c])
    survived = None
    for col in order:
        value = result.values[row][col]
        if value is None or value >= limit:
            break
        survived = result.x.values[col]
    return survived


def map_facts(plan: StepMap, result: MapResult) -> dict[str, Fact]:
    """The fact a map gives its step: ``afford_<key>``, the most churn the plan survives at its CAC (ok when
    that is at least the plan's own churn)."""
    afford = affordable_churn(result)
    whole_map = afford is not None and afford == max(result.x.values)
    return {
        f"afford_{plan.key}": Fact(
            "Max churn",
            afford,
            "rate",
            f"{plan.key}: the whole map" if whole_map else f"{plan.key}, at its CAC",
            status=None if afford is None else ("ok" if afford >= result.x.base else "bad"),
        )
    }


def _map_facts(result: Result, baseline: Result | None) -> dict[str, Fact]:
    """The vicious plan (the step's scenario, with the room's values) and the virtuous one (its baseline)."""
    facts = {
        "churn_vicious": Fact("Churn a month", _monthly_churn(result), "rate"),
        "cac_vicious": _input("CAC", result, "segment.cac"),
        "growth": _input("Spend growth a month", result, "acquisition.spend_growth_monthly"),
        "out_of_cash_vicious": _probability("Out of cash", result, "out_of_cash", "vicious, of futures"),
    }
    if baseline is not None:
        facts |= {
            "churn_virtuous": Fact("Churn a month", _monthly_churn(baseline), "rate"),
            "cac_virtuous": _input("CAC", baseline, "segment.cac"),
            "reinvest": _input("Gross profit reinvested", baseline, "acquisition.reinvest_gross_profit"),
            "out_of_cash_virtuous": _probability("Out of cash", baseline, "out_of_cash", "virtuous, of futures"),
        }
    return facts


def _map_chart(result: Result, baseline: Result | None) -> Chart:
    """Where the maps do not fit: the two plans' cash, as step 5 draws their ARR."""
    return _two_plans_chart(
        "cash", "Cash: the same company, two ways to grow", result, baseline, ("virtuous", "vicious"), zero_line=True
    )


def map_analyses(step: Step, values: Mapping[str, str] | None = None, *, seed: int | None = None) -> list[MapAnalysis]:
    """The step's maps, ready to run (:meth:`~saas_sim.analysis.maps.MapAnalysis.progress`), in this process;
    :class:`InputError` when a value of the room's is invalid."""
    from saas_sim.analysis.maps import MapAnalysis

    analyses = []
    for plan in step.maps:
        scenario = (
            baseline_scenario(step, paths=plan.paths, seed=seed)
            if plan.plan == "baseline"
            else step_scenario(step, values, paths=plan.paths, seed=seed)
        )
        assert scenario is not None, "a map of the baseline is declared with a step that has one"
        analyses.append(
            MapAnalysis(scenario, x=plan.x, y=plan.y, steps=plan.steps, metric=plan.metric, paths=plan.paths, workers=1)
        )
    return analyses


def step_maps(step: Step, values: Mapping[str, str] | None = None, *, seed: int | None = None) -> list[MapResult]:
    """The step's maps, drawn to the end (none for a step without maps)."""
    results = []
    for analysis in map_analyses(step, values, seed=seed):
        for _ in analysis.progress():
            pass
        assert analysis.result is not None
        results.append(analysis.result)
    return results


# -- step 7: NRR ----------------------------------------------------------------------------------

NRR = """\
# NRR above 100 %: no acquisition at all, only the customers you have.
name: Net revenue retention
horizon_months: 24
currency: USD
simulation: {paths: 1000, seed: 6}
company: {starting_cash: 0, fixed_costs_monthly: 0}
acquisition: {spend_monthly: 0}
segments:
  - name: Customers
    cac: 5000
    arpa_monthly: 1000
    starting_customers: 100
    churn: {monthly: 1.5%}
    expansion_monthly: 3%
    contraction_monthly: 0.5%
    gross_margin: 80%
"""


def _nrr_facts(result: Result, _: Result | None) -> dict[str, Fact]:
    monthly = _monthly_churn(result)
    expansion = _value(result, "segment.expansion_monthly")
    contraction = _value(result, "segment.contraction_monthly")
    return {
        "churn_monthly": Fact("Churn a month", monthly, "rate"),
        "expansion": Fact("Expansion a month", expansion, "rate"),
        "contraction": Fact("Contraction a month", contraction, "rate"),
        "nrr_formula": Fact(
            "NRR, formula", net_revenue_retention(monthly, expansion, contraction), "rate", "((1 − m)(1 + e − c))¹²"
        ),
        "nrr": _simulated("NRR 12 months", result, "nrr_12m_end", "≥ 100 %, best 120 %"),
        "grr": _simulated("GRR 12 months", result, "grr_12m_end", "churn, contraction", graded=False),
        "start": Fact("Customers at the start", float(_segment(result)["starting_customers"]), "count"),
        "customers_end": _simulated("Customers", result, "customers_end", "of {start}, none new"),
        "arr_start": Fact("ARR at the start", 12.0 * float(_segment(result)["starting_mrr"]), "money"),
        "arr_end": _simulated("ARR", result, "arr_end", "from {arr_start}", graded=False),
        "months": Fact("Months", float(result.horizon_months), "count"),
    }


def _nrr_chart(result: Result, _: Result | None) -> Chart:
    """Customers and MRR as shares of where they started: the base shrinks, its revenue grows."""
    segment = _segment(result)
    customers0, mrr0 = float(segment["starting_customers"]), float(segment["starting_mrr"])

    def share(series: str, start: float) -> dict[str, list[float | None]]:
        return {
            stat: [None if v is None or not start else v / start for v in values]
            for stat, values in result.series[series].to_json().items()
            if stat in ("p10", "p50", "p90")
        }

    return Chart(
        "Share of the start: customers fall, revenue grows",
        "rate",
        result.months,
        share("customers", customers0),
        "customers",
        share("mrr", mrr0),
        "MRR",
    )


# -- the steps ------------------------------------------------------------------------------------


def steps() -> list[Step]:
    """The seven steps, in the order the literature teaches them."""
    vicious = _example_text("vicious-cycle.yaml")
    virtuous = _example_text("virtuous-cycle.yaml")
    return [
        Step(
            1,
            "The leaky bucket",
            "Churn compounds. Lose {churn_monthly} of your customers a month and you lose {churn_annual} of "
            "them in a year. Start with {start} customers, win no new ones, and {left} are still there after "
            "{months} months (the formula says {left_formula}). Every customer you buy is poured into this "
            "bucket: fix the leak before you pour.",
            "annual logo churn under 10 % is healthy; over 30 % is a leaky bucket.",
            "SaaS-metrics literature: customer churn, annualized churn",
            BUCKET,
            (
                Knob("segments.Customers.churn.monthly", "Churn a month"),
                Knob("segments.Customers.starting_customers", "Customers"),
            ),
            ("churn_monthly", "churn_annual", "left", "mrr_left"),
            _bucket_facts,
            _bucket_chart,
        ),
        Step(
            2,
            "CAC and payback",
            "CAC is what one new customer costs: the month's sales and marketing spend divided by the "
            "customers it won, {spend} ÷ {new_per_month} = {cac}. Payback is how long that customer's gross "
            "profit takes to earn it back: {payback} at {arpa} a month and {margin} margin, {payback_churn} "
            "once a churn of {churn_monthly} a month takes its share. Cash is lowest in {low_point}: about "
            "when the customers won so far earn what a month of spend costs.",
            "CAC paid back within 12 months, churn included; 6 is the target.",
            "David Skok, SaaS Metrics 2.0: months to recover CAC",
            PAYBACK,
            (
                Knob("segments.Customers.cac", "CAC"),
                Knob("segments.Customers.arpa_monthly", "ARPA"),
                Knob("segments.Customers.churn.monthly", "Churn a month"),
            ),
            ("cac", "payback", "payback_churn", "low_point"),
            _payback_facts,
            _payback_chart,
        ),
        Step(
            3,
            "LTV/CAC above 3",
            "Lifetime value is the gross profit a customer brings before leaving. The shortcut ARPA × margin ÷ "
            "churn gives {ltv_simple} at {churn_monthly} churn: LTV/CAC {ltv_cac_simple} for a CAC of {cac}. "
            "But customers differ: those who would leave go early, those who stay churn less every month "
            "(Fader & Hardie). With heterogeneity {heterogeneity}, the simulated LTV over {ltv_months} months "
            "is {ltv}, LTV/CAC {ltv_cac}. Measure churn by cohort before trusting ARPA ÷ churn.",
            "LTV/CAC of 3 or more; under 1, every new customer destroys value.",
            "David Skok, SaaS Metrics 2.0; Fader & Hardie (2007, 2010)",
            LTV,
            (
                Knob("segments.Customers.churn.heterogeneity", "Heterogeneity"),
                Knob("segments.Customers.churn.monthly", "Churn a month"),
                Knob("segments.Customers.cac", "CAC"),
            ),
            ("ltv_simple", "ltv_cac_simple", "ltv", "ltv_cac"),
            _ltv_facts,
            _ltv_chart,
        ),
        Step(
            4,
            "The vicious cycle",
            "The board wants growth, so marketing grows {growth} a month, paid from the bank, while "
            "{churn_monthly} of customers leave every month: {churn_annual} a year. New customers pour in at "
            "the top and drain out at the bottom; each brings back {ltv_cac} what it cost. ARR is bought, not "
            "kept: cash runs out in {out_of_cash} of futures (median: {cash_out_month}), and the company shuts "
            "down with it: the ARR of {arr_at_cash_out} falls to {arr_end}. More spend on a leaky bucket only "
            "empties the bank faster.",
            "fix retention first, then CAC and payback, then lifetime value; only then spend.",
            "SaaS-metrics literature; scenarios/vicious-cycle.yaml",
            vicious,
            (
                Knob("segments.Shops.churn.monthly", "Churn a month"),
                Knob("acquisition.spend_growth_monthly", "Spend growth"),
                Knob("company.starting_cash", "Cash"),
            ),
            ("churn_annual", "ltv_cac", "out_of_cash", "cash_out_month"),
            _vicious_facts,
            _vicious_chart,
        ),
        Step(
            5,
            "The virtuous cycle",
            "The same company on the same day, with churn fixed first: {churn_monthly} a month, falling as "
            "customers settle in, and {expansion} expansion. Marketing grows only by reinvesting {reinvest} of "
            "last month's gross profit: customers pay for the next ones. ARR ends at {arr_end} against the "
            "vicious cycle's {arr_end_vicious}; {out_of_cash} of futures run out of cash (vicious: "
            "{out_of_cash_vicious}), the cash never falls below {cash_min}.",
            "let customers, not the bank, pay for growth: then it compounds.",
            "SaaS-metrics literature; scenarios/virtuous-cycle.yaml",
            virtuous,
            (
                Knob("segments.Shops.churn.monthly", "Churn a month"),
                Knob("acquisition.reinvest_gross_profit", "Reinvested"),
                Knob("segments.Shops.expansion_monthly", "Expansion"),
            ),
            ("arr_end", "out_of_cash", "ltv_cac", "churn_annual"),
            _virtuous_facts,
            _virtuous_chart,
            baseline_text=vicious,
            labels=("vicious", "virtuous"),
        ),
        Step(
            6,
            "The map: where each plan stands",
            "Each square is the plan with another churn (across) and CAC (up), coloured by its share of futures "
            "that run out of cash; every square draws the same futures, so the line between green and red is the "
            "plan's, not luck. Each plan keeps its own spending. The vicious one, spend growing {growth} a month "
            "from the bank, at {churn_vicious} churn and {cac_vicious} CAC: {out_of_cash_vicious} run out; at "
            "that CAC it survives {afford_vicious} churn at most. The virtuous one, {reinvest} of gross profit "
            "reinvested, at {churn_virtuous}: {out_of_cash_virtuous}; it survives up to {afford_virtuous}. "
            "Fixing churn moves a point across the line; paying for growth from gross profit moves the line.",
            "out of cash in under 10 % of futures is ok, over 50 % bad; know your line first.",
            "SPEC 3.4 benchmarks; saas-sim map scenarios/virtuous-cycle.yaml",
            vicious,
            (
                Knob("acquisition.spend_growth_monthly", "Spend growth"),
                Knob("segments.Shops.churn.monthly", "Churn a month"),
                Knob("segments.Shops.cac", "CAC"),
            ),
            ("out_of_cash_vicious", "afford_vicious", "out_of_cash_virtuous", "afford_virtuous"),
            _map_facts,
            _map_chart,
            baseline_text=virtuous,
            labels=("virtuous", "vicious"),
            maps=(
                StepMap("The vicious plan: spend grows from the bank", "step", "vicious", MAP_CHURN, MAP_CAC),
                StepMap("The virtuous plan: spend from gross profit", "baseline", "virtuous", MAP_CHURN, MAP_CAC),
            ),
        ),
        Step(
            7,
            "NRR above 100 %",
            "Net revenue retention: what last year's customers pay today, as a share of what they paid then. "
            "With {churn_monthly} churn and {expansion} expansion a month, customers fall from {start} to "
            "{customers_end} in {months} months without a single new one, yet ARR goes from {arr_start} to "
            "{arr_end}: NRR {nrr} (the formula: {nrr_formula}). Above 100 %, the base grows on its own and "
            "every new customer adds to growth instead of replacing one lost.",
            "NRR of 100 % or more; the best SaaS companies keep 120 %.",
            "ChartMogul MRR movements; SaaS-metrics literature: revenue churn / NDR",
            NRR,
            (
                Knob("segments.Customers.expansion_monthly", "Expansion"),
                Knob("segments.Customers.churn.monthly", "Churn a month"),
                Knob("segments.Customers.contraction_monthly", "Contraction"),
            ),
            ("nrr", "grr", "customers_end", "arr_end"),
            _nrr_facts,
            _nrr_chart,
        ),
    ]


# -- knobs ---------------------------------------------------------------------------------------


def _document(text: str) -> dict:
    document = yaml.safe_load(text)
    return document if isinstance(document, dict) else {}


def index_path(document: dict, dotted: str) -> str:
    """The path problems name (``segments[0].churn.monthly``) of a dotted field (``segments.Bucket.churn.monthly``).

    :class:`KeyError` when the step's scenario has no segment of that name: knobs are declared with their
    steps, so that is a mistake in the step, never in what a user typed.
    """
    segments = document.get("segments") or []
    return by_index(dotted, [str(s.get("name")) if isinstance(s, dict) else "" for s in segments])


def _parts(document: dict, dotted: str) -> list[str | int]:
    return split(index_path(document, dotted))


def knob_value(scenario_text: str, dotted: str) -> object:
    """The value of a knob's field in the normalized scenario (defaults filled in)."""
    from saas_sim.io.scenario import parse_scenario, scenario_to_dict

    node: object = scenario_to_dict(parse_scenario(scenario_text))
    for part in _parts(_document(scenario_text), dotted):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def knob_text(scenario_text: str, dotted: str) -> str:
    """A knob's value as the step's file writes it (``5%``, ``20k``, ``0.3``), else its default."""
    node: object = _document(scenario_text)
    for part in _parts(_document(scenario_text), dotted):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    if node is None:
        node = knob_value(scenario_text, dotted)
    if isinstance(node, float):
        return f"{node:g}"
    if isinstance(node, (dict, list)):
        return yaml.safe_dump(node, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return "" if node is None else str(node)


def read_knob(text: str) -> object:
    """What a typed value means: YAML (``5%``, ``2k``, ``"2%..4%"``, ``{low: 1%, high: 3%}``); empty is None."""
    return typed_value(text)


def apply_knobs(scenario_text: str, values: Mapping[str, str]) -> str:
    """The scenario's YAML with each knob (dotted field -> typed text) set; comments are not kept."""
    if not values:
        return scenario_text
    document = copy.deepcopy(_document(scenario_text))
    for dotted, typed in values.items():
        set_in(document, index_path(document, dotted), read_knob(typed), create=True)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def step_scenario(
    step: Step, values: Mapping[str, str] | None = None, *, paths: int | None = PATHS, seed: int | None = None
) -> Scenario:
    """The step's scenario with the knobs' values, ready to simulate; :class:`InputError` when a value is invalid."""
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import parse_scenario

    scenario = parse_scenario(apply_knobs(step.scenario_text, values or {}), f"step {step.number}")
    return with_overrides(scenario, paths=paths, seed=seed)


def baseline_scenario(step: Step, *, paths: int | None = PATHS, seed: int | None = None) -> Scenario | None:
    """The scenario a step compares with (step 5: the vicious cycle), or None."""
    if step.baseline_text is None:
        return None
    from saas_sim.engine.simulate import with_overrides
    from saas_sim.io.scenario import parse_scenario

    return with_overrides(parse_scenario(step.baseline_text, f"step {step.number}"), paths=paths, seed=seed)


def knob_problems(step: Step, error: InputError) -> dict[str, list[str]]:
    """The problems of an invalid step scenario by knob field; ``""`` holds those of no knob."""
    document = _document(step.scenario_text)
    paths = {knob.field: index_path(document, knob.field) for knob in step.knobs}
    found: dict[str, list[str]] = {}
    for problem in error.problems:
        where = problem.field if isinstance(problem, Problem) else ""
        message = problem.message if isinstance(problem, Problem) else str(problem)
        knob = next(
            (
                f
                for f, p in paths.items()
                if where == p or where.startswith(p + ".") or (where and p.startswith(where + "."))
            ),
            "",
        )
        found.setdefault(knob, []).append(message)
    return found


@dataclass(frozen=True)
class StepRun:
    step: Step
    result: Result
    baseline: Result | None = None
    maps: tuple[MapResult, ...] = ()

    def facts(self) -> dict[str, Fact]:
        return self.step.facts(self.result, self.baseline, self.maps)

    def chart(self) -> Chart:
        return self.step.chart(self.result, self.baseline)


def run_step(
    step: Step, values: Mapping[str, str] | None = None, *, paths: int | None = PATHS, seed: int | None = None
) -> StepRun:
    """Simulate a step (and what it compares with, and its maps) to the end."""
    from saas_sim.analysis.run import run_scenario

    baseline = baseline_scenario(step, paths=paths, seed=seed)
    return StepRun(
        step,
        run_scenario(step_scenario(step, values, paths=paths, seed=seed)),
        run_scenario(baseline) if baseline is not None else None,
        tuple(step_maps(step, values, seed=seed)),
    )
