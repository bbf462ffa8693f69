"""`insertadvisor rules check` on the default rules, as a whole process: under 2 seconds.

    python benchmarks/rules_check.py [ROUNDS]

An absolute limit (the target is a person's patience, not a ratio); `python -c pass` is
timed alongside for scale.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import COMMAND, PYTHON, Figure, clean_env, interleaved, ms, report, run_once

LIMIT_SECONDS = 2.0


def measure(rounds: int = 5) -> list[Figure]:
    env = clean_env()
    try:
        run_once([*COMMAND, "rules", "check"], env)
    except RuntimeError as exc:
        print(f"  4. skipped: `rules check` did not run: {str(exc)[:200]}")
        return []
    medians = interleaved({"check": partial(run_once, [*COMMAND, "rules", "check"], env),
                           "pass": partial(run_once, [PYTHON, "-c", "pass"], env)},
                          rounds, warmup=1)
    return [Figure("4. rules check (seconds)", medians["check"], LIMIT_SECONDS,
                   f"{ms(medians['check'])}, {medians['check'] / medians['pass']:.0f}x "
                   f"python -c pass ({rounds} rounds)", unit=" s")]


def main() -> int:
    figures = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())
