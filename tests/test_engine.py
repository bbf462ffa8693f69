"""The engine's hit policies: collect, first (by priority), unique, and otherwise."""

from __future__ import annotations

import pytest

from insertadvisor.engine import run_table
from insertadvisor.errors import RulesetError
from insertadvisor.model import Rule, Table


def rule(rid: str, when: tuple[object, ...], priority: int | None = None) -> Rule:
    return Rule(rid, "t", when, {}, ("src",), "rules/t.yaml", 1, priority)


RULES = (rule("big", ("gte", "n", 10), 1), rule("mid", ("gte", "n", 5), 2),
         rule("rest", ("otherwise",), 3))


@pytest.mark.parametrize(("n", "fired"), [(12, ["big", "mid"]), (7, ["mid"]), (1, ["rest"])])
def test_collect_lists_every_match_and_otherwise_only_alone(n: int, fired: list[str]) -> None:
    table = Table("t", "collect", RULES, "rules/t.yaml", 1)
    assert [r.id for r in run_table(table, {"n": n})] == fired


@pytest.mark.parametrize(("n", "winner"), [(12, "big"), (7, "mid"), (1, "rest")])
def test_first_takes_the_lowest_priority_that_applies(n: int, winner: str) -> None:
    table = Table("t", "first", RULES, "rules/t.yaml", 1)
    assert run_table(table, {"n": n})[0].id == winner


def test_first_with_a_gap_is_a_broken_rule_set() -> None:
    table = Table("t", "first", RULES[:2], "rules/t.yaml", 4)
    with pytest.raises(RulesetError, match=r"rules/t.yaml:4:1: table `t`: no rule applies"):
        run_table(table, {"n": 1})[0]


def test_unique_rejects_overlaps() -> None:
    table = Table("t", "unique", RULES[:2], "rules/t.yaml", 1)
    assert run_table(table, {"n": 7})[0].id == "mid"
    with pytest.raises(RulesetError, match="applied: big, mid"):
        run_table(table, {"n": 12})[0]
