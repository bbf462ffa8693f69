"""The FHIR R4 Questionnaire of a stage, generated from the rule set's questions and interview.

In the interview's order: one item per question (a choice's values as `answerOption`
Codings, a number as `decimal` or `integer` with its bounds and unit), each set question's
items as booleans, grouped where the interview asks them in a row, a gate as a boolean
question standing for its items, and every condition as `enableWhen` (fhir/enable.py).
A question's hint is a `display` item with the `help` item control. Texts are worded for
one region. Plain dicts: no FHIR library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from insertadvisor.conditions import Node, describe
from insertadvisor.fhir import codes
from insertadvisor.fhir.enable import FALSE, TRUE, Expr, Items, expanded, fit, gate_test, join
from insertadvisor.model import Question, Ruleset, Step

Say = Callable[[str], str]


class Target:
    """What a linkId of the questionnaire stands for: a question, one item of a set
    question, or a gate (which stands for items and is itself no answer)."""

    __slots__ = ("item", "kind", "question", "step")

    def __init__(self, kind: str, question: Question, item: str = "",
                 step: Step | None = None) -> None:
        self.kind = kind  # question | item | gate
        self.question = question  # for items and gates: the set question
        self.item = item
        self.step = step


def targets(ruleset: Ruleset, stage: str) -> dict[str, Target]:
    """Every linkId that can carry an answer, for reading a response."""
    out: dict[str, Target] = {}
    by_id = {q.id: q for q in ruleset.questions[stage]}
    for q in by_id.values():
        if q.type == "set":
            out.update({codes.link(q.id, i.id): Target("item", q, i.id) for i in q.items})
        else:
            out[codes.link(q.id)] = Target("question", q)
    for step in ruleset.interview[stage]:
        if step.kind == "gate":
            out[codes.gate_link(step.id)] = Target("gate", by_id[step.question], step=step)
    return out


def items_of(ruleset: Ruleset, stage: str) -> Items:
    """What the stage's conditions may read, for fhir/enable.py."""
    return Items({q.id: q for q in ruleset.questions[stage]},
                 {rule.id: rule.when for rule in ruleset.derived[stage]},
                 codes.link, lambda q, v: codes.value_coding(ruleset, q, v))


def questionnaire(ruleset: Ruleset, stage: str, region: str | None = None) -> dict[str, Any]:
    """The stage's Questionnaire, worded for `region` (None: the rule set's default)."""
    from insertadvisor.assessment import REGION, Wording

    chosen = region or ruleset.default_region
    say = Wording(ruleset, {REGION: chosen}, {})
    builder = _Builder(ruleset, stage, say, chosen)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": codes.questionnaire_url(ruleset, stage),
        "version": ruleset.version,
        "name": f"Insertadvisor{stage.capitalize()}",
        "title": f"insertadvisor {stage}: {ruleset.name} {ruleset.version}, "
                 f"{say.region.name}",
        "status": "active",
        "subjectType": ["Patient"],
    }
    if ruleset.description:
        resource["description"] = ruleset.description.strip()
    countries = say.region.countries
    if countries:  # the wording (phone numbers, services) is for these countries
        resource["jurisdiction"] = [{"coding": [{"system": "urn:iso:std:iso:3166", "code": c}
                                                for c in countries]}]
    resource["item"] = builder.items()
    return resource


