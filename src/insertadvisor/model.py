"""The rule set in memory: questions and the interview, levels, regions, sources, derived
facts, tables and invariants.

Plain `__slots__` records (no @dataclass: Python 3.11 compiles every dataclass method with
exec() at import, which start-up pays for on every run). `Ruleset.to_data` and `from_data`
turn a rule set into marshal-able values and back, so the compiled form is cached without
YAML. What the pipeline does with the tables is declared in pipeline.py.
"""

from __future__ import annotations

import marshal
from typing import Any

from insertadvisor.conditions import Because, Facts, Node, Test, compile_because, compile_node
from insertadvisor.ranges import RANGED_MIN, RangeIndex, number_range

INSERT_TYPES = ("otc", "custom", "none", "defer")  # fixed by the JSON contract
LEVEL_IDS = ("emergency", "urgent", "soon", "routine", "self_care")  # likewise, most urgent first


class Item:
    """One item of a set question (a symptom, an effect), asked as a yes/no question."""

    __slots__ = ("hint", "id", "prompt", "short")

    def __init__(self, id: str, prompt: str, hint: str = "", short: str = "") -> None:
        self.id = id
        self.prompt = prompt  # the question when asked on its own
        self.hint = hint
        self.short = short or prompt  # the line shown inside a gate


class Question:
    """One question, defined once: the flag, the prompt, the validation and the schema."""

    __slots__ = ("choices", "default", "flag", "help", "hint", "id", "items", "labels", "max",
                 "metavar", "min", "prompt", "required", "stages", "type", "unit", "unknown",
                 "values")

    def __init__(self, id: str, type: str, flag: str, metavar: str, prompt: str, help: str,
                 hint: str = "", stages: tuple[str, ...] = ("assess",),
                 required: bool = False, values: tuple[str, ...] = (),
                 labels: dict[str, str] | None = None, items: tuple[Item, ...] = (),
                 min: float | None = None, max: float | None = None,
                 unknown: bool = False, unit: str = "", default: str | None = None) -> None:
        self.id = id
        self.type = type  # choice | number | integer | set
        self.flag = flag
        self.metavar = metavar
        self.prompt = prompt
        self.help = help
        self.hint = hint
        self.stages = stages
        self.required = required
        self.values = values
        self.labels = {} if labels is None else labels
        self.items = items
        self.min = min
        self.max = max
        self.unknown = unknown  # numbers: "unknown" is an answer (null in JSON)
        self.unit = unit
        self.default = default
        # the accepted ids: values of a choice, item ids of a set (read for every answer
        # of every batch record: worked out once)
        self.choices = values if type == "choice" else tuple(i.id for i in items)

    def empty(self) -> Any:
        """The answer when none is given: no items, or the default (None: unknown)."""
        return [] if self.type == "set" else self.default


class Step:
    """One step of an interview: a question, one item of a set, or a gate over items.

    A gate is one yes/no question standing for its items: "no" records none of them, "yes"
    asks each. `ask_when` (a condition on the answers so far) makes a step conditional;
    `direct_when` asks a gate's items one by one instead of the gate.
    """

    __slots__ = ("ask_when", "direct_when", "file", "id", "items", "kind", "line", "prompt",
                 "question")

    def __init__(self, kind: str, id: str, question: str, items: tuple[str, ...] = (),
                 prompt: str = "", ask_when: Node | None = None,
                 direct_when: Node | None = None, file: str = "", line: int = 1) -> None:
        self.kind = kind  # question | item | gate
        self.id = id  # the question id, the item id, or the gate's name
        self.question = question  # the question it answers (for items and gates: the set)
        self.items = items
        self.prompt = prompt
        self.ask_when = ask_when
        self.direct_when = direct_when
        self.file = file
        self.line = line


class Level:
    __slots__ = ("colour", "evidence", "id", "label", "message", "source", "style")

    def __init__(self, id: str, label: str, message: str, style: str, colour: str,
                 source: str, evidence: str) -> None:
        self.id = id
        self.label = label
        self.message = message
        self.style = style  # a terminal (Rich) style
        self.colour = colour  # for HTML and SVG
        self.source = source
        self.evidence = evidence


