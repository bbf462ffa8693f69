"""QuestionnaireResponse: read as answers (for `--answers` and batch records), and written
from a result's answers (in the Bundle).

Reading gives the raw answers mapping that answers.parse_mapping then validates, so a
value from a form means what the same value means anywhere else. An item left unanswered
takes its default, as a missing key does: a set item is not reported, a number that may be
unknown is unknown (the questionnaire leaves it blank for that), a choice takes its
default. A gate is no answer of its own; an item answered true counts even if its gate
was answered no (a reported symptom is never dropped).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from insertadvisor.answers import FHIR_RESOURCE_KEY, AnswerError
from insertadvisor.errors import did_you_mean
from insertadvisor.fhir import codes
from insertadvisor.fhir.questionnaire import Target, questionnaire, targets
from insertadvisor.model import Ruleset

RESOURCE = "QuestionnaireResponse"
# entered-in-error: the form was recorded by mistake; its answers are not the person's.
_REFUSED_STATUS = ("entered-in-error",)


def response_answers(ruleset: Ruleset, stage: str, resource: Mapping[str, Any],
                     where: str = "answers") -> dict[str, Any]:
    """The answers of a QuestionnaireResponse to this rule set's questionnaire of `stage`;
    AnswerError naming the problem (`where` starts each message)."""
    kind = resource.get(FHIR_RESOURCE_KEY)
    if kind != RESOURCE:
        raise AnswerError(f"{where}: a FHIR {_show(kind)} resource, not a {RESOURCE}; give "
                          f"a {RESOURCE} to `insertadvisor schema {_kind(stage)} --format "
                          "fhir`, or answers as JSON or YAML")
    _check_questionnaire(ruleset, stage, resource.get("questionnaire"), where)
    status = resource.get("status")
    if status in _REFUSED_STATUS:
        raise AnswerError(f"{where}: the {RESOURCE} has status {status}; its answers were "
                          "recorded by mistake")
    known = targets(ruleset, stage)
    raw: dict[str, Any] = {}
    chosen: dict[str, list[str]] = {q.id: [] for q in ruleset.questions[stage]
                                    if q.type == "set"}
    seen: set[str] = set()
    for link_id, answers in _answered(resource.get("item"), where):
        target = known.get(link_id)
        if target is None:
            raise AnswerError(f"{where}: unknown item linkId {_show(link_id)}"
                              f"{did_you_mean(link_id, known)}; the items are those of "
                              f"`insertadvisor schema {_kind(stage)} --format fhir`")
        if link_id in seen:
            raise AnswerError(f"{where}: item {link_id!r} is answered twice; answer it once")
        seen.add(link_id)
        value = _single(ruleset, target, answers, f"{where}: item {link_id!r}")
        if target.kind == "item" and value is True:
            chosen[target.question.id].append(target.item)
        elif target.kind == "question":
            raw[target.question.id] = value
    for q in ruleset.questions[stage]:
        if q.type == "set":
            raw[q.id] = chosen[q.id]
        elif q.type != "choice" and q.unknown:
            raw.setdefault(q.id, None)  # blank: unknown
    return raw


def _kind(stage: str) -> str:
    return "questionnaire" if stage == "assess" else f"{stage}-questionnaire"


def _check_questionnaire(ruleset: Ruleset, stage: str, given: Any, where: str) -> None:
    expected = codes.canonical(ruleset, stage)
    if given == expected:
        return
    if not isinstance(given, str) or not given:
        named = "names no questionnaire"
    else:
        url, _, version = given.partition("|")
        named = (f"answers questionnaire {url} version {version}" if version
                 else f"answers questionnaire {url} without a version")
    raise AnswerError(f"{where}: the {RESOURCE} {named}, but this rule set "
                      f"({ruleset.name} {ruleset.version}) asks questionnaire "
                      f"{codes.questionnaire_url(ruleset, stage)} version {ruleset.version}; "
                      f"fill in `insertadvisor schema {_kind(stage)} --format fhir` with "
                      "the same rules")


def _answered(items: Any, where: str) -> Iterator[tuple[str, list[Any]]]:
    """(linkId, answers) of every item with answers, however deeply nested."""
    if items is None:
        return
    if not isinstance(items, list):
        raise AnswerError(f"{where}: `item` must be a list of items")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("linkId"), str):
            raise AnswerError(f"{where}: every item needs a `linkId`")
        answers = item.get("answer")
        if answers is not None and not isinstance(answers, list):
            raise AnswerError(f"{where}: item {item['linkId']!r}: `answer` must be a list")
        if answers:
            yield item["linkId"], answers
            for answer in answers:
                if isinstance(answer, dict):
                    yield from _answered(answer.get("item"), where)
        yield from _answered(item.get("item"), where)


def _single(ruleset: Ruleset, target: Target, answers: list[Any], label: str) -> Any:
    """The one value of a non-repeating item: a code, a number, text or a boolean."""
    if len(answers) != 1:
        raise AnswerError(f"{label}: {len(answers)} answers; it takes one")
    answer = answers[0]
    values = {k: v for k, v in answer.items() if k.startswith("value")} \
        if isinstance(answer, dict) else {}
    if len(values) != 1:
        raise AnswerError(f"{label}: an answer needs exactly one value[x]")
    (kind, value), = values.items()
    if target.kind != "question":  # a set item or a gate: yes or no
        if kind != "valueBoolean" or not isinstance(value, bool):
            raise AnswerError(f"{label}: expected valueBoolean (true or false), got {kind}")
        return value
    if kind == "valueCoding":
        return _code(ruleset, target, value, label)
    return value  # valueString, valueDecimal, valueInteger...: checked by parse_mapping


def _code(ruleset: Ruleset, target: Target, coding: Any, label: str) -> Any:
    if not isinstance(coding, dict):
        raise AnswerError(f"{label}: valueCoding must be a Coding")
    expected = codes.value_system(ruleset, target.question.id)
    system = coding.get("system")
    if system not in (None, expected):
        raise AnswerError(f"{label}: a code of {_show(system)}; expected one of {expected}")
    return coding.get("code")


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


# -- writing ------------------------------------------------------------------------------


def response(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A completed QuestionnaireResponse holding `answers` (validated, canonical).

    It follows the questionnaire's structure. An answer that is only the default of an
    item the form would not show is left out (FHIR forms drop them, and leaving it out
    means the same); every other answer is kept, shown or not, so nothing is lost.
    """
    from insertadvisor.assessment import REGION

    form = _form(ruleset, stage, answers.get(REGION))
    given = _values(ruleset, stage, answers)
    defaults = {codes.link(q.id): q.default for q in ruleset.questions[stage]
                if q.type == "choice" and q.id != REGION}
    state: dict[str, list[dict[str, Any]]] = {}
    items = _fill(form["item"], given, defaults, state)
    out: dict[str, Any] = {"resourceType": RESOURCE,
                           "questionnaire": codes.canonical(ruleset, stage),
                           "status": "completed"}
    if items:
        out["item"] = items
    return out


