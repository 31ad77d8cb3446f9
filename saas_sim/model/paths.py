"""One way to address a field of a scenario by its path: get, set, list the leaves, guess a misspelt path.

Paths are written as in events (SPEC 1): ``company.fixed_costs_monthly``,
``segments.<name>.churn.monthly``; an event's values are
``events[i].set.<path>`` and ``events[i].cash_in``, ``i`` counting the
scenario's events in month order.  The optional blocks of SPEC 2.5, 2.7 and
2.8: ``company.funding.amount``, ``company.customer_success.arr_per_csm``,
``programs.<name>.cost_monthly`` (a program by its name) and
``migrations[i].monthly`` (a migration by its place in the file).  What each path may hold comes from the
catalog (:mod:`saas_sim.model.catalog.fields`).

The same paths address plain documents (a scenario as YAML data, segments in
a list): :func:`split` and :func:`set_in`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from saas_sim.model.catalog.fields import (
    CUSTOMER_SUCCESS,
    EVENT_CASH_IN,
    FUNDING,
    MIGRATION,
    PROGRAM,
    SEGMENT,
    TOP_LEVEL,
    FieldRule,
    keys_of,
    numbers_of,
    rule_for,
)
from saas_sim.model.scenario import Distribution, Event, Program, Scenario, Segment

EVENT_PATH = re.compile(r"events\[(\d+)\]\.(?:cash_in|set\.(?P<path>.+))")
MIGRATION_PATH = re.compile(r"migrations\[(\d+)\]\.(?P<key>.+)")
# A migration's keys as the file writes them -> its attributes (``from`` is a Python keyword).
MIGRATION_ATTRIBUTES = {"from": "source", "to": "target"}
_PARTS = re.compile(r"[^.\[\]]+|\[\d+\]")
_INDEXED = re.compile(r"segments\[(\d+)\](\..+)?")

ChurnForm = Literal["monthly", "annual", "alpha and beta"]
# Which churn keys an event may set, by the form the segment gives churn in.
CHURN_FORM_KEYS: dict[str, tuple[str, ...]] = {
    "monthly": ("churn.monthly", "churn.heterogeneity"),
    "annual": ("churn.annual", "churn.heterogeneity"),
    "alpha and beta": ("churn.alpha", "churn.beta"),
}
# A segment's keys that hold no number: they exist, but no event can change them.
FIXED_SEGMENT_KEYS = tuple(key for key in keys_of("segments") if key not in SEGMENT and not keys_of(f"segments.{key}"))


@dataclass
class SegmentForm:
    """What events and correlations need to know about a segment: which CAC and churn form it gives."""

    uses_funnel: bool
    churn_form: str | None  # "monthly", "annual" or "alpha and beta"; None: not known (the file is wrong)


def segment_form(segment: Segment) -> SegmentForm:
    churn = segment.churn
    form = "alpha and beta" if churn.alpha is not None else "monthly" if churn.monthly is not None else "annual"
    return SegmentForm(uses_funnel=segment.funnel is not None, churn_form=form)


# -- reading and writing a scenario ----------------------------------------------------------


def numbers(scenario: Scenario) -> Iterator[tuple[str, Any, FieldRule]]:
    """Every number the scenario gives, as ``(path, value, rule)``; values left out (None) are skipped.

    In the order the engine draws them: ``horizon_months``, ``simulation.*``,
    the company's numbers in catalog order (``company.starting_cash`` ..
    ``company.ltv_horizon_months``, then ``company.funding.*`` and
    ``company.customer_success.*`` when given), acquisition, each segment in
    the order of its dataclass (:mod:`saas_sim.model.scenario`), each event's
    ``set`` (by path) and ``cash_in``, then each program's numbers
    (``programs.<name>.from_month`` .. ``.expansion_change``) and each
    migration's (``migrations[i].monthly``, ``migrations[i].mrr_multiplier``).
    The blocks of SPEC 2.5, 2.7 and 2.8 come where their keys are, so a
    scenario without them draws as before.  An event's month, the
    correlations, the cash policy and the names are no leaves.
    """
    yield "horizon_months", scenario.horizon_months, TOP_LEVEL["horizon_months"]
    for key in ("paths", "seed"):
        value = getattr(scenario.simulation, key)
        if value is not None:
            yield f"simulation.{key}", value, TOP_LEVEL[f"simulation.{key}"]
    company = scenario.company
    for key in numbers_of("company"):
        yield f"company.{key}", getattr(company, key), TOP_LEVEL[f"company.{key}"]
    for block, rules in (("funding", FUNDING), ("customer_success", CUSTOMER_SUCCESS)):
        given = getattr(company, block)
        if given is not None:
            yield from _block_numbers(given, f"company.{block}", rules)
    acquisition = scenario.acquisition
    for key in numbers_of("acquisition"):
        yield f"acquisition.{key}", getattr(acquisition, key), TOP_LEVEL[f"acquisition.{key}"]
    for segment in scenario.segments:
        yield from _segment_numbers(segment, f"segments.{segment.name}")
    for i, event in enumerate(scenario.events):
        for path, value in event.set:
            rule = rule_for(path)
            assert rule is not None, path
            yield f"events[{i}].set.{path}", value, rule
        if event.cash_in is not None:
            yield f"events[{i}].cash_in", event.cash_in, EVENT_CASH_IN
    for program in scenario.programs:
        yield from _block_numbers(program, f"programs.{program.name}", PROGRAM)
    for i, migration in enumerate(scenario.migrations):
        yield from _block_numbers(migration, f"migrations[{i}]", MIGRATION)


def _block_numbers(obj: object, prefix: str, rules: Mapping[str, FieldRule]) -> Iterator[tuple[str, Any, FieldRule]]:
    """The numbers of a block without blocks of its own (a program, a round), in catalog order; None skipped."""
    for key, rule in rules.items():
        value = getattr(obj, MIGRATION_ATTRIBUTES.get(key, key))
        if value is not None:
            yield f"{prefix}.{key}", value, rule


# What a segment's ``starting_cohorts`` stand for: totals the loader fills in, no inputs of their own.
COHORT_TOTALS = ("starting_customers", "starting_mrr", "starting_tenure_months")


def _segment_numbers(obj: object, prefix: str, key_prefix: str = "") -> Iterator[tuple[str, Any, FieldRule]]:
    cohorts = getattr(obj, "starting_cohorts", None) is not None
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]  # a segment or one of its parts: dataclasses
        value = getattr(obj, f.name)
        key = f"{key_prefix}{f.name}"
        if cohorts and key in COHORT_TOTALS:
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, Distribution):
            yield from _segment_numbers(value, f"{prefix}.{f.name}", f"{key}.")
        elif key in SEGMENT and value is not None:
            yield f"{prefix}.{f.name}", value, SEGMENT[key]


def leaves(scenario: Scenario) -> list[str]:
    """Every concrete path of a number the scenario gives (:func:`numbers`): ``segments.SMB.churn.monthly``,
    ``events[0].set.acquisition.spend_monthly``, ``events[1].cash_in``."""
    return [path for path, _, _ in numbers(scenario)]


def _event_at(scenario: Scenario, path: str) -> tuple[int, Event, str | None] | None:
    """For an event's path (``events[1].cash_in``, ``events[0].set.<path>``): the event's index, the
    event and the path it sets (None: its cash_in); None for any other path; :class:`KeyError` for
    an event the scenario does not have."""
    event = EVENT_PATH.fullmatch(path)
    if event is None:
        return None
    index = int(event[1])
    if index >= len(scenario.events):
        raise KeyError(path)
    return index, scenario.events[index], event["path"]


def get(scenario: Scenario, path: str) -> Any:
    """The value at ``path``; :class:`KeyError` when the scenario has no such field."""
    addressed = _event_at(scenario, path)
    if addressed is not None:
        _, found, inner = addressed
        if inner is None:
            return found.cash_in
        values = dict(found.set)
        if inner not in values:
            raise KeyError(path)
        return values[inner]
    obj, rest = _owner(scenario, path)
    for part in rest:
        if obj is None or not dataclasses.is_dataclass(obj) or part not in {f.name for f in dataclasses.fields(obj)}:
            raise KeyError(path)
        obj = getattr(obj, part)
    return obj


def set(scenario: Scenario, path: str, value: Any) -> Scenario:
    """A new scenario with ``value`` at ``path`` and nothing else changed (no check, no rounding).

    An event's ``set`` gains the path when it does not set it yet (kept sorted
    by path, as the loader keeps it).  :class:`KeyError` when there is no such field.
    """
    addressed = _event_at(scenario, path)
    if addressed is not None:
        index, found, inner = addressed
        if inner is None:
            changed = dataclasses.replace(found, cash_in=value)
        else:
            changes = {**dict(found.set), inner: value}
            changed = dataclasses.replace(found, set=tuple(sorted(changes.items(), key=lambda change: change[0])))
        events = list(scenario.events)
        events[index] = changed
        return dataclasses.replace(scenario, events=tuple(events))
    for block in ("segments", "programs"):
        if path.startswith(f"{block}.") and path.count(".") >= 2:
            _, name, key = path.split(".", 2)
            items: tuple[Segment | Program, ...] = getattr(scenario, block)
            if name not in [item.name for item in items]:
                raise KeyError(path)
            replaced_items: dict[str, Any] = {
                block: tuple(
                    _replace(item, key.split("."), value, path) if item.name == name else item for item in items
                )
            }
            return dataclasses.replace(scenario, **replaced_items)
    migration = MIGRATION_PATH.fullmatch(path)
    if migration is not None:
        index = int(migration[1])
        if index >= len(scenario.migrations):
            raise KeyError(path)
        parts = migration["key"].split(".")
        moved = _replace(
            scenario.migrations[index], [MIGRATION_ATTRIBUTES.get(parts[0], parts[0]), *parts[1:]], value, path
        )
        migrations = list(scenario.migrations)
        migrations[index] = moved
        return dataclasses.replace(scenario, migrations=tuple(migrations))
    replaced: Scenario = _replace(scenario, path.split("."), value, path)
    return replaced


def _replace(obj: Any, parts: list[str], value: Any, path: str) -> Any:
    """``obj`` (a dataclass) with the attribute at ``parts`` replaced by ``value``."""
    if obj is None or isinstance(obj, type) or not dataclasses.is_dataclass(obj):
        raise KeyError(path)
    if parts[0] not in {f.name for f in dataclasses.fields(obj)}:
        raise KeyError(path)
    if len(parts) > 1:
        value = _replace(getattr(obj, parts[0]), parts[1:], value, path)
    instance: Any = obj
    return dataclasses.replace(instance, **{parts[0]: value})


def _owner(scenario: Scenario, path: str) -> tuple[object, list[str]]:
    """The object a path starts in (the scenario, a segment, a program or a migration) and the
    attribute names from there."""
    for block in ("segments", "programs"):
        if path.startswith(f"{block}."):
            _, name, key = ([*path.split(".", 2), ""])[:3]
            items: tuple[Segment | Program, ...] = getattr(scenario, block)
            found = next((item for item in items if item.name == name), None)
            if found is None or not key:
                raise KeyError(path)
            return found, key.split(".")
    migration = MIGRATION_PATH.fullmatch(path)
    if migration is not None:
        index = int(migration[1])
        if index >= len(scenario.migrations):
            raise KeyError(path)
        parts = migration["key"].split(".")
        return scenario.migrations[index], [MIGRATION_ATTRIBUTES.get(parts[0], parts[0]), *parts[1:]]
    return scenario, path.split(".")


# -- the paths an event may set ---------------------------------------------------------------


def why_not_settable(path: str, rule: FieldRule, forms: Mapping[str, SegmentForm]) -> str | None:
    """Why no event may set ``path`` (a field with ``rule``) given its segment's form, or None."""
    if not rule.settable:
        return "cannot be changed by an event"
    if not path.startswith("segments."):
        return None
    _, name, key = path.split(".", 2)
    form = forms[name]
    if key.startswith("funnel.") and not form.uses_funnel:
        return f"can be set only on a segment with a funnel, '{name}' has a fixed cac"
    if key.startswith("churn.") and form.churn_form is not None and key not in CHURN_FORM_KEYS[form.churn_form]:
        needs = " or ".join(f for f, keys in CHURN_FORM_KEYS.items() if key in keys)
        return f"can be set only on a segment whose churn is given as {needs}, '{name}' gives {form.churn_form}"
    return None