class Region:
    """Where a person gets help: the values of the placeholders in every text."""

    __slots__ = ("countries", "fields", "id", "name", "source")

    def __init__(self, id: str, name: str, countries: tuple[str, ...], fields: dict[str, str],
                 source: str) -> None:
        self.id = id
        self.name = name
        self.countries = countries  # locale country codes that mean this region
        self.fields = fields
        self.source = source


class Rule:
    """A rule of a table (or a derived fact): when it applies and what it says."""

    __slots__ = ("_because", "cites", "description", "evidence", "file", "id", "judgement",
                 "line", "priority", "sources", "stages", "table", "test", "then", "when")

    def __init__(self, id: str, table: str, when: Node, then: dict[str, Any],
                 sources: tuple[str, ...], file: str, line: int, priority: int | None = None,
                 description: str = "", evidence: str = "", judgement: str = "",
                 cites: tuple[str, ...] = (), stages: tuple[str, ...] = ()) -> None:
        self.id = id
        self.table = table
        self.when = when
        self.then = then
        self.sources = sources  # each cited source, written out with its address
        self.file = file
        self.line = line
        self.priority = priority
        self.description = description
        self.evidence = evidence  # guidance | judgement
        self.judgement = judgement  # for judgement: which part is ours
        self.cites = cites  # the source keys
        self.stages = stages  # where a rule of a shared table runs
        self.test: Test = compile_node(when)
        self._because: Because | None = None

    @property
    def source(self) -> str:
        """The cited sources as one text."""
        return "; ".join(self.sources)

    def because(self, facts: Facts) -> str:
        """Why the rule fired, as `fact = value` phrases (compiled on first use)."""
        explain = self._because
        if explain is None:
            explain = self._because = compile_because(self.when)
        return explain(facts)

    def data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _RULE_FIELDS}


_RULE_FIELDS = ("id", "table", "when", "then", "sources", "file", "line", "priority",
                "description", "evidence", "judgement", "cites", "stages")


class Table:
    """A decision table as one stage runs it: its rules, `otherwise` apart."""

    __slots__ = ("checks", "file", "guarded", "hit_policy", "id", "line", "otherwise", "ranged",
                 "regular", "rules", "unguarded")

    def __init__(self, id: str, hit_policy: str, rules: tuple[Rule, ...], file: str,
                 line: int) -> None:
        self.id = id
        self.hit_policy = hit_policy  # collect | first | unique
        self.rules = rules  # first and unique tables: in priority order
        self.file = file
        self.line = line
        self.regular = tuple(r for r in rules if r.when != ("otherwise",))
        self.checks = tuple((r.test, r) for r in self.regular)  # what the engine loops over
        self.otherwise = next((r for r in rules if r.when == ("otherwise",)), None)
        # For a collect table: rules that can only apply when a set holds one item, or a
        # fact has one value (their condition is, or requires, `has` that item or `eq` that
        # value) are looked up by it, so the engine tests only those that can apply.
        # Rules that can only apply when a number lies in a range are looked up by the
        # value too, where a table has many of them on one number (ranges.py).
        self.guarded: dict[tuple[str, str], dict[Any, list[int]]] = {}
        self.ranged: dict[str, RangeIndex] = {}
        unguarded: list[int] = []
        in_range: dict[str, list[tuple[int, float | None, float | None]]] = {}
        for position, rule in enumerate(self.regular):
            guard = _guard(rule.when) if hit_policy == "collect" else None
            span = number_range(rule.when) if hit_policy == "collect" and guard is None \
                else None
            if guard is not None:
                op, fact, value = guard
                self.guarded.setdefault((op, fact), {}).setdefault(value, []).append(position)
            elif span is not None:
                in_range.setdefault(span[0], []).append((position, span[1], span[2]))
            else:
                unguarded.append(position)
        for fact, spans in in_range.items():
            if len(spans) >= RANGED_MIN:
                self.ranged[fact] = RangeIndex(spans)
            else:
                unguarded += (position for position, _, _ in spans)
        self.unguarded = tuple(sorted(unguarded))

    def for_stage(self, stage: str) -> Table:
        """The rules of a shared table that run in `stage`."""
        if all(not r.stages or stage in r.stages for r in self.rules):
            return self
        rules = tuple(r for r in self.rules if not r.stages or stage in r.stages)
        return Table(self.id, self.hit_policy, rules, self.file, self.line)


