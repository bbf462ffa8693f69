"""Answers mean what a person wrote (reliability issue, items 1-5).

1. numbers are base ten (YAML 1.1 would read `060` as octal 48);
2. a JSON object that gives a key twice is refused, naming the key;
3. numbers are parsed exactly: never rounded across a range limit, a whole-number check or
   a rule's threshold;
4. "don\u2019t know" (U+2019) with any apostrophe a keyboard or phone types means unknown;
5. an error that points to a schema names the schema of the stage being answered.

Each item has its examples, then a property or table test over the whole class.
"""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.answers import (
    APOSTROPHES,
    JSON_DECODER,
    SCHEMAS,
    AnswerError,
    DuplicateKey,
    is_unknown_word,
    parse_answer,
    parse_mapping,
)
from insertadvisor.answers_file import parse_text
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Question
from insertadvisor.rules_io.yaml_loader import YamlProblem, load

from .conftest import CORE_FLAGS, V1, run_cli
from .synthetic import plant

RULES = packaged_rules_dir()
RULESET = load_ruleset(RULES)
ASSESS = RULESET.questions["assess"]
NUMBERS = [q for stage in RULESET.questions.values() for q in stage
           if q.type in ("number", "integer")]
GOOD = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 3}
PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _one_error(result: Any, *fragments: str) -> str:
    assert result.status == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return str(lines[0])


def _answers_from(text: str) -> dict[str, Any]:
    result = run_cli(["assess", "--answers", "-", "--json"], text)
    assert result.status == 0, result.stderr
    return dict(json.loads(result.stdout)["answers"])


def _batch(lines: list[str], *args: str) -> list[dict[str, Any]]:
    result = run_cli(["batch", *args], "\n".join(lines) + "\n")
    return [json.loads(line) for line in result.stdout.splitlines()]


# --- 1. base ten --------------------------------------------------------------------------

def test_yaml_060_is_sixty_and_010_is_ten() -> None:
    answers = _answers_from("arch: flat\noverpronation: yes\nleg_length_diff_mm: 0\n"
                            "pain_weeks: 010\nage: 060\n")
    assert (answers["age"], answers["pain_weeks"]) == (60, 10)


def test_a_rule_file_reads_base_ten_too() -> None:
    assert load("gte: 010\nlt: -007\n") == {"gte": 10, "lt": -7}


def _padded(question: Question) -> st.SearchStrategy[tuple[int, str]]:
    low, high = int(question.min or 0), int(question.max or 10_000)
    return st.tuples(st.integers(low, high), st.integers(0, 4), st.sampled_from(["", "+"])) \
        .map(lambda t: (t[0], f"{t[2] if t[0] >= 0 else '-'}{'0' * t[1]}{abs(t[0])}"))


@PROPERTY
@given(st.sampled_from(NUMBERS).flatmap(lambda q: st.tuples(st.just(q), _padded(q))))
def test_any_zero_padded_whole_number_means_itself_from_every_source(
        case: tuple[Question, tuple[int, str]]) -> None:
    """A flag, a YAML value, a quoted JSON value, a CSV cell: `0060` is 60 everywhere."""
    question, (number, text) = case
    assert parse_answer(question, text, "flag") == number  # flags and CSV cells are text
    from_yaml = load(f"{question.id}: {text}\n", decimals=True)[question.id]
    assert parse_answer(question, from_yaml, "yaml") == number
    quoted = JSON_DECODER.decode(json.dumps({question.id: text}))[question.id]
    assert parse_answer(question, quoted, "json") == number
    decimal = f"{text}.50" if question.type == "number" else None  # and with a fraction
    if decimal is not None and number + 0.5 <= (question.max or 10_000):
        value = load(f"x: {decimal}\n", decimals=True)["x"]
        assert parse_answer(question, value, "yaml") == number + (0.5 if number >= 0 else -0.5)


# --- 2. duplicate keys in JSON --------------------------------------------------------------

DUPLICATED = ('{"arch":"flat","overpronation":"yes","leg_length_diff_mm":0,"pain_weeks":3,'
              '"symptoms":["saddle_numbness"],"symptoms":[]}')


def test_a_duplicate_key_in_a_json_answers_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "me.json"
    path.write_text(DUPLICATED)
    _one_error(run_cli(["assess", "--answers", str(path), "--json"]),
               f"--answers {path}: duplicate key 'symptoms'")
    _one_error(run_cli(["assess", "--answers", "-", "--json"], DUPLICATED),
               "--answers stdin: duplicate key 'symptoms'; give each answer once")


