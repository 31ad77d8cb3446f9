"""The inputs of a run as rows: the normalized scenario (SPEC 5's ``scenario``) flattened, one row per value.

Each row names the value by its path as error messages and events write it
(``segments[0].churn.monthly``, ``events[1].set.segments.SMB.churn_change``), holds the value as
the normalized scenario does (a number, text, ``None`` where the scenario leaves it unset), and for
an uncertain value its distribution with its own parameters and where its values lie: ``low`` and
``high`` are the distribution's 90 % interval (normal, lognormal) or its whole range (uniform,
triangular, beta).  The workbook's "Inputs" sheet and the HTML report show these rows.  Pure: no
rich, no typer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from saas_sim.io.values import likely_values
from saas_sim.model.catalog.fields import FIELD, Field
from saas_sim.model.scenario import Distribution

Scalar = str | int | float | bool | None

_INDEX = re.compile(r"\[\d+\]")
_EVENT_SET = re.compile(r"events\[\d+\]\.set\.")
_BOUNDED = ("uniform", "triangular", "beta")  # low..high is the whole range, not a 90 % interval
_SHOWN_AS_RANGE = {"lognormal": ("p5", "p95"), "uniform": ("low", "high"), "triangular": ("low", "high")}


@dataclass(frozen=True)
class InputRow:
    """One value of the scenario.

    ``value``: the value as the normalized scenario holds it; for an uncertain one the mean of a
    normal (as the file writes it), else ``None``: the distribution and its range say it, as
    written, rather than a figure the user never wrote.  ``distribution``: ``None`` for a
    plain value, else the distribution's name and the parameters its range leaves out
    (``normal (mean 0.03, sd 0.006)``, ``triangular (mode 0.05)``).  ``unit``: the catalog's
    (``money``, ``rate``, ``share``, ``count``, ``months``...), ``percent`` when it reads as a
    percentage.  ``note``: for an uncertain value what ``value``, ``low`` and ``high`` are, else the
    catalog's unit label (or what an unset value stands for: ``customers × ARPA``).
    """

    field: str
    value: Scalar
    distribution: str | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""
    unit: str = ""
    percent: bool = False


def _catalog_field(path: str) -> Field | None:
    """The catalog's field of a path with indices (``segments[0].churn.monthly``) or an event's ``set`` path."""
    event_set = _EVENT_SET.match(path)
    if event_set is not None:  # the rest is a path as events write it; a segment's name may hold "[1]"
        parts = path[event_set.end() :].split(".", 2)
        if len(parts) == 3 and parts[0] == "segments":
            return FIELD.get(f"segments.{parts[2]}")
        return FIELD.get(".".join(parts))
    return FIELD.get(_INDEX.sub("", path))


def _number_text(value: float) -> str:
    return f"{value:g}"


def _distribution_row(path: str, data: dict[str, Any], field: Field | None) -> InputRow:
    params = {key: float(value) for key, value in data.items() if key != "dist"}
    dist = Distribution(data["dist"], tuple(params.items()))
    low, high = likely_values(dist)
    shown = _SHOWN_AS_RANGE.get(dist.dist, ())
    extra = ", ".join(f"{key} {_number_text(value)}" for key, value in params.items() if key not in shown)
    value = params["mean"] if dist.dist == "normal" else None  # only a normal's centre is written in the file
    if dist.dist in _BOUNDED:
        note = "low..high: its whole range"
    else:
        note = ("value: its mean; " if value is not None else "") + "low..high: its 90 % interval"
    return InputRow(
        field=path,
        value=value,
        distribution=f"{dist.dist} ({extra})" if extra else dist.dist,
        low=low,
        high=high,
        note=note,
        unit=field.unit if field is not None else "",
        percent=_is_percent(field),
    )


def _is_percent(field: Field | None) -> bool:
    return field is not None and (field.percent or field.unit in ("rate", "share"))


def _rows(path: str, value: Any) -> Iterator[InputRow]:
    field = _catalog_field(path)
    if isinstance(value, dict) and "dist" in value:
        yield _distribution_row(path, value, field)
    elif isinstance(value, dict):
        for key, inner in value.items():
            # an event's `set` keys are dotted paths themselves: they are joined as written
            yield from _rows(f"{path}.{key}" if path else str(key), inner)
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _rows(f"{path}[{index}]", inner)
    else:
        note = ""
        if field is not None and value is None and field.placeholder:
            note = field.placeholder
        elif field is not None and field.unit_label not in ("text", "choice"):
            note = field.unit_label
        yield InputRow(
            field=path,
            value=value,
            note=note,
            unit=field.unit if field is not None else "",
            percent=_is_percent(field),
        )


def input_rows(scenario: dict[str, Any]) -> list[InputRow]:
    """Every value of a normalized scenario, in its order, one row each (empty lists and blocks give none)."""
    return list(_rows("", scenario))
