"""`rules check`: the prover finds planted gaps, overlaps, shadowed rules and invariant
violations, each with answers that really show it; and it agrees with brute force."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insertadvisor.checker import Finding, check, number_points, violates
from insertadvisor.conditions import evaluate
from insertadvisor.errors import RulesetError
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Question, Ruleset
from insertadvisor.pipeline import run

from .conftest import run_cli
from .synthetic import plant

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"
V1 = Path(__file__).resolve().parent / "rulesets" / "v1"  # fixed: mistakes are planted in it


def planted(base: Path, tmp_path: Path, edits: list[tuple[str, str, str]]) -> Ruleset:
    return load_ruleset(plant(base, tmp_path / "planted", edits), use_cache=False)


def kinds(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.kind, f.subject) for f in findings}


# -- the default and minimal rule sets pass ---------------------------------------------


def test_the_default_rules_pass(ruleset: Ruleset) -> None:
    report = check(ruleset)
    assert [f.message for f in report.findings] == []
    assert report.ok
    assert {s.stage for s in report.stages} == {"assess", "checkin"}
    assert report.invariants == [i.id for i in ruleset.invariants]
    for stage in report.stages:
        # every threshold the rules compare a number with is a point of the partition
        for q in ruleset.questions[stage.stage]:
            if q.type in ("number", "integer"):
                for constant in thresholds(ruleset, stage.stage, q.id):
                    if (q.min is None or constant >= q.min) and \
                            (q.max is None or constant <= q.max) and \
                            (q.type == "number" or float(constant).is_integer()):
                        assert constant in stage.points[q.id], (q.id, constant)
                assert (None in stage.points[q.id]) == q.unknown


def thresholds(ruleset: Ruleset, stage: str, fact: str) -> set[float]:
    """Every constant a condition of the stage compares `fact` with."""
    from insertadvisor.checker.partition import conditions
    from insertadvisor.conditions import NUMERIC_OPS, leaves

    return {leaf[2] for node in conditions(ruleset, stage) for leaf in leaves(node)
            if leaf[1] == fact and leaf[0] in NUMERIC_OPS}


def test_the_minimal_rules_pass() -> None:
    assert check(load_ruleset(MINIMAL, use_cache=False)).findings == []


# -- planted failures in the default rules ----------------------------------------------

GAP = [("inserts.yaml", "        priority: 7\n        when: always",
        "        priority: 7\n        when: {arch: normal}")]
OVERLAP = [("inserts.yaml", "  - id: heel_lift\n    hit_policy: first",
            "  - id: heel_lift\n    hit_policy: unique"),
           ("inserts.yaml",
            "        priority: 2\n        when: always\n        then: {heel_lift: false}",
            "        priority: 2\n        when: {leg_length_diff_mm: {lte: 5}}\n"
            "        then: {heel_lift: false}")]
SHADOWED = [("inserts.yaml", "        priority: 2\n        when: {age: {lt: 16}}",
             "        priority: 8\n        when: {age: {lt: 16}}")]
VIOLATION = [("triage.yaml", "        when: {symptoms: {has: chest_pain}}\n        then:\n"
              "          urgency: emergency",
              "        when: {symptoms: {has: chest_pain}}\n        then:\n"
              "          urgency: urgent")]


def _assess_facts(ruleset: Ruleset, answers: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    done = run(ruleset, "assess", answers)
    return done.facts, {r.id for r in done.all_fired()}


def test_a_planted_gap_is_found_with_answers_that_fall_through(tmp_path: Path) -> None:
    ruleset = planted(V1, tmp_path, GAP)
    findings = check(ruleset).findings
    gap = next(f for f in findings if f.kind == "gap")
    assert gap.subject == "insert"
    assert gap.counterexample is not None
    with pytest.raises(RulesetError, match="table `insert`: no rule applies"):
        run(ruleset, "assess", gap.counterexample)
    assert violates(ruleset, gap)
    assert not violates(ruleset, Finding("gap", "", 1, "insert", "", {
        **gap.counterexample, "arch": "flat"}))  # a foot factor: a rule applies


def test_a_planted_overlap_is_found_with_answers_two_rules_match(tmp_path: Path) -> None:
    ruleset = planted(V1, tmp_path, OVERLAP)
    findings = check(ruleset).findings
    overlap = next(f for f in findings if f.kind == "overlap")
    assert overlap.subject == "heel_lift"
    assert "heel-lift-for-lld, heel-lift-not-needed" in overlap.message
    with pytest.raises(RulesetError, match="applied: heel-lift-for-lld, heel-lift-not-needed"):
        run(ruleset, "assess", overlap.counterexample or {})
    # lte 5 leaves unknown leg lengths uncovered: a gap in the same table
    gap = next(f for f in findings if f.kind == "gap")
    assert gap.counterexample is not None and gap.counterexample["leg_length_diff_mm"] is None


def test_a_planted_shadowed_rule_is_found_with_answers_where_another_rule_wins(
        tmp_path: Path) -> None:
    ruleset = planted(V1, tmp_path, SHADOWED)
    findings = check(ruleset).findings
    shadowed = next(f for f in findings if f.kind == "shadowed")
    assert shadowed.subject == "insert-none-child"
    rule = next(r for r in ruleset.tables["insert"].rules if r.id == "insert-none-child")
    facts, fired = _assess_facts(ruleset, shadowed.counterexample or {})
    assert rule.test(facts) and rule.id not in fired  # it applies, yet never wins
    assert violates(ruleset, shadowed)
    # moving the child rule last also breaks the invariant that protects children
    assert ("invariant", "children-never-get-inserts") in kinds(findings)


def test_a_planted_invariant_violation_is_found_with_a_counterexample(
        tmp_path: Path) -> None:
    ruleset = planted(V1, tmp_path, VIOLATION)
    findings = check(ruleset).findings
    assert kinds(findings) == {("invariant", "emergency-symptom-gives-emergency")}
    finding = findings[0]
    invariant = next(i for i in ruleset.invariants if i.id == finding.subject)
    facts, _ = _assess_facts(ruleset, finding.counterexample or {})
    assert evaluate(invariant.when, facts) and not evaluate(invariant.expect, facts)
    assert facts["triage"] == "urgent"
    assert "got triage = urgent" in finding.message
    assert violates(ruleset, finding)


@pytest.mark.parametrize(("edits", "status"), [(GAP, 3), (VIOLATION, 0)])
def test_counterexamples_are_answers_that_assess_accepts(
        tmp_path: Path, edits: list[tuple[str, str, str]], status: int) -> None:
    ruleset = planted(V1, tmp_path, edits)
    finding = check(ruleset).findings[0]
    result = run_cli(["assess", "--json", "--answers", "-", "--rules", str(tmp_path / "planted")],
                     stdin=json.dumps(finding.counterexample))
    assert result.status == status, result.stderr  # 3: the gap stops the engine
    if status == 0:
        assert json.loads(result.stdout)["triage"] == "urgent"


# -- the prover agrees with brute force on the minimal rule set -------------------------

MUTATIONS = {
    "none": [],
    "gap": [("tables.yaml", "        priority: 5\n        when: always",
             "        priority: 5\n        when: {arch: normal}")],
    "violation": [("tables.yaml", "{urgency: emergency,", "{urgency: urgent,")],
    "defer-last": [("tables.yaml", "        priority: 1\n        when: {triage:",
                    "        priority: 6\n        when: {triage:")],
    "impossible": [("tables.yaml", "{age: {lt: 16}}", "{age: {lt: 0}}")],
    "unique-gap": [("tables.yaml", "  - id: heel_lift\n    hit_policy: first",
                    "  - id: heel_lift\n    hit_policy: unique"),
                   ("tables.yaml", "        priority: 1\n        when: always\n"
                    "        then: {heel_lift: false}",
                    "        priority: 1\n        when: {pain_weeks: {gte: 6}}\n"
                    "        then: {heel_lift: false}")],
    "threshold-moved": [("tables.yaml", "{age: {gte: 50}}", "{age: {gte: 14.5}}")],
    "never-true": [("derived.yaml", "{arch: flat}", "{all: [{arch: flat}, {arch: normal}]}")],
    "checkin": [("checkin.yaml", "{level: urgent, stop: true,", "{level: soon, stop: true,")],
    "checkin-otherwise": [("checkin.yaml", "{effects: {has: tingling}}",
                           "{not: {effects: {has: sore}}}")],
    # has_all over two items, checked by an invariant that needs only one of them
    "has-all": [("tables.yaml", "{symptoms: {has: numb}}",
                 "{symptoms: {has_all: [numb, foot_pain]}}"),
                ("invariants.yaml", "  - id: tingling-stops",
                 "  - id: numb-is-urgent\n    applies_to: assess\n"
                 "    when: {symptoms: {has: numb}}\n"
                 "    expect: {triage: {in: [emergency, urgent]}}\n"
                 "    source: [TEST]\n    evidence: guidance\n"
                 "  - id: tingling-stops")],
    "has-none-under-not": [("tables.yaml", "{symptoms: {has: foot_pain}}",
                            "{not: {symptoms: {has_none: [foot_pain, numb]}}}")],
    # an exclusive bound breaks an invariant only at the threshold itself (12 weeks)
    "exclusive-bound": [("tables.yaml", "pain_weeks: {gte: 12}", "pain_weeks: {gt: 12}"),
                        ("invariants.yaml", "  - id: tingling-stops",
                         "  - id: chronic-flat-feet-custom\n    applies_to: assess\n"
                         "    when: {arch: flat, age: {gte: 16}, pain_weeks: {gte: 12},\n"
                         "           triage: {not_in: [emergency, urgent]}}\n"
                         "    expect: {insert: custom}\n"
                         "    source: [TEST]\n    evidence: guidance\n"
                         "  - id: tingling-stops")],
}
CLEAN = {"none", "threshold-moved", "has-none-under-not"}
PAIN = [0, 0.5, 1, 5, 5.5, 6, 6.5, 7, 11, 11.5, 12, 12.5, 13, 100]
AGES = [None, 0, 1, 13, 14, 15, 16, 17, 49, 50, 51, 130]


def _subsets(items: tuple[str, ...]) -> list[list[str]]:
    return [list(c) for n in range(len(items) + 1) for c in itertools.combinations(items, n)]


def brute_force(ruleset: Ruleset) -> set[tuple[str, str]]:
    """Every answer set of a dense grid, through the real engine: what is wrong?"""
    found: set[tuple[str, str]] = set()
    fired: set[str] = set()
    stage_answers: dict[str, list[dict[str, Any]]] = {
        "assess": [{"arch": a, "pain_weeks": p, "symptoms": s, "age": g}
                   for a in ("flat", "normal", "unknown") for p in PAIN
                   for s in _subsets(("red_flag", "numb", "foot_pain")) for g in AGES],
        "checkin": [{"weeks_wearing": w, "effects": e} for w in (0, 1, 2, 2.5, 3, 100)
                    for e in _subsets(("tingling", "sore"))],
    }
    for stage, all_answers in stage_answers.items():
        for answers in all_answers:
            try:
                done = run(ruleset, stage, answers)
            except RulesetError as exc:
                table = exc.problems[0].message.split("`")[1]
                found.add(("overlap" if "applied:" in exc.problems[0].message
                           and "none" not in exc.problems[0].message.split("applied:")[1]
                           else "gap", table))
                continue
            fired |= {r.id for r in done.all_fired()}
            for inv in ruleset.invariants:
                if inv.applies_to == stage and evaluate(inv.when, done.facts) \
                        and not evaluate(inv.expect, done.facts):
                    found.add(("invariant", inv.id))
    for rule in ruleset.derived["assess"]:
        if rule.id not in fired:
            found.add(("never_true", rule.id))
    for declared in ruleset.tables.values():
        found |= {("shadowed", r.id) for r in declared.rules if r.id not in fired}
    return found


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_prover_agrees_with_brute_force(name: str, tmp_path: Path) -> None:
    ruleset = planted(MINIMAL, tmp_path, MUTATIONS[name])
    findings = check(ruleset).findings
    assert kinds(findings) == brute_force(ruleset)
    assert (name in CLEAN) == (not findings)
    for finding in findings:
        if finding.kind not in ("shadowed", "never_true"):
            assert finding.counterexample is not None


# -- the partition of numbers -----------------------------------------------------------


def _number(kind: str = "number", low: float | None = 0, high: float | None = 100,
            unknown: bool = False) -> Question:
    return Question("x", kind, "--x", "N", "x?", "x", min=low, max=high, unknown=unknown)


def test_points_cover_each_threshold_and_each_side_of_it() -> None:
    assert number_points(_number(), {6, 12}) == [0, 6, 7, 12, 13]
    assert number_points(_number(unknown=True), {5}) == [None, 0, 5, 6]
    assert number_points(_number(), set()) == [0]


def test_points_respect_bounds_and_whole_numbers() -> None:
    assert number_points(_number("integer", 0, 130), {16, 50}) == [0, 16, 17, 50, 51]
    # a threshold at the minimum or beyond the maximum adds no impossible point
    assert number_points(_number(low=0, high=10), {0, 10, 20}) == [0, 1, 10]
    # between two close thresholds, a point strictly inside
    assert number_points(_number(), {6, 6.5}) == [0, 6, 6.25, 6.5, 7.5]
    # whole numbers cannot sit between 15.5 and 16
    assert number_points(_number("integer"), {15.5, 16}) == [0, 16, 17]
    assert number_points(_number(low=None, high=None), {3}) == [2, 3, 4]


# -- and on the default rules: random answers never break what check proved -------------


def _answers(ruleset: Ruleset) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for q in ruleset.questions["assess"]:
        if q.type == "set":
            parts[q.id] = st.lists(st.sampled_from(q.choices), unique=True)
        elif q.type == "choice":
            parts[q.id] = st.sampled_from(q.values)
        else:
            low, high = q.min or 0, q.max or 1000
            number = st.integers(int(low), int(high)) if q.type == "integer" else st.one_of(
                st.integers(int(low), 20), st.floats(low, high, allow_nan=False))
            parts[q.id] = st.one_of(st.none(), number) if q.unknown else number
    return st.fixed_dictionaries(parts)


def test_random_answers_keep_every_invariant_of_the_default_rules(ruleset: Ruleset) -> None:
    @settings(max_examples=300, deadline=None)
    @given(_answers(ruleset))
    def keeps(answers: dict[str, Any]) -> None:
        facts = run(ruleset, "assess", answers).facts  # no gap: the engine never raises
        for inv in ruleset.invariants:
            if inv.applies_to == "assess" and evaluate(inv.when, facts):
                assert evaluate(inv.expect, facts), inv.id

    keeps()


def test_reordered_levels_are_refused_before_any_check(tmp_path: Path) -> None:
    """`soon` made more urgent than `emergency` once sent the search through millions of
    cases; the level ids and their order are the JSON contract's, so the validator now
    refuses such a rule set outright."""
    text = (V1 / "ruleset.yaml").read_text(encoding="utf-8")
    swapped = text.replace("  - id: emergency\n", "  - id: @@\n").replace(
        "  - id: soon\n", "  - id: emergency\n").replace("  - id: @@\n", "  - id: soon\n")
    target = plant(V1, tmp_path / "planted", [])
    (target / "ruleset.yaml").write_text(swapped, encoding="utf-8")
    with pytest.raises(RulesetError, match="the levels must be emergency, urgent, soon, "
                                           "routine, self_care, most urgent first"):
        load_ruleset(target, use_cache=False)
