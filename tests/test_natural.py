"""Natural answers: units, fillers, "not sure" and "help", read with the real units.yaml."""

from __future__ import annotations

import copy
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from insertadvisor.answers import AnswerError, parse_answer
from insertadvisor.natural import Quantity, Units, classify_reply, load_units, read_quantity

REPO = Path(__file__).resolve().parent.parent
UNITS_FILE = REPO / "rules" / "units.yaml"
DATA: dict[str, Any] = yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))
UNITS: Units = load_units(DATA)
CANONICAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")


def number_question(unit: str, low: float | None = None, high: float | None = None) -> Any:
    """What parse_answer reads of a number question (the model is refactored elsewhere)."""
    return SimpleNamespace(type="number", unknown=False, min=low, max=high, unit=unit)


def answer(text: str, unit: str, low: float | None = 0, high: float | None = 5200) -> Any:
    """A prompt's path: read a quantity, else hand parse_answer the text as typed."""
    quantity = read_quantity(text, unit, UNITS)
    return parse_answer(number_question(unit, low, high),
                        quantity.text if quantity else text, "")


# --- what is read, what is recorded, what is echoed -------------------------------------

@pytest.mark.parametrize(("text", "unit", "recorded", "echo"), [
    # lengths: millimetres as typed, centimetres and inches converted
    ("10mm", "mm", "10", ""),
    ("10 mm", "mm", "10", ""),
    ("10 MM", "mm", "10", ""),
    ("8 millimetres.", "mm", "8", ""),
    ("about 8mm", "mm", "8", ""),
    ("About 8 mm", "mm", "8", ""),
    ("~8mm", "mm", "8", ""),
    ("~ 8 mm", "mm", "8", ""),
    ("approx. 8 mm", "mm", "8", ""),
    ("roughly 8", "mm", "8", ""),
    ("8.25 mm", "mm", "8.25", ""),  # the canonical unit is recorded as typed: no rounding
    ("1cm", "mm", "10", "1 cm = 10 mm"),
    ("1 cm", "mm", "10", "1 cm = 10 mm"),
    ("1.5 cm", "mm", "15", "1.5 cm = 15 mm"),
    ("1,5cm", "mm", "15", "1,5 cm = 15 mm"),
    ("0,5 cm", "mm", "5", "0,5 cm = 5 mm"),
    ("0.05 cm", "mm", "0.5", "0.05 cm = 0.5 mm"),
    ("0.025 cm", "mm", "0.3", "0.025 cm = about 0.3 mm"),  # a half rounds away from zero
    ("2 centimetres", "mm", "20", "2 cm = 20 mm"),
    ('2"', "mm", "50.8", "2 in = 50.8 mm"),
    ('2 "', "mm", "50.8", "2 in = 50.8 mm"),
    ("2\u201d", "mm", "50.8", "2 in = 50.8 mm"),
    ("2 in", "mm", "50.8", "2 in = 50.8 mm"),
    ("2in.", "mm", "50.8", "2 in = 50.8 mm"),
    ("2 inches", "mm", "50.8", "2 in = 50.8 mm"),
    ("1 inch", "mm", "25.4", "1 in = 25.4 mm"),
    ("0.25 in", "mm", "6.4", "0.25 in = about 6.4 mm"),
    # bare numbers: the question's unit, as today; a decimal comma is read
    ("0,5", "mm", "0.5", ""),
    ("8.5", "mm", "8.5", ""),
    ("8.50", "mm", "8.5", ""),
    (".5", "mm", "0.5", ""),
    ("5.", "mm", "5", ""),
    ("007", "mm", "7", ""),
    ("1,2345", "mm", "1.2345", ""),  # not three digits after the comma: a decimal comma
    ("1.000", "mm", "1", ""),  # a point is always a decimal point, as parse_answer reads it
    ("+4", "mm", "4", ""),
    # durations: weeks as typed; days, months and years converted (a month is 52/12 weeks)
    ("6 weeks", "weeks", "6", ""),
    ("6wks", "weeks", "6", ""),
    ("6 wk", "weeks", "6", ""),
    ("1 week", "weeks", "1", ""),
    ("6", "weeks", "6", ""),
    ("0", "weeks", "0", ""),
    ("3 months", "weeks", "13", "3 months = 13 weeks"),
    ("3months", "weeks", "13", "3 months = 13 weeks"),
    ("3 Months.", "weeks", "13", "3 months = 13 weeks"),
    ("  3   months  ", "weeks", "13", "3 months = 13 weeks"),
    ("3\u00a0months", "weeks", "13", "3 months = 13 weeks"),
    ("for about 3 months", "weeks", "13", "3 months = 13 weeks"),
    ("3 mths", "weeks", "13", "3 months = 13 weeks"),
    ("18 months", "weeks", "78", "18 months = 78 weeks"),
    ("1 month", "weeks", "4.3", "1 month = about 4.3 weeks"),
    ("2 months", "weeks", "8.7", "2 months = about 8.7 weeks"),
    ("12 months", "weeks", "52", "12 months = 52 weeks"),
    ("1 year", "weeks", "52", "1 year = 52 weeks"),
    ("2 years", "weeks", "104", "2 years = 104 weeks"),
    ("2 yrs", "weeks", "104", "2 years = 104 weeks"),
    ("1.5 years", "weeks", "78", "1.5 years = 78 weeks"),
    ("10 days", "weeks", "1.4", "10 days = about 1.4 weeks"),
    ("7 days", "weeks", "1", "7 days = 1 week"),
    ("1 day", "weeks", "0.1", "1 day = about 0.1 weeks"),
    ("3 days", "weeks", "0.4", "3 days = about 0.4 weeks"),
    ("0 days", "weeks", "0", "0 days = 0 weeks"),
    ("2 fortnights", "weeks", "4", "2 fortnights = 4 weeks"),
    ("1,5 months", "weeks", "6.5", "1,5 months = 6.5 weeks"),
    # ages: years as typed
    ("42 years", "years", "42", ""),
    ("42 yrs", "years", "42", ""),
    ("42 years old", "years", "42", ""),
    ("42", "years", "42", ""),
    # negative numbers are read; parse_answer says they are out of range (see below)
    ("-2", "weeks", "-2", ""),
    ("-3 months", "weeks", "-13", "-3 months = -13 weeks"),
    # a unit no group names reads bare numbers only
    ("about 5", "", "5", ""),
    ("0,5", "litres", "0.5", ""),
])
def test_read(text: str, unit: str, recorded: str, echo: str) -> None:
    quantity = read_quantity(text, unit, UNITS)
    assert quantity == Quantity(Fraction(Decimal(recorded)), recorded, echo)


