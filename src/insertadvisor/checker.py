"""`rules check`: prove a rule set complete, consistent and safe, for every answer set.

The proof enumerates the answers over a finite partition of their domain (the DMN
approach, not sampling):

- a number is split at every constant any condition compares it with: each constant
  itself, one point inside each interval between them, the lowest allowed value, and
  unknown where the question accepts it;
- the values of a choice that every condition treats alike form one class;
- the items of a set that every condition mentions alike form one class (absent,
  present, and "some but not all" where a `has_all` needs it).

Every condition gives the same result for every answer in a part, so checking one
representative per part checks them all. The parts are searched as a decision tree:
conditions are evaluated with three values (true, false, not yet known) while answers
are still being chosen, and a branch stops as soon as every open question about it is
settled, which keeps the search small. The next answer to choose is one that an unsettled
rule still depends on; an invariant that reads facts the pipeline computes (triage,
insert, ...) is also settled by cases over the values those facts may take here. Every
counterexample found is re-run through the real engine before it is reported.

What is proved, per stage (assess, checkin):
- first-hit and unique tables have no gap (some rule always applies);
- unique tables have no overlap (never two rules at once);
- every rule can fire (none is shadowed by earlier rules or impossible), and every
  derived fact can be true;
- every invariant holds.

Pure: no terminal, no YAML; the command in commands/rules.py prints the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from insertadvisor.conditions import NUMERIC_OPS, SET_OPS, Node, compile_node, describe
from insertadvisor.engine import run_table
from insertadvisor.errors import RulesetError
from insertadvisor.model import (
    PIPELINE_FACTS,
    TABLE_SPECS,
    Invariant,
    Question,
    Rule,
    Ruleset,
    Table,
)

# How each stage's pipeline turns a collect table into the facts later tables read.
AGGREGATES = {"referrals": ("urgency", None), "checkin": ("level", "stop")}
GAP = object()  # a first or unique table where no rule applied: the pipeline stops


@dataclass(frozen=True, slots=True)
class Finding:
    """One failure of the proof, with the answers that show it (None for a shadowed rule
    that has no example at all)."""

    kind: str  # gap | overlap | shadowed | invariant | never_true
    file: str
    line: int
    subject: str  # the table, rule, derived fact or invariant concerned
    message: str
    counterexample: dict[str, Any] | None = None
    stage: str = "assess"


@dataclass(slots=True)
class StageReport:
    stage: str
    partition: dict[str, int]  # variable -> number of parts
    points: dict[str, list[Any]]  # choice or number fact -> the representative values
    classes: dict[str, list[list[str]]]  # set fact -> its classes of alike items
    combinations: int  # product of the parts: every answer class the proof covers
    nodes: int  # decision-tree nodes the search visited
    checks: int


@dataclass(slots=True)
class CheckReport:
    stages: list[StageReport]
    tables: list[tuple[str, str, int]]  # (id, hit policy, number of rules)
    invariants: list[str]
    findings: list[Finding]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def combinations(self) -> int:
        return sum(s.combinations for s in self.stages)


# -- the partition ---------------------------------------------------------------------


@dataclass(slots=True)
class Var:
    """One dimension of the search: a choice or number fact, or a class of set items."""

    name: str
    fact: str
    kind: str  # value | set
    domain: list[Any]  # values; for a set class: (present, absent) pairs
    items: frozenset[str] = frozenset()


def leaves(node: Node) -> Iterator[Node]:
    op = node[0]
    if op in ("all", "any"):
        for child in node[1]:
            yield from leaves(child)
    elif op == "not":
        yield from leaves(node[1])
    elif op not in ("always", "otherwise"):
        yield node


def _all_conditions(ruleset: Ruleset, stage: str) -> list[Node]:
    conditions = [r.when for r in ruleset.derived] if stage == "assess" else []
    for table in ruleset.tables.values():
        if TABLE_SPECS[table.id].stage == stage:
            conditions += [r.when for r in table.rules]
    for inv in ruleset.invariants:
        if inv.applies_to == stage:
            conditions += [inv.when, inv.expect]
    return conditions


def number_points(question: Question, constants: set[float]) -> list[Any]:
    """One representative of each part of a number's domain, split at `constants`."""
    whole = question.type == "integer"
    low, high = question.min, question.max
    cuts = sorted(c for c in constants
                  if (low is None or c >= low) and (high is None or c <= high))
    points: list[float] = []
    if not cuts:
        points.append(low if low is not None else 0)
    else:
        if low is None:
            points.append(math.floor(cuts[0]) - 1)
        elif low < cuts[0]:
            points.append(math.ceil(low) if whole else low)
        bounds = [*cuts, high]
        for a, b in zip(cuts, bounds[1:], strict=True):
            if not whole or float(a).is_integer():
                points.append(a)
            inside = math.floor(a) + 1 if whole else a + 1
            if b is None or inside < b or (b == high and inside <= b):
                points.append(inside)
            elif not whole:
                points.append((a + b) / 2)
    out: list[Any] = [None] if question.unknown else []
    for p in points:
        value = int(p) if float(p).is_integer() else p
        if value not in out and (low is None or value >= low) and (high is None or value <= high):
            out.append(value)
    return out


