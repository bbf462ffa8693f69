"""The compiled rule set survives the cache: to_data/from_data, through marshal."""

from __future__ import annotations

import marshal

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import result
from insertadvisor.model import Ruleset


def test_round_trip_through_marshal_keeps_every_decision(ruleset: Ruleset) -> None:
    again = Ruleset.from_data(marshal.loads(marshal.dumps(ruleset.to_data())))
    for stage in ("assess", "checkin"):
        for case in ruleset.tests[stage]:  # the rule set's own cases: answers of every kind
            questions = ruleset.questions[stage]
            answers = complete(questions, parse_mapping(questions, case["answers"], "case"))
            assert result(again, stage, answers) == result(ruleset, stage, answers)
    assert again.to_data() == ruleset.to_data()


def test_every_record_of_the_package_is_a_plain_slots_class() -> None:
    """One record style (issue 9.6): no module of the package defines a dataclass or a
    NamedTuple; a record is a class with __slots__."""
    import ast
    from pathlib import Path

    import insertadvisor

    found = []
    for path in Path(insertadvisor.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names]
                module = node.module if isinstance(node, ast.ImportFrom) else ""
                if module == "dataclasses" or "dataclasses" in names or \
                        (module == "typing" and "NamedTuple" in names):
                    found.append(f"{path.name}:{node.lineno}")
    assert found == []