@pytest.mark.parametrize(("text", "unit"), [
    ("1,000", "mm"),  # a thousands separator or a decimal comma: refused, not guessed
    ("2,500 mm", "mm"),
    ("1,000,000", "weeks"),
    ("1 000", "weeks"),
    ("a year and a half", "weeks"),
    ("1 year and a half", "weeks"),
    ("three months", "weeks"),
    ("3 months ago", "weeks"),
    ("2-3 weeks", "weeks"),
    ("1/2 in", "mm"),
    ("1.5.5", "mm"),
    ("8 mm mm", "mm"),
    ("12 3 mm", "mm"),
    ("3 parsecs", "mm"),
    ("10 cm", "weeks"),  # a length is not a duration
    ("42 weeks", "years"),
    ("18 months", "years"),
    ("5 mm", ""),
    ("1e3", "mm"),  # parse_answer reads these itself (1e3 = 1000) or refuses them
    ("nan", "mm"),
    ("inf", "weeks"),
    ("unknown", "mm"),
    ("not sure", "weeks"),
    ("?", "weeks"),
    ("", "weeks"),
    ("about", "mm"),
    ("mm", "mm"),
    (".", "mm"),
    ("1" * 41, "mm"),
])
def test_not_a_quantity(text: str, unit: str) -> None:
    assert read_quantity(text, unit, UNITS) is None


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("3 months", "weeks", 13),
    ("10 days", "weeks", 1.4),
    ("0,5 cm", "mm", 5),
    ("0,5", "mm", 0.5),
    ("about 8mm", "mm", 8),
    ("1e3", "weeks", 1000),  # not read here: parse_answer's own reading, unchanged
])
def test_parse_answer_accepts_what_is_read(text: str, unit: str, expected: float) -> None:
    value = answer(text, unit)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("text", "message"), [
    ("-2", "-2 is out of range; give a value from 0 to 5200 weeks"),  # as today
    ("-3 months", "-13 is out of range; give a value from 0 to 5200 weeks"),
    ("1,000", "expected a number, got '1,000'; "
                  "give a value from 0 to 5200 weeks, in digits"),
    ("a year and a half", "expected a number, got 'a year and a half'; "
                  "give a value from 0 to 5200 weeks, in digits"),
    ("3 parsecs", "expected a number, got '3 parsecs'; "
                  "give a value from 0 to 5200 weeks, in digits"),
    ("200 years", "10400 is out of range; give a value from 0 to 5200 weeks"),
])
def test_parse_answer_refuses(text: str, message: str) -> None:
    with pytest.raises(AnswerError) as info:
        answer(text, "weeks")
    assert str(info.value) == message


