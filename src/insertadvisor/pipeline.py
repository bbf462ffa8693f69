"""The pipeline, declared once: what each stage runs, in order, and what each step adds.

A stage (assess, checkin) derives its facts, then runs its tables in order. After a table
runs, its step adds facts that later tables, invariants and test cases read: triage (the
most urgent level among some tables' rules), an insert type (the value a first-hit table
chose), stop_wearing (whether any rule says stop), the set of rules some tables fired.

Everything that needs the pipeline's shape reads it here: the engine (`run`), the
validator (which tables exist, their hit policies and outputs, which facts each may read),
`rules check` (the same steps over three values: `Product.possible`), explanations, the
rule set's own tests and the results' builders. What each rule decides lives in rules/.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from insertadvisor.engine import Status, Tri, fires, run_table, winners
from insertadvisor.errors import RulesetError
from insertadvisor.model import Rule, Ruleset

GAP = "<no rule applied>"  # the value of a fact whose first-hit table found no rule


class Output:
    """An output a table's rules give in `then`: its kind and whether every rule gives it.

    kinds: level (a level id), insert_type, bool, text (person-facing, may use
    placeholders), topic (an advice topic of the report).
    """

    __slots__ = ("kind", "required")

    def __init__(self, kind: str, required: bool = True) -> None:
        self.kind = kind
        self.required = required


class Product:
    """A fact a step adds, computed from the rules fired so far.

    `value` is what the engine computes; `possible` is the same over three values: the
    values the fact may take while some rules are undecided, and the undecided rules
    that could still change it (what `rules check` chooses answers for).
    """

    __slots__ = ("fact", "kind", "tables", "test")

    def __init__(self, fact: str, kind: str, tables: tuple[str, ...], test: str) -> None:
        self.fact = fact
        self.kind = kind  # level | insert_type | bool | ids | text
        self.tables = tables  # the tables it reads
        self.test = test  # how a test case compares it: equal | list | includes | ""

    def value(self, fired: Mapping[str, list[Rule]], ruleset: Ruleset) -> Any:
        raise NotImplementedError

    def possible(self, statuses: Mapping[str, list[Status]],
                 ruleset: Ruleset) -> tuple[tuple[Any, ...], list[Rule]]:
        raise NotImplementedError


LevelTally = tuple[tuple[int, ...], tuple[int, ...]]  # per level: rules that hold, undecided
Change = tuple[Rule, Tri, Tri]  # a rule whose status changed: before, now


class MostUrgent(Product):
    """The most urgent level among the rules fired (by `key`), else the least urgent.

    Over three values it is read from a tally (per level, how many rules hold and how
    many are undecided), which `retally` keeps up to date from the rules whose status
    changed: what makes `rules check` cost the same per node however long the tables."""

    __slots__ = ("keys",)

    def __init__(self, fact: str, keys: dict[str, str]) -> None:
        super().__init__(fact, "level", tuple(keys), "equal")
        self.keys = keys  # table -> the output holding the level

    def value(self, fired: Mapping[str, list[Rule]], ruleset: Ruleset) -> Any:
        rank = ruleset.rank
        best = len(ruleset.levels) - 1
        for table, key in self.keys.items():
            for rule in fired[table]:
                level = rank[rule.then[key]]
                best = min(best, level)
        return ruleset.levels[best].id

    def possible(self, statuses: Mapping[str, list[Status]],
                 ruleset: Ruleset) -> tuple[tuple[Any, ...], list[Rule]]:
        values = self.from_tally(self.tally(statuses, ruleset), ruleset)
        return values, self.rivals(statuses, ruleset, values)

    def tally(self, statuses: Mapping[str, list[Status]], ruleset: Ruleset) -> LevelTally:
        """Per level, how many rules hold and how many are undecided."""
        rank = ruleset.rank
        holds, open_ = [0] * len(ruleset.levels), [0] * len(ruleset.levels)
        for table, key in self.keys.items():
            for rule, value in statuses[table]:
                if value is not False:
                    (holds if value else open_)[rank[rule.then[key]]] += 1
        return tuple(holds), tuple(open_)

    def retally(self, tally: LevelTally, changes: list[Change], ruleset: Ruleset) -> LevelTally:
        """The tally after the statuses of some rules of its tables changed."""
        rank = ruleset.rank
        holds, open_ = list(tally[0]), list(tally[1])
        for rule, before, now in changes:
            level = rank[rule.then[self.keys[rule.table]]]
            if before is not False:
                (holds if before else open_)[level] -= 1
            if now is not False:
                (holds if now else open_)[level] += 1
        return tuple(holds), tuple(open_)

    def from_tally(self, tally: LevelTally, ruleset: Ruleset) -> tuple[Any, ...]:
        """The levels triage may take: the most urgent that surely holds, and each more
        urgent one that an undecided rule may still give."""
        holds, open_ = tally
        best = next((i for i, n in enumerate(holds) if n), len(ruleset.levels) - 1)
        return tuple(ruleset.levels[i].id for i in range(best + 1) if open_[i] or i == best)

    def rivals(self, statuses: Mapping[str, list[Status]], ruleset: Ruleset,
               values: tuple[Any, ...]) -> list[Rule]:
        """The undecided rules that could still make it more urgent than `values` surely
        is (its least urgent value)."""
        rank = ruleset.rank
        best = rank[values[-1]]
        return [r for table, key in self.keys.items() for r, v in statuses[table]
                if v is None and rank[r.then[key]] < best]


class AnyTrue(Product):
    """Whether any rule fired says so (its output `key` is true)."""

    __slots__ = ("key",)

    def __init__(self, fact: str, key: str, tables: tuple[str, ...]) -> None:
        super().__init__(fact, "bool", tables, "equal")
        self.key = key

    def value(self, fired: Mapping[str, list[Rule]], ruleset: Ruleset) -> Any:
        return any(r.then.get(self.key, False) for t in self.tables for r in fired[t])

    def possible(self, statuses: Mapping[str, list[Status]],
                 ruleset: Ruleset) -> tuple[tuple[Any, ...], list[Rule]]:
        saying = [(r, v) for t in self.tables for r, v in statuses[t]
                  if r.then.get(self.key, False)]
        if any(v for _, v in saying):
            return (True,), []
        undecided = [r for r, v in saying if v is None]
        return ((True, False) if undecided else (False,)), undecided


class Chosen(Product):
    """The output `key` of the one rule a first-hit (or unique) table chose."""

    __slots__ = ("key",)

    def __init__(self, fact: str, kind: str, table: str, key: str, test: str = "equal") -> None:
        super().__init__(fact, kind, (table,), test)
        self.key = key

    def value(self, fired: Mapping[str, list[Rule]], ruleset: Ruleset) -> Any:
        return fired[self.tables[0]][0].then[self.key]

    def possible(self, statuses: Mapping[str, list[Status]],
                 ruleset: Ruleset) -> tuple[tuple[Any, ...], list[Rule]]:
        table = ruleset.tables[self.tables[0]]
        rules, gap = winners(table, statuses[table.id])
        values = tuple(dict.fromkeys([*(r.then[self.key] for r in rules),
                                      *((GAP,) if gap else ())]))
        # Only the undecided rules that may still decide (for a first-hit table, none
        # after the first that surely applies) can change the value.
        open_rules = [r for r, v in statuses[table.id] if v is None and r in rules]
        return values, open_rules if len(values) > 1 else []


class Fired(Product):
    """The set of rule ids some collect tables fired. `by_level` lists them most urgent
    first (by the level output `by_level` names per table), else in table order."""

    __slots__ = ("by_level",)

    def __init__(self, fact: str, tables: tuple[str, ...], test: str,
                 by_level: dict[str, str] | None = None) -> None:
        super().__init__(fact, "ids", tables, test)
        self.by_level = by_level or {}

    def value(self, fired: Mapping[str, list[Rule]], ruleset: Ruleset) -> Any:
        return frozenset(r.id for t in self.tables for r in fired[t])

    def rules(self, fired: Mapping[str, list[Rule]], ruleset: Ruleset) -> list[Rule]:
        """The fired rules in the order a result lists them."""
        listed = [r for t in self.tables for r in fired[t]]
        if self.by_level:
            rank = ruleset.rank
            listed.sort(key=lambda r: rank[r.then[self.by_level[r.table]]])  # stable
        return listed

    def possible_items(self, statuses: Mapping[str, list[Status]], ruleset: Ruleset) -> tuple[
            frozenset[str], frozenset[str], list[Rule]]:
        """The three-valued form of a set: the ids surely in it, surely not, and the
        undecided rules (of a first-hit table, a rule fires only if none before it did)."""
        listed = [(r, v) for t in self.tables
                  for r, v in fires(ruleset.tables[t], statuses[t])]
        return (frozenset(r.id for r, v in listed if v),
                frozenset(r.id for r, v in listed if v is False),
                [r for r, v in listed if v is None])

    @staticmethod
    def moved(present: frozenset[str], absent: frozenset[str],
              changes: list[Change]) -> tuple[frozenset[str], frozenset[str]]:
        """The set of collect tables (where a rule fires when it holds) after some rules'
        statuses changed: what `possible_items` would give, from the parent's sets."""
        into_present = {r.id for r, _, now in changes if now is True}
        out_of_present = {r.id for r, before, _ in changes if before is True}
        into_absent = {r.id for r, _, now in changes if now is False}
        out_of_absent = {r.id for r, before, _ in changes if before is False}
        return (present - out_of_present) | into_present, (absent - out_of_absent) | into_absent