class _Builder:
    def __init__(self, ruleset: Ruleset, stage: str, say: Say, region: str) -> None:
        self.ruleset = ruleset
        self.stage = stage
        self.say = say
        self.region = region
        self.readable = items_of(ruleset, stage)
        self.questions = {q.id: q for q in ruleset.questions[stage]}
        self.ids = codes.id_system(ruleset)

    def items(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        runs: dict[str, int] = {}
        group: dict[str, Any] | None = None
        group_of = ""
        for step in self.ruleset.interview[self.stage]:
            question = self.questions[step.question]
            if question.type != "set":
                group = None
                out.append(self.question(question, step))
                continue
            if group is None or group_of != question.id:
                runs[question.id] = runs.get(question.id, 0) + 1
                group = {"linkId": codes.group_link(question.id, runs[question.id]),
                         "text": self.say(question.prompt), "type": "group", "item": []}
                group_of = question.id
                out.append(group)
            group["item"] += self.set_step(question, step)
        return out

    # -- questions ----------------------------------------------------------------------

    def question(self, q: Question, step: Step) -> dict[str, Any]:
        item = self._head(codes.link(q.id), q.id, q.prompt)
        if q.type == "choice":
            item["type"] = "choice"
            item["answerOption"] = [self._option(q, v) for v in q.values]
        else:
            item["type"] = "integer" if q.type == "integer" else "decimal"
            item["extension"] = self._bounds(q)
        self._enable(item, *expanded(step.ask_when, self.readable), _words(step.ask_when))
        # A number that may be unknown is left blank when it is: never required in a form.
        item["required"] = q.required and not (q.type != "choice" and q.unknown)
        self._hint(item, q.hint)
        return item

    def _option(self, q: Question, value: str) -> dict[str, Any]:
        option: dict[str, Any] = {"valueCoding": codes.value_coding(
            self.ruleset, q, value, self.say(q.labels.get(value, value)))}
        from insertadvisor.assessment import REGION

        if q.id == REGION and value == self.region:
            option["initialSelected"] = True
        return option

    def _bounds(self, q: Question) -> list[dict[str, Any]]:
        kind = "valueInteger" if q.type == "integer" else "valueDecimal"
        out: list[dict[str, Any]] = [{"url": url, kind: _number(bound)}
               for url, bound in ((codes.MIN_VALUE, q.min), (codes.MAX_VALUE, q.max))
               if bound is not None]
        if q.unit:
            out.append({"url": codes.UNIT, "valueCoding": {"display": q.unit}})
        return out

    # -- set items and gates ------------------------------------------------------------

    def set_step(self, q: Question, step: Step) -> list[dict[str, Any]]:
        """The booleans of one interview step over a set: its items, after its gate."""
        items = {i.id: i for i in q.items}
        ask, exact = expanded(step.ask_when, self.readable)
        out = []
        through, words = ask, _words(step.ask_when)
        if step.kind == "gate":
            gate = self._head(codes.gate_link(step.id), "", step.prompt)
            gate["text"] += "".join(f"\n- {self.say(items[i].short)}" for i in step.items)
            gate["type"] = "boolean"
            # The gate is asked unless its items are asked directly; they follow a yes.
            direct, direct_exact = expanded(step.direct_when, self.readable) \
                if step.direct_when is not None else (FALSE, True)
            not_direct, _ = expanded(step.direct_when, self.readable, positive=False) \
                if step.direct_when is not None else (TRUE, True)
            direct_words = _words(step.direct_when) if step.direct_when is not None else ""
            self._enable(gate, join("and", [ask, not_direct]), exact and direct_exact,
                         _and(words, f"not {direct_words}" if direct_words else ""))
            out.append(gate)
            through = join("and", [ask, join("or", [gate_test(gate["linkId"]), direct])])
            exact = exact and direct_exact
            words = _and(words, "the question above is answered yes"
                         + (f", or {direct_words}" if direct_words else ""))
        for item_id in step.items:
            item = items[item_id]
            boolean = self._head(codes.link(q.id, item_id), item_id, item.prompt)
            boolean["type"] = "boolean"
            self._enable(boolean, through, exact, words)
            self._hint(boolean, item.hint)
            out.append(boolean)
        return out

    # -- shared -------------------------------------------------------------------------

    def _head(self, link_id: str, code: str, text: str) -> dict[str, Any]:
        item: dict[str, Any] = {"linkId": link_id}
        if code:
            item["code"] = [{"system": self.ids, "code": code}]
        item["text"] = self.say(text)
        return item

    def _enable(self, item: dict[str, Any], expr: Expr, exact: bool, words: str) -> None:
        fitted = fit(expr, exact)
        if fitted.tests:
            item["enableWhen"] = fitted.tests
            if len(fitted.tests) > 1:
                item["enableBehavior"] = fitted.behavior
        if not fitted.exact:
            item.setdefault("extension", []).append({
                "url": codes.APPROXIMATE,
                "valueString": f"The interview asks this only when {words}. FHIR "
                               "enableWhen cannot say that exactly, so this item is shown "
                               "more often than that, never less."})

    def _hint(self, item: dict[str, Any], hint: str) -> None:
        if not hint:
            return
        item["item"] = [{
            "linkId": codes.help_link(item["linkId"]),
            "text": self.say(hint),
            "type": "display",
            "extension": [{"url": codes.ITEM_CONTROL, "valueCodeableConcept": {
                "coding": [{"system": codes.ITEM_CONTROL_SYSTEM, "code": "help",
                            "display": "Help-Button"}]}}],
        }]


def _words(node: Node | None) -> str:
    """A condition as a rule author wrote it."""
    return describe(node) if node is not None else ""


def _and(*parts: str) -> str:
    return " and ".join(p for p in parts if p)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