def test_read_refuses_negative_places() -> None:
    with pytest.raises(ValueError, match="places"):
        read_quantity("3 months", "weeks", UNITS, places=-1)


@pytest.mark.parametrize(("text", "places", "recorded", "echo"), [
    ("10 days", 0, "1", "10 days = about 1 week"),
    ("10 days", 2, "1.43", "10 days = about 1.43 weeks"),
    ("3 months", 0, "13", "3 months = 13 weeks"),
    ("6.25", 0, "6.25", ""),  # places rounds conversions only
])
def test_places(text: str, places: int, recorded: str, echo: str) -> None:
    quantity = read_quantity(text, "weeks", UNITS, places=places)
    assert quantity is not None and (quantity.text, quantity.echo) == (recorded, echo)


# --- replies: help and "not sure" -------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("?", "help"),  # help, although parse_answer alone still reads "?" as unknown
    (" ? ", "help"),
    ("??", "help"),
    ("help", "help"),
    ("HELP.", "help"),
    ("what?", "help"),
    ("hint", "help"),
    ("not sure", "unsure"),
    ("Not sure.", "unsure"),
    ("not  sure", "unsure"),
    ("unsure", "unsure"),
    ("don't know", "unsure"),
    ("dont know", "unsure"),
    ("don\u2019t know", "unsure"),
    ("I don\u2019t know", "unsure"),
    ("dunno", "unsure"),
    ("no idea", "unsure"),
    ("idk", "unsure"),
    ("maybe", "unsure"),
    ("unknown", "unsure"),
    ("yes", None),
    ("no", None),
    ("y", None),
    ("sure", None),
    ("help me", None),
    ("3 months", None),
    ("maybe 3 months", None),
    ("", None),
])
def test_classify_reply(text: str, kind: str | None) -> None:
    assert classify_reply(text, UNITS) == kind


# --- the data --------------------------------------------------------------------------

