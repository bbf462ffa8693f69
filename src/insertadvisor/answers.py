"""Answers: parse and validate them against the rule set's questions, from any source.

Flags, prompts, answers files and batch records all come through `parse_answer`, so a
value means the same wherever it was typed. Unknown numbers are None; sets are sorted
in the questions' order; whole numbers stay ints so JSON shows `3`, not `3.0`.

Numbers mean exactly what was written, in base ten. Text (a flag, a CSV cell) and the
decimal.Decimal that the JSON and YAML readers make of a long or exponent-form number are
compared exactly (range, whole or not); the value handed to the engine is then an int, or
the float whose shortest decimal form *is* the number written. A number that has no such
float (`4.99999999999999999`, which float() would round to 5) is refused with a message
asking for fewer digits, so rounding can never move an answer across a rule's threshold.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from insertadvisor.errors import InputError, did_you_mean
from insertadvisor.model import Question

if TYPE_CHECKING:
    from decimal import Decimal

# The hot path (`assess --json` with flags) needs neither `decimal` (imported only when a
# number is long or in exponent form) nor a regular expression (plain decimals are
# recognised by hand, below): each would add a millisecond or two to every start.
_DIGITS = frozenset("0123456789")


def _digits(text: str) -> bool:
    """Only ASCII digits (str.isdigit would take ² or Arabic-Indic digits too)."""
    return _DIGITS.issuperset(text)


def _unsigned(text: str) -> str:
    return text[1:] if text.startswith(("+", "-")) else text


def is_plain_decimal(text: str) -> bool:
    """`[+-]?(digits[.digits*] | .digits)([eE][+-]?digits)?`, ASCII digits only: no 1_000,
    0x10, inf or other digits."""
    mantissa, e, exponent = _unsigned(text).replace("E", "e").partition("e")
    if e and not (_unsigned(exponent) and _digits(_unsigned(exponent))):
        return False
    whole, _, fraction = mantissa.partition(".")
    return bool(whole or fraction) and _digits(whole) and _digits(fraction)


def is_short_whole(text: str) -> bool:
    """`[+-]?digits`, at most 15 of them: exactly an int, and exactly a float."""
    digits = _unsigned(text)
    return 0 < len(digits) <= 15 and _digits(digits)


def _is_decimal(value: object) -> bool:
    """isinstance(value, Decimal), without importing decimal: none exists until it is."""
    module = sys.modules.get("decimal")
    return module is not None and isinstance(value, module.Decimal)
UNKNOWN_WORDS = ("unknown", "don't know", "dont know", "?")
# Typed or auto-corrected in place of an apostrophe by keyboards, phones and word
# processors ("don\u2019t know"): the quotation marks, primes, modifier letters and accents.
APOSTROPHES = ("\u2019\u2018\u201b\u2032\u02b9\u02bb\u02bc\u02bd\u055a\u07f4\u07f5"
               "\uff07`\u00b4")
_APOSTROPHE = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
# Text this short, with no exponent, has at most 14 digits: float() gives the double whose
# shortest form is that very number (a double holds any 15 significant digits exactly).
_SHORT = 15
# The JSON Schema that lists a stage's answer keys and ids (`insertadvisor schema NAME`).
SCHEMAS = {"assess": "answers", "checkin": "checkin-answers"}
# The key that makes a decoded object a FHIR resource (a QuestionnaireResponse) rather than
# an answers mapping: no question is called so, and insertadvisor.fhir, which reads the
# resource, is imported only when it is there.
FHIR_RESOURCE_KEY = "resourceType"


def is_fhir_resource(raw: Mapping[Any, Any]) -> bool:
    return FHIR_RESOURCE_KEY in raw


class AnswerError(InputError):
    """An answer that cannot be accepted; the message names it and how to fix it."""


class DuplicateKey(Exception):
    """A JSON object that gives the same key twice (the decoder would keep the last)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


def _json_number(text: str) -> float | Decimal:
    """A JSON number with a point or exponent: a float when that is exact, else a Decimal."""
    if len(text) <= _SHORT and "e" not in text and "E" not in text:
        return float(text)
    from decimal import Decimal

    return Decimal(text)


# The JSON reader of answers files and batch records: duplicate keys raise DuplicateKey,
# and a number too long for a float to hold exactly arrives as a Decimal (see above).
JSON_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_float=_json_number)


