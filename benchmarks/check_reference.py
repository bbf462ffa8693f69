"""Check that the hand-written policy (reference.py) decides exactly what the rules decide.

    python benchmarks/check_reference.py [COUNT]     compare on COUNT random answer sets
    python benchmarks/check_reference.py --sha       the sha256 of the default rules

Compares the derived facts, the rules each table fires and triage, insert and heel lift,
on COUNT random answer sets (default 20,000), but only when reference.py was written for
these rules (its WRITTEN_FOR): after an edit of rules/, it says so and compares nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers_gen import answer_sets
from insertadvisor.pipeline import Run
from reference import WRITTEN_FOR, decide_by_hand


def written_for(ruleset: Any) -> bool:
    """Whether reference.py was written for these rules (else there is nothing to compare)."""
    return bool(ruleset.sha256 == WRITTEN_FOR)


def decided(done: Run) -> dict[str, Any]:
    """The engine's decisions, in the shape decide_by_hand returns."""
    fired = {table: [r.id for r in rules] for table, rules in done.fired.items()}
    return {"derived": fired["derived"], "red_flags": fired["red_flags"],
            "referrals": fired["referrals"], "triage": done.facts["triage"],
            "insert": done.facts["insert"], "insert_rule": fired["insert"][0],
            "heel_lift": done.facts["heel_lift"], "features": fired["features"],
            "pain_duration": fired["pain_duration"][0], "advice": fired["advice"]}


def compare(count: int, seed: int = 6) -> list[str]:
    """Problems found on `count` random answer sets (empty when the two agree)."""
    from insertadvisor.loading import load_ruleset
    from insertadvisor.pipeline import run

    ruleset = load_ruleset()
    problems = []
    for answers in answer_sets(count, seed, ruleset):
        engine, hand = decided(run(ruleset, "assess", answers)), decide_by_hand(answers)
        differ = [key for key in engine if engine[key] != hand[key]]
        if differ:
            key = differ[0]
            problems.append(f"{answers}: {key}: engine {engine[key]!r}, reference {hand[key]!r}")
    return problems


def main() -> int:
    from insertadvisor.loading import load_ruleset

    ruleset = load_ruleset()
    if sys.argv[1:] == ["--sha"]:
        print(ruleset.sha256)
        return 0
    if not written_for(ruleset):
        print("reference.py was written for other rules (WRITTEN_FOR); nothing compared")
        return 0
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    problems = compare(count)
    for problem in problems[:10]:
        print(problem)
    print(f"{count - len(problems)} of {count} answer sets agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
