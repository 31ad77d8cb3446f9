"""Renaming a stored scenario: one transaction that moves its history and saves the renamed text."""

from __future__ import annotations

import pytest

from saas_sim.errors import InputError
from saas_sim.io.scenario import parse_scenario
from saas_sim.store import Store
from tests.store.conftest import ACME, renamed

ACME_2 = ACME.replace("fixed_costs_monthly: 40k", "fixed_costs_monthly: 45k")


def save(store: Store, text: str):
    return store.save_revision(text, parse_scenario(text))


def rename(store: Store, old: str, text: str):
    return store.rename(old, text, parse_scenario(text))


def test_a_rename_moves_the_history_and_runs_and_saves_the_next_revision(store, result):
    save(store, ACME)
    store.save_run(ACME_2, parse_scenario(ACME_2), result)
    text = renamed(ACME_2, "Acme Labs")

    saved = rename(store, "Acme", text)

    assert (saved.created, saved.restored) == (True, False)
    assert (saved.revision.name, saved.revision.number, saved.revision.yaml_text) == ("Acme Labs", 3, text)
    assert [info.name for info in store.scenarios(include_archived=True)] == ["Acme Labs"]
    [info] = store.scenarios()
    assert (info.revision, info.revisions, info.runs) == (3, 3, 1)
    assert [r.yaml_text for r in store.history("Acme Labs")] == [ACME, ACME_2, text]
    assert store.find_revision("Acme Labs@1").yaml_text == ACME  # the old texts keep their old name
    [run], _ = store.runs(name="Acme Labs")
    assert (run.name, run.revision) == ("Acme Labs", 2)
    with pytest.raises(InputError, match="no stored scenario named 'Acme'"):
        store.find_revision("Acme")


def test_a_rename_to_a_taken_name_changes_nothing(store):
    save(store, ACME)
    other = renamed(ACME, "Other")
    save(store, other)

    with pytest.raises(InputError, match="already named 'Other'"):
        rename(store, "Acme", renamed(ACME_2, "Other"))
    with pytest.raises(InputError, match="already named 'Acme'"):
        rename(store, "Acme", ACME_2)  # its own name is taken too

    assert [(i.name, i.revisions) for i in store.scenarios()] == [("Acme", 1), ("Other", 1)]
    assert store.find_revision("Other").yaml_text == other


def test_renaming_an_unknown_scenario_says_so(store):
    save(store, ACME)
    with pytest.raises(InputError, match="no stored scenario named 'Acne'; did you mean 'Acme'"):
        rename(store, "Acne", renamed(ACME, "New"))
    assert [i.name for i in store.scenarios()] == ["Acme"]


def test_renaming_an_archived_scenario_restores_it(store):
    save(store, ACME)
    store.archive("Acme")

    saved = rename(store, "Acme", renamed(ACME, "Acme 2"))

    assert saved.restored is True
    assert [(i.name, i.archived) for i in store.scenarios()] == [("Acme 2", False)]


def test_the_old_name_is_free_again(store):
    save(store, ACME)
    rename(store, "Acme", renamed(ACME, "Moved"))
    saved = save(store, ACME)
    assert (saved.revision.name, saved.revision.number) == ("Acme", 1)
    assert [i.name for i in store.scenarios()] == ["Acme", "Moved"]
