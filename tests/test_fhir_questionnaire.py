"""`insertadvisor schema questionnaire --format fhir`: the R4 Questionnaire of a stage.

Expectations are derived from the loaded rule set (its questions, interview and regions),
never from the clinical content of rules/. The safety property of enableWhen is checked
by running the real interview (prompts.Interview) on many random answer sets: every item
it asks is enabled in the form given the same answers, and an item said to be exact is
enabled exactly when the interview asks it.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, cast

import pytest

from insertadvisor import fhir
from insertadvisor.conditions import leaves
from insertadvisor.fhir import codes
from insertadvisor.fhir.enable import Items, expand, fit
from insertadvisor.fhir.response import enabled
from insertadvisor.interview import Interview, Place
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Item, Question, Ruleset, Step

from .conftest import V1, run_cli
from .fhir_r4 import validate
from .synthetic import plant

HERE = Path(__file__).resolve().parent
MINIMAL = HERE / "rulesets" / "minimal"
# Conditions that FHIR's one level of enableWhen cannot say exactly, planted in the
# minimal rule set: an `any` holding an `all`, a negation, a derived fact, a gate with both
# conditions.
PLANTED = [
    ("questions.yaml", "    - question: age\n",
     "    - question: age\n      ask_when:\n        any:\n          - arch: flat\n"
     "          - all:\n              - pain_weeks: {gt: 3}\n"
     "              - symptoms: {has: numb}\n"),
    ("questions.yaml", "    - item: foot_pain\n",
     "    - item: foot_pain\n      ask_when:\n        not:\n          all:\n"
     "            - arch: normal\n            - pain_weeks: {lte: 2.5}\n"),
    ("questions.yaml", "    - item: numb\n",
     "    - item: numb\n      ask_when: {foot_factor: false}\n"),
    ("questions.yaml", "      items: [tingling, sore]\n",
     "      items: [tingling, sore]\n      ask_when: {weeks_wearing: {gt: 1}}\n"
     "      direct_when: {weeks_wearing: {gte: 4}}\n"),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return load_ruleset(plant(MINIMAL, tmp_path_factory.mktemp("p") / "rules", PLANTED),
                        use_cache=False)


def _rulesets(planted: Ruleset) -> list[Ruleset]:
    return [load_ruleset(packaged_rules_dir()), load_ruleset(V1), load_ruleset(MINIMAL),
            planted]


def flat(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every item of a questionnaire by linkId."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        out[item["linkId"]] = item
        out.update(flat(item.get("item", [])))
    return out


def approximate(item: dict[str, Any]) -> bool:
    return any(e["url"] == codes.APPROXIMATE for e in item.get("extension", []))


# --- the resource -----------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["assess", "checkin"])
def test_every_questionnaire_of_every_rule_set_and_region_is_valid_r4(
        planted: Ruleset, stage: str) -> None:
    for ruleset in _rulesets(planted):
        for region in ruleset.regions:
            form = fhir.questionnaire(ruleset, stage, region)
            validate(form)
            assert form["version"] == ruleset.version
            assert form["url"] == codes.questionnaire_url(ruleset, stage)
            assert not re.search(r"\{[a-z_]+\}", json.dumps(form)), \
                "every placeholder is filled for the region"


def test_one_item_per_question_with_its_type_values_and_bounds() -> None:
    ruleset = load_ruleset(packaged_rules_dir())
    for stage, questions in ruleset.questions.items():
        items = flat(fhir.questionnaire(ruleset, stage)["item"])
        asked = {i for s in ruleset.interview[stage] for i in s.items or (s.id,)}
        for q in questions:
            if q.type == "set":
                for i in q.items:
                    link = codes.link(q.id, i.id)
                    assert (link in items) == (i.id in asked), link
                    if link in items:
                        assert items[link]["type"] == "boolean"
                        assert items[link]["code"] == [{"system": codes.id_system(ruleset),
                                                        "code": i.id}]
                continue
            item = items[q.id]
            assert item["code"][0]["code"] == q.id
            if q.type == "choice":
                assert item["type"] == "choice"
                assert [o["valueCoding"]["code"] for o in item["answerOption"]] == \
                    list(q.values)
                assert {o["valueCoding"]["system"] for o in item["answerOption"]} == \
                    {codes.value_system(ruleset, q.id)}
            else:
                assert item["type"] == ("integer" if q.type == "integer" else "decimal")
                bounds = {e["url"]: e.get("valueInteger", e.get("valueDecimal"))
                          for e in item["extension"] if "Value" in e["url"]}
                assert bounds == {url: b for url, b in ((codes.MIN_VALUE, q.min),
                                                        (codes.MAX_VALUE, q.max))
                                  if b is not None}
            assert item["required"] == (q.required and not (q.type != "choice" and q.unknown))
            hint = item.get("item", [])
            assert bool(hint) == bool(q.hint)
            for display in hint:
                assert display["type"] == "display"
                assert display["extension"][0]["valueCodeableConcept"]["coding"][0][
                    "code"] == "help"


def test_a_set_is_a_group_of_booleans_and_a_gate_a_boolean_before_its_items() -> None:
    ruleset = load_ruleset(packaged_rules_dir())
    form = fhir.questionnaire(ruleset, "assess")
    sets = {q.id for q in ruleset.questions["assess"] if q.type == "set"}
    groups = [i for i in form["item"] if i["type"] == "group"]
    assert groups and all(g["linkId"].split(":")[0] in sets for g in groups)
    for group in groups:
        assert {i["type"] for i in group["item"]} == {"boolean"}
    items = flat(form["item"])
    for step in ruleset.interview["assess"]:
        if step.kind != "gate":
            continue
        gate = codes.gate_link(step.id)
        assert items[gate]["type"] == "boolean"
        for item in step.items:
            tests = items[codes.link(step.question, item)]["enableWhen"]
            assert {"question": gate, "operator": "=", "answerBoolean": True} in tests


def test_the_wording_is_the_chosen_region_s(planted: Ruleset) -> None:
    ruleset = load_ruleset(packaged_rules_dir())
    from insertadvisor.assessment import Wording

    for region in ruleset.regions:
        items = flat(fhir.questionnaire(ruleset, "assess", region)["item"])
        say = Wording(ruleset, {"region": region}, {})
        for q in ruleset.questions["assess"]:
            for i in q.items:
                link = codes.link(q.id, i.id)
                if link in items:
                    assert items[link]["text"] == say(i.prompt)
        chosen = [o["valueCoding"]["code"] for o in items["region"]["answerOption"]
                  if o.get("initialSelected")]
        assert chosen == [region]


def test_the_cli_prints_it_following_rules_and_region(tmp_path: Path) -> None:
    ruleset = load_ruleset(packaged_rules_dir())
    region = list(ruleset.regions)[1]
    done = run_cli(["schema", "questionnaire", "--format", "fhir", "--region", region.lower()])
    assert done.status == 0, done.stderr
    assert json.loads(done.stdout) == fhir.questionnaire(ruleset, "assess", region)
    by_env = run_cli(["schema", "questionnaire"], environ={"INSERTADVISOR_REGION": region})
    assert json.loads(by_env.stdout) == json.loads(done.stdout)
    v1 = load_ruleset(V1)
    other = run_cli(["schema", "checkin-questionnaire", "--rules", str(V1)])
    assert json.loads(other.stdout) == fhir.questionnaire(v1, "checkin")


@pytest.mark.parametrize(("args", "fragment"), [
    (["schema", "questionnaire", "--format", "json-schema"],
     "--format json-schema: the questionnaire exists as a FHIR Questionnaire only"),
    (["schema", "answers", "--format", "fhir"],
     "--format fhir: `schema answers` is a JSON Schema only"),
    (["schema", "assessment", "--region", "UK"], "--region: `schema assessment` is the same"),
    (["schema", "questionnaire", "--region", "Atlantis"], "--region: 'Atlantis' is not one of"),
    (["schema", "questionnaire", "--region", "Atlantis", "--rules", str(V1)],
     "--region: 'Atlantis' is not a region of this rule set"),
])
def test_wrong_format_or_region_is_a_usage_error(args: list[str], fragment: str) -> None:
    done = run_cli(args)
    assert done.status == 2 and done.stdout == ""
    assert fragment in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_the_json_schemas_are_unchanged_by_format_json_schema() -> None:
    plain = run_cli(["schema", "answers"])
    assert run_cli(["schema", "answers", "--format", "json-schema"]).stdout == plain.stdout


# --- enableWhen --------------------------------------------------------------------------


class _Asker:
    """Answers the interview from a fixed set of true answers, recording each as FHIR."""

    def __init__(self, interview: _Recorded) -> None:
        self.interview = interview

    def say(self, text: str = "", style: str = "") -> None:
        pass

    def choice(self, question: Question, say: Any, optional: bool = False,
               **how: Any) -> str | None:
        return cast("str | None", self.interview.answer(question))

    def number(self, question: Question, say: Any, optional: bool = False, **how: Any) -> Any:
        return self.interview.answer(question)

    def yes_no(self, text: str, **how: Any) -> bool:  # only gates ask here (_item records)
        step = self.interview.step
        value = self.interview.gates[step.id]
        self.interview.response[codes.gate_link(step.id)] = [{"valueBoolean": value}]
        self.interview.shown.add(codes.gate_link(step.id))
        return value


class _Recorded(Interview):
    def __init__(self, ruleset: Ruleset, stage: str, truth: dict[str, Any],
                 gates: dict[str, bool]) -> None:
        super().__init__(ruleset, stage, cast("Any", _Asker(self)), on_yes=lambda a: True)
        self.truth, self.gates = truth, gates
        self.response: dict[str, list[dict[str, Any]]] = {}  # linkId -> its answers
        self.shown: set[str] = set()  # every linkId asked, answered or left blank
        self.owner = {i: q.id for q in self.questions.values() for i in
                      (x.id for x in q.items)}
        self.step: Step

    def _ask(self, place: Place, number: int) -> tuple[Place | None, bool]:
        self.step = self.steps[place[0]]
        return super()._ask(place, number)

    def _item(self, item: Item, lead: str, warning: bool) -> bool:
        value = item.id in self.truth[self.owner[item.id]]
        link = codes.link(self.owner[item.id], item.id)
        self.response[link] = [{"valueBoolean": value}]
        self.shown.add(link)
        return value

    def answer(self, question: Question) -> Any:
        value = self.truth[question.id]
        self.shown.add(question.id)
        if value is not None:
            kind = {"choice": "valueCoding", "integer": "valueInteger"}.get(question.type,
                                                                             "valueDecimal")
            self.response[question.id] = [{kind: codes.value_coding(self.ruleset, question,
                                                                    value)
                                           if kind == "valueCoding" else value}]
        return value


def _numbers(ruleset: Ruleset, stage: str, question: Question) -> list[Any]:
    """Values worth trying: every threshold a condition compares it with, and around it."""
    nodes = [n for s in ruleset.interview[stage] for n in (s.ask_when, s.direct_when) if n]
    nodes += [r.when for r in ruleset.derived[stage]]
    found = {leaf[2] for n in nodes for leaf in leaves(n)
             if leaf[1] == question.id and isinstance(leaf[2], (int, float))}
    values = {question.min or 0, question.max or 100}
    for x in found:
        values |= {x, x - 1, x + 1, x - 0.5, x + 0.5}
    low, high = question.min, question.max
    out = sorted(v for v in values if (low is None or v >= low) and (high is None or v <= high))
    return [int(v) if question.type == "integer" else v for v in out
            if question.type != "integer" or float(v).is_integer()]


def _random_truth(ruleset: Ruleset, stage: str, rng: random.Random) -> tuple[dict[str, Any],
                                                                              dict[str, bool]]:
    truth: dict[str, Any] = {}
    for q in ruleset.questions[stage]:
        if q.type == "set":
            truth[q.id] = {i.id for i in q.items if rng.random() < 0.3}
        elif q.type == "choice":
            truth[q.id] = None if not q.required and rng.random() < 0.2 else \
                rng.choice(q.values)
        else:
            unknown = q.unknown or not q.required
            truth[q.id] = None if unknown and rng.random() < 0.2 else \
                rng.choice(_numbers(ruleset, stage, q))
    gates = {s.id: bool(truth[s.question] & set(s.items)) or rng.random() < 0.2
             for s in ruleset.interview[stage] if s.kind == "gate"}
    return truth, gates


@pytest.mark.parametrize("stage", ["assess", "checkin"])
def test_the_form_never_hides_a_question_the_interview_asks(planted: Ruleset,
                                                            stage: str) -> None:
    rng = random.Random(12)
    for ruleset in _rulesets(planted):
        items = flat(fhir.questionnaire(ruleset, stage)["item"])
        for _ in range(300):
            truth, gates = _random_truth(ruleset, stage, rng)
            interview = _Recorded(ruleset, stage, truth, gates)
            interview.run({}, set())
            assert interview.shown  # the interview asked through the recorder
            state = interview.response
            for link, item in items.items():
                if item["type"] in ("group", "display"):
                    continue
                shown = enabled(item, state)
                if link in interview.shown:
                    assert shown, (ruleset.name, link, item.get("enableWhen"), state)
                elif not approximate(item):
                    assert not shown, (ruleset.name, link, item.get("enableWhen"), state)


def test_the_planted_approximations_are_marked_and_the_exact_ones_are_not(
        planted: Ruleset) -> None:
    assess = flat(fhir.questionnaire(planted, "assess")["item"])
    assert approximate(assess["age"])
    assert "The interview asks this only when (arch is flat or (pain_weeks > 3 and " \
        "symptoms include numb))" in assess["age"]["extension"][-1]["valueString"]
    assert not approximate(assess["symptoms.foot_pain"])  # a negation, said exactly
    assert assess["symptoms.foot_pain"]["enableBehavior"] == "any"
    assert not approximate(assess["symptoms.numb"])  # a derived fact, said exactly
    checkin = flat(fhir.questionnaire(planted, "checkin")["item"])
    assert approximate(checkin["gate:effects-gate"])
    assert approximate(checkin["effects.tingling"])
    assert not approximate(assess["pain_weeks"]) and "enableWhen" not in assess["pain_weeks"]


# --- the translation, test by test --------------------------------------------------------


def _items(*questions: Question, definitions: dict[str, Any] | None = None) -> Items:
    return Items({q.id: q for q in questions}, definitions or {}, codes.link,
                 lambda q, v: {"system": "s", "code": v})


CHOICE = Question("c", "choice", "--c", "C", "C?", "c", values=("a", "b", "d"), default="d")
WHOLE = Question("n", "integer", "--n", "N", "N?", "n", min=0, max=130, unknown=True)
SET = Question("s", "set", "--s", "ID", "S?", "s", items=(Item("x", "X?"), Item("y", "Y?")))


def _fitted(node: tuple[Any, ...], *questions: Question, **kw: Any) -> tuple[Any, str, bool]:
    expr, exact = expand(node, _items(*questions, **kw))
    done = fit(expr, exact)
    return [(t["question"], t["operator"], next(v for k, v in t.items()
                                                 if k.startswith("answer")))
            for t in done.tests], done.behavior, done.exact


def test_a_choice_whose_default_is_allowed_is_said_with_not_equal() -> None:
    # unanswered means the default d, which `ne a` allows: only `a` rules it out
    assert _fitted(("ne", "c", "a"), CHOICE) == ([("c", "!=", {"system": "s", "code": "a"})],
                                                 "all", True)
    assert _fitted(("in", "c", ("a", "b")), CHOICE) == (
        [("c", "=", {"system": "s", "code": "a"}), ("c", "=", {"system": "s", "code": "b"})],
        "any", True)


def test_a_whole_number_against_a_fraction_and_a_negated_comparison() -> None:
    assert _fitted(("gt", "n", 44.5), WHOLE) == ([("n", ">=", 45)], "all", True)
    assert _fitted(("lt", "n", 44.5), WHOLE) == ([("n", "<=", 44)], "all", True)
    # not (n > 5): n <= 5, or n unknown (blank)
    assert _fitted(("not", ("gt", "n", 5)), WHOLE) == (
        [("n", "<=", 5), ("n", "exists", False)], "any", True)
    assert _fitted(("known", "n", False), WHOLE) == ([("n", "exists", False)], "all", True)


def test_set_items_and_a_derived_fact_false() -> None:
    assert _fitted(("has_none", "s", ("x", "y")), SET) == (
        [("s.x", "!=", True), ("s.y", "!=", True)], "all", True)
    definitions = {"f": ("has_any", "s", ("x", "y"))}
    assert _fitted(("eq", "f", False), SET, definitions=definitions) == (
        [("s.x", "!=", True), ("s.y", "!=", True)], "all", True)


def test_what_cannot_be_said_is_shown_more_often_never_less() -> None:
    # (c = a and s has x) or n > 3: the conjunction is weakened to one of its tests
    node = ("any", (("all", (("eq", "c", "a"), ("has", "s", "x"))), ("gt", "n", 3)))
    tests, behavior, exact = _fitted(node, CHOICE, SET, WHOLE)
    assert behavior == "any" and not exact
    assert tests == [("c", "=", {"system": "s", "code": "a"}), ("n", ">", 3)]
    # an unknown fact: always shown
    assert _fitted(("eq", "elsewhere", "a"), CHOICE) == ([], "all", False)
