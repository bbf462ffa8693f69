"""The rule set in memory: questions, levels, derived facts, tables and invariants.

Everything here is plain data plus compiled tests. `to_data`/`from_data` turn a rule set
into marshal-able values and back, so the compiled form can be cached without YAML.
"""

from __future__ import annotations

from typing import Any, ClassVar

from insertadvisor.conditions import Because, Facts, Node, Test, compile_because, compile_node

# The shape of an assessment is a contract (design.md), so the tables it is built from,
# their order and their outputs are fixed here; what they decide lives in rules/.
INSERT_TYPES = ("otc", "custom", "none", "defer")


# The classes below behave as @dataclass(slots=True) classes (frozen where noted): the
# same constructor, equality over the same fields, the same repr, frozen ones hashable and
# read-only. They are written out because Python 3.11's @dataclass compiles every method
# of every class with exec() on each start: about 6 ms of the 15 ms a bare `python -c pass`
# takes here (docs/performance.md). tests/test_hot_path.py checks them against @dataclass.
class _Record:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]  # constructor fields, in order
    _compare: ClassVar[tuple[str, ...]]  # fields that equality (and the hash) use
    _shown: ClassVar[tuple[str, ...]]  # fields the repr shows

    def _key(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._compare])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable records are unhashable

    def __repr__(self) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in self._shown])
        return f"{self.__class__.__qualname__}({shown})"


class _FrozenRecord(_Record):
    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._key())

    def __setattr__(self, name: str, value: Any) -> None:
        from dataclasses import FrozenInstanceError  # only on this error path

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self) -> list[Any]:  # copy and pickle, as a frozen slots dataclass
        return [getattr(self, name) for name in self._fields]

    def __setstate__(self, state: list[Any]) -> None:
        for name, value in zip(self._fields, state, strict=True):
            _set(self, name, value)


def _record_fields(cls: type[_Record], fields: str, hidden: str = "",
                   uncompared: str = "") -> None:
    """Name a record's fields in order; `hidden` ones stay out of the repr (repr=False),
    `uncompared` ones out of equality and the hash (compare=False)."""
    cls._fields = tuple(fields.split())
    cls._shown = tuple(n for n in cls._fields if n not in hidden.split())
    cls._compare = tuple(n for n in cls._fields if n not in uncompared.split())


def _plain(value: Any) -> Any:
    """A record as nested dicts, as dataclasses.asdict makes it."""
    if isinstance(value, _Record):
        return {name: _plain(getattr(value, name)) for name in value._fields}
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


_set = object.__setattr__


class TableSpec(_FrozenRecord):
    """What a table of a given id must look like and where it runs."""

    __slots__ = ("facts_before", "id", "outputs", "policies", "stage")
    id: str
    stage: str  # "assess" or "checkin"
    policies: tuple[str, ...]  # hit policies it may declare
    outputs: dict[str, tuple[str, bool]]  # output name -> (kind, required)
    facts_before: tuple[str, ...]  # pipeline facts it may read

    def __init__(self, id: str, stage: str, policies: tuple[str, ...],
                 outputs: dict[str, tuple[str, bool]], facts_before: tuple[str, ...]) -> None:
        _set(self, "id", id)
        _set(self, "stage", stage)
        _set(self, "policies", policies)
        _set(self, "outputs", outputs)
        _set(self, "facts_before", facts_before)


_record_fields(TableSpec, "id stage policies outputs facts_before")


TABLE_SPECS: dict[str, TableSpec] = {
    spec.id: spec
    for spec in (
        TableSpec("referrals", "assess", ("collect",),
                  {"urgency": ("level", True), "to": ("text", True), "reason": ("text", True)}, ()),
        TableSpec("insert", "assess", ("first", "unique"),
                  {"type": ("insert_type", True), "summary": ("text", True)}, ("triage",)),
        TableSpec("heel_lift", "assess", ("first", "unique"),
                  {"heel_lift": ("bool", True)}, ("triage", "insert")),
        TableSpec("features", "assess", ("collect",),
                  {"feature": ("text", True)}, ("triage", "insert", "heel_lift")),
        TableSpec("advice", "assess", ("collect",),
                  {"text": ("text", True), "topic": ("name", False)},
                  ("triage", "insert", "heel_lift")),
        TableSpec("checkin", "checkin", ("collect",),
                  {"level": ("level", True), "action": ("text", True), "to": ("text", False),
                   "stop": ("bool", False)}, ()),
        TableSpec("checkin_advice", "checkin", ("collect",),
                  {"text": ("text", True), "topic": ("name", False)},
                  ("triage", "stop_wearing")),
    )
}