def _guard(when: Node) -> tuple[str, str, Any] | None:
    """(has, set fact, item) or (eq, fact, value) when a condition can only hold if the
    set holds that item, or the fact has that value."""
    if when[0] in ("has", "eq"):
        return when[0], when[1], when[2]
    if when[0] == "all":
        return next((g for part in when[1] if (g := _guard(part)) is not None), None)
    return None


class Invariant:
    """A property `rules check` proves for every answer set.

    kind `expect`: under `when`, `expect` holds. kind `monotone`: adding an item of the set
    `fact` never makes triage less urgent than a rule that fired (`exceptions`: rule id ->
    items whose addition may). kind `includes`: every text of `rules`, in every region,
    holds each of `texts` (placeholders filled). A text that must not appear is compiled by
    the validator into an `expect` on the rules fired.
    """

    __slots__ = ("applies_to", "description", "evidence", "exceptions", "expect", "fact",
                 "file", "id", "kind", "line", "rules", "source", "texts", "when")

    def __init__(self, id: str, applies_to: str, when: Node, expect: Node, source: str,
                 file: str, line: int, description: str = "", evidence: str = "",
                 kind: str = "expect", fact: str = "",
                 exceptions: dict[str, tuple[str, ...]] | None = None,
                 rules: tuple[str, ...] = (), texts: tuple[str, ...] = ()) -> None:
        self.id = id
        self.applies_to = applies_to
        self.when = when
        self.expect = expect
        self.source = source
        self.file = file
        self.line = line
        self.description = description
        self.evidence = evidence
        self.kind = kind
        self.fact = fact
        self.exceptions = {} if exceptions is None else exceptions
        self.rules = rules
        self.texts = texts

    def data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class Report:
    """How the report is worded and grouped: section headings, and each advice topic's
    section (section ids are report.SECTIONS)."""

    __slots__ = ("headings", "topics")

    def __init__(self, headings: dict[str, str], topics: dict[str, str]) -> None:
        self.headings = headings
        self.topics = topics


