"""`rules diff` counts cells exactly: checked against brute force.

For small rule sets (tests/rulesets/minimal, the check-in of tests/rulesets/v1, and
copies with planted edits), every cell of the joint partition (checker/joint.py: one part
of every variable) is built as answers for each rule set, both real engines run on it,
and each compared outcome's (old, new) pairs are tallied. The tally must be exactly the
differences `diff` reports, cell for cell: none missing, none extra, no count off.

The brute force shares with `diff` only the partition (Joint) and the engine; what is
compared is taken from pipeline.STAGES as docs/rules.md states it (the triage, the insert
type, the heel lift, stop_wearing, and each referral or check-in action, rule by rule, at
its level).
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.checker.diff import Difference, diff
from insertadvisor.checker.joint import Joint, Side
from insertadvisor.checker.partition import Var
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import GAP, STAGES, AnyTrue, Chosen, Fired, MostUrgent, Run, run

from .synthetic import plant

RULESETS = Path(__file__).resolve().parent / "rulesets"
MINIMAL = RULESETS / "minimal"
V1 = RULESETS / "v1"

Key = tuple[str, str, str, Any, Any]  # stage, what, subject, old value, new value


# -- brute force --------------------------------------------------------------------------


def answers_of(side: Side, cell: dict[str, Any], joint: Joint) -> dict[str, Any]:
    """One side's complete answers for a cell: a value question takes its variable's
    part; a set holds the items of each of its classes chosen present."""
    out: dict[str, Any] = {}
    mine = [v for v in joint.vars if v.name in side.names]
    for q in side.questions:
        of_q = [v for v in mine if v.fact == q.id]
        if q.type == "set":
            present: set[str] = set()
            for var in of_q:
                present |= cell[var.name][0]
            out[q.id] = [i for i in q.choices if i in present]
        else:
            (var,) = of_q
            out[q.id] = cell[var.name]
    return out


def outcome_values(ruleset: Ruleset, stage: str, done: Run) -> dict[tuple[str, str], Any]:
    """Every compared outcome of one run, by (what, subject); a fact after a table with a
    gap is GAP, a referral not given is None."""
    out: dict[tuple[str, str], Any] = {}
    tables = ruleset.stage_tables[stage]
    for fact, product in STAGES[stage].products.items():
        if isinstance(product, (MostUrgent, AnyTrue)) or (
                isinstance(product, Chosen) and product.kind in ("insert_type", "bool")):
            out[fact, fact] = done.facts.get(fact, GAP)
        elif isinstance(product, Fired) and product.by_level:
            given = done.facts.get(fact, frozenset())
            for tid in product.tables:
                for rule in tables[tid].rules if tid in tables else ():
                    level = rule.then[product.by_level[tid]]
                    out[fact, rule.id] = level if rule.id in given else None
    return out


def brute_force(old: Ruleset, new: Ruleset, stage: str) -> tuple[Counter[Key], int]:
    """The (old, new) pairs of every outcome that differs, over every cell; and the
    number of cells."""
    joint = Joint(old, new, stage)
    names = [v.name for v in joint.vars]
    tally: Counter[Key] = Counter()
    cells = 0
    for parts in itertools.product(*(v.domain for v in joint.vars)):
        cells += 1
        cell = dict(zip(names, parts, strict=True))
        values = [outcome_values(side.ruleset, stage, run(
            side.ruleset, stage, answers_of(side, cell, joint), tolerant=True))
            for side in (joint.old, joint.new)]
        for what, subject in {**values[0], **values[1]}:
            # a referral only one set has is never given by the other
            a = values[0].get((what, subject))
            b = values[1].get((what, subject))
            if a != b:
                tally[stage, what, subject, a, b] += 1
    return tally, cells


def reported(differences: list[Difference], stage: str) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for d in differences:
        if d.stage != stage:
            continue
        old = d.old["urgency"] if isinstance(d.old, dict) else d.old
        new = d.new["urgency"] if isinstance(d.new, dict) else d.new
        key = (d.stage, d.what, d.subject, old, new)
        assert key not in out, f"reported twice: {key}"
        assert d.cells > 0, d.subject
        out[key] = d.cells
    return out


def assert_counts_exact(old_dir: Path, new_dir: Path,
                        stages: tuple[str, ...] = tuple(STAGES)) -> Counter[Key]:
    old, new = load_ruleset(old_dir), load_ruleset(new_dir)
    report = diff(old, new)
    assert {d.stage for d in report.differences} <= set(STAGES)
    found: Counter[Key] = Counter()
    for stage in stages:
        expected, cells = brute_force(old, new, stage)
        summary = next(s for s in report.stages if s.stage == stage)
        assert summary.cells == cells
        got = reported(report.differences, stage)
        missing = {k: v for k, v in expected.items() if k not in got}
        extra = {k: v for k, v in got.items() if k not in expected}
        wrong = {k: (got[k], v) for k, v in expected.items() if k in got and got[k] != v}
        assert (missing, extra, wrong) == ({}, {}, {}), stage
        found += expected
    return found


# -- planted edits ------------------------------------------------------------------------


def without_rule(base: Path, target: Path, file: str, rule_id: str) -> Path:
    """A copy of `base` with one rule deleted."""
    plant(base, target, [])
    path = target / file
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n      - id: {rule_id}\n") + 1
    # up to the next rule or the next table, whichever comes first
    ends = [e + 1 for e in (text.find("\n      - id:", start), text.find("\n  - id:", start))
            if e >= 0]
    end = min(ends, default=len(text))
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return target


NUMB = "then: {urgency: urgent, to: GP, reason: Numbness.}"
OVER_50 = "when: {age: {gte: 50}}"
SIX_WEEKS = "when: {pain_weeks: {gte: 6}}"
SORE_LATE = "then: {level: routine, to: podiatrist, action: Check the fit.}"
LATE = "weeks_wearing: {gt: 2}"
FOOT_PAIN_ITEM = """      - id: foot_pain
        prompt: Foot pain?
