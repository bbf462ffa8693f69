"""`rules test`: run the test cases kept with the rules (tests.yaml) and show differences.

A case gives answers and the expected outcome: for `assess`, any of `triage`, `insert`,
`heel_lift` and `referrals` (the ids of the referral rules listed, in order); for
`checkin`, any of `triage`, `stop_wearing` and `actions`. Only what a case names is
compared. Pure: no terminal; commands/rules.py prints the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from insertadvisor.model import Ruleset


@dataclass(slots=True)
class CaseResult:
    stage: str
    name: str
    file: str  # as the rule set names it, e.g. rules/tests.yaml
    line: int
    column: int
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences


def outcome(ruleset: Ruleset, stage: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """What a case can expect, computed from its answers with the real pipeline."""
    from insertadvisor.answers import complete, parse_mapping
    from insertadvisor.assessment import assess, checkin

    questions = ruleset.questions[stage]
    complete_answers = complete(questions, parse_mapping(questions, answers, "answers"))
    if stage == "assess":
        result = assess(ruleset, complete_answers)
        return {"triage": result["triage"], "insert": result["insert"]["type"],
                "heel_lift": result["insert"]["heel_lift"],
                "referrals": [r["rule"] for r in result["referrals"]]}
    result = checkin(ruleset, complete_answers)
    return {"triage": result["triage"], "stop_wearing": result["stop_wearing"],
            "actions": [a["rule"] for a in result["actions"]]}


def difference(key: str, expected: Any, got: Any) -> str | None:
    """One line saying how `got` differs from `expected`, or None if they are equal."""
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
        got = outcome(ruleset, stage, case.get("answers") or {})
    except InsertAdvisorError as exc:  # a bad answer, or a table with a gap
        result.differences.append(f"could not run: {exc}")
        return result
    for key, expected in (case.get("expect") or {}).items():
        line = difference(key, expected, got.get(key))
        if line is not None:
            result.differences.append(line)
    return result


def run_tests(ruleset: Ruleset) -> list[CaseResult]:
    """Every test case of the rule set, assess cases first, in the order written."""
    return [run_case(ruleset, stage, case)
            for stage in ("assess", "checkin") for case in ruleset.tests.get(stage, [])]
