"""A collect table with many rules in range on one number looks them up by the value
(ranges.py): the engine fires exactly what testing every rule would, and tests only a few."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from insertadvisor.engine import run_table
from insertadvisor.model import Rule, Table
from insertadvisor.ranges import RANGED_MIN, RangeIndex, number_range

CONSTANTS = st.sampled_from([0, 1, 2.5, 3, 6, 10, 12, 50, 52.5, 100])
OPS = st.sampled_from(["gt", "gte", "lt", "lte"])


def _rule(number: int, when: tuple[Any, ...]) -> Rule:
    return Rule(f"r{number}", "t", when, {"text": f"r{number}"}, ("TEST",), "t.yaml", number)


@st.composite
def _conditions(draw: st.DrawFn) -> tuple[Any, ...]:
    """A condition on x: a comparison, a band, or either with other parts beside it."""
    leaves: list[tuple[Any, ...]] = [(draw(OPS), "x", draw(CONSTANTS))
                                     for _ in range(draw(st.integers(1, 3)))]
    others: list[list[tuple[Any, ...]]] = [
        [], [("ne", "y", "b")], [("has_none", "s", ("i",))],
        [("any", (("lt", "x", 1), ("eq", "y", "b")))]]
    extra = draw(st.sampled_from(others))
    if draw(st.booleans()) and len(leaves) == 1 and not extra:
        return leaves[0]
    return ("all", tuple(leaves + extra))


VALUES = st.one_of(st.none(), CONSTANTS, st.floats(-5, 120, allow_nan=False),
                   st.integers(-5, 120))


@settings(max_examples=300, deadline=None)
@given(st.lists(_conditions(), min_size=RANGED_MIN, max_size=40), VALUES,
       st.sampled_from(["a", "b"]), st.booleans())
def test_the_engine_fires_what_testing_every_rule_fires(conditions: list[tuple[Any, ...]],
                                                        x: Any, y: str, item: bool) -> None:
    rules = tuple(_rule(i, c) for i, c in enumerate(conditions))
    table = Table("t", "collect", rules, "t.yaml", 1)
    assert "x" in table.ranged  # the lookup is in use
    facts = {"x": x, "y": y, "s": frozenset({"i"}) if item else frozenset()}
    assert run_table(table, facts) == [r for r in rules if r.test(facts)]


def test_a_band_is_found_among_a_few() -> None:
    bands = [(k, k, k + 3) for k in range(400)]
    index = RangeIndex([(p, lo, hi) for p, lo, hi in bands])
    for value in (0, 17, 17.5, 200, 399, 402.5):
        found = index.holding(value)
        assert sorted(found) == [p for p, lo, hi in bands if lo <= value <= hi]
        assert len(found) <= 4
    assert index.holding(None) == []  # unknown: no comparison holds


def test_thresholds_are_found_by_a_bisection_and_nested_ranges_cost_no_more_than_them(
        ) -> None:
    lower = RangeIndex([(k, k, None) for k in range(1000)])
    assert sorted(lower.holding(9.5)) == list(range(10))
    nested = RangeIndex([(k, 0, k) for k in range(1000)])  # every range holds the low end
    assert sum(len(slot) for slot in nested.grid) <= 1000  # not a million slots
    assert set(nested.holding(999)) >= {999}


def test_a_range_is_read_from_a_condition_or_the_parts_of_its_all() -> None:
    assert number_range(("gte", "x", 3)) == ("x", 3, None)
    assert number_range(("all", (("gte", "x", 3), ("lt", "x", 6), ("eq", "y", "a")))) == \
        ("x", 3, 6)
    assert number_range(("any", (("gte", "x", 3), ("eq", "y", "a")))) is None
    assert number_range(("not", ("gte", "x", 3))) is None
    assert number_range(("eq", "x", 3)) is None


def test_a_table_with_few_rules_in_range_tests_them_all() -> None:
    rules = tuple(_rule(i, ("gte", "x", i)) for i in range(RANGED_MIN - 1))
    table = Table("t", "collect", rules, "t.yaml", 1)
    assert table.ranged == {} and len(table.unguarded) == len(rules)
    first = Table("f", "first", tuple(_rule(i, ("gte", "x", i)) for i in range(40)), "f", 1)
    assert first.ranged == {}  # a first-hit table is read in order anyway