def settable_paths(forms: Mapping[str, SegmentForm]) -> list[str]:
    """Every path an event may set, for segments of these names and forms, in catalog order."""
    paths = [key for key, rule in TOP_LEVEL.items() if rule.settable]
    paths += [f"segments.{name}.{key}" for name in forms for key, rule in SEGMENT.items() if rule.settable]
    return [path for path in paths if why_not_settable(path, rule_for(path), forms) is None]  # type: ignore[arg-type]  # a listed path has a rule


def event_paths(scenario: Scenario) -> list[str]:
    """Every path an event of ``scenario`` may set."""
    return settable_paths({s.name: segment_form(s) for s in scenario.segments})


# -- guesses ----------------------------------------------------------------------------------


def suggest(
    word: str, known: Iterable[str], *, cutoff: float = 0.6, case: Literal["", "same", "prefix"] = ""
) -> str | None:
    """The one of ``known`` that ``word`` most likely misspells, or None.

    ``case="same"`` first takes a known word equal to ``word`` but for case,
    ``case="prefix"`` one that starts with ``word`` but for case; then the
    closest by :func:`difflib.get_close_matches` at ``cutoff``.
    """
    known = list(known)
    if case:
        lower = word.lower()
        hits = [k for k in known if (k.lower() == lower if case == "same" else k.lower().startswith(lower))]
        if hits:
            return hits[0]
    close = difflib.get_close_matches(word, known, n=1, cutoff=cutoff)
    return close[0] if close else None


