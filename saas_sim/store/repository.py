"""Repository functions: one unit of work each, given a session.

They never commit: :class:`saas_sim.store.Store` wraps each call in its own
session and transaction (``database.read`` / ``database.write``).  Queries
return plain frozen records, safe to hand to another thread.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from saas_sim.errors import InputError
from saas_sim.model.catalog.fields import FIELD
from saas_sim.model.names import name_problem, normalize_name
from saas_sim.model.paths import suggest
from saas_sim.model.result import Result
from saas_sim.store.database import Damaged
from saas_sim.store.records import RevisionInfo, RunInfo, SavedRevision, ScenarioInfo, split_reference
from saas_sim.store.tables import RevisionRecord, RunRecord, RunResultRecord, ScenarioRecord

ENCODING = "json+zlib"
RUN_COMPLETE = "complete"
# SQLite's integers: an id or a number outside them names nothing (and cannot be bound).
SQLITE_INTEGERS = range(-(2**63), 2**63)


def content_hash(text: str) -> str:
    """sha256 of the text as written, line endings made ``\\n``: a revision per change of the file."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def stored_name(name: str) -> str:
    """``name`` as the store keeps and looks it up (NFC, stripped); :class:`InputError` for a hidden character."""
    problem = name_problem(name)
    if problem is not None:
        raise InputError([f"scenario name {name!r}: {problem}"])
    return normalize_name(name)


def changed_fields(before: dict, after: dict) -> list[str]:
    """The dotted fields whose values differ between two normalized scenarios.

    Segments are matched by name and events by position, as in event paths
    (``segments.SMB.churn.monthly``, ``events[0].cash_in``).
    """
    old, new = _flatten(before), _flatten(after)
    return sorted(
        key for key in old.keys() | new.keys() if old.get(key, _left_out(key)) != new.get(key, _left_out(key))
    )


_MISSING = object()


def _left_out(key: str) -> object:
    """What a normalized scenario without ``key`` means by it: the catalog's default (a revision
    stored before the key existed, e.g. ``programs``), or nothing when the key has none."""
    field = FIELD.get(key)
    if field is None or field.required:
        return _MISSING
    return list(field.default) if isinstance(field.default, tuple) else field.default


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict) and "dist" not in value:  # a distribution is one value
        flat: dict[str, object] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat or {prefix: {}}
    if isinstance(value, list) and prefix == "segments":
        flat = {}
        for segment in value:
            flat.update(_flatten({k: v for k, v in segment.items() if k != "name"}, f"segments.{segment['name']}"))
        return flat
    if isinstance(value, list) and prefix == "events":
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten(item, f"events[{index}]"))
        return flat
    return {prefix: value}


# --- scenarios and revisions -------------------------------------------------------------


def _scenario(session: Session, name: str) -> ScenarioRecord | None:
    """The scenario named ``name`` once normalised; a name an earlier version stored unnormalised is found too."""
    wanted = stored_name(name)
    found = session.exec(select(ScenarioRecord).where(ScenarioRecord.name == wanted)).first()
    if found is None:
        found = next(
            (
                scenario
                for scenario in session.exec(select(ScenarioRecord).order_by(col(ScenarioRecord.id)))
                if scenario.name != wanted and normalize_name(scenario.name) == wanted
            ),
            None,
        )
    return found


def _latest(session: Session, scenario_id: int) -> RevisionRecord | None:
    return session.exec(
        select(RevisionRecord)
        .where(RevisionRecord.scenario_id == scenario_id)
        .order_by(col(RevisionRecord.number).desc())
    ).first()


def _run_count(session: Session, revision_id: int) -> int:
    return session.exec(select(func.count()).select_from(RunRecord).where(RunRecord.revision_id == revision_id)).one()


def _revision_info(
    session: Session, record: RevisionRecord, scenario: ScenarioRecord, latest_number: int
) -> RevisionInfo:
    assert record.id is not None
    return RevisionInfo(
        id=record.id,
        scenario_id=record.scenario_id,
        name=scenario.name,
        number=record.number,
        created_at=record.created_at,
        content_hash=record.content_hash,
        yaml_text=record.yaml_text,
        normalized=_decoded(record.normalized),
        runs=_run_count(session, record.id),
        latest_number=latest_number,
        archived=scenario.archived,
    )


