"""`insertadvisor rules diff tests/rulesets/v1 rules/` (policy version 1 against version 2),
as a whole process: under 10 seconds, and as a ratio to `rules check` of version 2 timed
in the same run (the machine is shared: the ratio is the figure to compare across runs).

    python benchmarks/diff.py [ROUNDS]
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import COMMAND, ROOT, Figure, clean_env, interleaved, ms, report, run_once

LIMIT_SECONDS = 10.0
V1 = ROOT / "tests" / "rulesets" / "v1"
V2 = ROOT / "rules"


def measure(rounds: int = 3) -> list[Figure]:
    env = clean_env()
    diff = [*COMMAND, "rules", "diff", str(V1), str(V2)]
    check = [*COMMAND, "rules", "check", str(V2)]
    try:
        run_once(diff, env)
        run_once(check, env)
    except RuntimeError as exc:
        print(f"  6. skipped: `rules diff` did not run: {str(exc)[:200]}")
        return []
    medians = interleaved({"diff": partial(run_once, diff, env),
                           "check": partial(run_once, check, env)}, rounds, warmup=0)
    ratio = medians["diff"] / medians["check"]
    return [Figure("6. rules diff v1 v2 (seconds)", medians["diff"], LIMIT_SECONDS,
                   f"{ms(medians['diff'])}, {ratio:.1f}x `rules check` of v2 "
                   f"({ms(medians['check'])}; {rounds} rounds)", unit=" s")]


def main() -> int:
    figures = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())
