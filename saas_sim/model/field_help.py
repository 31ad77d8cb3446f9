"""A short explanation and the unit of every scenario field (SPEC 1), for editors and help text.

Both come from the catalog (:mod:`saas_sim.model.catalog.fields`); paths are
as in events, with segment fields under ``segments.*``.
"""

from __future__ import annotations

from saas_sim.model.catalog.fields import FIELD, generic_path

__all__ = ["generic_path", "help_for"]


def help_for(path: str) -> tuple[str, str] | None:
    """The unit and the explanation of a field path (``segments[0].churn.monthly``), or None."""
    field = FIELD.get(generic_path(path))
    if field is None or field.help is None:
        return None
    return field.unit_label, field.help
