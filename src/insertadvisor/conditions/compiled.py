"""Conditions compiled into fast tests of a fact mapping: what the engine runs.

A condition is a small tree of tuples, so that it can be cached with `marshal`:

    ("all", (node, ...))   ("any", (node, ...))   ("not", node)
    ("always",)            ("otherwise",)         fires when no other rule of its table did
    (op, fact, argument)   a test of one fact; op is one of LEAF_OPS

Rules for unknown values (None): a numeric comparison with an unknown value is false,
so an unknown never triggers a numeric rule; `known` tests for it explicitly.
docs/rules.md is the reference for rule authors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Node = tuple[Any, ...]
Facts = Mapping[str, Any]
Test = Callable[[Facts], bool]

NUMERIC_OPS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
CHOICE_OPS = {"eq", "ne", "in", "not_in"}
SET_OPS = {"has", "has_any", "has_all", "has_none"}
LEAF_OPS = CHOICE_OPS | SET_OPS | set(NUMERIC_OPS) | {"known"}


def compile_node(node: Node) -> Test:
    """Turn a condition tree into a fast test of a fact mapping."""
    op = node[0]
    if op == "all":
        return _all(tuple(compile_node(n) for n in node[1]))
    if op == "any":
        return _any(tuple(compile_node(n) for n in node[1]))
    if op == "not":
        inner = compile_node(node[1])
        return lambda f: not inner(f)
    if op in ("always", "otherwise"):
        return lambda f: True
    return _leaf(op, node[1], node[2])


# Short `all`s and `any`s are written out: a generator per test would cost more than the
# tests themselves, and the engine runs about a hundred conditions per answer set.
def _all(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda f: a(f) and b(f) and c(f)

    def test(f: Facts) -> bool:
        for p in parts:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not p(f):
                return False
        return True

    return test


def _any(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) or b(f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda f: a(f) or b(f) or c(f)

    def test(f: Facts) -> bool:
        for p in parts:  # noqa: SIM110 - a loop is faster than any() over a generator
            if p(f):
                return True
        return False

    return test


def _leaf(op: str, fact: str, arg: Any) -> Test:
    if op == "eq":
        return lambda f: f[fact] == arg
    if op == "ne":
        return lambda f: f[fact] != arg
    if op == "in":
        values = frozenset(arg)
        return lambda f: f[fact] in values
    if op == "not_in":
        values = frozenset(arg)
        return lambda f: f[fact] not in values
    if op == "gt":
        return lambda f: (v := f[fact]) is not None and v > arg
    if op == "gte":
        return lambda f: (v := f[fact]) is not None and v >= arg
    if op == "lt":
        return lambda f: (v := f[fact]) is not None and v < arg
    if op == "lte":
        return lambda f: (v := f[fact]) is not None and v <= arg
    if op == "has":
        return lambda f: arg in f[fact]
    if op == "has_any":
        values = frozenset(arg)
        return lambda f: not values.isdisjoint(f[fact])
    if op == "has_all":
        values = frozenset(arg)
        return lambda f: values <= f[fact]
    if op == "has_none":
        values = frozenset(arg)
        return lambda f: values.isdisjoint(f[fact])
    if op == "known":
        return lambda f: (f[fact] is not None) is arg
    raise ValueError(f"unknown operator {op!r}")


def evaluate(node: Node, facts: Facts) -> bool:
    """Evaluate a condition without compiling it (for checks and explanations)."""
    return compile_node(node)(facts)
