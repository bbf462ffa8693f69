"""The finite partition of a stage's answers that `rules check` searches.

- a number is split at every constant any condition compares it with: each constant
  itself, one point inside each interval between them, the lowest allowed value, and
  unknown where the question accepts it;
- the values of a choice that every condition treats alike form one class;
- the items of a set that every condition mentions alike form one class (absent,
  present, and "some but not all" where a `has_all` needs it).

Every condition gives the same result for every answer in a part, so checking one
representative per part checks them all.
"""

from __future__ import annotations

import math
from typing import Any

from insertadvisor.conditions import NUMERIC_OPS, Node, leaves
from insertadvisor.model import Question, Ruleset
from insertadvisor.pipeline import STAGES


class Var:
    """One dimension of the search: a choice or number answer, or a class of set items."""

    __slots__ = ("domain", "fact", "items", "kind", "name")

    def __init__(self, name: str, fact: str, kind: str, domain: list[Any],
                 items: frozenset[str] = frozenset()) -> None:
        self.name = name
        self.fact = fact
        self.kind = kind  # value | set
        self.domain = domain  # values; for a set class: (present, absent) pairs
        self.items = items


def conditions(ruleset: Ruleset, stage: str) -> list[Node]:
    """Every condition the stage evaluates: derived facts, its tables' rules, its
    invariants and its interview's conditions."""
    out = [r.when for r in ruleset.derived[stage]]
    tables = ruleset.stage_tables[stage]
    for tid in STAGES[stage].tables:
        if tid in tables:
            out += [r.when for r in tables[tid].rules]
    for inv in ruleset.invariants:
        if inv.applies_to == stage:
            out += [inv.when, inv.expect]
    for step in ruleset.interview.get(stage, ()):
        out += [n for n in (step.ask_when, step.direct_when) if n is not None]
    return out


def facts_read(ruleset: Ruleset, stage: str) -> frozenset[str]:
    """Every fact some condition of the stage reads."""
    return frozenset(leaves_by_fact(conditions(ruleset, stage)))


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
    seen: set[Any] = set()  # (a list's `in` would make thousands of thresholds quadratic)
    for p in points:
        value = int(p) if float(p).is_integer() else p
        if value not in seen and (low is None or value >= low) and \
                (high is None or value <= high):
            seen.add(value)
            out.append(value)
    return out


def build_vars(ruleset: Ruleset, stage: str) -> list[Var]:
    """The partition of a stage's answers, as search variables (sets first)."""
    by_fact = leaves_by_fact(conditions(ruleset, stage))
    values: list[Var] = []
    sets: list[Var] = []
    for q in ruleset.questions[stage]:
        made = question_vars(q, by_fact.get(q.id, []))
        if q.type == "set":
            sets += made
        else:
            values += made
    return sets + values


def leaves_by_fact(nodes: list[Node]) -> dict[str, list[Node]]:
    """The leaves of the conditions, by the fact each tests."""
    by_fact: dict[str, list[Node]] = {}
    for condition in nodes:
        for leaf in leaves(condition):
            by_fact.setdefault(leaf[1], []).append(leaf)
    return by_fact


def question_vars(q: Question, used: list[Node]) -> list[Var]:
    """The search variables of one question, split by the leaves `used` that test it (one
    variable for a choice or a number, one per class of alike items for a set)."""
    if q.type == "set":
        return _set_vars(q, used)
    if q.type == "choice":
        return [Var(q.id, q.id, "value", _value_classes(q.values, used))]
    return [Var(q.id, q.id, "value", number_points(q, number_constants(used)))]


def number_constants(used: list[Node]) -> set[float]:
    """The constants the leaves compare a number with: where its domain is split."""
    return {float(leaf[2]) for leaf in used if leaf[0] in NUMERIC_OPS or leaf[0] in ("eq", "ne")}


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
