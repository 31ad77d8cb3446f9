"""Reading values out of YAML nodes: numbers in every form SPEC.md section 1
accepts, uncertain values, mappings, and the problems found on the way.

The scenario reader (:mod:`saas_sim.io.scenario`) walks the node tree that
``yaml.compose`` builds, so every problem knows its line.  A :class:`NodeReader`
collects the problems of one file; it never raises on a bad value, it reports
it and hands back ``None`` so that reading goes on and every problem of the
file is found at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from saas_sim.errors import Problem
from saas_sim.model.catalog.fields import MAX_MAGNITUDE, FieldRule
from saas_sim.model.paths import suggest
from saas_sim.model.scenario import DistName, Distribution, Number
from saas_sim.model.uncertainty import Z_95

MAX_NODES = 100_000  # values a file may hold, YAML aliases expanded

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"

_SUFFIX = {"%": Decimal("0.01"), "k": Decimal(10**3), "m": Decimal(10**6), "b": Decimal(10**9)}
_NUMBER_TEXT = re.compile(
    r"""\s*(?P<sign>[+-]?)\s*(?P<currency>[$€£¥]?)\s*
    (?P<digits>(?:
        \d{1,3}(?:,\d{3})+(?:\.\d*)?           # 6,000 and 1,234.50: commas before groups of three
      | (?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?
    ))
    \s*(?P<suffix>[%kKmMbB]?)\s*""",
    re.VERBOSE,
)
_SPLIT_NUMBER = re.compile(r"\d+(?:\.\d*)?[%kKmMbB]?")  # what is left of {cac: 6,000} after the comma
COMMA_HINT = "a comma only separates thousands, as in 6,000 (write decimals with a point: 1.5)"

# Each distribution's parameter sets, canonical first (the one stored).
DISTRIBUTION_FORMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "normal": (("mean", "sd"), ("p5", "p95")),
    "lognormal": (("p5", "p95"), ("mean", "sd")),
    "uniform": (("low", "high"),),
    "triangular": (("low", "mode", "high"),),
    "beta": (("alpha", "beta"),),
}

# The parameters of a distribution that state where its values lie (a rate's must lie within its bounds).
_STATED_BOUNDS = ("low", "mode", "high", "p5", "p95", "mean")
_PARAMETER = FieldRule(-MAX_MAGNITUDE, MAX_MAGNITUDE, uncertain=False, settable=False)
_POSITIVE = FieldRule(0.0, MAX_MAGNITUDE, low_open=True, uncertain=False, settable=False)
MAX_INTEGER_DIGITS = 100  # a whole number longer than this is refused before Python converts it
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def parse_number_text(text: str) -> float | None:
    """A number written as text: ``"5%"`` = 0.05, ``"2k"``, ``"1.5M"``, ``"2B"``, ``"1e5"``,
    and money as founders write it: ``"$6,000"``, ``"6,000"``, ``"€1.2M"``.

    Signs, whitespace and ``_`` between digits are allowed; a leading currency
    sign (``$ € £ ¥``, not with ``%``); a comma only before groups of exactly
    three digits.  None if ``text`` is not a number.
    """
    match = _NUMBER_TEXT.fullmatch(text)
    if match is None or (match["currency"] and match["suffix"] == "%"):
        return None
    try:
        value = Decimal(match["digits"].replace("_", "").replace(",", ""))
        if match["suffix"]:
            value *= _SUFFIX[match["suffix"].lower()]
        number = float(value)
    except (InvalidOperation, ArithmeticError):
        return None
    return -number if match["sign"] == "-" else number


def is_null(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def written(node: Node, limit: int = 60) -> str:
    """The value as the file writes it, on one line, for ``got ...`` in messages."""
    if isinstance(node, ScalarNode):
        if node.tag == NULL_TAG:
            return node.value or "nothing"
        if node.tag == STR_TAG:
            return f"'{_shorten(node.value, limit)}'"
        return _shorten(node.value, limit)
    return _shorten(_flow(node, limit), limit)


def _shorten(text: str, limit: int) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _flow(node: Node, budget: int) -> str:
    """A flow-style rendering, cut short once it is longer than ``budget``."""
    if isinstance(node, ScalarNode):
        return f"'{node.value}'" if node.style in ("'", '"') else node.value
    if isinstance(node, SequenceNode):
        items: Iterator[str] = (_flow(item, budget) for item in node.value)
        opening, closing = "[", "]"
    else:
        items = (f"{_flow(k, budget)}: {_flow(v, budget)}" for k, v in node.value)
        opening, closing = "{", "}"
    text = opening
    for i, item in enumerate(items):
        text += (", " if i else "") + item
        if len(text) > budget:
            return text
    return text + closing


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def oversize(root: Node, limit: int = MAX_NODES) -> tuple[bool, int] | None:
    """Where the document passes ``limit`` values once aliases are expanded, without expanding them.

    None when it does not; else ``(through_aliases, line)``: whether aliases
    made it that big (or an alias refers to a node that contains it, an
    expansion that never ends), and the line of the value that passes the
    limit (for an alias, of the collection that holds it).  Both walks are
    iterative: a long chain of aliases cannot exhaust the stack.
    """
    sizes: dict[int, int] = {}  # expanded size of each node, capped at limit + 1
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            sizes[key] = min(1 + sum(sizes[id(child)] for child in _children(node)), limit + 1)
            open_nodes.discard(key)
        elif key in open_nodes:  # an ancestor of itself: the expansion never ends
            return True, line_of(node)
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    if sizes[id(root)] <= limit:
        return None
    # Walk in document order, adding an alias's whole expansion at once, to the value that passes the limit.
    count, through_aliases = 0, False
    seen: set[int] = set()
    walk: list[tuple[Node, Node]] = [(root, root)]
    while walk:
        node, parent = walk.pop()
        if id(node) in seen:
            count += sizes[id(node)]
            through_aliases = True
            if count > limit:
                return True, line_of(parent)
            continue
        seen.add(id(node))
        count += 1
        if count > limit:
            return through_aliases, line_of(node)
        walk.extend((child, node) for child in reversed(_children(node)))
    return True, line_of(root)  # not reached: the sizes say the walk passes the limit


class Mapping:
    """A YAML mapping node as ``key -> (key node, value node)``, merge keys
    (``<<: *anchor``) resolved, duplicate and unknown keys reported.

    ``field`` is the path of the mapping; ``line`` the line reported for a
    missing key (the line of the key that introduces the mapping).
    """

    def __init__(
        self,
        reader: NodeReader,
        node: MappingNode,
        field: str,
        keys: Iterable[str] | None,
        line: int | None = None,
        elsewhere: dict[str, str] | None = None,
    ):
        self.reader = reader
        self.node = node
        self.field = field
        self.line = line if line is not None else line_of(node)
        self.entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node, merged in self._pairs(node):
            if not isinstance(key_node, ScalarNode):
                reader.report(key_node, field, f"unknown key {written(key_node)}")
                continue
            key = key_node.value
            if key in self.entries:
                if not merged:
                    first = line_of(self.entries[key][0])
                    reader.report(key_node, join(field, key), f"is given twice, first at line {first}")
                continue
            self.entries[key] = (key_node, value_node)
        if keys is not None:
            self.refuse_unknown(tuple(keys), elsewhere=elsewhere)

    def _pairs(self, node: MappingNode) -> list[tuple[Node, Node, bool]]:
        explicit: list[tuple[Node, Node, bool]] = []
        merged: list[tuple[Node, Node, bool]] = []
        for key_node, value_node in node.value:
            if key_node.tag != MERGE_TAG:
                explicit.append((key_node, value_node, False))
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, MappingNode):
                    merged.extend((k, v, True) for k, v, _ in self._pairs(source))
                else:
                    self.reader.report(
                        source, self.field, f"<< must merge a mapping or a list of mappings, got {written(source)}"
                    )
        return explicit + merged

    def refuse_unknown(self, allowed: tuple[str, ...], hint: str = "", elsewhere: dict[str, str] | None = None) -> None:
        """Report every key not in ``allowed``, with a guess: where the key belongs when
        ``elsewhere`` knows it (a key indented out of its block), else a close spelling."""
        for key, (key_node, _) in self.entries.items():
            if key in allowed:
                continue
            if elsewhere and key in elsewhere:
                advice = f", {elsewhere[key]}"
            elif self.node.flow_style and _SPLIT_NUMBER.fullmatch(key):
                advice = ": inside { } a comma ends a value, so write a number with commas in quotes ('6,000')"
            else:
                close = suggest(key, allowed)
                advice = f", did you mean '{close}'?" if close else hint
            self.reader.report(key_node, self.field, f"unknown key '{key}'{advice}")

    def has(self, key: str) -> bool:
        return key in self.entries

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def given(self, key: str) -> Node | None:
        """The value node, or None where the key is absent or null."""
        node = self.get(key)
        return None if is_null(node) else node

    def node_of(self, key: str) -> Node:
        """The value node of a key the mapping has."""
        return self.entries[key][1]

    def key_line(self, key: str) -> int:
        return line_of(self.entries[key][0])

    def require(self, key: str, message: str = "is required") -> Node | None:
        node = self.get(key)
        if node is None:
            self.reader.report(self.line, join(self.field, key), message)
        return node


class NodeReader:
    """Collects the problems of one file while its values are read."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def report(self, at: Node | int | None, field: str, message: str) -> None:
        line = line_of(at) if isinstance(at, Node) else at
        self.problems.append(Problem(self.source, line, field, message))

    def mapping(
        self,
        node: Node,
        field: str,
        keys: Iterable[str] | None,
        line: int | None = None,
        elsewhere: dict[str, str] | None = None,
    ) -> Mapping | None:
        """``node`` as a :class:`Mapping` of ``keys``; ``elsewhere`` says where keys of other blocks belong."""
        if not isinstance(node, MappingNode):
            self.report(node, field, f"must be a mapping of keys to values, got {written(node)}")
            return None
        return Mapping(self, node, field, keys, line, elsewhere)

    def sequence(self, node: Node, field: str, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.report(node, field, f"must be a list of {what}, got {written(node)}")
            return None
        return list(node.value)

    def text(self, node: Node, field: str, allowed: str = "must be text") -> str | None:
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            value: str = node.value
            return value
        self.report(node, field, f"{allowed}, got {written(node)}")
        return None

    def number(self, node: Node, rule: FieldRule, field: str) -> Number | int | None:
        """A value for a field with ``rule``, in any form SPEC 1 accepts for it.

        Integer fields give an ``int``, whole fields that cannot be uncertain
        too; other fields a ``float`` or a :class:`Distribution`.
        """
        if rule.integer:
            return self._integer(node, rule, field)
        if isinstance(node, ScalarNode) and node.tag == STR_TAG and ".." in node.value:
            if not rule.uncertain:
                self._refuse(node, field, "must be a fixed number")
                return None
            hint = _range_hint(node.value, rule)
            return self._checked_distribution(self._range(node, field), node, rule, field, hint)
        if isinstance(node, MappingNode):
            if not rule.uncertain:
                self._refuse(node, field, "must be a fixed number")
                return None
            return self._checked_distribution(self._distribution(node, field), node, rule, field)
        value = _scalar_number(node)
        if value is None or not rule.contains(value):
            self._refuse(node, field, rule.allowed(), _hint(node, value, rule))
            return None
        return int(value) if rule.whole and not rule.uncertain else value

    def _refuse(self, node: Node, field: str, allowed: str, hint: str = "") -> None:
        self.report(node, field, f"{allowed}, got {written(node)}{'; ' + hint if hint else ''}")

    def _integer(self, node: Node, rule: FieldRule, field: str) -> int | None:
        if not (isinstance(node, ScalarNode) and node.tag == INT_TAG):
            value = _scalar_number(node)
            meant = value is not None and rule.contains(value) and value == int(value)
            hint = f"write {int(value)}" if value is not None and meant else ""
            self._refuse(node, field, "must be a whole number", hint)
            return None
        try:
            if sum(c.isdigit() for c in node.value) > MAX_INTEGER_DIGITS:
                raise ValueError(node.value)
            value = _CONSTRUCTOR.construct_yaml_int(node)
        except ValueError:  # beyond Python's limit on converting digits (4,300)
            self._refuse(node, field, rule.allowed())
            return None
        if not rule.low <= value <= rule.high:
            self._refuse(node, field, rule.allowed())
            return None
        return value

    def _range(self, node: ScalarNode, field: str) -> Distribution | None:
        """``"3%..6%"``: a 90 % interval."""
        parsed = [parse_number_text(part) for part in node.value.split("..")]
        ends = [end for end in parsed if end is not None and math.isfinite(end)]
        if len(parsed) != 2 or len(ends) != 2:
            self._refuse(node, field, "must be a range of two numbers like '3%..6%'")
            return None
        low, high = ends
        if not low < high:
            self._refuse(node, field, "must be a range low..high with low < high")
            return None
        return interval(low, high)

    def _distribution(self, node: MappingNode, field: str) -> Distribution | None:
        """``{low, high}`` (a 90 % interval) or ``{dist: ..., <parameters>}``."""
        mapping = Mapping(self, node, field, None)
        dist_node = mapping.get("dist")
        if dist_node is None:
            mapping.refuse_unknown(("low", "high"), hint=", a range takes low and high (or give dist: ...)")
            low, high = self._parameters(mapping, ("low", "high"))
            if low is None or high is None:
                return None
            if not low < high:
                self._refuse(mapping.node_of("high"), join(field, "high"), f"must be greater than low ({low:g})")
                return None
            return interval(low, high)
        name = dist_node.value if isinstance(dist_node, ScalarNode) else None
        if name not in DISTRIBUTION_FORMS:
            self._refuse(dist_node, join(field, "dist"), f"must be one of {', '.join(DISTRIBUTION_FORMS)}")
            return None
        forms = DISTRIBUTION_FORMS[name]
        known = tuple(dict.fromkeys(key for form in forms for key in form))
        mapping.refuse_unknown(("dist", *known))
        given = [key for key in known if mapping.has(key)]
        fitting = [form for form in forms if set(given) <= set(form)]
        if not fitting:
            sets = ", or ".join(" and ".join(form) for form in forms)
            self.report(node, field, f"a {name} distribution must have {sets}, got {' and '.join(given)}")
            return None
        form = fitting[0]
        values = self._parameters(mapping, form)
        given_values = [value for value in values if value is not None]
        if len(given_values) != len(values):
            return None
        return self._build(name, dict(zip(form, given_values)), mapping)

    def _parameters(self, mapping: Mapping, names: tuple[str, ...]) -> list[float | None]:
        values: list[float | None] = []
        for key in names:
            node = mapping.require(key)
            # _PARAMETER is a fixed, not whole, number: number() gives a float or None.
            values.append(
                None if node is None else cast(float | None, self.number(node, _PARAMETER, join(mapping.field, key)))
            )
        return values

    def _build(self, name: str, p: dict[str, float], mapping: Mapping) -> Distribution | None:
        def above(key: str, other: str) -> bool:
            if p[key] > p[other]:
                return True
            self._refuse(mapping.node_of(key), join(mapping.field, key), f"must be greater than {other} ({p[other]:g})")
            return False

        def positive(*keys: str) -> bool:
            bad = [k for k in keys if not p[k] > 0]
            for key in bad:
                self._refuse(mapping.node_of(key), join(mapping.field, key), _POSITIVE.allowed())
            return not bad

        if name == "normal":
            if "sd" in p:
                return normal(p["mean"], p["sd"]) if positive("sd") else None
            return interval_normal(p["p5"], p["p95"]) if above("p95", "p5") else None
        if name == "lognormal":
            if "p5" in p:
                ok = positive("p5") and above("p95", "p5")
                return lognormal(p["p5"], p["p95"]) if ok else None
            if not positive("mean", "sd"):
                return None
            dist = lognormal_from_moments(p["mean"], p["sd"])
            if dist is None:
                allowed = "must be a lognormal distribution whose 5th and 95th percentiles are finite numbers > 0"
                self._refuse(mapping.node, mapping.field, allowed)
            return dist
        if name in ("uniform", "triangular"):
            if not above("high", "low"):
                return None
            if name == "uniform":
                return _dist("uniform", low=p["low"], high=p["high"])
            if not p["low"] <= p["mode"] <= p["high"]:
                between = f"must be between low and high ({p['low']:g} and {p['high']:g})"
                self._refuse(mapping.node_of("mode"), join(mapping.field, "mode"), between)
                return None
            return _dist("triangular", low=p["low"], mode=p["mode"], high=p["high"])
        if not positive("alpha", "beta"):
            return None
        return _dist("beta", alpha=p["alpha"], beta=p["beta"])

    def _checked_distribution(
        self, dist: Distribution | None, node: Node, rule: FieldRule, field: str, hint: str = ""
    ) -> Distribution | None:
        """A distribution whose likely values all lie outside the field's range is refused."""
        if dist is None:
            return None
        low, high = likely_values(dist)
        if not max(low, rule.low) < min(high, rule.high):
            self._refuse(node, field, rule.allowed(), hint)
            return None
        if rule.rate and not self._stated_within(node, rule, field, hint):
            return None
        if rule.rate and isinstance(node, MappingNode) and dist.dist == "lognormal":
            # Given by mean and sd, it is stored, shown and written back by its 5th and 95th percentiles.
            p5, p95 = likely_values(dist)
            if not rule.low <= p5 <= p95 <= rule.high:
                allowed = f"{rule.allowed()} at its 5th and 95th percentiles"
                self.report(node, field, f"{allowed}, got {written(node)} ({p5:.4g} to {p95:.4g})")
                return None
        return dist

    def _stated_within(self, node: Node, rule: FieldRule, field: str, hint: str) -> bool:
        """Whether the bounds a rate's range or distribution states lie within the rate's bounds.

        A rate of 150 % is no rate: ``"0.5%..150%"`` or ``{dist: uniform, low: 0,
        high: 2}`` would have many draws clipped to 100 %, so it is refused.  What
        is checked is what the file states: both ends of a range, and ``low``,
        ``mode``, ``high``, ``p5``, ``p95`` and ``mean`` of a distribution (a
        lognormal's percentiles also when given by mean and sd; the
        draws of a distribution stated within bounds may still be clipped near an
        edge: ``{dist: normal, mean: 97%, sd: 5%}``).
        """
        if isinstance(node, ScalarNode):
            ends = [parse_number_text(part) for part in node.value.split("..")]
            if all(rule.low <= end <= rule.high for end in ends if end is not None):
                return True
            self._refuse(node, field, f"{rule.allowed()} at both ends", hint)
            return False
        within = True
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) not in _STATED_BOUNDS:
                continue
            value = _scalar_number(value_node)
            if value is not None and not rule.low <= value <= rule.high:
                self._refuse(value_node, join(field, key_node.value), rule.allowed(), _hint(value_node, value, rule))
                within = False
        return within


def _short(value: float) -> str:
    return f"{value:.10g}"


def _hint(node: Node, value: float | None, rule: FieldRule) -> str:
    """What the user probably meant by a refused plain value, or "".

    A rate written as a percentage without its sign (``churn.monthly: 3``)
    and a comma that is no thousands separator (``1,5``).
    """
    if value is None:
        text = node.value if isinstance(node, ScalarNode) and node.tag == STR_TAG else ""
        return COMMA_HINT if "," in text and parse_number_text(text.replace(",", "")) is not None else ""
    percent_sign = isinstance(node, ScalarNode) and node.value.rstrip().endswith("%")
    # From 2 up: 1.2 on a share is as likely a fraction gone over 1 (120 %) as 1.2 %.
    if rule.rate and not percent_sign and value >= 2 and value > rule.high and rule.contains(value / 100):
        return f"write {_short(value)}% or {_short(value / 100)}"
    return ""


def _range_hint(text: str, rule: FieldRule) -> str:
    """``"3..6"`` on a rate: ``write 3%..6%``, where that range is a valid one."""
    ends = [part.strip() for part in text.split("..")]
    numbers = [parse_number_text(end) for end in ends]
    if not rule.rate or len(ends) != 2 or any(end.endswith("%") for end in ends):
        return ""
    low, high = numbers
    if low is None or high is None:
        return ""
    if low < high and rule.contains(low / 100) and rule.contains(high / 100) and high > rule.high:
        return f"write {_short(low)}%..{_short(high)}%"
    return ""


def _scalar_number(node: Node) -> float | None:
    """A finite-or-infinite float from a plain YAML number or a number text; None otherwise."""
    if not isinstance(node, ScalarNode):
        return None
    try:
        if node.tag == INT_TAG:
            if sum(c.isdigit() for c in node.value) > MAX_INTEGER_DIGITS:
                return math.inf  # out of every field's range; converting it would hit Python's digit limit
            return float(_CONSTRUCTOR.construct_yaml_int(node))
        if node.tag == FLOAT_TAG:
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (OverflowError, ValueError):
        return math.inf
    if node.tag == STR_TAG:
        return parse_number_text(node.value)
    return None


def _dist(name: DistName, **params: float) -> Distribution:
    return Distribution(name, tuple((key, float(value)) for key, value in params.items()))


def normal(mean: float, sd: float) -> Distribution:
    return _dist("normal", mean=mean, sd=sd)


def lognormal(p5: float, p95: float) -> Distribution:
    return _dist("lognormal", p5=p5, p95=p95)


def interval_normal(p5: float, p95: float) -> Distribution:
    """The normal distribution with 5th and 95th percentiles ``p5``, ``p95``."""
    return normal((p5 + p95) / 2, (p95 - p5) / (2 * Z_95))


def interval(low: float, high: float) -> Distribution:
    """A 90 % interval: lognormal with p5 = low, p95 = high when low > 0, else normal."""
    return lognormal(low, high) if low > 0 else interval_normal(low, high)


def lognormal_from_moments(mean: float, sd: float) -> Distribution | None:
    """The lognormal distribution whose variable has this mean and sd.

    .. math:: \\sigma^2 = \\ln(1 + sd^2/mean^2),\\quad \\mu = \\ln(mean) - \\sigma^2/2,
              \\quad p_{5,95} = e^{\\mu \\mp z_{0.95}\\sigma}

    None where the percentiles are not representable as positive floats.
    """
    try:
        variance = math.log1p((sd / mean) ** 2)
        mu = math.log(mean) - variance / 2
        sigma = math.sqrt(variance)
        p5, p95 = math.exp(mu - Z_95 * sigma), math.exp(mu + Z_95 * sigma)
    except (OverflowError, ValueError):
        return None
    if not (0 < p5 < p95 < math.inf):
        return None
    return lognormal(p5, p95)


def likely_values(dist: Distribution) -> tuple[float, float]:
    """Where a distribution's values lie: its support when bounded, else its
    90 % interval (p5..p95)."""
    p = dict(dist.params)
    if dist.dist == "normal":
        return p["mean"] - Z_95 * p["sd"], p["mean"] + Z_95 * p["sd"]
    if dist.dist == "lognormal":
        return p["p5"], p["p95"]
    if dist.dist == "beta":
        return 0.0, 1.0
    return p["low"], p["high"]


def typed_value(text: str) -> object:
    """What a value typed in a field means, as the YAML of a scenario file would read it.

    ``"5%"``, ``"2k"`` and ``"2%..4%"`` stay text (the loader reads those
    forms), ``0.03`` is a number, ``{low: 1%, high: 3%}`` a mapping; an
    empty field is None, and text YAML cannot read stays text (the loader
    then refuses it with the field's own message).
    """
    if not text.strip():
        return None
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):  # ValueError: digits past Python's int conversion limit
        return text