def test_a_duplicate_key_in_a_batch_line_is_that_line_s_error() -> None:
    out = _batch([json.dumps(GOOD), DUPLICATED, json.dumps(GOOD)])
    assert [o["kind"] for o in out] == ["assessment", "error", "assessment"]
    assert out[1]["error"] == "line 2: duplicate key 'symptoms'; give each answer once"


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200),
                         st.sampled_from(["flat", "yes", "unknown", "fever"]),
                         st.lists(st.sampled_from(["fever", "saddle_numbness"]), max_size=2))


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from([q.id for q in ASSESS]), json_scalars),
                min_size=1, max_size=8),
       st.data())
def test_any_object_with_a_repeated_key_is_refused_naming_it(
        pairs: list[tuple[str, Any]], data: st.DataObject) -> None:
    """Whatever the keys and values, and however deep the repeat, it is refused everywhere."""
    key, value = data.draw(st.sampled_from(pairs)), data.draw(json_scalars)
    spot = data.draw(st.integers(0, len(pairs)))
    pairs = [*pairs[:spot], (key[0], value), *pairs[spot:]]
    names = [k for k, _ in pairs]
    first_repeat = next(k for i, k in enumerate(names) if k in names[:i])
    text = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}"
    with pytest.raises(AnswerError, match=f"duplicate key '{first_repeat}'"):
        parse_text(text, "x")
    (line,) = _batch([text])
    assert line["kind"] == "error" and f"duplicate key '{first_repeat}'" in line["error"]
    nested = '{"arch": "flat", "symptoms": [' + text + "]}"  # deep in the object, too
    with pytest.raises(DuplicateKey):
        JSON_DECODER.decode(nested)


# --- 3. exact numbers -----------------------------------------------------------------------

@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--age", "15.9999999999999999", "--age: expected a whole number, got "
                                     "'15.9999999999999999'"),
    ("--age", "16.0000000000000001", "--age: expected a whole number"),
    ("--leg-length-diff", "4.99999999999999999", "'4.99999999999999999' has more digits than "
                                                 "a number can be compared with exactly; "
                                                 "round it to at most 15 significant digits"),
    ("--leg-length-diff", "100.0000000000000001", "--leg-length-diff: 100.0000000000000001 is "
                                                  "out of range; give a value from 0 to 100"),
    ("--pain-weeks", "-0.0000000000000000001", "--pain-weeks: -1e-19 is out of range"),
    ("--pain-weeks", "11.999999999999999999", "has more digits than"),
])
def test_numbers_are_never_rounded_into_acceptance(flag: str, value: str,
                                                   message: str) -> None:
    args = list(CORE_FLAGS)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    _one_error(run_cli(["assess", "--json", "--no-input", *args]), message)


@pytest.mark.parametrize("text", [
    '{{"arch":"flat","overpronation":"yes","leg_length_diff_mm":0,"pain_weeks":3,"age":{}}}',
])
@pytest.mark.parametrize("number", ["15.9999999999999999", "1.59999999999999999e1"])
def test_json_and_yaml_numbers_are_exact_too(text: str, number: str) -> None:
    _one_error(run_cli(["assess", "--answers", "-", "--json"], text.format(number)),
               "`age`: expected a whole number")
    yaml_text = "arch: flat\noverpronation: yes\nleg_length_diff_mm: 0\npain_weeks: 3\n" \
                f"age: {number}\n"
    _one_error(run_cli(["assess", "--answers", "-", "--json"], yaml_text),
               "`age`: expected a whole number")
    (line,) = _batch([text.format(number)])
    assert "`age`: expected a whole number" in line["error"]


def test_long_but_exact_numbers_are_accepted_as_written() -> None:
    answers = _answers_from('{"arch":"flat","overpronation":"yes","pain_weeks":3,'
                            '"leg_length_diff_mm":4.50000000000000000000,'
                            '"age":1.6000000000000000000e1}')
    assert (answers["leg_length_diff_mm"], answers["age"]) == (4.5, 16)
    (line,) = _batch(['{"arch":"flat","overpronation":"yes","pain_weeks":12.000000000000000001,'
                      '"leg_length_diff_mm":0}'])
    assert "has more digits than" in line["error"]


