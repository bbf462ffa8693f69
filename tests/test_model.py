"""The compiled rule set survives the cache: to_data/from_data, through marshal."""

from __future__ import annotations

import marshal

from insertadvisor.assessment import assess
from insertadvisor.model import Ruleset


def test_round_trip_through_marshal_keeps_every_decision(ruleset: Ruleset) -> None:
    again = Ruleset.from_data(marshal.loads(marshal.dumps(ruleset.to_data())))
    answers = {"arch": "high", "overpronation": "yes", "leg_length_diff_mm": 7, "pain_weeks": 14,
               "symptoms": ["foot_pain"], "age": 52, "tried_otc_weeks": None,
               "footwear": "high_heels"}
    assert assess(again, answers) == assess(ruleset, answers)
    assert again.to_data() == ruleset.to_data()