# Facts the pipeline adds, and what an invariant's `expect` may test, per stage.
PIPELINE_FACTS = {
    "assess": ("triage", "insert", "heel_lift"),
    "checkin": ("triage", "stop_wearing"),
}
STAGES = ("assess", "checkin")


class Item(_FrozenRecord):
    __slots__ = ("id", "prompt")
    id: str
    prompt: str

    def __init__(self, id: str, prompt: str) -> None:
        _set(self, "id", id)
        _set(self, "prompt", prompt)


_record_fields(Item, "id prompt")


class Question(_FrozenRecord):
    """One question, defined once: the flag, the prompt, the validation and the schema."""

    __slots__ = ("default", "flag", "group", "help", "hint", "id", "items", "labels", "max",
                 "metavar", "min", "prompt", "required", "type", "unit", "unknown", "values")
    id: str
    type: str  # choice | number | integer | set
    flag: str
    metavar: str
    prompt: str
    help: str
    hint: str
    group: str  # core | screen | optional
    required: bool
    values: tuple[str, ...]
    labels: dict[str, str]
    items: tuple[Item, ...]
    min: float | None
    max: float | None
    unknown: bool
    unit: str
    default: str | None

    def __init__(self, id: str, type: str, flag: str, metavar: str, prompt: str,
                 help: str, hint: str = "", group: str = "optional",
                 required: bool = False, values: tuple[str, ...] = (),
                 labels: dict[str, str] | None = None, items: tuple[Item, ...] = (),
                 min: float | None = None, max: float | None = None,
                 unknown: bool = False, unit: str = "", default: str | None = None) -> None:
        for name, value in (("id", id), ("type", type), ("flag", flag), ("metavar", metavar),
                            ("prompt", prompt), ("help", help), ("hint", hint),
                            ("group", group), ("required", required), ("values", values),
                            ("labels", {} if labels is None else labels), ("items", items),
                            ("min", min), ("max", max), ("unknown", unknown), ("unit", unit),
                            ("default", default)):
            _set(self, name, value)

    @property
    def choices(self) -> tuple[str, ...]:
        """The accepted ids: values of a choice, item ids of a set."""
        return self.values if self.type == "choice" else tuple(i.id for i in self.items)


_record_fields(Question, "id type flag metavar prompt help hint group required values labels "
                         "items min max unknown unit default")


class Level(_FrozenRecord):
    __slots__ = ("id", "label", "message", "source")
    id: str
    label: str
    message: str
    source: str

    def __init__(self, id: str, label: str, message: str, source: str) -> None:
        _set(self, "id", id)
        _set(self, "label", label)
        _set(self, "message", message)
        _set(self, "source", source)


_record_fields(Level, "id label message source")


class Rule(_Record):
    """A rule of a table (or a derived fact): when it applies and what it says."""

    __slots__ = (
        "_because",
        "description",
        "file",
        "id",
        "line",
        "priority",
        "source",
        "table",
        "test",
        "then",
        "when",
    )
    id: str
    table: str
    when: Node
    then: dict[str, Any]
    source: str
    file: str
    line: int
    priority: int | None
    description: str
    test: Test
    _because: Because | None

    def __init__(self, id: str, table: str, when: Node, then: dict[str, Any],
                 source: str, file: str, line: int, priority: int | None = None,
                 description: str = "") -> None:
        self.id = id
        self.table = table
        self.when = when
        self.then = then
        self.source = source
        self.file = file
        self.line = line
        self.priority = priority
        self.description = description
        self._because = None
        self.test = compile_node(when)

    def because(self, facts: Facts) -> str:
        """Why the rule fired: `"; ".join(reasons(self.when, facts))`, compiled on first use."""
        explain = self._because
        if explain is None:
            explain = self._because = compile_because(self.when)
        return explain(facts)


_record_fields(Rule, "id table when then source file line priority description test _because",
               hidden="test _because",
               uncompared="test _because")


class Table(_Record):
    __slots__ = ("checks", "file", "hit_policy", "id", "line", "otherwise", "regular", "rules")
    id: str
    hit_policy: str  # collect | first | unique
    rules: tuple[Rule, ...]  # first and unique tables: in priority order
    file: str
    line: int
    regular: tuple[Rule, ...]
    otherwise: Rule | None
    checks: tuple[tuple[Test, Rule], ...]

    def __init__(self, id: str, hit_policy: str, rules: tuple[Rule, ...], file: str,
                 line: int) -> None:
        self.id = id
        self.hit_policy = hit_policy
        self.rules = rules
        self.file = file
        self.line = line
        self.regular = tuple(r for r in self.rules if r.when != ("otherwise",))
        self.checks = tuple((r.test, r) for r in self.regular)  # what the engine loops over
        self.otherwise = next((r for r in self.rules if r.when == ("otherwise",)), None)


