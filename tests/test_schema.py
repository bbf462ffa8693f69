"""`insertadvisor schema`: generated JSON Schema that every real output validates against."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess, checkin
from insertadvisor.explain import not_fired
from insertadvisor.loading import packaged_rules_dir
from insertadvisor.model import Ruleset
from insertadvisor.results import Result
from insertadvisor.schema import KINDS, schema

from .conftest import run_cli, run_installed

Validator = jsonschema.Draft202012Validator


def _case_answers(stage: str) -> list[Any]:
    sources = [packaged_rules_dir() / "tests.yaml"]
    params = []
    for source in sources:
        if not source.exists():
            continue
        data = yaml.safe_load(source.read_text())
        data = data.get("tests", data)
        params += [pytest.param(c["answers"], id=f"{source.name}: {c['name']}")
                   for c in data[stage]]
    return params


def _run(ruleset: Ruleset, stage: str, raw: dict[str, Any]) -> Result:
    questions = ruleset.questions[stage]
    answers = complete(questions, parse_mapping(questions, raw, "case"))
    return assess(ruleset, answers) if stage == "assess" else checkin(ruleset, answers)


@pytest.fixture(scope="module")
def validators(ruleset: Ruleset) -> dict[str, jsonschema.protocols.Validator]:
    out = {}
    for kind in KINDS:
        document = schema(ruleset, kind)
        Validator.check_schema(document)  # a valid draft 2020-12 schema
        out[kind] = Validator(document)
    return out


@pytest.mark.parametrize("raw", _case_answers("assess"))
def test_every_example_assessment_validates(raw: dict[str, Any], ruleset: Ruleset,
                                            validators: dict[str, Any]) -> None:
    result = _run(ruleset, "assess", raw)
    validators["assessment"].validate(result)
    validators["answers"].validate(result["answers"])
    validators["answers"].validate(raw)
    result["not_fired"] = not_fired(ruleset, "assess", result["answers"])  # --explain-all
    validators["assessment"].validate(result)


@pytest.mark.parametrize("raw", _case_answers("checkin"))
def test_every_example_checkin_validates(raw: dict[str, Any], ruleset: Ruleset,
                                         validators: dict[str, Any]) -> None:
    result = _run(ruleset, "checkin", raw)
    validators["checkin"].validate(result)
    validators["checkin-answers"].validate(result["answers"])


def _invalid(validator: Any, document: Any) -> bool:
    return not validator.is_valid(document)


def test_mutated_outputs_are_rejected(ruleset: Ruleset, validators: dict[str, Any]) -> None:
    good: Any = _run(ruleset, "assess", {"arch": "flat", "overpronation": "yes",
                                    "leg_length_diff_mm": None, "pain_weeks": 3})
    v = validators["assessment"]
    assert v.is_valid(good)
    mutations: list[Callable[[Any], object]] = [
        lambda d: d.update(triage="bogus"),
        lambda d: d["insert"].update(type="magic"),
        lambda d: d.update(schema_version="2"),
        lambda d: d.update(kind="checkin"),
        lambda d: d.pop("disclaimer"),
        lambda d: d["answers"].update(arch="curly"),
        lambda d: d["answers"].update(pain_weeks=-1),
        lambda d: d["answers"].update(pain_weeks=None),  # unknown is not allowed here
        lambda d: d["answers"].update(age=4.5),
        lambda d: d["answers"].update(symptoms=["hiccups"]),
        lambda d: d["answers"].update(colour="red"),
        lambda d: d["answers"].pop("footwear"),
        lambda d: d["referrals"].append({"urgency": "whenever", "to": "x", "reason": "y",
                                         "rule": "r"}),
        lambda d: d["ruleset"].update(sha256="abc"),
        lambda d: d["insert"].update(heel_lift="no"),
    ]
    for number, mutate in enumerate(mutations):
        bad = copy.deepcopy(good)
        mutate(bad)
        assert _invalid(v, bad), f"mutation {number} was accepted"
    grown = copy.deepcopy(good)
    grown["new_field"] = "schema version 1 may gain fields"
    assert v.is_valid(grown)


def test_answers_schema_requires_only_the_required_keys(validators: dict[str, Any]) -> None:
    v = validators["answers"]
    assert v.is_valid({"arch": "flat", "overpronation": "no", "leg_length_diff_mm": 3,
                       "pain_weeks": 1.5})
    assert _invalid(v, {"arch": "flat"})
    assert _invalid(v, {"arch": "flat", "overpronation": "no", "leg_length_diff_mm": 3,
                        "pain_weeks": 1, "extra": 1})


def test_schema_follows_the_rule_set(rules_copy: Path) -> None:
    questions = rules_copy / "questions.yaml"
    questions.write_text(questions.read_text().replace(
        "values: [flat, normal, high, unknown]", "values: [flat, normal, high, very_high, "
                                                 "unknown]"))
    result = run_cli(["schema", "answers", "--rules", str(rules_copy)])
    assert result.status == 0, result.stderr
    assert "very_high" in json.loads(result.stdout)["properties"]["arch"]["enum"]


@pytest.mark.parametrize("kind", KINDS)
def test_installed_schema_command_prints_the_schema(kind: str, ruleset: Ruleset) -> None:
    done = run_installed(["schema", kind])
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document == schema(ruleset, kind)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_installed_outputs_validate_against_installed_schema() -> None:
    assessment = json.loads(run_installed(["schema", "assessment"]).stdout)
    out = run_installed(["assess", "--json", "--arch", "high", "--overpronation", "no",
                         "--leg-length-diff", "7", "--pain-weeks", "9", "--symptom", "fever",
                         "--explain-all"])
    Validator(assessment).validate(json.loads(out.stdout))
    batch = run_installed(["batch"], '{"arch": "flat", "overpronation": "yes", '
                                     '"leg_length_diff_mm": null, "pain_weeks": 3}\n')
    Validator(assessment).validate(json.loads(batch.stdout))
    check = json.loads(run_installed(["schema", "checkin"]).stdout)
    out = run_installed(["checkin", "--json", "--weeks-wearing", "3", "--effect",
                         "numbness_tingling"])
    Validator(check).validate(json.loads(out.stdout))


def test_unknown_kind_is_a_usage_error() -> None:
    result = run_cli(["schema", "answer"])
    assert result.status == 2 and "answers" in result.stderr
