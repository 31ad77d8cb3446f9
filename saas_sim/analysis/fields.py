"""The inputs and outputs the analyses name: dotted field paths and summary metrics.

A field path is written as in events (SPEC 1): ``company.starting_cash``,
``acquisition.spend_monthly``, ``segments.<name>.churn.monthly``,
``segments.<name>.funnel.cost_per_lead``; an event's values are
``events[i].set.<path>`` and ``events[i].cash_in``, ``i`` counting the
scenario's events in month order (the order of the normalized scenario).

:func:`input_fields` lists the numbers of a scenario that an analysis may
change, :func:`set_field` changes one and returns a new scenario.  Metrics are
the company summary metrics of SPEC 3.2; each is read through one statistic
over paths, its p50, except ``out_of_cash`` whose mean is the probability of
running out of cash.  A program's effects (SPEC 2.7) are metrics too, written
``programs.<name>.<effect>`` (``programs.Save.roi_arr``), read through their
mean: the program's expected effect against the same scenario without it
(:func:`~saas_sim.engine.simulate.program_effect_per_path`; the two runs
drift apart path by path after their first different draw, so a path's
effect is noisy and only the mean, over paths, is the program's).  With one
program the bare effect (``roi_arr``) names it (:func:`check_metric`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import cast

import numpy as np

from saas_sim.engine.aggregate import describe, describe_summary
from saas_sim.engine.params import iter_numbers, quantile
from saas_sim.engine.simulate import (
    PROGRAM_EFFECTS,
    closed_form_applies,
    program_effect_per_path,
    simulate_summary,
    unit_economics_per_path,
)
from saas_sim.errors import InputError
from saas_sim.model import paths
from saas_sim.model.catalog.fields import (
    FIELD,
    MAX_MAGNITUDE,
    NOT_VARIED,
    SEGMENT,
    Field,
    FieldRule,
    field_named,
    rule_for,
)
from saas_sim.model.catalog.metrics import MEAN_METRICS as MEAN_METRICS
from saas_sim.model.catalog.metrics import NEVER_SUMMARY, SUMMARY_METRICS, Statistic
from saas_sim.model.catalog.metrics import statistic_name as _summary_statistic_name
from saas_sim.model.paths import COHORT_TOTALS, EVENT_PATH, MIGRATION_PATH, names_a_group, suggest
from saas_sim.model.scenario import Distribution, Number, Scenario, Segment

# -- metrics: the summary metrics of SPEC 3.2 and the programs' effects of SPEC 2.7 ------------------

PROGRAM_METRIC = re.compile(r"programs\.(?P<program>[^.]+)\.(?P<effect>[^.]+)")


def program_metric(metric: str) -> tuple[str, str] | None:
    """``(program, effect)`` of a metric written ``programs.<name>.<effect>`` with a known effect, else None."""
    match = PROGRAM_METRIC.fullmatch(metric)
    if match is None or match["effect"] not in PROGRAM_EFFECTS:
        return None
    return match["program"], match["effect"]


def statistic_name(metric: str) -> Statistic:
    """The statistic a user reads of a metric: the mean of a program's effect (its expected effect) or of a
    probability (``out_of_cash``), else the p50."""
    return "mean" if program_metric(metric) is not None else _summary_statistic_name(metric)


def statistic(values: np.ndarray, metric: str) -> float | None:
    """The metric's statistic over paths (:func:`statistic_name`); None where no path defines it.

    A payback's p50 counts the paths that never pay back (SPEC 3.2): ``inf`` when it lands on one.
    """
    if metric in NEVER_SUMMARY:
        stats = describe_summary(np.asarray(values, dtype=float), never=True)
        value = stats[statistic_name(metric)]
        return math.inf if value is None and stats["never"] else value
    statistics = describe(np.asarray(values, dtype=float))  # of 1-D values: each a number or None
    return cast(float | None, statistics[statistic_name(metric)])


def metric_per_path(scenario: Scenario, metric: str, *, workers: int | None = None) -> np.ndarray:
    """The metric's per-path values in one run of ``scenario`` (its seed set), for analyses that read one metric
    of many runs: only that summary of the run is formed; a unit-economics metric of one segment is its closed
    form of the drawn month-1 parameters, no month simulated; a program's effect runs the scenario with the
    program and without it.  :class:`~saas_sim.errors.SimulationDiverged` where the run diverges."""
    program = program_metric(metric)
    if program is not None:
        return program_effect_per_path(scenario, *program, workers=workers)
    if closed_form_applies(scenario, metric):
        return unit_economics_per_path(scenario)[metric]
    return simulate_summary(scenario, metric, workers=workers)


def check_metric(metric: str, scenario: Scenario | None = None) -> str:
    """The metric's full name if it is one, else :class:`InputError` with a guess.

    A summary metric of SPEC 3.2, or a program's effect ``programs.<name>.<effect>`` (SPEC 2.7).
    Given the scenario, the program must be one of it, and a bare effect (``roi_arr``) names the
    effect of its only program (``programs.Save.roi_arr``, which is returned); without it only
    the form is checked.
    """
    if metric in SUMMARY_METRICS:
        return metric
    programs = [p.name for p in scenario.programs] if scenario is not None else []
    match = PROGRAM_METRIC.fullmatch(metric)
    if match is not None:
        name, effect = match["program"], match["effect"]
        if effect not in PROGRAM_EFFECTS:
            close = suggest(effect, PROGRAM_EFFECTS, cutoff=0.5)
            guess = (
                f", did you mean 'programs.{name}.{close}'?"
                if close
                else f"; the effects are {', '.join(PROGRAM_EFFECTS)}"
            )
            raise InputError([f"'{metric}' names no program effect '{effect}'{guess}"])
        if scenario is None or name in programs:
            return metric
        if not programs:
            raise InputError([f"'{metric}' names a program, and this scenario has none"])
        close = suggest(name, programs, cutoff=0.5, case="same")
        guess = f", did you mean 'programs.{close}.{effect}'?" if close else f"; the programs are {', '.join(programs)}"
        raise InputError([f"'{metric}' names no program '{name}'{guess}"])
    if metric in PROGRAM_EFFECTS:
        if scenario is None:
            return metric
        if len(programs) == 1:
            return f"programs.{programs[0]}.{metric}"
        if not programs:
            raise InputError([f"'{metric}' is an effect of a program (SPEC 2.7), and this scenario has none"])
        named = " or ".join(f"'programs.{name}.{metric}'" for name in programs)
        raise InputError(
            [f"'{metric}' is an effect of a program: the scenario has {len(programs)}, say which: {named}"]
        )
    effects = [f"programs.{name}.{effect}" for name in programs for effect in PROGRAM_EFFECTS]
    known = [*SUMMARY_METRICS, *effects, *(PROGRAM_EFFECTS if scenario is None or len(programs) == 1 else ())]
    close = suggest(metric, known, cutoff=0.5)
    guess = f", did you mean '{close}'?" if close else f"; the summary metrics are {', '.join(SUMMARY_METRICS)}"
    raise InputError([f"'{metric}' is not a summary metric{guess}"])


@dataclass(frozen=True)
class InputField:
    """One number of a scenario that an analysis may change."""

    path: str
    value: Number
    rule: FieldRule

    @property
    def uncertain(self) -> bool:
        return isinstance(self.value, Distribution)

    @property
    def whole(self) -> bool:
        return self.rule.integer or self.rule.whole


def input_fields(scenario: Scenario) -> list[InputField]:
    """Every number of the scenario an analysis may change, in file order.

    That is every field :func:`~saas_sim.engine.params.iter_numbers` draws,
    plus each segment's ``starting_customers`` (a count worth swinging).
    ``spend_share`` is listed too; callers leave it out (see :data:`NOT_VARIED`).
    """
    fields = [InputField(path, value, rule) for path, value, rule in iter_numbers(scenario)]
    for segment in scenario.segments:
        if segment.starting_cohorts is not None:
            continue  # the installed base by tenure: its totals are no inputs (see why_not_varied)
        path = f"segments.{segment.name}.starting_customers"
        after = max(i for i, f in enumerate(fields) if f.path.startswith(f"segments.{segment.name}."))
        fields.insert(after + 1, InputField(path, segment.starting_customers, SEGMENT["starting_customers"]))
    return fields


# The blocks of SPEC 2.5, 2.7 and 2.8 whose whole counts (a program's months, a round's months_to_close
# and max_rounds) the analyses leave alone: a relative swing of a month is no question a founder asks.
_BLOCK_PATH = re.compile(r"(programs\.[^.]+|company\.funding|migrations\[\d+\])\.[a-z_]+")
WHOLE_MONTHS = "it is a whole number of months or rounds, which the analyses leave as the file gives it"


def why_not_varied(path: str) -> str | None:
    """Why the analyses leave the field at ``path`` alone, or None if they may change it."""
    if path in NOT_VARIED:
        return NOT_VARIED[path]
    if _BLOCK_PATH.fullmatch(path):
        field, rule = field_named(path), rule_for(path)
        if field is not None and field.not_varied is not None:  # a name, the segments a program acts on
            return field.not_varied
        return WHOLE_MONTHS if rule is not None and rule.integer else None
    event = EVENT_PATH.fullmatch(path)
    inner = event["path"] if event and event["path"] else path
    key = inner.split(".", 2)[2] if inner.startswith("segments.") and inner.count(".") >= 2 else None
    return NOT_VARIED.get(key) if key is not None else None


def find_field(scenario: Scenario, path: str) -> InputField:
    """The input at ``path``; :class:`InputError` saying why not, with a guess, when there is none."""
    fields = {f.path: f for f in input_fields(scenario)}
    reason = why_not_varied(path)
    if reason is not None and (
        path in fields or path in NOT_VARIED or _names_segment_key(scenario, path) or _names_block_key(scenario, path)
    ):
        raise InputError([f"'{path}' cannot be varied: {reason}"])
    if path in fields:
        return fields[path]
    parts = path.split(".")
    by_cohorts = {s.name for s in scenario.segments if s.starting_cohorts is not None}
    if len(parts) == 3 and parts[0] == "segments" and parts[1] in by_cohorts and parts[2] in COHORT_TOTALS:
        raise InputError(
            [
                f"'{path}' cannot be varied: segment {parts[1]} gives its installed base as starting_cohorts "
                "(by tenure); change the cohorts in the file"
            ]
        )
    raise InputError([f"'{path}' {_why_unknown(scenario, path, list(fields))}"])


def _names_segment_key(scenario: Scenario, path: str) -> bool:
    parts = path.split(".", 2)
    return len(parts) == 3 and parts[0] == "segments" and any(s.name == parts[1] for s in scenario.segments)


def _names_block_key(scenario: Scenario, path: str) -> bool:
    """Whether ``path`` is a key of a program, migration or funding round the scenario gives."""
    block = _BLOCK_PATH.fullmatch(path)
    if block is None:
        return False
    head = block[1]
    if head.startswith("programs."):
        return any(f"programs.{p.name}" == head for p in scenario.programs)
    if head == "company.funding":
        return scenario.company.funding is not None
    return int(head[len("migrations[") : -1]) < len(scenario.migrations)


def _why_unknown(scenario: Scenario, path: str, known: list[str]) -> str:
    """Why ``path`` is not an input of this scenario, in the loader's words, with a guess."""
    parts = path.split(".")
    for block, listed in (("segments", scenario.segments), ("programs", scenario.programs)):
        names = [item.name for item in listed]
        if len(parts) >= 3 and parts[0] == block and parts[1] not in names:
            kind = block.removesuffix("s")
            if not names:
                return f"names a {kind}, and this scenario has none"
            name = suggest(parts[1], names, cutoff=0.5, case="same")
            guess = (
                f", did you mean '{'.'.join([block, name, *parts[2:]])}'?"
                if name
                else f"; the {block} are {', '.join(names)}"
            )
            return f"names no {kind} '{parts[1]}'{guess}"
    leaves = [field for field in known if field.startswith(f"{path}.") and why_not_varied(field) is None]
    if leaves:
        return names_a_group(path, leaves)
    close = suggest(path, known)
    guess = f", did you mean '{close}'?" if close else ""
    migration = MIGRATION_PATH.fullmatch(path)
    if migration is not None and int(migration[1]) >= len(scenario.migrations):
        count = len(scenario.migrations)
        has = "no migrations" if count == 0 else f"{count} migration{'s' if count > 1 else ''}, migrations[0] the first"
        return f"names no migration: the scenario has {has}{guess}"
    event = EVENT_PATH.fullmatch(path)
    if event is not None and int(event[1]) >= len(scenario.events):
        count = len(scenario.events)
        has = "no events" if count == 0 else f"{count} event{'s' if count > 1 else ''}, events[0] the earliest"
        return f"names no event: the scenario has {has}{guess}"
    if rule_for(event["path"] if event and event["path"] else path) is not None:
        return f"is not given in this scenario{guess}"
    return f"names no field{guess}"