# The questionnaires written from, by rule set hash, stage and region: a batch writes one
# Bundle per record, and building the form is half the cost of one. Only read, never
# handed out. Bounded: a process sees few rule sets and regions.
_FORMS: dict[tuple[str, str, str | None], dict[str, Any]] = {}
_MAX_FORMS = 64


def _form(ruleset: Ruleset, stage: str, region: str | None) -> dict[str, Any]:
    if not ruleset.sha256:  # a rule set built in memory: nothing to key it by
        return questionnaire(ruleset, stage, region)
    key = (ruleset.sha256, stage, region)
    form = _FORMS.get(key)
    if form is None:
        if len(_FORMS) >= _MAX_FORMS:
            _FORMS.clear()
        form = _FORMS[key] = questionnaire(ruleset, stage, region)
    return form


def _values(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """linkId -> the answer value (as FHIR answer dicts) of each given answer."""
    from insertadvisor.assessment import Wording

    say = Wording(ruleset, answers, {})
    out: dict[str, Any] = {}
    for q in ruleset.questions[stage]:
        value = answers.get(q.id)
        if q.type == "set":
            out.update({codes.link(q.id, i): [{"valueBoolean": True}] for i in value or ()})
        elif value is None:
            continue
        elif q.type == "choice":
            out[codes.link(q.id)] = [{"valueCoding": codes.value_coding(
                ruleset, q, value, say(q.labels.get(value, value)))}]
        else:
            out[codes.link(q.id)] = [{"valueInteger" if q.type == "integer"
                                      else "valueDecimal": value}]
    for step in ruleset.interview[stage]:
        if step.kind == "gate":
            chosen = set(answers.get(step.question) or ())
            out[codes.gate_link(step.id)] = [{"valueBoolean": bool(chosen & set(step.items))}]
    return out


def _fill(items: list[dict[str, Any]], given: Mapping[str, Any], defaults: Mapping[str, Any],
          state: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The response items of questionnaire `items`, in order; `state` holds the answers of
    the items shown so far (what enableWhen reads)."""
    out: list[dict[str, Any]] = []
    for item in items:
        link_id, kind = item["linkId"], item["type"]
        if kind == "display":
            continue
        if kind == "group":
            children = _fill(item.get("item", []), given, defaults, state)
            if children:
                out.append({"linkId": link_id, "item": children})
            continue
        answer = given.get(link_id)
        shown = enabled(item, state)
        if answer is None:
            continue
        is_default = link_id.startswith("gate:") or (
            link_id in defaults and answer[0]["valueCoding"]["code"] == defaults[link_id])
        if shown:
            state[link_id] = answer
        elif is_default:
            continue
        out.append({"linkId": link_id, "answer": answer})
    return out


def enabled(item: Mapping[str, Any], answers: Mapping[str, list[dict[str, Any]]]) -> bool:
    """Is `item` enabled, by the R4 definitions of its enableWhen operators, given the
    answers (linkId -> answer dicts) of the items enabled so far?"""
    tests = item.get("enableWhen")
    if not tests:
        return True
    results = (_test(t, answers.get(t["question"], [])) for t in tests)
    return all(results) if item.get("enableBehavior", "all") == "all" else any(results)


def _test(test: Mapping[str, Any], answers: list[dict[str, Any]]) -> bool:
    op = test["operator"]
    (kind, wanted), = ((k, v) for k, v in test.items() if k.startswith("answer"))
    if op == "exists":
        return bool(answers) == bool(wanted)
    got = [_comparable(a.get("value" + kind[len("answer"):])) for a in answers]
    want = _comparable(wanted)
    if op == "=":
        return any(g == want for g in got)
    if op == "!=":
        return all(g != want for g in got)  # also true with no answer (R4)
    compare = _COMPARE[op]
    return any(g is not None and compare(g, want) for g in got)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):  # a Coding: its system and code
        return (value.get("system"), value.get("code"))
    return value
