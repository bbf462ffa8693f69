"""The hand-written policy of benchmarks/reference.py stays the policy of rules/.

The engine benchmark compares our engine's speed with that hand-written if/else; this
keeps the comparison honest by checking both give the same full result (no timing here).
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import check_reference  # noqa: E402


def test_the_hand_written_policy_gives_the_engines_result_on_random_answers() -> None:
    problems = check_reference.compare(2000, seed=1)
    assert problems == [], "\n".join(problems[:5])


def test_the_random_answers_reach_every_triage_level_and_insert() -> None:
    from answers_gen import answer_sets
    from insertadvisor.assessment import assess
    from insertadvisor.loading import load_ruleset

    ruleset = load_ruleset()
    seen = {(r["triage"], r["insert"]["type"]) for r in
            (assess(ruleset, a) for a in answer_sets(2000, seed=1))}
    assert {t for t, _ in seen} == {level.id for level in ruleset.levels}
    assert {i for _, i in seen} == {"otc", "custom", "none", "defer"}