def point_value(value: Number, rule: FieldRule) -> float:
    """A plain value: the number itself, or the median of a distribution, clipped into the field's range."""
    if isinstance(value, Distribution):
        low, high = rule.clip_bounds()
        median = float(np.clip(quantile(value, np.zeros(1))[0], low, high))
        return float(round(median)) if rule.whole or rule.integer else median
    return float(value)


def set_field(scenario: Scenario, path: str, value: Number) -> Scenario:
    """A new scenario with the field at ``path`` set to ``value``; :class:`InputError` for an unknown path.

    Whole-number fields are rounded.  Two fields carry others along, as the
    scenario file means them:

    * ``segments.<name>.starting_customers`` keeps the starting MRR per
      account: ``starting_mrr`` is scaled by the same ratio (from 0 customers,
      it follows ``starting_customers × arpa_monthly``, as by default);
    * ``segments.<name>.arpa_monthly`` moves the starting MRR along where the
      file left ``starting_mrr`` to its default (``starting_customers ×
      arpa_monthly``).

    A plain value given to a field that was uncertain drops the correlations
    (``simulation.correlations``) that named it: only uncertain fields
    correlate.
    """
    found = find_field(scenario, path)
    if not isinstance(value, Distribution):
        value = float(value)
        if found.whole:
            value = float(round(value))
    key = path.split(".", 2)[2] if path.startswith("segments.") else None
    if key in ("starting_customers", "arpa_monthly"):
        name = path.split(".", 2)[1]
        segments = tuple(_with_starting_mrr(s, key, value) if s.name == name else s for s in scenario.segments)
        scenario = dataclasses.replace(scenario, segments=segments)
    else:
        scenario = paths.set(scenario, path, value)
    if not isinstance(value, Distribution) and found.uncertain:
        sim = scenario.simulation
        kept = tuple(c for c in sim.correlations if path not in c.between)
        scenario = dataclasses.replace(scenario, simulation=dataclasses.replace(sim, correlations=kept))
    return scenario


