"""The scenario editor: every field of the format, grouped, typed in any SPEC value form.

The editor holds the scenario as plain data (the normalized document of
SPEC 5's ``scenario``); each input shows its value in a written form
(``3%``, ``60k``, ``2%..4%``) and reports edits upwards with
:class:`ScenarioEditor.Edited`.  It never validates: the screen asks
saas_sim and hands the problems back with :meth:`ScenarioEditor.show_problems`.
"""

from __future__ import annotations

import copy
import math
import re

import yaml
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Collapsible, Input, Label, Select, Static

from saas_sim.errors import Problem
from saas_sim.io.forms import acquisition_form, central, churn_form, with_acquisition_form, with_churn_form
from saas_sim.io.values import typed_value
from saas_sim.model.catalog.fields import (
    CASH_POLICIES,
    FIELD,
    FIELDS,
    MIGRATION,
    PROGRAM,
    SEGMENT,
    FieldRule,
    field_at,
    help_for,
    keys_of,
    rule_for,
)
from saas_sim.model.paths import by_index, by_name, set_in, split
from tui.widgets.fields import FieldInput

ACQUISITION_CHOICES = [("CAC", "cac"), ("funnel", "funnel")]
CHURN_CHOICES = [("monthly rate", "monthly"), ("annual rate", "annual"), ("sBG alpha, beta", "alpha_beta")]
CASH_POLICY_CHOICES = [(policy.replace("_", " "), policy) for policy in CASH_POLICIES]
# Taken as typed, never read as YAML: name, description, currency, billing, note, when_out_of_cash,
# a migration's from and to.
TEXT_FIELDS = {field.key for field in FIELDS if field.unit in ("text", "choice")}
# The company's keys the editor shows in a form of their own: the cash policy as a select, the
# optional blocks as sub-sections that are added and removed.
POLICY = "when_out_of_cash"
COMPANY_BLOCKS = {"funding": "funding round", "customer_success": "customer success"}
LISTS = {"programs": PROGRAM, "migrations": MIGRATION}  # the top-level lists of mappings, beside events
_PROGRAM_SEGMENTS = re.compile(r"programs\[\d+\]\.segments")


def rule_of(path: str) -> FieldRule | None:
    """The validation rule of an editor path (``segments[0].churn.monthly``, ``programs[0].churn_change``)."""
    if path.startswith("segments["):
        return SEGMENT.get(path.partition("].")[2])
    head, bracket, key = path.partition("].")
    if bracket and head.partition("[")[0] in LISTS:
        return LISTS[head.partition("[")[0]].get(key)
    return None if path.startswith("events[") else rule_for(path)


def _placeholder(path: str) -> str:
    """What an empty input stands for (the catalog's word for a default): ``customers × ARPA``."""
    field = field_at(path)
    return field.placeholder if field is not None else ""


def _percent_field(path: str) -> bool:
    """Whether the catalog shows the field as a percent (``3%``)."""
    field = field_at(path)
    return rule_of(path) is not None and field is not None and field.percent


