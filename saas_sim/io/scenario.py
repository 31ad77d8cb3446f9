"""Scenario files (SPEC.md section 1) <-> :class:`~saas_sim.model.scenario.Scenario`.

:func:`parse_scenario` walks the YAML node tree (``yaml.compose``), so every
problem carries its line, and reports every problem of a file at once in one
:class:`~saas_sim.errors.InputError`.  :func:`scenario_to_dict` gives the
normalized scenario (every default filled in) that result documents embed;
reading it back gives the same scenario.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
from collections import Counter
from dataclasses import MISSING, dataclass
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from saas_sim.errors import InputError, Problem
from saas_sim.io.files import read_text
from saas_sim.io.values import (
    MAX_NODES,
    STR_TAG,
    Mapping,
    NodeReader,
    is_null,
    join,
    line_of,
    oversize,
    written,
)
from saas_sim.model.catalog.fields import (
    CUSTOMER_SUCCESS,
    EVENT_CASH_IN,
    EVENT_MONTH,
    FIELD,
    FUNDING,
    MIGRATION,
    PROGRAM,
    RHO,
    SEGMENT,
    TOP_LEVEL,
    FieldRule,
    field_named,
    keys_of,
    numbers_of,
    rule_for,
)
from saas_sim.model.names import checked_name, normalize_name
from saas_sim.model.paths import (
    FIXED_SEGMENT_KEYS,
    MIGRATION_PATH,
    SegmentForm,
    names_a_group,
    settable_paths,
    suggest,
    why_not_settable,
)
from saas_sim.model.scenario import (
    Acquisition,
    Churn,
    Company,
    Correlation,
    CustomerSuccess,
    Distribution,
    Event,
    Funding,
    Funnel,
    Migration,
    Number,
    Program,
    Scenario,
    Segment,
    Simulation,
    StartingCohort,
)
from saas_sim.model.uncertainty import correlation_matrix, is_positive_definite

MAX_FILE_BYTES = 1_000_000
MAX_NAME_CHARS = 80
MAX_SEGMENTS = 20
SHARE_TOLERANCE = 1e-9
_INDENT_SEARCH_BYTES = 100_000  # a larger file is not read again for each re-indent tried
_INDENT_WINDOW = 6  # lines up to a YAML error where a line indented wrong is looked for
MAX_DEPTH = 50  # nesting of mappings and lists; a scenario needs about 6

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: 10x faster

# Keys in the order of SPEC.md section 1 (the catalog's); the normalized scenario keeps it.
TOP_KEYS = keys_of("")
SIMULATION_KEYS = keys_of("simulation")
COMPANY_KEYS = keys_of("company")
ACQUISITION_KEYS = keys_of("acquisition")
SEGMENT_KEYS = keys_of("segments")
FUNNEL_KEYS = keys_of("segments.funnel")
CHURN_KEYS = keys_of("segments.churn")
COHORT_KEYS = keys_of("segments.starting_cohorts")
STARTING_KEYS = ("starting_customers", "starting_mrr", "starting_tenure_months")  # what starting_cohorts replaces
MAX_STARTING_COHORTS = 1200  # groups of one segment's installed base: a century of monthly tenures
EVENT_KEYS = keys_of("events")
CORRELATION_KEYS = keys_of("simulation.correlations")
FUNDING_KEYS = keys_of("company.funding")
CUSTOMER_SUCCESS_KEYS = keys_of("company.customer_success")
PROGRAM_KEYS = keys_of("programs")
MIGRATION_KEYS = keys_of("migrations")
BILLING = FIELD["segments.billing"].choices
CASH_POLICIES = FIELD["company.when_out_of_cash"].choices
MAX_PROGRAMS = 50
MAX_MIGRATIONS = 100


# The keys of every block of the file: where a key found out of its block belongs.
_BLOCK_KEYS = {
    "": TOP_KEYS,
    "simulation": SIMULATION_KEYS,
    "company": COMPANY_KEYS,
    "acquisition": ACQUISITION_KEYS,
    "segment": SEGMENT_KEYS,
    "churn": CHURN_KEYS,
    "funnel": FUNNEL_KEYS,
    "cohort": COHORT_KEYS,
    "event": EVENT_KEYS,
    "correlation": CORRELATION_KEYS,
    "funding": FUNDING_KEYS,
    "customer_success": CUSTOMER_SUCCESS_KEYS,
    "program": PROGRAM_KEYS,
    "migration": MIGRATION_KEYS,
}
# Blocks whose keys are written block.key, and that dotted block.
_SECTIONS = {
    "simulation": "simulation",
    "company": "company",
    "acquisition": "acquisition",
    "churn": "churn",
    "funnel": "funnel",
    "funding": "company.funding",
    "customer_success": "company.customer_success",
}
# Lists added after the others: a key they share with an older block (a program's name, a
# migration's monthly) most likely belongs where it always did, and is advised there alone.
_LATER_LISTS = ("program", "migration")


def _destination(key: str, block: str, home: str) -> str:
    """Where ``key`` of block ``home`` belongs, said to a reader who found it in ``block``."""
    if home == "":
        return "at the top of the file (not indented)"
    if home == "segment":
        if block in ("churn", "funnel"):
            return f"to the segment: indent it as far as {block}:"
        return "to a segment (under segments:)"
    if home == "event":
        return "to an event (under events:)"
    if home == "correlation":
        return "to a correlation (under simulation.correlations:)"
    if home == "cohort":
        return "to a starting cohort (under starting_cohorts:)"
    if home in _LATER_LISTS:
        return f"to a {home} (under {home}s:)"
    return f"under {_SECTIONS.get(home, home)}:"


def _elsewhere(block: str) -> dict[str, str]:
    """For each key of the other blocks, the advice for finding it in ``block``: where it belongs."""
    advice: dict[str, str] = {}
    own = _BLOCK_KEYS[block]
    for key in dict.fromkeys(key for keys in _BLOCK_KEYS.values() for key in keys):
        if key in own:
            continue
        homes = [home for home, keys in _BLOCK_KEYS.items() if key in keys]
        homes = [home for home in homes if home not in _LATER_LISTS] or homes
        if len(homes) == 1 and homes[0] in _SECTIONS:
            advice[key] = f"did you mean {_SECTIONS[homes[0]]}.{key}? (it belongs under {homes[0]}:)"
        else:
            advice[key] = "it belongs " + " or ".join(_destination(key, block, home) for home in homes)
    return advice


# Where the keys of other blocks belong, for a key indented out of its block.
_ELSEWHERE = {block: _elsewhere(block) for block in _BLOCK_KEYS}

# Numeric segment keys read as plain fields (starting_mrr needs cross-checks).
_SEGMENT_NUMBERS = tuple(key for key in numbers_of("segments") if key != "starting_mrr")


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file; :class:`InputError` names the file."""
    return read_scenario_file(path)[1]


