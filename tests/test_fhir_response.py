"""`--answers FILE` given a FHIR QuestionnaireResponse: the answers it holds, read through the
same parser as every other source; the round trip questionnaire -> response filled from
each worked example of the rule set -> `assess --answers` -> the result the JSON answers
give; and the clear errors for a response that does not fit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from insertadvisor import fhir
from insertadvisor.answers import parse_mapping
from insertadvisor.fhir import codes
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Ruleset

from .conftest import V1, run_cli
from .fhir_r4 import conforms, fill, validate

COMMANDS = {"assess": "assess", "checkin": "checkin"}
FORMS = {"assess": "questionnaire", "checkin": "checkin-questionnaire"}


def _rulesets() -> list[tuple[str, Ruleset]]:
    return [(str(packaged_rules_dir()), load_ruleset(packaged_rules_dir())),
            (str(V1), load_ruleset(V1))]


def _write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _filled(ruleset: Ruleset, stage: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The response a form would give for these (partial) answers."""
    return fhir.response(ruleset, stage, parse_mapping(ruleset.questions[stage], raw, "case",
                                                       stage=stage))


@pytest.mark.parametrize("stage", ["assess", "checkin"])
def test_every_worked_example_gives_the_same_result_from_its_response(
        tmp_path: Path, stage: str) -> None:
    count = 0
    for rules, ruleset in _rulesets():
        form = fhir.questionnaire(ruleset, stage)
        for number, case in enumerate(ruleset.tests.get(stage, [])):
            raw = case.get("answers") or {}
            filled = _filled(ruleset, stage, raw)
            validate(filled)
            conforms(filled, form)
            args = [COMMANDS[stage], "--json", "--rules", rules, "--answers"]
            from_json = run_cli([*args, _write(tmp_path / f"{number}.json", raw)])
            from_fhir = run_cli([*args, _write(tmp_path / f"{number}.fhir.json", filled)])
            assert from_json.status == 0, (case["name"], from_json.stderr)
            assert from_fhir.status == from_json.status, (case["name"], from_fhir.stderr)
            assert json.loads(from_fhir.stdout) == json.loads(from_json.stdout), case["name"]
            count += 1
    assert count > 0


def _printed_form(rules: str, stage: str, region: Any) -> dict[str, Any]:
    """The Questionnaire as the CLI prints it for these rules and the example's region."""
    args = ["schema", FORMS[stage], "--format", "fhir", "--rules", rules]
    done = run_cli(args + (["--region", str(region)] if region else []))
    assert done.status == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _without(raw: dict[str, Any], hidden: set[tuple[str, Any]]) -> dict[str, Any]:
    """The answers less those the form hid (a hidden set item is not reported)."""
    out = dict(raw)
    for question, item in hidden:
        if item is None:
            out.pop(question, None)
        else:
            out[question] = [i for i in out[question] if i != item]
    return out


@pytest.mark.parametrize("stage", ["assess", "checkin"])
@pytest.mark.parametrize("hidden_too", [True, False], ids=["every-item", "as-shown"])
def test_the_printed_questionnaire_filled_from_each_worked_example_gives_its_result(
        tmp_path: Path, stage: str, hidden_too: bool) -> None:
    """Questionnaire (as printed, for the example's region) -> a response filled in from
    the form alone (tests/fhir_r4.fill) -> `assess --answers` -> the result the JSON
    answers give. Filled as a renderer would (disabled items left out), it gives the result
    of the JSON answers less what the form hid."""
    count = 0
    for rules, ruleset in _rulesets():
        for number, case in enumerate(ruleset.tests.get(stage, [])):
            raw = dict(case.get("answers") or {})
            form = _printed_form(rules, stage, raw.get("region"))
            filled, hidden = fill(form, raw, hidden_too=hidden_too)
            validate(filled)
            conforms(filled, form)
            expected = raw if hidden_too else _without(raw, hidden)
            args = [COMMANDS[stage], "--json", "--rules", rules, "--answers"]
            from_json = run_cli([*args, _write(tmp_path / f"{number}.json", expected)])
            from_fhir = run_cli([*args, _write(tmp_path / f"{number}.fhir.json", filled)])
            assert from_json.status == 0, (case["name"], from_json.stderr)
            assert from_fhir.status == 0, (case["name"], from_fhir.stderr)
            assert json.loads(from_fhir.stdout) == json.loads(from_json.stdout), case["name"]
            count += 1
    assert count > 0


