"""The policy's worked examples, kept with the rules (rules/tests.yaml), as data-driven tests.

Each case runs twice: through the Python API (`rules test`'s own comparison) and through
the command line with flags and --json, compared the same way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES, Fired
from insertadvisor.ruletests import difference, run_case

from .conftest import run_cli

RULESET = load_ruleset()


def _cases(stage: str) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in RULESET.tests[stage]]


def _flags(answers: dict[str, Any], ruleset: Ruleset, stage: str) -> list[str]:
    args: list[str] = ["--no-input"]
    for q in ruleset.questions[stage]:
        if q.id not in answers:
            continue
        value = answers[q.id]
        if q.type == "set":
            for item in value or []:
                args += [q.flag, item]
        elif value is not None or q.unknown:
            args += [q.flag, "unknown" if value is None else str(value)]
    return args


def _from_json(result: dict[str, Any], stage: str) -> dict[str, Any]:
    """What a case can expect, read back from the JSON a script gets."""
    fired = [r["id"] for r in result["fired_rules"]]
    got: dict[str, Any] = {}
    for name, product in STAGES[stage].products.items():
        if isinstance(product, Fired) and name in ("referrals", "actions"):
            got[name] = [r["rule"] for r in result[name]]
        elif isinstance(product, Fired):
            tables = {r.id for t in product.tables for r in RULESET.tables[t].rules}
            got[name] = [rid for rid in fired if rid in tables]
        elif name == "insert":
            got[name] = result["insert"]["type"]
        elif name == "heel_lift":
            got[name] = result["insert"]["heel_lift"]
        elif name in result:
            got[name] = result[name]
    return got


@pytest.mark.parametrize("stage", list(STAGES))
def test_there_are_cases_for_every_stage(stage: str) -> None:
    assert RULESET.tests[stage]


@pytest.mark.parametrize("case", _cases("assess"))
def test_assess_case_through_api(case: dict[str, Any]) -> None:
    result = run_case(RULESET, "assess", case)
    assert result.differences == []


@pytest.mark.parametrize("case", _cases("assess"))
def test_assess_case_through_cli(case: dict[str, Any]) -> None:
    _through_cli(case, "assess")


@pytest.mark.parametrize("case", _cases("checkin"))
def test_checkin_case_through_api(case: dict[str, Any]) -> None:
    result = run_case(RULESET, "checkin", case)
    assert result.differences == []


@pytest.mark.parametrize("case", _cases("checkin"))
def test_checkin_case_through_cli(case: dict[str, Any]) -> None:
    _through_cli(case, "checkin")


def _through_cli(case: dict[str, Any], stage: str) -> None:
    done = run_cli([stage, "--json", *_flags(case["answers"], RULESET, stage)])
    assert done.status == 0, done.stderr
    result = json.loads(done.stdout)
    got = _from_json(result, stage)
    products = STAGES[stage].products
    for key, expected in case["expect"].items():
        if key == "text_includes":
            assert all(want in done.stdout for want in expected), expected
            continue
        assert difference(key, expected, got[key], products[key].test) is None
