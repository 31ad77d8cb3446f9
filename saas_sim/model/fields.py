"""The rules of every numeric field of a scenario, as the rest of saas_sim imports them.

They are declared in :mod:`saas_sim.model.catalog.fields`, one entry per
key; this module only names what is derived there: :data:`TOP_LEVEL`
(``company.fixed_costs_monthly``...), :data:`SEGMENT` (a segment's numbers
keyed without the ``segments.<name>.`` prefix) and :func:`rule_for`.
"""

from __future__ import annotations

from saas_sim.model.catalog.fields import (
    EVENT_CASH_IN,
    FRACTION,
    MAX_AMOUNT,
    MAX_MAGNITUDE,
    MONEY,
    SEGMENT,
    TOP_LEVEL,
    FieldRule,
    rule_for,
)

__all__ = [
    "EVENT_CASH_IN",
    "FRACTION",
    "MAX_AMOUNT",
    "MAX_MAGNITUDE",
    "MONEY",
    "SEGMENT",
    "TOP_LEVEL",
    "FieldRule",
    "rule_for",
]