def read_scenario_file(path: str | os.PathLike[str]) -> tuple[str, Scenario]:
    """A scenario file's text as written, and its validated scenario."""
    text = read_text(path, kind="scenario file", max_bytes=MAX_FILE_BYTES)
    return text, parse_scenario(text, os.fsdecode(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate a scenario file's text; raise :class:`InputError` with every problem.

    Problems come sorted by line.  Beyond SPEC.md section 1:

    * ``null`` (or an empty value) stands for "not given" where the default
      is None or empty: ``simulation``, ``simulation.seed``,
      ``simulation.correlations``, ``company.funding``, ``company.customer_success``, ``starting_mrr``,
      ``events``, ``programs``, ``migrations`` and an event's ``note``,
      ``set`` and ``cash_in``; elsewhere it is refused.
    * A program without ``segments`` acts on every segment (their names are
      filled in, in scenario order), one without ``to_month`` runs to the
      horizon (filled in); its months lie within 1..horizon.  Events may set
      nothing of the company's funding and customer success, of a program or
      of a migration; correlations may name their uncertain numbers
      (``company.funding.amount``, ``programs.<name>.cost_monthly``,
      ``migrations[0].monthly``).
    * YAML anchors, aliases and merge keys (``<<: *base``) work; a file that
      holds more than ``MAX_NODES`` values, aliases expanded, or nests deeper
      than ``MAX_DEPTH`` is refused, at the line where it passes the limit.
    * A range or distribution is refused when even its likely values lie
      outside the field's range: its support when bounded (uniform,
      triangular, beta), else its 90 % interval (normal, lognormal).  On a
      rate (a share, 0 to 1), what the file states must lie within the
      rate's bounds too: both ends of a range and a distribution's ``low``,
      ``mode``, ``high``, ``p5``, ``p95`` and ``mean`` (``"1%..150%"`` is refused).
    * An event's ``set`` is kept sorted by path.  An event may set the churn
      keys of the form the segment gives (``monthly``/``annual`` with
      ``heterogeneity``, or ``alpha`` and ``beta``) and ``funnel.*`` only on
      a segment with a funnel.
    * ``simulation.correlations`` name fields that are uncertain in the
      scenario itself, not values of events.
    """
    reader = NodeReader(source)
    root = _compose(text, reader)
    scenario = _ScenarioReader(reader).read(root) if root is not None else None
    if reader.problems or scenario is None:
        problems = [_swallowed(problem, text, root) for problem in reader.problems]
        in_order = sorted(problems, key=lambda p: p.line or 0)
        raise InputError(in_order)
    return scenario


def _problem_count(text: str) -> int | None:
    """How many problems the scenario reader finds in ``text``; None where it is not YAML."""
    try:
        if _too_deep_at(text, MAX_DEPTH) is not None:
            return None
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    if root is None or oversize(root) is not None:
        return None
    reader = NodeReader("")
    _ScenarioReader(reader).read(root)
    return len(reader.problems)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indent_fixes(text: str, candidates: list[int]) -> list[tuple[int, int]]:
    """The single-line re-indents among ``candidates`` (0-based lines) that make ``text`` read best.

    Each candidate line is tried at every column some line of the file starts
    in, or 2 further (the first key of a block); of the re-indents that give valid YAML, those leaving the fewest
    problems are kept, as ``(1-based line, column)``.
    """
    lines = text.split("\n")
    content = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    used = {_indent(line) for line in content}
    columns = sorted(used | {column + 2 for column in used})  # a column in use, or a block inside one
    scored: list[tuple[int, int, int]] = []
    for k in candidates:
        for column in columns:
            if column == _indent(lines[k]):
                continue
            edited = [*lines[:k], " " * column + lines[k].lstrip(" "), *lines[k + 1 :]]
            count = _problem_count("\n".join(edited))
            if count is not None:
                scored.append((count, k + 1, column))
    if not scored:
        return []
    fewest = min(count for count, _, _ in scored)
    best = [(line, column) for count, line, column in scored if count == fewest]
    # A line at a column no other line uses is the odd one out, where there is one.
    uses = Counter(_indent(line) for line in content)
    odd = [(line, column) for line, column in best if uses[_indent(lines[line - 1])] == 1]
    best = odd or best
    # Of the columns that fit one line, the nearest to where it stands: the smallest change.
    shift = {line: min(abs(column - _indent(lines[line - 1])) for at, column in best if at == line) for line, _ in best}
    return [(line, column) for line, column in best if abs(column - _indent(lines[line - 1])) == shift[line]]


def _fix_words(fixes: list[tuple[int, int]]) -> str:
    edge = " (start it at the left edge)"
    return ", or ".join(
        f"indent line {line} by {_spaces(column)}{edge if column == 0 else ''}" for line, column in fixes
    )


def _swallowed(problem: Problem, text: str, root: Node | None) -> Problem:
    """A required key that the file writes, but indented into the value above it: say which line and how to fix it."""
    if problem.message != "is required" or root is None:
        return problem
    key = problem.field.rsplit(".", 1)[-1]
    key_lines = _key_lines(root)
    lines = text.split("\n")
    written_at = [
        k for k, line in enumerate(lines) if line.lstrip(" ").startswith(f"{key}:") and k + 1 not in key_lines
    ]
    if len(written_at) != 1:
        return problem
    fixes = _indent_fixes(text, written_at) if len(text) <= _INDENT_SEARCH_BYTES else []
    advice = f": {_fix_words(fixes)}" if fixes else ""
    message = (
        f"is required; line {written_at[0] + 1} writes '{key}:' but its indent makes it part of the value "
        f"above it{advice}"
    )
    return dataclasses.replace(problem, message=message)


def _key_lines(root: Node) -> set[int]:
    """The lines where the document's mapping keys are written."""
    lines: set[int] = set()
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                lines.add(line_of(key))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return lines


def _compose(text: str, reader: NodeReader) -> Node | None:
    """The document's root node, or None with the problem reported."""
    try:
        # libyaml's composer recurses in C: a deeply nested file would crash the process.
        # Its parser does not, so measure the depth from the event stream first.
        too_deep = _too_deep_at(text, MAX_DEPTH)
        if too_deep is not None:
            reader.report(too_deep, "", f"is nested more than {MAX_DEPTH} levels deep, too deep for a scenario")
            return None
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, problem = _yaml_problem(error, text)
        if line is None and mark is not None:
            line = mark.line + 1
        reader.report(line, "", f"is not valid YAML: {problem}")
        return None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        reader.report(line, "", f"is not valid YAML: character U+{code:04X} is not allowed")
        return None
    except yaml.YAMLError as error:
        reader.report(None, "", f"is not valid YAML: {error}")
        return None
    if root is None or (is_null(root) and not root.value):
        reader.report(1, "", "is empty, a scenario needs name, horizon_months, company, acquisition and segments")
        return None
    too_big = oversize(root)
    if too_big is not None:
        through_aliases, line = too_big
        if through_aliases:
            reader.report(
                line, "", f"expands to more than {MAX_NODES} values through YAML aliases, refusing to read it"
            )
        else:
            reader.report(line, "", f"has more than {MAX_NODES} values, too many for a scenario")
        return None
    return root


def _reads_as_no_text(node: Node) -> bool:
    """A plain scalar that YAML reads as a number, a boolean or a date (``name: 2025``, ``name: yes``):
    quotes make it text."""
    return isinstance(node, ScalarNode) and not node.style and node.tag != STR_TAG and not is_null(node)


def _spaces(count: int) -> str:
    return f"{count} space{'s' if count != 1 else ''}"


def _yaml_problem(error: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """Where and what is wrong, in words: a tab, or a line whose indent does not fit (found by
    re-indenting each line near the error and reading the file again), else the parser's own words."""
    mark = error.problem_mark
    lines = text.split("\n")
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    problem = error.problem or ""
    if "\t" in indent or (mark is not None and line[mark.column : mark.column + 1] == "\t"):
        return None, "this line is indented with a tab; indent with spaces"
    tabs = any("\t" in row[: len(row) - len(row.lstrip(" \t"))] for row in lines)
    if mark is not None and len(text) <= _INDENT_SEARCH_BYTES and not tabs:
        content = [k for k, row in enumerate(lines) if row.strip() and not row.lstrip().startswith("#")]
        near = [k for k in content if k <= mark.line][-_INDENT_WINDOW:] + [k for k in content if k > mark.line][:1]
        fixes = _indent_fixes(text, near)
        if len({at for at, _ in fixes}) == 1:
            at = fixes[0][0]
            return at, (
                f"this line is indented by {_spaces(_indent(lines[at - 1]))}, which does not fit the lines "
                f"around it: {_fix_words(fixes)}"
            )
        if fixes:
            named = sorted({at for at, _ in fixes})
            return named[0], (
                f"lines {', '.join(map(str, named))} are not indented alike and it is not clear which "
                f"one is off: {_fix_words(fixes)}"
            )
    if "mapping values are not allowed" in problem:
        return None, "a value holds ': ', put the value in quotes"
    lost = ("did not find expected key", "expected '-' indicator", "expected <block end>")
    if any(words in problem for words in lost):
        return None, (
            "the indentation of this line or one above it does not fit: the keys of one block start in "
            "the same column, and which line is off is not clear"
        )
    return None, ", ".join(part for part in (error.context, error.problem) if part)


def _too_deep_at(text: str, limit: int) -> int | None:
    """The line where the file nests mappings and lists more than ``limit`` deep, or None."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limit:
                    assert event.start_mark is not None  # the parser marks every event
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # PyYAML >= 6.0.3 has a depth limit of its own, which its scanner can reach first.
        if "maximum nesting depth" in (error.problem or ""):
            mark = error.problem_mark or error.context_mark
            return mark.line + 1 if mark else 1
        raise
    return None


@dataclass
class _EventRead:
    index: int  # position in the file
    event: Event
    set_node: Node | None
    key_lines: dict[str, int]  # line of each path the event sets


def _required_fields(cls: type) -> list[str]:
    """The fields of a scenario dataclass without a default: required in the file."""
    return [f.name for f in dataclasses.fields(cls) if f.default is MISSING and f.default_factory is MISSING]


def _build(cls: type, values: dict[str, object]) -> object:
    """``cls(**values)``, None standing in for required values that were missing
    or bad (the file has a problem then and the object is never handed out)."""
    return cls(**{**dict.fromkeys(_required_fields(cls)), **values})


@dataclass
class _ScenarioReader:
    reader: NodeReader
    horizon: int | None = None
    segments: dict[str, SegmentForm] = dataclasses.field(default_factory=dict)
    shares: dict[str, float] | None = None  # given spend shares by segment name, when all are valid
    uncertain: list[str] = dataclasses.field(default_factory=list)  # dotted paths of distributions
    programs: list[str] = dataclasses.field(default_factory=list)  # the valid names of programs, in file order
    migrations: int = 0  # how many migrations the file lists

    def read(self, root: Node) -> Scenario | None:
        top = self.reader.mapping(root, "", TOP_KEYS, line=1, elsewhere=_ELSEWHERE[""])
        if top is None:
            return None
        for key in _required_fields(Scenario):
            top.require(key)
        values: dict[str, object] = {}
        if top.has("name"):
            values["name"] = self._name(top.node_of("name"))
        for key in ("description", "currency"):
            if top.has(key):
                values[key] = self.reader.text(top.node_of(key), key)
        if top.has("horizon_months"):
            horizon = self.reader.number(top.node_of("horizon_months"), TOP_LEVEL["horizon_months"], "horizon_months")
            self.horizon = cast(int | None, horizon)  # an integer field: number() gives an int or None
            values["horizon_months"] = self.horizon
        if top.has("company"):
            values["company"] = self._company(top)
        if top.has("acquisition"):
            values["acquisition"] = self._section(top, "acquisition", ACQUISITION_KEYS, Acquisition)
        if top.has("segments"):
            values["segments"] = self._segments(top.node_of("segments"), top.key_line("segments"))
        # Programs and migrations name segments; correlations and events name segments,
        # programs and uncertain fields: read them last.
        programs = top.given("programs")
        if programs is not None:
            values["programs"] = self._programs(programs, values.get("segments"))
        migrations = top.given("migrations")
        if migrations is not None:
            values["migrations"] = self._migrations(migrations)
        simulation = top.given("simulation")
        if simulation is not None:
            values["simulation"] = self._simulation(simulation, top.key_line("simulation"))
        events = top.given("events")
        if events is not None:
            values["events"] = self._events(events)
        return _build(Scenario, values)  # type: ignore[return-value]  # _build makes the class it is given

    def _name(self, node: Node) -> str | None:
        allowed = f"must be text of 1 to {MAX_NAME_CHARS} characters"
        if _reads_as_no_text(node):
            self.reader.report(node, "name", f'{allowed}, got {written(node)}; put it in quotes: name: "{node.value}"')
            return None
        name = self.reader.text(node, "name", allowed)
        if name is not None and not 1 <= len(normalize_name(name)) <= MAX_NAME_CHARS:
            self.reader.report(node, "name", f"{allowed}, got {written(node)}")
        return checked_name(name, lambda problem: self.reader.report(node, "name", problem))

    def _numbers(
        self, mapping: Mapping, keys: tuple[str, ...], rules: dict[str, FieldRule], dotted: str | None
    ) -> dict[str, object]:
        """The numeric ``keys`` given in ``mapping``; distributions are noted under
        the dotted path ``dotted.key`` (None: the segment has no valid name)."""
        values: dict[str, object] = {}
        for key in keys:
            node = mapping.get(key)
            if node is None:
                continue
            values[key] = value = self.reader.number(node, rules[key], join(mapping.field, key))
            if isinstance(value, Distribution) and dotted is not None:
                self.uncertain.append(f"{dotted}.{key}")
        return values

    def _section(self, top: Mapping, name: str, keys: tuple[str, ...], cls: type) -> object:
        section = self.reader.mapping(
            top.node_of(name), name, keys, line=top.key_line(name), elsewhere=_ELSEWHERE[name]
        )
        if section is None:
            return None
        for key in _required_fields(cls):
            section.require(key)
        rules = {key: TOP_LEVEL[f"{name}.{key}"] for key in keys}
        return _build(cls, self._numbers(section, keys, rules, name))

    # -- company -----------------------------------------------------------------

    def _company(self, top: Mapping) -> Company | None:
        """The company: its numbers, the cash policy and the optional funding and customer-success blocks (SPEC 2.5, 2.7)."""
        company = self.reader.mapping(
            top.node_of("company"),
            "company",
            COMPANY_KEYS,
            line=top.key_line("company"),
            elsewhere=_ELSEWHERE["company"],
        )
        if company is None:
            return None
        for key in _required_fields(Company):
            company.require(key)
        numbers = numbers_of("company")
        values = self._numbers(company, numbers, {key: TOP_LEVEL[f"company.{key}"] for key in numbers}, "company")
        policy = company.get("when_out_of_cash")  # a choice, as billing: null is no word
        if policy is not None:
            values["when_out_of_cash"] = self._choice(policy, "company.when_out_of_cash", CASH_POLICIES)
        for key, keys, rules, cls in (
            ("funding", FUNDING_KEYS, FUNDING, Funding),
            ("customer_success", CUSTOMER_SUCCESS_KEYS, CUSTOMER_SUCCESS, CustomerSuccess),
        ):
            node = company.given(key)
            if node is None:
                continue
            field = f"company.{key}"
            block = self.reader.mapping(node, field, keys, line=company.key_line(key), elsewhere=_ELSEWHERE[key])
            if block is None:
                values[key] = None
                continue
            for required in _required_fields(cls):
                block.require(required)
            values[key] = _build(cls, self._numbers(block, tuple(rules), rules, field))
        return _build(Company, values)  # type: ignore[return-value]  # _build makes the class it is given

    def _choice(self, node: Node, field: str, choices: tuple[str, ...]) -> str | None:
        """One of ``choices``, said with a guess when the word is close to one."""
        allowed = f"must be {', '.join(choices[:-1])} or {choices[-1]}"
        word = self.reader.text(node, field, allowed)
        if word is not None and word not in choices:
            close = suggest(word, choices, case="same")
            guess = f", did you mean '{close}'?" if close else ""
            self.reader.report(node, field, f"{allowed}, got {written(node)}{guess}")
            return None
        return word

    # -- programs and migrations ---------------------------------------------------

    def _programs(self, node: Node, segments: object) -> tuple[Program, ...]:
        """Retention programs (SPEC 2.7).  A program without ``segments`` acts on every segment
        (their names in scenario order); one without ``to_month`` runs to the horizon."""
        items = self.reader.sequence(node, "programs", "program mappings")
        if items is None:
            return ()
        if len(items) > MAX_PROGRAMS:
            self.reader.report(node, "programs", f"must list at most {MAX_PROGRAMS} programs, got {len(items)}")
            return ()
        every = tuple(s.name for s in segments if s.name is not None) if isinstance(segments, tuple) else ()
        read = [self._program(item, i, every) for i, item in enumerate(items)]
        return tuple(program for program in read if program is not None)

    def _program(self, node: Node, index: int, every: tuple[str, ...]) -> Program | None:
        field = f"programs[{index}]"
        program = self.reader.mapping(node, field, PROGRAM_KEYS, elsewhere=_ELSEWHERE["program"])
        if program is None:
            return None
        for key in _required_fields(Program):
            program.require(key)
        name = self._program_name(program) if program.has("name") else None
        rules = dict(PROGRAM)
        for key in ("from_month", "to_month"):  # months of the scenario: up to its horizon
            rules[key] = dataclasses.replace(rules[key], high=self.horizon or rules[key].high)
        values = self._numbers(program, tuple(rules), rules, f"programs.{name}" if name is not None else None)
        values["name"] = name
        given = program.given("segments")
        values["segments"] = self._segment_names(given, join(field, "segments")) if given is not None else every
        first, last = values.get("from_month", 1), values.get("to_month")
        if isinstance(first, int) and isinstance(last, int) and last < first:
            to_month = program.node_of("to_month")
            self.reader.report(to_month, join(field, "to_month"), f"must be at least from_month ({first}), got {last}")
        if "to_month" not in values:
            values["to_month"] = self.horizon
        program_read: Program = _build(Program, values)  # type: ignore[assignment]  # _build makes the class it is given
        return program_read

    def _program_name(self, program: Mapping) -> str | None:
        node = program.node_of("name")
        field = join(program.field, "name")
        allowed = f"must be text of 1 to {MAX_NAME_CHARS} characters without '.'"
        if _reads_as_no_text(node):
            self.reader.report(node, field, f'{allowed}, got {written(node)}; put it in quotes: name: "{node.value}"')
            return None
        name = self.reader.text(node, field, allowed)
        if name is None:
            return None
        if not name.strip() or "." in name or len(name) > MAX_NAME_CHARS:
            self.reader.report(node, field, f"{allowed}, got {written(node)}")
            return None
        if name in self.programs:
            self.reader.report(node, field, f"must be unique, got {written(node)} a second time")
            return None
        self.programs.append(name)
        return name

    def _segment_names(self, node: Node, field: str) -> tuple[str, ...] | None:
        """A program's ``segments``: a list of the scenario's segment names, each once."""
        items = self.reader.sequence(node, field, "segment names")
        if items is None:
            return None
        if not items:
            self.reader.report(node, field, "must name at least one segment (leave it out for every segment), got []")
            return None
        names: list[str] = []
        for k, item in enumerate(items):
            name = self._segment_ref(item, f"{field}[{k}]")
            if name is None:
                continue
            if name in names:
                self.reader.report(item, f"{field}[{k}]", f"names segment '{name}' a second time")
                continue
            names.append(name)
        return tuple(names) if len(names) == len(items) else None

    def _segment_ref(self, node: Node, field: str) -> str | None:
        """The name of a segment of this scenario, or None with the problem (and a guess) reported."""
        name = self.reader.text(node, field, "must be a segment's name")
        if name is None:
            return None
        if name not in self.segments:
            close = suggest(name, self.segments, case="prefix")
            guess = (
                f", did you mean '{close}'?"
                if close
                else (f"; the segments are {', '.join(self.segments)}" if self.segments else "")
            )
            self.reader.report(node, field, f"names no segment '{name}'{guess}")
            return None
        return name

    def _migrations(self, node: Node) -> tuple[Migration, ...]:
        """Moves between segments (SPEC 2.8): each (from, to) pair once, from a segment to another."""
        items = self.reader.sequence(node, "migrations", "migration mappings")
        if items is None:
            return ()
        if len(items) > MAX_MIGRATIONS:
            self.reader.report(node, "migrations", f"must list at most {MAX_MIGRATIONS} migrations, got {len(items)}")
            return ()
        self.migrations = len(items)
        migrations: list[Migration | None] = []
        pair_lines: dict[tuple[str, str], int] = {}
        for i, item in enumerate(items):
            field = f"migrations[{i}]"
            mapping = self.reader.mapping(item, field, MIGRATION_KEYS, elsewhere=_ELSEWHERE["migration"])
            if mapping is None:
                migrations.append(None)
                continue
            for key in MIGRATION_KEYS:
                if FIELD[f"migrations.{key}"].required:
                    mapping.require(key)
            values = self._numbers(mapping, tuple(MIGRATION), MIGRATION, field)
            ends = {
                key: self._segment_ref(mapping.node_of(key), join(field, key))
                for key in ("from", "to")
                if mapping.has(key)
            }
            source, target = ends.get("from"), ends.get("to")
            if source is not None and source == target:
                self.reader.report(
                    mapping.node_of("to"),
                    join(field, "to"),
                    f"must name a segment other than its from, got '{target}' for both",
                )
            elif source is not None and target is not None:
                line = line_of(item)
                if (source, target) in pair_lines:
                    self.reader.report(
                        item,
                        field,
                        f"must not move accounts from {source} to {target} again (see line {pair_lines[source, target]})",
                    )
                pair_lines.setdefault((source, target), line)
            migrations.append(_build(Migration, {"source": source, "target": target, **values}))  # type: ignore[arg-type]
        return tuple(m for m in migrations if m is not None)

    def _simulation(self, node: Node, line: int) -> Simulation:
        section = self.reader.mapping(
            node, "simulation", SIMULATION_KEYS, line=line, elsewhere=_ELSEWHERE["simulation"]
        )
        if section is None:
            return Simulation()
        values: dict[str, object] = {}
        for key in ("paths", "seed"):
            value = section.given(key)
            if value is not None:
                values[key] = self.reader.number(value, TOP_LEVEL[f"simulation.{key}"], f"simulation.{key}")
        correlations = section.given("correlations")
        if correlations is not None:
            values["correlations"] = self._correlations(correlations, section.key_line("correlations"))
        return Simulation(**values)  # type: ignore[arg-type]  # each value as its rule reads it

    # -- segments --------------------------------------------------------------

    def _segments(self, node: Node, line: int) -> tuple[Segment, ...]:
        items = self.reader.sequence(node, "segments", "segment mappings")
        if items is None:
            return ()
        if not 1 <= len(items) <= MAX_SEGMENTS:
            self.reader.report(line, "segments", f"must be a list of 1 to {MAX_SEGMENTS} segments, got {len(items)}")
        read = [self._segment(item, i, several=len(items) > 1) for i, item in enumerate(items)]
        segments = [s for s in read if s is not None]
        # The sum is checked whenever every share was read, even if a name is wrong.
        shares_known = len(segments) == len(read) and all(isinstance(s.spend_share, float) for s in segments)
        if segments and shares_known:
            total = math.fsum(s.spend_share for s in segments)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                self.reader.report(line, "segments", f"spend_share of all segments must sum to 1, got {total:.12g}")
            elif all(s.name is not None for s in segments):
                self.shares = {s.name: s.spend_share for s in segments}
        return tuple(segments)

    def _segment(self, node: Node, index: int, several: bool) -> Segment | None:
        field = f"segments[{index}]"
        segment = self.reader.mapping(node, field, SEGMENT_KEYS, elsewhere=_ELSEWHERE["segment"])
        if segment is None:
            return None
        for key in _required_fields(Segment):
            segment.require(key)
        name = self._segment_name(segment) if segment.has("name") else None
        dotted = f"segments.{name}" if name is not None else None
        values = self._numbers(segment, _SEGMENT_NUMBERS, SEGMENT, dotted)
        if several and not segment.has("spend_share"):
            segment.require("spend_share", "is required when there are several segments")
            values["spend_share"] = None
        values["name"] = name
        values["funnel"] = self._funnel(segment, dotted)
        churn_form = None
        if segment.has("churn"):
            values["churn"], churn_form = self._churn(segment.node_of("churn"), join(field, "churn"), dotted)
        if segment.has("billing"):
            values["billing"] = self._billing(segment.node_of("billing"), join(field, "billing"))
        cohorts = segment.given("starting_cohorts")
        if cohorts is not None:
            self._starting_cohorts(segment, cohorts, values)
        else:
            values["starting_mrr"] = self._starting_mrr(segment, values, dotted)
        if name is not None:
            self.segments[name] = SegmentForm(uses_funnel=segment.has("funnel"), churn_form=churn_form)
        return _build(Segment, values)  # type: ignore[return-value]  # _build makes the class it is given

    def _segment_name(self, segment: Mapping) -> str | None:
        node = segment.node_of("name")
        field = join(segment.field, "name")
        allowed = "must be non-empty text without '.'"
        if _reads_as_no_text(node):
            self.reader.report(node, field, f'{allowed}, got {written(node)}; put it in quotes: name: "{node.value}"')
            return None
        name = self.reader.text(node, field, allowed)
        if name is None:
            return None
        if not name.strip() or "." in name:
            self.reader.report(node, field, f"{allowed}, got {written(node)}")
            return None
        if name in self.segments:
            self.reader.report(node, field, f"must be unique, got {written(node)} a second time")
            return None
        return name

    def _funnel(self, segment: Mapping, dotted: str | None) -> Funnel | None:
        has_cac, has_funnel = segment.has("cac"), segment.has("funnel")
        if has_cac and has_funnel:
            line = max(segment.key_line("cac"), segment.key_line("funnel"))
            self.reader.report(line, segment.field, "must have exactly one of cac or funnel, got both")
        elif not has_cac and not has_funnel:
            self.reader.report(segment.line, segment.field, "must have exactly one of cac or funnel, got neither")
        if not has_funnel:
            return None
        field = join(segment.field, "funnel")
        funnel = self.reader.mapping(
            segment.node_of("funnel"),
            field,
            FUNNEL_KEYS,
            line=segment.key_line("funnel"),
            elsewhere=_ELSEWHERE["funnel"],
        )
        if funnel is None:
            return None
        for key in _required_fields(Funnel):
            funnel.require(key)
        rules = {key: SEGMENT[f"funnel.{key}"] for key in FUNNEL_KEYS}
        values = self._numbers(funnel, FUNNEL_KEYS, rules, dotted and f"{dotted}.funnel")
        return _build(Funnel, values)  # type: ignore[return-value]  # _build makes the class it is given

    def _churn(self, node: Node, field: str, dotted: str | None) -> tuple[Churn | None, str | None]:
        churn = self.reader.mapping(node, field, CHURN_KEYS, elsewhere=_ELSEWHERE["churn"])
        if churn is None:
            return None, None
        given = [key for key in ("monthly", "annual", "alpha", "beta") if churn.has(key)]
        form: str | None = None
        if given in (["monthly"], ["annual"]):
            form = given[0]
        elif given == ["alpha", "beta"]:
            form = "alpha and beta"
            if churn.has("heterogeneity"):
                heterogeneity = churn.node_of("heterogeneity")
                self.reader.report(
                    heterogeneity,
                    join(field, "heterogeneity"),
                    "must be left out with alpha and beta (it goes with monthly or annual), "
                    f"got {written(heterogeneity)}",
                )
        elif given in (["alpha"], ["beta"]):
            churn.require("beta" if given == ["alpha"] else "alpha", f"is required with {given[0]}")
        else:
            got = " and ".join(given) or "none"
            self.reader.report(node, field, f"must have exactly one of monthly, annual, or alpha and beta, got {got}")
        rules = {key: SEGMENT[f"churn.{key}"] for key in CHURN_KEYS}
        values = self._numbers(churn, CHURN_KEYS, rules, dotted and f"{dotted}.churn")
        return Churn(**values), form  # type: ignore[arg-type]  # each value as its rule reads it

    def _billing(self, node: Node, field: str) -> str | None:
        allowed = f"must be {' or '.join(BILLING)}"
        billing = self.reader.text(node, field, allowed)
        if billing is not None and billing not in BILLING:
            self.reader.report(node, field, f"{allowed}, got {written(node)}")
        return billing

    def _starting_cohorts(self, segment: Mapping, node: Node, values: dict[str, object]) -> None:
        """The installed base by tenure (SPEC 1, 2.1): ``starting_cohorts`` and, from it, the segment's
        ``starting_customers`` and ``starting_mrr`` (their totals).  Null or an empty list: none."""
        field = join(segment.field, "starting_cohorts")
        given = [key for key in STARTING_KEYS if segment.has(key)]
        if given:
            self.reader.report(
                segment.key_line("starting_cohorts"),
                field,
                f"must be left out with {' and '.join(given)}: starting_cohorts gives the installed base "
                "by tenure instead of those keys",
            )
        items = self.reader.sequence(node, field, "{tenure_months: T, customers: N, mrr: X} mappings")
        if items is None:
            return
        if len(items) > MAX_STARTING_COHORTS:
            self.reader.report(
                segment.key_line("starting_cohorts"),
                field,
                f"must list at most {MAX_STARTING_COHORTS} cohorts, got {len(items)}",
            )
            return
        cohorts: list[StartingCohort] = []
        for i, item in enumerate(items):
            item_field = f"{field}[{i}]"
            mapping = self.reader.mapping(item, item_field, COHORT_KEYS, elsewhere=_ELSEWHERE["cohort"])
            if mapping is None:
                continue
            read: dict[str, object] = {}
            for key in COHORT_KEYS:
                value_node = mapping.require(key)
                if value_node is not None:
                    rule = FIELD[f"segments.starting_cohorts.{key}"].rule
                    assert rule is not None  # the cohort's keys are numbers
                    read[key] = self.reader.number(value_node, rule, join(item_field, key))
            if all(read.get(key) is not None for key in COHORT_KEYS):
                cohorts.append(StartingCohort(**read))  # type: ignore[arg-type]  # each value as its rule reads it
        if len(cohorts) != len(items):
            return
        customers = sum(cohort.customers for cohort in cohorts)
        most = SEGMENT["starting_customers"].high
        if customers > most:
            self.reader.report(
                segment.key_line("starting_cohorts"),
                field,
                f"must add up to at most {most:,.0f} customers, got {customers:,}",
            )
            return
        if cohorts:
            values["starting_cohorts"] = tuple(cohorts)
            values["starting_customers"] = customers
            values["starting_mrr"] = math.fsum(cohort.mrr for cohort in cohorts)

    def _starting_mrr(self, segment: Mapping, values: dict[str, object], dotted: str | None) -> Number | None:
        """As given; else ``starting_customers × arpa_monthly`` when arpa is fixed;
        else None (the engine multiplies by each path's arpa)."""
        customers = values.get("starting_customers", 0)
        node = segment.given("starting_mrr")
        if node is None:
            arpa = values.get("arpa_monthly")
            return customers * arpa if isinstance(customers, int) and isinstance(arpa, float) else None
        field = join(segment.field, "starting_mrr")
        mrr = self.reader.number(node, SEGMENT["starting_mrr"], field)
        if isinstance(mrr, Distribution) and dotted is not None:
            self.uncertain.append(f"{dotted}.starting_mrr")
        if customers == 0 and (isinstance(mrr, Distribution) or (mrr or 0.0) > 0):
            self.reader.report(node, field, f"must be 0 when starting_customers is 0, got {written(node)}")
        return mrr

    # -- field paths -----------------------------------------------------------

    def _field_path(self, path: str) -> tuple[FieldRule | None, str]:
        """The rule of a dotted field path, or None and why it names no field."""
        rule = rule_for(path)
        parts = path.split(".")
        if rule is not None and path.startswith("segments.") and path.split(".")[1] not in self.segments:
            rule = None
        field = field_named(path)
        if field is not None and parts[0] == "programs" and parts[1] not in self.programs:
            name = suggest(parts[1], self.programs, case="prefix")
            guess = f", did you mean '{'.'.join(['programs', name, *parts[2:]])}'?" if name else ""
            return None, f"names no program '{parts[1]}'{guess}"
        migration = MIGRATION_PATH.fullmatch(path)
        if field is not None and migration is not None and int(migration[1]) >= self.migrations:
            count = self.migrations
            listed = f"{count} migration{'s' if count > 1 else ''}, migrations[0] the first" if count else "none"
            return None, f"names no migration: the scenario lists {listed}"
        if rule is not None:
            return rule, ""
        if field is not None and field.path.startswith(("company.", "programs.", "migrations.")):
            return None, "cannot be changed by an event"  # a policy, a block or a name (SPEC 2.5, 2.7, 2.8)
        if len(parts) == 3 and parts[0] == "segments" and parts[1] in self.segments and parts[2] in FIXED_SEGMENT_KEYS:
            return None, "cannot be changed by an event"
        leaves = [p for p in settable_paths(self.segments) if p.startswith(f"{path}.")]
        if leaves:
            return None, names_a_group(path, leaves)
        # Guess from the last part within the same section: the shared prefix says nothing.
        if len(parts) >= 3 and parts[0] == "segments" and parts[1] in self.segments:
            prefix, keys = f"segments.{parts[1]}.", list(SEGMENT)
        elif len(parts) >= 3 and parts[0] == "segments":
            name = suggest(parts[1], self.segments, case="prefix")
            guess = f", did you mean '{'.'.join(['segments', name, *parts[2:]])}'?" if name else ""
            return None, f"names no segment '{parts[1]}'{guess}"
        elif len(parts) >= 2 and parts[0] in ("company", "acquisition"):
            prefix = f"{parts[0]}."
            keys = [key.split(".", 1)[1] for key, rule in TOP_LEVEL.items() if key.startswith(prefix) and rule.settable]
        else:
            prefix, keys = "", [*TOP_LEVEL, *(f"segments.{name}" for name in self.segments)]
        rest = path[len(prefix) :]
        close = suggest(rest, keys)
        if close:
            return None, f"names no field, did you mean '{prefix}{close}'?"
        if prefix and not prefix.startswith("segments."):
            return None, f"names no field; {prefix[:-1]} has {', '.join(keys)}"
        return None, "names no field"

    # -- correlations ------------------------------------------------------------

    def _correlations(self, node: Node, line: int) -> tuple[Correlation, ...]:
        field = "simulation.correlations"
        items = self.reader.sequence(node, field, "{between: [FIELD, FIELD], rho: r}")
        if items is None:
            return ()
        problems_before = len(self.reader.problems)
        correlations: list[Correlation] = []
        pair_lines: dict[frozenset[str], int] = {}
        for i, item in enumerate(items):
            item_field = f"{field}[{i}]"
            mapping = self.reader.mapping(item, item_field, CORRELATION_KEYS, elsewhere=_ELSEWHERE["correlation"])
            if mapping is None:
                continue
            between_node, rho_node = mapping.require("between"), mapping.require("rho")
            between = self._between(between_node, join(item_field, "between")) if between_node is not None else None
            rho = self.reader.number(rho_node, RHO, join(item_field, "rho")) if rho_node is not None else None
            if between is None or rho is None or between_node is None:  # no between: None
                continue
            pair = frozenset(between)
            if pair in pair_lines:
                self.reader.report(
                    between_node,
                    join(item_field, "between"),
                    f"must not correlate the same two fields again (see line {pair_lines[pair]}), "
                    f"got {written(between_node)}",
                )
                continue
            pair_lines[pair] = line_of(between_node)
            correlations.append(Correlation(between, cast(float, rho)))  # RHO is a fixed number: a float
        if correlations and len(self.reader.problems) == problems_before and not _positive_definite(correlations):
            self.reader.report(line, field, "must form a positive definite correlation matrix, got one that is not")
        return tuple(correlations)

    def _between(self, node: Node, field: str) -> tuple[str, str] | None:
        items = self.reader.sequence(node, field, "two field paths")
        if items is None:
            return None
        if len(items) != 2:
            self.reader.report(node, field, f"must be a list of two field paths, got {written(node)}")
            return None
        paths: list[str] = []
        for k, item in enumerate(items):
            item_field = f"{field}[{k}]"
            path = self.reader.text(item, item_field, "must be a field path as in events")
            if path is None:
                continue
            rule, why = self._field_path(path)
            if rule is None:
                self.reader.report(item, item_field, f"{why} (got {written(item)})")
            elif path not in self.uncertain:
                allowed = "must name a field that is uncertain in this scenario"
                self.reader.report(item, item_field, f"{allowed}, got {written(item)}")
            else:
                paths.append(path)
        if len(paths) != 2:
            return None
        if paths[0] == paths[1]:
            self.reader.report(node, field, f"must name two different fields, got {written(node)}")
            return None
        return paths[0], paths[1]

    # -- events ----------------------------------------------------------------

    def _events(self, node: Node) -> tuple[Event, ...]:
        items = self.reader.sequence(node, "events", "event mappings")
        if items is None:
            return ()
        read = [e for e in (self._event(item, i) for i, item in enumerate(items)) if e is not None]
        read.sort(key=lambda e: e.event.month if isinstance(e.event.month, int) else 0)
        self._check_event_months(read)
        return tuple(e.event for e in read)

    def _event(self, node: Node, index: int) -> _EventRead | None:
        field = f"events[{index}]"
        event = self.reader.mapping(node, field, EVENT_KEYS, elsewhere=_ELSEWHERE["event"])
        if event is None:
            return None
        month = None
        if event.require("month") is not None:
            last = self.horizon or TOP_LEVEL["horizon_months"].high
            month_rule = dataclasses.replace(EVENT_MONTH, high=last)
            month = self.reader.number(event.node_of("month"), month_rule, join(field, "month"))
        note = event.given("note")
        set_node = event.given("set")
        changes, key_lines = self._changes(set_node, join(field, "set")) if set_node is not None else ((), {})
        cash_in = event.given("cash_in")
        if cash_in is None and (set_node is None or (isinstance(set_node, MappingNode) and not set_node.value)):
            self.reader.report(node, field, "must have set or cash_in, got neither")
        read = Event(
            month=month,  # type: ignore[arg-type]  # None only with a problem reported: never handed out
            note=self.reader.text(note, join(field, "note")) if note is not None else None,
            set=changes,
            cash_in=self.reader.number(cash_in, EVENT_CASH_IN, join(field, "cash_in")) if cash_in is not None else None,
        )
        return _EventRead(index, read, set_node, key_lines)

    def _changes(self, node: Node, field: str) -> tuple[tuple[tuple[str, Number], ...], dict[str, int]]:
        mapping = self.reader.mapping(node, field, None)
        if mapping is None:
            return (), {}
        changes: list[tuple[str, Number]] = []
        key_lines: dict[str, int] = {}
        for path, (key_node, value_node) in mapping.entries.items():
            path_field = join(field, path)
            rule, why = self._field_path(path)
            refusal = why if rule is None else why_not_settable(path, rule, self.segments)
            if refusal is not None:
                self.reader.report(key_node, path_field, refusal)
                continue
            assert rule is not None  # why names no field only when there is none
            value = self.reader.number(value_node, rule, path_field)
            if value is not None:
                changes.append((path, value))
                key_lines[path] = line_of(key_node)
        # Sorted by path: the order within one event does not matter (a field is set at most
        # once per month) and a canonical order survives any YAML dumper, sorting or not.
        return tuple(sorted(changes, key=lambda change: change[0])), key_lines

    def _check_event_months(self, events: list[_EventRead]) -> None:
        """No field set twice in one month; spend shares still sum to 1 after each month.

        ``events`` are sorted by month, in file order within a month.
        """
        shares = dict(self.shares) if self.shares is not None else None
        first_line: dict[tuple[int, str | tuple[str, str]], int] = {}  # (month, path or (cac|funnel, segment))
        for month, group in itertools.groupby(events, key=lambda e: e.event.month):
            if not isinstance(month, int):
                continue
            share_setter: _EventRead | None = None
            for read in group:
                for path, value in read.event.set:
                    line = read.key_lines[path]
                    if (month, path) in first_line:
                        self.reader.report(
                            line,
                            f"events[{read.index}].set.{path}",
                            "must be set at most once per month, "
                            f"also set in month {month} at line {first_line[month, path]}",
                        )
                        continue
                    first_line[month, path] = line
                    parts = path.split(".")
                    if parts[0] == "segments" and (parts[2] == "cac" or parts[2] == "funnel"):
                        other = ("funnel" if parts[2] == "cac" else "cac", parts[1])
                        if (month, other) in first_line:
                            self.reader.report(
                                line,
                                f"events[{read.index}].set.{path}",
                                "cannot be set in the same month as the segment's "
                                f"{other[0]} (line {first_line[month, other]}): one CAC at a time",
                            )
                        first_line.setdefault((month, (parts[2], parts[1])), line)
                    if shares is not None and path.endswith(".spend_share"):
                        shares[path.split(".")[1]] = value  # type: ignore[assignment]  # a share is a fixed number
                        share_setter = read
            if share_setter is not None and shares is not None:
                total = math.fsum(shares.values())
                if abs(total - 1.0) > SHARE_TOLERANCE:
                    self.reader.report(
                        share_setter.set_node,
                        f"events[{share_setter.index}].set",
                        f"spend_share of all segments must sum to 1 after the events of month {month}, "
                        f"got {total:.12g}",
                    )


def _positive_definite(correlations: list[Correlation]) -> bool:
    """Whether the correlation matrix (identity plus each rho) is positive definite."""
    fields = list(dict.fromkeys(path for c in correlations for path in c.between))
    return is_positive_definite(correlation_matrix(correlations, fields))


# -- normalized form -------------------------------------------------------------


def _number(value: object) -> object:
    """A number of the normalized form: ints stay ints, distributions become dicts."""
    if isinstance(value, Distribution):
        return {"dist": value.dist, **{key: float(v) for key, v in value.params}}
    if value is None or isinstance(value, int):
        return value
    return float(value)  # type: ignore[arg-type]  # a plain number by now


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The normalized scenario: plain JSON-ready data, every default filled in.

    Keys follow SPEC.md section 1.  The company carries ``when_out_of_cash``,
    ``funding`` and ``customer_success`` (``None`` where not given); every
    program its ``segments`` (all of them where the file left them out) and
    ``to_month`` (the horizon where left out); ``programs`` and
    ``migrations`` are lists, empty where not given.  A segment carries ``cac`` or ``funnel``,
    whichever it was given (the other key is left out); ``churn`` keeps the
    given form (``monthly`` or ``annual`` with ``heterogeneity``, or
    ``alpha`` and ``beta``).  ``starting_mrr`` is ``None`` when it is
    ``starting_customers × arpa_monthly`` with an uncertain arpa (drawn per
    path).  A segment given ``starting_cohorts`` carries them instead of
    ``starting_customers``, ``starting_mrr`` and ``starting_tenure_months``;
    one without them leaves the key out.  Every event carries ``month``, ``note``, ``set`` and ``cash_in``
    (``None`` / ``{}`` where not given).  Reading the dict back
    (:func:`parse_scenario` of its YAML) gives ``s`` again.
    """
    return {
        "name": s.name,
        "description": s.description,
        "horizon_months": s.horizon_months,
        "currency": s.currency,
        "simulation": {
            "paths": s.simulation.paths,
            "seed": s.simulation.seed,
            "correlations": [{"between": list(c.between), "rho": float(c.rho)} for c in s.simulation.correlations],
        },
        "company": _company_to_dict(s.company),
        "acquisition": {key: _number(getattr(s.acquisition, key)) for key in ACQUISITION_KEYS},
        "segments": [_segment_to_dict(segment) for segment in s.segments],
        "events": [
            {
                "month": event.month,
                "note": event.note,
                "set": {path: _number(value) for path, value in event.set},
                "cash_in": _number(event.cash_in),
            }
            for event in s.events
        ],
        "programs": [
            {
                "name": program.name,
                "segments": list(program.segments),
                **{key: _number(getattr(program, key)) for key in PROGRAM},
            }
            for program in s.programs
        ],
        "migrations": [
            {
                "from": migration.source,
                "to": migration.target,
                **{key: _number(getattr(migration, key)) for key in MIGRATION},
            }
            for migration in s.migrations
        ],
    }


def _company_to_dict(company: Company) -> dict[str, object]:
    data: dict[str, object] = {key: _whole_if_integral(_number(getattr(company, key))) for key in numbers_of("company")}
    data["when_out_of_cash"] = company.when_out_of_cash
    for key, rules in (("funding", FUNDING), ("customer_success", CUSTOMER_SUCCESS)):
        block = getattr(company, key)
        data[key] = None if block is None else {k: _number(getattr(block, k)) for k in rules}
    return data


def _whole_if_integral(value: object) -> object:
    """``60`` rather than ``60.0`` for a whole number such as ``ltv_horizon_months``."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _segment_to_dict(segment: Segment) -> dict[str, object]:
    data: dict[str, object] = {}
    cohorts = segment.starting_cohorts
    for key in SEGMENT_KEYS:
        value = getattr(segment, key)
        if key in ("cac", "funnel", "starting_cohorts") and value is None:
            continue
        if cohorts is not None and key in STARTING_KEYS:
            continue  # the cohorts' totals, not given in the file
        if key == "starting_cohorts":
            data[key] = [
                {"tenure_months": c.tenure_months, "customers": c.customers, "mrr": float(c.mrr)} for c in cohorts or ()
            ]
            continue
        if key == "funnel":
            data[key] = {k: _number(getattr(value, k)) for k in FUNNEL_KEYS}
        elif key == "churn":
            data[key] = _churn_to_dict(value)
        elif key == "starting_mrr" and value is None and not isinstance(segment.arpa_monthly, Distribution):
            data[key] = float(segment.starting_customers * segment.arpa_monthly)
        elif key in ("name", "billing"):
            data[key] = value
        else:
            data[key] = _number(value)
    return data


def _churn_to_dict(churn: Churn) -> dict[str, object]:
    if churn.alpha is not None or churn.beta is not None:
        return {"alpha": _number(churn.alpha), "beta": _number(churn.beta)}
    key = "monthly" if churn.monthly is not None else "annual"
    return {key: _number(getattr(churn, key)), "heterogeneity": _number(churn.heterogeneity)}


class _Flow(dict[str, Any]):
    """A mapping dumped on one line: distributions, funnels, churn, event sets."""


class _FlowList(list[Any]):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


_FLOW_KEYS = ("funnel", "churn", "set")


def _flow_style(value: object, key: str = "") -> object:
    """Distributions, funnels, churn, event sets and correlated pairs on one line each."""
    if isinstance(value, dict):
        inner = {k: _flow_style(v, k) for k, v in value.items()}
        return _Flow(inner) if "dist" in value or key in _FLOW_KEYS else inner
    if isinstance(value, list):
        if key == "starting_cohorts":  # a group a line
            return [_Flow(item) for item in value]
        items = [_flow_style(item) for item in value]
        names = key == "segments" and all(isinstance(item, str) for item in value)  # a program's
        return _FlowList(items) if key == "between" or names else items
    return value


def dump_scenario_yaml(s: Scenario) -> str:
    """The normalized scenario as YAML, keys in SPEC order."""
    return yaml.dump(_flow_style(scenario_to_dict(s)), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def renamed_scenario_text(text: str, name: str, source: str = "<scenario>") -> tuple[str, Scenario]:
    """``text`` (a valid scenario file) with the scenario renamed to ``name``, and the scenario it gives.

    The name's value is replaced where it is written, so that comments and
    layout stay; when that does not read back as exactly the renamed
    scenario, the renamed scenario's normalized YAML is used instead.
    Raises :class:`InputError` when ``name`` is not a valid name.
    """
    wanted = dataclasses.replace(parse_scenario(text, source), name=name)
    for edited in _edits_of_name(text, name):
        try:
            if parse_scenario(edited, source) == wanted:
                return edited, wanted
        except InputError:
            continue
    dumped = dump_scenario_yaml(wanted)
    return dumped, parse_scenario(dumped, source)


def _edits_of_name(text: str, name: str) -> list[str]:
    """``text`` with the top-level ``name:`` value replaced: plain if it was plain, and double-quoted."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    node = next((value for key, value in root.value if getattr(key, "value", None) == "name"), None)
    if not isinstance(node, yaml.ScalarNode):
        return []
    start, end = node.start_mark.index, node.end_mark.index
    literals = ([name] if node.style is None and "\n" not in name else []) + [json.dumps(name, ensure_ascii=False)]
    return [text[:start] + literal + text[end:] for literal in literals]
