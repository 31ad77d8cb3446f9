"""What every metric of SPEC 3 means, in a founder's words, and how it is computed.

Derived from the catalog (:mod:`saas_sim.model.catalog.metrics`), which
declares each metric once.  ``GLOSSARY`` says what a number tells you,
``FORMULAS`` how it is computed; both are keyed by the metric names of the
result document (``cac`` is both a monthly series and a summary metric, so its
entry covers both).  ``GROUPS`` orders the names for a reader.
"""

from __future__ import annotations

from saas_sim.model.catalog.metrics import METRICS, glossary_groups

GLOSSARY: dict[str, str] = {name: metric.meaning for name, metric in METRICS.items()}
FORMULAS: dict[str, str] = {name: metric.formula for name, metric in METRICS.items()}
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = glossary_groups()
