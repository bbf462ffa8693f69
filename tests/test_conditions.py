"""Conditions: evaluation, unknown values, and how they are explained."""

from __future__ import annotations

from typing import Any

import pytest

from insertadvisor.conditions import (
    compile_because,
    compile_node,
    describe,
    facts_used,
    first_failure,
    show_value,
)

FACTS: dict[str, Any] = {"arch": "flat", "pain_weeks": 6, "age": None,
                         "symptoms": frozenset({"fever"}), "foot_factor": True}


@pytest.mark.parametrize(("node", "expected"), [
    (("eq", "arch", "flat"), True),
    (("ne", "arch", "flat"), False),
    (("in", "arch", ("flat", "high")), True),
    (("not_in", "arch", ("flat", "high")), False),
    (("gte", "pain_weeks", 6), True),   # inclusive bound
    (("gt", "pain_weeks", 6), False),   # exclusive bound
    (("lt", "pain_weeks", 6), False),
    (("lte", "pain_weeks", 6), True),
    (("gte", "age", 50), False),        # unknown never triggers a numeric test...
    (("lt", "age", 50), False),         # ...in either direction
    (("known", "age", False), True),
    (("has", "symptoms", "fever"), True),
    (("has_any", "symptoms", ("chest_pain", "fever")), True),
    (("has_all", "symptoms", ("chest_pain", "fever")), False),
    (("has_none", "symptoms", ("chest_pain",)), True),
    (("all", (("eq", "arch", "flat"), ("gte", "pain_weeks", 12))), False),
    (("any", (("eq", "arch", "high"), ("gte", "pain_weeks", 6))), True),
    (("all", (("eq", "arch", "flat"), ("eq", "foot_factor", True), ("lt", "pain_weeks", 7))),
     True),
    (("not", ("eq", "arch", "flat")), False),
    (("always",), True),
])
def test_evaluation(node: tuple[Any, ...], expected: bool) -> None:
    assert compile_node(node)(FACTS) is expected


def test_because_names_the_facts_that_made_it_true() -> None:
    node = ("all", (("in", "arch", ("flat", "high")),
                    ("any", (("gte", "age", 50), ("gte", "pain_weeks", 6)))))
    assert compile_because(node)(FACTS) == ("arch = flat (arch is one of flat, high); "
                                            "pain_weeks = 6 (pain_weeks ≥ 6)")


@pytest.mark.parametrize(("node", "because"), [
    (("not", ("eq", "arch", "high")), "not (arch is high): arch = flat"),
    (("has_any", "symptoms", ("fever", "chest_pain")), "symptoms include any of fever, "
                                                       "chest_pain"),
    (("known", "age", False), "age = unknown"),
    (("always",), "applies to everyone"),
    (("otherwise",), "no other rule in its table applied"),
    (("any", (("eq", "arch", "high"), ("eq", "foot_factor", True))), "foot_factor = true"),
])
def test_because_for_each_kind_of_test(node: tuple[Any, ...], because: str) -> None:
    assert compile_because(node)(FACTS) == because


def test_first_failure_names_the_failing_test_and_the_value() -> None:
    node = ("all", (("eq", "arch", "flat"), ("gte", "pain_weeks", 12)))
    assert first_failure(node, FACTS) == "pain_weeks ≥ 12, but pain_weeks = 6"
    assert first_failure(("eq", "arch", "flat"), FACTS) is None


def test_describe_and_facts_used() -> None:
    node = ("any", (("has", "symptoms", "fever"), ("not", ("known", "age", True))))
    assert describe(node) == "(symptoms include fever or not age is known)"
    assert facts_used(node) == ["symptoms", "age"]


@pytest.mark.parametrize(("value", "shown"), [
    (None, "unknown"), (True, "true"), (5.0, "5"), (4.5, "4.5"),
    (frozenset({"b", "a"}), "{a, b}"), (frozenset(), "none"),
])
def test_show_value(value: Any, shown: str) -> None:
    assert show_value(value) == shown
