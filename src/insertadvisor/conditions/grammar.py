"""The grammar of conditions: from what a rule author wrote in YAML to a condition tree.

    when: {symptoms: {has: fever}, age: {gte: 50}}      a mapping: every test must hold
    when: {any: [{arch: flat}, {overpronation: "yes"}]} all / any / not combine conditions
    when: always                                        (and `otherwise`, in some tables)

A fact's test is a value (equality; membership for a set) or a mapping of operators. Every
problem is reported with its position through `problem(position, message)`; a condition
with a problem parses to None. Reads located data (rules_io.yaml_loader), imports no YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from insertadvisor.conditions.compiled import LEAF_OPS, NUMERIC_OPS, SET_OPS, Node
from insertadvisor.errors import did_you_mean
from insertadvisor.rules_io.located import key_pos, kind, located, value_pos, yes_no

Report = Callable[[tuple[int, int], str], None]

# Which operators apply to which kind of fact. `empty` (true or false) is shorthand for
# has_none / has_any over every item of a set.
FITS = {
    "set": SET_OPS | {"empty"},
    "number": set(NUMERIC_OPS) | {"eq", "ne", "known"},
    "choice": {"eq", "ne", "in", "not_in"},
    "bool": {"eq", "ne"},
}
_MANY = ("in", "not_in", "has_any", "has_all", "has_none")
COMBINERS = ("all", "any", "not")


class FactType:
    """What a condition may test about a fact: its kind and, for choices and sets, the
    values it can take."""

    __slots__ = ("kind", "values")

    def __init__(self, kind: str, values: tuple[str, ...] = ()) -> None:
        self.kind = kind  # choice | number | set | bool
        self.values = values


class Grammar:
    """Parses conditions, reporting each problem once through `problem`.

    `incomplete`: some rule files could not be read, so a fact that is not known may be
    defined in one of them; it is not reported as unknown.
    """

    def __init__(self, problem: Report, *, incomplete: bool = False) -> None:
        self.problem = problem
        self.incomplete = incomplete

    def parse(self, raw: Any, pos: tuple[int, int], facts: Mapping[str, FactType],
              allow_otherwise: bool = False) -> Node | None:
        """A condition, or None (its problems reported)."""
        if isinstance(raw, str):
            words = ("always", "otherwise") if allow_otherwise else ("always",)
            if raw in words:
                return (raw,)
            self.problem(pos, f"a condition must be a mapping or one of {', '.join(words)}, "
                              f"not `{raw}`{did_you_mean(raw, words)}")
            return None
        if isinstance(raw, dict) and not raw:
            self.problem(pos, "a condition must not be empty; write the tests it makes, or "
                              "`always`")
            return None
        if not isinstance(raw, dict):
            self.problem(pos, f"a condition must be a mapping, not {kind(raw)}")
            return None
        nodes = [self._part(raw, key, value, facts) for key, value in raw.items()]
        if None in nodes:
            return None
        return nodes[0] if len(nodes) == 1 else ("all", tuple(nodes))

    def _part(self, raw: Any, key: Any, value: Any,
              facts: Mapping[str, FactType]) -> Node | None:
        vpos = value_pos(raw, key)
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.problem(vpos, f"`{key}` needs a non-empty list of conditions")
                return None
            parts = [self.parse(v, p, facts) for v, p in located(value)]
            return None if None in parts else (key, tuple(parts))
        if key == "not":
            inner = self.parse(value, vpos, facts)
            return None if inner is None else ("not", inner)
        if key in facts:
            return self._fact_tests(raw, key, facts[key])
        if not self.incomplete:  # else perhaps defined in a file that could not be read
            known = [*facts, *COMBINERS]
            self.problem(key_pos(raw, key), f"unknown fact `{key}`{did_you_mean(key, known)}")
        return None

    def _fact_tests(self, parent: Any, fact: str, ftype: FactType) -> Node | None:
        value = parent[fact]
        if not isinstance(value, dict):  # shorthand: equality, or membership for a set
            op = "has" if ftype.kind == "set" else "eq"
            return self._leaf(value_pos(parent, fact), fact, ftype, op, value)
        if not value:
            self.problem(value_pos(parent, fact), f"the test of `{fact}` is empty")
            return None
        nodes = []
        for op, arg in value.items():
            if op not in LEAF_OPS and op != "empty":
                self.problem(key_pos(value, op), f"unknown operator `{op}`"
                             f"{did_you_mean(op, sorted(LEAF_OPS | {'empty'}))}")
                return None
            nodes.append(self._leaf(value_pos(value, op), fact, ftype, op, arg))
        if None in nodes:
            return None
        return nodes[0] if len(nodes) == 1 else ("all", tuple(nodes))

    def _leaf(self, pos: tuple[int, int], fact: str, ftype: FactType, op: str,
              arg: Any) -> Node | None:
        fits = FITS[ftype.kind]
        if op not in fits:
            self.problem(pos, f"operator `{op}` does not apply to `{fact}` (a {ftype.kind}); "
                              f"use one of {', '.join(sorted(fits))}")
            return None
        if op in ("known", "empty") or ftype.kind == "bool":
            if not isinstance(arg, bool):
                what = f"`{op}`" if op in ("known", "empty") else f"`{fact}`"
                self.problem(pos, f"{what} takes true or false, not {kind(arg)}")
                return None
            if op == "empty":  # no item, or some item: over every value of the set
                return ("has_none" if arg else "has_any", fact, ftype.values)
            return (op, fact, arg)
        if ftype.kind == "number":
            if isinstance(arg, bool) or not isinstance(arg, (int, float)):
                self.problem(pos, f"`{fact}` is a number; `{op}` needs a number, not "
                                  f"{kind(arg)}")
                return None
            return (op, fact, arg)
        many = op in _MANY
        values = arg if many else [arg]
        if not isinstance(values, list) or (many and not values):
            self.problem(pos, f"`{op}` needs a non-empty list of values")
            return None
        checked = []
        for (raw_value, vpos) in (located(values) if many else [(arg, pos)]):
            value = yes_no(raw_value)
            if not isinstance(value, str) or value not in ftype.values:
                self.problem(vpos, f"`{raw_value}` is not a value of `{fact}`"
                                   f"{did_you_mean(value, ftype.values)}; expected one of "
                                   f"{', '.join(ftype.values)}")
                return None
            checked.append(value)
        return (op, fact, tuple(checked) if many else checked[0])
