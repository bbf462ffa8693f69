"""Check that the hand-written policy (reference.py) decides exactly what the rules decide.

    python benchmarks/check_reference.py [COUNT]

Compares the whole result of `assess` (triage, insert, heel lift, features, referrals,
advice, fired rules with their `because`) on COUNT random answer sets (default 20,000).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers_gen import answer_sets
from reference import Texts, assess_by_hand


def first_difference(a: Any, b: Any, where: str = "") -> str | None:
    """Where two JSON-like values first differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            if key not in a or key not in b:
                return f"{where}.{key}: only in {'engine' if key in a else 'reference'}"
            found = first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{where}: {len(a)} items from the engine, {len(b)} from the reference"
        return None
    return None if a == b and type(a) is type(b) else f"{where}: engine {a!r}, reference {b!r}"


def written_for(ruleset: Any) -> bool:
    """Whether reference.py was written for these rules (else there is nothing to compare)."""
    from reference import WRITTEN_FOR

    return bool(ruleset.sha256 == WRITTEN_FOR)


def compare(count: int, seed: int = 6) -> list[str]:
    """Problems found on `count` random answer sets (empty when the two agree, or when
    reference.py was written for other rules)."""
    from insertadvisor.assessment import assess
    from insertadvisor.loading import load_ruleset

    ruleset = load_ruleset()
    if not written_for(ruleset):
        print("reference.py was written for other rules: not compared")
        return []
    texts = Texts(ruleset)
    problems = []
    for answers in answer_sets(count, seed):
        found = first_difference(assess(ruleset, answers), assess_by_hand(answers, texts))
        if found:
            problems.append(f"{answers}: {found}")
    return problems


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    problems = compare(count)
    for problem in problems[:10]:
        print(problem)
    print(f"{count - len(problems)} of {count} answer sets agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
