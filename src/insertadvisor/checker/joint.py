"""The answers two rule sets share, split for `rules diff`.

The partition is the one `rules check` searches (partition.py), built from the questions
and conditions of BOTH rule sets: a number is split at every constant either set compares
it with, a choice's values and a set's items are grouped only where every condition of
both sets treats them alike. One combination of parts, one per variable, is a **cell**:
every answer set in a cell gets the same outcome from each rule set, so comparing one
representative per cell compares them all.

What the two sets do not share:

- a question only one set has is a variable only that set reads (the other never asks
  it, as if it took its default there); so is a set item only one set lists;
- a choice value, or a range of numbers, that only one set accepts is left out of the
  domain (no answers object is valid for both) and reported;
- a question whose type changed is two questions: the old one removed, the new one added.

The cells of the joint domain are what `rules diff` counts (`total`: every combination).
"""

from __future__ import annotations

import math
from typing import Any

from insertadvisor.checker.partition import (
    Var,
    conditions,
    leaves_by_fact,
    question_vars,
)
from insertadvisor.conditions import show_value
from insertadvisor.model import Item, Question, Ruleset


class QuestionChange:
    """A question, an item, a value or a range that one rule set has and the other not."""

    __slots__ = ("change", "detail", "question", "stage")

    def __init__(self, stage: str, question: str, change: str, detail: str) -> None:
        self.stage = stage
        self.question = question
        self.change = change  # added | removed | changed
        self.detail = detail  # in words

    def to_json(self) -> dict[str, str]:
        return {"stage": self.stage, "question": self.question, "change": self.change,
                "detail": self.detail}


class Side:
    """One rule set's view of the joint domain: the variables it reads and its questions."""

    __slots__ = ("names", "questions", "ruleset", "vars")

    def __init__(self, ruleset: Ruleset, stage: str, variables: list[Var]) -> None:
        self.ruleset = ruleset
        self.questions = ruleset.questions[stage]
        self.vars = variables
        self.names = frozenset(v.name for v in variables)


class Joint:
    """One stage's joint domain of two rule sets."""

    __slots__ = ("changes", "new", "old", "stage", "vars")

    def __init__(self, old: Ruleset, new: Ruleset, stage: str) -> None:
        self.stage = stage
        self.changes: list[QuestionChange] = []
        by_fact = leaves_by_fact(conditions(old, stage) + conditions(new, stage))
        # a question whose type changed is split only by the leaves of the set that has
        # it so (the other set's `{age: young}` is no constant for a number)
        apart = {"old": leaves_by_fact(conditions(old, stage)),
                 "new": leaves_by_fact(conditions(new, stage))}
        old_q = {q.id: q for q in old.questions[stage]}
        new_q = {q.id: q for q in new.questions[stage]}
        sets: list[Var] = []
        values: list[Var] = []
        old_vars: list[Var] = []
        new_vars: list[Var] = []
        for qid in [*new_q, *(q for q in old_q if q not in new_q)]:
            a, b = old_q.get(qid), new_q.get(qid)
            for question, readers, suffix in self._merged(a, b):
                used = (by_fact if len(readers) == 2 else apart[readers[0]]).get(qid, [])
                made = question_vars(question, used)
                (sets if question.type == "set" else values).extend(made)
                for var in made:
                    var.name += suffix
                    for reader, own, into in (("old", a, old_vars), ("new", b, new_vars)):
                        if reader in readers and own is not None and (
                                var.kind == "value" or var.items & set(own.choices)):
                            into.append(var)
        self.vars = sets + values  # sets first, as `rules check` searches
        order = {v.name: i for i, v in enumerate(self.vars)}
        self.old = Side(old, stage, sorted(old_vars, key=lambda v: order[v.name]))
        self.new = Side(new, stage, sorted(new_vars, key=lambda v: order[v.name]))

    # ---- the questions of both

    def _merged(self, a: Question | None, b: Question | None) -> list[
            tuple[Question, tuple[str, ...], str]]:
        """The question(s) the joint domain has for a question id, who reads each, and
        what its variables' names end with."""
        if a is None or b is None:
            only = a or b
            assert only is not None
            self._note(only.id, "added" if a is None else "removed", _kind(only))
            return [(only, ("old",) if b is None else ("new",), "")]
        if _family(a) != _family(b):
            self._note(a.id, "changed", f"its type changed from {a.type} to {b.type}: "
                       "compared as the old question removed and the new one added")
            return [(b, ("new",), ""), (a, ("old",), " (old)")]
        if a.type == "set":
            return [(self._items(a, b), ("old", "new"), "")]
        if a.type == "choice":
            return [(self._values(a, b), ("old", "new"), "")]
        return [(self._range(a, b), ("old", "new"), "")]

    def _note(self, question: str, change: str, detail: str) -> None:
        self.changes.append(QuestionChange(self.stage, question, change, detail))

    def _items(self, a: Question, b: Question) -> Question:
        added = [i for i in b.choices if i not in a.choices]
        removed = [i for i in a.choices if i not in b.choices]
        if added:
            self._note(b.id, "added", f"items added: {', '.join(added)}")
        if removed:
            self._note(b.id, "removed", f"items removed: {', '.join(removed)}")
        items: tuple[Item, ...] = (*b.items, *(i for i in a.items if i.id in removed))
        return _copy(b, items=items)

    def _values(self, a: Question, b: Question) -> Question:
        shared = tuple(v for v in b.values if v in a.values)
        added = [v for v in b.values if v not in a.values]
        removed = [v for v in a.values if v not in b.values]
        for change, which in (("added", added), ("removed", removed)):
            if which:
                self._note(b.id, change, f"values {change}: {', '.join(which)} (accepted "
                           "by one rule set only: not compared)")
        return _copy(b, values=shared)

    def _range(self, a: Question, b: Question) -> Question:
        low = _max(a.min, b.min)
        high = _min(a.max, b.max)
        integer = "integer" in (a.type, b.type)
        unknown = a.unknown and b.unknown
        if (a.min, a.max, a.type, a.unknown) != (b.min, b.max, b.type, b.unknown):
            self._note(b.id, "changed", f"accepted answers changed from {_kind(a)} to "
                       f"{_kind(b)} (only answers both accept are compared)")
        return _copy(b, type="integer" if integer else "number", min=low, max=high,
                     unknown=unknown)

    @property
    def total(self) -> int:
        return math.prod(len(v.domain) for v in self.vars)


def _family(q: Question) -> str:
    return "number" if q.type in ("number", "integer") else q.type


def _kind(q: Question) -> str:
    if q.type == "choice":
        return f"choice: {', '.join(q.values)}"
    if q.type == "set":
        return f"set: {', '.join(q.choices)}"
    bounds = []
    if q.min is not None:
        bounds.append(f"≥ {show_value(q.min)}")
    if q.max is not None:
        bounds.append(f"≤ {show_value(q.max)}")
    text = q.type + (f" {' and '.join(bounds)}" if bounds else "")
    return text + (", or unknown" if q.unknown else "")


def _copy(q: Question, **changes: Any) -> Question:
    fields: dict[str, Any] = {"type": q.type, "values": q.values, "items": q.items,
                              "min": q.min, "max": q.max, "unknown": q.unknown,
                              "default": q.default, **changes}
    return Question(q.id, fields["type"], q.flag, q.metavar, q.prompt, q.help,
                    values=fields["values"], items=fields["items"], min=fields["min"],
                    max=fields["max"], unknown=fields["unknown"], default=fields["default"])


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)
