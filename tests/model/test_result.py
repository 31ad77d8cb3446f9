"""The typed result reads and writes the SPEC 5 document exactly: key for key, in order."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_sim.model.result import STATS, Result, Statistic, SummaryStatistic

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
NAMES = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
VALUES = st.none() | st.floats(allow_nan=False, allow_infinity=False)


def _text(document: object) -> str:
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)


@st.composite
def series_documents(draw: st.DrawFn, months: int) -> dict:
    document = {stat: draw(st.lists(VALUES, min_size=months, max_size=months)) for stat in STATS}
    if draw(st.booleans()):
        document["n"] = draw(st.lists(st.integers(0, 10**6), min_size=months, max_size=months))
    return document


@st.composite
def summary_documents(draw: st.DrawFn) -> dict:
    document = {stat: draw(VALUES) for stat in (*STATS, "se")}
    if draw(st.booleans()):
        document["never"] = draw(st.none() | st.floats(0, 1))
    if draw(st.booleans()):
        document["n"] = draw(st.integers(0, 10**6))
    return document


@st.composite
def check_documents(draw: st.DrawFn) -> dict:
    document = {"metric": draw(NAMES)}
    if draw(st.booleans()):
        document["statistic"] = draw(st.sampled_from(("p50", "mean")))
    document.update(
        value=draw(VALUES), status=draw(st.sampled_from(("ok", "warn", "bad", "n/a"))), advice=draw(st.text())
    )
    if draw(st.booleans()):
        document["never"] = draw(st.none() | st.floats(0, 1))
    return document


@st.composite
def result_documents(draw: st.DrawFn) -> dict:
    """A SPEC 5 document, with every optional key the code emits sometimes there and sometimes not."""
    months = draw(st.integers(1, 4))

    def series() -> dict:
        return draw(st.dictionaries(NAMES, series_documents(months), max_size=3))

    def summary() -> dict:
        return draw(st.dictionaries(NAMES, summary_documents(), max_size=3))

    cohort = st.lists(st.lists(st.none() | st.floats(0, 1), max_size=months), min_size=months, max_size=months)
    return {
        "schema": "saas-sim.result/1",
        "engine_version": draw(st.sampled_from(("0.1.0", "0.2.0"))),
        "scenario": {"name": draw(st.text()), "currency": draw(st.sampled_from(("USD", "EUR")))},
        "paths": draw(st.integers(1, 10**6)),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "horizon_months": months,
        "months": list(range(1, months + 1)),
        "series": series(),
        "segments": {name: {"series": series(), "summary": summary()} for name in draw(st.lists(NAMES, max_size=3))},
        "summary": summary(),
        "cohorts": {"logo_retention": draw(cohort), "revenue_retention": draw(cohort)},
        "diagnosis": {
            "focus": draw(st.sampled_from(("retention", "acquisition", "cash", "scale"))),
            "advice": draw(st.text()),
            "checks": draw(st.lists(check_documents(), max_size=6)),
        },
        "elapsed_s": draw(st.floats(0, 1000)),
    }


@given(result_documents())
def test_a_document_reads_back_to_itself(document: dict) -> None:
    result = Result.from_json(document)
    assert result.to_json() == document
    assert _text(result.to_json()) == _text(document)  # the key order too: --json is compared as text
    assert Result.from_json(result.to_json()) == result


def _stored() -> list[tuple[str, str]]:
    """``(name, text)`` of every stored golden document that holds result documents (run, and compare's a and b)."""
    found = []
    for path in sorted(GOLDEN.glob("*.json.gz")):
        text = gzip.decompress(path.read_bytes()).decode()
        document = json.loads(text)
        if "schema" in document or "a" in document:
            found.append((path.name, text))
    return found


STORED = _stored()


def test_the_stored_documents_are_found() -> None:
    assert len(STORED) == 8  # seven runs (two with programs or migrations) and one comparison


@pytest.mark.parametrize(("name", "text"), STORED, ids=[name for name, _ in STORED])
def test_every_stored_golden_document_round_trips_exactly(name: str, text: str) -> None:
    document = json.loads(text)
    if "schema" in document:  # a run's --json, byte for byte
        assert _text(Result.from_json(document).to_json()) + "\n" == text
    else:
        for one in (document["a"], document["b"]):
            assert _text(Result.from_json(one).to_json()) == _text(one)


def test_a_statistic_is_read_by_name_and_a_misspelt_one_is_refused() -> None:
    stats = SummaryStatistic(1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 0.1)
    assert [stats.stat(name) for name in STATS] == [1.0, 0.0, 0.5, 1.0, 1.5, 2.0]
    with pytest.raises(KeyError, match="p55"):
        stats.stat("p55")
    with pytest.raises(KeyError, match="se"):
        Statistic([1.0], [1.0], [1.0], [1.0], [1.0], [1.0]).stat("se")  # a series has no standard error


def test_never_is_kept_when_null_and_left_out_when_the_metric_cannot_be_never() -> None:
    counts_never = SummaryStatistic(None, None, None, None, None, None, None, never=None, counts_never=True)
    assert counts_never.to_json()["never"] is None
    assert "never" not in SummaryStatistic(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0).to_json()