def build_vars(ruleset: Ruleset, stage: str) -> list[Var]:
    """The partition of a stage's answers, as search variables."""
    conditions = _all_conditions(ruleset, stage)
    by_fact: dict[str, list[Node]] = {}
    for condition in conditions:
        for leaf in leaves(condition):
            by_fact.setdefault(leaf[1], []).append(leaf)
    out: list[Var] = []
    sets: list[Var] = []
    for q in ruleset.questions[stage]:
        used = by_fact.get(q.id, [])
        if q.type == "set":
            sets += _set_vars(q, used)
        elif q.type == "choice":
            out.append(Var(q.id, q.id, "value", _value_classes(q.values, used)))
        else:
            constants = {float(leaf[2]) for leaf in used if leaf[0] in NUMERIC_OPS
                         or leaf[0] in ("eq", "ne")}
            out.append(Var(q.id, q.id, "value", number_points(q, constants)))
    return sets + out


def _signature_classes(members: tuple[str, ...], used: list[Node]) -> list[list[str]]:
    """Group members by the leaves that mention them: alike members share every leaf."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for member in members:
        sig = tuple(i for i, leaf in enumerate(used) if member in _mentioned(leaf))
        groups.setdefault(sig, []).append(member)
    return list(groups.values())


def _mentioned(leaf: Node) -> tuple[Any, ...]:
    arg = leaf[2]
    return arg if isinstance(arg, tuple) else (arg,)


def _value_classes(values: tuple[str, ...], used: list[Node]) -> list[Any]:
    return [group[0] for group in _signature_classes(values, used)]


def _set_vars(q: Question, used: list[Node]) -> list[Var]:
    out = []
    for group in _signature_classes(q.choices, used):
        items = frozenset(group)
        mentioned = any(items & set(_mentioned(leaf)) for leaf in used)
        domain: list[Any] = [(frozenset(), items)]
        if mentioned:
            domain.append((items, frozenset()))
            needs_some = len(group) > 1 and any(
                leaf[0] == "has_all" and items & set(_mentioned(leaf)) for leaf in used)
            if needs_some:
                domain.append((frozenset(group[:1]), frozenset(group[1:])))
        out.append(Var(f"{q.id}:{group[0]}" + ("+" if len(group) > 1 else ""), q.id, "set",
                       domain, items))
    return out


# -- three-valued evaluation of a partly chosen answer set ------------------------------

Tri = bool | None  # True, False, or not yet known


@dataclass(slots=True)
class State:
    """What is known at a node of the search: possible values of every fact."""

    values: dict[str, tuple[Any, ...]]  # fact -> the values it may still take
    present: dict[str, frozenset[str]]  # set fact -> items known present
    absent: dict[str, frozenset[str]]  # set fact -> items known absent
    blame: dict[str, Var | None] = field(default_factory=dict)  # undecided fact -> a var
    fired: dict[str, list[tuple[Rule, Tri]]] = field(default_factory=dict)
    pinned: dict[str, Any] = field(default_factory=dict)  # intermediate facts fixed by a split
    impossible: bool = False  # a pinned value the rules cannot produce here
    variants: dict[tuple[str, ...], list[State]] = field(default_factory=dict)  # splits

    def pin(self, fact: str, value: Any) -> State:
        """This node with one more intermediate fact fixed to one of its possible values
        (what the pipeline computed before that fact is kept)."""
        return State(dict(self.values), self.present, self.absent, dict(self.blame),
                     dict(self.fired), pinned={**self.pinned, fact: value})


class Evaluator:
    """Evaluates conditions against a State; remembers results of leaves."""

    def __init__(self, variables: list[Var]) -> None:
        self.var_of_value = {v.fact: v for v in variables if v.kind == "value"}
        self.set_vars = [v for v in variables if v.kind == "set"]
        self.memo: dict[tuple[Any, ...], Tri] = {}
        self.tests: dict[Node, Callable[[Mapping[str, Any]], bool]] = {}

    def eval(self, node: Node, state: State) -> tuple[Tri, Var | None]:
        """(value, a variable to choose next when the value is not yet known)."""
        op = node[0]
        if op in ("all", "any"):
            stop = op == "any"  # the value that decides: true for any, false for all
            blame: Var | None = None
            unknown = False
            for child in node[1]:
                value, why = self.eval(child, state)
                if value is stop:
                    return stop, None
                if value is None:
                    unknown = True
                    blame = blame or why
            return (None, blame) if unknown else (not stop, None)
        if op == "not":
            value, why = self.eval(node[1], state)
            return (None if value is None else not value), why
        if op in ("always", "otherwise"):
            return True, None
        return self._leaf(node, state)

    def _leaf(self, node: Node, state: State) -> tuple[Tri, Var | None]:
        op, fact, arg = node
        if op in SET_OPS:
            return self._set_leaf(op, fact, arg, state)
        possible = state.values[fact]
        key = (node, possible)
        if key in self.memo:
            value = self.memo[key]
        else:
            test = self.tests.get(node)
            if test is None:  # the engine's own test, so the two always agree
                test = self.tests[node] = compile_node(node)
            results = {test({fact: v}) for v in possible if v is not GAP}
            value = True if results <= {True} else False if results == {False} else None
            self.memo[key] = value
        if value is not None:
            return value, None
        return None, self.var_of_value.get(fact) or state.blame.get(fact)

    def _set_leaf(self, op: str, fact: str, arg: Any, state: State) -> tuple[Tri, Var | None]:
        items = frozenset(arg) if isinstance(arg, tuple) else frozenset((arg,))
        present, absent = state.present[fact], state.absent[fact]
        if op == "has_all":
            value: Tri = True if items <= present else False if items & absent else None
        else:
            value = True if items & present else False if items <= absent else None
            if op == "has_none" and value is not None:
                value = not value
        if value is not None:
            return value, None
        open_items = items - present - absent
        var = next(v for v in self.set_vars if v.fact == fact and v.items & open_items)
        return None, var


# -- the pipeline, three-valued ----------------------------------------------------------


class Pipeline:
    """A stage's pipeline over a State: derived facts, then tables, as assessment.py runs
    them, with the possible values of every fact the tables produce."""

    def __init__(self, ruleset: Ruleset, stage: str, evaluator: Evaluator) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.ev = evaluator
        self.derived = ruleset.derived if stage == "assess" else ()
        self.tables = [ruleset.tables[t] for t, spec in TABLE_SPECS.items()
                       if spec.stage == stage]
        self.levels = [level.id for level in ruleset.levels]

    def run(self, state: State, start: int = 0) -> None:
        """Compute every derived fact and table from step `start` on (derived facts are
        the first steps, then the tables in the order they run)."""
        for step, rule in enumerate(self.derived):
            if step >= start:
                value, why = self.ev.eval(rule.when, state)
                self._set(state, rule.id, (True,) if value else (False,) if value is False
                          else (True, False), why)
        for step, table in enumerate(self.tables, len(self.derived)):
            if step < start:
                continue
            statuses = state.fired.get(table.id) if step == start else None
            if statuses is None:  # (the table that made a pinned fact is not redone)
                statuses = self.statuses(table, state)
            state.fired[table.id] = statuses
            self._outputs(table, statuses, state)

    def producer(self, fact: str) -> int:
        """The step of `run` that computes an intermediate fact."""
        for step, rule in enumerate(self.derived):
            if rule.id == fact:
                return step
        makes = {"triage": ("referrals", "checkin"), "stop_wearing": ("checkin",),
                 "insert": ("insert",), "heel_lift": ("heel_lift",)}[fact]
        return len(self.derived) + next(i for i, t in enumerate(self.tables) if t.id in makes)

    def statuses(self, table: Table, state: State) -> list[tuple[Rule, Tri]]:
        """Each rule of the table with whether its condition holds (for `otherwise`:
        whether no other rule holds)."""
        out = [(rule, self.ev.eval(rule.when, state)[0]) for rule in table.regular]
        if table.otherwise is not None:
            values = [v for _, v in out]
            other: Tri = False if True in values else None if None in values else True
            out.append((table.otherwise, other))
        return out

    def blame(self, table: Table, state: State, rules: list[Rule]) -> Var | None:
        for rule in rules:
            if rule is table.otherwise:
                continue
            value, why = self.ev.eval(rule.when, state)
            if value is None and why is not None:
                return why
        return None

    def _set(self, state: State, fact: str, possible: tuple[Any, ...], why: Var | None) -> None:
        if fact in state.pinned:
            if state.pinned[fact] not in possible:
                state.impossible = True
            possible = (state.pinned[fact],)
        state.values[fact] = possible
        if len(possible) > 1:
            state.blame[fact] = why

    def _outputs(self, table: Table, statuses: list[tuple[Rule, Tri]], state: State) -> None:
        # A fact a table produces is blamed on (decided by choosing an answer of) only the
        # undecided rules that can still change it: this keeps the search small.
        tid = table.id
        if tid in AGGREGATES:
            level_key, stop_key = AGGREGATES[tid]
            rank = self.levels.index
            sure = [rank(r.then[level_key]) for r, v in statuses if v]
            best = min(sure, default=len(self.levels) - 1)
            rivals = [r for r, v in statuses if v is None and rank(r.then[level_key]) < best]
            possible = {best} | {rank(r.then[level_key]) for r in rivals}
            self._set(state, "triage", tuple(self.levels[i] for i in sorted(possible)),
                      self.blame(table, state, rivals))
            if stop_key:
                stops = [v for r, v in statuses if r.then.get(stop_key, False)]
                stop = (True,) if True in stops else (False,) if None not in stops \
                    else (True, False)
                undecided_stops = [r for r, v in statuses
                                   if v is None and r.then.get(stop_key, False)]
                self._set(state, "stop_wearing", stop,
                          self.blame(table, state, undecided_stops))
            return
        undecided = []
        for rule, value in statuses:
            if value is True and table.hit_policy == "first":
                break  # later rules cannot change a first-hit table's result
            if value is None:
                undecided.append(rule)
        why = self.blame(table, state, undecided) if undecided else None
        if table.hit_policy == "collect":
            return
        key = "type" if tid == "insert" else tid
        possible_out: list[Any] = []
        if table.hit_policy == "first":
            for rule, value in statuses:
                if value is not False:
                    possible_out.append(rule.then[key])
                if value is True:
                    break
            else:
                possible_out.append(GAP)
        else:
            sure_n = sum(1 for _, v in statuses if v)
            maybe_n = sum(1 for _, v in statuses if v is None)
            possible_out = [r.then[key] for r, v in statuses if v is not False]
            if sure_n == 0 or sure_n + maybe_n > 1:
                possible_out.append(GAP)
        self._set(state, tid, tuple(dict.fromkeys(possible_out)), why)


# -- the checks --------------------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """One question the search answers.

    `status(state)` says, for every answer set below a node: "ok" (nothing to report),
    "hit" (every one of them is what we look for), or None (not yet known) with a
    variable to choose next. Violation checks report their first hit; witness checks
    (a rule that must be able to fire) report when they never hit.
    """

    kind: str  # gap | overlap | invariant | witness
    subject: str
    file: str
    line: int
    status: Callable[[State], tuple[str | None, Var | None]]
    confirm: Callable[[dict[str, Any]], str | None]  # None if confirmed, else why not
    message: str
    example: dict[str, Any] | None = None
    done: bool = False
    reads: frozenset[str] = frozenset()  # facts its conditions read


def _first_blame(*pairs: tuple[Tri, Var | None]) -> Var | None:
    return next((why for value, why in pairs if value is None and why is not None), None)


class Prover:
    def __init__(self, ruleset: Ruleset, stage: str) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.vars = build_vars(ruleset, stage)
        self.ev = Evaluator(self.vars)
        self.pipeline = Pipeline(ruleset, stage, self.ev)
        self.questions = ruleset.questions[stage]
        self.nodes = 0
        self.intermediate = [r.id for r in self.pipeline.derived] + [
            f for f in ("triage", "insert", "heel_lift", "stop_wearing")
            if f in PIPELINE_FACTS[stage]]

    # ---- building checks

    def checks(self) -> list[Check]:
        out: list[Check] = []
        for rule in self.pipeline.derived:
            out.append(self._derived_check(rule))
        for table in self.pipeline.tables:
            if table.hit_policy != "collect":
                out.append(self._gap_check(table))
            if table.hit_policy == "unique":
                out.append(self._overlap_check(table))
            out += [self._fires_check(table, rule) for rule in table.rules]
        out += [self._invariant_check(inv) for inv in self.ruleset.invariants
                if inv.applies_to == self.stage]
        return out

    def _derived_check(self, rule: Rule) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            value, why = self.ev.eval(rule.when, state)
            return ("hit", None) if value else ("ok", None) if value is False else (None, why)

        def confirm(answers: dict[str, Any]) -> str | None:
            return None if self.run(answers)[0].get(rule.id) else "it was false"

        return Check("witness", rule.id, rule.file, rule.line, status, confirm,
                     f"derived fact `{rule.id}` can never be true: {describe(rule.when)}")

    def _gap_check(self, table: Table) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            values = [v for _, v in state.fired[table.id]]
            if True in values:
                return "ok", None
            if None not in values:
                return "hit", None
            return None, self.pipeline.blame(table, state, [r for r, _ in
                                                            state.fired[table.id]])

        def confirm(answers: dict[str, Any]) -> str | None:
            facts, error = self.run(answers)
            applied = [r for r in table.regular if r.test(facts)] if error else ["x"]
            return None if not applied else "a rule applied"

        return Check("gap", table.id, table.file, table.line, status, confirm,
                     f"table `{table.id}` ({table.hit_policy}) has a gap: no rule applies")

    def _overlap_check(self, table: Table) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            values = [v for _, v in state.fired[table.id]]
            if values.count(True) >= 2:
                return "hit", None
            if values.count(True) + values.count(None) <= 1:
                return "ok", None
            return None, self.pipeline.blame(table, state, [r for r, v in
                                                            state.fired[table.id] if v is None])

        def confirm(answers: dict[str, Any]) -> str | None:
            facts, _ = self.run(answers)
            applied = [r.id for r in table.regular if r.test(facts)]
            return None if len(applied) >= 2 else "fewer than two rules applied"

        return Check("overlap", table.id, table.file, table.line, status, confirm,
                     f"table `{table.id}` (unique) has an overlap: more than one rule "
                     "applies")

    def _fires_check(self, table: Table, rule: Rule) -> Check:
        first = table.hit_policy == "first"

        def status(state: State) -> tuple[str | None, Var | None]:
            statuses = state.fired[table.id]
            index = next(i for i, (r, _) in enumerate(statuses) if r is rule)
            value = statuses[index][1]
            before = [v for _, v in statuses[:index]] if first else []
            if value is False or True in before:
                return "ok", None
            if value is True and None not in before:
                return "hit", None
            earlier = [r for r, v in statuses[:index] if v is None] if first else []
            return None, self.pipeline.blame(table, state, [*earlier, rule]) or \
                self.pipeline.blame(table, state, [r for r, _ in statuses])

        def confirm(answers: dict[str, Any]) -> str | None:
            _, fired = self.run_full(answers)
            return None if rule.id in fired else "it did not fire"

        why = "it can never apply" if not first else \
            "earlier rules always apply first, or its condition can never hold"
        if rule is table.otherwise:
            why = "another rule of the table always applies"
        return Check("witness", rule.id, rule.file, rule.line, status, confirm,
                     f"rule `{rule.id}` of table `{table.id}` never fires: {why}")

    def _invariant_check(self, inv: Invariant) -> Check:
        def status(state: State) -> tuple[str | None, Var | None]:
            when = self.ev.eval(inv.when, state)
            if when[0] is False:
                return "ok", None
            expect = self.ev.eval(inv.expect, state)
            if expect[0] is True:
                return "ok", None
            if when[0] and expect[0] is False:
                return "hit", None
            return None, _first_blame(when, expect)

        def confirm(answers: dict[str, Any]) -> str | None:
            facts, error = self.run(answers)
            if error:
                return error
            from insertadvisor.conditions import evaluate

            if evaluate(inv.when, facts) and not evaluate(inv.expect, facts):
                return None
            return "the invariant held"

        return Check("invariant", inv.id, inv.file, inv.line, status, confirm,
                     f"invariant `{inv.id}` fails: when {describe(inv.when)}, expected "
                     f"{describe(inv.expect)}, but",
                     reads=frozenset(leaf[1] for node in (inv.when, inv.expect)
                                     for leaf in leaves(node)))

    # ---- running the real engine on a found example

    def run(self, answers: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        facts, _, error = self._engine(answers)
        return facts, error

    def run_full(self, answers: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        facts, fired, _ = self._engine(answers)
        return facts, fired

    def _engine(self, answers: dict[str, Any]) -> tuple[dict[str, Any], set[str], str | None]:
        """Run the stage's pipeline table by table, as assessment.py does, stopping (not
        raising) at a table that has no rule to apply."""
        from insertadvisor.assessment import facts_from

        facts = facts_from(answers)
        fired: set[str] = set()
        for rule in self.pipeline.derived:
            facts[rule.id] = rule.test(facts)
            if facts[rule.id]:
                fired.add(rule.id)
        levels = self.pipeline.levels
        for table in self.pipeline.tables:
            try:
                rules = run_table(table, facts)
            except RulesetError as exc:
                return facts, fired, exc.problems[0].message
            fired.update(r.id for r in rules)
            if table.id in AGGREGATES:
                level_key, stop_key = AGGREGATES[table.id]
                facts["triage"] = min((r.then[level_key] for r in rules), key=levels.index,
                                      default=levels[-1])
                if stop_key:
                    facts["stop_wearing"] = any(r.then.get(stop_key, False) for r in rules)
            elif table.hit_policy != "collect":
                key = "type" if table.id == "insert" else table.id
                facts[table.id] = rules[0].then[key]
        return facts, fired, None

    # ---- the search

    def initial(self) -> State:
        values: dict[str, tuple[Any, ...]] = {}
        present: dict[str, frozenset[str]] = {}
        absent: dict[str, frozenset[str]] = {}
        for q in self.questions:
            if q.type == "set":
                present[q.id] = absent[q.id] = frozenset()
        for var in self.vars:
            if var.kind == "value":
                values[var.fact] = tuple(var.domain)
        return State(values, present, absent)

    def assign(self, state: State, var: Var, value: Any) -> State:
        values = dict(state.values)
        present, absent = dict(state.present), dict(state.absent)
        if var.kind == "value":
            values[var.fact] = (value,)
        else:
            present[var.fact] = present[var.fact] | value[0]
            absent[var.fact] = absent[var.fact] | value[1]
        return State(values, present, absent)

    def answers(self, state: State) -> dict[str, Any]:
        """A complete answer set from a node: unchosen answers take their first part."""
        out: dict[str, Any] = {}
        for q in self.questions:
            if q.type == "set":
                chosen = state.present[q.id]
                out[q.id] = [i for i in q.choices if i in chosen]
            else:
                out[q.id] = state.values[q.id][0]
        return out

    def search(self, state: State, checks: list[Check]) -> None:
        self.nodes += 1
        self.pipeline.run(state)
        open_checks: list[Check] = []
        branch: Var | None = None
        for check in checks:
            if check.done:
                continue
            verdict, why = check.status(state)
            if verdict is None and check.kind == "invariant":
                verdict = self._split(check, state)
            if verdict == "hit" and not self._hit(check, state):
                verdict = None if self._complete(state) is False else "ok"
            if verdict is None:
                open_checks.append(check)
                branch = branch or why
        if not open_checks:
            return
        if branch is None or self._assigned(state, branch):
            branch = next((v for v in self.vars if not self._assigned(state, v)), None)
            if branch is None:  # every answer chosen: the engine's verdict stands
                return
        for value in branch.domain:
            self.search(self.assign(state, branch, value), open_checks)

    def _split(self, check: Check, state: State) -> str | None:
        """Settle an undecided check by cases over the values the intermediate facts
        (derived facts, triage, insert, heel_lift, stop_wearing) may take here: the rules
        relate them (a heel lift only comes with an insert), which three values alone
        cannot see. Sound: the real value is always one of the cases."""
        facts = tuple(f for f in self.intermediate if f in check.reads)
        verdicts = {check.status(v)[0] for v in self._variants(state, facts)}
        return verdicts.pop() if len(verdicts) == 1 else None

    def _variants(self, state: State, facts: tuple[str, ...]) -> list[State]:
        """The node split into cases, one per combination of possible values of `facts`
        (in the order the pipeline computes them) that the rules can produce together."""
        if facts in state.variants:
            return state.variants[facts]
        out: list[State] = []
        todo = [state]
        while todo:
            current = todo.pop()
            fact = next((f for f in facts if len(current.values[f]) > 1), None)
            if fact is None:
                out.append(current)
                continue
            for value in current.values[fact]:
                case = current.pin(fact, value)
                self.pipeline.run(case, self.pipeline.producer(fact))
                if not case.impossible:
                    todo.append(case)
        state.variants[facts] = out
        return out

    def _assigned(self, state: State, var: Var) -> bool:
        if var.kind == "value":
            return len(state.values[var.fact]) == 1
        return bool(var.items & (state.present[var.fact] | state.absent[var.fact]))

    def _hit(self, check: Check, state: State) -> bool:
        """Record a hit once the real engine confirms it (a table with a gap can stop the
        pipeline before the three-valued view expects; such a hit is not claimed)."""
        answers = self.answers(state)
        if check.confirm(answers) is not None:
            return False
        check.example = answers
        check.done = True
        return True

    def _complete(self, state: State) -> bool:
        return all(self._assigned(state, v) for v in self.vars)

    def prove(self) -> tuple[StageReport, list[Finding]]:
        checks = self.checks()
        self.search(self.initial(), checks)
        findings = []
        for check in checks:
            failed = check.done if check.kind != "witness" else not check.done
            if failed:
                findings.append(self._finding(check))
        partition = {v.name: len(v.domain) for v in self.vars}
        points = {v.fact: list(v.domain) for v in self.vars if v.kind == "value"}
        classes: dict[str, list[list[str]]] = {}
        for q in self.questions:
            if q.type == "set":
                classes[q.id] = [[i for i in q.choices if i in v.items]
                                 for v in self.vars if v.fact == q.id]
        report = StageReport(self.stage, partition, points, classes,
                             math.prod(partition.values()), self.nodes, len(checks))
        return report, findings

    def _finding(self, check: Check) -> Finding:
        example = check.example
        message = check.message
        if check.kind == "invariant" and example is not None:
            facts, _ = self.run(example)
            shown = ", ".join(f"{k} = {_show(facts.get(k))}"
                              for k in _pipeline_facts(self.stage) if k in facts)
            message = f"{message} got {shown}"
        elif check.kind == "overlap" and example is not None:
            facts, _ = self.run(example)
            table = self.ruleset.tables[check.subject]
            message += f" ({', '.join(r.id for r in table.regular if r.test(facts))})"
        elif check.kind == "witness":
            example = self._shadow_example(check)
            if example is not None:
                _, fired = self.run_full(example)
                table = self.ruleset.tables[_table_of(self.ruleset, check.subject) or ""]
                winner = next(r.id for r in table.rules if r.id in fired)
                message += f"; for example, its condition holds here but `{winner}` applies first"
        kind = check.kind
        if kind == "witness":
            derived = {r.id for r in self.ruleset.derived}
            kind = "never_true" if check.subject in derived else "shadowed"
        return Finding(kind, check.file, check.line, check.subject, message, example,
                       self.stage)

    def _shadow_example(self, check: Check) -> dict[str, Any] | None:
        """For a rule that never fires in a first-hit table: answers where its condition
        holds (so an earlier rule must have won), if there are any."""
        tid = _table_of(self.ruleset, check.subject)
        table = self.ruleset.tables.get(tid) if tid else None
        if table is None or table.hit_policy != "first":
            return None
        rule = next(r for r in table.rules if r.id == check.subject)
        found: list[dict[str, Any]] = []

        def status(state: State) -> tuple[str | None, Var | None]:
            value, why = self.ev.eval(rule.when, state)
            return ("hit", None) if value else ("ok", None) if value is False else (None, why)

        def confirm(answers: dict[str, Any]) -> str | None:
            found.append(answers)
            return None

        probe = Check("witness", rule.id, rule.file, rule.line, status, confirm, "")
        self.search(self.initial(), [probe])
        return found[0] if found else None


def _table_of(ruleset: Ruleset, rule_id: str) -> str | None:
    return next((t.id for t in ruleset.tables.values() for r in t.rules if r.id == rule_id),
                None)


def _pipeline_facts(stage: str) -> tuple[str, ...]:
    from insertadvisor.model import PIPELINE_FACTS

    return PIPELINE_FACTS[stage]


def _show(value: Any) -> str:
    from insertadvisor.conditions import show_value

    return show_value(value)


def check(ruleset: Ruleset, clock: Callable[[], float] = time.perf_counter) -> CheckReport:
    """Prove the rule set; every failure comes back as a Finding with a counterexample."""
    start = clock()
    stages, findings = [], []
    for stage in ("assess", "checkin"):
        report, found = Prover(ruleset, stage).prove()
        stages.append(report)
        findings += found
    tables = [(t.id, t.hit_policy, len(t.rules))
              for t in (ruleset.tables[tid] for tid in TABLE_SPECS if tid in ruleset.tables)]
    return CheckReport(stages, tables, [i.id for i in ruleset.invariants], findings,
                       clock() - start)


def violates(ruleset: Ruleset, finding: Finding) -> bool:
    """Re-run the engine on a finding's answers: do they show the failure? (For tests, and
    for anyone who doubts a report.) A shadowed rule's answers show its condition holding
    while the rule does not fire; a derived fact that is never true has no answers."""
    answers = finding.counterexample
    if answers is None:
        return False
    prover = Prover(ruleset, finding.stage)
    if finding.kind == "shadowed":
        facts, fired = prover.run_full(answers)
        rule = next(r for r in ruleset.all_rules() if r.id == finding.subject)
        return rule.test(facts) and rule.id not in fired
    kind = {"gap": "gap", "overlap": "overlap", "invariant": "invariant"}.get(finding.kind)
    found = [c for c in prover.checks() if c.kind == kind and c.subject == finding.subject]
    return bool(found) and found[0].confirm(answers) is None
