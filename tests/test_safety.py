"""Safety properties over random answers, with the default rule set.

One check here is independent of the rules on purpose: EMERGENCY below is written out by
hand, not read from the rules, so a rule edit that drops one of these red flags fails
here even if it also drops its invariant. Everything else is read from the rule set: the
thresholds the answers are drawn around, and the invariants that must hold. Answers are
drawn from every form a person may give (numbers at and around the rules' thresholds,
unknowns, any subset of symptoms), validated by the same path as flags and files, then
assessed.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess, checkin, triage_so_far
from insertadvisor.checker.partition import conditions
from insertadvisor.conditions import NUMERIC_OPS, evaluate, leaves
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import INSERT_TYPES, LEVEL_IDS, Question, Ruleset
from insertadvisor.pipeline import run

# The independent safety check: cauda equina, serious injury and chest pain are
# emergencies whatever else is answered (NHS back-pain advice: call 999).
EMERGENCY = ("saddle_numbness", "bladder_bowel_change", "both_legs_symptoms", "major_trauma",
             "chest_pain")

RULESET = load_ruleset(packaged_rules_dir())


def _thresholds(question: Question) -> list[float]:
    """The constants the rules compare this number with, and a hair either side."""
    found = {leaf[2] for stage in question.stages for node in conditions(RULESET, stage)
             for leaf in leaves(node) if leaf[1] == question.id and leaf[0] in NUMERIC_OPS}
    near = {v + d for v in found for d in (-1, -0.1, 0, 0.1, 1)}
    return sorted(near | {0})
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _number(question: Question) -> st.SearchStrategy[Any]:
    low = question.min if question.min is not None else 0
    high = question.max if question.max is not None else 10_000
    near = [b for b in _thresholds(question) if low <= b <= high
            and (question.type == "number" or float(b).is_integer())]
    whole = st.integers(int(low), int(high))
    options: list[st.SearchStrategy[Any]] = [st.sampled_from(near), whole]
    if question.type == "number":
        options.append(st.floats(low, high, allow_nan=False, allow_infinity=False))
    if question.unknown:
        options += [st.none(), st.just("unknown")]
    return st.one_of(options)


def _answer(question: Question) -> st.SearchStrategy[Any]:
    if question.type == "set":
        return st.lists(st.sampled_from(question.choices), unique=True)
    if question.type == "choice":
        return st.sampled_from(question.values)
    return _number(question)


def raw_answers(stage: str, ruleset: Ruleset = RULESET) -> st.SearchStrategy[dict[str, Any]]:
    """Answers as a file or a batch record would hold them; optional facts may be left out."""
    questions = ruleset.questions[stage]
    required = {q.id: _answer(q) for q in questions if q.required}
    optional = {q.id: _answer(q) for q in questions if not q.required}
    return st.fixed_dictionaries(required, optional=optional)


def valid(stage: str, raw: dict[str, Any]) -> dict[str, Any]:
    questions = RULESET.questions[stage]
    return complete(questions, parse_mapping(questions, raw, "answers"))


def test_the_independent_emergency_list_names_questions_the_rules_ask() -> None:
    """A renamed id fails here, instead of the checks below passing vacuously."""
    symptoms = RULESET.question("assess", "symptoms")
    assert set(EMERGENCY) <= set(symptoms.choices)


@SETTINGS
@given(raw=raw_answers("assess"), data=st.data())
def test_an_emergency_symptom_always_gives_emergency(raw: dict[str, Any],
                                                     data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(EMERGENCY), min_size=1, unique=True))
    raw["symptoms"] = sorted(set(raw.get("symptoms", [])) | set(chosen))
    result = assess(RULESET, valid("assess", raw))
    assert result["triage"] == "emergency"
    assert result["insert"]["type"] == "defer"
    assert any(r["urgency"] == "emergency" for r in result["referrals"])


@SETTINGS
@given(data=st.data())
def test_an_emergency_is_seen_as_soon_as_it_is_answered(data: st.DataObject) -> None:
    """The prompts' early warning: any partial answers with an emergency symptom."""
    questions = RULESET.questions["assess"]
    partial = {q.id: data.draw(_answer(q)) for q in questions
               if q.type != "set" and data.draw(st.booleans())}
    partial = parse_mapping(questions, partial, "so far")
    partial["symptoms"] = data.draw(st.lists(st.sampled_from(EMERGENCY), min_size=1,
                                             unique=True))
    now = triage_so_far(RULESET, partial)
    assert now["triage"] == "emergency"
    assert now["referrals"]


@SETTINGS
@given(raw=raw_answers("assess"))
def test_every_answer_set_gets_a_triage_and_an_insert_decision(raw: dict[str, Any]) -> None:
    result = assess(RULESET, valid("assess", raw))
    assert result["triage"] in LEVEL_IDS
    assert result["triage_message"]
    assert result["insert"]["type"] in INSERT_TYPES
    assert result["insert"]["summary"]
    assert isinstance(result["insert"]["heel_lift"], bool)
    assert result["disclaimer"]
    # the triage is the most urgent referral, and self_care exactly when none applies
    urgencies = [r["urgency"] for r in result["referrals"]]
    expected = min(urgencies, key=LEVEL_IDS.index) if urgencies else LEVEL_IDS[-1]
    assert result["triage"] == expected
    assert [r["urgency"] for r in result["referrals"]] == sorted(urgencies,
                                                                 key=LEVEL_IDS.index)
    # the prompts' early warning agrees with the whole assessment
    assert triage_so_far(RULESET, result["answers"])["triage"] == result["triage"]


def _holds(stage: str, raw: dict[str, Any]) -> None:
    facts = run(RULESET, stage, valid(stage, raw)).facts
    for inv in RULESET.invariants:
        if inv.applies_to == stage and inv.kind == "expect" and evaluate(inv.when, facts):
            assert evaluate(inv.expect, facts), inv.id


@SETTINGS
@given(raw=raw_answers("assess"))
def test_random_assessments_keep_every_invariant(raw: dict[str, Any]) -> None:
    """What rules check proves over the partition, seen again on random answers."""
    _holds("assess", raw)


@SETTINGS
@given(raw=raw_answers("checkin"))
def test_random_checkins_keep_every_invariant(raw: dict[str, Any]) -> None:
    _holds("checkin", raw)
    result = checkin(RULESET, valid("checkin", raw))
    assert result["triage"] in LEVEL_IDS
    assert isinstance(result["stop_wearing"], bool)