def save_revision(session: Session, text: str, normalized: dict, now: datetime) -> SavedRevision:
    """Save ``text`` (a valid scenario file) under its scenario's name.

    A new scenario gets revision 1; a changed file the next number; a file
    equal to the latest revision reuses it.  Saving under an archived
    scenario's name restores it.
    """
    name = stored_name(normalized["name"])
    normalized = {**normalized, "name": name}
    scenario = _scenario(session, name)
    if scenario is None:
        scenario = ScenarioRecord(name=name, archived=False, created_at=now)
        session.add(scenario)
        session.flush()
    assert scenario.id is not None
    restored = scenario.archived
    scenario.archived = False
    latest = _latest(session, scenario.id)
    digest = content_hash(text)
    if latest is not None and latest.content_hash == digest:
        return SavedRevision(_revision_info(session, latest, scenario, latest.number), created=False, restored=restored)
    record = RevisionRecord(
        scenario_id=scenario.id,
        number=(latest.number + 1) if latest else 1,
        yaml_text=text,
        normalized=json.dumps(normalized, ensure_ascii=False, allow_nan=False),
        content_hash=digest,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return SavedRevision(_revision_info(session, record, scenario, record.number), created=True, restored=restored)


def rename_scenario(session: Session, old_name: str, new_text: str, normalized: dict, now: datetime) -> SavedRevision:
    """Give the scenario ``old_name`` the name in ``normalized`` and save ``new_text`` as its next revision.

    Its earlier revisions and runs stay with it, under the new name (their
    texts keep the name they were written with).  :class:`InputError` if
    there is no ``old_name`` or the new name is taken, itself included.
    """
    new_name = stored_name(normalized["name"])
    scenario = _scenario(session, old_name)
    if scenario is None:
        raise _not_found(session, old_name)
    if _scenario(session, new_name) is not None:
        raise InputError([f"a stored scenario is already named '{new_name}'"])
    scenario.name = new_name
    session.add(scenario)
    session.flush()
    return save_revision(session, new_text, normalized, now)


def scenario_names(session: Session, *, include_archived: bool = True) -> list[str]:
    query = select(ScenarioRecord.name)
    if not include_archived:
        query = query.where(col(ScenarioRecord.archived).is_(False))
    return list(session.exec(query.order_by(ScenarioRecord.name)))


def _not_found(session: Session, name: str) -> InputError:
    name = normalize_name(name)
    names = scenario_names(session)
    guess = suggest(name, names)
    hint = f"; did you mean '{guess}'?" if guess else ("; the store is empty" if not names else "")
    return InputError([f"no stored scenario named '{name}'{hint}"])


def find_revision(session: Session, reference: str) -> RevisionInfo:
    """The revision a reference names: ``NAME`` (its latest) or ``NAME@REV``; :class:`InputError` if none.

    A name that itself ends in ``@<digits>`` is found as written first.
    """
    scenario = _scenario(session, reference)
    number = None
    if scenario is None:
        name, number = split_reference(reference)
        scenario = _scenario(session, name) if number is not None else None
        if scenario is None:
            raise _not_found(session, name)
    assert scenario.id is not None
    latest = _latest(session, scenario.id)
    assert latest is not None, "a scenario always has a revision"
    record = latest
    if number is not None:
        asked = (
            None
            if number not in SQLITE_INTEGERS
            else session.exec(
                select(RevisionRecord).where(RevisionRecord.scenario_id == scenario.id, RevisionRecord.number == number)
            ).first()
        )
        if asked is None:
            raise InputError(
                [f"scenario '{scenario.name}' has no revision {number} (its revisions are 1..{latest.number})"]
            )
        record = asked
    return _revision_info(session, record, scenario, latest.number)


def latest_revision_of(session: Session, scenario_id: int) -> RevisionInfo:
    """The newest revision of the scenario with this id, whatever its name is now."""
    scenario = session.get(ScenarioRecord, scenario_id) if scenario_id in SQLITE_INTEGERS else None
    if scenario is None:
        raise InputError([f"no stored scenario with id {scenario_id}"])
    latest = _latest(session, scenario_id)
    assert latest is not None, "a scenario always has a revision"
    return _revision_info(session, latest, scenario, latest.number)


def history(session: Session, name: str) -> list[RevisionInfo]:
    """Every revision of a scenario, oldest first."""
    scenario = _scenario(session, name)
    if scenario is None:
        raise _not_found(session, name)
    records = list(
        session.exec(
            select(RevisionRecord).where(RevisionRecord.scenario_id == scenario.id).order_by(col(RevisionRecord.number))
        )
    )
    return [_revision_info(session, record, scenario, records[-1].number) for record in records]


def list_scenarios(session: Session, *, include_archived: bool = False) -> list[ScenarioInfo]:
    """The stored scenarios by name, each with its latest revision and latest run."""
    query = select(ScenarioRecord).order_by(ScenarioRecord.name)
    if not include_archived:
        query = query.where(col(ScenarioRecord.archived).is_(False))
    infos = []
    for scenario in session.exec(query):
        assert scenario.id is not None
        latest = _latest(session, scenario.id)
        assert latest is not None
        revisions = session.exec(
            select(func.count()).select_from(RevisionRecord).where(RevisionRecord.scenario_id == scenario.id)
        ).one()
        runs_query = (
            select(RunRecord)
            .join(RevisionRecord, col(RunRecord.revision_id) == RevisionRecord.id)
            .where(RevisionRecord.scenario_id == scenario.id)
        )
        runs = session.exec(select(func.count()).select_from(runs_query.subquery())).one()
        last = session.exec(runs_query.order_by(col(RunRecord.id).desc())).first()
        infos.append(
            ScenarioInfo(
                id=scenario.id,
                name=scenario.name,
                archived=scenario.archived,
                created_at=scenario.created_at,
                updated_at=latest.created_at,
                revision=latest.number,
                revisions=revisions,
                runs=runs,
                last_run_id=last.id if last else None,
                last_arr_end_p50=last.arr_end_p50 if last else None,
                last_focus=last.focus if last else None,
                currency=json.loads(latest.normalized)["currency"],
            )
        )
    return infos


def set_archived(session: Session, name: str, archived: bool) -> bool:
    """Archive (or restore) a scenario; its revisions and runs stay.  False if it already was."""
    scenario = _scenario(session, name)
    if scenario is None:
        raise _not_found(session, name)
    changed = scenario.archived != archived
    scenario.archived = archived
    return changed


# --- runs ----------------------------------------------------------------------------------


def save_run(session: Session, revision_id: int, result: Result, now: datetime) -> RunInfo:
    """Save a whole run: its row and its compressed result document, in the caller's transaction."""
    from saas_sim.io.result import result_to_json

    document = zlib.compress(result_to_json(result).encode("utf-8"), 6)
    record = RunRecord(
        revision_id=revision_id,
        seed=result.seed,
        paths=result.paths,
        horizon_months=result.horizon_months,
        engine_version=result.engine_version,
        created_at=now,
        elapsed_s=result.elapsed_s,
        status=RUN_COMPLETE,
        arr_end_p50=result.summary["arr_end"].p50,
        focus=result.diagnosis.focus,
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    session.add(RunResultRecord(run_id=record.id, encoding=ENCODING, document=document))
    session.flush()
    return get_run(session, record.id)


RunRow = tuple[RunRecord, int, str, bool, str]  # a run, its revision's number, scenario name, archived, currency


def _runs_query() -> Select[RunRecord, int, str, bool, str]:
    currency = func.json_extract(RevisionRecord.normalized, "$.currency")
    return (
        select(  # type: ignore[call-overload]  # sqlmodel types select() for up to four columns
            RunRecord, RevisionRecord.number, ScenarioRecord.name, ScenarioRecord.archived, currency
        )
        .join(RevisionRecord, col(RunRecord.revision_id) == RevisionRecord.id)
        .join(ScenarioRecord, col(RevisionRecord.scenario_id) == ScenarioRecord.id)
    )


def _run_info(row: RunRow) -> RunInfo:
    run, number, name, archived, currency = row
    assert run.id is not None  # a stored run has its id
    return RunInfo(
        id=run.id,
        name=name,
        revision=number,
        revision_id=run.revision_id,
        created_at=run.created_at,
        paths=run.paths,
        seed=run.seed,
        horizon_months=run.horizon_months,
        engine_version=run.engine_version,
        elapsed_s=run.elapsed_s,
        status=run.status,
        arr_end_p50=run.arr_end_p50,
        focus=run.focus,
        archived=archived,
        currency=currency,
    )


def list_runs(session: Session, *, name: str | None = None, limit: int | None = None) -> tuple[list[RunInfo], int]:
    """The newest runs first (of one scenario when ``name`` is given), and how many there are in all."""
    query = _runs_query()
    if name is not None:
        scenario = _scenario(session, name)
        if scenario is None:
            raise _not_found(session, name)
        query = query.where(ScenarioRecord.id == scenario.id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    query = query.order_by(col(RunRecord.id).desc())
    if limit and limit < total:
        query = query.limit(limit)
    return [_run_info(row) for row in session.exec(query)], total


def get_run(session: Session, run_id: int) -> RunInfo:
    row = session.exec(_runs_query().where(RunRecord.id == run_id)).first() if run_id in SQLITE_INTEGERS else None
    if row is None:
        raise InputError([f"no run {run_id} in the store"])
    return _run_info(row)


def run_result(session: Session, run_id: int) -> Result:
    """The run's result document (SPEC 5), as it was when the run finished."""
    record = session.get(RunResultRecord, run_id) if run_id in SQLITE_INTEGERS else None
    if record is None:
        get_run(session, run_id)  # says "no run" when there is none
        raise InputError([f"run {run_id} has no result document"])
    try:
        document = _decoded(zlib.decompress(record.document))
    except zlib.error as error:
        raise Damaged(f"run {run_id}'s result document cannot be decompressed: {error}") from None
    try:
        return Result.from_json(document)
    except KeyError as error:  # JSON, but not a result document
        raise Damaged(f"run {run_id}'s stored document is not a result document (it lacks {error})") from None
    except (TypeError, AttributeError):
        raise Damaged(f"run {run_id}'s stored document is not a result document (a value of the wrong kind)") from None


def _decoded(document: str | bytes) -> dict:
    try:
        return json.loads(document)
    except ValueError as error:  # also not UTF-8
        raise Damaged(f"a stored document is not JSON: {error}") from None