def parse_answer(question: Question, raw: Any, label: str, *, stage: str | None = None) -> Any:
    """One answer in canonical form; raise AnswerError naming `label` (a flag or key).

    `stage` ("assess" or "checkin") names the schema an error message points to.
    """
    if question.type == "set":
        return _parse_set(question, raw, label, stage)
    if question.type == "choice":
        return _parse_choice(question, raw, label)
    return _parse_number(question, raw, label)


def is_unknown_word(text: str) -> bool:
    """"unknown", "don't know" (any apostrophe, any case or spacing), "dont know" or "?"."""
    return " ".join(text.translate(_APOSTROPHE).lower().split()) in UNKNOWN_WORDS


def _parse_choice(question: Question, raw: Any, label: str) -> str:
    if isinstance(raw, bool) and {"yes", "no"} <= set(question.values):
        return "yes" if raw else "no"  # YAML 1.1 reads yes/no as booleans
    if not isinstance(raw, str):
        raise AnswerError(f"{_prefix(label)}expected one of {', '.join(question.values)}, "
                          f"got {_show(raw)}")
    value = raw.strip().lower()
    by_word = {v.lower(): v for v in question.values}  # values are matched whatever the case
    if value in by_word:
        return by_word[value]
    if "unknown" in question.values and is_unknown_word(value):
        return "unknown"
    raise AnswerError(f"{_prefix(label)}{_show(raw)} is not one of "
                      f"{', '.join(question.values)}{did_you_mean(value, question.values)}")