"""
DIZZY_ITEM = FOOT_PAIN_ITEM + """      - id: dizzy
        prompt: Dizzy?
"""
FOOT_PAIN_STEP = "    - item: foot_pain\n"
DIZZY_RULE = """      - id: emergency-dizzy
        when: {symptoms: {has_any: [dizzy, numb]}}
        then: {urgency: soon, to: GP, reason: Dizzy.}
        source: [TEST]
        evidence: guidance
"""

WEIGHT_QUESTION = """  - id: weight
    flag: --weight
    metavar: KG
    type: number
    min: 20
    max: 300
    unknown: true
    prompt: Weight?
    help: Weight in kg.
"""
WEIGHT_RULE = """      - id: routine-heavy
        when: {any: [{weight: {gt: 120}}, {all: [{weight: {gte: 90}}, {pain_weeks: {gt: 5}}]}]}
        then: {urgency: routine, to: GP, reason: Weight.}
        source: [TEST]
        evidence: guidance
"""
AGE_TYPE = """    type: integer
    min: 0
    max: 130
    unknown: true
    prompt: Age?"""
AGE_CHOICE = """    type: choice
    values: [young, adult, old]
    default: adult
    prompt: Age?"""

AGE_STEP = "    - question: age\n"

MINIMAL_EDITS: dict[str, list[tuple[str, str, str]]] = {
    "threshold moved up": [("tables.yaml", OVER_50, OVER_50.replace("50", "55"))],
    "threshold moved down": [("tables.yaml", SIX_WEEKS, SIX_WEEKS.replace("6", "3.5"))],
    "level raised": [("tables.yaml", NUMB, NUMB.replace("urgent", "emergency"))],
    "level lowered": [("tables.yaml", NUMB, NUMB.replace("urgent", "self_care"))],
    "checkin level and threshold": [("checkin.yaml", SORE_LATE, SORE_LATE.replace(
        "routine", "soon")), ("checkin.yaml", LATE, LATE.replace("2", "4"))],
    "item added, unread": [("questions.yaml", FOOT_PAIN_ITEM, DIZZY_ITEM),
                           ("questions.yaml", FOOT_PAIN_STEP,
                            FOOT_PAIN_STEP + "    - item: dizzy\n")],
    "item added, with a rule": [
        ("questions.yaml", FOOT_PAIN_ITEM, DIZZY_ITEM),
        ("questions.yaml", FOOT_PAIN_STEP, FOOT_PAIN_STEP + "    - item: dizzy\n"),
        ("tables.yaml", "      - id: soon-over-50\n", DIZZY_RULE + "      - id: soon-over-50\n")],
    "question added, with a rule": [
        ("questions.yaml", "  - id: weeks_wearing\n", WEIGHT_QUESTION + "  - id: weeks_wearing\n"),
        ("questions.yaml", AGE_STEP, AGE_STEP + "    - question: weight\n"),
        ("tables.yaml", "      - id: soon-over-50\n", WEIGHT_RULE + "      - id: soon-over-50\n")],
    "question type changed": [("questions.yaml", AGE_TYPE, AGE_CHOICE),
                              ("tables.yaml", OVER_50, "when: {age: {in: [old]}}"),
                              ("tables.yaml", "when: {age: {lt: 16}}", "when: {age: young}"),
                              ("tests.yaml", "age: 30}", "age: adult}"),
                              ("tests.yaml", "age: null}", "age: old}")],
    "several at once": [
        ("tables.yaml", OVER_50, OVER_50.replace("50", "40")),
        ("tables.yaml", NUMB, NUMB.replace("urgent", "soon")),
        ("tables.yaml", "pain_weeks: {gte: 12}", "pain_weeks: {gte: 10}")],
}


def test_a_rule_set_against_itself_brute_forces_to_nothing() -> None:
    assert assert_counts_exact(MINIMAL, MINIMAL) == Counter()


@pytest.mark.parametrize("name", list(MINIMAL_EDITS))
def test_counts_match_brute_force_for_a_planted_edit(tmp_path: Path, name: str) -> None:
    new = plant(MINIMAL, tmp_path / "new", MINIMAL_EDITS[name])
    found = assert_counts_exact(MINIMAL, new)
    assert (found == Counter()) == (name == "item added, unread")
    # and the other way round: NEW against OLD gives the same cells, swapped
    back = assert_counts_exact(new, MINIMAL)
    assert back == Counter({(s, w, sub, b, a): n for (s, w, sub, a, b), n in found.items()})


def test_a_fallback_referral_is_counted_when_the_rules_before_it_change(
        tmp_path: Path) -> None:
    """A collect table's `otherwise` holds when no other rule of it does: moving the
    threshold of another rule changes it, though its own words did not change (`diff`
    once took two `otherwise` rules as agreeing and never compared them)."""
    carry_on = "then: {level: self_care, action: Carry on.}"
    old = plant(MINIMAL, tmp_path / "old", [("checkin.yaml", carry_on, carry_on.replace(
        "self_care", "routine, to: GP"))])
    new = plant(old, tmp_path / "new", [("checkin.yaml", LATE, LATE.replace("2", "4"))])
    found = assert_counts_exact(old, new)
    assert any(subject == "checkin-carry-on" for _, _, subject, _, _ in found)


@pytest.mark.parametrize(("file", "rule"), [
    ("tables.yaml", "soon-over-50"),  # a referral
    ("tables.yaml", "insert-custom"),  # a choice
    ("checkin.yaml", "checkin-sore-late"),  # an action
])
def test_counts_match_brute_force_for_a_rule_deleted(tmp_path: Path, file: str,
                                                     rule: str) -> None:
    new = without_rule(MINIMAL, tmp_path / "new", file, rule)
    assert rule not in {r.id for r in load_ruleset(new).all_rules()}
    found = assert_counts_exact(MINIMAL, new)
    assert found
    if rule != "insert-custom":  # a choice's rule is not an outcome; a referral's is
        assert any(subject == rule and b is None for _, _, subject, _, b in found)


V1_CHECKIN_EDITS: dict[str, list[tuple[str, str, str]]] = {
    "threshold moved": [("checkin.yaml", "weeks_wearing: {gte: 6}\n          effects",
                         "weeks_wearing: {gte: 8}\n          effects")],
    "level lowered": [("checkin.yaml", "level: soon\n          stop: true",
                       "level: routine\n          stop: true")],
    "stop dropped": [("checkin.yaml", "level: urgent\n          stop: true",
                      "level: urgent\n          stop: false")],
}


@pytest.mark.parametrize("name", list(V1_CHECKIN_EDITS))
def test_v1_checkin_counts_match_brute_force(tmp_path: Path, name: str) -> None:
    new = plant(V1, tmp_path / "new", V1_CHECKIN_EDITS[name])
    assert assert_counts_exact(V1, new, stages=("checkin",))


def test_v1_checkin_rule_deleted_counts_match_brute_force(tmp_path: Path) -> None:
    new = without_rule(V1, tmp_path / "new", "checkin.yaml", "checkin-fit-problem-early")
    assert assert_counts_exact(V1, new, stages=("checkin",))


# -- random edits -------------------------------------------------------------------------

LEVELS = ["emergency", "urgent", "soon", "routine", "self_care"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(age=st.integers(0, 131), weeks=st.sampled_from([0, 0.5, 3, 5, 5.5, 6, 11, 12, 99, 100]),
       custom=st.integers(0, 101), numb=st.sampled_from(LEVELS),
       sore=st.sampled_from(LEVELS), wearing=st.sampled_from([0, 1, 2, 2.5, 100]))
def test_counts_match_brute_force_for_random_edits(
        tmp_path_factory: pytest.TempPathFactory, age: int, weeks: float, custom: int,
        numb: str, sore: str, wearing: float) -> None:
    """Thresholds (at, between and beyond the constants the other set uses, and at the
    ends of the range) and levels, moved together: the counts stay exact."""
    new = plant(MINIMAL, tmp_path_factory.mktemp("random") / "new", [
        ("tables.yaml", "pain_weeks: {gte: 12}", f"pain_weeks: {{gte: {custom}}}"),
        ("tables.yaml", OVER_50, OVER_50.replace("50", str(age))),
        ("tables.yaml", SIX_WEEKS, SIX_WEEKS.replace("6", str(weeks))),
        ("tables.yaml", NUMB, NUMB.replace("urgent", numb)),
        ("checkin.yaml", SORE_LATE, SORE_LATE.replace("routine", sore)),
        ("checkin.yaml", LATE, LATE.replace("2", str(wearing))),
    ])
    assert_counts_exact(MINIMAL, new)


def test_the_partition_var_domains_are_what_the_brute_force_enumerates() -> None:
    """A guard on the brute force itself: it walks every cell Joint counts."""
    ruleset = load_ruleset(MINIMAL)
    joint = Joint(ruleset, ruleset, "assess")
    domains: list[Var] = joint.vars
    assert brute_force(ruleset, ruleset, "assess") == (Counter(), joint.total)
    assert joint.total == len(list(itertools.product(*(v.domain for v in domains))))
