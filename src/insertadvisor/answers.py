"""Answers: parse and validate them against the rule set's questions, from any source.

Flags, prompts, answers files and batch records all come through `parse_answer`, so a
value means the same wherever it was typed. Unknown numbers are None; sets are sorted
in the questions' order; whole numbers stay ints so JSON shows `3`, not `3.0`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from insertadvisor.errors import InputError, did_you_mean
from insertadvisor.model import Question

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]{1,15}")
UNKNOWN_WORDS = ("unknown", "don't know", "dont know", "?")


class AnswerError(InputError):
    """An answer that cannot be accepted; the message names it and how to fix it."""


def parse_answer(question: Question, raw: Any, label: str) -> Any:
    """One answer in canonical form; raise AnswerError naming `label` (a flag or key)."""
    if question.type == "set":
        return _parse_set(question, raw, label)
    if question.type == "choice":
        return _parse_choice(question, raw, label)
    return _parse_number(question, raw, label)


def _parse_choice(question: Question, raw: Any, label: str) -> str:
    if isinstance(raw, bool) and {"yes", "no"} <= set(question.values):
        return "yes" if raw else "no"  # YAML 1.1 reads yes/no as booleans
    if not isinstance(raw, str):
        raise AnswerError(f"{_prefix(label)}expected one of {', '.join(question.values)}, "
                          f"got {_show(raw)}")
    value = raw.strip().lower()
    if value in UNKNOWN_WORDS and "unknown" in question.values:
        return "unknown"
    by_word = {v.lower(): v for v in question.values}  # values are matched whatever the case
    if value not in by_word:
        raise AnswerError(f"{_prefix(label)}{_show(raw)} is not one of "
                          f"{', '.join(question.values)}{did_you_mean(value, question.values)}")
    return by_word[value]


def _parse_number(question: Question, raw: Any, label: str) -> int | float | None:
    kind = "a whole number" if question.type == "integer" else "a number"
    accepted = f"{kind}{' or unknown' if question.unknown else ''}"
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in UNKNOWN_WORDS):
        if question.unknown:
            return None
        raise AnswerError(f"{_prefix(label)}expected {kind}; unknown is not accepted here")
    if isinstance(raw, bool):
        raise AnswerError(f"{_prefix(label)}expected {accepted}, got {_show(raw)}")
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise AnswerError(f"{_prefix(label)}expected a finite number, got {_show(raw)}")
        if not _DECIMAL.fullmatch(text):  # plain decimals only: no 1_000, 0x10 or other digits
            raise AnswerError(f"{_prefix(label)}expected {accepted}, got {_show(raw)}")
        value: int | float = int(text) if _WHOLE.fullmatch(text) else float(text)  # 1e400: inf
    elif isinstance(raw, (int, float)):
        value = raw
    else:
        raise AnswerError(f"{_prefix(label)}expected {accepted}, got {_show(raw)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AnswerError(f"{_prefix(label)}expected a finite number, got {_show(raw)}")
        if value.is_integer() and abs(value) < 2**53:
            value = int(value)
    _check_range(question, value, label)
    if question.type == "integer" and not isinstance(value, int):
        raise AnswerError(f"{_prefix(label)}expected a whole number, got {_show(raw)}")
    return value


def _check_range(question: Question, value: float, label: str) -> None:
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(f"{_prefix(label)}{_num(value)} is out of range; "
                          f"{_range_text(question)}")


def _range_text(question: Question) -> str:
    low, high = question.min, question.max
    unit = f" {question.unit}" if question.unit else ""
    if low is None and high is None:
        return "give a smaller number"
    span = f"from {_num(low)} to {_num(high)}" if low is not None and high is not None \
        else f"at least {_num(low)}" if low is not None else f"at most {_num(high)}"
    return f"give a value {span}{unit}"


def _parse_set(question: Question, raw: Any, label: str) -> list[str]:
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
            raise AnswerError(f"{_prefix(label)}unknown {question.id} id {_show(item)}"
                              f"{did_you_mean(value, question.choices)}; see "
                              f"`insertadvisor schema answers` for the list")
        chosen.add(value)
    return [i for i in question.choices if i in chosen]


def parse_mapping(questions: Iterable[Question], given: Mapping[Any, Any],
                  where: str) -> dict[str, Any]:
    """Validate a mapping of answers (an answers file, a batch record); reject unknown keys."""
    by_id = {q.id: q for q in questions}
    for key in given:
        if key not in by_id:
            raise AnswerError(f"{where}: unknown key {_show(key)}"
                              f"{did_you_mean(str(key), by_id)}; keys are {', '.join(by_id)}")
    return {key: parse_answer(by_id[key], value, f"{where}: `{key}`")
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


def _num(value: float | None) -> str:
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
        text = repr(raw)  # escapes newlines and control characters: a message stays one line
    except ValueError:  # an int with more digits than sys.get_int_max_str_digits()
        text = f"a {type(raw).__name__} too large to show"
    return text if len(text) <= 40 else text[:37] + "...'"