class TableStep:
    """Run one table, then add the facts of `products`."""

    __slots__ = ("outputs", "policies", "products", "shared", "table")

    def __init__(self, table: str, policies: tuple[str, ...], outputs: dict[str, Output],
                 products: tuple[Product, ...] = (), shared: bool = False) -> None:
        self.table = table
        self.policies = policies  # the hit policies it may declare
        self.outputs = outputs
        self.products = products
        self.shared = shared  # run by several stages; its rules may name their `stages`


class Stage:
    __slots__ = ("kind", "name", "products", "steps")

    def __init__(self, name: str, kind: str, steps: tuple[TableStep, ...]) -> None:
        self.name = name
        self.kind = kind  # the result's "kind"
        self.steps = steps
        self.products = {p.fact: p for s in steps for p in s.products}

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(s.table for s in self.steps)

    def facts_before(self, table: str) -> tuple[Product, ...]:
        """The products a table's conditions may read: those of the steps before it."""
        out: list[Product] = []
        for step in self.steps:
            if step.table == table:
                break
            out += step.products
        return tuple(out)


# -- the declaration ----------------------------------------------------------------------

_REFERRAL = {"urgency": Output("level"), "to": Output("text"), "reason": Output("text"),
             "stop": Output("bool", required=False)}
_ADVICE = {"text": Output("text"), "topic": Output("topic")}
_LEVEL_KEYS = {"red_flags": "urgency", "referrals": "urgency", "checkin": "level"}