def _thresholds(fact: str) -> set[float]:
    """Every constant the shipped rules compare `fact` with, read from the YAML itself."""
    found: set[float] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == fact and isinstance(value, dict):
                    found.update(v for op, v in value.items()
                                 if op in ("gt", "gte", "lt", "lte", "eq", "ne")
                                 and isinstance(v, (int, float)) and not isinstance(v, bool))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(RULES.glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def _limits(question: Question) -> set[float]:
    return {v for v in (question.min, question.max) if v is not None}


CUTS = {q.id: sorted(_thresholds(q.id) | _limits(q)) for q in NUMBERS}


def test_the_thresholds_were_found() -> None:
    assert {5, 10} <= set(CUTS["leg_length_diff_mm"]) and 16 in CUTS["age"]


@st.composite
def near_a_cut(draw: st.DrawFn) -> tuple[Question, str]:
    """Decimal text at, just beside or far beside a threshold, written in any plain way."""
    question = draw(st.sampled_from(NUMBERS))
    cut = Decimal(repr(draw(st.sampled_from(CUTS[question.id]))))
    offset = draw(st.integers(-9, 9)) * Decimal(10) ** -draw(st.integers(0, 30))
    value = cut + offset
    zeros = "0" * draw(st.integers(0, 3))
    text = format(value, "f")
    if draw(st.booleans()) and "." in text:
        text += zeros
    if draw(st.booleans()):  # exponent form of the same number
        text = f"{value.scaleb(-2):f}e2"
    return question, text


def _same_order(value: float, exact: Decimal, cuts: list[float]) -> None:
    for cut in cuts:
        written = Decimal(repr(cut))  # the threshold as the rule file writes it
        assert (value > cut) == (exact > written)
        assert (value >= cut) == (exact >= written)
        assert (value == cut) == (exact == written)


def _accepted(question: Question, exact: Decimal) -> bool:
    """The specification: in range, whole where whole is asked for, and either whole or a
    number a float holds exactly (its shortest form is the number written)."""
    in_range = (question.min is None or exact >= Decimal(repr(question.min))) and \
        (question.max is None or exact <= Decimal(repr(question.max)))
    whole = exact == exact.to_integral_value()
    exact_float = Decimal(repr(float(exact))) == exact
    return in_range and (whole or (question.type == "number" and exact_float))


@PROPERTY
@given(near_a_cut())
def test_no_number_is_ever_rounded_across_a_threshold(case: tuple[Question, str]) -> None:
    """From a flag, a JSON file, a YAML file or a batch record: an accepted number compares
    with every threshold and limit exactly as the number written does; a refused one is
    one the specification refuses."""
    question, text = case
    exact = Decimal(text)
    sources = [text, JSON_DECODER.decode(f'{{"v": {_json(text)}}}')["v"]]
    if "." in text:  # YAML reads a number with a point as a float (here: a Decimal)
        sources.append(load(f"v: {text}\n", decimals=True)["v"])
    for raw in sources:
        try:
            value = parse_answer(question, raw, "v")
        except AnswerError:
            assert not _accepted(question, exact), (text, raw)
            continue
        assert _accepted(question, exact), (text, raw, value)
        assert isinstance(value, int) or Decimal(repr(value)) == exact
        assert Decimal(value) == exact if isinstance(value, int) else True
        _same_order(value, exact, CUTS[question.id])


def _json(text: str) -> str:
    """The same number as JSON writes it: no leading + or zeros, digits both sides of `.`."""
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text.lstrip("+"))
    mantissa, _, exponent = body.partition("e")
    whole, _, fraction = mantissa.partition(".")
    whole = whole.lstrip("0") or "0"
    out = f"{sign}{whole}" + (f".{fraction}" if fraction else "")
    return out + (f"e{exponent}" if exponent else "")


# --- 4. apostrophes -------------------------------------------------------------------------

def _lookalikes() -> list[str]:
    """Every character Unicode names as an apostrophe or a single quotation mark, prime or
    accent: what keyboards, phones and word processors put in "don't"."""
    names = ("APOSTROPHE", "SINGLE HIGH-REVERSED-9 QUOTATION MARK", "PRIME",
             "MODIFIER LETTER PRIME", "MODIFIER LETTER TURNED COMMA",
             "MODIFIER LETTER REVERSED COMMA", "GRAVE ACCENT", "ACUTE ACCENT")
    out = []
    for code in range(0x30000):
        name = unicodedata.name(chr(code), "")
        if (name in names or name.endswith((" APOSTROPHE", " SINGLE QUOTATION MARK"))) \
                and "DOUBLE" not in name and "PRECEDED BY" not in name \
                and unicodedata.category(chr(code)) != "Cf":
            out.append(chr(code))
    return out


LOOKALIKES = _lookalikes()
UNKNOWABLE = [q for stage in RULESET.questions.values() for q in stage
              if (q.type == "choice" and "unknown" in q.values)
              or (q.type in ("number", "integer") and q.unknown)]


def test_a_typographic_apostrophe_means_do_not_know() -> None:
    args = [*CORE_FLAGS, "--age", "don\u2019t know", "--footwear", "Don\u2019t know"]
    args[args.index("--leg-length-diff") + 1] = "don\u2019t know"
    result = run_cli(["assess", "--json", "--no-input", *args])
    assert result.status == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert (answers["leg_length_diff_mm"], answers["age"], answers["footwear"]) == \
        (None, None, "unknown")
    from_file = _answers_from("arch: don\u2019t know\noverpronation: don\u2019t know\n"
                              "leg_length_diff_mm: don\u2019t know\npain_weeks: 3\n")
    assert (from_file["arch"], from_file["overpronation"]) == ("unknown", "unknown")