def names_a_group(path: str, leaves: list[str]) -> str:
    """Why ``path`` is no field when it names a block of fields (``segments.SMB.churn``): its fields."""
    if len(leaves) <= 3:
        quoted = [f"'{leaf}'" for leaf in leaves]
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        return f"names a group of fields, not one, did you mean {listed}?"
    return f"names a group of fields, not one; its fields are {', '.join(leaf[len(path) + 1 :] for leaf in leaves)}"


# -- a segment by its name or by its index ----------------------------------------------------


def by_index(path: str, segment_names: Sequence[str]) -> str:
    """A path naming its segment as events do, as plain documents index it: ``segments.SMB.churn.monthly`` ->
    ``segments[0].churn.monthly``, ``segment_names`` being the segments' names in their order.

    Other paths come back as they are; :class:`KeyError` when no segment has the name.
    """
    if not path.startswith("segments."):
        return path
    name, dot, rest = path.removeprefix("segments.").partition(".")
    names = list(segment_names)
    if name not in names:
        raise KeyError(path)
    return f"segments[{names.index(name)}]{dot}{rest}"


def by_name(path: str, segment_names: Sequence[str]) -> str:
    """The inverse of :func:`by_index`: ``segments[0].churn.monthly`` -> ``segments.SMB.churn.monthly``.

    Other paths come back as they are; :class:`KeyError` when there is no segment at the index.
    """
    indexed = _INDEXED.fullmatch(path)
    if indexed is None:
        return path
    index = int(indexed[1])
    if index >= len(segment_names):
        raise KeyError(path)
    return f"segments.{segment_names[index]}{indexed[2] or ''}"


# -- plain documents --------------------------------------------------------------------------


def split(path: str) -> list[str | int]:
    """``segments[0].churn.monthly`` -> ``["segments", 0, "churn", "monthly"]``."""
    return [int(part[1:-1]) if part.startswith("[") else part for part in _PARTS.findall(path)]


def set_in(document: Any, path: str, value: object, *, create: bool = False) -> None:
    """Set ``value`` at ``path`` (list items as ``[i]``) in plain data, in place.

    ``create``: a missing mapping on the way is added; else a missing key raises :class:`KeyError`.
    """
    parts = split(path)
    target = document
    for part in parts[:-1]:
        target = target.setdefault(part, {}) if create and isinstance(target, dict) else target[part]
    target[parts[-1]] = value


__all__ = [
    "CHURN_FORM_KEYS",
    "EVENT_PATH",
    "FIXED_SEGMENT_KEYS",
    "MIGRATION_ATTRIBUTES",
    "MIGRATION_PATH",
    "SegmentForm",
    "by_index",
    "by_name",
    "event_paths",
    "get",
    "leaves",
    "names_a_group",
    "numbers",
    "segment_form",
    "set",
    "set_in",
    "settable_paths",
    "split",
    "suggest",
    "why_not_settable",
]