_record_fields(Table, "id hit_policy rules file line regular otherwise checks",
               hidden="regular otherwise checks",
               uncompared="checks")


class Invariant(_FrozenRecord):
    __slots__ = ("applies_to", "description", "expect", "file", "id", "line", "source", "when")
    id: str
    applies_to: str
    when: Node
    expect: Node
    source: str
    file: str
    line: int
    description: str

    def __init__(self, id: str, applies_to: str, when: Node, expect: Node,
                 source: str, file: str, line: int, description: str = "") -> None:
        _set(self, "id", id)
        _set(self, "applies_to", applies_to)
        _set(self, "when", when)
        _set(self, "expect", expect)
        _set(self, "source", source)
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "description", description)


_record_fields(Invariant, "id applies_to when expect source file line description")


class Ruleset(_Record):
    """A validated, compiled rule set."""

    __slots__ = (
        "derived",
        "description",
        "disclaimer",
        "insert_labels",
        "invariants",
        "levels",
        "name",
        "questions",
        "rank",
        "sha256",
        "tables",
        "tests",
        "version",
    )
    name: str
    version: str
    sha256: str
    description: str
    disclaimer: str
    levels: tuple[Level, ...]
    insert_labels: dict[str, str]
    questions: dict[str, tuple[Question, ...]]
    derived: tuple[Rule, ...]
    tables: dict[str, Table]
    invariants: tuple[Invariant, ...]
    tests: dict[str, list[dict[str, Any]]]
    rank: dict[str, int]  # level id -> 0 (most urgent) ..

    def __init__(self, name: str, version: str, sha256: str, description: str,
                 disclaimer: str, levels: tuple[Level, ...], insert_labels: dict[str, str],
                 questions: dict[str, tuple[Question, ...]], derived: tuple[Rule, ...],
                 tables: dict[str, Table], invariants: tuple[Invariant, ...],
                 tests: dict[str, list[dict[str, Any]]]) -> None:
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.description = description
        self.disclaimer = disclaimer
        self.levels = levels
        self.insert_labels = insert_labels
        self.questions = questions
        self.derived = derived
        self.tables = tables
        self.invariants = invariants
        self.tests = tests
        self.rank = {level.id: i for i, level in enumerate(levels)}

    def level(self, level_id: str) -> Level:
        return self.levels[self.rank[level_id]]

    def question(self, stage: str, question_id: str) -> Question:
        return next(q for q in self.questions[stage] if q.id == question_id)

    def all_rules(self) -> list[Rule]:
        return [*self.derived, *(r for t in self.tables.values() for r in t.rules)]

    def to_data(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _SCALARS}
        data["levels"] = [_plain(level) for level in self.levels]
        data["questions"] = {
            stage: [_plain(q) for q in qs] for stage, qs in self.questions.items()
        }
        data["derived"] = [_rule_data(r) for r in self.derived]
        data["tables"] = [
            {"id": t.id, "hit_policy": t.hit_policy, "file": t.file, "line": t.line,
             "rules": [_rule_data(r) for r in t.rules]}
            for t in self.tables.values()
        ]
        data["invariants"] = [_plain(i) for i in self.invariants]
        data["tests"] = self.tests
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Ruleset:
        return cls(
            **{name: data[name] for name in _SCALARS},
            levels=tuple(Level(**d) for d in data["levels"]),
            questions={
                stage: tuple(_question(q) for q in qs)
                for stage, qs in data["questions"].items()
            },
            derived=tuple(Rule(**r) for r in data["derived"]),
            tables={
                t["id"]: Table(t["id"], t["hit_policy"], tuple(Rule(**r) for r in t["rules"]),
                               t["file"], t["line"])
                for t in data["tables"]
            },
            invariants=tuple(Invariant(**i) for i in data["invariants"]),
            tests=data["tests"],
        )


_record_fields(Ruleset, "name version sha256 description disclaimer levels insert_labels "
                        "questions derived tables invariants tests rank", hidden="rank")
_SCALARS = ("name", "version", "sha256", "description", "disclaimer", "insert_labels")


def _rule_data(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in
            ("id", "table", "when", "then", "source", "file", "line", "priority", "description")}


def _question(data: dict[str, Any]) -> Question:
    data = dict(data)
    data["values"] = tuple(data["values"])
    data["items"] = tuple(Item(**i) for i in data["items"])
    return Question(**data)
