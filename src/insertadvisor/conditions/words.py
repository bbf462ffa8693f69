"""Conditions in words: as a rule author wrote them, why one fired, why one did not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from insertadvisor.conditions.compiled import (
    NUMERIC_OPS,
    SET_OPS,
    Facts,
    Node,
    compile_node,
    evaluate,
)


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


def leaves(node: Node) -> Iterator[Node]:
    """Every test of one fact in a condition, in the order written."""
    op = node[0]
    if op in ("all", "any"):
        for child in node[1]:
            yield from leaves(child)
    elif op == "not":
        yield from leaves(node[1])
    elif op not in ("always", "otherwise"):
        yield node


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
    """Why a true condition is true, as `fact = value` phrases joined by "; ", with the
    wording worked out once: the engine explains every rule that fires, so this is a few
    string joins per rule. The one implementation of "because"."""
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
        text = "applies to everyone" if op == "always" else "no other rule in its table applied"
        return [lambda f: text]
    fact = node[1]
    if op in SET_OPS:
        text = describe(node)
        return [lambda f: text]
    head = f"{fact} = "
    tail = "" if op in ("eq", "known") else f" ({describe(node)})"
    # show_value, with the common case (a text value) first
    return [lambda f: head + (v if type(v := f.get(fact)) is str else show_value(v)) + tail]