def test_every_question_unit_has_a_group() -> None:
    questions = REPO / "rules" / "questions.yaml"
    if not questions.exists():
        pytest.skip("no rules/questions.yaml in this tree")
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("unit"), str):
                found.add(node["unit"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(questions.read_text(encoding="utf-8")))
    assert found and found <= set(UNITS.groups)


def test_factors_are_exact() -> None:
    weeks = UNITS.groups["weeks"].units
    assert weeks["day"].factor == Fraction(1, 7)
    assert weeks["month"].factor == Fraction(52, 12)
    assert 12 * weeks["month"].factor == weeks["year"].factor == 52
    assert UNITS.groups["mm"].units["in"].factor == Fraction(254, 10)
    assert {name: g.canonical.key for name, g in UNITS.groups.items()} == \
        {"mm": "mm", "weeks": "week", "years": "year"}


def test_no_unit_word_is_a_filler_or_a_reply() -> None:
    words = {w for g in UNITS.groups.values() for w in g.by_word}
    assert not words & set(UNITS.fillers)
    assert not words & (UNITS.unsure | UNITS.help)
    assert not UNITS.unsure & UNITS.help


# --- validating the data ---------------------------------------------------------------

MINIMAL: dict[str, Any] = {
    "units": {"mm": {"mm": {"factor": 1, "names": ["mm", "mm"], "words": ["mm"]},
                     "cm": {"factor": 10, "names": ["cm", "cm"], "words": ["cm"]}}},
    "fillers": ["about"], "unsure": ["not sure"], "help": ["?"],
}


def edited(path: str, value: Any) -> Any:
    """MINIMAL with the key at dotted `path` set to `value` (or removed if value is ...)."""
    data = copy.deepcopy(MINIMAL)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


def test_minimal_data_loads() -> None:
    units = load_units(MINIMAL)
    assert read_quantity("about 1,5 cm", "mm", units) == Quantity(Fraction(15), "15",
                                                                  "1,5 cm = 15 mm")
    loaded = load_units({"units": MINIMAL["units"]})  # fillers, unsure and help may be left out
    assert (loaded.fillers, loaded.unsure, loaded.help) == ((), frozenset(), frozenset())


@pytest.mark.parametrize(("data", "message"), [
    ([], "units data: expected a mapping with keys units, fillers, unsure, help, got list"),
    ({}, "units data: missing key `units`"),
    (edited("unit", {}), "units data: unknown key 'unit'; keys are units, fillers, unsure, help"),
    (edited("units", {}), "units: expected a non-empty mapping, got {}"),
    (edited("units", {1: {}}), "units: expected names as keys, got 1"),
    (edited("units.mm", ["mm"]), "units.mm: expected a non-empty mapping, got ['mm']"),
    (edited("units.mm.cm.factor", ...), "units.mm.cm: missing key `factor`"),
    (edited("units.mm.cm.words", ...), "units.mm.cm: missing key `words`"),
    (edited("units.mm.cm.names", ...), "units.mm.cm: missing key `names`"),
    (edited("units.mm.cm.per", 7), "units.mm.cm: unknown key 'per'; keys are factor, names, "
                                   "words"),
    (edited("units.mm.cm.factor", 0), "units.mm.cm.factor: expected a positive number or a "
                                      "fraction such as 1/7, got 0"),
    (edited("units.mm.cm.factor", -10), "units.mm.cm.factor: expected a positive number"),
    (edited("units.mm.cm.factor", "1/0"), "units.mm.cm.factor: expected a positive number"),
    (edited("units.mm.cm.factor", "ten"), "units.mm.cm.factor: expected a positive number"),
    (edited("units.mm.cm.factor", True), "units.mm.cm.factor: expected a positive number"),
    (edited("units.mm.cm.factor", float("nan")), "units.mm.cm.factor: expected a positive"),
    (edited("units.mm.cm.factor", None), "units.mm.cm.factor: expected a positive number"),
    (edited("units.mm.cm.names", ["cm"]), "units.mm.cm.names: expected [singular, plural], "
                                          "got ['cm']"),
    (edited("units.mm.cm.names", "cm"), "units.mm.cm.names: expected [singular, plural]"),
    (edited("units.mm.cm.words", []), "units.mm.cm.words: expected at least one word"),
    (edited("units.mm.cm.words", "cm"), "units.mm.cm.words: expected a list of words, got "
                                        "'cm'"),
    (edited("units.mm.cm.words", [True]), "units.mm.cm.words: expected a word, got True"),
    (edited("units.mm.cm.words", [" . "]), "units.mm.cm.words: expected a word, got ' . '"),
    (edited("units.mm.cm.words", ["c2"]), "units.mm.cm.words: 'c2' has a digit"),
    (edited("units.mm.cm.words", ["cm", "MM"]), "units.mm.cm.words: 'mm' is also a word of mm; "
                                                "a word belongs to one unit"),
    (edited("units.mm.mm.factor", 2), "units.mm: exactly one unit must have factor 1 (the unit "
                                      "answers are recorded in); found none"),
    (edited("units.mm.cm.factor", "1/1"), "units.mm: exactly one unit must have factor 1 (the "
                                          "unit answers are recorded in); found mm, cm"),
    (edited("fillers", "about"), "fillers: expected a list of words, got 'about'"),
    (edited("fillers", ["~1"]), "fillers: '~1' has a digit"),
    (edited("unsure", [None]), "unsure: expected a word, got None"),
    (edited("help", ["?", "Not sure."]), "unsure and help: 'not sure' is in both; a reply can "
                                         "mean only one"),
])
def test_bad_data(data: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        load_units(data)
    assert str(info.value).startswith(message)


def test_words_of_a_group_may_repeat_in_another_group() -> None:
    years = UNITS.groups["years"].by_word["year"]
    weeks = UNITS.groups["weeks"].by_word["year"]
    assert (years.factor, weeks.factor) == (Fraction(1), Fraction(52))


# --- properties ------------------------------------------------------------------------

UNIT_WORDS = [(group, unit, word) for group, g in UNITS.groups.items()
              for unit in g.units.values() for word in unit.words]


@st.composite
def typed_numbers(draw: st.DrawFn) -> tuple[str, Fraction]:
    """A number as a person types it ("12", "0,5", "-3.25") and its exact value."""
    whole = draw(st.integers(0, 10**6))
    places = draw(st.integers(0, 4))
    part = draw(st.integers(0, 10**places - 1)) if places else 0
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    text = f"{sign}{whole}" + (f"{draw(st.sampled_from('.,'))}{part:0{places}d}" if places
                               else "")
    value = Fraction(whole) + Fraction(part, 10**places)
    return text, -value if sign == "-" else value


def rounded(exact: Fraction, places: int = 1) -> Fraction:
    """The rounding rule, computed another way: Decimal, halves up, far more digits."""
    with localcontext() as context:
        context.prec = 200
        quotient = Decimal(exact.numerator) / Decimal(exact.denominator)
        return Fraction(quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@given(typed_numbers(), st.sampled_from(UNIT_WORDS), st.sampled_from(["", " ", "  "]),
       st.sampled_from([str, str.upper, str.title]))
@example(("3", Fraction(3)), ("weeks", UNITS.groups["weeks"].units["month"], "months"), " ",
         str)
def test_any_number_in_any_unit(typed: tuple[str, Fraction], unit_word: Any, space: str,
                                case: Any) -> None:
    text, value = typed
    group, unit, word = unit_word
    quantity = read_quantity(f"{text}{space}{case(word)}", group, UNITS)
    if "," in text and len(text.partition(",")[2]) == 3:
        assert quantity is None  # "1,000": refused, not guessed
        return
    assert quantity is not None
    assert CANONICAL_TEXT.fullmatch(quantity.text)
    assert Fraction(Decimal(quantity.text)) == quantity.value  # the text is the value
    exact = value * unit.factor
    if unit.factor == 1:
        assert quantity.value == exact and quantity.echo == ""
        return
    assert quantity.value == rounded(exact)
    canonical = UNITS.groups[group].canonical
    about = "" if quantity.value == exact else "about "
    assert quantity.echo == (f"{text} {unit.name(value)} = {about}{quantity.text} "
                             f"{canonical.name(quantity.value)}")


@given(typed_numbers(), st.sampled_from(UNIT_WORDS), st.sampled_from([0, 1, 2, 3]))
def test_the_echo_shows_what_is_recorded(typed: tuple[str, Fraction], unit_word: Any,
                                         places: int) -> None:
    group, _, word = unit_word
    quantity = read_quantity(f"{typed[0]} {word}", group, UNITS, places=places)
    if quantity is None or not quantity.echo:
        return
    shown = re.fullmatch(r"(\S+) (.+) = (about )?(\S+) (.+)", quantity.echo)
    assert shown is not None and shown.group(4) == quantity.text
    assert abs(quantity.value - typed[1] * unit_word[1].factor) <= Fraction(1, 2 * 10**places)
    again = read_quantity(quantity.text, group, UNITS)  # the recorded text, typed back
    assert again == Quantity(quantity.value, quantity.text, "")


@given(typed_numbers(), st.sampled_from(UNIT_WORDS), st.sampled_from(UNITS.fillers))
def test_fillers_change_nothing(typed: tuple[str, Fraction], unit_word: Any,
                                filler: str) -> None:
    group, _, word = unit_word
    text = f"{typed[0]} {word}"
    assert read_quantity(f"{filler} {text}", group, UNITS) == \
        read_quantity(text, group, UNITS)


NEAR_MISSES = st.from_regex(  # "about 3,5 mths.", "~-12x", "7.cm"...
    r"\A[ ~a-z]{0,6}[+-]?[0-9]{0,4}[.,]?[0-9]{0,4} ?[a-z\"\u2019]{0,7}\.?\Z")


ALL_WORDS = sorted({w for _, _, w in UNIT_WORDS} | UNITS.unsure | UNITS.help | {"x", ""})
ASSEMBLED = st.builds(  # fillers, numbers and words of the data in any order and number
    lambda parts, end: " ".join(parts) + end,
    st.lists(st.one_of(st.sampled_from(UNITS.fillers), st.sampled_from(ALL_WORDS),
                       typed_numbers().map(lambda typed: typed[0])), max_size=4),
    st.sampled_from(["", ".", " .", "?"]))


@given(st.one_of(st.text(), NEAR_MISSES, ASSEMBLED),
       st.sampled_from(["mm", "weeks", "years", ""]))
@example("1,5 cm", "mm")
@example("3 months.", "weeks")
def test_any_text(text: str, unit: str) -> None:
    """Nothing raises; whatever is read, parse_answer accepts as that very number."""
    classify_reply(text, UNITS)
    quantity = read_quantity(text, unit, UNITS)
    if quantity is not None:
        value = parse_answer(number_question(unit), quantity.text, "")
        assert value == float(quantity.value)


@given(st.sampled_from(sorted(UNITS.unsure | UNITS.help)), st.sampled_from(["", " ", "."]),
       st.sampled_from([str, str.upper, str.title]))
def test_replies_ignore_case_spaces_and_full_stops(word: str, end: str, case: Any) -> None:
    expected = "help" if word in UNITS.help else "unsure"
    assert classify_reply(f" {case(word)}{end}", UNITS) == expected


def test_every_apostrophe_a_keyboard_types_reads_as_one() -> None:
    """The class of a curly apostrophe in "don't know": every reply word holding ' is
    read the same with each character a keyboard, a phone or an input method types."""
    from insertadvisor.natural import APOSTROPHES

    assert {"\u2019", "\u2018", "\u02bc", "\uff07"} <= set(APOSTROPHES)
    words = [(w, kind) for kind, group in (("unsure", UNITS.unsure), ("help", UNITS.help))
             for w in group if "'" in w]
    assert words
    for word, kind in words:
        for mark in APOSTROPHES:
            typed = word.replace("'", mark)
            assert classify_reply(typed, UNITS) == kind, typed
            assert classify_reply(typed.capitalize() + ".", UNITS) == kind, typed
