"""The pipeline over partly chosen answers: conditions with three values (true, false, not
yet known) and, for every fact a step adds, the values it may still take.

The walk follows pipeline.STAGES step by step, with the engine's own compiled tests for
leaves and each product's own `possible` for what a step adds, so what is proved is what
runs. Undecided values carry the variable to choose next (the "blame").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from insertadvisor.checker.partition import Var
from insertadvisor.conditions import SET_OPS, Node, compile_node
from insertadvisor.engine import Status, Tri, with_otherwise
from insertadvisor.model import Rule, Ruleset, Table
from insertadvisor.pipeline import GAP, STAGES, Fired


class State:
    """What is known at a node of the search: the values every fact may still take."""

    __slots__ = ("absent", "blame", "fired", "impossible", "pinned", "present", "values",
                 "variants")

    def __init__(self, values: dict[str, tuple[Any, ...]], present: dict[str, frozenset[str]],
                 absent: dict[str, frozenset[str]], blame: dict[str, Var | None] | None = None,
                 fired: dict[str, list[Status]] | None = None,
                 pinned: dict[str, Any] | None = None) -> None:
        self.values = values  # fact -> the values it may still take
        self.present = present  # set fact -> items known present
        self.absent = absent  # set fact -> items known absent
        self.blame: dict[str, Var | None] = blame or {}  # undecided fact -> a var to choose
        self.fired: dict[str, list[Status]] = fired or {}  # table -> each rule's status
        self.pinned: dict[str, Any] = pinned or {}  # added facts fixed by a case split
        self.impossible = False  # a pinned value the rules cannot produce here
        self.variants: dict[tuple[str, ...], list[State]] = {}  # case splits, by facts

    def pin(self, fact: str, value: Any) -> State:
        """This node with one more added fact fixed to one of its possible values (what
        the pipeline computed before that fact is kept)."""
        return State(dict(self.values), dict(self.present), dict(self.absent),
                     dict(self.blame), dict(self.fired), {**self.pinned, fact: value})


class Evaluator:
    """Evaluates conditions against a State; remembers the results of leaves."""

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
        var = next((v for v in self.set_vars if v.fact == fact and v.items & open_items), None)
        return None, var or state.blame.get(fact)


class Walk:
    """A stage's pipeline over a State: derived facts, then each table and what its step
    adds, as pipeline.run does with known answers.

    Steps are numbered: the derived facts first (one step each), then the tables."""

    def __init__(self, ruleset: Ruleset, stage: str, evaluator: Evaluator) -> None:
        self.ruleset = ruleset
        self.stage = STAGES[stage]
        self.ev = evaluator
        self.derived = ruleset.derived[stage]
        self.tables: list[Table] = [ruleset.stage_tables[stage][s.table]
                                    for s in self.stage.steps]

    def run(self, state: State, start: int = 0) -> None:
        """Compute every fact from step `start` on."""
        for number, rule in enumerate(self.derived):
            if number >= start:
                value, why = self.ev.eval(rule.when, state)
                self._set(state, rule.id, (True,) if value else (False,) if value is False
                          else (True, False), why)
        for number, (step, table) in enumerate(zip(self.stage.steps, self.tables, strict=True),
                                               len(self.derived)):
            if number < start:
                continue
            statuses = state.fired.get(table.id) if number == start else None
            if statuses is None:  # (the table that made a pinned fact is not redone)
                statuses = self.statuses(table, state)
            state.fired[table.id] = statuses
            for product in step.products:
                if isinstance(product, Fired):
                    self._fired(state, product)
                    continue
                values, undecided = product.possible(state.fired, self.ruleset)
                self._set(state, product.fact, values, self.blame(state, undecided))

    def producer(self, fact: str) -> int:
        """The step of `run` that computes an added fact."""
        for number, rule in enumerate(self.derived):
            if rule.id == fact:
                return number
        return len(self.derived) + next(i for i, s in enumerate(self.stage.steps)
                                        if any(p.fact == fact for p in s.products))

    def statuses(self, table: Table, state: State) -> list[Status]:
        """Each rule of the table with whether its condition holds (for `otherwise`:
        whether no other rule holds)."""
        regular = [(rule, self.ev.eval(rule.when, state)[0]) for rule in table.regular]
        return with_otherwise(table, regular)

    def blame(self, state: State, rules: list[Rule]) -> Var | None:
        """A variable that would decide one of these undecided rules."""
        for rule in rules:
            if rule.when == ("otherwise",):
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

    def _fired(self, state: State, product: Fired) -> None:
        """A set of fired rules: known present, known absent, the rest undecided."""
        present, absent, undecided = product.possible_items(state.fired)
        state.present[product.fact], state.absent[product.fact] = present, absent
        if undecided:
            state.blame[product.fact] = self.blame(state, undecided)
