"""The rule set in memory: questions, levels, derived facts, tables and invariants.

Everything here is plain data plus compiled tests. `to_data`/`from_data` turn a rule set
into marshal-able values and back, so the compiled form can be cached without YAML.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from insertadvisor.conditions import Because, Facts, Node, Test, compile_because, compile_node

# The shape of an assessment is a contract (design.md), so the tables it is built from,
# their order and their outputs are fixed here; what they decide lives in rules/.
INSERT_TYPES = ("otc", "custom", "none", "defer")


@dataclass(frozen=True, slots=True)
class TableSpec:
    """What a table of a given id must look like and where it runs."""

    id: str
    stage: str  # "assess" or "checkin"
    policies: tuple[str, ...]  # hit policies it may declare
    outputs: dict[str, tuple[str, bool]]  # output name -> (kind, required)
    facts_before: tuple[str, ...]  # pipeline facts it may read


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


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    prompt: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question, defined once: the flag, the prompt, the validation and the schema."""

    id: str
    type: str  # choice | number | integer | set
    flag: str
    metavar: str
    prompt: str
    help: str
    hint: str = ""
    group: str = "optional"  # core | screen | optional
    required: bool = False
    values: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    items: tuple[Item, ...] = ()
    min: float | None = None
    max: float | None = None
    unknown: bool = False
    unit: str = ""
    default: str | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        """The accepted ids: values of a choice, item ids of a set."""
        return self.values if self.type == "choice" else tuple(i.id for i in self.items)


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    label: str
    message: str
    source: str


@dataclass(slots=True)
class Rule:
    """A rule of a table (or a derived fact): when it applies and what it says."""

    id: str
    table: str
    when: Node
    then: dict[str, Any]
    source: str
    file: str
    line: int
    priority: int | None = None
    description: str = ""
    test: Test = field(init=False, repr=False, compare=False)
    _because: Because | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.test = compile_node(self.when)

    def because(self, facts: Facts) -> str:
        """Why the rule fired: `"; ".join(reasons(self.when, facts))`, compiled on first use."""
        explain = self._because
        if explain is None:
            explain = self._because = compile_because(self.when)
        return explain(facts)


@dataclass(slots=True)
class Table:
    id: str
    hit_policy: str  # collect | first | unique
    rules: tuple[Rule, ...]  # first and unique tables: in priority order
    file: str
    line: int
    regular: tuple[Rule, ...] = field(init=False, repr=False)
    otherwise: Rule | None = field(init=False, repr=False)
    checks: tuple[tuple[Test, Rule], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.regular = tuple(r for r in self.rules if r.when != ("otherwise",))
        self.checks = tuple((r.test, r) for r in self.regular)  # what the engine loops over
        self.otherwise = next((r for r in self.rules if r.when == ("otherwise",)), None)


@dataclass(frozen=True, slots=True)
class Invariant:
    id: str
    applies_to: str
    when: Node
    expect: Node
    source: str
    file: str
    line: int
    description: str = ""


@dataclass(slots=True)
class Ruleset:
    """A validated, compiled rule set."""

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
    rank: dict[str, int] = field(init=False, repr=False)  # level id -> 0 (most urgent) ..

    def __post_init__(self) -> None:
        self.rank = {level.id: i for i, level in enumerate(self.levels)}

    def level(self, level_id: str) -> Level:
        return self.levels[self.rank[level_id]]

    def question(self, stage: str, question_id: str) -> Question:
        return next(q for q in self.questions[stage] if q.id == question_id)

    def all_rules(self) -> list[Rule]:
        return [*self.derived, *(r for t in self.tables.values() for r in t.rules)]

    def to_data(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _SCALARS}
        data["levels"] = [asdict(level) for level in self.levels]
        data["questions"] = {
            stage: [asdict(q) for q in qs] for stage, qs in self.questions.items()
        }
        data["derived"] = [_rule_data(r) for r in self.derived]
        data["tables"] = [
            {"id": t.id, "hit_policy": t.hit_policy, "file": t.file, "line": t.line,
             "rules": [_rule_data(r) for r in t.rules]}
            for t in self.tables.values()
        ]
        data["invariants"] = [asdict(i) for i in self.invariants]
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


_SCALARS = ("name", "version", "sha256", "description", "disclaimer", "insert_labels")


def _rule_data(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in
            ("id", "table", "when", "then", "source", "file", "line", "priority", "description")}


def _question(data: dict[str, Any]) -> Question:
    data = dict(data)
    data["values"] = tuple(data["values"])
    data["items"] = tuple(Item(**i) for i in data["items"])
    return Question(**data)