class Ruleset:
    """A validated, compiled rule set."""

    __slots__ = ("_invariants", "_later", "_tests", "default_region", "derived", "description",
                 "disclaimer", "insert_labels", "interview", "levels", "name", "questions",
                 "rank", "regions", "report", "sha256", "stage_tables", "tables", "version",
                 "words")

    def __init__(self, name: str, version: str, sha256: str, description: str,
                 disclaimer: str, levels: tuple[Level, ...], insert_labels: dict[str, str],
                 questions: dict[str, tuple[Question, ...]],
                 interview: dict[str, tuple[Step, ...]], derived: dict[str, tuple[Rule, ...]],
                 tables: dict[str, Table], invariants: tuple[Invariant, ...],
                 tests: dict[str, list[dict[str, Any]]], regions: dict[str, Region],
                 default_region: str, report: Report, words: dict[str, Any]) -> None:
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.description = description
        self.disclaimer = disclaimer
        self.levels = levels
        self.insert_labels = insert_labels
        self.questions = questions  # stage -> its questions, in the order defined
        self.interview = interview  # stage -> the prompts' order, gates and conditions
        self.derived = derived  # stage -> its derived facts, in order
        self.tables = tables
        self._later: bytes | None = None  # LATER, still marshalled (from_data)
        self._invariants = invariants
        self._tests = tests
        self.regions = regions
        self.default_region = default_region
        self.report = report
        self.words = words  # what a person may type: units, "not sure" (natural.py)
        self.rank = {level.id: i for i, level in enumerate(levels)}  # 0 is most urgent
        self.stage_tables = {stage: {tid: t.for_stage(stage) for tid, t in tables.items()}
                             for stage in questions}

    # What only `rules check` and `rules test` read: a rule set from the cache keeps it
    # marshalled until then, so `assess` neither decodes nor builds it (~1 ms of a start).
    @property
    def invariants(self) -> tuple[Invariant, ...]:
        self._unpack_later()
        return self._invariants

    @invariants.setter
    def invariants(self, value: tuple[Invariant, ...]) -> None:
        self._unpack_later()
        self._invariants = value

    @property
    def tests(self) -> dict[str, list[dict[str, Any]]]:
        self._unpack_later()
        return self._tests

    def _unpack_later(self) -> None:
        if self._later is not None:
            later = marshal.loads(self._later)
            self._later = None
            self._invariants = tuple(Invariant(**i) for i in later["invariants"])
            self._tests = later["tests"]

    def level(self, level_id: str) -> Level:
        return self.levels[self.rank[level_id]]

    def question(self, stage: str, question_id: str) -> Question:
        return next(q for q in self.questions[stage] if q.id == question_id)

    def all_rules(self) -> list[Rule]:
        """Every derived fact (each stage's once) and every table rule."""
        seen: dict[int, Rule] = {}
        for rules in self.derived.values():
            seen.update({id(r): r for r in rules})
        return [*seen.values(), *(r for t in self.tables.values() for r in t.rules)]

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in _SCALARS}
        data["levels"] = [_fields(level) for level in self.levels]
        data["questions"] = {stage: [_question_data(q) for q in qs]
                             for stage, qs in self.questions.items()}
        data["interview"] = {stage: [_fields(s) for s in steps]
                             for stage, steps in self.interview.items()}
        data["derived"] = {stage: [r.data() for r in rules]
                           for stage, rules in self.derived.items()}
        data["tables"] = [{"id": t.id, "hit_policy": t.hit_policy, "file": t.file,
                           "line": t.line, "rules": [r.data() for r in t.rules]}
                          for t in self.tables.values()]
        data["invariants"] = [i.data() for i in self.invariants]
        data["regions"] = [_fields(r) for r in self.regions.values()]
        data["report"] = _fields(self.report)
        return data

    def cache_data(self) -> dict[str, Any]:
        """to_data, with LATER marshalled into one value: the cache's form (from_data
        reads both)."""
        data = self.to_data()
        data["later"] = marshal.dumps({name: data.pop(name) for name in LATER})
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Ruleset:
        later = data.get("later")
        if later is None:
            return cls._from_data(data)
        if not isinstance(later, bytes):
            raise TypeError("the cached invariants and tests are not marshal bytes")
        ruleset = cls._from_data({**data, "invariants": (), "tests": {}})
        ruleset._later = later
        return ruleset

    @classmethod
    def _from_data(cls, data: dict[str, Any]) -> Ruleset:
        return cls(
            **{name: data[name] for name in _SCALARS},
            levels=tuple(Level(**d) for d in data["levels"]),
            questions={stage: tuple(_question(q) for q in qs)
                       for stage, qs in data["questions"].items()},
            interview={stage: tuple(Step(**s) for s in steps)
                       for stage, steps in data["interview"].items()},
            derived={stage: tuple(Rule(**r) for r in rules)
                     for stage, rules in data["derived"].items()},
            tables={t["id"]: Table(t["id"], t["hit_policy"],
                                   tuple(Rule(**r) for r in t["rules"]), t["file"], t["line"])
                    for t in data["tables"]},
            invariants=tuple(Invariant(**i) for i in data["invariants"]),
            regions={r["id"]: Region(**r) for r in data["regions"]},
            report=Report(**data["report"]),
        )


LATER = ("invariants", "tests")  # unpacked when first read (Ruleset.invariants)
_SCALARS = ("name", "version", "sha256", "description", "disclaimer", "insert_labels",
            "tests", "default_region", "words")


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def _question_data(question: Question) -> dict[str, Any]:
    data = _fields(question)
    del data["choices"]  # worked out from the values or items when built
    data["items"] = [_fields(i) for i in question.items]
    return data


def _question(data: dict[str, Any]) -> Question:
    data = dict(data)
    data["items"] = tuple(Item(**i) for i in data["items"])
    return Question(**data)
