"""Conditions: their compiled form, how they are evaluated, and how they are explained.

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


def _all(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)

    def test(f: Facts) -> bool:
        return all(p(f) for p in parts)

    return test


def _any(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 1:
        return parts[0]

    def test(f: Facts) -> bool:
        return any(p(f) for p in parts)

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


def show_value(value: Any) -> str:
    """A fact value as a person reads it."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (frozenset, set, list, tuple)):
        return "{" + ", ".join(sorted(str(v) for v in value)) + "}" if value else "none"
    return str(value)


def describe(node: Node) -> str:
    """The condition as a rule author wrote it, in one line."""
    op = node[0]
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(describe(n) for n in node[1]) + ")"
    if op == "not":
        return f"not {describe(node[1])}"
    if op in ("always", "otherwise"):
        return str(op)
    fact, arg = node[1], node[2]
    if op in NUMERIC_OPS:
        return f"{fact} {NUMERIC_OPS[op]} {show_value(arg)}"
    if op == "known":
        return f"{fact} is {'known' if arg else 'unknown'}"
    words = {
        "eq": "is", "ne": "is not", "in": "is one of", "not_in": "is none of",
        "has": "include", "has_any": "include any of", "has_all": "include all of",
        "has_none": "include none of",
    }
    shown = ", ".join(map(show_value, arg)) if isinstance(arg, tuple) else show_value(arg)
    return f"{fact} {words[op]} {shown}"


def _leaf_reason(node: Node, facts: Facts) -> str:
    fact = node[1]
    value = facts.get(fact)
    if node[0] in SET_OPS:
        return describe(node)
    if node[0] in ("eq", "known"):
        return f"{fact} = {show_value(value)}"
    return f"{fact} = {show_value(value)} ({describe(node)})"


def reasons(node: Node, facts: Facts) -> list[str]:
    """The tests that made a true condition true, as `fact = value` phrases."""
    op = node[0]
    if op == "all":
        return [r for n in node[1] for r in reasons(n, facts)]
    if op == "any":
        for n in node[1]:
            if evaluate(n, facts):
                return reasons(n, facts)
        return []
    if op == "not":
        return [f"not ({describe(node[1])}): {'; '.join(_facts_of(node[1], facts))}"]
    if op == "always":
        return ["applies to everyone"]
    if op == "otherwise":
        return ["no other rule in its table applied"]
    return [_leaf_reason(node, facts)]


def _facts_of(node: Node, facts: Facts) -> list[str]:
    return [f"{name} = {show_value(facts.get(name))}" for name in facts_used(node)]


def first_failure(node: Node, facts: Facts) -> str | None:
    """The first test that kept a condition from being true, or None if it is true."""
    if evaluate(node, facts):
        return None
    op = node[0]
    if op == "all":
        for n in node[1]:
            failed = first_failure(n, facts)
            if failed is not None:
                return failed
    if op == "otherwise":
        return "another rule in its table applied"
    values = "; ".join(_facts_of(node, facts))
    return f"{describe(node)}, but {values}" if values else describe(node)


def facts_used(node: Node) -> list[str]:
    """Every fact a condition reads, in order of first use."""
    op = node[0]
    if op in ("all", "any"):
        seen: dict[str, None] = {}
        for n in node[1]:
            seen.update(dict.fromkeys(facts_used(n)))
        return list(seen)
    if op == "not":
        return facts_used(node[1])
    if op in ("always", "otherwise"):
        return []
    return [node[1]]


Because = Callable[[Facts], str]


def compile_because(node: Node) -> Because:
    """`"; ".join(reasons(node, facts))` for a true condition, with the wording worked out once.

    The engine explains every rule that fires; this keeps that to a few string joins.
    """
    parts = _reason_parts(node)
    if len(parts) == 1:
        return parts[0]

    def because(f: Facts) -> str:
        return "; ".join([text for p in parts if (text := p(f))])

    return because


def _reason_parts(node: Node) -> list[Because]:
    op = node[0]
    if op == "all":
        return [part for n in node[1] for part in _reason_parts(n)]
    if op == "any":
        branches = tuple((compile_node(n), compile_because(n)) for n in node[1])

        def first_true(f: Facts) -> str:
            for test, because in branches:
                if test(f):
                    return because(f)
            return ""  # a false `any` gives no reason (never so for a rule that fired)

        return [first_true]
    if op == "not":
        prefix = f"not ({describe(node[1])}): "
        names = tuple(facts_used(node[1]))
        return [lambda f: prefix + "; ".join([f"{n} = {show_value(f.get(n))}" for n in names])]
    if op in ("always", "otherwise"):
        text = reasons(node, {})[0]
        return [lambda f: text]
    fact = node[1]
    if op in SET_OPS:
        text = describe(node)
        return [lambda f: text]
    head = f"{fact} = "
    tail = "" if op in ("eq", "known") else f" ({describe(node)})"
    # show_value, with the common case (a text value) first
    return [lambda f: head + (v if type(v := f.get(fact)) is str else show_value(v)) + tail]
