"""The policy's worked examples (../shared/examples/cases.yaml), as data-driven tests.

Each case runs twice: through the Python API and through the CLI with --json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess, checkin
from insertadvisor.model import Ruleset

from .conftest import SHARED, run_cli

CASES_FILE = SHARED / "examples" / "cases.yaml"
if not CASES_FILE.exists():  # a clone without shared/ beside it: use the copy in the rules
    CASES_FILE = Path(__file__).resolve().parent.parent / "rules" / "tests.yaml"


def _cases(stage: str) -> list[Any]:
    data = yaml.safe_load(CASES_FILE.read_text())
    data = data.get("tests", data)
    return [pytest.param(c, id=c["name"]) for c in data[stage]]


def _flags(answers: dict[str, Any], ruleset: Ruleset, stage: str) -> list[str]:
    args: list[str] = []
    for q in ruleset.questions[stage]:
        value = answers.get(q.id)
        if q.type == "set":
            for item in value or []:
                args += [q.flag, item]
        elif value is not None or q.unknown:
            args += [q.flag, "unknown" if value is None else str(value)]
    return args


def _summary(result: dict[str, Any], expect: dict[str, Any]) -> dict[str, Any]:
    got = {"triage": result["triage"]}
    if result["kind"] == "assessment":
        got |= {"insert": result["insert"]["type"], "heel_lift": result["insert"]["heel_lift"]}
        got["referrals"] = [r["rule"] for r in result["referrals"]]
    else:
        got |= {"stop_wearing": result["stop_wearing"],
                "actions": [a["rule"] for a in result["actions"]]}
    return {k: got[k] for k in expect}


@pytest.mark.parametrize("case", _cases("assess"))
def test_assess_case_through_api(case: dict[str, Any], ruleset: Ruleset) -> None:
    questions = ruleset.questions["assess"]
    answers = complete(questions, parse_mapping(questions, case["answers"], "case"))
    assert _summary(assess(ruleset, answers), case["expect"]) == case["expect"]


@pytest.mark.parametrize("case", _cases("assess"))
def test_assess_case_through_cli(case: dict[str, Any], ruleset: Ruleset) -> None:
    result = run_cli(["assess", "--json", *_flags(case["answers"], ruleset, "assess")])
    assert result.status == 0, result.stderr
    assert _summary(json.loads(result.stdout), case["expect"]) == case["expect"]


@pytest.mark.parametrize("case", _cases("checkin"))
def test_checkin_case_through_api(case: dict[str, Any], ruleset: Ruleset) -> None:
    questions = ruleset.questions["checkin"]
    answers = complete(questions, parse_mapping(questions, case["answers"], "case"))
    assert _summary(checkin(ruleset, answers), case["expect"]) == case["expect"]


@pytest.mark.parametrize("case", _cases("checkin"))
def test_checkin_case_through_cli(case: dict[str, Any], ruleset: Ruleset) -> None:
    result = run_cli(["checkin", "--json", *_flags(case["answers"], ruleset, "checkin")])
    assert result.status == 0, result.stderr
    assert _summary(json.loads(result.stdout), case["expect"]) == case["expect"]
