"""`rules test`: run the test cases kept with the rules (tests.yaml) and show differences.

A case gives answers and the expected outcome: any of the facts the pipeline adds that a
test may compare (pipeline.py: triage, insert, heel_lift, the referrals, features and
advice of an assessment; triage, stop_wearing, actions and advice of a check-in), and
`text_includes`, texts the rendered result must contain. Only what a case names is
compared. Pure: no terminal; commands/rules.py prints the results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES, Fired, Run


class CaseResult:
    __slots__ = ("column", "differences", "file", "line", "name", "stage")

    def __init__(self, stage: str, name: str, file: str, line: int, column: int) -> None:
        self.stage = stage
        self.name = name
        self.file = file  # as the rule set names it, e.g. rules/tests.yaml
        self.line = line
        self.column = column
        self.differences: list[str] = []

    @property
    def passed(self) -> bool:
        return not self.differences


def outcome(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                               str]:
    """What a case can expect, from its answers with the real pipeline, and the result's
    text (the JSON and the report a person reads) for `text_includes`."""
    from insertadvisor.answers import complete, parse_mapping
    from insertadvisor.assessment import assessment, checkin_result
    from insertadvisor.pipeline import run
    from insertadvisor.render.text import render
    from insertadvisor.report import build

    questions = ruleset.questions[stage]
    complete_answers = complete(questions, parse_mapping(questions, answers, "answers",
                                                         stage=stage))
    done = run(ruleset, stage, complete_answers)
    make = assessment if stage == "assess" else checkin_result
    result = make(ruleset, done, complete_answers)
    text = render(build(result, ruleset)) + json.dumps(result, ensure_ascii=False)
    return _values(done, ruleset), text


def _values(done: Run, ruleset: Ruleset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, product in done.stage.products.items():
        if isinstance(product, Fired):
            out[name] = [r.id for r in product.rules(done.fired, ruleset)]
        else:
            out[name] = done.facts[name]
    return out


def difference(key: str, expected: Any, got: Any, test: str) -> str | None:
    """One line saying how `got` differs from `expected`, or None if it does not.

    `test`: equal, list (the same ids in the same order) or includes (every expected id).
    """
    if test == "includes":
        missing = [x for x in expected if x not in got]
        return f"{key}: missing {', '.join(missing)} (got [{', '.join(got)}])" \
            if missing else None
    if expected == got:
        return None
    if isinstance(expected, list) and isinstance(got, list):
        missing = [x for x in expected if x not in got]
        extra = [x for x in got if x not in expected]
        notes = []
        if missing:
            notes.append(f"missing {', '.join(missing)}")
        if extra:
            notes.append(f"unexpected {', '.join(extra)}")
        if not notes:
            notes.append("same rules, different order")
        return (f"{key}: expected [{', '.join(expected)}], got [{', '.join(got)}] "
                f"({'; '.join(notes)})")
    return f"{key}: expected {_show(expected)}, got {_show(got)}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value}`"


def run_case(ruleset: Ruleset, stage: str, case: Mapping[str, Any]) -> CaseResult:
    from insertadvisor.errors import InsertAdvisorError

    result = CaseResult(stage, str(case.get("name", "?")), str(case.get("file", "tests.yaml")),
                        int(case.get("line", 1)), int(case.get("column", 1)))
    try:
        got, text = outcome(ruleset, stage, case.get("answers") or {})
    except InsertAdvisorError as exc:  # a bad answer, or a table with a gap
        result.differences.append(f"could not run: {exc}")
        return result
    products = STAGES[stage].products
    for key, expected in (case.get("expect") or {}).items():
        if key == "text_includes":
            result.differences += [f"text_includes: {want!r} is not in the result"
                                   for want in expected if want not in text]
            continue
        line = difference(key, expected, got.get(key), products[key].test)
        if line is not None:
            result.differences.append(line)
    return result


def run_tests(ruleset: Ruleset) -> list[CaseResult]:
    """Every test case of the rule set, stage by stage, in the order written."""
    return [run_case(ruleset, stage, case)
            for stage in STAGES for case in ruleset.tests.get(stage, [])]
