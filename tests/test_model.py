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
