"""The metrics of SPEC section 3, per path, from the engine's raw series, as the catalog declares them.

Inputs and outputs are arrays shaped ``(paths, months)`` (series) or
``(paths,)`` (summaries).  A value that is undefined on a path (a division
by zero, a window longer than the horizon) is ``nan``; aggregation leaves it
out.  Column ``t - 1`` holds month ``t``.

Every series and summary is computed as its :class:`~saas_sim.model.catalog.metrics.Metric`
says (``derive``, ``summarize``, ``same_as``, or the kernel's raw array); the
formulas are pure functions in :mod:`saas_sim.model.formulas`.  This module
keeps no list of names of its own: it reads the catalog when it is called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from saas_sim.model.catalog import metrics as catalog
from saas_sim.model.catalog.metrics import UNIT_ECONOMICS, Metric
from saas_sim.model.formulas import Views, ratio

Recipe = Callable[[], np.ndarray]


def in_view(metrics: Sequence[Metric], *, company: bool) -> list[Metric]:
    """The metrics a view has, in the order the result lists them: the catalog's, the company-only ones last.

    A segment has no company-only metric, the company no segment-only one (accounts moving between
    segments).  (The result document has listed
    the company-only names after the others since its first version.)
    """
    shared = [metric for metric in metrics if not metric.company_only and not (company and metric.segment_only)]
    return shared + [metric for metric in metrics if metric.company_only] if company else shared


def series_recipes(
    raw: Mapping[str, np.ndarray], *, company: bool, metrics: Sequence[Metric] | None = None
) -> dict[str, Recipe]:
    """How to compute every monthly series of SPEC 3.1 from the raw per-path series, one at a time.

    ``raw`` holds the kernel's counts and MRR movements plus ``customers0``
    and ``mrr0`` (month 0).  With ``company=True`` it also holds ``cash``,
    ``cash_in``, ``fixed_costs`` and ``starting_cash``.  A series is its
    declaration's ``derive`` of a :class:`~saas_sim.model.formulas.Views`
    (its formula is beside it in the catalog), or the raw array of its name
    when the kernel records it as it is.  Each recipe makes its series afresh
    (a raw series is returned as it is), so that a caller can compute, use and
    drop one series at a time; a derive reading another derived series
    computes it afresh too.  Names that share one recipe (``revenue`` is the
    ``same_as`` of ``mrr``) share one array.  ``metrics`` defaults to the
    catalog's :data:`~saas_sim.model.catalog.metrics.SERIES`.
    """
    recipes: dict[str, Recipe] = {}
    views = Views(raw, _Afresh(recipes))
    chosen = in_view(catalog.SERIES if metrics is None else metrics, company=company)
    for metric in chosen:
        if metric.derive is not None:
            recipes[metric.name] = functools.partial(metric.derive, views)
        elif not metric.same_as:
            recipes[metric.name] = functools.partial(raw.__getitem__, metric.name)
    for metric in chosen:
        if metric.same_as:
            recipes[metric.name] = recipes[metric.same_as]
    return {metric.name: recipes[metric.name] for metric in chosen}


class _Afresh(Mapping[str, np.ndarray]):
    """Series by name from their recipes, each computed when it is read and not kept."""

    def __init__(self, recipes: Mapping[str, Recipe]) -> None:
        self._recipes = recipes

    def __getitem__(self, name: str) -> np.ndarray:
        return self._recipes[name]()

    def __contains__(self, name: object) -> bool:
        return name in self._recipes  # without computing the series

    def __iter__(self) -> Iterator[str]:
        return iter(self._recipes)

    def __len__(self) -> int:
        return len(self._recipes)


class LazySeries(_Afresh):
    """The monthly series of one view, each computed when it is read and not kept.

    For reading every series once while holding one at a time in memory;
    :meth:`recipe` tells which names share an array.
    """

    def __init__(
        self, raw: Mapping[str, np.ndarray], *, company: bool, metrics: Sequence[Metric] | None = None
    ) -> None:
        super().__init__(series_recipes(raw, company=company, metrics=metrics))

    def recipe(self, name: str) -> Recipe:
        return self._recipes[name]


def segment_series(
    raw: Mapping[str, np.ndarray], *, company: bool, metrics: Sequence[Metric] | None = None
) -> dict[str, np.ndarray]:
    """Every monthly series of SPEC 3.1 from the raw per-path series (see :func:`series_recipes`), held at once."""
    made: dict[Recipe, np.ndarray] = {}
    out = {}
    for name, recipe in series_recipes(raw, company=company, metrics=metrics).items():
        if recipe not in made:
            made[recipe] = recipe()
        out[name] = made[recipe]
    return out


def summary(
    series: Mapping[str, np.ndarray],
    raw: Mapping[str, np.ndarray],
    *,
    company: bool,
    metrics: Sequence[Metric] | None = None,
) -> dict[str, np.ndarray]:
    """The per-path summary metrics of SPEC 3.2 of one view.

    A summary is its declaration's ``summarize`` of a
    :class:`~saas_sim.model.formulas.Views` of ``series`` (its formula is
    beside it in the catalog), or the raw array of its name: the unit
    economics, which the kernel computes (the company's are the segments'
    weighted, see :func:`weighted_unit_economics`).  A summary reading
    another summary gets it computed once, whether that one is among
    ``metrics`` or not (only ``metrics`` are returned).  ``metrics``
    defaults to the catalog's :data:`~saas_sim.model.catalog.metrics.SUMMARY`.
    """
    chosen = {
        metric.name: metric for metric in in_view(catalog.SUMMARY if metrics is None else metrics, company=company)
    }
    out: dict[str, np.ndarray] = {}

    def summary_of(name: str) -> np.ndarray:
        if name not in out:
            summarize = (chosen[name] if name in chosen else catalog.METRICS[name]).summarize
            out[name] = raw[name] if summarize is None else summarize(views)
        return out[name]

    views = Views(raw, series, summary_of)
    return {name: summary_of(name) for name in chosen}


def weighted_unit_economics(segments: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Company LTV, LTV/CAC and payback: the segments' values weighted by each
    segment's share of new accounts on that path (SPEC 3.2).

    A segment without new accounts on a path has no weight there; on a path
    without any new account every segment weighs the same.  An undefined
    (``nan``) or never (``inf``) value of a weighted segment carries over.
    """
    new = np.stack([(s["paid_new"] + s["referral_new"]).sum(axis=1) for s in segments])  # (segments, paths)
    total = new.sum(axis=0)
    weights = np.where(total > 0, ratio(new, total[None, :]), 1.0 / len(segments))
    out = {}
    for name in UNIT_ECONOMICS:
        values = np.stack([np.broadcast_to(s[name], total.shape) for s in segments])
        weighted = weights > 0
        with np.errstate(invalid="ignore"):
            combined = np.where(weighted, weights * values, 0.0).sum(axis=0)
        undefined = (weighted & np.isnan(values)).any(axis=0)
        never = (weighted & np.isposinf(values)).any(axis=0)
        out[name] = np.where(undefined, np.nan, np.where(never, np.inf, combined))
    return out
