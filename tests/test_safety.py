"""Safety properties over random answers (issue 5, part 5), with the default rule set.

The symptom tiers below are copied from clinical-policy.md section 4 on purpose, not read
from the rules: a rule edit that drops a red flag must fail here. Answers are drawn from
every form a person may give (numbers at and around the policy's boundaries, unknowns,
any subset of symptoms), validated by the same path as flags and files, then assessed.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess, checkin, triage_so_far
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Question, Ruleset

EMERGENCY = ("saddle_numbness", "bladder_bowel_change", "both_legs_symptoms", "major_trauma",
             "chest_pain")
URGENT = ("fever", "unexplained_weight_loss", "cancer_history", "leg_weakness",
          "leg_numbness_tingling", "night_pain", "back_deformity", "foot_ulcer")
LEVELS = ("emergency", "urgent", "soon", "routine", "self_care")  # most urgent first
INSERTS = ("otc", "custom", "none", "defer")
# The policy's thresholds: values on and beside them are where mistakes hide.
BOUNDARIES = (0, 2, 4.9, 5, 6, 9.9, 10, 11, 12, 15, 16, 49, 50, 100, 130)

RULESET = load_ruleset(packaged_rules_dir())
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _number(question: Question) -> st.SearchStrategy[Any]:
    low = question.min if question.min is not None else 0
    high = question.max if question.max is not None else 10_000
    near = [b for b in BOUNDARIES if low <= b <= high
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


def test_the_policy_tiers_match_the_questions() -> None:
    """Every symptom named here is one the rule set asks about (a renamed id fails here)."""
    symptoms = next(q for q in RULESET.questions["assess"] if q.id == "symptoms")
    assert set(EMERGENCY) | set(URGENT) <= set(symptoms.choices)
    assert tuple(level.id for level in RULESET.levels) == LEVELS


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
@given(raw=raw_answers("assess"), data=st.data())
def test_an_urgent_symptom_never_gives_less_than_urgent(raw: dict[str, Any],
                                                        data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(URGENT), min_size=1, unique=True))
    raw["symptoms"] = sorted(set(raw.get("symptoms", [])) | set(chosen))
    result = assess(RULESET, valid("assess", raw))
    assert result["triage"] in ("emergency", "urgent")
    assert result["insert"]["type"] == "defer"


@SETTINGS
@given(raw=raw_answers("assess"))
def test_every_answer_set_gets_a_triage_and_an_insert_decision(raw: dict[str, Any]) -> None:
    result = assess(RULESET, valid("assess", raw))
    assert result["triage"] in LEVELS
    assert result["triage_message"]
    assert result["insert"]["type"] in INSERTS
    assert result["insert"]["summary"]
    assert isinstance(result["insert"]["heel_lift"], bool)
    assert result["disclaimer"]
    # the triage is the most urgent referral, and self_care exactly when none applies
    urgencies = [r["urgency"] for r in result["referrals"]]
    expected = min(urgencies, key=LEVELS.index) if urgencies else "self_care"
    assert result["triage"] == expected
    symptoms = set(result["answers"]["symptoms"])
    if symptoms & set(EMERGENCY):
        assert result["triage"] == "emergency"
    elif symptoms & set(URGENT):
        assert result["triage"] == "urgent"


@SETTINGS
@given(raw=raw_answers("assess"))
def test_the_insert_is_defer_exactly_when_triage_is_emergency_or_urgent(
        raw: dict[str, Any]) -> None:
    result = assess(RULESET, valid("assess", raw))
    serious = result["triage"] in ("emergency", "urgent")
    assert (result["insert"]["type"] == "defer") == serious
    if serious:
        assert result["insert"]["heel_lift"] is False
        assert result["insert"]["features"] == []


@SETTINGS
@given(raw=raw_answers("assess"))
def test_a_heel_lift_only_comes_with_an_insert(raw: dict[str, Any]) -> None:
    result = assess(RULESET, valid("assess", raw))
    if result["insert"]["heel_lift"]:
        assert result["insert"]["type"] in ("otc", "custom")
        assert result["answers"]["leg_length_diff_mm"] is not None
        assert result["answers"]["leg_length_diff_mm"] >= 5


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
@given(raw=raw_answers("checkin"))
def test_every_checkin_gets_a_triage_and_stop_means_a_serious_effect(
        raw: dict[str, Any]) -> None:
    result = checkin(RULESET, valid("checkin", raw))
    assert result["triage"] in LEVELS
    effects = set(result["answers"]["effects"])
    assert result["stop_wearing"] == bool(effects & {"numbness_tingling", "increased_pain"})
    if "numbness_tingling" in effects:
        assert result["triage"] in ("emergency", "urgent")
    elif "increased_pain" in effects:
        assert LEVELS.index(result["triage"]) <= LEVELS.index("soon")
