"""When a questionnaire item is shown: an interview condition as FHIR R4 `enableWhen`.

An interview step's condition (`ask_when`, a gate's `direct_when`) is a tree of the rules'
condition language and may read derived facts. FHIR R4 has one level only: a list of tests
of one answer each (`exists`, `=`, `!=`, `>`, `<`, `>=`, `<=`), all of which or any of
which must hold. So a condition is first expanded into tests of items (derived facts
through their definitions, negations pushed down to the tests), then fitted to that one
level. Where it does not fit, the fitted form is one that holds whenever the condition
does, and more often: a question is never hidden from someone the interview would ask it
(`Fitted.exact` is False then, and the item says so).

The tests read the R4 operators as the specification defines them: `=` and the
comparisons hold when some answer satisfies them (never when there is no answer), `!=`
holds when no answer equals the value (so also when the item is unanswered), and `exists`
says whether there is an answer. An unanswered item means its default, as a missing key
does in an answers file: a set item not reported, a number unknown, a choice its
`default`; every test is written so that an unanswered item takes exactly that meaning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from insertadvisor.conditions import Node
from insertadvisor.model import Question

# The expanded form: ("true",), ("false",), ("test", enableWhen dict), ("and"|"or", parts).
Expr = tuple[Any, ...]
TRUE: Expr = ("true",)
FALSE: Expr = ("false",)


class Fitted:
    """An `enableWhen` list and its `enableBehavior`; `exact` when it says just what the
    condition says (else it holds more often)."""

    __slots__ = ("behavior", "exact", "tests")

    def __init__(self, tests: list[dict[str, Any]], behavior: str, exact: bool) -> None:
        self.tests = tests  # empty: always shown
        self.behavior = behavior  # all | any
        self.exact = exact


class Items:
    """What a condition can read: the stage's questions by id, the derived facts'
    definitions, how a set item's linkId is named and how a choice's value is coded."""

    __slots__ = ("coding", "definitions", "item_link", "questions")

    def __init__(self, questions: Mapping[str, Question], definitions: Mapping[str, Node],
                 item_link: Callable[[str, str], str],
                 coding: Callable[[Question, str], dict[str, Any]]) -> None:
        self.questions = questions
        self.definitions = definitions
        self.item_link = item_link  # (set question id, item id) -> linkId
        self.coding = coding  # (choice question, value) -> Coding


def expand(node: Node, items: Items, positive: bool = True) -> tuple[Expr, bool]:
    """`node` (or, with `positive` False, its negation) as tests of items; and whether the
    expansion is exact (a fact that is neither an answer nor a derived fact is not)."""
    op = node[0]
    if op in ("always", "otherwise"):
        return (TRUE if positive else FALSE), True
    if op == "not":
        return expand(node[1], items, not positive)
    if op in ("all", "any"):
        parts = [expand(n, items, positive) for n in node[1]]
        joined = "and" if (op == "all") == positive else "or"
        return _join(joined, [p for p, _ in parts]), all(exact for _, exact in parts)
    fact, arg = node[1], node[2]
    if fact in items.definitions:  # a derived fact: true or false, by its definition
        holds = (op == "eq") == bool(arg)
        return expand(items.definitions[fact], items, positive == holds)
    question = items.questions.get(fact)
    if question is None:
        return TRUE, False  # unknown here: shown, not hidden
    if question.type == "set":
        return _set_test(question, op, arg, positive, items), True
    if question.type == "choice":
        return _choice_test(question, op, arg, positive, items), True
    return _number_test(question, op, arg, positive)


def _join(op: str, parts: list[Expr]) -> Expr:
    """`and` or `or` of parts, flattened and simplified."""
    unit, zero = (TRUE, FALSE) if op == "and" else (FALSE, TRUE)
    flat: list[Expr] = []
    for part in parts:
        if part == zero:
            return zero
        if part == unit:
            continue
        flat.extend(part[1] if part[0] == op else [part])
    if not flat:
        return unit
    return flat[0] if len(flat) == 1 else (op, tuple(flat))


def _test(link: str, operator: str, kind: str, value: Any) -> Expr:
    return ("test", {"question": link, "operator": operator, f"answer{kind}": value})


def _set_test(question: Question, op: str, arg: Any, positive: bool, items: Items) -> Expr:
    """Membership of set items: an item is in the set when its boolean is answered true;
    not in it when no answer is true (`!= true` also holds unanswered)."""
    chosen = arg if isinstance(arg, tuple) else (arg,)
    inside = {"has": True, "has_any": True, "has_all": True, "has_none": False}[op]
    joined = "or" if op == "has_any" else "and"
    if not positive:
        inside, joined = not inside, "and" if joined == "or" else "or"
    operator = "=" if inside else "!="
    return _join(joined, [_test(items.item_link(question.id, i), operator, "Boolean", True)
                          for i in chosen])


def _choice_test(question: Question, op: str, arg: Any, positive: bool,
                 items: Items) -> Expr:
    """One of a set of values: `= v` for each allowed value, or `!= v` for each other one
    when the default is allowed (an unanswered choice is its default)."""
    listed = set(arg) if isinstance(arg, tuple) else {arg}
    allowed = listed if op in ("eq", "in") else set(question.values) - listed
    if not positive:
        allowed = set(question.values) - allowed
    if not allowed:
        return FALSE
    if allowed >= set(question.values):
        return TRUE
    if question.default in allowed:  # true unanswered: only the other values rule it out
        return _join("and", [_test(question.id, "!=", "Coding", items.coding(question, v))
                             for v in question.values if v not in allowed])
    return _join("or", [_test(question.id, "=", "Coding", items.coding(question, v))
                        for v in question.values if v in allowed])


_NEGATED = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _number_test(question: Question, op: str, arg: Any, positive: bool) -> tuple[Expr, bool]:
    """A number: unknown when unanswered, so a comparison fails there, as in the rules."""
    if question.default is not None:  # no number question has one; stay safe if one does
        return TRUE, False
    link = question.id
    if op == "known":
        return _test(link, "exists", "Boolean", bool(arg) == positive), True
    if op in ("eq", "ne"):
        equal = (op == "eq") == positive
        if question.type == "integer" and not float(arg).is_integer():
            return (FALSE if equal else TRUE), True
        return _test(link, "=" if equal else "!=", *_number(question, arg)), True
    if positive:
        return _compare(question, op, arg), True
    # not (x > 5): x <= 5, or x unknown
    return _join("or", [_compare(question, _NEGATED[op], arg),
                        _test(link, "exists", "Boolean", False)]), True


def _compare(question: Question, op: str, arg: Any) -> Expr:
    if question.type == "integer" and not float(arg).is_integer():
        # a whole number against a fraction: age > 44.5 is age >= 45, age < 44.5 age <= 44
        op, arg = ("gte", math.ceil(arg)) if op in ("gt", "gte") else ("lte", math.floor(arg))
    return _test(question.id, _OPERATORS[op], *_number(question, arg))


def _number(question: Question, value: Any) -> tuple[str, Any]:
    if question.type == "integer":
        return "Integer", int(value)
    return "Decimal", int(value) if float(value).is_integer() else value


def fit(expr: Expr, exact: bool = True) -> Fitted:
    """The expanded condition as one level of tests: all of them, or any of them."""
    if expr == TRUE:
        return Fitted([], "all", exact)
    if expr == FALSE:  # never asked: FHIR cannot say "never", so it is shown
        return Fitted([], "all", False)
    if expr[0] == "test":
        return Fitted([expr[1]], "all", exact)
    parts = expr[1]
    if expr[0] == "and":
        tests = [p[1] for p in parts if p[0] == "test"]
        if len(tests) == len(parts):
            return Fitted(tests, "all", exact)
        if tests:  # leave out the parts that do not fit: shown more often
            return Fitted(tests, "all", False)
        return Fitted(_weakest(parts[0]), "any", False)
    tests = [t for p in parts for t in _weakest(p)]
    return Fitted(tests, "any", exact and all(p[0] == "test" for p in parts))


# A conjunction inside `any` is replaced by one of its tests (which it implies): the most
# telling one, a comparison or an equality before `!=` and before `exists`.
_TELLING = {"=": 0, ">": 0, "<": 0, ">=": 0, "<=": 0, "!=": 1, "exists": 2}


def _weakest(expr: Expr) -> list[dict[str, Any]]:
    """Tests whose disjunction holds whenever `expr` does."""
    if expr[0] == "test":
        return [expr[1]]
    if expr[0] == "or":
        return [t for p in expr[1] for t in _weakest(p)]
    tests = [p[1] for p in expr[1] if p[0] == "test"]
    if tests:
        return [min(tests, key=lambda t: _TELLING[t["operator"]])]
    return _weakest(expr[1][0])


def gate_test(link: str) -> Expr:
    """A gate answered yes."""
    return _test(link, "=", "Boolean", True)


def join(op: str, parts: list[Expr]) -> Expr:
    """`and` or `or` of expanded conditions."""
    return _join(op, parts)


def expanded(node: Node | None, items: Items, positive: bool = True) -> tuple[Expr, bool]:
    """A step's condition expanded (None: always asked)."""
    if node is None:
        return (TRUE if positive else FALSE), True
    return expand(node, items, positive)
