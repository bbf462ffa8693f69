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

Each variable knows what its parts stand for (`parts`), so a region of cells can be
written in words and tested against answers.
"""

from __future__ import annotations

import math
from typing import Any

from insertadvisor.checker.partition import (
    Var,
    choice_classes,
    conditions,
    leaves_by_fact,
    number_constants,
    question_vars,
)
from insertadvisor.conditions import Node, show_value
from insertadvisor.model import Item, Question, Ruleset

Interval = tuple[float, bool, float, bool]  # low, low included, high, high included


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


class Parts:
    """What each value of a variable's domain stands for: an interval of numbers (None for
    unknown), a class of choice values, or absent / present / some of a class of items."""

    __slots__ = ("classes", "integer", "intervals", "var")

    def __init__(self, var: Var, intervals: list[Interval | None] | None = None,
                 classes: list[list[str]] | None = None, integer: bool = False) -> None:
        self.var = var
        self.intervals = intervals  # numbers
        self.classes = classes  # choices
        self.integer = integer

    def index(self, answer: Any) -> int | None:
        """The part an answer falls in (None: outside the shared domain)."""
        var = self.var
        if var.kind == "set":
            given = var.items & frozenset(answer or ())
            if not given:
                return 0
            if len(var.domain) == 3:  # absent, all, some but not all
                return 1 if given == var.items else 2
            return 1
        if self.classes is not None:
            return next((i for i, c in enumerate(self.classes) if answer in c), None)
        assert self.intervals is not None
        for i, interval in enumerate(self.intervals):
            if interval is None:
                if answer is None:
                    return i
            elif answer is not None and _inside(float(answer), interval):
                return i
        return None

    def words(self, allowed: tuple[int, ...]) -> str:
        """The allowed parts of a value variable, in words (`pain_weeks ≥ 6`)."""
        fact = self.var.fact
        if self.classes is not None:
            values = [v for i in allowed for v in self.classes[i]]
            return f"{fact} is {_or(values)}"
        assert self.intervals is not None
        runs: list[list[int]] = []
        for i in allowed:
            if runs and runs[-1][-1] == i - 1 and self.intervals[i] is not None \
                    and self.intervals[i - 1] is not None:
                runs[-1].append(i)
            else:
                runs.append([i])
        texts = [self._run(run) for run in runs]
        return f"{fact} {' or '.join(texts)}"

    def _run(self, run: list[int]) -> str:
        first, last = self.intervals[run[0]], self.intervals[run[-1]]  # type: ignore[index]
        if first is None:
            return "is unknown"
        assert last is not None
        low, low_in, high, high_in = first[0], first[1], last[2], last[3]
        if self.integer:  # whole numbers: x > 5 is x ≥ 6
            if not low_in and math.isfinite(low):
                low, low_in = math.floor(low) + 1, True
            if not high_in and math.isfinite(high):
                high, high_in = math.ceil(high) - 1, True
        bottom, top = self._bounds()
        if low == high:
            return f"= {show_value(_num(low))}"
        has_low = low > bottom or (low == bottom and not low_in)
        has_high = high < top or (high == top and not high_in)
        lo = f"{'≥' if low_in else '>'} {show_value(_num(low))}"
        hi = f"{'≤' if high_in else '<'} {show_value(_num(high))}"
        if has_low and has_high:
            return f"{lo} and {hi}"
        return lo if has_low else hi if has_high else "is known"

    def _bounds(self) -> tuple[float, float]:
        known = [i for i in self.intervals or () if i is not None]
        return known[0][0], known[-1][2]


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

    __slots__ = ("changes", "new", "old", "parts", "stage", "vars")

    def __init__(self, old: Ruleset, new: Ruleset, stage: str) -> None:
        self.stage = stage
        self.changes: list[QuestionChange] = []
        by_fact = leaves_by_fact(conditions(old, stage) + conditions(new, stage))
        old_q = {q.id: q for q in old.questions[stage]}
        new_q = {q.id: q for q in new.questions[stage]}
        sets: list[Var] = []
        values: list[Var] = []
        old_vars: list[Var] = []
        new_vars: list[Var] = []
        self.parts: dict[str, Parts] = {}
        for qid in [*new_q, *(q for q in old_q if q not in new_q)]:
            a, b = old_q.get(qid), new_q.get(qid)
            used = by_fact.get(qid, [])
            for question, readers, suffix in self._merged(a, b):
                made = question_vars(question, used)
                (sets if question.type == "set" else values).extend(made)
                for var in made:
                    var.name += suffix
                    self.parts[var.name] = _parts(var, question, used)
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

    # ---- regions in words and answers in regions

    def words(self, constraints: dict[str, tuple[int, ...]]) -> list[str]:
        """A region (the allowed parts of some variables) as clauses a person reads."""
        out: list[str] = []
        classes: dict[str, list[tuple[list[str], tuple[int, ...], int]]] = {}
        for var in self.vars:
            allowed = constraints.get(var.name)
            if allowed is None or len(allowed) == len(var.domain):
                continue
            if var.kind == "value":
                out.append(self.parts[var.name].words(allowed))
            else:
                classes.setdefault(var.fact, []).append(
                    (self._item_order(var), tuple(sorted(allowed)), len(var.domain)))
        for fact, found in classes.items():
            out += _set_words(fact, found)
        return out

    def _item_order(self, var: Var) -> list[str]:
        """A class's items in the order the rule sets list them (the new set first)."""
        listed = [i for side in (self.new, self.old) for q in side.questions
                  if q.id == var.fact and q.type == "set" for i in q.choices]
        return [i for i in dict.fromkeys(listed) if i in var.items]

    def contains(self, constraints: dict[str, tuple[int, ...]], answers: dict[str, Any]) -> bool:
        """Whether answers (keyed by question id, either set's) fall in a region."""
        for var in self.vars:
            allowed = constraints.get(var.name)
            if allowed is None:
                continue
            if self.parts[var.name].index(answers.get(var.fact, _empty(var))) not in allowed:
                return False
        return True

    def cells(self, constraints: dict[str, tuple[int, ...]]) -> int:
        """How many cells a region covers: the parts it allows of each variable."""
        return math.prod(len(constraints.get(v.name, v.domain)) for v in self.vars)

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


