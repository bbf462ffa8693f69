"""`rules check`, round two: an invariant that can never apply is reported, not counted as
holding (issue 13)."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insertadvisor.checker import check
from insertadvisor.conditions import Node, evaluate
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Invariant, Ruleset
from insertadvisor.pipeline import run

from .conftest import run_cli
from .synthetic import plant

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"


def _invariant(name: str, when: str, expect: str = "{insert: defer}") -> tuple[str, str, str]:
    """An edit adding an invariant to the minimal rule set."""
    return ("invariants.yaml", "  - id: tingling-stops",
            f"  - id: {name}\n    applies_to: assess\n    when: {when}\n"
            f"    expect: {expect}\n    source: [TEST]\n    evidence: guidance\n"
            "  - id: tingling-stops")


def _alone(name: str, when: str) -> tuple[str, str, str]:
    return ("invariants.yaml", "  - id: tingling-stops",
            f"  - id: {name}\n    applies_to: assess\n    when: {when}\n"
            "    alone:\n      fact: symptoms\n      levels:\n"
            "        emergency: [red_flag]\n        urgent: [numb]\n"
            "        self_care: [foot_pain]\n"
            "    source: [TEST]\n    evidence: guidance\n  - id: tingling-stops")


def _check(tmp_path: Path, *edits: tuple[str, str, str]) -> tuple[Path, Any]:
    where = plant(MINIMAL, tmp_path / "planted", list(edits))
    return where, check(load_ruleset(where, use_cache=False))


# -- the example: a `when` that contradicts itself ------------------------------------------


def test_an_invariant_that_can_never_apply_is_reported(tmp_path: Path) -> None:
    where, report = _check(tmp_path, _invariant("never", "{age: {lt: 10, gt: 20}}"))
    assert [(f.kind, f.subject) for f in report.findings] == [("never_applies", "never")]
    finding = report.findings[0]
    assert "invariant `never` never applies in assess" in finding.message
    assert finding.counterexample is None
    result = run_cli(["rules", "check", str(where)])
    assert result.status == 3
    assert "    never: NEVER APPLIES (its when is never true)" in result.stdout
    assert "all 4 invariants hold" not in result.stdout
    assert "FAILED: 1 problem" in result.stdout
    assert "invariants.yaml:" in result.stderr and "never applies" in result.stderr
    data = json.loads(run_cli(["rules", "check", "--json", str(where)]).stdout)
    assert data["ok"] is False
    assert [p["kind"] for p in data["problems"]] == ["never_applies"]


def test_an_any_when_is_reported_once_and_only_if_every_part_is_impossible(
        tmp_path: Path) -> None:
    """`when: {any: [...]}` is proved part by part, but applies if any part can be true."""
    _, report = _check(tmp_path / "a", _invariant(
        "split", "{any: [{age: {lt: 0}}, {age: {gt: 200}}]}"))
    assert [(f.kind, f.subject) for f in report.findings] == [("never_applies", "split")]
    _, report = _check(tmp_path / "b", _invariant(
        "half", "{any: [{age: {lt: 0}}, {age: {gt: 20}}]}", "{triage: {in: [emergency, "
        "urgent, soon, routine, self_care]}}"))
    assert report.findings == []


def test_an_alone_invariant_is_reported_once_with_the_items_it_never_checks(
        tmp_path: Path) -> None:
    _, report = _check(tmp_path / "a", _alone("lone", "{symptoms: {has: numb}}"))
    assert [(f.kind, f.subject) for f in report.findings] == [("never_applies", "lone")]
    finding = report.findings[0]
    assert "with `red_flag`, `foot_pain` alone" in finding.message
    assert finding.parts == ("lone:red_flag", "lone:foot_pain")
    _, report = _check(tmp_path / "b", _alone("lone", "{age: {lt: 0}}"))
    assert [(f.kind, f.subject) for f in report.findings] == [("never_applies", "lone")]
    assert "with any one item alone" in report.findings[0].message
    _, report = _check(tmp_path / "c", _alone(
        "lone", "{age: {gte: 20, lt: 50}, pain_weeks: {lt: 6}}"))
    assert report.findings == []


def test_a_monotone_invariant_that_never_applies_is_reported(tmp_path: Path) -> None:
    edit = ("invariants.yaml", "  - id: tingling-stops",
            "  - id: mono\n    applies_to: assess\n    when: {age: {lt: 0}}\n"
            "    monotone: symptoms\n    source: [TEST]\n    evidence: guidance\n"
            "  - id: tingling-stops")
    _, report = _check(tmp_path, edit)
    assert [(f.kind, f.subject) for f in report.findings] == [("never_applies", "mono")]


def test_the_default_and_fixture_rules_have_no_idle_invariant(ruleset: Ruleset) -> None:
    assert [f for f in check(ruleset).findings if f.kind == "never_applies"] == []


# -- the class: the checker says "never applies" exactly when no answer makes `when` true --

PAIN = [0, 2.5, 3, 3.5, 6, 6.5, 12, 12.5, 100]  # around every constant below
AGES = [None, 0, 15, 16, 17, 49, 50, 51, 130]
SYMPTOMS = ("red_flag", "numb", "foot_pain")


def _grid() -> list[dict[str, Any]]:
    subsets = [list(c) for n in range(4) for c in itertools.combinations(SYMPTOMS, n)]
    return [{"arch": a, "pain_weeks": p, "symptoms": s, "age": g}
            for a in ("flat", "normal", "unknown") for p in PAIN for s in subsets
            for g in AGES]


LEAVES: list[Node] = [
    ("eq", "arch", "flat"), ("eq", "arch", "normal"), ("ne", "arch", "unknown"),
    ("gte", "pain_weeks", 6), ("lt", "pain_weeks", 3), ("gt", "pain_weeks", 12),
    ("lt", "age", 16), ("gte", "age", 50), ("known", "age", True), ("known", "age", False),
    ("has", "symptoms", "numb"), ("has", "symptoms", "red_flag"),
    ("has_none", "symptoms", ("numb", "foot_pain")), ("has_all", "symptoms", SYMPTOMS),
    ("eq", "triage", "emergency"), ("in", "triage", ("soon", "routine")),
    ("eq", "insert", "custom"), ("eq", "foot_factor", True), ("eq", "heel_lift", True),
]


def _conditions(depth: int = 3) -> st.SearchStrategy[Node]:
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(["all", "any"]),
                      st.lists(inner, min_size=1, max_size=3).map(tuple)),
            st.tuples(st.just("not"), inner)),
        max_leaves=depth * 2)


@pytest.fixture(scope="module")
def minimal_runs() -> tuple[Ruleset, list[dict[str, Any]]]:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    return ruleset, [run(ruleset, "assess", answers).facts for answers in _grid()]


@settings(max_examples=60, deadline=None)
@given(when=_conditions())
def test_never_applies_exactly_when_no_answer_makes_when_true(
        minimal_runs: tuple[Ruleset, list[dict[str, Any]]], when: Node) -> None:
    base, facts = minimal_runs
    ruleset = copy.copy(base)
    ruleset.invariants = (Invariant("probe", "assess", when, ("always",), "TEST",
                                    "minimal/invariants.yaml", 1),)
    findings = check(ruleset).findings
    possible = any(evaluate(when, f) for f in facts)
    assert [(f.kind, f.subject) for f in findings] == ([] if possible else
                                                       [("never_applies", "probe")])


# -- `rules validate/check/test --json` say so on stdout when the rule set is invalid ------

BROKEN = ("ruleset.yaml", "name: minimal", "name: [minimal]")


@pytest.mark.parametrize("command", ["validate", "check", "test"])
def test_json_commands_print_a_json_failure_for_an_invalid_rule_set(
        tmp_path: Path, command: str) -> None:
    where = plant(MINIMAL, tmp_path / "planted", [BROKEN])
    result = run_cli(["rules", command, "--json", str(where)])
    assert result.status == 3
    data = json.loads(result.stdout)
    assert data["kind"] == f"rules-{command}" and data["ok"] is False
    assert data["problems"] and all({"file", "line", "column", "message"} <= set(p)
                                    for p in data["problems"])
    assert "problem" in result.stderr


# -- a test name or an id cannot split or disguise a line of output -----------------------

NASTY = ["\n", "\r", "\x1b[2K", "\u202e", "\u2028", "\u200f", "\x00", "\t", "\x85"]


@pytest.mark.parametrize("char", NASTY)
def test_a_test_name_with_a_line_breaking_character_is_refused(tmp_path: Path,
                                                                char: str) -> None:
    name = json.dumps(f"red{char}flag: forged.yaml:1:1: all good")
    where = plant(MINIMAL, tmp_path / "planted",
                  [("tests.yaml", "- name: red flag", f"- name: {name}")])
    result = run_cli(["rules", "validate", str(where)])
    assert result.status == 3
    assert "the name of a test case must be printable text on one line" in result.stderr
    assert all(line.count("tests.yaml:") <= 1 for line in result.stderr.splitlines())
    assert not any(line.startswith("forged") or " flag: forged" in line
                   for line in result.stderr.splitlines())


@pytest.mark.parametrize("char", [*NASTY, "é", " ", "/"])
def test_an_id_with_anything_but_plain_characters_is_refused(tmp_path: Path,
                                                              char: str) -> None:
    new = json.dumps(f"red{char}flag")
    where = plant(MINIMAL, tmp_path / "planted",
                  [("invariants.yaml", "id: red-flag-is-emergency", f"id: {new}")])
    result = run_cli(["rules", "validate", str(where)])
    assert result.status == 3
    assert "may hold only letters, digits" in result.stderr
    assert len(result.stderr.splitlines()) == 2  # the problem, the count: nothing split


def test_one_line_keeps_every_problem_on_one_line() -> None:
    from insertadvisor.errors import one_line

    for code in range(0x110000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or not char.isprintable():
            shown = one_line(f"a{char}b")
            assert shown.isprintable() and len(f"x{shown}".splitlines()) == 1


def test_a_rule_set_path_with_a_non_utf8_byte_is_shown_escaped(tmp_path: Path) -> None:
    import os

    base = os.fsencode(tmp_path) + b"/rules-\xff"
    os.makedirs(base)
    where = plant(MINIMAL, Path(os.fsdecode(base)) / "set", [BROKEN])
    result = run_cli(["rules", "validate", "--json", str(where)])
    assert result.status == 3
    assert "rules-\\xff" in result.stderr
    assert "rules-\\xff" in json.loads(result.stdout)["directory"]
    ok = run_cli(["rules", "validate", str(plant(MINIMAL, Path(os.fsdecode(base)) / "ok", []))])
    assert ok.status == 0 and "rules-\\xff" in ok.stdout
