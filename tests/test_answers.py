"""Answers: one parser for flags, prompts, files and batch records."""

from __future__ import annotations

from typing import Any

import pytest

from insertadvisor.answers import AnswerError, complete, parse_answer, parse_mapping
from insertadvisor.model import Ruleset


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1


def q(ruleset: Ruleset, qid: str, stage: str = "assess") -> Any:
    return ruleset.question(stage, qid)


@pytest.mark.parametrize(("qid", "raw", "expected"), [
    ("arch", "flat", "flat"),
    ("arch", " Flat ", "flat"),
    ("arch", "don't know", "unknown"),
    ("overpronation", True, "yes"),  # YAML 1.1 reads an unquoted yes as true
    ("overpronation", False, "no"),
    ("leg_length_diff_mm", "unknown", None),
    ("leg_length_diff_mm", None, None),
    ("leg_length_diff_mm", "6", 6),
    ("leg_length_diff_mm", "4.5", 4.5),
    ("leg_length_diff_mm", 5.0, 5),
    ("pain_weeks", "0", 0),
    ("age", "42", 42),
    ("age", 42.0, 42),
    ("symptoms", ["night_pain", "fever", "fever"], ["fever", "night_pain"]),
    ("symptoms", None, []),
])
def test_accepted(ruleset: Ruleset, qid: str, raw: Any, expected: Any) -> None:
    value = parse_answer(q(ruleset, qid), raw, "--x")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("qid", "raw", "message"), [
    ("arch", "flatt", "--x: 'flatt' is not one of flat, normal, high, unknown "
                      "(did you mean `flat`?)"),
    ("arch", True, "--x: expected one of flat, normal, high, unknown, got True"),
    ("pain_weeks", "unknown", "--x: expected a number; unknown is not accepted here"),
    ("pain_weeks", "-2", "--x: -2 is out of range; give a value from 0 to 5200 weeks"),
    ("pain_weeks", "nan", "--x: expected a finite number, got 'nan'"),
    ("pain_weeks", "inf", "--x: expected a finite number, got 'inf'"),
    ("pain_weeks", "1e400", "--x: expected a finite number, got '1e400'"),
    ("pain_weeks", 10**400, "--x: 1" + "0" * 400 + " is out of range"),
    ("pain_weeks", "three", "--x: expected a number, got 'three'"),
    ("pain_weeks", True, "--x: expected a number, got True"),
    ("age", "41.5", "--x: expected a whole number, got '41.5'"),
    ("symptoms", "fever", "--x: expected a list of ids, got 'fever'"),
    ("symptoms", ["fevr"], "--x: unknown symptoms id 'fevr' (did you mean `fever`?)"),
    ("symptoms", [3], "--x: expected ids of symptoms, got 3"),
])
def test_rejected(ruleset: Ruleset, qid: str, raw: Any, message: str) -> None:
    with pytest.raises(AnswerError) as info:
        parse_answer(q(ruleset, qid), raw, "--x")
    assert str(info.value).startswith(message)


def test_unknown_keys_are_rejected_with_a_suggestion(ruleset: Ruleset) -> None:
    with pytest.raises(AnswerError, match=r"unknown key 'painweeks' \(did you mean `pain_weeks`"):
        parse_mapping(ruleset.questions["assess"], {"painweeks": 3}, "file")


def test_complete_fills_optional_answers(ruleset: Ruleset) -> None:
    given = {"arch": "flat", "overpronation": "no", "leg_length_diff_mm": None, "pain_weeks": 2}
    assert complete(ruleset.questions["assess"], given) == {
        **given, "symptoms": [], "age": None, "tried_otc_weeks": None, "footwear": "unknown"}


def test_complete_names_every_missing_flag(ruleset: Ruleset) -> None:
    with pytest.raises(AnswerError, match="pass --overpronation, --pain-weeks"):
        complete(ruleset.questions["assess"], {"arch": "flat", "leg_length_diff_mm": 3})


_PLAIN_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SHORT_WHOLE = r"[+-]?[0-9]{1,15}"


def test_numbers_are_recognised_by_hand_exactly_as_by_the_regular_expressions() -> None:
    """The hot path reads a number flag without `re` (answers.is_plain_decimal and
    is_short_whole): they accept exactly what the expressions they replace accepted."""
    import random
    import re

    from insertadvisor.answers import is_plain_decimal, is_short_whole

    rng = random.Random(11)
    alphabet = "0123456789+-.eE _x²٣ 1"
    texts = ["", "+", "-", ".", "1.", ".5", "+.5e-3", "1e", "1e+", "e5", "1.2.3", "١٢",
             "1_000", "0x10", "inf", "1E5", "--1", "1e5e5", "9" * 15, "9" * 16, "+" + "9" * 15]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
              for _ in range(20_000)]
    for text in texts:
        assert is_plain_decimal(text) == bool(re.fullmatch(_PLAIN_DECIMAL, text)), text
        assert is_short_whole(text) == bool(re.fullmatch(_SHORT_WHOLE, text)), text


@pytest.mark.parametrize("raw", ["three", True, "nan", "inf", "1e400", "unknown", "4.5", [3],
                                 {"weeks": 3}, "½"])
@pytest.mark.parametrize("qid", ["pain_weeks", "age"])
def test_every_refused_number_says_the_range_and_unit_to_give(ruleset: Ruleset, qid: str,
                                                             raw: Any) -> None:
    """Each way a number can be refused names what to give instead: the range, its unit,
    and (when it was not a number at all) that digits are wanted."""
    question = q(ruleset, qid)
    try:
        parse_answer(question, raw, "--x")
    except AnswerError as exc:
        message = str(exc)
    else:  # a number of weeks may have a fraction; an age may be unknown
        assert (qid, raw) == ("pain_weeks", "4.5") or (raw == "unknown" and question.unknown)
        return
    assert f"give a value from {question.min} to {question.max} {question.unit}" in message, \
        message
    if raw not in ("4.5",) and not (isinstance(raw, str) and raw == "unknown" and
                                    question.unknown):
        assert "in digits" in message, message