def _parts(var: Var, question: Question, used: list[Node]) -> Parts:
    if var.kind == "set":
        return Parts(var)
    if question.type == "choice":
        classes = choice_classes(question.values, used)
        return Parts(var, classes=classes)
    cuts = sorted(c for c in number_constants(used)
                  if (question.min is None or c >= question.min)
                  and (question.max is None or c <= question.max))
    low = -math.inf if question.min is None else float(question.min)
    high = math.inf if question.max is None else float(question.max)
    intervals: list[Interval | None] = []
    for point in var.domain:
        if point is None:
            intervals.append(None)
        elif float(point) in cuts:
            intervals.append((float(point), True, float(point), True))
        else:
            below = [c for c in cuts if c < point]
            above = [c for c in cuts if c > point]
            intervals.append((below[-1] if below else low, not below,
                              above[0] if above else high, not above))
    return Parts(var, intervals=intervals, integer=question.type == "integer")


def _inside(value: float, interval: Interval) -> bool:
    low, low_in, high, high_in = interval
    return (value > low or (low_in and value == low)) and \
        (value < high or (high_in and value == high))


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _or(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _empty(var: Var) -> Any:
    return [] if var.kind == "set" else None


def _set_words(fact: str, classes: list[tuple[list[str], tuple[int, ...], int]]) -> list[str]:
    """Clauses for the allowed parts of classes of items. Part 0 is none of the class;
    part 1 is at least one of it, or all of it where part 2 (some but not all) exists."""
    present: list[str] = []
    absent: list[str] = []
    other: list[str] = []
    for items, allowed, size in classes:
        listed = ", ".join(items)
        if allowed == (0,):
            absent += items
        elif allowed == (1,) and len(items) == 1:
            present += items
        elif allowed == (1,):
            other.append(f"{fact} include {'at least one' if size == 2 else 'all'} of {listed}")
        else:
            how = {(2,): "some but not all of", (1, 2): "at least one of",
                   (0, 2): "not all of", (0, 1): "none or all of"}[allowed]
            other.append(f"{fact} include {how} {listed}")
    out = [f"{fact} include {', '.join(present)}"] if present else []
    out += other
    if absent:
        out.append(f"{fact} include none of {', '.join(absent)}")
    return out