def _with_starting_mrr(segment: Segment, key: str, value: Number) -> Segment:
    mrr = segment.starting_mrr
    if key == "starting_customers":
        customers = int(value)  # type: ignore[arg-type]  # a whole, fixed field: never a distribution
        old = segment.starting_customers
        if old == 0 or mrr is None:
            mrr = None  # follows customers x arpa, per path
        elif isinstance(mrr, Distribution):
            mrr = scale_distribution(mrr, customers / old)
        else:
            mrr = mrr * customers / old
        if customers == 0:
            mrr = 0.0
        return dataclasses.replace(segment, starting_customers=customers, starting_mrr=mrr)
    defaulted = (
        isinstance(mrr, float)
        and not isinstance(segment.arpa_monthly, Distribution)
        and mrr == segment.starting_customers * segment.arpa_monthly
    )
    if defaulted:
        mrr = None if isinstance(value, Distribution) else segment.starting_customers * value
    return dataclasses.replace(segment, arpa_monthly=value, starting_mrr=mrr)


# Parameters in the value's own units, scaled with it; beta's alpha and beta are shapes.
_LOCATION_AND_SPREAD = {
    "normal": ("mean", "sd"),
    "lognormal": ("p5", "p95"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
}


def scale_distribution(dist: Distribution, factor: float) -> Distribution:
    """The distribution of ``factor × X`` (``factor > 0``): every value moves by the same factor.

    normal: mean and sd; lognormal: p5 and p95; uniform: low and high;
    triangular: low, mode and high are multiplied by ``factor``, so location
    and spread move together and the coefficient of variation stays.  A beta
    (a value on 0..1) cannot be scaled and stay a beta: its mean is
    multiplied by ``factor`` (kept inside 0..1) at the same concentration
    ``alpha + beta``.
    """
    params = dict(dist.params)
    if dist.dist == "beta":
        concentration = params["alpha"] + params["beta"]
        mean = min(max(params["alpha"] / concentration * factor, 1e-9), 1 - 1e-9)
        return Distribution("beta", (("alpha", mean * concentration), ("beta", (1 - mean) * concentration)))
    scaled = _LOCATION_AND_SPREAD[dist.dist]
    return Distribution(dist.dist, tuple((name, float(v * factor if name in scaled else v)) for name, v in dist.params))


def field_of(path: str) -> Field | None:
    """The catalog's field of a path as the analyses write it (``segments.SMB.churn.monthly``,
    ``events[0].set.acquisition.spend_monthly``, ``events[1].cash_in``, ``programs.Save.cost_monthly``,
    ``migrations[0].monthly``, ``company.funding.amount``), or None."""
    event = EVENT_PATH.fullmatch(path)
    if event is not None:
        if event["path"] is None:
            return FIELD["events.cash_in"]
        path = event["path"]
    return field_named(path)


def bounds(rule: FieldRule) -> tuple[float, float]:
    """The closed interval of values an analysis tries: the rule's range, open ends just inside,
    whole-number fields to whole numbers.

    The limit every amount has (``MAX_AMOUNT``, a quadrillion) is no bound of the business: a
    field with only that limit is unbounded here, and goal seek reaches out from its base value
    as it does on a field without a limit.
    """
    low, high = rule.clip_bounds()
    low = -math.inf if low <= -MAX_MAGNITUDE else low
    high = math.inf if high >= MAX_MAGNITUDE else high
    if rule.integer or rule.whole:
        low = math.ceil(low) if math.isfinite(low) else low
        high = math.floor(high) if math.isfinite(high) else high
    return low, high