def test_the_known_lookalikes_are_all_handled() -> None:
    assert {"\u2019", "\u2018", "\u02bc", "\uff07"} <= set(LOOKALIKES)
    assert set(LOOKALIKES) - {"'"} <= set(APOSTROPHES)


@PROPERTY
@given(st.sampled_from(UNKNOWABLE), st.sampled_from(LOOKALIKES),
       st.sampled_from(["don{}t know", "Don{}t Know", "DON{}T KNOW", "  don{}t   know "]))
def test_any_apostrophe_in_do_not_know_means_unknown(question: Question, apostrophe: str,
                                                     form: str) -> None:
    words = form.format(apostrophe)
    assert is_unknown_word(words)
    expected = "unknown" if question.type == "choice" else None
    assert parse_answer(question, words, "x") == expected
    assert parse_answer(question, form.format("'"), "x") == expected  # same as ASCII


# --- 5. the schema a message points to ------------------------------------------------------

def test_an_empty_effect_points_to_the_check_in_schema() -> None:
    _one_error(run_cli(["checkin", "--weeks-wearing", "2", "--effect", "", "--json",
                        "--no-input"]),
               "--effect: an empty effects id; see `insertadvisor schema checkin-answers`")
    line = _one_error(run_cli(["checkin", "--weeks-wearing", "2", "--effect", "improve",
                               "--no-input"]), "(did you mean `improved`?)")
    assert "schema checkin-answers" in line


def _command(stage: str) -> list[str]:
    return ["assess", "--json", "--no-input", *CORE_FLAGS] if stage == "assess" else \
        ["checkin", "--json", "--no-input", "--weeks-wearing", "2"]


SET_QUESTIONS = [(stage, q) for stage, questions in RULESET.questions.items()
                 for q in questions if q.type == "set"]


@pytest.mark.parametrize(("stage", "question"), SET_QUESTIONS,
                         ids=[f"{s}-{q.id}" for s, q in SET_QUESTIONS])
@pytest.mark.parametrize("bad", ["", "nonsense", "\u2019"])
def test_every_stage_s_errors_point_to_its_own_schema(stage: str, question: Question,
                                                      bad: str) -> None:
    """Each set question of each stage, from a flag, a file and the core: the schema named
    is the stage's, and that schema lists the ids."""
    name = SCHEMAS[stage]
    pointer = f"see `insertadvisor schema {name}` for the list"
    with pytest.raises(AnswerError, match=f"; {pointer}$".replace("`", ".")):
        parse_mapping(RULESET.questions[stage], {question.id: [bad]}, "x", stage=stage)
    assert pointer in _one_error(run_cli([*_command(stage), question.flag, bad]))
    text = json.dumps({question.id: [bad]})
    assert pointer in _one_error(run_cli([*_command(stage), "--answers", "-"], text))
    schema = run_cli(["schema", name])
    assert schema.status == 0
    assert set(question.choices) <= set(schema.stdout.replace('"', " ").split())


def test_a_rule_threshold_that_no_float_holds_is_refused(tmp_path: Path) -> None:
    """The other half of the exactness: a threshold is exactly the number its file shows,
    or the rule set is refused (a rounded 4.99999999999999999 would be 5)."""
    rules_copy = plant(V1, tmp_path / "rules", [])
    derived = rules_copy / "derived.yaml"
    text = derived.read_text()
    assert text.count("leg_length_diff_mm: {gte: 5}") == 1
    derived.write_text(text.replace("leg_length_diff_mm: {gte: 5}",
                                    "leg_length_diff_mm: {gte: 4.99999999999999999}"))
    result = run_cli(["assess", "--json", "--no-input", *CORE_FLAGS, "--rules",
                      str(rules_copy)])
    assert result.status == 3 and result.stdout == ""
    assert "derived.yaml:9:37: the number 4.99999999999999999 has more digits than can be " \
           "held exactly" in result.stderr


@PROPERTY
@given(st.integers(0, 40), st.integers(0, 40), st.sampled_from(["", "e+3", "e-7"]),
       st.data())
def test_a_rule_file_number_is_exactly_what_it_shows_or_refused(
        before: int, after: int, exponent: str, data: st.DataObject) -> None:
    digits = data.draw(st.text(alphabet="0123456789", min_size=before + after + 1,
                               max_size=before + after + 1))
    text = f"{digits[:before + 1]}.{digits[before + 1:]}{exponent}"
    try:
        value = load(f"x: {text}\n")["x"]
    except YamlProblem as exc:
        assert "has more digits than can be held exactly" in exc.message or \
            "too large" in exc.message
        assert Decimal(repr(float(text))) != Decimal(text) or float(text) == float("inf")
    else:
        assert isinstance(value, float) and Decimal(repr(value)) == Decimal(text)