def _parse_number(question: Question, raw: Any, label: str) -> int | float | None:
    kind = "a whole number" if question.type == "integer" else "a number"
    accepted = f"{kind}{' or unknown' if question.unknown else ''}"
    if raw is None or (isinstance(raw, str) and is_unknown_word(raw)):
        if question.unknown:
            return None
        raise _not_a_number(question, label, f"expected {kind}; unknown is not accepted here")
    if isinstance(raw, bool):
        raise _not_a_number(question, label, f"expected {accepted}, got {_show(raw)}")
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise _not_a_number(question, label, f"expected a finite number, got {_show(raw)}")
        if not is_plain_decimal(text):
            raise _not_a_number(question, label, f"expected {accepted}, got {_show(raw)}")
        if len(text) > _SHORT or "e" in text or "E" in text:
            from decimal import Decimal

            return _parse_exact(question, Decimal(text), raw, label)
        value: int | float = int(text) if is_short_whole(text) else float(text)
    elif _is_decimal(raw):
        return _parse_exact(question, raw, raw, label)
    elif isinstance(raw, (int, float)):
        value = raw
    else:
        raise _not_a_number(question, label, f"expected {accepted}, got {_show(raw)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _not_a_number(question, label, f"expected a finite number, got {_show(raw)}")
        if value.is_integer() and abs(value) < 2**53:
            value = int(value)
    _check_range(question, value, label)
    if question.type == "integer" and not isinstance(value, int):
        raise _not_a_number(question, label, f"expected a whole number, got {_show(raw)}")
    return value


def _parse_exact(question: Question, exact: Decimal, raw: Any, label: str) -> int | float:
    """A number given as exact decimal text: checked exactly, then carried without rounding."""
    approx = float(exact) if exact.is_finite() else math.nan
    if not math.isfinite(approx):  # NaN, or too large for a float (1e400): never in range
        shown = _show(raw if isinstance(raw, str) else approx)
        raise _not_a_number(question, label, f"expected a finite number, got {shown}")
    from decimal import Decimal

    exact_float = Decimal(repr(approx)) == exact
    _check_range(question, exact, label, _num(approx) if exact_float else str(exact))
    if exact == exact.to_integral_value():
        return int(exact)  # exact: a whole number needs no float, however it was written
    if question.type == "integer":
        raise _not_a_number(question, label, f"expected a whole number, got {_show(raw)}")
    if not exact_float:
        raise AnswerError(f"{_prefix(label)}{_show(raw)} has more digits than a number can "
                          "be compared with exactly; round it to at most 15 significant digits")
    return approx


def _not_a_number(question: Question, label: str, problem: str) -> AnswerError:
    """An answer that is not an accepted number: the problem, and what to give instead."""
    return AnswerError(f"{_prefix(label)}{problem}; {_range_text(question, digits=True)}")


def _check_range(question: Question, value: float | Decimal, label: str,
                 shown: str | None = None) -> None:
    low, high = question.min, question.max  # Decimal and int compare with float exactly
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(f"{_prefix(label)}{shown or _num(value)} is out of range; "
                          f"{_range_text(question)}")


def _range_text(question: Question, digits: bool = False) -> str:
    """How to give an accepted number: its range and unit (`digits`: and how to write it,
    for an answer that was not a number at all)."""
    low, high = question.min, question.max
    unit = f" {question.unit}" if question.unit else ""
    if low is None and high is None:
        span = ""
    else:
        span = f" from {_num(low)} to {_num(high)}" if low is not None and high is not None \
            else f" at least {_num(low)}" if low is not None else f" at most {_num(high)}"
    how = f"give a value{span}{unit}"
    if digits:
        how += f", in digits{' (or unknown)' if question.unknown else ''}"
    return how


def _parse_set(question: Question, raw: Any, label: str, stage: str | None) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        raise AnswerError(f"{_prefix(label)}expected a list of ids, got {_show(raw)}")
    chosen = set()
    for item in raw:
        if not isinstance(item, str):
            raise AnswerError(f"{_prefix(label)}expected ids of {question.id}, got {_show(item)}")
        value = item.strip().lower()
        if value not in question.choices:
            what = f"an empty {question.id} id" if not value else \
                f"unknown {question.id} id {_show(item)}{did_you_mean(value, question.choices)}"
            raise AnswerError(f"{_prefix(label)}{what}; see `insertadvisor schema "
                              f"{schema_name(question, stage)}` for the list")
        chosen.add(value)
    return [i for i in question.choices if i in chosen]


def schema_name(question: Question, stage: str | None = None) -> str:
    """The schema (`insertadvisor schema NAME`) that lists the ids of `question`'s stage:
    the stage being answered, else the question's own when it has one."""
    if stage is None:
        stage = question.stages[0] if len(question.stages) == 1 else "assess"
    return SCHEMAS.get(stage, SCHEMAS["assess"])


def parse_mapping(questions: Iterable[Question], given: Mapping[Any, Any],
                  where: str, *, stage: str | None = None) -> dict[str, Any]:
    """Validate a mapping of answers (an answers file, a batch record); reject unknown keys."""
    by_id = {q.id: q for q in questions}
    for key in given:
        if key not in by_id:
            raise AnswerError(f"{where}: unknown key {_show(key)}"
                              f"{did_you_mean(str(key), by_id)}; keys are {', '.join(by_id)}")
    return {key: parse_answer(by_id[key], value, f"{where}: `{key}`", stage=stage)
            for key, value in given.items()}


def complete(questions: Iterable[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every question answered, in order: missing sets are empty, optional facts unknown.

    Raise AnswerError naming the flags to pass when a required answer is missing.
    """
    questions = tuple(questions)
    missing = [q for q in questions if q.required and q.id not in answers]
    if missing:
        flags = ", ".join(q.flag for q in missing)
        raise AnswerError(f"missing answer{'s' if len(missing) > 1 else ''}: pass {flags} "
                          "(\"unknown\" is accepted where it fits), or run in a terminal to be "
                          "asked")
    return {q.id: answers[q.id] if q.id in answers else _default(q) for q in questions}


def _default(question: Question) -> Any:
    if question.type == "set":
        return []
    return question.default


def _prefix(label: str) -> str:
    """`--arch: ` before a message; nothing at a prompt, where the question is on screen."""
    return f"{label}: " if label else ""


def _num(value: float | Decimal | None) -> str:
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more digits than sys.get_int_max_str_digits() allows
            return f"about 10^{int(abs(value).bit_length() * math.log10(2))}"
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**15:
        return str(int(value))
    return str(value)


def _show(raw: Any) -> str:
    try:
        text = _repr(raw)  # escapes newlines and control characters: a message stays one line
    except ValueError:  # an int with more digits than sys.get_int_max_str_digits()
        text = f"a {type(raw).__name__} too large to show"
    return text if len(text) <= 40 else text[:37] + "...'"


def _repr(raw: Any) -> str:
    """repr(), but a Decimal (a long number from a file) as the number it is: 3.25, not
    Decimal('3.25')."""
    if _is_decimal(raw):
        return str(raw)
    if isinstance(raw, (list, tuple)) and any(_is_decimal(i) for i in raw):
        return "[" + ", ".join(_repr(i) for i in raw) + "]"
    return repr(raw)
