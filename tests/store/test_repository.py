"""The store's scenarios, revisions and runs, through :class:`saas_sim.store.Store` on a temporary database."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from saas_sim.analysis.run import run_scenario
from saas_sim.engine.simulate import with_overrides
from saas_sim.errors import InputError
from saas_sim.io.result import result_to_json
from saas_sim.io.scenario import parse_scenario, scenario_to_dict
from saas_sim.store import Store, repository
from saas_sim.store.repository import changed_fields, split_reference
from tests.store.conftest import ACME, renamed

ACME_2 = ACME.replace("fixed_costs_monthly: 40k", "fixed_costs_monthly: 45k")


def save(store: Store, text: str):
    return store.save_revision(text, parse_scenario(text))


def message(error: pytest.ExceptionInfo) -> str:
    return str(error.value)


def recent(moment: datetime) -> bool:
    """A UTC time of the last minute (the store's times are UTC)."""
    return moment.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


# --- revisions ----------------------------------------------------------------------------


def test_the_first_save_makes_revision_1(store):
    saved = save(store, ACME)
    assert (saved.created, saved.restored) == (True, False)
    revision = saved.revision
    assert (revision.name, revision.number, revision.latest_number, revision.latest) == ("Acme", 1, 1, True)
    assert revision.yaml_text == ACME
    assert revision.normalized == scenario_to_dict(parse_scenario(ACME))
    assert revision.content_hash == hashlib.sha256(ACME.encode()).hexdigest()
    assert (revision.runs, revision.archived) == (0, False)
    assert recent(revision.created_at)
    [info] = store.scenarios()
    assert (info.name, info.revision, info.revisions, info.runs, info.last_run_id) == ("Acme", 1, 1, 0, None)
    assert store.find_revision("Acme") == revision


def test_the_same_text_again_reuses_its_revision(store):
    first = save(store, ACME).revision
    again = save(store, ACME)
    assert again.created is False
    assert again.revision.id == first.id and again.revision.number == 1
    assert [r.number for r in store.history("Acme")] == [1]


def test_a_changed_text_makes_revision_2_and_keeps_revision_1(store):
    save(store, ACME)
    saved = save(store, ACME_2)
    assert saved.created is True and saved.revision.number == 2
    assert [r.number for r in store.history("Acme")] == [1, 2]
    assert store.find_revision("Acme").yaml_text == ACME_2
    old = store.find_revision("Acme@1")
    assert old.yaml_text == ACME and (old.latest_number, old.latest) == (2, False)
    assert old.normalized["company"]["fixed_costs_monthly"] == 40_000
    assert store.find_revision("Acme@2").normalized["company"]["fixed_costs_monthly"] == 45_000
    [info] = store.scenarios()
    assert (info.revision, info.revisions) == (2, 2)


def test_going_back_to_an_older_text_is_a_new_revision(store):
    """Only the latest revision is reused: A, B, A is three revisions."""
    for text in (ACME, ACME_2, ACME):
        save(store, text)
    assert [r.yaml_text for r in store.history("Acme")] == [ACME, ACME_2, ACME]


def test_crlf_and_lf_are_the_same_content(store, tmp_path):
    crlf = ACME.replace("\n", "\r\n")
    assert save(store, ACME).created
    assert save(store, crlf).created is False
    other = Store(tmp_path / "other.db")
    first = save(other, crlf).revision
    assert first.yaml_text == crlf  # as written
    assert save(other, ACME).created is False
    assert first.content_hash == store.find_revision("Acme").content_hash


def test_a_comment_only_change_is_a_new_revision_that_changes_no_field(store):
    first = save(store, ACME).revision
    commented = ACME.replace("  spend_monthly: 10k", "  spend_monthly: 10k   # was 8k last year")
    second = save(store, commented)
    assert second.created and second.revision.number == 2
    assert second.revision.content_hash != first.content_hash
    assert second.revision.normalized == first.normalized
    assert changed_fields(first.normalized, second.revision.normalized) == []


def test_a_missing_revision_number_is_refused(store):
    save(store, ACME)
    save(store, ACME_2)
    with pytest.raises(InputError) as error:
        store.find_revision("Acme@3")
    assert "no revision 3" in message(error) and "1..2" in message(error)
    with pytest.raises(InputError):
        store.find_revision("Acme@0")


def test_a_missing_name_is_refused_with_a_guess(store):
    with pytest.raises(InputError) as error:
        store.find_revision("Acme")
    assert "no stored scenario named 'Acme'" in message(error) and "empty" in message(error)
    save(store, ACME)
    for reference in ("Acmee", "acme", "Acne@1"):
        with pytest.raises(InputError) as error:
            store.find_revision(reference)
        assert "did you mean 'Acme'?" in message(error), reference
    with pytest.raises(InputError) as error:
        store.find_revision("Something else entirely")
    assert "Something else entirely" in message(error) and "did you mean" not in message(error)
    for call in (store.history, store.archive, store.restore, lambda name: store.runs(name=name)):
        with pytest.raises(InputError) as error:
            call("Acmee")
        assert "did you mean 'Acme'?" in message(error)


def test_names_containing_at(store):
    save(store, renamed(ACME, "team@acme"))
    assert store.find_revision("team@acme").name == "team@acme"
    save(store, renamed(ACME_2, "team@acme"))
    assert store.find_revision("team@acme@1").yaml_text == renamed(ACME, "team@acme")
    assert store.find_revision("team@acme").number == 2
    # "Plan@2" is a name of its own, found as written before "Plan" revision 2.
    save(store, renamed(ACME, "Plan"))
    save(store, renamed(ACME_2, "Plan"))
    save(store, renamed(ACME_2, "Plan@2"))
    exact = store.find_revision("Plan@2")
    assert (exact.name, exact.number) == ("Plan@2", 1)
    assert (store.find_revision("Plan@2@1").name, store.find_revision("Plan@2@1").number) == ("Plan@2", 1)
    assert (store.find_revision("Plan@1").name, store.find_revision("Plan@1").number) == ("Plan", 1)
    assert split_reference("Plan@2") == ("Plan", 2) and split_reference("a@b") == ("a@b", None)
    assert split_reference("@3") == ("@3", None)


def test_archive_and_restore(store):
    save(store, ACME)
    save(store, renamed(ACME, "Other"))
    assert store.archive("Acme") is True
    assert store.archive("Acme") is False  # already archived
    assert [s.name for s in store.scenarios()] == ["Other"]
    everything = store.scenarios(include_archived=True)
    assert [(s.name, s.archived) for s in everything] == [("Acme", True), ("Other", False)]
    revision = store.find_revision("Acme")  # archived scenarios stay readable
    assert revision.archived and revision.yaml_text == ACME
    assert store.restore("Acme") is True
    assert store.restore("Acme") is False
    assert [s.name for s in store.scenarios()] == ["Acme", "Other"]
    assert store.find_revision("Acme").archived is False


def test_saving_under_an_archived_name_restores_it(store, result):
    save(store, ACME)
    store.archive("Acme")
    saved = save(store, ACME)
    assert (saved.created, saved.restored, saved.revision.archived) == (False, True, False)
    assert [s.name for s in store.scenarios()] == ["Acme"]
    store.archive("Acme")
    saved, run = store.save_run(ACME_2, parse_scenario(ACME_2), result)
    assert (saved.created, saved.restored, saved.revision.number) == (True, True, 2)
    assert run.archived is False
    assert save(store, ACME_2).restored is False


def test_save_revisions_is_all_or_none(store, monkeypatch):
    real = repository.save_revision
    calls = []

    def failing_second(session, text, normalized, now):
        calls.append(text)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(session, text, normalized, now)

    monkeypatch.setattr(repository, "save_revision", failing_second)
    files = [(text, parse_scenario(text)) for text in (ACME, renamed(ACME, "Other"))]
    with pytest.raises(RuntimeError):
        store.save_revisions(files)
    monkeypatch.undo()
    assert store.scenarios(include_archived=True) == []
    saved = store.save_revisions(files)
    assert [(s.revision.name, s.revision.number, s.created) for s in saved] == [("Acme", 1, True), ("Other", 1, True)]


# --- runs ---------------------------------------------------------------------------------


def test_save_run_stores_the_run_and_its_result(store, result):
    saved, run = store.save_run(ACME, parse_scenario(ACME), result)
    assert saved.created and saved.revision.number == 1
    assert (run.name, run.revision, run.revision_id) == ("Acme", 1, saved.revision.id)
    assert (run.paths, run.seed, run.horizon_months) == (result.paths, result.seed, result.horizon_months)
    assert (run.paths, run.seed, run.horizon_months) == (20, 3, 12)
    assert run.engine_version == result.engine_version
    assert run.elapsed_s == result.elapsed_s
    assert run.status == "complete"
    assert recent(run.created_at)
    assert store.run(run.id) == run
    stored = store.result(run.id)
    assert stored == result
    assert stored.to_json() == json.loads(result_to_json(result))  # the whole document, elapsed_s included
    assert stored.elapsed_s == result.elapsed_s
    assert store.find_revision("Acme").runs == 1


def test_a_run_that_cannot_be_saved_leaves_no_revision(store, result):
    """save_run is one transaction: the revision saved before the failing run is rolled back."""
    result = dataclasses.replace(result, summary={})  # no arr_end for the run's row
    with pytest.raises(KeyError):
        store.save_run(ACME, parse_scenario(ACME), result)
    assert store.scenarios(include_archived=True) == []
    assert store.runs() == ([], 0)


def test_save_run_of_an_older_revision(store, result):
    first = save(store, ACME).revision
    save(store, ACME_2)
    run = store.save_run_of(first.id, result)
    assert (run.name, run.revision, run.revision_id) == ("Acme", 1, first.id)
    assert [r.runs for r in store.history("Acme")] == [1, 0]


def test_missing_runs_are_refused(store, result):
    with pytest.raises(InputError, match="no run 1"):
        store.run(1)
    with pytest.raises(InputError, match="no run 1"):
        store.result(1)
    _, run = store.save_run(ACME, parse_scenario(ACME), result)
    with pytest.raises(InputError, match=f"no run {run.id + 1}"):
        store.result(run.id + 1)


def test_runs_newest_first_by_name_with_limit_and_total(store, result):
    other = renamed(ACME, "Other")
    ids = [store.save_run(text, parse_scenario(text), result)[1].id for text in (ACME, other, ACME, ACME_2, other)]
    runs, total = store.runs()
    assert [r.id for r in runs] == ids[::-1] and total == 5
    assert [(r.name, r.revision) for r in runs] == [("Other", 1), ("Acme", 2), ("Acme", 1), ("Other", 1), ("Acme", 1)]
    runs, total = store.runs(name="Acme")
    assert [r.id for r in runs] == [ids[3], ids[2], ids[0]] and total == 3
    runs, total = store.runs(limit=2)
    assert [r.id for r in runs] == [ids[4], ids[3]] and total == 5
    runs, total = store.runs(name="Other", limit=1)
    assert [r.id for r in runs] == [ids[4]] and total == 2
    [acme, other_info] = store.scenarios()
    assert (acme.runs, acme.last_run_id, other_info.runs, other_info.last_run_id) == (3, ids[3], 2, ids[4])


def test_headline_columns_match_the_result(store):
    scenario = parse_scenario(ACME)
    results = [run_scenario(with_overrides(scenario, seed=seed)) for seed in (1, 2)]
    runs = [store.save_run(ACME, scenario, r)[1] for r in results]
    for run, r in zip(runs, results, strict=True):
        assert run.arr_end_p50 == r.summary["arr_end"].p50
        assert run.focus == r.diagnosis.focus
        assert run.seed == r.seed
        listed = next(info for info in store.runs()[0] if info.id == run.id)
        assert (listed.arr_end_p50, listed.focus) == (run.arr_end_p50, run.focus)
    assert runs[0].arr_end_p50 != runs[1].arr_end_p50  # two seeds: the column is per run
    [info] = store.scenarios()
    assert (info.last_arr_end_p50, info.last_focus) == (runs[1].arr_end_p50, runs[1].focus)


def test_currency_of_runs_and_scenarios(store, result):
    usd = ACME.replace("currency: EUR", "currency: USD")
    _, in_euros = store.save_run(ACME, parse_scenario(ACME), result)
    _, in_dollars = store.save_run(usd, parse_scenario(usd), result)
    assert (in_euros.currency, in_dollars.currency) == ("EUR", "USD")
    assert [r.currency for r in store.runs()[0]] == ["USD", "EUR"]
    assert store.scenarios()[0].currency == "USD"  # the latest revision's


# --- changed fields -----------------------------------------------------------------------


def normalized(text: str) -> dict:
    return scenario_to_dict(parse_scenario(text))


def test_changed_fields_between_stored_revisions(store):
    save(store, ACME)
    save(store, ACME.replace("churn: {monthly: 3%}", "churn: {monthly: 4%}"))
    first, second = store.history("Acme")
    assert changed_fields(first.normalized, second.normalized) == ["segments.SMB.churn.monthly"]


def test_changed_fields_match_segments_by_name():
    before = normalized(ACME)
    swapped = dict(before, segments=before["segments"][::-1])
    assert changed_fields(before, swapped) == []
    after = normalized(ACME.replace("cac: 20k", "cac: 25k").replace("gross_margin: 80%", "gross_margin: 82%"))
    assert changed_fields(before, after) == ["segments.Enterprise.cac", "segments.SMB.gross_margin"]
    renamed_segment = normalized(ACME.replace("- name: SMB", "- name: Small"))
    changes = changed_fields(before, renamed_segment)
    assert "segments.SMB.arpa_monthly" in changes and "segments.Small.arpa_monthly" in changes
    assert all(c.startswith(("segments.SMB.", "segments.Small.")) for c in changes)


def test_changed_fields_match_events_by_index():
    before = normalized(ACME)
    later = normalized(ACME.replace("  - month: 6\n    cash_in: 100k", "  - month: 7\n    cash_in: 100k"))
    assert changed_fields(before, later) == ["events[0].month"]
    more = ACME + "  - month: 9\n    set: {company.fixed_costs_monthly: 50k}\n"
    added = changed_fields(before, normalized(more))
    assert added == [
        "events[1].cash_in",
        "events[1].month",
        "events[1].note",
        "events[1].set.company.fixed_costs_monthly",
    ]
    assert changed_fields(normalized(more), before) == added
    assert changed_fields(before, normalized(ACME.replace("currency: EUR", "currency: USD"))) == ["currency"]


def test_a_stored_document_that_is_no_result_is_told_as_damage_not_a_traceback(store, result):
    """JSON that is not a SPEC 5 document (its diagnosis lost) is refused in one line, the store left as it is."""
    _, run = store.save_run(ACME, parse_scenario(ACME), result)
    document = result.to_json()
    del document["diagnosis"]
    with sqlite3.connect(store.path) as connection:
        connection.execute(
            "UPDATE run_results SET document = ? WHERE run_id = ?",
            (zlib.compress(json.dumps(document).encode()), run.id),
        )
    connection.close()
    with pytest.raises(InputError, match=r"not a result document \(it lacks 'diagnosis'\)") as refused:
        store.result(run.id)
    assert "KeyError" not in str(refused.value)  # said in words, not as a Python repr
    assert store.run(run.id) == run  # the run's row still reads


def test_a_stored_document_with_a_value_of_the_wrong_kind_is_told_as_damage_in_words(store, result):
    _, run = store.save_run(ACME, parse_scenario(ACME), result)
    document = result.to_json()
    document["summary"] = ["not", "a", "mapping"]
    with sqlite3.connect(store.path) as connection:
        connection.execute(
            "UPDATE run_results SET document = ? WHERE run_id = ?",
            (zlib.compress(json.dumps(document).encode()), run.id),
        )
    connection.close()
    with pytest.raises(InputError, match=r"not a result document \(a value of the wrong kind\)"):
        store.result(run.id)