def _response(ruleset: Ruleset, items: list[dict[str, Any]],
              stage: str = "assess") -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse",
            "questionnaire": codes.canonical(ruleset, stage), "status": "completed",
            "item": items}


def _coded(ruleset: Ruleset, question_id: str, value: str) -> dict[str, Any]:
    question = ruleset.question("assess", question_id)
    return {"linkId": question_id,
            "answer": [{"valueCoding": codes.value_coding(ruleset, question, value)}]}


def _assess(tmp_path: Path, resource: dict[str, Any], *flags: str) -> Any:
    return run_cli(["assess", "--json", "--answers", _write(tmp_path / "r.json", resource),
                    *flags])


def _one_error(done: Any, *fragments: str) -> None:
    assert done.status == 2 and done.stdout == "", done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


def test_unanswered_items_take_their_defaults_as_missing_keys_do(on_v1: Ruleset,
                                                                 tmp_path: Path) -> None:
    required = [q for q in on_v1.questions["assess"] if q.required]
    flags = [f for q in required for f in (q.flag, "unknown" if q.unknown or
                                           "unknown" in q.values else "3")]
    from_fhir = _assess(tmp_path, _response(on_v1, []), *flags)
    from_flags = run_cli(["assess", "--json", *flags])
    assert from_fhir.status == 0, from_fhir.stderr
    assert json.loads(from_fhir.stdout) == json.loads(from_flags.stdout)
    # a required question left unanswered is the usual missing answer
    missing = _assess(tmp_path, _response(on_v1, []))
    _one_error(missing, "missing answers: pass", required[0].flag)


def test_a_symptom_answered_yes_counts_even_if_its_gate_was_answered_no(
        tmp_path: Path) -> None:
    ruleset = load_ruleset(packaged_rules_dir())
    step = next(s for s in ruleset.interview["assess"] if s.kind == "gate")
    item = codes.link(step.question, step.items[0])
    group = next(i["linkId"] for i in fhir.questionnaire(ruleset, "assess")["item"]
                 if i["type"] == "group")
    resource = _response(ruleset, [{"linkId": group, "item": [
        {"linkId": codes.gate_link(step.id), "answer": [{"valueBoolean": False}]},
        {"linkId": item, "answer": [{"valueBoolean": True}]}]}])
    assert fhir.response_answers(ruleset, "assess", resource)[step.question] == \
        [step.items[0]]


def test_a_response_to_another_questionnaire_or_version_names_both(on_v1: Ruleset,
                                                                   tmp_path: Path) -> None:
    expected = f"{codes.questionnaire_url(on_v1, 'assess')} version {on_v1.version}"
    other = _response(on_v1, [])
    other["questionnaire"] = codes.questionnaire_url(on_v1, "assess") + "|0.9"
    _one_error(_assess(tmp_path, other), "answers questionnaire "
               f"{codes.questionnaire_url(on_v1, 'assess')} version 0.9", expected)
    checkin = _response(on_v1, [], "checkin")
    _one_error(_assess(tmp_path, checkin), codes.questionnaire_url(on_v1, "checkin"), expected)
    default = load_ruleset(packaged_rules_dir())
    _one_error(_assess(tmp_path, _response(default, [])), default.version, expected)
    del other["questionnaire"]
    _one_error(_assess(tmp_path, other), "names no questionnaire", expected)


