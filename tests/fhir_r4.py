"""Validating the FHIR resources the tool writes, for the tests only (never imported by src/).

`validate(resource)` parses it with fhirclient's R4 (4.0.1) models in strict mode (every
element known, of its type, cardinality kept, required elements present) and checks that
the model writes back the same JSON, then checks what those models leave out: the codes of
R4's required bindings, one value[x] where R4 allows one, no empty strings, arrays or
objects, contained resources referenced (dom-3), and the Questionnaire and
QuestionnaireResponse invariants (que-1..13, qrs-1..2). `conforms(response, form)` checks a
response against its questionnaire: each item where the form has it, answers of the
item's type, codes among its options.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fhirclient.models.fhirelementfactory import FHIRElementFactory

# Codes of R4's required bindings on the elements the tool writes (hl7.org/fhir/R4).
BINDINGS = {
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended",
                                          "entered-in-error", "stopped"},
    ("GuidanceResponse", "status"): {"success", "data-requested", "data-required",
                                     "in-progress", "failure", "entered-in-error"},
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response",
                         "batch", "batch-response", "history", "searchset", "collection"},
}
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time",
              "string", "text", "url", "choice", "open-choice", "attachment", "reference",
              "quantity"}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
ANSWER_OF = {"boolean": "Boolean", "decimal": "Decimal", "integer": "Integer",
             "choice": "Coding", "open-choice": "Coding", "string": "String", "text": "String"}
_CODE = re.compile(r"[^\s]+( [^\s]+)*")
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def validate(resource: dict[str, Any]) -> None:
    """Raise AssertionError (or fhirclient's FHIRValidationError) if `resource` is not a
    valid R4 resource of the kinds the tool writes."""
    model = FHIRElementFactory.instantiate(resource["resourceType"], resource)
    assert model.as_json() == resource, "the R4 model does not write the same JSON back"
    _no_empty(resource, resource["resourceType"])
    for kind, where in _resources(resource):
        _check(kind, where)


def _resources(resource: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield resource["resourceType"], resource
    for contained in resource.get("contained", []):
        yield from _resources(contained)
    for entry in resource.get("entry", []):
        yield from _resources(entry["resource"])


def _no_empty(value: Any, path: str) -> None:
    """FHIR JSON has no empty strings, arrays or objects, and no nulls."""
    assert value is not None and value not in ("", [], {}), f"{path} is empty"
    if isinstance(value, str):
        assert value == value.strip() or "\n" in value, f"{path}: stray whitespace"
    elif isinstance(value, dict):
        for key, inner in value.items():
            _no_empty(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _no_empty(inner, f"{path}[{i}]")


def _check(kind: str, resource: dict[str, Any]) -> None:
    for (of, element), codes in BINDINGS.items():
        if of == kind:
            assert resource[element] in codes, (kind, element, resource[element])
    if "id" in resource:
        assert _ID.fullmatch(resource["id"]), resource["id"]
    references = {c["id"] for c in resource.get("contained", [])}
    for contained in references:  # dom-3: every contained resource is referenced
        assert f'"#{contained}"' in repr(resource).replace("'", '"'), contained
    for contained in resource.get("contained", []):
        assert "contained" not in contained, "dom-2: no nested contained resources"
    if kind == "Questionnaire":
        links = [i["linkId"] for i in _items(resource.get("item", []))]
        assert len(links) == len(set(links)), "que-2: linkIds are unique"
        types = {i["linkId"]: i["type"] for i in _items(resource.get("item", []))}
        for item in _items(resource.get("item", [])):
            _question_item(item, types)
    if kind == "QuestionnaireResponse":
        for item in _items(resource.get("item", [])):
            assert not ("item" in item and "answer" in item), "qrs-1: item or answer"
            for answer in item.get("answer", []):
                assert len(_values(answer, "value")) == 1, (item["linkId"], answer)
    if kind == "Parameters":
        for parameter in _parameters(resource.get("parameter", [])):
            has = len(_values(parameter, "value")) + ("resource" in parameter) + \
                ("part" in parameter)
            assert has == 1, f"inv-1: one of value, resource, part: {parameter}"


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _items(item.get("item", []))
        for answer in item.get("answer", []):
            yield from _items(answer.get("item", []))


def _parameters(parameters: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for parameter in parameters:
        yield parameter
        yield from _parameters(parameter.get("part", []))


def _values(element: dict[str, Any], prefix: str) -> list[str]:
    return [k for k in element if k.startswith(prefix) and k[len(prefix):][:1].isupper()]


def _question_item(item: dict[str, Any], types: dict[str, str]) -> None:
    kind, link = item["type"], item["linkId"]
    assert kind in ITEM_TYPES, (link, kind)
    if kind == "group":
        assert item.get("item"), f"que-1: group {link} has items"
    if kind == "display":
        assert "item" not in item, f"que-1: display {link} has no items"
        assert "code" not in item, f"que-3: display {link} has no code"
        assert "required" not in item and "repeats" not in item, f"que-6: {link}"
    for code in item.get("code", []):
        assert _CODE.fullmatch(code["code"]) and code["system"], (link, code)
    options = item.get("answerOption", [])
    if options:
        assert kind in ("choice", "open-choice"), f"que-5: {link}"
        assert "initial" not in item, f"que-11: {link}"
        for option in options:
            assert len(_values(option, "value")) == 1, (link, option)
    tests = item.get("enableWhen", [])
    if len(tests) > 1:
        assert item.get("enableBehavior") in ("all", "any"), f"que-12: {link}"
    for test in tests:
        assert test["operator"] in OPERATORS, (link, test)
        answers = _values(test, "answer")
        assert len(answers) == 1, (link, test)
        assert test["question"] in types and test["question"] != link, (link, test)
        if test["operator"] == "exists":
            assert answers == ["answerBoolean"], f"que-7: {link}"
        else:
            assert answers == ["answer" + ANSWER_OF[types[test["question"]]]], (link, test)


def conforms(response: dict[str, Any], form: dict[str, Any]) -> None:
    """`response` answers `form`: each item under the parent it has in the form, answers of
    the item's type (one, as no item repeats), codes among the item's options."""
    assert response["questionnaire"] == f"{form['url']}|{form['version']}"
    _conform(response.get("item", []), form.get("item", []))


def _conform(answered: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
    by_link = {i["linkId"]: i for i in items}
    order = list(by_link)
    positions = [order.index(a["linkId"]) for a in answered]
    assert positions == sorted(positions), "items in the questionnaire's order"
    for got in answered:
        item = by_link[got["linkId"]]
        if item["type"] == "group":
            assert "answer" not in got
            _conform(got["item"], item["item"])
            continue
        assert "item" not in got
        (answer,) = got["answer"]
        (key,) = _values(answer, "value")
        assert key == "value" + ANSWER_OF[item["type"]], (got, item["type"])
        if "answerOption" in item:
            options = [(o["valueCoding"]["system"], o["valueCoding"]["code"])
                       for o in item["answerOption"]]
            assert (answer[key]["system"], answer[key]["code"]) in options, got


def fill(form: dict[str, Any], answers: dict[str, Any], *,
         hidden_too: bool = False) -> tuple[dict[str, Any], set[tuple[str, Any]]]:
    """The QuestionnaireResponse a forms system would give for `form`, filled in by a
    person whose answers are `answers` (question id -> value, as the JSON answers spell
    them; a set is a list of item ids). Read from the form alone (its linkIds, types,
    answerOptions and enableWhen), not from the tool's own writer: a group's booleans are
    set items, a boolean no item's answer names is a gate (yes when one of the items it
    enables is chosen). An item the form disables is left out, as a renderer would, unless
    `hidden_too`; the answers so left out are returned as (question id, item id or None).
    """
    state: dict[str, Any] = {}
    hidden: set[tuple[str, Any]] = set()
    items = _fill_items(form.get("item", []), answers, state, hidden, hidden_too)
    out: dict[str, Any] = {"resourceType": "QuestionnaireResponse",
                           "questionnaire": f"{form['url']}|{form['version']}",
                           "status": "completed"}
    if items:
        out["item"] = items
    return out, hidden


def _fill_items(items: list[dict[str, Any]], answers: dict[str, Any], state: dict[str, Any],
                hidden: set[tuple[str, Any]], hidden_too: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if item["type"] == "display":
            continue
        if item["type"] == "group":
            inner = _fill_items(item["item"], answers, state, hidden, hidden_too)
            if inner:
                out.append({"linkId": item["linkId"], "item": inner})
            continue
        value, said = _value(item, items, answers)
        if value is None:
            continue
        shown = _enabled(item, state)
        if shown:
            state[item["linkId"]] = value
        elif said is not None:
            hidden.add(said)
        if shown or hidden_too:
            out.append({"linkId": item["linkId"],
                        "answer": [{"value" + ANSWER_OF[item["type"]]: value}]})
    return out


def _value(item: dict[str, Any], siblings: list[dict[str, Any]],
           answers: dict[str, Any]) -> tuple[Any, tuple[str, Any] | None]:
    """The value a person with `answers` gives this item, and which answer it says."""
    link = item["linkId"]
    if link in answers:  # a question of its own
        given = answers[link]
        if given is None:
            return None, None  # unknown: left blank
        if "answerOption" in item:
            (option,) = (o["valueCoding"] for o in item["answerOption"]
                         if o["valueCoding"]["code"] == str(given))
            return option, (link, None)
        return given, (link, None)
    question, _, chosen = link.partition(".")
    if chosen and question in answers:  # an item of a set
        picked = chosen in (answers[question] or ())
        return picked, (question, chosen) if picked else None  # "no" is the default
    gated = [s["linkId"].partition(".") for s in siblings
             if any(t["question"] == link for t in s.get("enableWhen", []))]
    if gated and gated[0][0] in answers:  # a gate of the set its items belong to
        return any(i in (answers[q] or ()) for q, _, i in gated), None
    return None, None


def _enabled(item: dict[str, Any], state: dict[str, Any]) -> bool:
    tests = item.get("enableWhen", [])
    if not tests:
        return True
    results = [_holds(t, state.get(t["question"])) for t in tests]
    return all(results) if item.get("enableBehavior", "all") == "all" else any(results)


def _holds(test: dict[str, Any], got: Any) -> bool:
    (key,) = _values(test, "answer")
    wanted = test[key]
    if test["operator"] == "exists":
        return bool((got is not None) == wanted)
    if test["operator"] == "!=":
        return bool(got != wanted)  # an unanswered question is not equal (R4)
    if got is None:
        return False
    if isinstance(wanted, dict):
        got, wanted = (got["system"], got["code"]), (wanted["system"], wanted["code"])
    compare = {"=": got == wanted, ">": got > wanted, "<": got < wanted,
               ">=": got >= wanted, "<=": got <= wanted}
    return bool(compare[test["operator"]])
