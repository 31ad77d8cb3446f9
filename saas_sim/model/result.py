"""The result document of SPEC 5 as frozen dataclasses: what a run gives, typed.

:meth:`Result.to_json` returns the very dict the ``--json`` output and the store hold (key
order included), and :meth:`Result.from_json` reads one back: ``Result.from_json(r.to_json())
== r`` and ``Result.from_json(d).to_json() == d``.  Pure: no file IO here (that is
:mod:`saas_sim.io.result`).

The lists of a statistic are shared with the document they came from or go to, not copied:
treat them as read-only.

A key the code emits only sometimes is kept exactly: a series' ``n`` (counts by month, when a
month rests on too few paths), a summary's ``n`` (when fewer paths than the run's define it)
and ``never`` (carried by a metric whose ``inf`` means never, SPEC 3.2, even when it is
``null``); a diagnosis check's ``never`` likewise.  ``programs`` (SPEC 2.7) is in the document
only when the scenario has programs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

SCHEMA = "saas-sim.result/1"
STATS = ("mean", "p5", "p10", "p50", "p90", "p95")  # every statistic's names, in the document's order
Value: TypeAlias = float | None
Json: TypeAlias = dict[str, Any]


def _check_stat(name: str) -> None:
    if name not in STATS:
        raise KeyError(f"no statistic {name!r}; one of {', '.join(STATS)}")


@dataclass(frozen=True)
class Statistic:
    """A monthly series' statistics over paths, one value per month (``None``: no path defines it)."""

    mean: list[Value]
    p5: list[Value]
    p10: list[Value]
    p50: list[Value]
    p90: list[Value]
    p95: list[Value]
    n: list[int] | None = None  # paths defining each month, when some month rests on too few

    def stat(self, name: str) -> list[Value]:
        """The statistic called ``name`` (one of :data:`STATS`), for a name chosen at run time."""
        _check_stat(name)
        values: list[Value] = getattr(self, name)
        return values

    def to_json(self) -> Json:
        out: Json = {name: getattr(self, name) for name in STATS}
        if self.n is not None:
            out["n"] = self.n
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Statistic:
        return cls(**{name: d[name] for name in STATS}, n=d.get("n"))


@dataclass(frozen=True)
class SummaryStatistic:
    """A summary metric's statistics over paths, with ``se``, the standard error of the mean.

    ``counts_never``: the metric's ``inf`` means never (SPEC 3.2), and the statistic carries
    ``never``, the share of the defined paths where it never happens (``None`` when no path
    defines it).  ``n``: the paths it rests on, when fewer than the run's.
    """

    mean: Value
    p5: Value
    p10: Value
    p50: Value
    p90: Value
    p95: Value
    se: Value
    never: Value = None
    counts_never: bool = False
    n: int | None = None

    def stat(self, name: str) -> Value:
        """The statistic called ``name`` (one of :data:`STATS`), for a name chosen at run time."""
        _check_stat(name)
        value: Value = getattr(self, name)
        return value

    def to_json(self) -> Json:
        out: Json = {name: getattr(self, name) for name in (*STATS, "se")}
        if self.counts_never:
            out["never"] = self.never
        if self.n is not None:
            out["n"] = self.n
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SummaryStatistic:
        return cls(
            **{name: d[name] for name in (*STATS, "se")},
            never=d.get("never"),
            counts_never="never" in d,
            n=d.get("n"),
        )


# A metric a document lacks (one stored by an earlier version) reads as undefined.
NO_STATISTIC = SummaryStatistic(None, None, None, None, None, None, None)


def _series_to_json(series: Mapping[str, Statistic]) -> Json:
    return {name: stats.to_json() for name, stats in series.items()}


def _summary_to_json(summary: Mapping[str, SummaryStatistic]) -> Json:
    return {name: stats.to_json() for name, stats in summary.items()}


def series_from_json(d: Mapping[str, Any]) -> dict[str, Statistic]:
    return {name: Statistic.from_json(stats) for name, stats in d.items()}


def summary_from_json(d: Mapping[str, Any]) -> dict[str, SummaryStatistic]:
    return {name: SummaryStatistic.from_json(stats) for name, stats in d.items()}