@pytest.mark.parametrize(("items", "fragment"), [
    ([{"linkId": "arhc", "answer": [{"valueString": "flat"}]}],
     "unknown item linkId arhc (did you mean"),
    ([{"linkId": "arch", "answer": [{"valueString": "flat"}, {"valueString": "high"}]}],
     "item 'arch': 2 answers; it takes one"),
    ([{"linkId": "arch", "answer": [{"valueString": "flat", "valueBoolean": True}]}],
     "item 'arch': an answer needs exactly one value[x]"),
    ([{"linkId": "arch", "answer": [{"valueString": "flat"}]},
      {"linkId": "arch", "answer": [{"valueString": "flat"}]}],
     "item 'arch' is answered twice"),
    ([{"linkId": "arch", "answer": [{"valueString": "wide"}]}],
     "`arch`: 'wide' is not one of"),
    ([{"linkId": "pain_weeks", "answer": [{"valueDecimal": -1}]}],
     "`pain_weeks`: -1 is out of range"),
    ([{"linkId": "arch", "answer": [{"valueCoding": {"system": "http://snomed.info/sct",
                                                     "code": "flat"}}]}],
     "a code of http://snomed.info/sct; expected one of"),
    ([{"linkId": "symptoms", "item": [{"linkId": "symptoms.fever",
                                       "answer": [{"valueString": "yes"}]}]}],
     "item 'symptoms.fever': expected valueBoolean"),
    ([{"answer": []}], "every item needs a `linkId`"),
])
def test_a_response_that_does_not_fit_is_one_clear_error(on_v1: Ruleset, tmp_path: Path,
                                                         items: list[dict[str, Any]],
                                                         fragment: str) -> None:
    _one_error(_assess(tmp_path, _response(on_v1, items)), "--answers ", fragment)


def test_other_resources_and_a_response_entered_in_error_are_refused(on_v1: Ruleset,
                                                                     tmp_path: Path) -> None:
    _one_error(_assess(tmp_path, {"resourceType": "Patient"}),
               "a FHIR Patient resource, not a QuestionnaireResponse")
    wrong = _response(on_v1, [])
    wrong["status"] = "entered-in-error"
    _one_error(_assess(tmp_path, wrong), "status entered-in-error")


def test_values_a_form_may_send_are_read_as_the_same_answers(on_v1: Ruleset) -> None:
    """A code, its text, a decimal that is whole: the one parser decides."""
    items = [_coded(on_v1, "arch", "flat"),
             {"linkId": "overpronation", "answer": [{"valueString": "Yes"}]},
             {"linkId": "pain_weeks", "answer": [{"valueDecimal": 3.0}]},
             {"linkId": "age", "answer": [{"valueInteger": 40}]}]
    raw = fhir.response_answers(on_v1, "assess", _response(on_v1, items))
    answers = parse_mapping(on_v1.questions["assess"], raw, "x")
    assert answers["arch"] == "flat" and answers["overpronation"] == "yes"
    assert answers["pain_weeks"] == 3 and isinstance(answers["pain_weeks"], int)
    assert answers["leg_length_diff_mm"] is None  # blank: unknown


def test_flags_override_a_response_as_they_override_a_file(on_v1: Ruleset,
                                                           tmp_path: Path) -> None:
    items = [_coded(on_v1, "arch", "flat"), _coded(on_v1, "overpronation", "no"),
             {"linkId": "pain_weeks", "answer": [{"valueDecimal": 3}]}]
    done = _assess(tmp_path, _response(on_v1, items), "--arch", "high")
    assert done.status == 0, done.stderr
    assert json.loads(done.stdout)["answers"]["arch"] == "high"


def test_a_response_on_stdin(on_v1: Ruleset) -> None:
    items = [_coded(on_v1, "arch", "flat"), _coded(on_v1, "overpronation", "no"),
             {"linkId": "pain_weeks", "answer": [{"valueDecimal": 3}]}]
    done = run_cli(["assess", "--json", "--answers", "-"],
                   json.dumps(_response(on_v1, items)))
    assert done.status == 0, done.stderr
    assert json.loads(done.stdout)["answers"]["arch"] == "flat"