def _number(value: float, percent: bool, counted: bool = False) -> str:
    """``counted``: a field of whole numbers (months, paths), which takes no ``k``/``M``."""
    if percent:
        return f"{round(value * 100, 10):g}%"
    if counted and float(value).is_integer():
        return f"{int(value):_}" if abs(value) >= 10_000 else str(int(value))
    if float(value).is_integer():
        whole = int(value)
        for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
            if whole and whole % (size // 10) == 0 and abs(whole) >= size:
                return f"{whole / size:g}{suffix}"
        return f"{whole:_}" if abs(whole) >= 10_000 else str(whole)
    return f"{value:g}" if abs(value) < 1e6 else f"{value:_.2f}"


def _names_list(value: object) -> bool:
    """Whether a program's segments can be written as names between commas (and read back the same)."""
    return isinstance(value, list) and all(
        isinstance(name, str) and name and name == name.strip() and "," not in name and not name.startswith("[")
        for name in value
    )


def written(path: str, value: object) -> str:
    """A value in the form a founder would type it."""
    if value is None:
        return ""
    if _PROGRAM_SEGMENTS.fullmatch(path) and _names_list(value):
        return ", ".join(value)  # type: ignore[arg-type]  # a list of names
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and math.isfinite(value):
        rule = rule_of(path)
        return _number(value, _percent_field(path), counted=rule is not None and (rule.integer or rule.whole))
    if isinstance(value, dict) and value.get("dist") == "lognormal" and set(value) == {"dist", "p5", "p95"}:
        percent = _percent_field(path)
        return f"{_number(value['p5'], percent)}..{_number(value['p95'], percent)}"
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return str(value)


def read_written(path: str, text: str) -> object:
    """What an input's text means: text fields as typed, others as a YAML value (text YAML cannot read stays text)."""
    if path.rpartition(".")[2] in TEXT_FIELDS:
        return text if text.strip() or path.endswith(("description", "note")) else None
    if _PROGRAM_SEGMENTS.fullmatch(path) and not text.lstrip().startswith("["):
        names = [name.strip() for name in text.split(",")]
        return [name for name in names if name] or None  # a comma left at the end while typing is no name
    return typed_value(text)


def segment_names(document: dict) -> list[str]:
    """The names of the document's segments in order: what :func:`saas_sim.model.paths.by_name` and
    :func:`~saas_sim.model.paths.by_index` need to turn the editor's ``segments[0].churn.monthly`` into
    ``segments.SMB.churn.monthly`` as events write it, and back."""
    return [str(segment.get("name")) for segment in document["segments"]]


_PROGRAM_FIELD = re.compile(r"programs\[(\d+)\]\.(.+)")


def named_path(path: str, document: dict) -> str:
    """An editor path as events and the analyses write it, segments and programs by name:
    ``segments[0].churn.monthly`` -> ``segments.SMB.churn.monthly``, ``programs[0].cost_monthly`` ->
    ``programs.Save.cost_monthly``; others as they are.  :class:`KeyError` when there is no item at the index."""
    program = _PROGRAM_FIELD.fullmatch(path)
    if program is None:
        return by_name(path, segment_names(document))
    programs = document.get("programs") or []
    if int(program[1]) >= len(programs):
        raise KeyError(path)
    return f"programs.{programs[int(program[1])].get('name')}.{program[2]}"


def indexed_path(path: str, document: dict) -> str:
    """The inverse of :func:`named_path`: the editor's path of a field named as events write it.
    :class:`KeyError` when no segment or program has the name."""
    if not path.startswith("programs."):
        return by_index(path, segment_names(document))
    name, _, rest = path.removeprefix("programs.").partition(".")  # a program's name has no dot
    names = [program.get("name") for program in document.get("programs") or []]
    if name not in names:
        raise KeyError(path)
    return f"programs[{names.index(name)}].{rest}"


def field_id(path: str) -> str:
    return "field-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)


def _leaves(value: object, prefix: str) -> list[tuple[str, object]]:
    """The editable fields under ``prefix``: numbers, text, distributions and event ``set`` maps are leaves.

    Not :func:`saas_sim.model.paths.leaves`, which lists another thing: the numbers a valid
    :class:`~saas_sim.model.scenario.Scenario` gives, segments by name.  The editor lists the fields of
    plain data that may not be valid yet (no Scenario exists while a field is wrong), segments by
    index, with the fields that hold no number (text, choices), those left empty, a distribution as
    one field and an event's whole ``set`` map as one field.
    """
    if isinstance(value, dict) and "dist" not in value and not prefix.endswith(".set"):
        found = []
        for key, item in value.items():
            found.extend(_leaves(item, f"{prefix}.{key}" if prefix else key))
        return found
    return [(prefix, value)]


def editable_document(raw: object) -> dict | None:
    """A scenario file's YAML as read (not valid yet) in the shape the editor shows, or None when it has no such shape.

    The sections left out are empty; each segment, event, program and migration must be a mapping.
    """
    if not isinstance(raw, dict):
        return None
    document = dict(raw)
    lists = ("events", *LISTS)
    for key, empty in (("company", dict), ("acquisition", dict), *((key, list) for key in lists), ("simulation", dict)):
        if document.get(key) is None:
            document[key] = empty()
        if not isinstance(document[key], empty):
            return None
    segments = document.get("segments")
    if not isinstance(segments, list) or not segments:
        return None
    if not all(isinstance(item, dict) for item in [*segments, *(item for key in lists for item in document[key])]):
        return None
    for segment in segments:
        if not isinstance(segment.get("churn"), dict):
            segment["churn"] = {"monthly": segment.get("churn")}
    return document


def _defaults_left_out(document: dict) -> dict:
    """Leave out a ``starting_mrr`` equal to its default (customers × ARPA), so that it follows ARPA edits."""
    for segment in document.get("segments", []):
        mrr, customers, arpa = (
            segment.get("starting_mrr"),
            segment.get("starting_customers"),
            segment.get("arpa_monthly"),
        )
        if all(isinstance(v, (int, float)) for v in (mrr, customers, arpa)) and math.isclose(
            mrr, customers * arpa, rel_tol=1e-12, abs_tol=1e-9
        ):
            segment["starting_mrr"] = None
    return document


def _policy_selected(company: dict) -> bool:
    """Whether the company's cash policy is shown as a select: it is one of the choices, or left out (a file's
    typo or null shows in an input, where its problem shows)."""
    return POLICY not in company or company[POLICY] in CASH_POLICIES


def _company_leaves(company: dict) -> list[tuple[str, object]]:
    """The company's own fields: its numbers, and the cash policy when no select can show it (a file's typo)."""
    shown = {key: value for key, value in company.items() if key not in COMPANY_BLOCKS and key != POLICY}
    found = _leaves(shown, "company")
    return found if _policy_selected(company) else [*found, (f"company.{POLICY}", company[POLICY])]


def _block_leaves(value: object, prefix: str, block: str) -> list[tuple[str, object]]:
    """The fields of a mapping of ``block`` (``company.funding``, ``programs``...): every key of the catalog's, in
    its order, a key left out empty (its default); then any other key the mapping has.  A value that is no
    mapping is one field, where the loader's problem shows."""
    if not isinstance(value, dict):
        return [(prefix, value)]
    keys = keys_of(block)
    found = [(f"{prefix}.{key}", value.get(key)) for key in keys]
    return found + _leaves({key: item for key, item in value.items() if key not in keys}, prefix)


def field_paths(document: dict) -> list[str]:
    """Every field the editor shows for a document, in its order (its leaves, as :func:`_leaves` says, not
    :func:`saas_sim.model.paths.leaves`)."""
    paths = ["name", "description", "currency", "horizon_months"]
    company = document["company"]
    paths += [path for path, _ in _company_leaves(company)]
    for key in COMPANY_BLOCKS:
        if company.get(key) is not None:
            paths += [path for path, _ in _block_leaves(company[key], f"company.{key}", f"company.{key}")]
    paths += [path for path, _ in _leaves(document["acquisition"], "acquisition")]
    for index, segment in enumerate(document["segments"]):
        paths += [path for path, _ in _leaves(segment, f"segments[{index}]")]
    for index, _ in enumerate(document["events"]):
        paths += [f"events[{index}].{key}" for key in ("month", "note", "set", "cash_in")]
    for key in LISTS:
        for index, item in enumerate(document.get(key) or []):
            paths += [path for path, _ in _block_leaves(item, f"{key}[{index}]", key)]
    return paths + [f"simulation.{key}" for key in ("paths", "seed", "correlations")]


def problem_row(field: str, paths: list[str]) -> str | None:
    """The editor field a problem of ``field`` belongs to: itself, else its first child field, else its nearest
    parent shown (``segments[0].starting_cohorts[2].mrr`` -> ``segments[0].starting_cohorts``, a list shown
    as one field)."""
    if field in paths:
        return field
    for path in paths:
        if path.startswith((field + ".", field + "[")):
            return path
    parent = field
    while "." in parent or parent.endswith("]"):
        parent = re.sub(r"\[\d+\]$", "", parent) if parent.endswith("]") else parent.rpartition(".")[0]
        if parent in paths:
            return parent
    return None


def _left_out(document: dict, path: str) -> None:
    """Take the key at ``path`` out of its mapping (not there: nothing to do)."""
    parts = split(path)
    target = document
    for part in parts[:-1]:
        target = target[part]
    target.pop(parts[-1], None)


def _round_figure(value: float) -> float:
    """Two significant digits: 720k rather than 723,456."""
    return float(f"{value:.2g}") if value else 0.0


def _same(a: object, b: object) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # values that cannot even be compared are not the same
        return False


class FieldRow(Vertical):
    """A label, an input and the field's problem (hidden when there is none)."""

    def __init__(self, path: str, value: object, text: str | None = None):
        super().__init__(classes="field-row")
        self.path = path
        self.value = value
        self.text = written(path, value) if text is None else text
        self.problem = ""  # the problem shown under the field

    def compose(self) -> ComposeResult:
        label = self.path.rpartition(".")[2] if "." in self.path else self.path
        unit = help_for(self.path)
        with Horizontal(classes="field-line"):
            yield Label(label, classes="field-label")
            yield FieldInput(
                self.text,
                id=field_id(self.path),
                classes="field-input",
                placeholder=_placeholder(self.path),
                tooltip=unit[1] if unit else None,
                select_on_focus=False,
                compact=True,
            )
        yield Static("", classes="field-problem")


class ScenarioEditor(VerticalScroll):
    """Every field of a scenario, grouped: scenario, company (its cash policy, funding round and customer success),
    acquisition, segments, events, programs, migrations, simulation."""

    class Edited(Message):
        """A field changed: the whole document as it now stands."""

        def __init__(self, document: dict, path: str):
            super().__init__()
            self.document = document
            self.path = path

    class Focused(Message):
        """A field got the focus: its path (for the help line)."""

        def __init__(self, path: str):
            super().__init__()
            self.path = path

    def __init__(self, document: dict, *, id: str | None = None):
        super().__init__(id=id)
        self.document = _defaults_left_out(copy.deepcopy(document))
        self.paths: dict[str, str] = {}  # input id -> field path
        self.rows: dict[str, FieldRow] = {}  # field path -> its row (no DOM query on each key)
        self.texts: dict[str, str] = {}  # field path -> the text its input holds
        self._typed: dict[str, str] = {}  # the texts before a change of shape recomposed the fields

    def compose(self) -> ComposeResult:
        doc = self.document
        yield Static("", id="editor-problems")
        with Collapsible(title="Scenario", collapsed=False, id="group-scenario"):
            for key in ("name", "description", "currency", "horizon_months"):
                yield self._row(key, doc.get(key))
        with Collapsible(title="Company", collapsed=False, id="group-company"):
            company = doc["company"]
            for path, value in _company_leaves(company):
                yield self._row(path, value)
            if _policy_selected(company):
                with Horizontal(classes="field-line form-line"):
                    yield Label("when out of cash", classes="field-label")
                    yield Select(
                        CASH_POLICY_CHOICES,
                        value=company.get(POLICY) or CASH_POLICIES[0],
                        allow_blank=False,
                        compact=True,
                        id="cash-policy",
                        classes="form-select",
                        tooltip=FIELD[f"company.{POLICY}"].help,
                    )
            for key, title in COMPANY_BLOCKS.items():
                if company.get(key) is None:
                    yield Button(f"Add {title}", id=f"add-{key}", classes="add", compact=True)
                    continue
                yield Label(title.capitalize(), classes="event-title")
                for path, value in _block_leaves(company[key], f"company.{key}", f"company.{key}"):
                    yield self._row(path, value)
                yield Button(f"Remove {title}", id=f"remove-{key}", classes="remove", variant="error", compact=True)
        with Collapsible(title="Acquisition", collapsed=False, id="group-acquisition"):
            for path, value in _leaves(doc["acquisition"], "acquisition"):
                yield self._row(path, value)
        for index, segment in enumerate(doc["segments"]):
            with Collapsible(title=f"Segment: {segment.get('name')}", collapsed=index > 0, id=f"group-segment-{index}"):
                with Horizontal(classes="field-line form-line"):
                    yield Label("acquisition by", classes="field-label")
                    yield Select(
                        ACQUISITION_CHOICES,
                        value=acquisition_form(segment),
                        allow_blank=False,
                        compact=True,
                        id=f"form-acquisition-{index}",
                        classes="form-select",
                    )
                with Horizontal(classes="field-line form-line"):
                    yield Label("churn given as", classes="field-label")
                    yield Select(
                        CHURN_CHOICES,
                        value=churn_form(segment),
                        allow_blank=False,
                        compact=True,
                        id=f"form-churn-{index}",
                        classes="form-select",
                    )
                for path, value in _leaves(segment, f"segments[{index}]"):
                    yield self._row(path, value)
                if len(doc["segments"]) > 1:
                    yield Button(
                        "Remove segment", id=f"remove-segment-{index}", classes="remove", variant="error", compact=True
                    )
        yield Button("Add segment", id="add-segment", classes="add", compact=True)
        with Collapsible(title=f"Events ({len(doc['events'])})", collapsed=not doc["events"], id="group-events"):
            for index, event in enumerate(doc["events"]):
                yield Label(f"Event {index + 1}", classes="event-title")
                for key in ("month", "note", "set", "cash_in"):
                    yield self._row(f"events[{index}].{key}", event.get(key))
                yield Button(
                    "Remove event", id=f"remove-event-{index}", classes="remove", variant="error", compact=True
                )
            yield Button("Add event", id="add-event", classes="add", compact=True)
        for key, (title, noun) in {
            "programs": ("Programs", "program"),
            "migrations": ("Migrations", "migration"),
        }.items():
            items = doc.get(key) or []
            with Collapsible(title=f"{title} ({len(items)})", collapsed=not items, id=f"group-{key}"):
                for index, item in enumerate(items):
                    yield Label(f"{noun.capitalize()} {index + 1}", classes="event-title")
                    for path, value in _block_leaves(item, f"{key}[{index}]", key):
                        yield self._row(path, value)
                    yield Button(
                        f"Remove {noun}", id=f"remove-{noun}-{index}", classes="remove", variant="error", compact=True
                    )
                yield Button(f"Add {noun}", id=f"add-{noun}", classes="add", compact=True)
        with Collapsible(title="Simulation", collapsed=True, id="group-simulation"):
            sim = doc["simulation"]
            for key in ("paths", "seed", "correlations"):
                yield self._row(f"simulation.{key}", sim.get(key))

    def _row(self, path: str, value: object) -> FieldRow:
        """A field's row; after a change of shape it keeps the text typed there while that text means its value."""
        self.paths[field_id(path)] = path
        typed = self._typed.get(path)
        text = typed if typed is not None and _same(read_written(path, typed), value) else written(path, value)
        self.texts[path] = text
        self.rows[path] = FieldRow(path, value, text)
        return self.rows[path]

    @on(Input.Changed, ".field-input")
    def _edited(self, event: Input.Changed) -> None:
        event.stop()
        path = self.paths[event.input.id or ""]
        if self.texts.get(path) == event.value:
            return  # the input showing its value, not an edit
        self.texts[path] = event.value
        value = read_written(path, event.value)
        if value is None and path.startswith(tuple(LISTS)) and _placeholder(path):
            _left_out(self.document, path)  # a program's segments or to_month: an empty field is the default
        else:
            set_in(self.document, path, value)
        self.post_message(self.Edited(copy.deepcopy(self.document), path))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, Input) and widget.id in self.paths:
            self.post_message(self.Focused(self.paths[widget.id]))
        elif widget.id == "cash-policy":
            self.post_message(self.Focused(f"company.{POLICY}"))

    def show_problems(self, problems: list[Problem]) -> None:
        """Each problem under its field; those of no field at the top.  An empty list clears them."""
        by_path: dict[str, list[str]] = {}
        loose = []
        for problem in problems:
            path = self._field_of(problem.field)
            if path is None:
                loose.append(f"{problem.field}: {problem.message}" if problem.field else problem.message)
            else:
                by_path.setdefault(path, []).append(f"{problem.field}: {problem.message}")
        for row in self.rows.values():  # only the rows whose problems changed: a key press lays out nothing else
            shown = "\n".join(by_path.get(row.path, []))
            if shown != row.problem:
                row.problem = shown
                row.query_one(".field-problem", Static).update(shown)
                row.set_class(bool(shown), "-invalid")
        top = self.query_one("#editor-problems", Static)
        if "\n".join(loose) != str(top.content):
            top.update("\n".join(loose))
            top.set_class(bool(loose), "-visible")

    def _field_of(self, field: str) -> str | None:
        return problem_row(field, list(self.paths.values()))

    # segments and events

    @on(Select.Changed, ".form-select")
    async def _form_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "cash-policy":
            self._policy_changed(str(event.value))
            return
        kind, _, index = (event.select.id or "").removeprefix("form-").partition("-")
        segments = self.document["segments"]
        segment = segments[int(index)]
        if kind == "acquisition" and event.value != acquisition_form(segment):
            segments[int(index)] = with_acquisition_form(segment, str(event.value))
        elif kind == "churn" and event.value != churn_form(segment):
            segments[int(index)] = with_churn_form(segment, str(event.value))
        else:
            return
        await self._changed_shape(f"segments[{index}]")

    @on(Button.Pressed, "#add-segment")
    async def _add_segment(self) -> None:
        segments = self.document["segments"]
        new = copy.deepcopy(segments[-1])
        names = {s["name"] for s in segments}
        number = len(segments) + 1
        while f"Segment {number}" in names:
            number += 1
        new["name"], new["spend_share"] = f"Segment {number}", 0.0
        segments.append(new)
        await self._changed_shape("segments")

    @on(Button.Pressed, ".remove")
    async def _remove(self, event: Button.Pressed) -> None:
        kind, _, index = (event.button.id or "").removeprefix("remove-").rpartition("-")
        if not kind:  # a block of the company: remove-funding, remove-customer_success
            self.document["company"][index] = None
            await self._changed_shape(f"company.{index}")
            return
        if kind == "segment":
            removed = self.document["segments"].pop(int(index))
            self.document["segments"][0]["spend_share"] = round(
                (self.document["segments"][0]["spend_share"] or 0) + (removed.get("spend_share") or 0), 12
            )
        else:
            self.document[f"{kind}s"].pop(int(index))
        await self._changed_shape(f"{kind}s")

    @on(Button.Pressed, "#add-event")
    async def _add_event(self) -> None:
        month = min(12, int(self.document.get("horizon_months") or 12))
        self.document["events"].append({"month": month, "note": "New event", "set": {}, "cash_in": 0})
        await self._changed_shape("events")

    def _policy_changed(self, policy: str) -> None:
        """The cash policy chosen: an edit of one field, nothing else to lay out."""
        company = self.document["company"]
        if company.get(POLICY, CASH_POLICIES[0]) == policy:
            return  # the select showing its value, not an edit
        company[POLICY] = policy
        self.post_message(self.Edited(copy.deepcopy(self.document), f"company.{POLICY}"))

    # the company's funding round and customer success, programs and migrations

    @on(Button.Pressed, "#add-funding")
    async def _add_funding(self) -> None:
        """A round raised when cash falls under six months of fixed costs, of eighteen months of them."""
        fixed = central(self.document["company"].get("fixed_costs_monthly"), 50_000.0)
        self.document["company"]["funding"] = {
            "below_cash": _round_figure(6 * fixed),
            "amount": _round_figure(18 * fixed),
            **{
                key: FIELD[f"company.funding.{key}"].default for key in ("probability", "months_to_close", "max_rounds")
            },
        }
        await self._changed_shape("company.funding")

    @on(Button.Pressed, "#add-customer_success")
    async def _add_customer_success(self) -> None:
        """The catalog's example: a manager per 2M of ARR, costing 12k a month."""
        self.document["company"]["customer_success"] = {"arr_per_csm": 2_000_000.0, "cost_per_csm_monthly": 12_000.0}
        await self._changed_shape("company.customer_success")

    @on(Button.Pressed, "#add-program")
    async def _add_program(self) -> None:
        """A program on every segment, to the horizon: 10k a month for 10 % less churn."""
        programs = self.document.setdefault("programs", [])
        names = [program.get("name") for program in programs]  # a file's name may be any value, even a list
        number = len(programs) + 1
        while f"Program {number}" in names:
            number += 1
        programs.append(
            {
                "name": f"Program {number}",
                "from_month": 1,
                "cost_monthly": 10_000.0,
                "churn_change": -0.1,
                "expansion_change": 0.0,
            }
        )
        await self._changed_shape("programs")

    @on(Button.Pressed, "#add-migration")
    async def _add_migration(self) -> None:
        """0.5 % a month of the first segment's accounts moving into the second (into none yet: one segment)."""
        names = segment_names(self.document)
        self.document.setdefault("migrations", []).append(
            {"from": names[0], "to": names[1] if len(names) > 1 else None, "monthly": 0.005, "mrr_multiplier": 1.0}
        )
        await self._changed_shape("migrations")

    async def _changed_shape(self, what: str) -> None:
        self._typed, self.paths, self.texts, self.rows = self.texts, {}, {}, {}
        await self.recompose()
        self._typed = {}
        self.post_message(self.Edited(copy.deepcopy(self.document), what))