@dataclass(frozen=True)
class Segment:
    """One segment's series and summary (the company-only metrics left out)."""

    series: dict[str, Statistic]
    summary: dict[str, SummaryStatistic]

    def to_json(self) -> Json:
        return {"series": _series_to_json(self.series), "summary": _summary_to_json(self.summary)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Segment:
        return cls(series_from_json(d["series"]), summary_from_json(d["summary"]))


@dataclass(frozen=True)
class Cohorts:
    """``[k][a]``: the share left at tenure ``a`` of the customers (logos) or MRR that signed up in month ``k + 1``."""

    logo_retention: list[list[Value]]
    revenue_retention: list[list[Value]]

    def to_json(self) -> Json:
        return {"logo_retention": self.logo_retention, "revenue_retention": self.revenue_retention}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Cohorts:
        return cls(d["logo_retention"], d["revenue_retention"])


Status: TypeAlias = str  # "ok" | "warn" | "bad" | "n/a"


@dataclass(frozen=True)
class DiagnosisCheck:
    """One benchmark of SPEC 3.4: the statistic graded, its value (``None``: undefined or never) and the advice.

    ``counts_never`` as in :class:`SummaryStatistic`: the check then carries ``never``.
    """

    metric: str
    statistic: str | None  # "p50" or "mean"; None only in a document written before it was recorded
    value: Value
    status: Status
    advice: str
    never: Value = None
    counts_never: bool = False

    def to_json(self) -> Json:
        out: Json = {"metric": self.metric}
        if self.statistic is not None:
            out["statistic"] = self.statistic
        out.update(value=self.value, status=self.status, advice=self.advice)
        if self.counts_never:
            out["never"] = self.never
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DiagnosisCheck:
        return cls(
            d["metric"],
            d.get("statistic"),
            d["value"],
            d["status"],
            d["advice"],
            never=d.get("never"),
            counts_never="never" in d,
        )


@dataclass(frozen=True)
class Diagnosis:
    """The focus that matters most now, its advice, and the checks it was chosen from."""

    focus: str
    advice: str
    checks: list[DiagnosisCheck]

    def check(self, metric: str) -> DiagnosisCheck:
        """The check of ``metric``."""
        for check in self.checks:
            if check.metric == metric:
                return check
        raise KeyError(metric)

    def to_json(self) -> Json:
        return {"focus": self.focus, "advice": self.advice, "checks": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Diagnosis:
        return cls(d["focus"], d["advice"], [DiagnosisCheck.from_json(c) for c in d["checks"]])


@dataclass(frozen=True)
class Result:
    """The result document of SPEC 5.

    ``scenario`` is the normalized scenario (every default filled in) as the plain mapping the
    document holds; ``series``/``summary`` are the company's.
    """

    engine_version: str
    scenario: dict[str, Any]
    paths: int
    seed: int
    horizon_months: int
    months: list[int]
    series: dict[str, Statistic]
    segments: dict[str, Segment]
    summary: dict[str, SummaryStatistic]
    cohorts: Cohorts
    diagnosis: Diagnosis
    elapsed_s: float
    schema: str = field(default=SCHEMA)
    # Each program against the same scenario without it (SPEC 2.7): cost, saved_customers, ... by name.
    programs: dict[str, dict[str, SummaryStatistic]] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        """The scenario's currency code."""
        currency: str = self.scenario.get("currency") or "USD"
        return currency

    def to_json(self) -> Json:
        """The SPEC 5 document, key for key and in order, as ``--json`` writes it."""
        return {
            "schema": self.schema,
            "engine_version": self.engine_version,
            "scenario": self.scenario,
            "paths": self.paths,
            "seed": self.seed,
            "horizon_months": self.horizon_months,
            "months": self.months,
            "series": _series_to_json(self.series),
            "segments": {name: segment.to_json() for name, segment in self.segments.items()},
            "summary": _summary_to_json(self.summary),
            "cohorts": self.cohorts.to_json(),
            "diagnosis": self.diagnosis.to_json(),
            **(
                {"programs": {name: _summary_to_json(effects) for name, effects in self.programs.items()}}
                if self.programs
                else {}
            ),
            "elapsed_s": self.elapsed_s,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Result:
        """The result of a document :meth:`to_json` wrote (or a run stored by an earlier version)."""
        return cls(
            schema=d["schema"],
            engine_version=d["engine_version"],
            scenario=d["scenario"],
            paths=d["paths"],
            seed=d["seed"],
            horizon_months=d["horizon_months"],
            months=d["months"],
            series=series_from_json(d["series"]),
            segments={name: Segment.from_json(segment) for name, segment in d["segments"].items()},
            summary=summary_from_json(d["summary"]),
            cohorts=Cohorts.from_json(d["cohorts"]),
            diagnosis=Diagnosis.from_json(d["diagnosis"]),
            elapsed_s=d["elapsed_s"],
            programs={name: summary_from_json(effects) for name, effects in d.get("programs", {}).items()},
        )