ASSESS = Stage("assess", "assessment", (
    # Red flags: emergency and urgent referrals, shared with the check-in's screen.
    TableStep("red_flags", ("collect",), _REFERRAL, shared=True),
    TableStep("referrals", ("collect",), _REFERRAL, (
        MostUrgent("triage", {t: _LEVEL_KEYS[t] for t in ("red_flags", "referrals")}),
        Fired("referrals", ("red_flags", "referrals"), "list",
              by_level={t: _LEVEL_KEYS[t] for t in ("red_flags", "referrals")}),
    )),
    TableStep("insert", ("first", "unique"),
              {"type": Output("insert_type"), "summary": Output("text")},
              (Chosen("insert", "insert_type", "insert", "type"),
               Fired("insert_rule", ("insert",), ""))),
    TableStep("heel_lift", ("first", "unique"), {"heel_lift": Output("bool")},
              (Chosen("heel_lift", "bool", "heel_lift", "heel_lift"),)),
    TableStep("features", ("collect",), {"feature": Output("text")},
              (Fired("features", ("features",), "list"),)),
    # Wording: how long the pain has lasted, for {pain_duration} in any text.
    TableStep("pain_duration", ("first", "unique"), {"text": Output("text")},
              (Chosen("pain_duration", "text", "pain_duration", "text", test=""),)),
    TableStep("advice", ("collect",), _ADVICE, (Fired("advice", ("advice",), "includes"),)),
))

