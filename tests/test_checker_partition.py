"""The partition `rules check` and `rules diff` search is sound: every answer set decides
exactly as its cell's representative does.

The proofs try one answer set per cell (partition.py); they prove something about all
answers only if no condition the engine evaluates tells two answers of a cell apart. This
property test draws answers from the whole domain, maps each to its cell's representative
(a point of the partition with the same result for every leaf the partition was built
from), and runs both through the engine: every fact the pipeline adds must agree. A
condition the partition missed, or a point chosen on the wrong side of a threshold,
would show here as a difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.checker.partition import Var, build_vars, conditions, leaves_by_fact
from insertadvisor.conditions import SET_OPS, Node, compile_node
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Question, Ruleset
from insertadvisor.pipeline import STAGES, run

from .conftest import V1


def _numbers(q: Question, constants: list[float]) -> st.SearchStrategy[Any]:
    """Any allowed value, with the thresholds and their neighbours drawn often."""
    low = q.min if q.min is not None else -1000
    high = q.max if q.max is not None else 1000
    near = [c + d for c in constants for d in (-1, -0.5, 0, 0.25, 1) if low <= c + d <= high]
    if q.type == "integer":
        near = [int(v) for v in near if float(v).is_integer()]
        number: st.SearchStrategy[Any] = st.one_of(st.integers(int(low), int(high)),
                                                   st.sampled_from(near or [int(low)]))
    else:
        number = st.one_of(st.floats(low, high, allow_nan=False), st.integers(int(low), 60),
                           st.sampled_from(near or [low]))
    return st.one_of(st.none(), number) if q.unknown else number


def _answers(ruleset: Ruleset, stage: str) -> st.SearchStrategy[dict[str, Any]]:
    by_fact = leaves_by_fact(conditions(ruleset, stage))
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for q in ruleset.questions[stage]:
        if q.type == "set":
            parts[q.id] = st.lists(st.sampled_from(q.choices), unique=True)
        elif q.type == "choice":
            parts[q.id] = st.sampled_from(q.values)
        else:
            constants = [float(leaf[2]) for leaf in by_fact.get(q.id, [])
                         if isinstance(leaf[2], (int, float)) and not isinstance(leaf[2], bool)]
            parts[q.id] = _numbers(q, constants)
    return st.fixed_dictionaries(parts)


def _signature(tests: list[Any], fact: str, value: Any) -> tuple[Any, ...]:
    return tuple(test({fact: value}) for test in tests)


def _representative(ruleset: Ruleset, stage: str, variables: list[Var],
                    leaves: dict[str, list[Node]], answers: dict[str, Any]) -> dict[str, Any]:
    """The answers of the partition's point in the same cell: each value the first point
    every leaf on its fact treats alike; each set's items by their classes."""
    out: dict[str, Any] = {}
    for q in ruleset.questions[stage]:
        tests = [compile_node(leaf) for leaf in leaves.get(q.id, [])]
        value = answers[q.id]
        if q.type != "set":
            var = next(v for v in variables if v.fact == q.id)
            wanted = _signature(tests, q.id, value)
            point = next((p for p in var.domain if _signature(tests, q.id, p) == wanted),
                         _MISSING)
            assert point is not _MISSING, (q.id, value, var.domain)
            out[q.id] = point
            continue
        chosen = frozenset(value)
        items: set[str] = set()
        for var in (v for v in variables if v.fact == q.id):
            inside = chosen & var.items
            if not inside:
                continue
            some = [present for present, _ in var.domain if present and present != var.items]
            items |= var.items if inside == var.items or not some else some[0]
        out[q.id] = [i for i in q.choices if i in items]
        set_tests = [t for t, leaf in zip(tests, leaves.get(q.id, []), strict=True)
                     if leaf[0] in SET_OPS]
        assert _signature(set_tests, q.id, frozenset(items)) == \
            _signature(set_tests, q.id, chosen), (q.id, value, out[q.id])
    return out


_MISSING: Any = object()


def _decided(ruleset: Ruleset, stage: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Every fact the stage adds (derived facts and the products of its steps)."""
    done = run(ruleset, stage, answers, tolerant=True)
    added = [*(r.id for r in ruleset.derived[stage]), *STAGES[stage].products]
    return {fact: done.facts.get(fact) for fact in added} | {"stopped": done.stopped}


@pytest.mark.parametrize("stage", ["assess", "checkin"])
@pytest.mark.parametrize("where", [V1, None], ids=["v1", "default"])
def test_every_answer_set_decides_as_its_cells_representative(
        where: Path | None, stage: str, ruleset: Ruleset) -> None:
    chosen = ruleset if where is None else load_ruleset(where)
    variables = build_vars(chosen, stage)
    leaves = leaves_by_fact(conditions(chosen, stage))

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_answers(chosen, stage))
    def agrees(answers: dict[str, Any]) -> None:
        shown = _representative(chosen, stage, variables, leaves, answers)
        assert _decided(chosen, stage, answers) == _decided(chosen, stage, shown), \
            (answers, shown)

    agrees()