CHECKIN = Stage("checkin", "checkin", (
    TableStep("red_flags", ("collect",), _REFERRAL, shared=True),
    TableStep("checkin", ("collect",),
              {"level": Output("level"), "action": Output("text"),
               "to": Output("text", required=False), "stop": Output("bool", required=False)},
              (MostUrgent("triage", {t: _LEVEL_KEYS[t] for t in ("red_flags", "checkin")}),
               AnyTrue("stop_wearing", "stop", ("red_flags", "checkin")),
               Fired("actions", ("red_flags", "checkin"), "list",
                     by_level={t: _LEVEL_KEYS[t] for t in ("red_flags", "checkin")}))),
    TableStep("checkin_advice", ("collect",), _ADVICE,
              (Fired("advice", ("checkin_advice",), "includes"),)),
))

STAGES = {stage.name: stage for stage in (ASSESS, CHECKIN)}
TABLES = tuple(dict.fromkeys(t for stage in STAGES.values() for t in stage.tables))


def step_of(table: str) -> TableStep:
    """The declaration of a table (a shared table is declared alike in every stage)."""
    return next(s for stage in STAGES.values() for s in stage.steps if s.table == table)


# -- the engine ---------------------------------------------------------------------------


class Run:
    """What one pass of a stage decided: the facts, and the rules fired, per table."""

    __slots__ = ("facts", "fired", "stage", "stopped")

    def __init__(self, stage: Stage, facts: dict[str, Any], fired: dict[str, list[Rule]],
                 stopped: str | None = None) -> None:
        self.stage = stage
        self.facts = facts
        self.fired = fired  # "derived" and every table run -> the rules that fired
        self.stopped = stopped  # why the run stopped early (a gap), with `tolerant`

    def all_fired(self) -> list[Rule]:
        """Every rule that fired, in the order they fired."""
        return [r for rules in self.fired.values() for r in rules]

    def listed(self, fact: str, ruleset: Ruleset) -> list[Rule]:
        """The rules of a `Fired` product, in the order a result lists them."""
        product = self.stage.products[fact]
        assert isinstance(product, Fired)
        return product.rules(self.fired, ruleset)


def facts_from(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as facts: lists become sets so membership tests are cheap."""
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in answers.items()}


def derive(ruleset: Ruleset, stage: str, facts: dict[str, Any]) -> list[Rule]:
    """Compute the stage's derived facts into `facts`; return those that are true."""
    true = []
    for rule in ruleset.derived[stage]:
        facts[rule.id] = value = rule.test(facts)
        if value:
            true.append(rule)
    return true


def run(ruleset: Ruleset, stage: str, answers: Mapping[str, Any], *,
        until: str | None = None, tolerant: bool = False) -> Run:
    """Run a stage on complete, validated answers.

    `until` stops after the step that adds that fact. A table with a gap raises
    RulesetError, or with `tolerant` ends the run there (`Run.stopped` says why).
    """
    declared = STAGES[stage]
    facts = facts_from(answers)
    fired: dict[str, list[Rule]] = {"derived": derive(ruleset, stage, facts)}
    tables = ruleset.stage_tables[stage]
    for step in declared.steps:
        try:
            fired[step.table] = run_table(tables[step.table], facts)
        except RulesetError as exc:
            if not tolerant:
                raise
            return Run(declared, facts, fired, exc.problems[0].message)
        for product in step.products:
            facts[product.fact] = product.value(fired, ruleset)
        if until is not None and until in facts:
            break
    return Run(declared, facts, fired)
